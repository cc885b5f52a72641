//! The adapter that makes a plugin function a [`ScalarFunction`] of the
//! registry, so the engine calls it exactly like a built-in.

use std::sync::atomic::Ordering;

use arrow::array::{make_array, ArrayData, ArrayRef};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow::datatypes::Field;
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{PreparedKernel, ScalarFunction};
use daft_core::types::{EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY};
use daft_core::{DaftError, DaftResult};
use daft_plugin_api::abi::{
    ArrowArray, ArrowSchema, CallOptions, FunctionHandle, INVALID_RESULT_PREFIX, PANIC_PREFIX,
};
use daft_plugin_api::Value;

use crate::ffi::{self, TypeSchemas};
use crate::STRICT;

/// One plugin function, with its entry points resolved at load time.
pub(crate) struct PluginFunction {
    pub(crate) plugin: String,
    pub(crate) name: String,
    pub(crate) handle: FunctionHandle,
}

/// An error about a plugin function's misbehaviour (not the user's input).
pub(crate) fn plugin_bug(
    plugin: &str,
    function: &str,
    message: impl std::fmt::Display,
) -> DaftError {
    DaftError::Plugin {
        plugin: plugin.to_string(),
        message: format!("function {function}: {message}"),
    }
}

/// The options of a call as the plugin ABI's values.
pub(crate) fn option_values(options: &FunctionOptions) -> Vec<(String, Value)> {
    options
        .0
        .iter()
        .map(|(name, v)| {
            let v = match v {
                OptionValue::Null => Value::Null,
                OptionValue::Bool(b) => Value::Bool(*b),
                OptionValue::Int(i) => Value::Int(*i),
                OptionValue::Float(x) => Value::Float(*x),
                OptionValue::Str(s) => Value::Str(s.clone()),
                // A DataType option (ABI 1.1) crosses as arrow's text of the
                // type, which the SDK parses (`Options::data_type`).
                OptionValue::DataType(field) => Value::Str(field.data_type().to_string()),
            };
            (name.clone(), v)
        })
        .collect()
}

/// Fills in and checks the extension metadata of a field a plugin function
/// returned.
pub(crate) fn check_extension(plugin: &str, function: &str, field: Field) -> DaftResult<Field> {
    let Some(ext_name) = field.metadata().get(EXTENSION_NAME_KEY).cloned() else {
        return Ok(field);
    };
    let Some(ext) = crate::extension_type(&ext_name) else {
        // Not one of ours (e.g. a canonical Arrow extension): pass it on.
        return Ok(field);
    };
    if field.data_type() != &ext.storage {
        return Err(plugin_bug(
            plugin,
            function,
            format!(
                "returned extension type {ext_name} with storage {} but it is declared as {}",
                field.data_type(),
                ext.storage
            ),
        ));
    }
    if field.metadata().contains_key(EXTENSION_METADATA_KEY) {
        return Ok(field);
    }
    let mut metadata = field.metadata().clone();
    metadata.insert(EXTENSION_METADATA_KEY.to_string(), ext.metadata.to_string());
    Ok(field.with_metadata(metadata))
}

impl PluginFunction {
    /// The return-type rule, with options already as ABI values (the
    /// isolated worker receives them so).
    pub(crate) fn return_field_with(
        &self,
        args: &[Field],
        options: &[(String, Value)],
    ) -> DaftResult<Field> {
        run_return_field(&self.plugin, &self.name, args, |schemas| {
            self.handle.return_field(schemas, options)
        })
    }

    /// The kernel, with options as ABI values and the validation level
    /// given (an isolated worker gets it from the host with each call).
    pub(crate) fn call_with(
        &self,
        args: &[ArrayRef],
        options: &[(String, Value)],
        num_rows: usize,
        strict: bool,
    ) -> DaftResult<ArrayRef> {
        run_kernel(
            &self.plugin,
            &self.name,
            args,
            None,
            strict,
            |arrays, schemas| self.handle.call(arrays, schemas, options, num_rows),
        )
    }
}

