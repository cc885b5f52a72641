//! The function registry: one table of every scalar function the engine can
//! call, whoever provides it.
//!
//! Built-in functions are declared beside their kernels and submitted with
//! [`inventory`]; the registry collects them once, on first use. Plugins add
//! theirs through [`Registry::register`] with the same [`FunctionDef`], so the
//! planner and executor never know where a function came from.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, Field};
use indexmap::IndexMap;

use crate::error::{DaftError, DaftResult};
use crate::options::{FunctionOptions, OptionValue};
use crate::types::{display_type, TypeClass};

/// Who provides a function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Compiled into the engine.
    Builtin,
    /// Loaded from the plugin of this name.
    Plugin(String),
    /// A Python function made a UDF (`@daft.func`); never in the registry's
    /// table, only in the plans that call it.
    Python,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provider::Builtin => write!(f, "builtin"),
            Provider::Plugin(p) => write!(f, "{p}"),
            Provider::Python => write!(f, "python"),
        }
    }
}

/// The kind of literal an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    Bool,
    Int,
    Float,
    Str,
    DataType,
}

impl OptionKind {
    fn describe(&self) -> &'static str {
        match self {
            OptionKind::Bool => "bool",
            OptionKind::Int => "int",
            OptionKind::Float => "float",
            OptionKind::Str => "str",
            OptionKind::DataType => "DataType",
        }
    }

    /// Checks `value` against this kind, widening an int to a float.
    fn coerce(&self, value: OptionValue) -> Option<OptionValue> {
        match (self, value) {
            (_, OptionValue::Null) => Some(OptionValue::Null),
            (OptionKind::Bool, v @ OptionValue::Bool(_)) => Some(v),
            (OptionKind::Int, v @ OptionValue::Int(_)) => Some(v),
            (OptionKind::Float, v @ OptionValue::Float(_)) => Some(v),
            (OptionKind::Float, OptionValue::Int(i)) => Some(OptionValue::Float(i as f64)),
            (OptionKind::Str, v @ OptionValue::Str(_)) => Some(v),
            (OptionKind::DataType, v @ OptionValue::DataType(_)) => Some(v),
            _ => None,
        }
    }
}

/// How one parameter is passed.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// One expression argument whose type must be in the class.
    Expr(TypeClass),
    /// Zero or more trailing expression arguments (at least `min`).
    Variadic { accepts: TypeClass, min: usize },
    /// A named literal option; `default: None` makes it required.
    Option {
        kind: OptionKind,
        default: Option<OptionValue>,
    },
}

/// One declared parameter of a function.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
}

impl Param {
    /// An expression parameter.
    pub fn expr(name: &str, accepts: TypeClass) -> Self {
        Param {
            name: name.into(),
            kind: ParamKind::Expr(accepts),
        }
    }

    /// A variadic expression parameter (must be last among expressions).
    pub fn variadic(name: &str, accepts: TypeClass, min: usize) -> Self {
        Param {
            name: name.into(),
            kind: ParamKind::Variadic { accepts, min },
        }
    }

    /// An optional literal option with a default.
    pub fn option(name: &str, kind: OptionKind, default: OptionValue) -> Self {
        Param {
            name: name.into(),
            kind: ParamKind::Option {
                kind,
                default: Some(default),
            },
        }
    }

    /// A literal option the caller must give.
    pub fn required_option(name: &str, kind: OptionKind) -> Self {
        Param {
            name: name.into(),
            kind: ParamKind::Option {
                kind,
                default: None,
            },
        }
    }
}

/// The behaviour of a scalar function: its return-type rule, evaluated
/// once at plan time, and its kernel, run per batch.
pub trait ScalarFunction: Send + Sync {
    /// The output field for these argument fields (already checked against
    /// the declared [`TypeClass`]es), or an error saying what is wrong. The
    /// engine renames the field after the first argument.
    fn return_field(&self, args: &[Field], options: &FunctionOptions) -> DaftResult<Field>;

