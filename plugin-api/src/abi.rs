//! The binary contract between the host and a plugin library.
//!
//! This is the only module of the workspace that names `abi_stable`: the
//! root module type, the FFI-safe manifest, the `extern "C"` trampolines the
//! SDK installs in every plugin, and the host-side loader entry
//! ([`open_library`]) all live here. Everything outside speaks plain Rust
//! (`String`, `Vec`, [`crate::Value`]) plus the `#[repr(C)]` Arrow C Data
//! Interface structs [`ArrowArray`] and [`ArrowSchema`], so the ABI layer
//! could be swapped without touching plugins' or the host's source.
//!
//! # Shape of the contract
//!
//! A plugin exports one `abi_stable` root module, [`PluginRoot`], a *prefix
//! type*: later minor ABI versions may append fields, which a host reads as
//! `Option`s when an older plugin lacks them. The module holds the plugin's
//! [`AbiVersion`] and one entry point, `manifest`, returning the plugin's
//! name, version, functions and extension types. Each function carries an
//! opaque context pointer and two entry points (return-type rule and
//! kernel) that exchange Arrow data only through the C Data Interface.
//! Every entry point returns `RResult<_, RString>`; a panic inside the
//! plugin is caught on the plugin side and comes back as an error whose
//! text starts with [`PANIC_PREFIX`].
//!
//! # Ownership
//!
//! Each side frees only what it allocated: `RString`/`RVec` carry the
//! allocating side's deallocator in their vtable, and Arrow structs carry
//! the producer's `release` callback, which [`ArrowArray`]'s and
//! [`ArrowSchema`]'s `Drop` call.

use std::ffi::{c_char, c_void};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use abi_stable::library::{
    lib_header_from_path, CheckTypeLayout, LibHeader, LibraryError, RootModule, RootModuleResult,
};
use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{ROption, RResult, RSlice, RSliceMut, RString, RVec};
use abi_stable::StableAbi;

use crate::sdk::{DefaultValue, ExtensionType, OptionKind, ParamKind, ScalarFunction, TypeClass};
use crate::{bridge, Value};

// ---------------------------------------------------------------------------
// Version
// ---------------------------------------------------------------------------

/// The version of this contract. Bump `major` for any change of an existing
/// type's layout (the layout test in this module fails until you do); bump
/// `minor` when only appending fields after the last prefix field of
/// [`PluginRoot`]. A host loads plugins of the same major whose minor is at
/// most its own.
pub const ABI_VERSION: AbiVersion = AbiVersion { major: 1, minor: 0 };

/// [`ABI_VERSION`] as the `major.minor.patch` string abi_stable records in
/// the library header, which the loader reads *before* the layout check so
/// that a version mismatch is reported as such rather than as a layout diff.
const ABI_VERSION_STRING: &str = "1.0.0";

const _: () = {
    // The string above must spell ABI_VERSION; checked at compile time.
    let (major, minor) = parse_version_prefix(ABI_VERSION_STRING.as_bytes());
    assert!(major == ABI_VERSION.major && minor == ABI_VERSION.minor);
};

/// Parses `major.minor` from the start of `bytes` in a const context.
const fn parse_version_prefix(bytes: &[u8]) -> (u32, u32) {
    let mut parts = [0u32; 2];
    let mut part = 0;
    let mut i = 0;
    while i < bytes.len() && part < 2 {
        let b = bytes[i];
        if b == b'.' {
            part += 1;
        } else {
            assert!(b.is_ascii_digit());
            parts[part] = parts[part] * 10 + (b - b'0') as u32;
        }
        i += 1;
    }
    (parts[0], parts[1])
}

/// A `(major, minor)` ABI version.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbiVersion {
    /// Incompatible changes.
    pub major: u32,
    /// Backwards-compatible additions.
    pub minor: u32,
}

impl AbiVersion {
    /// Whether a host of version `self` can load a plugin built against
    /// `plugin`: same major, and the plugin's minor not newer than the host's.
    pub fn can_load(self, plugin: AbiVersion) -> bool {
        self.major == plugin.major && plugin.minor <= self.minor
    }

