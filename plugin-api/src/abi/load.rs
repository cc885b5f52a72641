//! The host side: [`open_library`] loads a plugin library, checks its ABI
//! version and layouts, and turns its manifest into plain Rust
//! ([`LoadedLibrary`]) with callable [`FunctionHandle`]s.

use std::ffi::c_void;
use std::fmt;
use std::path::Path;

use abi_stable::abi_stability::abi_checking::check_layout_compatibility;
use abi_stable::library::{lib_header_from_raw_library, LibraryError, RawLibrary};
use abi_stable::std_types::{ROption, RResult, RSlice, RSliceMut, RString, RVec};
use abi_stable::StableAbi;

use crate::sdk::{OptionKind, TypeClass};
use crate::Value;

use super::allocator::HOST_ALLOCATOR;
use super::arrow_c::{ArrowArray, ArrowSchema};
use super::export::{value_from_ffi, value_to_ffi};
use super::extensions::{ExportedExtensions1_1, PluginExtensions1_1, EXTENSIONS_1_1_SYMBOL};
use super::manifest::{
    CallFn, FfiManifest, FfiOption, FfiOptionKind, FfiParam, FfiParamKind, FfiTypeClass, FfiValue,
    PluginRootRef, ReturnFieldFn,
};
#[cfg(doc)]
use super::version::PANIC_PREFIX;
use super::version::{AbiVersion, ABI_VERSION};

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
#[derive(Clone, Copy)]
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
        run_return_field(self.context, self.return_field, args, options)
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
        self.call_with_options(args, arg_schemas, &CallOptions::new(options), num_rows)
    }

    /// [`FunctionHandle::call`] with the options already converted, once
    /// per call site rather than per batch.
    pub fn call_with_options(
        &self,
        args: &mut [ArrowArray],
        arg_schemas: &[ArrowSchema],
        options: &CallOptions,
        num_rows: usize,
    ) -> Result<(ArrowArray, ArrowSchema), String> {
        run_kernel(args, arg_schemas, |args, schemas, out_array, out_schema| {
            // SAFETY: `context` and the entry point come from the same
            // manifest entry; `run_kernel` passes the caller's valid C Data
            // Interface structs, of equal count, and released output slots
            // the callee may overwrite.
            unsafe {
                (self.call)(
                    self.context,
                    args,
                    schemas,
                    RSlice::from_slice(&options.0),
                    num_rows as u64,
                    out_array,
                    out_schema,
                )
            }
        })
    }
}

/// Runs a kernel entry point (a stateless function's or a state's) on
/// `args`, whose callee takes ownership of each array: checks that arrays
/// and schemas agree in count, hands `invoke` released output slots, and
/// returns what the plugin filled in (to be checked before import).
pub(super) fn run_kernel(
    args: &mut [ArrowArray],
    arg_schemas: &[ArrowSchema],
    invoke: impl FnOnce(
        RSliceMut<'_, ArrowArray>,
        RSlice<'_, ArrowSchema>,
        &mut ArrowArray,
        &mut ArrowSchema,
    ) -> RResult<(), RString>,
) -> Result<(ArrowArray, ArrowSchema), String> {
    if args.len() != arg_schemas.len() {
        return Err(format!(
            "{} arrays but {} schemas",
            args.len(),
            arg_schemas.len()
        ));
    }
    let mut out_array = ArrowArray::empty();
    let mut out_schema = ArrowSchema::empty();
    let res = invoke(
        RSliceMut::from_mut_slice(args),
        RSlice::from_slice(arg_schemas),
        &mut out_array,
        &mut out_schema,
    );
    match res {
        RResult::ROk(()) => Ok((out_array, out_schema)),
        RResult::RErr(e) => Err(lossy(&e)),
    }
}

/// A call's options in the ABI's form, converted once and passed to every
/// batch of a call site ([`FunctionHandle::call_with_options`]).
#[derive(Debug)]
pub struct CallOptions(Vec<FfiOption>);

impl CallOptions {
    /// Converts `(name, value)` pairs.
    pub fn new(options: &[(String, Value)]) -> Self {
        CallOptions(options_to_ffi(options))
    }
}

