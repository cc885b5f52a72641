//! Loads native daft plugins and registers their functions and extension
//! types, so the engine calls them exactly like built-ins.
//!
//! [`load_plugin`] opens a plugin library through the stable ABI of
//! `daft-plugin-api` (never with `RTLD_GLOBAL`; libraries are never
//! unloaded), checks its ABI version and layout, reads and validates its
//! manifest, and only then registers anything: a plugin that fails
//! registers nothing. Every attempt, successful or not, is kept in a
//! process-wide list ([`statuses`]) that `daft.plugins()` shows.
//!
//! Name clashes follow the design: a built-in (or an earlier plugin's
//! function) keeps its plain name; the newcomer stays reachable as
//! `plugin.name`, a `tracing` warning names both, and the status records
//! it. Loading a second plugin of an already-loaded name (e.g. another
//! version) is an error naming both paths and versions.

#![warn(missing_docs)]

mod adapter;
mod aggregate;
mod ffi;
#[cfg(unix)]
pub mod isolation;
pub mod preflight;
mod signature;
mod stateful;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use arrow::datatypes::DataType;
use daft_core::options::OptionValue;
use daft_core::registry::{
    self, FunctionDef, OptionKind, Param, ParamKind, Provider, Registration,
};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};
use daft_plugin_api::abi::{self, LoadedLibrary, ParamSpec};

use crate::adapter::PluginFunction;
#[cfg(unix)]
pub use crate::isolation::ProcessOptions;

/// The outcome of registering one plugin function.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionStatus {
    /// The function's name.
    pub name: String,
    /// Whether it got its plain name or only `plugin.name`.
    pub registration: Registration,
}

/// An extension type registered by a plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionTypeInfo {
    /// The extension name (`ARROW:extension:name`).
    pub name: String,
    /// The plugin that declared it.
    pub plugin: String,
    /// Its Arrow storage type.
    pub storage: DataType,
    /// Its metadata (`ARROW:extension:metadata`).
    pub metadata: String,
}

/// What a successfully loaded plugin provides.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginStatus {
    /// The plugin's name (its namespace).
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// The plugin ABI version it was built against, `(major, minor)`.
    pub abi_version: (u32, u32),
    /// The library it was loaded from (absolute).
    pub path: PathBuf,
    /// Its functions and where each was registered.
    pub functions: Vec<FunctionStatus>,
    /// Its extension types.
    pub types: Vec<ExtensionTypeInfo>,
    /// Whether it runs in isolated worker processes.
    pub isolated: bool,
    /// Whether it allocates with the host's allocator (ABI 1.1 plugins
    /// loaded in this process; see `daft_plugin_api::abi::PluginAllocator`).
    pub host_allocator: bool,
}

/// A plugin that could not be loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginFailure {
    /// What was being loaded (a library path, or whatever the caller named).
    pub path: PathBuf,
    /// Why it failed, as shown to the user.
    pub reason: String,
}

/// One load attempt, in the process-wide list.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadRecord {
    /// Loaded and registered.
    Loaded(PluginStatus),
    /// Failed; nothing of it was registered.
    Failed(PluginFailure),
}

struct Loaded {
    name: String,
    version: String,
    path: PathBuf,
}

#[derive(Default)]
struct LoaderState {
    loaded: Vec<Loaded>,
    records: Vec<LoadRecord>,
}

static STATE: Mutex<LoaderState> = Mutex::new(LoaderState {
    loaded: Vec::new(),
    records: Vec::new(),
});

static EXTENSION_TYPES: RwLock<BTreeMap<String, ExtensionTypeInfo>> = RwLock::new(BTreeMap::new());

/// Strict validation of plugin results; see [`set_strict_validation`].
pub(crate) static STRICT: AtomicBool = AtomicBool::new(false);

fn state() -> MutexGuard<'static, LoaderState> {
    // Every update of the state is a single push, so a panic elsewhere
    // while the lock was held cannot have left it half-written.
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Turns on (or off) full validation of every array a plugin function
/// returns (`ArrayData::validate_full`: offsets, UTF-8, dictionary keys),
/// at a cost linear in the data. Off by default; the cheap structural
/// checks (pointers, buffer sizes) always run.
pub fn set_strict_validation(on: bool) {
    STRICT.store(on, Ordering::Relaxed);
}