/// Runs a plugin's return-type rule (`rule`, given the argument fields as
/// C Data Interface schemas) and imports and checks the field it gives.
pub(crate) fn run_return_field(
    plugin: &str,
    function: &str,
    args: &[Field],
    rule: impl FnOnce(&[ArrowSchema]) -> Result<ArrowSchema, String>,
) -> DaftResult<Field> {
    let schemas = args
        .iter()
        .map(ffi::export_field)
        .collect::<Result<Vec<_>, _>>()
        .map_err(DaftError::Internal)?;
    let out = rule(&schemas).map_err(|e| match e.strip_prefix(PANIC_PREFIX) {
        Some(text) => plugin_bug(
            plugin,
            function,
            format!("return-type rule panicked: {text}"),
        ),
        // The plugin's rule rejected the arguments: the user's mistake.
        // `FunctionDef::resolve` adds the function's name.
        None => DaftError::TypeError(e),
    })?;
    let field = ffi::import_field(&out).map_err(|e| plugin_bug(plugin, function, e))?;
    check_extension(plugin, function, field)
}

/// Runs a plugin kernel (`invoke`, given the arguments exported through the
/// C Data Interface) and imports and checks its result, whether the kernel
/// is stateless or a stateful function's state. A prepared call site passes
/// its argument types' schemas, exported once (`cached`).
pub(crate) fn run_kernel(
    plugin: &str,
    function: &str,
    args: &[ArrayRef],
    cached: Option<&TypeSchemas>,
    strict: bool,
    invoke: impl FnOnce(&mut [ArrowArray], &[ArrowSchema]) -> Result<(ArrowArray, ArrowSchema), String>,
) -> DaftResult<ArrayRef> {
    let bug = |message: String| plugin_bug(plugin, function, message);
    // Strict mode hands the kernel copies and compares them with the
    // originals afterwards: a kernel that writes into its inputs is
    // caught, and the caller's data (a DataFrame, the user's numpy
    // array) is not the memory it wrote into.
    let inputs = args
        .iter()
        .map(|a| {
            if strict {
                deep_copy(&a.to_data())
            } else {
                Ok(a.to_data())
            }
        })
        .collect::<DaftResult<Vec<ArrayData>>>()?;
    let (mut arrays, schemas) = ffi::export_call(&inputs, cached).map_err(DaftError::Internal)?;
    let (array, schema) = invoke(&mut arrays, &schemas).map_err(|e| {
        if let Some(text) = e.strip_prefix(PANIC_PREFIX) {
            bug(format!("kernel panicked: {text}"))
        } else if let Some(text) = e.strip_prefix(INVALID_RESULT_PREFIX) {
            bug(format!("returned an invalid array: {text}"))
        } else {
            // The engine adds "function <plugin>.<name>" as context.
            DaftError::ComputeError(e)
        }
    })?;
    // Whatever argument arrays the plugin did not take are released here.
    drop(arrays);
    if strict {
        for (i, (copy, original)) in inputs.iter().zip(args).enumerate() {
            if !same_bytes(copy, &original.to_data()) {
                return Err(bug(format!(
                    "wrote into its argument #{} ({}, {} rows): a kernel must not modify \
                     its inputs, which belong to the caller",
                    i + 1,
                    original.data_type(),
                    original.len()
                )));
            }
        }
    }
    let data = ffi::import_array(array, schema).map_err(&bug)?;
    // The length and declared type are checked by the engine for every
    // function; here only what could make the array unsound to read.
    data.validate()
        .map_err(|e| bug(format!("returned an invalid array: {e}")))?;
    if strict {
        data.validate_full()
            .map_err(|e| bug(format!("returned an invalid array: {e}")))?;
    }
    Ok(make_array(data))
}

impl ScalarFunction for PluginFunction {
    fn return_field(&self, args: &[Field], options: &FunctionOptions) -> DaftResult<Field> {
        self.return_field_with(args, &option_values(options))
    }

    fn call(
        &self,
        args: &[ArrayRef],
        options: &FunctionOptions,
        num_rows: usize,
    ) -> DaftResult<ArrayRef> {
        let options = option_values(options);
        self.call_with(args, &options, num_rows, STRICT.load(Ordering::Relaxed))
    }