    /// Parses the `major.minor[.patch]` form.
    pub fn parse(text: &str) -> Option<AbiVersion> {
        let mut it = text.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some(AbiVersion { major, minor })
    }
}

impl fmt::Display for AbiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Prefix of every error message that reports a panic caught in a plugin,
/// so the host can tell a plugin bug from an error the plugin chose to return.
pub const PANIC_PREFIX: &str = "panicked: ";

// ---------------------------------------------------------------------------
// Arrow C Data Interface
// ---------------------------------------------------------------------------

/// `struct ArrowSchema` of the Arrow C Data Interface, field for field.
///
/// Owning: dropping a schema whose `release` is set calls it (the
/// producer's code frees the producer's memory). A released schema has
/// `release == None`.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct ArrowSchema {
    /// Format string of the type (e.g. `"l"` for int64, `"u"` for utf8).
    pub format: *const c_char,
    /// Field name, or null.
    pub name: *const c_char,
    /// Binary-encoded key/value metadata, or null.
    pub metadata: *const c_char,
    /// `ARROW_FLAG_*` bits (nullable, dictionary ordered, map keys sorted).
    pub flags: i64,
    /// Number of children.
    pub n_children: i64,
    /// `n_children` pointers to child schemas.
    pub children: *mut *mut ArrowSchema,
    /// Dictionary value type, or null.
    pub dictionary: *mut ArrowSchema,
    /// Producer's release callback; `None` once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    /// Producer-private data.
    pub private_data: *mut c_void,
}

impl ArrowSchema {
    /// A released (empty) schema, the slot a consumer hands a producer to fill.
    pub const fn empty() -> Self {
        ArrowSchema {
            format: std::ptr::null(),
            name: std::ptr::null(),
            metadata: std::ptr::null(),
            flags: 0,
            n_children: 0,
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }

    /// Whether the schema has been released (or was never filled).
    pub fn is_released(&self) -> bool {
        self.release.is_none()
    }
}

impl Drop for ArrowSchema {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: a non-null `release` was set by the producer together
            // with the rest of the struct; calling it once on the owning value
            // is the spec's way of freeing it, and it marks the struct released.
            unsafe { release(self) }
        }
    }
}

/// `struct ArrowArray` of the Arrow C Data Interface, field for field.
///
/// Owning, like [`ArrowSchema`]: dropping an unreleased array calls `release`.
#[repr(C)]
#[derive(StableAbi, Debug)]
pub struct ArrowArray {
    /// Number of logical elements.
    pub length: i64,
    /// Number of nulls, or -1 when unknown.
    pub null_count: i64,
    /// Logical offset into the buffers.
    pub offset: i64,
    /// Number of buffers.
    pub n_buffers: i64,
    /// Number of children.
    pub n_children: i64,
    /// `n_buffers` buffer pointers (a pointer may be null for an absent validity bitmap).
    pub buffers: *mut *const c_void,
    /// `n_children` pointers to child arrays.
    pub children: *mut *mut ArrowArray,
    /// Dictionary values, or null.
    pub dictionary: *mut ArrowArray,
    /// Producer's release callback; `None` once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    /// Producer-private data.
    pub private_data: *mut c_void,
}

impl ArrowArray {
    /// A released (empty) array, the slot a consumer hands a producer to fill.
    pub const fn empty() -> Self {
        ArrowArray {
            length: 0,
            null_count: 0,
            offset: 0,
            n_buffers: 0,
            n_children: 0,
            buffers: std::ptr::null_mut(),
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }

    /// Whether the array has been released (or was never filled).
    pub fn is_released(&self) -> bool {
        self.release.is_none()
    }
}

impl Drop for ArrowArray {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: as for `ArrowSchema::drop`: the producer's own callback,
            // called once on the owning value.
            unsafe { release(self) }
        }
    }
}

