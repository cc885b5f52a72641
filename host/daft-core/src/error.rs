//! The one error type of the engine.
//!
//! Each variant maps to one Python exception class of `daft.exceptions`
//! (the mapping lives in the binding crate), so the variant is chosen by
//! what the user did wrong, not by where the error was found.

use arrow::error::ArrowError;

/// Result alias used across the engine crates.
pub type DaftResult<T> = Result<T, DaftError>;

/// Every error the engine reports. Messages name the column, function,
/// plugin or file involved, since they are shown to users as-is.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DaftError {
    /// A column name that is not in the schema.
    #[error("column {name:?} not found; available columns: [{}]", .available.join(", "))]
    FieldNotFound {
        name: String,
        available: Vec<String>,
    },

    /// A function, operator or cast given arguments of the wrong number or type.
    #[error("{0}")]
    TypeError(String),

    /// Two schemas that must agree do not (e.g. files of one glob).
    #[error("{0}")]
    SchemaMismatch(String),

    /// A bad value supplied by the user (bad option, bad argument value).
    #[error("{0}")]
    ValueError(String),

    /// A failure of a function while it computed (e.g. overflow, bad regex).
    #[error("{0}")]
    ComputeError(String),

    /// A path that matched no file.
    #[error("no such file or directory: {0}")]
    FileNotFound(String),

    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io { path: String, message: String },

    /// A request to a remote store failed in a way that may pass if tried
    /// again later (a timeout, throttling, a broken connection), after the
    /// tries its settings allow.
    #[error("{path}: {message}")]
    Transient {
        path: String,
        message: String,
        kind: TransientKind,
    },

    /// A plugin failed to load, or one of its functions misbehaved.
    #[error("plugin {plugin:?}: {message}")]
    Plugin { plugin: String, message: String },

    /// The query was stopped before it finished (Ctrl-C, or its consumer
    /// went away).
    #[error("query cancelled: {0}")]
    Cancelled(String),

    /// The query needed more memory than the memory limit allows, even
    /// after spilling what can spill.
    #[error("{0}")]
    OutOfMemory(String),

    /// User code run by the engine (a Python UDF) raised an exception;
    /// `message` names `function`; `cause` carries the exception (opaque here) so the binding can chain it to the
    /// exception it raises.
    #[error("{message}")]
    UserCode {
        function: String,
        message: String,
        cause: Cause,
    },

    /// A bug in the engine: an invariant did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What kind of passing failure a [`DaftError::Transient`] is (Daft's
/// exception classes for remote I/O).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransientKind {
    /// No connection within the connect timeout.
    ConnectTimeout,
    /// No answer within the read timeout.
    ReadTimeout,
    /// The store asked the client to slow down (HTTP 503 or 429).
    Throttled,
    /// A connection was refused or broke off.
    Socket,
}

/// An error from outside the engine kept as it was raised (a Python
/// exception with its traceback), for the binding to hand back.
#[derive(Clone)]
pub struct Cause(pub std::sync::Arc<dyn std::any::Any + Send + Sync>);

impl std::fmt::Debug for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cause(..)")
    }
}

impl DaftError {
    /// Shorthand for a [`DaftError::TypeError`].
    pub fn type_error(msg: impl Into<String>) -> Self {
        DaftError::TypeError(msg.into())
    }

    /// Shorthand for a [`DaftError::ValueError`].
    pub fn value_error(msg: impl Into<String>) -> Self {
        DaftError::ValueError(msg.into())
    }

    /// Shorthand for a [`DaftError::ComputeError`].
    pub fn compute(msg: impl Into<String>) -> Self {
        DaftError::ComputeError(msg.into())
    }

    /// Adds context in front of the message while keeping the variant, so the
    /// Python exception class stays the same.
    pub fn context(self, ctx: impl std::fmt::Display) -> Self {
        match self {
            DaftError::TypeError(m) => DaftError::TypeError(format!("{ctx}: {m}")),
            DaftError::ValueError(m) => DaftError::ValueError(format!("{ctx}: {m}")),
            DaftError::ComputeError(m) => DaftError::ComputeError(format!("{ctx}: {m}")),
            DaftError::SchemaMismatch(m) => DaftError::SchemaMismatch(format!("{ctx}: {m}")),
            DaftError::Internal(m) => DaftError::Internal(format!("{ctx}: {m}")),
            other => other,
        }
    }
}

impl From<ArrowError> for DaftError {
    fn from(e: ArrowError) -> Self {
        DaftError::from(&e)
    }
}

impl From<&ArrowError> for DaftError {
    fn from(e: &ArrowError) -> Self {
        match e {
            ArrowError::CastError(m) => DaftError::ComputeError(format!("cast failed: {m}")),
            ArrowError::ArithmeticOverflow(m) => {
                DaftError::ComputeError(format!("arithmetic overflow: {m}"))
            }
            ArrowError::DivideByZero => DaftError::ComputeError("division by zero".into()),
            ArrowError::InvalidArgumentError(m) => DaftError::ValueError(m.clone()),
            other => DaftError::ComputeError(other.to_string()),
        }
    }
}