    /// Converts the options to the ABI's form once per call site instead
    /// of per batch.
    fn prepare(
        &self,
        args: &[Field],
        options: &FunctionOptions,
        _return_field: &Field,
    ) -> DaftResult<Option<Box<dyn PreparedKernel>>> {
        let options = option_values(options);
        Ok(Some(Box::new(PreparedCall {
            plugin: self.plugin.clone(),
            name: self.name.clone(),
            handle: self.handle,
            options: CallOptions::new(&options),
            schemas: arg_schemas(args)?,
        })))
    }
}

/// Runs the kernel of a prepared call site (a stateless function's or a
/// state's): its argument schemas exported once, the validation level as
/// it is now.
pub(crate) fn run_prepared(
    plugin: &str,
    function: &str,
    args: &[ArrayRef],
    schemas: &TypeSchemas,
    invoke: impl FnOnce(&mut [ArrowArray], &[ArrowSchema]) -> Result<(ArrowArray, ArrowSchema), String>,
) -> DaftResult<ArrayRef> {
    let strict = STRICT.load(Ordering::Relaxed);
    run_kernel(plugin, function, args, Some(schemas), strict, invoke)
}

/// The schemas of argument types, exported once per call site.
pub(crate) fn arg_schemas(args: &[Field]) -> DaftResult<TypeSchemas> {
    TypeSchemas::new(args.iter().map(|f| f.data_type().clone()).collect())
        .map_err(DaftError::Internal)
}

/// A plugin function at one call site, its options converted and its
/// argument schemas exported once.
struct PreparedCall {
    plugin: String,
    name: String,
    handle: FunctionHandle,
    options: CallOptions,
    schemas: TypeSchemas,
}

impl PreparedKernel for PreparedCall {
    fn call(&self, args: &[ArrayRef], num_rows: usize) -> DaftResult<ArrayRef> {
        run_prepared(
            &self.plugin,
            &self.name,
            args,
            &self.schemas,
            |arrays, schemas| {
                self.handle
                    .call_with_options(arrays, schemas, &self.options, num_rows)
            },
        )
    }
}

/// Whether `a` and its [`deep_copy`] `b` hold the same bytes in every
/// buffer, children and validity included. Byte equality (a `memcmp` per
/// buffer) is both faster than comparing values, string by string, and
/// stricter: a write into a null slot or an unused dictionary value is
/// caught too.
fn same_bytes(a: &ArrayData, b: &ArrayData) -> bool {
    fn nulls(d: &ArrayData) -> Option<&[u8]> {
        d.nulls().map(|n| n.buffer().as_slice())
    }
    a.buffers().len() == b.buffers().len()
        && a.buffers()
            .iter()
            .zip(b.buffers())
            .all(|(x, y)| x.as_slice() == y.as_slice())
        && nulls(a) == nulls(b)
        && a.child_data().len() == b.child_data().len()
        && a.child_data()
            .iter()
            .zip(b.child_data())
            .all(|(x, y)| same_bytes(x, y))
}

/// `d` in freshly allocated buffers (children, dictionary values and
/// validity too), with the same length and offsets, so the kernel sees the
/// layout it would have seen (a slice stays a slice) and nothing it does
/// to the copy can reach `d`.
fn deep_copy(d: &ArrayData) -> DaftResult<ArrayData> {
    let copy = |b: &Buffer| Buffer::from_slice_ref(b.as_slice());
    let nulls = d
        .nulls()
        .map(|n| NullBuffer::new(BooleanBuffer::new(copy(n.buffer()), n.offset(), n.len())));
    let children = d
        .child_data()
        .iter()
        .map(deep_copy)
        .collect::<DaftResult<Vec<_>>>()?;
    d.clone()
        .into_builder()
        .buffers(d.buffers().iter().map(copy).collect())
        .child_data(children)
        .nulls(nulls)
        .build()
        .map_err(|e| DaftError::Internal(format!("copying an argument for strict mode: {e}")))
}