/// Whether strict validation is on.
pub fn strict_validation() -> bool {
    STRICT.load(Ordering::Relaxed)
}

/// The version of the loaded plugin `name`, if one of that name is loaded.
pub fn loaded_version(name: &str) -> Option<String> {
    state()
        .loaded
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.version.clone())
}

/// Every load attempt so far, in order, failures included.
pub fn statuses() -> Vec<LoadRecord> {
    state().records.clone()
}

/// Records a plugin that failed before reaching [`load_plugin`] (e.g. its
/// Python entry point raised), so that it shows in [`statuses`].
/// [`load_plugin`] records its own failures; do not record those again.
pub fn record_failure(path: impl Into<PathBuf>, reason: impl Into<String>) {
    state().records.push(LoadRecord::Failed(PluginFailure {
        path: path.into(),
        reason: reason.into(),
    }));
}

/// Every extension type registered by a plugin, by name.
pub fn extension_types() -> Vec<ExtensionTypeInfo> {
    EXTENSION_TYPES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .cloned()
        .collect()
}

/// The extension type called `name`, if a plugin registered one.
pub fn extension_type(name: &str) -> Option<ExtensionTypeInfo> {
    EXTENSION_TYPES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(name)
        .cloned()
}

/// Loads the plugin library at `path` and registers its functions and
/// extension types in the global registry.
///
/// Errors (all [`DaftError::Plugin`], naming the plugin or file and the
/// path): a missing file, a file that is not a shared library or not a
/// daft plugin, an ABI version or layout mismatch, a failing or panicking
/// manifest, an invalid manifest, a plugin whose name is already loaded.
/// On error nothing is registered. The attempt is recorded either way.
pub fn load_plugin(path: impl AsRef<Path>) -> DaftResult<PluginStatus> {
    load_plugin_if_allowed(path, None)?.ok_or_else(|| {
        DaftError::Internal("a load without an allow-list skipped the plugin".into())
    })
}

/// Like [`load_plugin`], but when `allow` is given and the plugin's name
/// (read from its manifest) is not in it, registers nothing, records
/// nothing and returns `Ok(None)`. The library itself has been opened by
/// then (its name is only known from inside it) and stays loaded, so
/// callers filter candidates by what they know before opening (the Python
/// discovery checks entry-point names and file stems) and this check only
/// confirms the name the plugin gives itself.
pub fn load_plugin_if_allowed(
    path: impl AsRef<Path>,
    allow: Option<&[String]>,
) -> DaftResult<Option<PluginStatus>> {
    load_plugin_with(path, allow, &Isolation::InProcess)
}

/// How a plugin's code runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Isolation {
    /// In this process, called directly through the plugin ABI.
    #[default]
    InProcess,
    /// In supervised worker processes ([`isolation`]): the host never
    /// opens the library, and a crash or hang fails one call, not the host.
    #[cfg(unix)]
    Process(ProcessOptions),
}

/// Like [`load_plugin_if_allowed`], running the plugin as `isolation` says.
pub fn load_plugin_with(
    path: impl AsRef<Path>,
    allow: Option<&[String]>,
    isolation: &Isolation,
) -> DaftResult<Option<PluginStatus>> {
    let path = path.as_ref();
    // An absolute path, so the dynamic loader never searches its library
    // path (or the working directory) for a bare file name; canonical when
    // the file exists, so two spellings of one file compare equal.
    let path = std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let mut state = state();
    let result = load_locked(&mut state, &path, allow, isolation);
    match &result {
        Ok(None) => {
            tracing::debug!(path = %path.display(), "daft plugin not in the allow-list; skipped");
        }
        Ok(Some(status)) => {
            tracing::info!(
                plugin = %status.name,
                version = %status.version,
                path = %status.path.display(),
                functions = status.functions.len(),
                isolated = status.isolated,
                host_allocator = status.host_allocator,
                "loaded daft plugin"
            );
            state.records.push(LoadRecord::Loaded(status.clone()));
        }
        Err(e) => {
            // The caller decides how to report it (Python warns once);
            // the record keeps the reason for `daft.plugins()`.
            tracing::debug!(path = %path.display(), error = %e, "daft plugin failed to load");
            state.records.push(LoadRecord::Failed(PluginFailure {
                path: path.clone(),
                reason: e.to_string(),
            }));
        }
    }
    result
}

fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> DaftError {
    DaftError::Plugin {
        plugin: file_label(path),
        message: format!("cannot load {}: {message}", path.display()),
    }
}

/// An error about the plugin `name` (version `version`) from `path`; an
/// invalid name (which `validate` rejects) is replaced by the file's name.
pub(crate) fn plugin_error(
    path: &Path,
    name: &str,
    version: &str,
    message: impl std::fmt::Display,
) -> DaftError {
    DaftError::Plugin {
        plugin: if is_identifier(name) {
            name.to_string()
        } else {
            file_label(path)
        },
        message: format!("{} (version {version}): {message}", path.display()),
    }
}

/// Opens the library at `path` and validates its manifest: what an
/// in-process load and an isolated worker both do.
pub(crate) fn open_checked(path: &Path) -> DaftResult<LoadedLibrary> {
    let lib = abi::open_library(path).map_err(|e| file_error(path, e))?;
    validate(&lib).map_err(|e| plugin_error(path, &lib.name, &lib.version, e))?;
    Ok(lib)
}

/// Adds extension types to the process-wide table.
pub(crate) fn register_types(types: Vec<ExtensionTypeInfo>) {
    let mut table = EXTENSION_TYPES.write().unwrap_or_else(|e| e.into_inner());
    for t in types {
        table.insert(t.name.clone(), t);
    }
}

/// A plugin's manifest with each function's implementation, however the
/// plugin runs: what registration needs.
struct Described {
    abi_version: (u32, u32),
    name: String,
    version: String,
    functions: Vec<DescribedFunction>,
    types: Vec<ExtensionTypeInfo>,
    isolated: bool,
    host_allocator: bool,
}

struct DescribedFunction {
    name: String,
    doc: String,
    params: Vec<(String, ParamSpec)>,
    /// Precise types of expression parameters (ABI 1.1), by parameter name,
    /// replacing the class in `params`.
    refined: Vec<(String, TypeClass)>,
    /// Options that take a `daft.DataType` (ABI 1.1; declared `Str` in the
    /// manifest), with their defaults.
    data_type_options: Vec<(String, Option<OptionValue>)>,
    implementation: registry::Implementation,
}

impl DescribedFunction {
    /// A function as its manifest declares it; `refine` adds precise types later.
    fn new(
        name: String,
        doc: String,
        params: Vec<(String, ParamSpec)>,
        implementation: registry::Implementation,
    ) -> Self {
        DescribedFunction {
            name,
            doc,
            params,
            refined: Vec::new(),
            data_type_options: Vec::new(),
            implementation,
        }
    }
}

fn load_locked(
    state: &mut LoaderState,
    path: &Path,
    allow: Option<&[String]>,
    isolation: &Isolation,
) -> DaftResult<Option<PluginStatus>> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(file_error(path, "no such file"))
        }
        Err(e) => return Err(file_error(path, e)),
        Ok(m) if m.is_dir() => {
            return Err(file_error(
                path,
                "it is a directory; name the plugin library file",
            ))
        }
        Ok(_) => {}
    }
    // Before `dlopen` runs any of the file's code or maps it (here, or in
    // an isolated worker).
    preflight::check_permissions(path).map_err(|e| file_error(path, e))?;
    preflight::check_elf(path).map_err(|e| file_error(path, e))?;

    let described = match isolation {
        Isolation::InProcess => describe_in_process(path)?,
        #[cfg(unix)]
        Isolation::Process(options) => describe_isolated(path, options.clone())?,
    };
    register_described(state, path, allow, described)
}