    /// Computes the result. Every argument has `num_rows` rows (literals are
    /// broadcast), and the result must have `num_rows` rows too.
    fn call(
        &self,
        args: &[ArrayRef],
        options: &FunctionOptions,
        num_rows: usize,
    ) -> DaftResult<ArrayRef>;

    /// [`ScalarFunction::call`], also given the argument fields resolved at
    /// plan time, with their metadata. A function whose kernel depends on an
    /// argument's logical type (a tensor's shape lives in the field, not the
    /// array) overrides this; the others keep the default.
    fn call_with_fields(
        &self,
        args: &[ArrayRef],
        _fields: &[Field],
        options: &FunctionOptions,
        num_rows: usize,
    ) -> DaftResult<ArrayRef> {
        self.call(args, options, num_rows)
    }

    /// Whether calls with the same arguments may give different results
    /// (random values, fresh ids). The engine then neither folds a call of
    /// literals into one constant nor shares one call's result with another.
    fn is_volatile(&self) -> bool {
        false
    }

    /// Prepares one call site, once per query, before its first batch,
    /// given the argument fields and output field resolved at plan time and
    /// the call's options. A function with per-query state (a plugin's
    /// stateful function) builds it here, and a function that can do per
    /// call site what it would otherwise do per batch does it here; the
    /// engine then runs every batch of the call site through the returned
    /// kernel instead of [`ScalarFunction::call`], and drops it (releasing
    /// the state) when the query ends. `None`, the default: nothing to
    /// prepare.
    fn prepare(
        &self,
        _args: &[Field],
        _options: &FunctionOptions,
        _return_field: &Field,
    ) -> DaftResult<Option<Box<dyn PreparedKernel>>> {
        Ok(None)
    }

    /// The implementation as `Any`, for a binding that must reach its own
    /// kind of function (the Python binding serializes its Python UDFs for
    /// other processes). `None`, the default: nothing to reach.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// The kernel of one call site in one query (see [`ScalarFunction::prepare`]);
/// called from several threads at once.
pub trait PreparedKernel: Send + Sync {
    /// Computes one batch, as [`ScalarFunction::call`] does.
    fn call(&self, args: &[ArrayRef], num_rows: usize) -> DaftResult<ArrayRef>;
}

/// What a function computes: one value per row, or one per group.
#[derive(Clone)]
pub enum Implementation {
    /// A scalar function (most of the registry).
    Scalar(Arc<dyn ScalarFunction>),
    /// An aggregation, used in `agg`, `groupby().agg`, SQL and windows.
    Aggregate(Arc<dyn crate::aggregate::AggregateFunction>),
}

impl Implementation {
    /// The scalar function, if this is one.
    pub fn scalar(&self) -> Option<&Arc<dyn ScalarFunction>> {
        match self {
            Implementation::Scalar(f) => Some(f),
            Implementation::Aggregate(_) => None,
        }
    }

    /// The aggregate function, if this is one.
    pub fn aggregate(&self) -> Option<&Arc<dyn crate::aggregate::AggregateFunction>> {
        match self {
            Implementation::Aggregate(f) => Some(f),
            Implementation::Scalar(_) => None,
        }
    }
}

/// Everything the engine knows about one function.
pub struct FunctionDef {
    /// The name users call it by.
    pub name: String,
    /// Built in, or which plugin.
    pub provider: Provider,
    /// The docstring shown by `help()`.
    pub doc: String,
    /// Expression parameters first, then options.
    pub params: Vec<Param>,
    /// Return-type rule and kernel (or accumulator).
    pub implementation: Implementation,
}

impl fmt::Debug for FunctionDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionDef")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("params", &self.params)
            .field("aggregate", &self.is_aggregate())
            .finish()
    }
}

impl FunctionDef {
    /// Whether this is an aggregation (one value per group).
    pub fn is_aggregate(&self) -> bool {
        matches!(self.implementation, Implementation::Aggregate(_))
    }

