//! Plugin-side conversion between the ABI's C Data Interface structs and
//! the arrow-rs version this SDK was built with.
//!
//! `abi::ArrowArray`/`abi::ArrowSchema` and arrow's
//! `FFI_ArrowArray`/`FFI_ArrowSchema` are both `#[repr(C)]` transcriptions
//! of the same C structs from the Arrow C Data Interface specification, so
//! a value of one is a valid value of the other; the conversions below are
//! moves or pointer casts between the two, never field-by-field copies.

use std::mem::{align_of, size_of, ManuallyDrop};
use std::sync::OnceLock;

use crate::abi::{ArrowArray, ArrowSchema, INVALID_RESULT_PREFIX};
use crate::arrow::array::{make_array, Array, ArrayData, ArrayRef};
use crate::arrow::datatypes::{DataType, Field};
use crate::arrow::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use crate::arrow_export::mark_sorted_maps;
use crate::arrow_import::without_dangling_first_offsets;
use crate::sdk::{ReturnFieldRule, ScalarFunction};
use crate::Options;

// The casts below rely on identical size and alignment; checked at compile time.
const _: () = {
    assert!(size_of::<ArrowArray>() == size_of::<FFI_ArrowArray>());
    assert!(align_of::<ArrowArray>() == align_of::<FFI_ArrowArray>());
    assert!(size_of::<ArrowSchema>() == size_of::<FFI_ArrowSchema>());
    assert!(align_of::<ArrowSchema>() == align_of::<FFI_ArrowSchema>());
};

fn schema_ref(s: &ArrowSchema) -> &FFI_ArrowSchema {
    // SAFETY: both types are `#[repr(C)]` transcriptions of the spec's
    // `struct ArrowSchema` with equal size and alignment (asserted above),
    // so the reference is valid for the same lifetime.
    unsafe { &*(s as *const ArrowSchema as *const FFI_ArrowSchema) }
}

fn schema_from_arrow(s: FFI_ArrowSchema) -> ArrowSchema {
    let s = ManuallyDrop::new(s);
    // SAFETY: same layout (see `schema_ref`); ownership moves to the result,
    // and `ManuallyDrop` keeps the source from releasing it a second time.
    unsafe { std::ptr::read(&*s as *const FFI_ArrowSchema as *const ArrowSchema) }
}

fn array_from_arrow(a: FFI_ArrowArray) -> ArrowArray {
    let a = ManuallyDrop::new(a);
    // SAFETY: as in `schema_from_arrow`, for `struct ArrowArray`.
    unsafe { std::ptr::read(&*a as *const FFI_ArrowArray as *const ArrowArray) }
}

/// Exports a data type (for an extension type's storage).
pub(crate) fn export_data_type(dt: &DataType) -> Result<ArrowSchema, String> {
    let mut schema = FFI_ArrowSchema::try_from(dt)
        .map(schema_from_arrow)
        .map_err(|e| format!("cannot export type {dt}: {e}"))?;
    mark_sorted_maps(&mut schema, dt);
    Ok(schema)
}

fn import_field(s: &ArrowSchema, what: &str) -> Result<Field, String> {
    if s.is_released() || s.format.is_null() {
        return Err(format!(
            "{what}: the host passed a released or empty schema"
        ));
    }
    Field::try_from(schema_ref(s)).map_err(|e| format!("{what}: cannot import schema: {e}"))
}

/// Imports argument fields the host passed.
pub(crate) fn import_fields(args: &[ArrowSchema]) -> Result<Vec<Field>, String> {
    args.iter()
        .enumerate()
        .map(|(i, s)| import_field(s, &format!("argument {i}")))
        .collect()
}

/// Exports a field (a rule's result).
pub(crate) fn export_field(field: &Field) -> Result<ArrowSchema, String> {
    let mut schema = FFI_ArrowSchema::try_from(field)
        .map(schema_from_arrow)
        .map_err(|e| format!("cannot export field {field}: {e}"))?;
    mark_sorted_maps(&mut schema, field.data_type());
    Ok(schema)
}