// ---------------------------------------------------------------------------
// FFI-safe manifest
// ---------------------------------------------------------------------------

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
    /// Returns the manifest. Fields added in later minor versions go after this one.
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

// ---------------------------------------------------------------------------
// Plugin side: exporting
// ---------------------------------------------------------------------------

/// Exports the plugin's root module, built from the functions and
/// extension types submitted with `inventory::submit!` in the plugin crate.
///
/// ```no_run
/// daft_plugin_api::export_plugin!(name = "hello", version = env!("CARGO_PKG_VERSION"));
/// ```
///
/// Invoke it exactly once, at the root of a `cdylib` crate.
#[macro_export]
macro_rules! export_plugin {
    (name = $name:expr, version = $version:expr $(,)?) => {
        // The symbol name is abi_stable's `ROOT_MODULE_LOADER_NAME`, which
        // `#[export_root_module]` would use; spelled out here because that
        // attribute expands to `::abi_stable` paths that a plugin depending
        // only on daft-plugin-api cannot resolve. A compile-time assertion
        // in `daft_plugin_api::abi` keeps the two in sync.
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        // SAFETY: the one exported symbol of a plugin; a second invocation
        // in the same library is a duplicate-symbol error at link time.
        #[unsafe(no_mangle)]
        pub static _1as_0lib_1header_0root_bmodule_bloader: $crate::abi::__private::LibHeader = {
            struct DaftPluginIdentity;
            impl $crate::abi::__private::PluginIdentity for DaftPluginIdentity {
                const NAME: &'static str = $name;
                const VERSION: &'static str = $version;
            }
            $crate::abi::__private::lib_header::<DaftPluginIdentity>()
        };
    };
}

const EXPORTED_SYMBOL: &str = "_1as_0lib_1header_0root_bmodule_bloader";

const _: () = assert!(
    const_str_eq(
        EXPORTED_SYMBOL,
        abi_stable::library::ROOT_MODULE_LOADER_NAME
    ),
    "export_plugin! must export abi_stable's ROOT_MODULE_LOADER_NAME"
);

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Items used by [`export_plugin!`]'s expansion; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use abi_stable::library::LibHeader;

    /// The name and version given to [`export_plugin!`].
    pub trait PluginIdentity: 'static {
        /// Plugin name.
        const NAME: &'static str;
        /// Plugin version.
        const VERSION: &'static str;
    }

    /// The library header of a plugin: abi_stable's version and layout
    /// data plus the constructor of the root module.
    pub const fn lib_header<P: PluginIdentity>() -> LibHeader {
        super::lib_header::<P>()
    }
}

const fn lib_header<P: __private::PluginIdentity>() -> LibHeader {
    // SAFETY: `root_constructor::<P>` returns (through abi_stable's loader
    // wrapper) a `PluginRootRef` erased to `PrefixRef<ErasedPrefix>`, which
    // is what `from_constructor::<PluginRootRef>` requires.
    unsafe {
        LibHeader::from_constructor::<PluginRootRef>(root_constructor::<P>, CheckTypeLayout::Yes)
    }
}

extern "C" fn root_constructor<P: __private::PluginIdentity>() -> RootModuleResult {
    // This is the code `#[export_root_module]` generates; it catches panics.
    abi_stable::library::__call_root_module_loader(root_module::<P>)
}

fn root_module<P: __private::PluginIdentity>() -> PluginRootRef {
    PluginRoot {
        abi_version: ABI_VERSION,
        manifest: manifest_entry::<P>,
    }
    .leak_into_prefix()
}

/// The text of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(panic payload is not a string)".to_string()
    }
}

/// Runs `f`, turning an error or a panic into an `RErr`. The closure's
/// state is dropped inside `catch_unwind` too, so nothing unwinds out.
fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> RResult<T, RString> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => RResult::ROk(v),
        Ok(Err(e)) => RResult::RErr(e.into()),
        Err(payload) => {
            let text = panic_text(&*payload);
            // Dropping the payload could itself panic; keep that inside too.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            RResult::RErr(format!("{PANIC_PREFIX}{text}").into())
        }
    }
}