    /// The scalar function, or an error naming this function when it is an
    /// aggregation (which the planner never calls row by row).
    pub fn scalar(&self) -> DaftResult<&Arc<dyn ScalarFunction>> {
        self.implementation.scalar().ok_or_else(|| {
            DaftError::Internal(format!(
                "function {} is an aggregation, not a scalar function",
                self.qualified_name()
            ))
        })
    }

    /// The qualified name used in messages: `lower` or `text.levenshtein`.
    pub fn qualified_name(&self) -> String {
        match &self.provider {
            Provider::Builtin | Provider::Python => self.name.clone(),
            Provider::Plugin(p) => format!("{p}.{}", self.name),
        }
    }

    /// A Python-style signature, e.g. `(expr, pattern, *, regex=False)`.
    pub fn signature_text(&self) -> String {
        let mut parts = Vec::new();
        let mut star = false;
        for p in &self.params {
            match &p.kind {
                ParamKind::Expr(_) => parts.push(p.name.clone()),
                ParamKind::Variadic { .. } => {
                    parts.push(format!("*{}", p.name));
                    star = true;
                }
                ParamKind::Option { default, .. } => {
                    if !star {
                        parts.push("*".into());
                        star = true;
                    }
                    match default {
                        Some(d) => parts.push(format!("{}={d}", p.name)),
                        None => parts.push(p.name.clone()),
                    }
                }
            }
        }
        format!("({})", parts.join(", "))
    }

