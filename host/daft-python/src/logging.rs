//! `tracing` bridged to Python's `logging`.
//!
//! A small subscriber layer turns tracing events and span lifetimes into
//! `log` records with targets under `daft`, and `pyo3-log` hands those to
//! the Python logger of the same name. Python's levels decide what is
//! recorded, so `logging.getLogger("daft").setLevel(logging.DEBUG)` (or
//! `DAFT_LOG=debug`, which the Python package applies) turns spans on.
//!
//! Importing `logging` costs `import daft` several milliseconds, so the
//! bridge to it is built when it is first needed: at import if the program
//! imported `logging` before daft, else at `daft.refresh_logger()` (which
//! the documentation asks for after changing levels, and `DAFT_LOG` calls)
//! or at the first warning or error. Until then, records below WARNING are
//! dropped: with `logging` not imported, nothing can have asked for them
//! (Python's default level is WARNING).

use std::sync::OnceLock;
use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The global `log` logger: `pyo3-log`'s, once built.
struct LazyPythonLogger {
    /// `None` inside if `import logging` failed: records are then dropped.
    inner: OnceLock<Option<pyo3_log::Logger>>,
}

static LOGGER: LazyPythonLogger = LazyPythonLogger {
    inner: OnceLock::new(),
};

impl LazyPythonLogger {
    /// The bridge to Python's `logging`, built (and `logging` imported) on
    /// first use.
    fn get(&self) -> Option<&pyo3_log::Logger> {
        if self.inner.get().is_none() {
            // Built outside the cell's lock: `import logging` may release the
            // GIL, and a thread that holds the GIL while it waits for the
            // cell would then deadlock with us. Two threads may race to build
            // it; one logger is kept and the other dropped (under the GIL).
            Python::attach(|py| {
                let built = pyo3_log::Logger::new(py, pyo3_log::Caching::LoggersAndLevels).ok();
                let _ = self.inner.set(built);
            });
        }
        self.inner.get().and_then(Option::as_ref)
    }
}

impl log::Log for LazyPythonLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        match self.inner.get() {
            Some(Some(logger)) => logger.enabled(metadata),
            Some(None) => false,
            None => metadata.level() <= log::Level::Warn,
        }
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.inner.get().is_none() && record.level() > log::Level::Warn {
            return;
        }
        if let Some(logger) = self.get() {
            logger.log(record);
        }
    }

    fn flush(&self) {}
}

/// Installs the `log` → Python bridge and the tracing → `log` layer.
pub fn install(py: Python<'_>) -> PyResult<()> {
    log::set_logger(&LOGGER)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    // pyo3-log's own default: records up to DEBUG reach the logger's checks.
    log::set_max_level(log::LevelFilter::Debug);
    let modules = py.import("sys")?.getattr("modules")?;
    if modules.cast::<PyDict>()?.contains("logging")? {
        LOGGER.get();
    }
    let subscriber = tracing_subscriber::registry().with(LogBridge);
    // Another library may have set a global subscriber first; ours then
    // stays off and that one receives the events instead.
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// Forgets cached Python logger levels (building the bridge to `logging`
/// if it is not yet); call after changing them.
#[pyfunction]
pub fn refresh_logger_levels() {
    if let Some(logger) = LOGGER.get() {
        logger.reset_handle().reset();
    }
}

fn to_log_level(level: &Level) -> log::Level {
    match *level {
        Level::ERROR => log::Level::Error,
        Level::WARN => log::Level::Warn,
        Level::INFO => log::Level::Info,
        Level::DEBUG => log::Level::Debug,
        Level::TRACE => log::Level::Trace,
    }
}

fn python_target(target: &str) -> String {
    if target.starts_with("daft") {
        target.replace('_', "::")
    } else {
        format!("daft::{target}")
    }
}

struct LogBridge;

/// A span's start time and fields, kept until it closes.
struct SpanInfo {
    start: Instant,
    fields: String,
}

#[derive(Default)]
struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            self.0.push_str(&format!("{value:?}"));
        } else {
            self.0.push_str(&format!("{}={value:?}", field.name()));
        }
    }
}

fn emit(level: log::Level, target: &str, message: std::fmt::Arguments<'_>) {
    // A query's tasks can outlive the interpreter (one partition failed, the
    // script exited while another still ran); `pyo3-log` would then panic
    // on that thread instead of dropping the record.
    // SAFETY: `Py_IsInitialized` only reads the runtime's state flag and
    // may be called without the GIL, before, during and after finalization.
    if unsafe { pyo3::ffi::Py_IsInitialized() } == 0 {
        return;
    }
    let target = python_target(target);
    let meta = log::Metadata::builder()
        .level(level)
        .target(&target)
        .build();
    if log::logger().enabled(&meta) {
        log::logger().log(&log::Record::builder().metadata(meta).args(message).build());
    }
}

impl<S> Layer<S> for LogBridge
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanInfo {
                start: Instant::now(),
                fields: fields.0,
            });
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        emit(
            to_log_level(meta.level()),
            meta.target(),
            format_args!("{}", fields.0),
        );
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            let meta = span.metadata();
            if let Some(info) = span.extensions().get::<SpanInfo>() {
                emit(
                    to_log_level(meta.level()),
                    meta.target(),
                    format_args!(
                        "span {} {} took {:.3} ms",
                        meta.name(),
                        info.fields,
                        info.start.elapsed().as_secs_f64() * 1e3
                    ),
                );
            }
        }
    }
}