extern "C" fn manifest_entry<P: __private::PluginIdentity>() -> RResult<FfiManifest, RString> {
    guard(|| build_manifest(P::NAME, P::VERSION))
}

fn type_class_to_ffi(c: TypeClass) -> FfiTypeClass {
    match c {
        TypeClass::Any => FfiTypeClass::Any,
        TypeClass::Numeric => FfiTypeClass::Numeric,
        TypeClass::Integer => FfiTypeClass::Integer,
        TypeClass::String => FfiTypeClass::String,
        TypeClass::Boolean => FfiTypeClass::Boolean,
        TypeClass::BinaryLike => FfiTypeClass::BinaryLike,
        TypeClass::List => FfiTypeClass::List,
    }
}

fn option_kind_to_ffi(k: OptionKind) -> FfiOptionKind {
    match k {
        OptionKind::Bool => FfiOptionKind::Bool,
        OptionKind::Int => FfiOptionKind::Int,
        OptionKind::Float => FfiOptionKind::Float,
        OptionKind::Str => FfiOptionKind::Str,
    }
}

fn default_to_ffi(v: DefaultValue) -> FfiValue {
    match v {
        DefaultValue::Null => FfiValue::Null,
        DefaultValue::Bool(b) => FfiValue::Bool(b),
        DefaultValue::Int(i) => FfiValue::Int(i),
        DefaultValue::Float(x) => FfiValue::Float(x),
        DefaultValue::Str(s) => FfiValue::Str(s.into()),
    }
}

fn function_to_ffi(f: &'static ScalarFunction) -> FfiFunction {
    let params = f
        .params
        .iter()
        .map(|p| FfiParam {
            name: p.name.into(),
            kind: match p.kind {
                ParamKind::Expr(c) => FfiParamKind::Expr {
                    accepts: type_class_to_ffi(c),
                },
                ParamKind::Variadic { accepts, min } => FfiParamKind::Variadic {
                    accepts: type_class_to_ffi(accepts),
                    min: min as u64,
                },
                ParamKind::Option { kind, default } => FfiParamKind::Option {
                    kind: option_kind_to_ffi(kind),
                    default: match default {
                        Some(d) => ROption::RSome(default_to_ffi(d)),
                        None => ROption::RNone,
                    },
                },
            },
        })
        .collect();
    FfiFunction {
        name: f.name.into(),
        doc: f.doc.into(),
        params,
        context: f as *const ScalarFunction as *const c_void,
        return_field: return_field_entry,
        call: call_entry,
    }
}

fn build_manifest(name: &str, version: &str) -> Result<FfiManifest, String> {
    let mut functions: Vec<&'static ScalarFunction> =
        inventory::iter::<ScalarFunction>.into_iter().collect();
    // inventory's order follows link order; sort so the manifest is stable.
    functions.sort_by_key(|f| f.name);
    let mut types: Vec<&'static ExtensionType> =
        inventory::iter::<ExtensionType>.into_iter().collect();
    types.sort_by_key(|t| t.name);
    let types = types
        .into_iter()
        .map(|t| {
            let storage = bridge::export_data_type(&(t.storage)())
                .map_err(|e| format!("extension type {:?}: {e}", t.name))?;
            Ok(FfiExtensionType {
                name: t.name.into(),
                storage,
                metadata: t.metadata.into(),
            })
        })
        .collect::<Result<RVec<_>, String>>()?;
    Ok(FfiManifest {
        name: name.into(),
        version: version.into(),
        functions: functions.into_iter().map(function_to_ffi).collect(),
        types,
    })
}

fn options_from_ffi(options: &[FfiOption]) -> crate::Options {
    crate::Options::from_pairs(
        options
            .iter()
            .map(|o| (o.name.to_string(), value_from_ffi(&o.value))),
    )
}

