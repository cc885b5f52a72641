//! What plugin authors write: plain data describing functions and
//! extension types, submitted with `inventory::submit!`.
//!
//! Nothing here is FFI: the export machinery in [`crate::abi`] turns these
//! declarations into the stable ABI, wrapping every call so that errors and
//! panics come back to the host as values.

use crate::arrow::array::ArrayRef;
use crate::arrow::datatypes::{DataType, Field};
use crate::Options;

/// Field metadata key naming an Arrow extension type.
pub const EXTENSION_NAME_KEY: &str = "ARROW:extension:name";
/// Field metadata key holding an Arrow extension type's metadata.
pub const EXTENSION_METADATA_KEY: &str = "ARROW:extension:metadata";

/// The return-type rule of a function: given the argument fields (already
/// checked by the host against the declared [`TypeClass`]es) and the
/// options, the output field, or an error message for the user.
pub type ReturnFieldRule = fn(&[Field], &Options) -> Result<Field, String>;

/// The kernel of a function: every argument has `num_rows` rows (the host
/// broadcasts literals), and so must the result.
pub type Kernel = fn(&[ArrayRef], &Options, usize) -> Result<ArrayRef, String>;

/// A scalar function, declared with plain data and submitted with
/// `daft_plugin_api::inventory::submit!`.
///
/// Kernels and rules are `fn` pointers, so they capture nothing and may be
/// called from several threads at once. A panic in either is caught and
/// reported to the user as an error naming the plugin and function.
#[derive(Debug)]
pub struct ScalarFunction {
    /// The name users call (a valid Python identifier, unique in the plugin).
    pub name: &'static str,
    /// The docstring shown by `help()`.
    pub doc: &'static str,
    /// Expression parameters first, then options.
    pub params: &'static [Param],
    /// Computes the output field at plan time.
    pub return_field: ReturnFieldRule,
    /// Computes the result per batch.
    pub call: Kernel,
}

inventory::collect!(ScalarFunction);

/// An Arrow extension type the plugin provides: a name shown in schemas,
/// a storage type, and metadata, carried in field metadata under
/// [`EXTENSION_NAME_KEY`] and [`EXTENSION_METADATA_KEY`].
#[derive(Debug)]
pub struct ExtensionType {
    /// The extension name, e.g. `"hello.point"`.
    pub name: &'static str,
    /// The storage type (a function, since most `DataType`s are not `const`).
    pub storage: fn() -> DataType,
    /// Extension metadata (often empty or a small JSON document).
    pub metadata: &'static str,
}

inventory::collect!(ExtensionType);

impl ExtensionType {
    /// A field of this extension type: its storage type plus the metadata
    /// that makes schemas show the extension name. Return it from a
    /// function's return-type rule.
    pub fn field(&self, name: &str, nullable: bool) -> Field {
        let metadata: std::collections::HashMap<String, String> = [
            (EXTENSION_NAME_KEY.to_string(), self.name.to_string()),
            (
                EXTENSION_METADATA_KEY.to_string(),
                self.metadata.to_string(),
            ),
        ]
        .into_iter()
        .collect();
        Field::new(name, (self.storage)(), nullable).with_metadata(metadata)
    }
}

/// A class of Arrow types an expression parameter accepts. The host checks
/// it before the return-type rule runs; `Null` is accepted everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeClass {
    /// Any type.
    Any,
    /// Integers and floats.
    Numeric,
    /// Integers.
    Integer,
    /// Utf8 strings (any offset width; the host passes `Utf8`).
    String,
    /// Booleans.
    Boolean,
    /// Strings or binary.
    BinaryLike,
    /// Lists.
    List,
    /// Exactly this Arrow type, written as arrow-rs displays it and parses it
    /// back: `"Float64"`, `"Utf8"`, `"Timestamp(µs, \"UTC\")"`, `"List(Int64)"`.
    /// (ABI 1.1: checked by daft before your return-type rule runs; a text
    /// arrow cannot parse fails the plugin's load, naming the function.)
    Exact(&'static str),
    /// The extension type of this name (`ARROW:extension:name`), declared by
    /// this plugin or one loaded before it. (ABI 1.1.)
    Extension(&'static str),
    /// The same type as the expression parameter at this index (0-based),
    /// whatever that is. (ABI 1.1.)
    SameAs(usize),
}

/// The literal kind of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// `bool`.
    Bool,
    /// `int` (i64).
    Int,
    /// `float` (f64; the host widens ints).
    Float,
    /// `str`.
    Str,
    /// A `daft.DataType` (ABI 1.1). It reaches the plugin as arrow's text of
    /// the type; read it with [`crate::Options::data_type`]. A default is
    /// `DefaultValue::Str` of such a text (`"Int64"`) or `DefaultValue::Null`.
    DataType,
}

/// A `const`-constructible default value of an option.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// `None`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(&'static str),
}

/// How a parameter is passed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// One expression argument of this class.
    Expr(TypeClass),
    /// Zero or more trailing expression arguments (at least `min`).
    Variadic {
        /// Accepted types.
        accepts: TypeClass,
        /// Minimum count.
        min: usize,
    },
    /// A named literal option; `default: None` makes it required.
    Option {
        /// Literal kind.
        kind: OptionKind,
        /// Default value.
        default: Option<DefaultValue>,
    },
}

/// One declared parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// Its name (a valid Python identifier).
    pub name: &'static str,
    /// How it is passed.
    pub kind: ParamKind,
}

impl Param {
    /// An expression parameter.
    pub const fn expr(name: &'static str, accepts: TypeClass) -> Param {
        Param {
            name,
            kind: ParamKind::Expr(accepts),
        }
    }

    /// A variadic expression parameter (the last expression parameter).
    pub const fn variadic(name: &'static str, accepts: TypeClass, min: usize) -> Param {
        Param {
            name,
            kind: ParamKind::Variadic { accepts, min },
        }
    }

    /// An option with a default value.
    pub const fn option(name: &'static str, kind: OptionKind, default: DefaultValue) -> Param {
        Param {
            name,
            kind: ParamKind::Option {
                kind,
                default: Some(default),
            },
        }
    }

    /// An option the caller must give.
    pub const fn required_option(name: &'static str, kind: OptionKind) -> Param {
        Param {
            name,
            kind: ParamKind::Option {
                kind,
                default: None,
            },
        }
    }
}
