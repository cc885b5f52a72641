//! The plugin side: the [`export_plugin!`] macro, the library header and
//! root module it exports, and the `extern "C"` trampolines that turn the
//! SDK's plain-Rust declarations into the FFI-safe manifest and calls.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use abi_stable::library::{CheckTypeLayout, LibHeader, RootModuleResult};
use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::std_types::{ROption, RResult, RSlice, RSliceMut, RString, RVec};

use crate::sdk::{
    DefaultValue, ExtensionType, OptionKind, Param, ParamKind, ScalarFunction, TypeClass,
};
use crate::{bridge, Value};

use super::arrow_c::{ArrowArray, ArrowSchema};
use super::manifest::{
    FfiExtensionType, FfiFunction, FfiManifest, FfiOption, FfiOptionKind, FfiParam, FfiParamKind,
    FfiTypeClass, FfiValue, PluginRoot, PluginRootRef,
};
use super::version::{ABI_VERSION, PANIC_PREFIX};

/// Exports the plugin's root module, built from the functions and
/// extension types submitted with `inventory::submit!` in the plugin crate.
///
/// ```no_run
/// daft_plugin_api::export_plugin!(name = "hello", version = env!("CARGO_PKG_VERSION"));
/// ```
///
/// Invoke it exactly once, at the root of a `cdylib` crate.
///
/// It also installs the SDK's `#[global_allocator]`, which allocates with
/// the host's allocator once loaded ([`crate::abi::PluginAllocator`]). A
/// plugin that declares a global allocator of its own says
/// `export_plugin!(name = ..., version = ..., host_allocator = false)`.
#[macro_export]
macro_rules! export_plugin {
    (name = $name:expr, version = $version:expr $(,)?) => {
        $crate::export_plugin!(@root $name, $version, EXTENSIONS_1_1);
        /// Forwards the plugin's allocations to the host's allocator once
        /// the host offers it (see `daft_plugin_api::abi::PluginAllocator`).
        #[global_allocator]
        static DAFT_PLUGIN_ALLOCATOR: $crate::abi::PluginAllocator = $crate::abi::PluginAllocator;
    };
    // For a plugin that declares a `#[global_allocator]` of its own: it
    // keeps it, and declines the host's.
    (name = $name:expr, version = $version:expr, host_allocator = false $(,)?) => {
        $crate::export_plugin!(@root $name, $version, EXTENSIONS_1_1_OWN_ALLOCATOR);
    };
    (@root $name:expr, $version:expr, $extensions:ident) => {
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
        /// What plugin ABI 1.1 adds (aggregate and stateful functions, the
        /// host's allocator), as its own symbol.
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        // SAFETY: as above, one symbol per library.
        #[unsafe(no_mangle)]
        pub static daft_plugin_extensions_1_1: $crate::abi::__private::ExportedExtensions1_1 =
            $crate::abi::__private::$extensions;
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

    pub use super::super::extensions::{
        ExportedExtensions1_1, EXTENSIONS_1_1, EXTENSIONS_1_1_OWN_ALLOCATOR,
    };

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
pub(super) fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> RResult<T, RString> {
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
        // The 1.0 manifest has only the classes above: a precise declaration
        // travels in the 1.1 table (`super::signature`), and the manifest
        // carries the class that contains it, which is all an older reader
        // (an isolated worker's wire format) keeps.
        TypeClass::Exact(text) => match text.parse::<crate::arrow::datatypes::DataType>() {
            Ok(dt) if dt.is_integer() => FfiTypeClass::Integer,
            Ok(dt) if dt.is_numeric() => FfiTypeClass::Numeric,
            Ok(crate::arrow::datatypes::DataType::Utf8) => FfiTypeClass::String,
            Ok(crate::arrow::datatypes::DataType::Boolean) => FfiTypeClass::Boolean,
            Ok(crate::arrow::datatypes::DataType::Binary) => FfiTypeClass::BinaryLike,
            Ok(crate::arrow::datatypes::DataType::List(_)) => FfiTypeClass::List,
            _ => FfiTypeClass::Any,
        },
        TypeClass::Extension(_) | TypeClass::SameAs(_) => FfiTypeClass::Any,
    }
}

fn option_kind_to_ffi(k: OptionKind) -> FfiOptionKind {
    match k {
        OptionKind::Bool => FfiOptionKind::Bool,
        OptionKind::Int => FfiOptionKind::Int,
        OptionKind::Float => FfiOptionKind::Float,
        OptionKind::Str => FfiOptionKind::Str,
        // Crosses as its text; the 1.1 table marks the option (`super::signature`).
        OptionKind::DataType => FfiOptionKind::Str,
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

/// A declared parameter list in its FFI form (scalar and aggregate functions).
pub(super) fn params_to_ffi(params: &[Param]) -> RVec<FfiParam> {
    params
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
        .collect()
}

fn function_to_ffi(f: &'static ScalarFunction) -> FfiFunction {
    let params = params_to_ffi(f.params);
    FfiFunction {
        name: f.name.into(),
        doc: f.doc.into(),
        params,
        context: f as *const ScalarFunction as *const c_void,
        return_field: return_field_entry::<ScalarFunction>,
        call: call_entry,
    }
}

/// A kind of item a plugin submits with inventory, named.
pub(super) trait Submitted: inventory::Collect {
    fn name(&self) -> &'static str;
}

impl Submitted for ScalarFunction {
    fn name(&self) -> &'static str {
        self.name
    }
}

impl Submitted for ExtensionType {
    fn name(&self) -> &'static str {
        self.name
    }
}

impl Submitted for crate::StatefulFunction {
    fn name(&self) -> &'static str {
        self.name
    }
}