fn value_from_ffi(v: &FfiValue) -> Value {
    match v {
        FfiValue::Null => Value::Null,
        FfiValue::Bool(b) => Value::Bool(*b),
        FfiValue::Int(i) => Value::Int(*i),
        FfiValue::Float(x) => Value::Float(*x),
        FfiValue::Str(s) => Value::Str(s.to_string()),
    }
}

fn value_to_ffi(v: &Value) -> FfiValue {
    match v {
        Value::Null => FfiValue::Null,
        Value::Bool(b) => FfiValue::Bool(*b),
        Value::Int(i) => FfiValue::Int(*i),
        Value::Float(x) => FfiValue::Float(*x),
        Value::Str(s) => FfiValue::Str(s.as_str().into()),
    }
}

/// # Safety
/// `context` must be the `context` of an [`FfiFunction`] built by
/// `function_to_ffi` in this same library (a `&'static ScalarFunction`).
unsafe extern "C" fn return_field_entry(
    context: *const c_void,
    args: RSlice<'_, ArrowSchema>,
    options: RSlice<'_, FfiOption>,
    out: &mut ArrowSchema,
) -> RResult<(), RString> {
    guard(|| {
        // SAFETY: per this function's contract, `context` came from
        // `function_to_ffi`, i.e. it points to an inventory item that lives
        // as long as this (never unloaded) library.
        let f: &'static ScalarFunction = unsafe { &*(context as *const ScalarFunction) };
        let options = options_from_ffi(options.as_slice());
        bridge::run_return_field(f, args.as_slice(), &options, out)
    })
}

/// # Safety
/// As for [`return_field_entry`]; in addition `args` and `arg_schemas`
/// must be valid C Data Interface structs of the same length.
unsafe extern "C" fn call_entry(
    context: *const c_void,
    mut args: RSliceMut<'_, ArrowArray>,
    arg_schemas: RSlice<'_, ArrowSchema>,
    options: RSlice<'_, FfiOption>,
    num_rows: u64,
    out_array: &mut ArrowArray,
    out_schema: &mut ArrowSchema,
) -> RResult<(), RString> {
    guard(|| {
        // SAFETY: see `return_field_entry`.
        let f: &'static ScalarFunction = unsafe { &*(context as *const ScalarFunction) };
        let options = options_from_ffi(options.as_slice());
        let num_rows = usize::try_from(num_rows).map_err(|_| "num_rows overflows usize")?;
        bridge::run_call(
            f,
            args.as_mut_slice(),
            arg_schemas.as_slice(),
            &options,
            num_rows,
            out_array,
            out_schema,
        )
    })
}

// ---------------------------------------------------------------------------
// Host side: loading
// ---------------------------------------------------------------------------

/// Why a library could not be opened as a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// The file could not be loaded as a shared library at all.
    NotALibrary(String),
    /// It is a library, but exports no daft plugin root module.
    NotAPlugin(String),
    /// Built with an incompatible ABI version.
    AbiVersion {
        /// The plugin's version.
        plugin: AbiVersion,
        /// This host's version.
        host: AbiVersion,
    },
    /// abi_stable's own checks failed (its version, C ABI, or type layouts).
    Layout(String),
    /// The root module constructor or the manifest entry point failed or panicked.
    Plugin(String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::NotALibrary(m) => write!(f, "cannot load as a shared library: {m}"),
            OpenError::NotAPlugin(m) => write!(
                f,
                "not a daft plugin (no root module; was `export_plugin!` invoked?): {m}"
            ),
            OpenError::AbiVersion { plugin, host } => write!(
                f,
                "ABI version mismatch: the plugin was built for plugin ABI {plugin}, but this \
                 daft loads plugin ABI {}.0 to {host}; rebuild the plugin against a \
                 daft-plugin-api of ABI {}.x or use a daft that supports ABI {plugin}",
                host.major, host.major
            ),
            OpenError::Layout(m) => write!(f, "ABI layout mismatch: {m}"),
            OpenError::Plugin(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for OpenError {}

/// A parameter declared by a plugin function, in plain Rust.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamSpec {
    /// One expression argument.
    Expr(TypeClass),
    /// Trailing expression arguments.
    Variadic {
        /// Accepted types.
        accepts: TypeClass,
        /// Minimum count.
        min: usize,
    },
    /// A named literal option.
    Option {
        /// Literal kind.
        kind: OptionKind,
        /// Default; `None` makes it required.
        default: Option<Value>,
    },
}

/// A function handle resolved once at load: the two entry points and the
/// plugin's context pointer. Calling it needs no symbol lookup.
pub struct FunctionHandle {
    context: *const c_void,
    return_field: ReturnFieldFn,
    call: CallFn,
}

// SAFETY: the context points to immutable `'static` data inside a library
// that is never unloaded, and the entry points are plain functions; the
// SDK only accepts `fn` pointers (no captured state) as kernels, so calling
// them from several threads is as safe as calling any Rust `fn`.
unsafe impl Send for FunctionHandle {}
// SAFETY: see `Send`; the handle itself is never mutated.
unsafe impl Sync for FunctionHandle {}

impl fmt::Debug for FunctionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionHandle").finish_non_exhaustive()
    }
}

