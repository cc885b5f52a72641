//! The FFI-safe manifest a plugin returns (functions, parameters, options,
//! extension types), the entry-point signatures, and the root module
//! [`PluginRoot`] every plugin exports.

use std::ffi::c_void;

use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{ROption, RResult, RSlice, RSliceMut, RString, RVec};
use abi_stable::StableAbi;

#[cfg(doc)]
use crate::sdk::{OptionKind, TypeClass};

use super::arrow_c::{ArrowArray, ArrowSchema};
use super::version::{AbiVersion, ABI_VERSION_STRING};

/// What an expression parameter accepts (mirrors [`TypeClass`]).
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FfiTypeClass {
    /// Any type.
    Any,
    /// Integers and floats.
    Numeric,
    /// Integers.
    Integer,
    /// Strings.
    String,
    /// Booleans.
    Boolean,
    /// Strings or binary.
    BinaryLike,
    /// Lists.
    List,
}

/// The literal kind of an option (mirrors [`OptionKind`]).
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FfiOptionKind {
    /// `bool`.
    Bool,
    /// `int` (i64).
    Int,
    /// `float` (f64).
    Float,
    /// `str`.
    Str,
}

/// A tagged option value.
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, PartialEq)]
pub enum FfiValue {
    /// Python `None`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A UTF-8 string.
    Str(RString),
}

/// One named option of a call.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiOption {
    /// The option's name.
    pub name: RString,
    /// Its value (already validated by the host against the declared kind).
    pub value: FfiValue,
}

/// How a parameter is passed.
#[repr(u8)]
#[derive(StableAbi, Debug)]
pub enum FfiParamKind {
    /// One expression argument.
    Expr {
        /// Accepted types.
        accepts: FfiTypeClass,
    },
    /// Zero or more trailing expression arguments.
    Variadic {
        /// Accepted types.
        accepts: FfiTypeClass,
        /// Minimum count.
        min: u64,
    },
    /// A named literal option.
    Option {
        /// Literal kind.
        kind: FfiOptionKind,
        /// Default value; `RNone` makes the option required.
        default: ROption<FfiValue>,
    },
}

/// One declared parameter.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiParam {
    /// Parameter name.
    pub name: RString,
    /// How it is passed.
    pub kind: FfiParamKind,
}

/// The return-type rule entry point: given the argument fields (as
/// schemas, with names, nullability and metadata) and the options, fill
/// `out` with the output field. `context` is the function's
/// [`FfiFunction::context`].
pub type ReturnFieldFn = unsafe extern "C" fn(
    context: *const c_void,
    args: RSlice<'_, ArrowSchema>,
    options: RSlice<'_, FfiOption>,
    out: &mut ArrowSchema,
) -> RResult<(), RString>;

/// The kernel entry point. The callee takes ownership of every array in
/// `args` (moving it out and leaving a released struct behind, per the C
/// Data Interface); `arg_schemas` are only borrowed. The result is written
/// into `out_array`/`out_schema`, which the caller passes in released.
pub type CallFn = unsafe extern "C" fn(
    context: *const c_void,
    args: RSliceMut<'_, ArrowArray>,
    arg_schemas: RSlice<'_, ArrowSchema>,
    options: RSlice<'_, FfiOption>,
    num_rows: u64,
    out_array: &mut ArrowArray,
    out_schema: &mut ArrowSchema,
) -> RResult<(), RString>;

/// One scalar function of a plugin.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiFunction {
    /// Function name.
    pub name: RString,
    /// Docstring.
    pub doc: RString,
    /// Expression parameters, then options.
    pub params: RVec<FfiParam>,
    /// Opaque pointer into the plugin, passed back to both entry points.
    pub context: *const c_void,
    // The two entry points are spelled out rather than named by their
    // aliases because `#[derive(StableAbi)]` only understands function
    // pointer types written inline; the assertions below keep them equal.
    /// Return-type rule ([`ReturnFieldFn`]).
    pub return_field: unsafe extern "C" fn(
        context: *const c_void,
        args: RSlice<'_, ArrowSchema>,
        options: RSlice<'_, FfiOption>,
        out: &mut ArrowSchema,
    ) -> RResult<(), RString>,
    /// Kernel ([`CallFn`]).
    pub call: unsafe extern "C" fn(
        context: *const c_void,
        args: RSliceMut<'_, ArrowArray>,
        arg_schemas: RSlice<'_, ArrowSchema>,
        options: RSlice<'_, FfiOption>,
        num_rows: u64,
        out_array: &mut ArrowArray,
        out_schema: &mut ArrowSchema,
    ) -> RResult<(), RString>,
}

const _: fn(&FfiFunction) -> (ReturnFieldFn, CallFn) = |f| (f.return_field, f.call);

/// One extension type of a plugin.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiExtensionType {
    /// Extension name (`ARROW:extension:name`).
    pub name: RString,
    /// Storage type, as a schema.
    pub storage: ArrowSchema,
    /// Extension metadata (`ARROW:extension:metadata`).
    pub metadata: RString,
}

/// What a plugin declares.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct FfiManifest {
    /// Plugin name (its namespace in the registry).
    pub name: RString,
    /// Plugin version (free-form, usually the crate version).
    pub version: RString,
    /// Its scalar functions.
    pub functions: RVec<FfiFunction>,
    /// Its extension types.
    pub types: RVec<FfiExtensionType>,
}

/// The manifest entry point.
pub type ManifestFn = extern "C" fn() -> RResult<FfiManifest, RString>;

/// The root module every plugin exports.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginRootRef)))]
pub struct PluginRoot {
    /// The ABI version the plugin was built against.
    pub abi_version: AbiVersion,
    /// Returns the manifest.
    ///
    /// This root module keeps its ABI 1.0 layout for good: abi_stable's
    /// load-time check refuses a library whose prefix type has fewer fields
    /// than the host's, so a field appended here would lock every older
    /// plugin out. What a minor version adds is exported as a table of its
    /// own instead (ABI 1.1: `super::aggregate::PluginExtensions1_1`).
    #[sabi(last_prefix_field)]
    pub manifest: extern "C" fn() -> RResult<FfiManifest, RString>,
}

const _: fn(PluginRootRef) -> ManifestFn = |r| r.manifest();

impl RootModule for PluginRootRef {
    abi_stable::declare_root_module_statics! {PluginRootRef}
    const BASE_NAME: &'static str = "daft_plugin";
    const NAME: &'static str = "daft plugin";
    const VERSION_STRINGS: VersionStrings = VersionStrings::new(ABI_VERSION_STRING);
}
