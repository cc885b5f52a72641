//! The one adapter between the function registry and DataFusion: every
//! registry function, built in or from a plugin, runs inside DataFusion as a
//! [`RegistryUdf`], a `ScalarUDFImpl`.
//!
//! One `RegistryUdf` is made per call site, when the plan is lowered: it
//! carries the function, the call's validated options and the output field
//! that the registry's return-type rule resolved at plan time, so nothing is
//! looked up or resolved again per batch.

use std::any::Any;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use daft_core::options::FunctionOptions;
use daft_core::registry::{FunctionDef, PreparedKernel, Provider};
use daft_core::types::display_data_type;
use daft_core::{DaftError, DaftResult};

use crate::error::to_df;

/// A registry function at one call site, as a DataFusion scalar UDF.
#[derive(Debug)]
pub struct RegistryUdf {
    pub(crate) func: Arc<FunctionDef>,
    name: String,
    pub(crate) options: FunctionOptions,
    pub(crate) return_field: FieldRef,
    /// The argument fields resolved at plan time (types and metadata).
    pub(crate) arg_fields: Vec<Field>,
    signature: Signature,
    /// What the function prepared for this call site (a stateful
    /// function's state), before the first batch; dropped with the plan,
    /// i.e. when the query ends.
    prepared: Prepared,
}

/// What a function prepared for its call site, or why it could not (every
/// batch then fails with that error).
#[derive(Default)]
struct Prepared(OnceLock<DaftResult<Option<Box<dyn PreparedKernel>>>>);

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.0.get() {
            None => "not yet",
            Some(Ok(None)) => "nothing to prepare",
            Some(Ok(Some(_))) => "prepared",
            Some(Err(_)) => "failed",
        };
        f.write_str(state)
    }
}

impl RegistryUdf {
    /// A call of `func` with arguments of the fields `arg_fields` and
    /// `options`, whose output field the registry resolved at plan time as
    /// `return_field`.
    pub fn new(
        func: Arc<FunctionDef>,
        arg_fields: Vec<Field>,
        options: FunctionOptions,
        return_field: FieldRef,
    ) -> Self {
        // Types were checked against the registry's rule when the plan was
        // built; `coerce_types` gives DataFusion exactly those types, so the
        // only casts it adds are of views back to strings ([`crate::views`]).
        let volatile = func
            .implementation
            .scalar()
            .is_some_and(|f| f.is_volatile());
        let volatility = if volatile {
            Volatility::Volatile
        } else {
            Volatility::Immutable
        };
        let signature = if arg_fields.is_empty() {
            Signature::nullary(volatility)
        } else {
            Signature::user_defined(volatility)
        };
        RegistryUdf {
            name: func.qualified_name(),
            func,
            options,
            return_field,
            arg_fields,
            signature,
            prepared: Prepared::default(),
        }
    }

    /// Who provides the called function.
    pub fn provider(&self) -> &Provider {
        &self.func.provider
    }

    fn call(&self, args: ScalarFunctionArgs) -> DaftResult<ArrayRef> {
        let rows = args.number_rows;
        // Kernels see every argument as a column of the batch's `rows` rows
        // (literals broadcast), as the registry's contract says. Not
        // `ColumnarValue::values_to_arrays`: it takes the length from the
        // array arguments, so when every argument is a literal (a call the
        // optimizer did not fold) it made them one row long whatever the
        // batch's length, and the kernel saw 1-row columns for `rows` rows.
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array_of_size(rows))
            .collect::<DfResult<Vec<_>>>()
            .map_err(|e| DaftError::Internal(format!("broadcasting arguments: {e}")))?;
        let func = &self.func;
        // A kernel that panics (a bug in a built-in, or arrow asserting on
        // input it dislikes) fails this query, not the process. Plugin
        // kernels cannot panic across the ABI: their SDK catches it first.
        let out = catch_unwind(AssertUnwindSafe(|| {
            let scalar = func.scalar()?;
            // Prepared once, by the first batch to arrive; the others wait.
            let prepared = self.prepared.0.get_or_init(|| {
                scalar.prepare(&self.arg_fields, &self.options, &self.return_field)
            });
            match prepared.as_ref().map_err(Clone::clone)? {
                Some(kernel) => kernel.call(&arrays, rows),
                None => scalar.call_with_fields(&arrays, &self.arg_fields, &self.options, rows),
            }
        }))
        .map_err(|p| {
            DaftError::Internal(format!("the kernel panicked: {}", panic_text(p.as_ref())))
        })
        .and_then(|r| r)
        .map_err(|e| e.context(format!("function {}", self.name)))?;
        check_output(&self.func, &out, rows, &self.return_field)?;
        Ok(out)
    }
}