impl FunctionHandle {
    /// Runs the plugin's return-type rule. The error text of a caught panic
    /// starts with [`PANIC_PREFIX`].
    pub fn return_field(
        &self,
        args: &[ArrowSchema],
        options: &[(String, Value)],
    ) -> Result<ArrowSchema, String> {
        let options: Vec<FfiOption> = options_to_ffi(options);
        let mut out = ArrowSchema::empty();
        // SAFETY: `context` and the entry point come from the same manifest
        // entry; the slices are valid for the duration of the call and `out`
        // is a released schema the callee may overwrite.
        let res = unsafe {
            (self.return_field)(
                self.context,
                RSlice::from_slice(args),
                RSlice::from_slice(&options),
                &mut out,
            )
        };
        match res {
            RResult::ROk(()) => Ok(out),
            RResult::RErr(e) => Err(lossy(&e)),
        }
    }

    /// Runs the kernel. The callee takes ownership of each array in `args`
    /// (leaving released structs behind; any it did not take are released
    /// when the caller drops them). Returns the output array and schema,
    /// as filled by the plugin: the caller must check them before import.
    pub fn call(
        &self,
        args: &mut [ArrowArray],
        arg_schemas: &[ArrowSchema],
        options: &[(String, Value)],
        num_rows: usize,
    ) -> Result<(ArrowArray, ArrowSchema), String> {
        if args.len() != arg_schemas.len() {
            return Err(format!(
                "{} arrays but {} schemas",
                args.len(),
                arg_schemas.len()
            ));
        }
        let options: Vec<FfiOption> = options_to_ffi(options);
        let mut out_array = ArrowArray::empty();
        let mut out_schema = ArrowSchema::empty();
        // SAFETY: as for `return_field`; the arrays and schemas are valid C
        // Data Interface structs exported by the caller, of equal count.
        let res = unsafe {
            (self.call)(
                self.context,
                RSliceMut::from_mut_slice(args),
                RSlice::from_slice(arg_schemas),
                RSlice::from_slice(&options),
                num_rows as u64,
                &mut out_array,
                &mut out_schema,
            )
        };
        match res {
            RResult::ROk(()) => Ok((out_array, out_schema)),
            RResult::RErr(e) => Err(lossy(&e)),
        }
    }
}

fn options_to_ffi(options: &[(String, Value)]) -> Vec<FfiOption> {
    options
        .iter()
        .map(|(name, v)| FfiOption {
            name: name.as_str().into(),
            value: value_to_ffi(v),
        })
        .collect()
}

