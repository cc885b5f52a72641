//! The adapter that makes a plugin's aggregate function an
//! [`AggregateFunction`] of the registry, and each of its accumulators a
//! [`GroupsAccumulator`], checking what the plugin hands back.

use arrow::array::{make_array, ArrayData, ArrayRef};
use arrow::datatypes::{DataType, Field};
use daft_core::aggregate::{AggregateFunction, Emit, GroupsAccumulator};
use daft_core::options::FunctionOptions;
use daft_core::{DaftError, DaftResult};
use daft_plugin_api::abi::{
    AccumulatorHandle, AggregateHandle, ArrowArray, ArrowSchema, INVALID_RESULT_PREFIX,
    PANIC_PREFIX,
};

use crate::adapter::{arg_schemas, check_extension, option_values, plugin_bug};
use crate::ffi::{self, TypeSchemas};

/// One plugin aggregate, with its entry points resolved at load time.
pub(crate) struct PluginAggregate {
    pub(crate) plugin: String,
    pub(crate) name: String,
    pub(crate) handle: AggregateHandle,
}

/// Sorts a plugin's error text into a plugin bug (a caught panic, an
/// invalid array) or an error the plugin chose to return, for `step`.
fn step_error(plugin: &str, function: &str, step: &str, e: String) -> DaftError {
    if let Some(text) = e.strip_prefix(PANIC_PREFIX) {
        plugin_bug(plugin, function, format!("{step} panicked: {text}"))
    } else if let Some(text) = e.strip_prefix(INVALID_RESULT_PREFIX) {
        plugin_bug(
            plugin,
            function,
            format!("{step} returned an invalid array: {text}"),
        )
    } else {
        DaftError::ComputeError(format!("aggregate {plugin}.{function}: {e}"))
    }
}

fn export_fields(args: &[Field]) -> DaftResult<Vec<ArrowSchema>> {
    args.iter()
        .map(ffi::export_field)
        .collect::<Result<Vec<_>, _>>()
        .map_err(DaftError::Internal)
}

impl PluginAggregate {
    fn bug(&self, message: impl std::fmt::Display) -> DaftError {
        plugin_bug(&self.plugin, &self.name, message)
    }

    /// A rule's error: a panic is the plugin's bug, a returned error the
    /// user's mistake (the registry adds the function's name).
    fn rule_error(&self, rule: &str, e: String) -> DaftError {
        match e.strip_prefix(PANIC_PREFIX) {
            Some(text) => self.bug(format!("{rule} panicked: {text}")),
            None => DaftError::TypeError(e),
        }
    }
}

impl AggregateFunction for PluginAggregate {
    fn return_field(&self, args: &[Field], options: &FunctionOptions) -> DaftResult<Field> {
        let options = option_values(options);
        let out = self
            .handle
            .return_field(&export_fields(args)?, &options)
            .map_err(|e| self.rule_error("return-type rule", e))?;
        let field = ffi::import_field(&out).map_err(|e| self.bug(e))?;
        check_extension(&self.plugin, &self.name, field)
    }

    fn state_fields(&self, args: &[Field], options: &FunctionOptions) -> DaftResult<Vec<Field>> {
        let options = option_values(options);
        let out = self
            .handle
            .state_fields(&export_fields(args)?, &options)
            .map_err(|e| self.rule_error("state-type rule", e))?;
        out.iter()
            .map(|s| ffi::import_field(s).map_err(|e| self.bug(e)))
            .collect()
    }

    fn accumulator(
        &self,
        args: &[Field],
        options: &FunctionOptions,
        output: &Field,
        state: &[Field],
    ) -> DaftResult<Box<dyn GroupsAccumulator>> {
        let output = output.data_type().clone();
        let state: Vec<DataType> = state.iter().map(|f| f.data_type().clone()).collect();
        let update_schemas = arg_schemas(args)?;
        let merge_schemas = TypeSchemas::new(state.clone()).map_err(DaftError::Internal)?;
        let values = option_values(options);
        let acc = self
            .handle
            .create(&export_fields(args)?, &values)
            .map_err(|e| step_error(&self.plugin, &self.name, "creating an accumulator", e))?;
        Ok(Box::new(PluginAccumulator {
            plugin: self.plugin.clone(),
            name: self.name.clone(),
            acc,
            output,
            state,
            update_schemas,
            merge_schemas,
            groups: 0,
        }))
    }
}