    fn expr_params(&self) -> (Vec<&Param>, Option<&Param>) {
        let fixed = self
            .params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Expr(_)))
            .collect();
        let variadic = self
            .params
            .iter()
            .find(|p| matches!(p.kind, ParamKind::Variadic { .. }));
        (fixed, variadic)
    }

    /// Validates the named options of a call and fills in defaults.
    pub fn bind_options(
        &self,
        mut given: BTreeMap<String, OptionValue>,
    ) -> DaftResult<FunctionOptions> {
        let mut out = BTreeMap::new();
        for p in &self.params {
            if let ParamKind::Option { kind, default } = &p.kind {
                match given.remove(&p.name) {
                    Some(v) => {
                        let kind_name = v.kind();
                        let v = kind.coerce(v).ok_or_else(|| {
                            DaftError::type_error(format!(
                                "function {}: option `{}` got a {kind_name}; expected {}",
                                self.qualified_name(),
                                p.name,
                                kind.describe()
                            ))
                        })?;
                        out.insert(p.name.clone(), v);
                    }
                    None => match default {
                        Some(d) => {
                            out.insert(p.name.clone(), d.clone());
                        }
                        None => {
                            return Err(DaftError::type_error(format!(
                                "function {}: missing required option `{}` ({})",
                                self.qualified_name(),
                                p.name,
                                kind.describe()
                            )))
                        }
                    },
                }
            }
        }
        if let Some(unknown) = given.keys().next() {
            let known: Vec<&str> = self
                .params
                .iter()
                .filter(|p| matches!(p.kind, ParamKind::Option { .. }))
                .map(|p| p.name.as_str())
                .collect();
            return Err(DaftError::type_error(format!(
                "function {}: unknown option `{unknown}`; it accepts [{}]",
                self.qualified_name(),
                known.join(", ")
            )));
        }
        Ok(FunctionOptions(out))
    }

    /// Checks the number of expression arguments, before their types are known.
    pub fn check_arity(&self, n: usize) -> DaftResult<()> {
        let (fixed, variadic) = self.expr_params();
        let ok = match variadic {
            Some(Param {
                kind: ParamKind::Variadic { min, .. },
                ..
            }) => n >= fixed.len() + min,
            _ => n == fixed.len(),
        };
        if ok {
            return Ok(());
        }
        let expected = match variadic {
            Some(Param {
                kind: ParamKind::Variadic { min, .. },
                ..
            }) => format!("at least {}", fixed.len() + min),
            _ => format!("{}", fixed.len()),
        };
        Err(DaftError::type_error(format!(
            "function {}{}: takes {expected} expression argument(s), got {n}",
            self.qualified_name(),
            self.signature_text()
        )))
    }

    /// The plan-time check of a call: arity, each argument's type against its
    /// declared class, then the function's own return-type rule. The output
    /// field is named after the first argument (or the function).
    pub fn resolve(&self, args: &[Field], options: &FunctionOptions) -> DaftResult<Field> {
        self.check_arity(args.len())?;
        let (fixed, variadic) = self.expr_params();
        for (i, arg) in args.iter().enumerate() {
            let (pname, accepts) = match fixed.get(i) {
                Some(Param {
                    name,
                    kind: ParamKind::Expr(c),
                }) => (name.clone(), *c),
                _ => match variadic {
                    Some(Param {
                        name,
                        kind: ParamKind::Variadic { accepts, .. },
                    }) => (format!("{name}[{}]", i - fixed.len()), *accepts),
                    _ => unreachable!("arity checked above"),
                },
            };
            let same_as = match accepts {
                TypeClass::SameAs(j) => args.get(j).map(|other| {
                    let (a, b) = (arg.data_type(), other.data_type());
                    a == b || matches!(a, DataType::Null) || matches!(b, DataType::Null)
                }),
                _ => None,
            };
            if !accepts.accepts_field(arg) || same_as == Some(false) {
                let names: Vec<String> = fixed.iter().map(|p| p.name.clone()).collect();
                let expected = match (accepts, same_as) {
                    (TypeClass::SameAs(j), Some(false)) => format!(
                        "{} ({})",
                        accepts.describe_with(&names),
                        display_type(&args[j])
                    ),
                    _ => accepts.describe_with(&names),
                };
                return Err(DaftError::type_error(format!(
                    "function {}: argument `{pname}` (column {:?}) has type {}; expected {expected}",
                    self.qualified_name(),
                    arg.name(),
                    display_type(arg),
                )));
            }
        }
        let field = match &self.implementation {
            Implementation::Scalar(f) => f.return_field(args, options),
            Implementation::Aggregate(f) => f.return_field(args, options),
        }
        .map_err(|e| e.context(format!("function {}", self.qualified_name())))?;
        let name = args
            .first()
            .map(|f| f.name().clone())
            .unwrap_or_else(|| self.name.clone());
        Ok(field.with_name(name))
    }
}

/// A built-in function, submitted with `inventory::submit!` next to its
/// kernel: `inventory::submit! { BuiltinFunction(my_function_def) }`.
pub struct BuiltinFunction(pub fn() -> FunctionDef);

inventory::collect!(BuiltinFunction);

/// Where a newly registered function ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// Reachable by its plain name (and by `provider.name` for plugins).
    Global,
    /// Its plain name was taken; reachable only as `provider.name`.
    NamespacedOnly { taken_by: Provider },
}

#[derive(Default)]
struct Tables {
    /// Plain name -> function, in registration order.
    global: IndexMap<String, Arc<FunctionDef>>,
    /// Provider name -> its functions, for `daft.functions.<plugin>.<name>`.
    by_provider: IndexMap<String, IndexMap<String, Arc<FunctionDef>>>,
}

/// The table of all functions. Reads are frequent (every expression build);
/// writes happen only when a plugin loads.
pub struct Registry {
    tables: RwLock<Tables>,
}