/// Runs a return-type rule (of a scalar or aggregate function) on C Data
/// Interface schemas.
pub(crate) fn run_field_rule(
    rule: ReturnFieldRule,
    args: &[ArrowSchema],
    options: &Options,
    out: &mut ArrowSchema,
) -> Result<(), String> {
    let fields = import_fields(args)?;
    let field = rule(&fields, options)?;
    // `out` arrives released, so overwriting it leaks nothing.
    *out = export_field(&field)?;
    Ok(())
}

/// Imports the arrays the host passed, taking ownership of each.
pub(crate) fn import_arrays(
    args: &mut [ArrowArray],
    schemas: &[ArrowSchema],
) -> Result<Vec<ArrayRef>, String> {
    if args.len() != schemas.len() {
        return Err(format!(
            "the host passed {} arrays but {} schemas",
            args.len(),
            schemas.len()
        ));
    }
    let mut arrays = Vec::with_capacity(args.len());
    for (i, (array, schema)) in args.iter_mut().zip(schemas).enumerate() {
        if array.is_released() {
            return Err(format!("argument {i}: the host passed a released array"));
        }
        if schema.is_released() || schema.format.is_null() {
            return Err(format!("argument {i}: the host passed a released schema"));
        }
        // SAFETY: `array` is an unreleased C Data Interface array with the
        // same layout as `FFI_ArrowArray`; `from_raw` moves it out and leaves
        // a released struct behind, which is how the spec transfers ownership.
        let owned =
            unsafe { FFI_ArrowArray::from_raw(array as *mut ArrowArray as *mut FFI_ArrowArray) };
        // SAFETY: the host exported `owned` together with `schema` from one
        // valid arrow array, as the ABI requires.
        let data = unsafe { from_ffi(owned, schema_ref(schema)) }
            .map_err(|e| format!("argument {i}: cannot import array: {e}"))?;
        arrays.push(make_array(without_dangling_first_offsets(data)));
    }
    Ok(arrays)
}

/// Checks and exports an array the plugin produced (a kernel's result, an
/// aggregate's value or state).
pub(crate) fn export_result(result: &dyn Array) -> Result<(ArrowArray, ArrowSchema), String> {
    let data = result.to_data();
    check_result(&data)?;
    let (array, schema) = to_ffi(&data).map_err(|e| format!("cannot export the result: {e}"))?;
    let mut schema = schema_from_arrow(schema);
    mark_sorted_maps(&mut schema, data.data_type());
    Ok((array_from_arrow(array), schema))
}

/// Runs a function's kernel on C Data Interface arrays, taking ownership
/// of each argument array.
pub(crate) fn run_call(
    f: &ScalarFunction,
    args: &mut [ArrowArray],
    schemas: &[ArrowSchema],
    options: &Options,
    num_rows: usize,
    out_array: &mut ArrowArray,
    out_schema: &mut ArrowSchema,
) -> Result<(), String> {
    let arrays = import_arrays(args, schemas)?;
    let result = (f.call)(&arrays, options, num_rows)?;
    drop(arrays);
    let (array, schema) = export_result(result.as_ref())?;
    // Both slots arrive released, so overwriting them leaks nothing.
    *out_array = array;
    *out_schema = schema;
    Ok(())
}

/// Checks a kernel's result where its buffers' real sizes are still known.
///
/// The C Data Interface carries no buffer sizes: the host sizes a string
/// array's values buffer from its last offset, so offsets past the real
/// allocation would make it read other memory as row values, and no check
/// on the host side can tell. `ArrayData::validate` here compares the
/// offsets with the buffers the kernel allocated (constant time per
/// array); with `DAFT_PLUGIN_VALIDATION=full` in the environment,
/// `validate_full` checks every offset and value as well.
fn check_result(data: &ArrayData) -> Result<(), String> {
    static FULL: OnceLock<bool> = OnceLock::new();
    let full = *FULL.get_or_init(|| {
        std::env::var("DAFT_PLUGIN_VALIDATION").is_ok_and(|v| v.trim().eq_ignore_ascii_case("full"))
    });
    let checked = if full {
        data.validate_full()
    } else {
        data.validate()
    };
    checked.map_err(|e| format!("{INVALID_RESULT_PREFIX}{e}"))
}