fn describe_in_process(path: &Path) -> DaftResult<Described> {
    let lib = open_checked(path)?;
    let error = |m: String| plugin_error(path, &lib.name, &lib.version, m);
    let types = lib
        .types
        .iter()
        .map(|t| {
            Ok(ExtensionTypeInfo {
                name: t.name.clone(),
                plugin: lib.name.clone(),
                storage: ffi::import_data_type(&t.storage)
                    .map_err(|e| error(format!("extension type {:?}: {e}", t.name)))?,
                metadata: t.metadata.clone(),
            })
        })
        .collect::<DaftResult<Vec<_>>>()?;
    let LoadedLibrary {
        abi_version,
        name,
        version,
        functions,
        aggregates,
        stateful,
        param_types,
        host_allocator,
        types: _,
    } = lib;
    let scalars = functions.into_iter().map(|f| {
        let kernel = PluginFunction {
            plugin: name.clone(),
            name: f.name.clone(),
            handle: f.handle,
        };
        let implementation = registry::Implementation::Scalar(Arc::new(kernel));
        DescribedFunction::new(f.name, f.doc, f.params, implementation)
    });
    let aggregates = aggregates.into_iter().map(|f| {
        let aggregate = aggregate::PluginAggregate {
            plugin: name.clone(),
            name: f.name.clone(),
            handle: f.handle,
        };
        let implementation = registry::Implementation::Aggregate(Arc::new(aggregate));
        DescribedFunction::new(f.name, f.doc, f.params, implementation)
    });
    let stateful = stateful.into_iter().map(|f| {
        let function = stateful::PluginStatefulFunction {
            plugin: name.clone(),
            name: f.name.clone(),
            handle: f.handle,
        };
        let implementation = registry::Implementation::Scalar(Arc::new(function));
        DescribedFunction::new(f.name, f.doc, f.params, implementation)
    });
    let mut functions: Vec<DescribedFunction> = scalars.chain(stateful).chain(aggregates).collect();
    signature::refine(&mut functions, param_types, &types).map_err(|e| {
        plugin_error(
            path,
            &name,
            &version,
            format!("its manifest is invalid: {e}"),
        )
    })?;
    Ok(Described {
        abi_version: (abi_version.major, abi_version.minor),
        name,
        version,
        functions,
        types,
        isolated: false,
        host_allocator,
    })
}

#[cfg(unix)]
fn describe_isolated(path: &Path, options: ProcessOptions) -> DaftResult<Described> {
    let (pool, manifest) = isolation::Pool::start(&file_label(path), path, options)?;
    let isolation::Manifest {
        abi_version,
        name,
        version,
        functions,
        types,
    } = manifest;
    // The worker validated the manifest too, but the host does not take a
    // child process's word for what it registers.
    validate_parts(
        &name,
        functions
            .iter()
            .map(|f| (f.name.as_str(), f.params.as_slice())),
        types.iter().map(|t| t.name.as_str()),
    )
    .map_err(|e| plugin_error(path, &name, &version, e))?;
    let functions = functions
        .into_iter()
        .map(|f| {
            let kernel = isolation::IsolatedFunction {
                pool: pool.clone(),
                name: f.name.clone(),
            };
            let implementation = registry::Implementation::Scalar(Arc::new(kernel));
            DescribedFunction::new(f.name, f.doc, f.params, implementation)
        })
        .collect();
    let types = types
        .into_iter()
        .map(|t| ExtensionTypeInfo {
            name: t.name,
            plugin: name.clone(),
            storage: t.storage,
            metadata: t.metadata,
        })
        .collect();
    Ok(Described {
        abi_version,
        name,
        version,
        functions,
        types,
        isolated: true,
        host_allocator: false,
    })
}