impl Registry {
    fn from_builtins() -> Self {
        let mut tables = Tables::default();
        let mut defs: Vec<FunctionDef> = inventory::iter::<BuiltinFunction>
            .into_iter()
            .map(|b| (b.0)())
            .collect();
        // inventory's order depends on link order; sort so listings are stable.
        defs.sort_by(|a, b| a.name.cmp(&b.name));
        for def in defs {
            debug_assert_eq!(def.provider, Provider::Builtin);
            let def = Arc::new(def);
            let prev = tables.global.insert(def.name.clone(), def.clone());
            assert!(prev.is_none(), "two built-ins named {:?}", def.name);
        }
        Registry {
            tables: RwLock::new(tables),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Tables> {
        // A panic while holding the lock cannot leave the tables half-written
        // (inserts are single map operations), so a poisoned lock is still sound.
        self.tables.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The function called `name`, if any.
    pub fn get(&self, name: &str) -> Option<Arc<FunctionDef>> {
        self.read().global.get(name).cloned()
    }

    /// The function `name` of provider `provider` (a plugin name).
    pub fn get_from(&self, provider: &str, name: &str) -> Option<Arc<FunctionDef>> {
        self.read().by_provider.get(provider)?.get(name).cloned()
    }

    /// Looks up `name`, with an error listing close matches when it is unknown.
    pub fn lookup(&self, name: &str) -> DaftResult<Arc<FunctionDef>> {
        if let Some(def) = self.get(name) {
            return Ok(def);
        }
        if let Some((provider, fname)) = name.split_once('.') {
            if let Some(def) = self.get_from(provider, fname) {
                return Ok(def);
            }
        }
        let tables = self.read();
        let mut close: Vec<&str> = tables
            .global
            .keys()
            .filter(|k| k.contains(name) || name.contains(k.as_str()))
            .map(|k| k.as_str())
            .take(5)
            .collect();
        close.sort();
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!("; similar names: [{}]", close.join(", "))
        };
        Err(DaftError::ValueError(format!(
            "no function named {name:?}{hint}"
        )))
    }

    /// Every function reachable by its plain name, in registration order.
    pub fn functions(&self) -> Vec<Arc<FunctionDef>> {
        self.read().global.values().cloned().collect()
    }

    /// Every plugin provider and its functions (including shadowed ones).
    pub fn providers(&self) -> Vec<(String, Vec<Arc<FunctionDef>>)> {
        self.read()
            .by_provider
            .iter()
            .map(|(p, fs)| (p.clone(), fs.values().cloned().collect()))
            .collect()
    }

    /// Registers a plugin's function. A plain name already taken stays with
    /// its owner (built-ins first, then earlier plugins); the newcomer is then
    /// reachable only as `provider.name`. Registering the same provider and
    /// name twice is an error, and leaves the registry unchanged.
    pub fn register(&self, def: FunctionDef) -> DaftResult<Registration> {
        let provider = match &def.provider {
            Provider::Plugin(p) => p.clone(),
            Provider::Builtin => {
                return Err(DaftError::Internal(format!(
                    "built-in {:?} must be submitted with inventory, not registered at run time",
                    def.name
                )))
            }
            Provider::Python => {
                return Err(DaftError::Internal(format!(
                    "the Python UDF {:?} lives in the plans that call it, not in the registry",
                    def.name
                )))
            }
        };
        let mut tables = self.tables.write().unwrap_or_else(|e| e.into_inner());
        if tables
            .by_provider
            .get(&provider)
            .is_some_and(|fs| fs.contains_key(&def.name))
        {
            return Err(DaftError::Plugin {
                plugin: provider,
                message: format!("declares function {:?} more than once", def.name),
            });
        }
        let def = Arc::new(def);
        let outcome = match tables.global.get(&def.name) {
            Some(owner) => Registration::NamespacedOnly {
                taken_by: owner.provider.clone(),
            },
            None => {
                tables.global.insert(def.name.clone(), def.clone());
                Registration::Global
            }
        };
        tables
            .by_provider
            .entry(provider)
            .or_default()
            .insert(def.name.clone(), def);
        Ok(outcome)
    }
}

/// The process-wide registry, built from the inventory of built-ins on first use.
pub fn global() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::from_builtins)
}