/// Runs a plugin's return-type rule (scalar, stateful and aggregate
/// functions share its shape). The error text of a caught panic starts
/// with [`PANIC_PREFIX`].
pub(super) fn run_return_field(
    context: *const c_void,
    rule: ReturnFieldFn,
    args: &[ArrowSchema],
    options: &[(String, Value)],
) -> Result<ArrowSchema, String> {
    let options: Vec<FfiOption> = options_to_ffi(options);
    let mut out = ArrowSchema::empty();
    // SAFETY: `context` and `rule` come from the same manifest entry; the
    // slices are valid for the duration of the call and `out` is a
    // released schema the callee may overwrite.
    let res = unsafe {
        rule(
            context,
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

pub(super) fn options_to_ffi(options: &[(String, Value)]) -> Vec<FfiOption> {
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
    /// Aggregate functions (ABI 1.1; none from a 1.0 plugin), as declared.
    pub aggregates: Vec<super::aggregate::AggregateSpec>,
    /// Stateful scalar functions (ABI 1.1; none from a 1.0 plugin), as declared.
    pub stateful: Vec<super::stateful::StatefulSpec>,
    /// Precise declarations of expression parameters (ABI 1.1), refining
    /// the classes in the functions' `params`.
    pub param_types: Vec<super::signature::ParamTypeSpec>,
    /// Whether the plugin allocates with the host's allocator (ABI 1.1,
    /// unless it keeps its own or allocated before the host's offer).
    pub host_allocator: bool,
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
    let raw = RawLibrary::load_at(path).map_err(library_error)?;
    // Never closed: the functions we register point into it.
    let raw: &'static RawLibrary = Box::leak(Box::new(raw));
    // SAFETY: `raw` is leaked, so the header (and everything it points
    // into) lives as long as the process, as the result's `'static` says.
    let header = unsafe { lib_header_from_raw_library(raw) }.map_err(library_error)?;

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

    // What ABI 1.1 added, from its own symbol; a 1.0 plugin has none. Read
    // before the root module is built, so that the host's allocator is
    // offered before any of the plugin's code allocates.
    // SAFETY: a symbol of this name is the `ExportedExtensions1_1` static that
    // `export_plugin!` defines (a plugin of ABI 1.1 or later, as the version
    // check above established when the symbol exists); its layout is checked
    // before the table is read.
    // (libloading gives a data symbol's address as the `*const` asked for.)
    let symbol = unsafe { raw.get::<*const ExportedExtensions1_1>(EXTENSIONS_1_1_SYMBOL) };
    let extensions: Option<&'static PluginExtensions1_1> = match symbol {
        Ok(symbol) if plugin_version.minor >= 1 => {
            let address: *const ExportedExtensions1_1 = *symbol;
            // SAFETY: see above; the library is leaked, so the static lives
            // for the rest of the process.
            let exported: &'static ExportedExtensions1_1 = unsafe { &*address };
            check_layout_compatibility(<PluginExtensions1_1 as StableAbi>::LAYOUT, exported.layout)
                .map_err(|e| OpenError::Layout(format!("its ABI 1.1 table: {e}")))?;
            Some(&exported.table)
        }
        _ => None,
    };
    let host_allocator = extensions.is_some_and(|t| (t.use_host_allocator)(&HOST_ALLOCATOR));

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
    let mut lib = manifest_from_ffi(abi_version, manifest)
        .map_err(|e| OpenError::Plugin(format!("its manifest is invalid: {e}")))?;
    lib.host_allocator = host_allocator;
    if let Some(table) = extensions {
        let list = match (table.aggregates)() {
            RResult::ROk(list) => list,
            RResult::RErr(e) => {
                return Err(OpenError::Plugin(format!(
                    "its aggregates entry point failed: {}",
                    lossy(&e)
                )))
            }
        };
        lib.aggregates = super::aggregate::aggregates_from_ffi(list)
            .map_err(|e| OpenError::Plugin(format!("its manifest is invalid: {e}")))?;
        let list = match (table.stateful)() {
            RResult::ROk(list) => list,
            RResult::RErr(e) => {
                return Err(OpenError::Plugin(format!(
                    "its stateful functions entry point failed: {}",
                    lossy(&e)
                )))
            }
        };
        lib.stateful = super::stateful::stateful_from_ffi(list)
            .map_err(|e| OpenError::Plugin(format!("its manifest is invalid: {e}")))?;
        let list = match (table.param_types)() {
            RResult::ROk(list) => list,
            RResult::RErr(e) => {
                return Err(OpenError::Plugin(format!(
                    "its parameter types are invalid: {}",
                    lossy(&e)
                )))
            }
        };
        lib.param_types = super::signature::param_types_from_ffi(list)
            .map_err(|e| OpenError::Plugin(format!("its manifest is invalid: {e}")))?;
    }
    Ok(lib)
}

/// The bytes of a string the plugin produced. `RString` promises UTF-8,
/// but only the plugin's own code keeps that promise, so the host reads the
/// bytes (which are valid as bytes either way) and checks them itself
/// before any `str` operation runs on them.
fn plugin_bytes(s: &RString) -> &[u8] {
    s.as_str().as_bytes()
}

/// A text from the plugin that must be valid UTF-8 (names, docs, metadata).
pub(super) fn checked(s: &RString, what: impl FnOnce() -> String) -> Result<String, String> {
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
pub(super) fn lossy(s: &RString) -> String {
    String::from_utf8_lossy(plugin_bytes(s)).into_owned()
}

/// A declared parameter list in plain Rust; `fname` names the function in errors.
pub(super) fn params_from_ffi(
    fname: &str,
    params: &RVec<FfiParam>,
) -> Result<Vec<(String, ParamSpec)>, String> {
    params
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let pname = checked(&p.name, || {
                format!("the name of parameter #{j} of function {fname:?}")
            })?;
            let kind = match &p.kind {
                FfiParamKind::Expr { accepts } => ParamSpec::Expr(type_class_from_ffi(*accepts)),
                FfiParamKind::Variadic { accepts, min } => ParamSpec::Variadic {
                    accepts: type_class_from_ffi(*accepts),
                    min: usize::try_from(*min).unwrap_or(usize::MAX),
                },
                FfiParamKind::Option { kind, default } => ParamSpec::Option {
                    kind: option_kind_from_ffi(*kind),
                    default: match default {
                        ROption::RSome(FfiValue::Str(s)) => Some(Value::Str(checked(s, || {
                            format!("the default of option {pname:?} of function {fname:?}")
                        })?)),
                        ROption::RSome(v) => Some(value_from_ffi(v)),
                        ROption::RNone => None,
                    },
                },
            };
            Ok((pname, kind))
        })
        .collect()
}

pub(super) fn manifest_from_ffi(
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
            let params = params_from_ffi(&fname, &f.params)?;
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
        aggregates: Vec::new(),
        stateful: Vec::new(),
        param_types: Vec::new(),
        host_allocator: false,
        types,
    })
}