/// One function of a loaded plugin, in plain Rust.
#[derive(Debug)]
pub struct FunctionSpec {
    /// Function name.
    pub name: String,
    /// Docstring.
    pub doc: String,
    /// Parameters as (name, kind), expressions first.
    pub params: Vec<(String, ParamSpec)>,
    /// The resolved entry points.
    pub handle: FunctionHandle,
}

/// One extension type of a loaded plugin, in plain Rust.
#[derive(Debug)]
pub struct ExtensionTypeSpec {
    /// Extension name.
    pub name: String,
    /// Storage type, as a schema produced by the plugin.
    pub storage: ArrowSchema,
    /// Extension metadata.
    pub metadata: String,
}

/// A loaded plugin library and its manifest, in plain Rust.
#[derive(Debug)]
pub struct LoadedLibrary {
    /// The ABI version the plugin was built against.
    pub abi_version: AbiVersion,
    /// Plugin name.
    pub name: String,
    /// Plugin version.
    pub version: String,
    /// Functions, as declared (not yet validated).
    pub functions: Vec<FunctionSpec>,
    /// Extension types, as declared (not yet validated).
    pub types: Vec<ExtensionTypeSpec>,
}

fn type_class_from_ffi(c: FfiTypeClass) -> TypeClass {
    match c {
        FfiTypeClass::Any => TypeClass::Any,
        FfiTypeClass::Numeric => TypeClass::Numeric,
        FfiTypeClass::Integer => TypeClass::Integer,
        FfiTypeClass::String => TypeClass::String,
        FfiTypeClass::Boolean => TypeClass::Boolean,
        FfiTypeClass::BinaryLike => TypeClass::BinaryLike,
        FfiTypeClass::List => TypeClass::List,
    }
}

fn option_kind_from_ffi(k: FfiOptionKind) -> OptionKind {
    match k {
        FfiOptionKind::Bool => OptionKind::Bool,
        FfiOptionKind::Int => OptionKind::Int,
        FfiOptionKind::Float => OptionKind::Float,
        FfiOptionKind::Str => OptionKind::Str,
    }
}

fn library_error(e: LibraryError) -> OpenError {
    match e {
        LibraryError::OpenError { err, .. } => OpenError::NotALibrary(err.to_string()),
        LibraryError::GetSymbolError { err, .. } => OpenError::NotAPlugin(err.to_string()),
        LibraryError::RootModule { err, .. } => {
            OpenError::Plugin(format!("its root module constructor failed: {err}"))
        }
        other => OpenError::Layout(other.to_string()),
    }
}

/// Opens the library at `path` and reads its manifest: loads it (never
/// with `RTLD_GLOBAL`, and never unloads it), checks abi_stable's header
/// and the plugin ABI version, then abi_stable's layout check of the root
/// module, then calls the manifest entry point (panics there come back as
/// [`OpenError::Plugin`]).
pub fn open_library(path: &Path) -> Result<LoadedLibrary, OpenError> {
    // `RootModule::load_from_file` would cache the first plugin's module in
    // a static of `PluginRootRef` and hand it back for every later path, so
    // each library is opened through its own header instead. libloading
    // opens with RTLD_LOCAL | RTLD_LAZY; the library is leaked (never closed).
    let header = lib_header_from_path(path).map_err(library_error)?;

    // Check our own ABI version first, from the header's version string:
    // a version change usually changes layouts too, and "ABI 2.0 vs 1.0"
    // says more than a layout diff.
    let plugin_version_text = header.version_strings().version.as_str();
    let plugin_version = AbiVersion::parse(plugin_version_text).ok_or_else(|| {
        OpenError::Layout(format!("unreadable ABI version {plugin_version_text:?}"))
    })?;
    if !ABI_VERSION.can_load(plugin_version) {
        return Err(OpenError::AbiVersion {
            plugin: plugin_version,
            host: ABI_VERSION,
        });
    }

    let root = header
        .init_root_module::<PluginRootRef>()
        .map_err(library_error)?;
    // Also check the field in the module itself (it cannot disagree with
    // the header unless the library was hand-crafted).
    let abi_version = root.abi_version();
    if !ABI_VERSION.can_load(abi_version) {
        return Err(OpenError::AbiVersion {
            plugin: abi_version,
            host: ABI_VERSION,
        });
    }

    let manifest = match (root.manifest())() {
        RResult::ROk(m) => m,
        RResult::RErr(e) => {
            return Err(OpenError::Plugin(format!(
                "its manifest entry point failed: {}",
                lossy(&e)
            )))
        }
    };
    manifest_from_ffi(abi_version, manifest)
        .map_err(|e| OpenError::Plugin(format!("its manifest is invalid: {e}")))
}