fn register_described(
    state: &mut LoaderState,
    path: &Path,
    allow: Option<&[String]>,
    described: Described,
) -> DaftResult<Option<PluginStatus>> {
    let plugin_error =
        |message: String| plugin_error(path, &described.name, &described.version, message);
    if allow.is_some_and(|allow| !allow.contains(&described.name)) {
        return Ok(None);
    }

    if let Some(prev) = state.loaded.iter().find(|p| p.name == described.name) {
        return Err(plugin_error(if prev.path == path {
            "this file is already loaded".to_string()
        } else {
            format!(
                "a plugin named {:?} is already loaded: version {} from {}; \
                 two copies are installed, remove one of them",
                prev.name,
                prev.version,
                prev.path.display()
            )
        }));
    }

    let registry = registry::global();
    if let Some(f) = described
        .functions
        .iter()
        .find(|f| registry.get_from(&described.name, &f.name).is_some())
    {
        return Err(plugin_error(format!(
            "the registry already has a function {}.{}",
            described.name, f.name
        )));
    }

    {
        let table = EXTENSION_TYPES.read().unwrap_or_else(|e| e.into_inner());
        if let Some((t, prev)) = described
            .types
            .iter()
            .find_map(|t| table.get(&t.name).map(|prev| (t, prev)))
        {
            return Err(plugin_error(format!(
                "extension type {:?} is already registered by plugin {:?}",
                t.name, prev.plugin
            )));
        }
    }

    let Described {
        abi_version,
        name,
        version,
        functions,
        types,
        isolated,
        host_allocator,
    } = described;
    let defs: Vec<FunctionDef> = functions
        .into_iter()
        .map(|f| FunctionDef {
            params: f
                .params
                .iter()
                .map(|(n, k)| {
                    let mut param = to_param(n, k);
                    if let Some((_, default)) = f.data_type_options.iter().find(|(p, _)| p == n) {
                        param.kind = ParamKind::Option {
                            kind: OptionKind::DataType,
                            default: default.clone(),
                        };
                    }
                    if let Some((_, class)) = f.refined.iter().find(|(p, _)| p == n) {
                        param.kind = match param.kind {
                            ParamKind::Expr(_) => ParamKind::Expr(*class),
                            ParamKind::Variadic { min, .. } => ParamKind::Variadic {
                                accepts: *class,
                                min,
                            },
                            other => other,
                        };
                    }
                    param
                })
                .collect(),
            implementation: f.implementation,
            name: f.name,
            provider: Provider::Plugin(name.clone()),
            doc: f.doc,
        })
        .collect();

    register_types(types.clone());

    let mut statuses = Vec::with_capacity(defs.len());
    for def in defs {
        let fname = def.name.clone();
        // Cannot fail for a validated manifest of a new provider (checked
        // above); if it does, report it rather than hide it.
        let registration = registry.register(def).map_err(|e| {
            DaftError::Internal(format!(
                "registering {name}.{fname} failed after validation: {e}"
            ))
        })?;
        if let Registration::NamespacedOnly { taken_by } = &registration {
            tracing::warn!(
                "plugin {name:?} function {fname:?} clashes with {} function {fname:?}, which keeps \
                 the name; call the plugin's as {name}.{fname}",
                match taken_by {
                    Provider::Builtin => "the built-in".to_string(),
                    Provider::Plugin(p) => format!("plugin {p:?}'s"),
                    Provider::Python => "the Python UDF".to_string(),
                }
            );
        }
        statuses.push(FunctionStatus {
            name: fname,
            registration,
        });
    }

    state.loaded.push(Loaded {
        name: name.clone(),
        version: version.clone(),
        path: path.to_path_buf(),
    });
    Ok(Some(PluginStatus {
        name,
        version,
        abi_version,
        path: path.to_path_buf(),
        functions: statuses,
        types,
        isolated,
        host_allocator,
    }))
}

fn to_type_class(c: daft_plugin_api::TypeClass) -> TypeClass {
    use daft_plugin_api::TypeClass as P;
    match c {
        P::Any => TypeClass::Any,
        P::Numeric => TypeClass::Numeric,
        P::Integer => TypeClass::Integer,
        P::String => TypeClass::String,
        P::Boolean => TypeClass::Boolean,
        P::BinaryLike => TypeClass::BinaryLike,
        P::List => TypeClass::List,
        // The manifest carries only the classes above; precise declarations
        // come from the ABI 1.1 table (`signature::refine`).
        P::Exact(_) | P::Extension(_) | P::SameAs(_) => TypeClass::Any,
    }
}

fn to_option_kind(k: daft_plugin_api::OptionKind) -> OptionKind {
    use daft_plugin_api::OptionKind as P;
    match k {
        P::Bool => OptionKind::Bool,
        P::Int => OptionKind::Int,
        P::Float => OptionKind::Float,
        // The manifest declares a DataType option as Str; the ABI 1.1 table
        // marks it (`signature::refine`).
        P::Str | P::DataType => OptionKind::Str,
    }
}

fn to_option_value(v: &daft_plugin_api::Value, kind: OptionKind) -> OptionValue {
    use daft_plugin_api::Value as P;
    match v {
        P::Null => OptionValue::Null,
        P::Bool(b) => OptionValue::Bool(*b),
        // `validate` accepted an int default only for int or float options.
        P::Int(i) if kind == OptionKind::Float => OptionValue::Float(*i as f64),
        P::Int(i) => OptionValue::Int(*i),
        P::Float(x) => OptionValue::Float(*x),
        P::Str(s) => OptionValue::Str(s.clone()),
    }
}