impl Submitted for crate::AggregateFunction {
    fn name(&self) -> &'static str {
        self.name
    }
}

/// Every `T` submitted in this library, sorted by name: inventory's order
/// follows link order, and what a plugin declares must list the same way
/// on every build.
pub(super) fn submitted<T: Submitted>() -> Vec<&'static T> {
    let mut items: Vec<&'static T> = inventory::iter::<T>.into_iter().collect();
    items.sort_by_key(|t| t.name());
    items
}

fn build_manifest(name: &str, version: &str) -> Result<FfiManifest, String> {
    let functions = submitted::<ScalarFunction>();
    let types = submitted::<ExtensionType>()
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

pub(super) fn options_from_ffi(options: &[FfiOption]) -> crate::Options {
    crate::Options::from_pairs(
        options
            .iter()
            .map(|o| (o.name.to_string(), value_from_ffi(&o.value))),
    )
}

pub(super) fn value_from_ffi(v: &FfiValue) -> Value {
    match v {
        FfiValue::Null => Value::Null,
        FfiValue::Bool(b) => Value::Bool(*b),
        FfiValue::Int(i) => Value::Int(*i),
        FfiValue::Float(x) => Value::Float(*x),
        FfiValue::Str(s) => Value::Str(s.to_string()),
    }
}

pub(super) fn value_to_ffi(v: &Value) -> FfiValue {
    match v {
        Value::Null => FfiValue::Null,
        Value::Bool(b) => FfiValue::Bool(*b),
        Value::Int(i) => FfiValue::Int(*i),
        Value::Float(x) => FfiValue::Float(*x),
        Value::Str(s) => FfiValue::Str(s.as_str().into()),
    }
}

/// A declaration with a return-type rule: what the shared entry point
/// [`return_field_entry`] needs of scalar, stateful and aggregate functions.
pub(super) trait Declared: 'static {
    /// The declaration's return-type rule.
    fn rule(&self) -> crate::ReturnFieldRule;
}

impl Declared for ScalarFunction {
    fn rule(&self) -> crate::ReturnFieldRule {
        self.return_field
    }
}

impl Declared for crate::StatefulFunction {
    fn rule(&self) -> crate::ReturnFieldRule {
        self.return_field
    }
}

impl Declared for crate::AggregateFunction {
    fn rule(&self) -> crate::ReturnFieldRule {
        self.return_field
    }
}

/// The return-type rule's entry point of every kind of function.
///
/// # Safety
/// `context` must be the `context` of an FFI declaration built in this
/// same library from a `&'static T` (an inventory item).
pub(super) unsafe extern "C" fn return_field_entry<T: Declared>(
    context: *const c_void,
    args: RSlice<'_, ArrowSchema>,
    options: RSlice<'_, FfiOption>,
    out: &mut ArrowSchema,
) -> RResult<(), RString> {
    guard(|| {
        // SAFETY: per this function's contract, `context` points to an
        // inventory item of type `T`, which lives as long as this (never
        // unloaded) library.
        let f: &'static T = unsafe { &*(context as *const T) };
        let options = options_from_ffi(options.as_slice());
        bridge::run_field_rule(f.rule(), args.as_slice(), &options, out)
    })
}

/// # Safety
/// `context` must be the `context` of an [`FfiFunction`] built by
/// `function_to_ffi` in this same library (a `&'static ScalarFunction`);
/// `args` and `arg_schemas`
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
        // SAFETY: per this function's contract, `context` points to an
        // inventory item that lives as long as this (never unloaded) library.
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