/// The bytes of a string the plugin produced. `RString` promises UTF-8,
/// but only the plugin's own code keeps that promise, so the host reads the
/// bytes (which are valid as bytes either way) and checks them itself
/// before any `str` operation runs on them.
fn plugin_bytes(s: &RString) -> &[u8] {
    s.as_str().as_bytes()
}

/// A text from the plugin that must be valid UTF-8 (names, docs, metadata).
fn checked(s: &RString, what: impl FnOnce() -> String) -> Result<String, String> {
    let bytes = plugin_bytes(s);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => Err(format!(
            "{} is not valid UTF-8: {:?}",
            what(),
            String::from_utf8_lossy(bytes)
        )),
    }
}

/// A message from the plugin (an error text): shown even if it is not
/// valid UTF-8, with the bad bytes replaced.
fn lossy(s: &RString) -> String {
    String::from_utf8_lossy(plugin_bytes(s)).into_owned()
}

fn manifest_from_ffi(
    abi_version: AbiVersion,
    manifest: FfiManifest,
) -> Result<LoadedLibrary, String> {
    let FfiManifest {
        name,
        version,
        functions,
        types,
    } = manifest;
    let name = checked(&name, || "the plugin name".into())?;
    let version = checked(&version, || format!("the version of plugin {name:?}"))?;
    let functions = functions
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let fname = checked(&f.name, || format!("the name of function #{i}"))?;
            let doc = checked(&f.doc, || format!("the docstring of function {fname:?}"))?;
            let params = f
                .params
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    let pname = checked(&p.name, || {
                        format!("the name of parameter #{j} of function {fname:?}")
                    })?;
                    let kind = match &p.kind {
                        FfiParamKind::Expr { accepts } => {
                            ParamSpec::Expr(type_class_from_ffi(*accepts))
                        }
                        FfiParamKind::Variadic { accepts, min } => ParamSpec::Variadic {
                            accepts: type_class_from_ffi(*accepts),
                            min: usize::try_from(*min).unwrap_or(usize::MAX),
                        },
                        FfiParamKind::Option { kind, default } => ParamSpec::Option {
                            kind: option_kind_from_ffi(*kind),
                            default: match default {
                                ROption::RSome(FfiValue::Str(s)) => {
                                    Some(Value::Str(checked(s, || {
                                        format!("the default of option {pname:?} of function {fname:?}")
                                    })?))
                                }
                                ROption::RSome(v) => Some(value_from_ffi(v)),
                                ROption::RNone => None,
                            },
                        },
                    };
                    Ok((pname, kind))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(FunctionSpec {
                name: fname,
                doc,
                params,
                handle: FunctionHandle {
                    context: f.context,
                    return_field: f.return_field,
                    call: f.call,
                },
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let types = types
        .into_iter()
        .enumerate()
        .map(|(i, mut t)| {
            let tname = checked(&t.name, || format!("the name of extension type #{i}"))?;
            let metadata = checked(&t.metadata, || {
                format!("the metadata of extension type {tname:?}")
            })?;
            Ok(ExtensionTypeSpec {
                name: tname,
                // Move the schema out; its release callback stays the plugin's.
                storage: std::mem::replace(&mut t.storage, ArrowSchema::empty()),
                metadata,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(LoadedLibrary {
        abi_version,
        name,
        version,
        functions,
        types,
    })
}

#[cfg(test)]
mod tests;