fn to_param(name: &str, kind: &ParamSpec) -> Param {
    let kind = match kind {
        ParamSpec::Expr(c) => ParamKind::Expr(to_type_class(*c)),
        ParamSpec::Variadic { accepts, min } => ParamKind::Variadic {
            accepts: to_type_class(*accepts),
            min: *min,
        },
        ParamSpec::Option { kind, default } => {
            let kind = to_option_kind(*kind);
            ParamKind::Option {
                kind,
                default: default.as_ref().map(|d| to_option_value(d, kind)),
            }
        }
    };
    Param {
        name: name.to_string(),
        kind,
    }
}

/// Whether `s` is a valid Python identifier of ASCII letters, digits and
/// underscores (names become attributes of `daft.functions`).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn validate(lib: &LoadedLibrary) -> Result<(), String> {
    validate_parts(
        &lib.name,
        lib.functions
            .iter()
            .map(|f| (f.name.as_str(), f.params.as_slice()))
            .chain(
                lib.aggregates
                    .iter()
                    .map(|f| (f.name.as_str(), f.params.as_slice())),
            )
            .chain(
                lib.stateful
                    .iter()
                    .map(|f| (f.name.as_str(), f.params.as_slice())),
            ),
        lib.types.iter().map(|t| t.name.as_str()),
    )
}

/// Checks a manifest's names and parameter lists before anything is
/// registered.
fn validate_parts<'a>(
    plugin: &str,
    functions: impl Iterator<Item = (&'a str, &'a [(String, ParamSpec)])>,
    types: impl Iterator<Item = &'a str>,
) -> Result<(), String> {
    if !is_identifier(plugin) {
        return Err(format!(
            "invalid plugin name {plugin:?}: use letters, digits and underscores, \
             not starting with a digit"
        ));
    }
    let mut seen = HashSet::new();
    for (name, params) in functions {
        if !is_identifier(name) {
            return Err(format!("invalid function name {name:?}"));
        }
        if !seen.insert(name) {
            return Err(format!("declares function {name:?} more than once"));
        }
        validate_params(params).map_err(|e| format!("function {name:?}: {e}"))?;
    }
    let mut seen_types = HashSet::new();
    for t in types {
        if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("invalid extension type name {t:?}"));
        }
        if !seen_types.insert(t) {
            return Err(format!("declares extension type {t:?} more than once"));
        }
    }
    Ok(())
}

fn validate_params(params: &[(String, ParamSpec)]) -> Result<(), String> {
    let mut seen = HashSet::new();
    // 0: fixed expressions, 1: after the variadic, 2: options.
    let mut stage = 0;
    for (name, kind) in params {
        if !is_identifier(name) {
            return Err(format!("invalid parameter name {name:?}"));
        }
        if !seen.insert(name.as_str()) {
            return Err(format!("parameter {name:?} declared twice"));
        }
        match kind {
            ParamSpec::Expr(_) if stage == 0 => {}
            ParamSpec::Expr(_) => {
                return Err(format!(
                    "expression parameter {name:?} comes after a variadic parameter or an option"
                ))
            }
            ParamSpec::Variadic { .. } if stage == 0 => stage = 1,
            ParamSpec::Variadic { .. } => {
                return Err(format!(
                    "variadic parameter {name:?} must be the only one and precede the options"
                ))
            }
            ParamSpec::Option { kind, default } => {
                stage = 2;
                use daft_plugin_api::{OptionKind as K, Value as V};
                let ok = matches!(
                    (kind, default),
                    (_, None | Some(V::Null))
                        | (K::Bool, Some(V::Bool(_)))
                        | (K::Int, Some(V::Int(_)))
                        | (K::Float, Some(V::Float(_) | V::Int(_)))
                        | (K::Str, Some(V::Str(_)))
                );
                if !ok {
                    return Err(format!(
                        "option {name:?} is declared {kind:?} but its default is {}",
                        default.as_ref().map(|d| d.to_string()).unwrap_or_default()
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