/// The always-on check of every function result, built-in or plugin: one
/// row per input row, and the type resolved at plan time.
/// Checks a kernel's result against what the function declared at plan
/// time: one row per input row, the declared type, no nulls where declared
/// non-nullable. A plugin's violation is reported as its bug (naming the
/// plugin and function); a built-in's as a compute error.
fn check_output(
    func: &FunctionDef,
    out: &ArrayRef,
    rows: usize,
    declared: &Field,
) -> DaftResult<()> {
    let fail = |message: String| match &func.provider {
        Provider::Plugin(plugin) => DaftError::Plugin {
            plugin: plugin.clone(),
            message: format!("function {}: {message}", func.name),
        },
        _ => DaftError::compute(format!("function {}: {message}", func.qualified_name())),
    };
    if out.len() != rows {
        return Err(fail(format!(
            "returned {} rows for an input of {rows} rows",
            out.len()
        )));
    }
    let expected = declared.data_type();
    if out.data_type() != expected && expected != &DataType::Null {
        let (got, want) = (
            display_data_type(out.data_type()),
            display_data_type(expected),
        );
        // Types that print alike differ in what the short form leaves out
        // (a child field's nullability or name): show the whole types.
        let (got, want) = if got == want {
            (exact_type(out.data_type()), exact_type(expected))
        } else {
            (got, want)
        };
        return Err(fail(format!("returned type {got} but declared {want}")));
    }
    if !declared.is_nullable() && out.null_count() > 0 {
        return Err(fail(format!(
            "declared its result non-nullable but returned {} null(s) in {rows} rows",
            out.null_count()
        )));
    }
    Ok(())
}

/// A type with every child field's name and nullability spelled out, for
/// messages about types whose short forms are equal.
fn exact_type(dt: &DataType) -> String {
    fn field(f: &Field) -> String {
        let null = if f.is_nullable() { "" } else { " not null" };
        format!("{}: {}{null}", f.name(), exact_type(f.data_type()))
    }
    match dt {
        DataType::List(f) => format!("List<{}>", field(f)),
        DataType::LargeList(f) => format!("LargeList<{}>", field(f)),
        DataType::FixedSizeList(f, n) => format!("FixedSizeList[{n}]<{}>", field(f)),
        DataType::Map(f, _) => format!("Map<{}>", field(f)),
        DataType::Struct(fs) => format!(
            "Struct<{}>",
            fs.iter().map(|f| field(f)).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

fn panic_text(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<no message>".into())
}

impl PartialEq for RegistryUdf {
    fn eq(&self, other: &Self) -> bool {
        // The same function object (not merely the same name: a plugin may
        // shadow nothing, but two registries could), options and output.
        Arc::ptr_eq(&self.func, &other.func)
            && self.options == other.options
            && self.return_field == other.return_field
            && self.arg_fields == other.arg_fields
    }
}

impl Eq for RegistryUdf {}

impl Hash for RegistryUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with `eq`: equal calls have equal names and options
        // (options hash through their display form, floats included).
        self.name.hash(state);
        for (k, v) in &self.options.0 {
            k.hash(state);
            v.to_string().hash(state);
        }
    }
}

impl ScalarUDFImpl for RegistryUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        if arg_types.len() != self.arg_fields.len() {
            return Err(to_df(DaftError::Internal(format!(
                "function {} was planned with {} arguments but called with {}",
                self.name,
                self.arg_fields.len(),
                arg_types.len()
            ))));
        }
        Ok(self
            .arg_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect())
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(self.return_field.data_type().clone())
    }

    fn return_field_from_args(&self, _: ReturnFieldArgs) -> DfResult<FieldRef> {
        Ok(self.return_field.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        self.call(args).map(ColumnarValue::Array).map_err(to_df)
    }
}