/// A live accumulator of a plugin aggregate. Every array it emits is
/// checked (sound to read, the declared type, one row per emitted group)
/// before the engine sees it.
struct PluginAccumulator {
    plugin: String,
    name: String,
    acc: AccumulatorHandle,
    output: DataType,
    state: Vec<DataType>,
    /// The schemas of `update`'s arguments and of `merge`'s states,
    /// exported once for every batch.
    update_schemas: TypeSchemas,
    merge_schemas: TypeSchemas,
    /// Groups the accumulator holds (the last `total_groups`, less emitted ones).
    groups: usize,
}

impl PluginAccumulator {
    fn bug(&self, message: impl std::fmt::Display) -> DaftError {
        plugin_bug(&self.plugin, &self.name, message)
    }

    /// How many groups `emit` takes, and the count left afterwards.
    fn emitted(&self, emit: Emit) -> DaftResult<usize> {
        match emit {
            Emit::All => Ok(self.groups),
            Emit::First(n) if n <= self.groups => Ok(n),
            Emit::First(n) => Err(DaftError::Internal(format!(
                "aggregate {}.{}: asked to emit {n} of {} groups",
                self.plugin, self.name, self.groups
            ))),
        }
    }

    /// Imports an emitted array and checks it is sound, of `expected`
    /// type and `rows` long; `what` names it in the error.
    fn checked(
        &self,
        (array, schema): (ArrowArray, ArrowSchema),
        expected: &DataType,
        rows: usize,
        what: &str,
    ) -> DaftResult<ArrayRef> {
        let data = ffi::import_array(array, schema).map_err(|e| self.bug(e))?;
        data.validate()
            .map_err(|e| self.bug(format!("{what} is an invalid array: {e}")))?;
        if data.data_type() != expected {
            return Err(self.bug(format!(
                "{what} has type {} but {expected} was declared",
                data.data_type()
            )));
        }
        if data.len() != rows {
            return Err(self.bug(format!(
                "{what} has {} rows for {rows} emitted groups",
                data.len()
            )));
        }
        Ok(make_array(data))
    }
}

impl GroupsAccumulator for PluginAccumulator {
    fn update(&mut self, args: &[ArrayRef], groups: &[usize], total: usize) -> DaftResult<()> {
        let data: Vec<ArrayData> = args.iter().map(|a| a.to_data()).collect();
        let (mut arrays, schemas) =
            ffi::export_call(&data, Some(&self.update_schemas)).map_err(DaftError::Internal)?;
        self.acc
            .update(&mut arrays, &schemas, groups, total)
            .map_err(|e| step_error(&self.plugin, &self.name, "update", e))?;
        self.groups = self.groups.max(total);
        Ok(())
    }

    fn merge(&mut self, states: &[ArrayRef], groups: &[usize], total: usize) -> DaftResult<()> {
        let data: Vec<ArrayData> = states.iter().map(|a| a.to_data()).collect();
        let (mut arrays, schemas) =
            ffi::export_call(&data, Some(&self.merge_schemas)).map_err(DaftError::Internal)?;
        self.acc
            .merge(&mut arrays, &schemas, groups, total)
            .map_err(|e| step_error(&self.plugin, &self.name, "merge", e))?;
        self.groups = self.groups.max(total);
        Ok(())
    }

    fn evaluate(&mut self, emit: Emit) -> DaftResult<ArrayRef> {
        let n = self.emitted(emit)?;
        let out = self
            .acc
            .evaluate(match emit {
                Emit::All => None,
                Emit::First(n) => Some(n),
            })
            .map_err(|e| step_error(&self.plugin, &self.name, "evaluate", e))?;
        self.groups -= n;
        let output = self.output.clone();
        self.checked(out, &output, n, "the result")
    }

    fn state(&mut self, emit: Emit) -> DaftResult<Vec<ArrayRef>> {
        let n = self.emitted(emit)?;
        let out = self
            .acc
            .state(match emit {
                Emit::All => None,
                Emit::First(n) => Some(n),
            })
            .map_err(|e| step_error(&self.plugin, &self.name, "state", e))?;
        self.groups -= n;
        if out.len() != self.state.len() {
            return Err(self.bug(format!(
                "state gave {} arrays for {} declared state fields",
                out.len(),
                self.state.len()
            )));
        }
        let expected = self.state.clone();
        out.into_iter()
            .zip(&expected)
            .enumerate()
            .map(|(i, (column, dt))| self.checked(column, dt, n, &format!("state field #{i}")))
            .collect()
    }

    fn size(&self) -> usize {
        self.acc.size()
    }
}
