//! The adapter that makes a plugin's stateful function a registry
//! [`ScalarFunction`]: the engine builds its state through
//! [`ScalarFunction::prepare`] once per call site and query, and runs
//! every batch through [`PluginState`], which releases the plugin's state
//! when the query's plan is dropped.

use arrow::array::ArrayRef;
use arrow::datatypes::Field;
use daft_core::options::FunctionOptions;
use daft_core::registry::{PreparedKernel, ScalarFunction};
use daft_core::{DaftError, DaftResult};
use daft_plugin_api::abi::{StateHandle, StatefulHandle, PANIC_PREFIX};

use crate::adapter::{arg_schemas, option_values, plugin_bug, run_prepared, run_return_field};
use crate::ffi::{self, TypeSchemas};

/// One stateful plugin function, with its entry points resolved at load.
pub(crate) struct PluginStatefulFunction {
    pub(crate) plugin: String,
    pub(crate) name: String,
    pub(crate) handle: StatefulHandle,
}

impl ScalarFunction for PluginStatefulFunction {
    fn return_field(&self, args: &[Field], options: &FunctionOptions) -> DaftResult<Field> {
        let options = option_values(options);
        run_return_field(&self.plugin, &self.name, args, |schemas| {
            self.handle.return_field(schemas, &options)
        })
    }

    fn call(&self, _: &[ArrayRef], _: &FunctionOptions, _: usize) -> DaftResult<ArrayRef> {
        Err(DaftError::Internal(format!(
            "stateful function {}.{} called without its state",
            self.plugin, self.name
        )))
    }

    fn prepare(
        &self,
        args: &[Field],
        options: &FunctionOptions,
        return_field: &Field,
    ) -> DaftResult<Option<Box<dyn PreparedKernel>>> {
        let options = option_values(options);
        let export = |f: &Field| ffi::export_field(f).map_err(DaftError::Internal);
        let schemas = args.iter().map(export).collect::<DaftResult<Vec<_>>>()?;
        let out = export(return_field)?;
        let state = self.handle.init(&schemas, &options, &out).map_err(|e| {
            match e.strip_prefix(PANIC_PREFIX) {
                Some(text) => plugin_bug(
                    &self.plugin,
                    &self.name,
                    format!("initializer panicked: {text}"),
                ),
                // The engine adds "function <plugin>.<name>" as context.
                None => DaftError::ComputeError(format!("initializing its state: {e}")),
            }
        })?;
        Ok(Some(Box::new(PluginState {
            plugin: self.plugin.clone(),
            name: self.name.clone(),
            state,
            schemas: arg_schemas(args)?,
        })))
    }
}

/// A stateful function's state at one call site; the plugin releases it
/// when this is dropped.
struct PluginState {
    plugin: String,
    name: String,
    state: StateHandle,
    schemas: TypeSchemas,
}

impl PreparedKernel for PluginState {
    fn call(&self, args: &[ArrayRef], num_rows: usize) -> DaftResult<ArrayRef> {
        run_prepared(
            &self.plugin,
            &self.name,
            args,
            &self.schemas,
            |arrays, schemas| self.state.call(arrays, schemas, num_rows),
        )
    }
}
