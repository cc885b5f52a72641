//! Host-side conversion between the host's arrow-rs and the plugin ABI's
//! C Data Interface structs, with the checks that keep a misbehaving plugin
//! from handing the importer a struct it would trip over.
//!
//! `daft_plugin_api::abi::{ArrowArray, ArrowSchema}` and arrow-rs's
//! `FFI_ArrowArray`/`FFI_ArrowSchema` are `#[repr(C)]` transcriptions of the
//! same structs of the Arrow C Data Interface specification; converting is
//! a move of the bytes, never a field-by-field copy.

use std::mem::{align_of, size_of, ManuallyDrop};

use arrow::array::ArrayData;
use arrow::datatypes::{DataType, Field};
use arrow::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use daft_plugin_api::abi::{ArrowArray, ArrowSchema};
use daft_plugin_api::arrow_export::mark_sorted_maps;

// The moves and casts below rely on identical size and alignment.
const _: () = {
    assert!(size_of::<ArrowArray>() == size_of::<FFI_ArrowArray>());
    assert!(align_of::<ArrowArray>() == align_of::<FFI_ArrowArray>());
    assert!(size_of::<ArrowSchema>() == size_of::<FFI_ArrowSchema>());
    assert!(align_of::<ArrowSchema>() == align_of::<FFI_ArrowSchema>());
};

/// How deep the structural check descends into nested types; deeper
/// nesting than this is rejected rather than walked.
const MAX_DEPTH: usize = 64;

fn schema_to_abi(s: FFI_ArrowSchema) -> ArrowSchema {
    let s = ManuallyDrop::new(s);
    // SAFETY: both types transcribe the spec's `struct ArrowSchema` with
    // equal size and alignment (asserted above); ownership (the release
    // callback) moves to the result, and `ManuallyDrop` keeps the source
    // from releasing it too.
    unsafe { std::ptr::read(&*s as *const FFI_ArrowSchema as *const ArrowSchema) }
}

fn schema_from_abi(s: ArrowSchema) -> FFI_ArrowSchema {
    let s = ManuallyDrop::new(s);
    // SAFETY: as in `schema_to_abi`, in the other direction.
    unsafe { std::ptr::read(&*s as *const ArrowSchema as *const FFI_ArrowSchema) }
}

fn schema_as_arrow(s: &ArrowSchema) -> &FFI_ArrowSchema {
    // SAFETY: same layout (see `schema_to_abi`); a shared reborrow.
    unsafe { &*(s as *const ArrowSchema as *const FFI_ArrowSchema) }
}

fn array_to_abi(a: FFI_ArrowArray) -> ArrowArray {
    let a = ManuallyDrop::new(a);
    // SAFETY: as in `schema_to_abi`, for `struct ArrowArray`.
    unsafe { std::ptr::read(&*a as *const FFI_ArrowArray as *const ArrowArray) }
}

fn array_from_abi(a: ArrowArray) -> FFI_ArrowArray {
    let a = ManuallyDrop::new(a);
    // SAFETY: as in `schema_to_abi`, for `struct ArrowArray`.
    unsafe { std::ptr::read(&*a as *const ArrowArray as *const FFI_ArrowArray) }
}

/// Exports a field (name, type, nullability, metadata) for a return-type rule.
pub(crate) fn export_field(field: &Field) -> Result<ArrowSchema, String> {
    let mut schema = FFI_ArrowSchema::try_from(field)
        .map(schema_to_abi)
        .map_err(|e| format!("cannot export field {:?}: {e}", field.name()))?;
    mark_sorted_maps(&mut schema, field.data_type());
    Ok(schema)
}

/// Exports a type alone (the schema of an argument array).
pub(crate) fn export_type(dt: &DataType) -> Result<ArrowSchema, String> {
    let mut schema = FFI_ArrowSchema::try_from(dt)
        .map(schema_to_abi)
        .map_err(|e| format!("cannot export type {dt}: {e}"))?;
    mark_sorted_maps(&mut schema, dt);
    Ok(schema)
}

/// Exports an array without its schema (see [`TypeSchemas`]).
pub(crate) fn export_array_only(data: &ArrayData) -> ArrowArray {
    array_to_abi(FFI_ArrowArray::new(data))
}

/// The schemas of a call site's argument types, exported once for all its
/// batches.
///
/// A plugin only borrows the schemas of a call (the ABI passes them as a
/// slice the host keeps and releases), so the same schemas serve every
/// batch whose arrays have the types they describe, and only the arrays are
/// exported per batch: a schema export is several small allocations per
/// argument, a fair part of a call on small batches.
pub(crate) struct TypeSchemas {
    types: Vec<DataType>,
    schemas: Vec<ArrowSchema>,
}

// SAFETY: the schemas are owned here and never written after export; a
// plugin reads them through shared references only (the ABI passes them
// by `RSlice`), so reading them from several threads at once is sound, and
// arrow's release callback frees them from whichever thread drops them.
unsafe impl Send for TypeSchemas {}
// SAFETY: as for `Send`.
unsafe impl Sync for TypeSchemas {}

impl TypeSchemas {
    pub(crate) fn new(types: Vec<DataType>) -> Result<Self, String> {
        let schemas = types.iter().map(export_type).collect::<Result<_, _>>()?;
        Ok(Self { types, schemas })
    }

    /// The cached schemas if `arrays` have exactly the cached types.
    pub(crate) fn for_arrays(&self, arrays: &[ArrayData]) -> Option<&[ArrowSchema]> {
        let same = arrays.len() == self.types.len()
            && arrays
                .iter()
                .zip(&self.types)
                .all(|(a, t)| a.data_type() == t);
        same.then_some(&self.schemas)
    }
}

/// The schemas of one call: borrowed from a [`TypeSchemas`], or exported
/// for this call.
pub(crate) enum CallSchemas<'a> {
    Cached(&'a [ArrowSchema]),
    Fresh(Vec<ArrowSchema>),
}

impl std::ops::Deref for CallSchemas<'_> {
    type Target = [ArrowSchema];

    fn deref(&self) -> &[ArrowSchema] {
        match self {
            CallSchemas::Cached(s) => s,
            CallSchemas::Fresh(s) => s,
        }
    }
}

/// Exports the arrays of a call, with `cached` schemas where they describe
/// the arrays' types and freshly exported ones otherwise.
pub(crate) fn export_call<'a>(
    arrays: &[ArrayData],
    cached: Option<&'a TypeSchemas>,
) -> Result<(Vec<ArrowArray>, CallSchemas<'a>), String> {
    let exported = arrays.iter().map(export_array_only).collect();
    let schemas = match cached.and_then(|c| c.for_arrays(arrays)) {
        Some(schemas) => CallSchemas::Cached(schemas),
        None => CallSchemas::Fresh(
            arrays
                .iter()
                .map(|a| export_type(a.data_type()))
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok((exported, schemas))
}

/// Checks the pointers of a schema a plugin produced before anything reads
/// through them: a released struct, a null format or null child pointers
/// are errors, not crashes.
pub(crate) fn check_schema(s: &ArrowSchema, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("schema nested deeper than {MAX_DEPTH} levels"));
    }
    if depth == 0 && s.release.is_none() {
        return Err("returned a schema without a release callback".into());
    }
    if s.format.is_null() {
        return Err("returned a schema with a null format string".into());
    }
    if s.n_children < 0 {
        return Err(format!(
            "returned a schema with n_children = {}",
            s.n_children
        ));
    }
    if s.n_children > 0 && s.children.is_null() {
        return Err("returned a schema with children but a null children pointer".into());
    }
    for i in 0..s.n_children as usize {
        // SAFETY: `children` is non-null and, per the spec, points to
        // `n_children` child pointers owned by the (unreleased) schema.
        let child = unsafe { *s.children.add(i) };
        if child.is_null() {
            return Err(format!("returned a schema whose child {i} is null"));
        }
        // SAFETY: non-null child pointer of a valid schema, see above.
        check_schema(unsafe { &*child }, depth + 1)?;
    }
    if !s.dictionary.is_null() {
        // SAFETY: non-null dictionary pointer of a valid schema.
        check_schema(unsafe { &*s.dictionary }, depth + 1)?;
    }
    Ok(())
}

/// Checks an array a plugin produced against its schema before import.
pub(crate) fn check_array(a: &ArrowArray, s: &ArrowSchema, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("array nested deeper than {MAX_DEPTH} levels"));
    }
    if a.release.is_none() {
        return Err("returned an array without a release callback".into());
    }
    for (what, v) in [
        ("length", a.length),
        ("offset", a.offset),
        ("n_buffers", a.n_buffers),
        ("n_children", a.n_children),
    ] {
        if v < 0 {
            return Err(format!("returned an array with {what} = {v}"));
        }
    }
    if a.null_count < -1 {
        return Err(format!(
            "returned an array with null_count = {}",
            a.null_count
        ));
    }
    if a.n_buffers > 0 && a.buffers.is_null() {
        return Err("returned an array with buffers but a null buffers pointer".into());
    }
    if a.n_children != s.n_children {
        return Err(format!(
            "returned an array with {} children for a type with {}",
            a.n_children, s.n_children
        ));
    }
    if a.n_children > 0 && a.children.is_null() {
        return Err("returned an array with children but a null children pointer".into());
    }
    for i in 0..a.n_children as usize {
        // SAFETY: both pointer arrays are non-null with `n_children`
        // entries (checked above and in `check_schema`).
        let (child, child_schema) = unsafe { (*a.children.add(i), *s.children.add(i)) };
        if child.is_null() {
            return Err(format!("returned an array whose child {i} is null"));
        }
        // SAFETY: non-null child pointers of valid structs.
        check_array(unsafe { &*child }, unsafe { &*child_schema }, depth + 1)?;
    }
    match (a.dictionary.is_null(), s.dictionary.is_null()) {
        (true, true) => {}
        (false, false) => {
            // SAFETY: non-null dictionary pointers of valid structs.
            check_array(
                unsafe { &*a.dictionary },
                unsafe { &*s.dictionary },
                depth + 1,
            )?
        }
        _ => return Err("returned an array whose dictionary does not match its type".into()),
    }
    Ok(())
}

/// Reads a field from a schema the plugin produced (after `check_schema`).
pub(crate) fn import_field(s: &ArrowSchema) -> Result<Field, String> {
    check_schema(s, 0)?;
    Field::try_from(schema_as_arrow(s)).map_err(|e| format!("returned an unreadable schema: {e}"))
}

/// Reads a data type from a schema the plugin produced.
pub(crate) fn import_data_type(s: &ArrowSchema) -> Result<DataType, String> {
    check_schema(s, 0)?;
    DataType::try_from(schema_as_arrow(s)).map_err(|e| format!("unreadable type: {e}"))
}

/// Imports an array the plugin produced, after the structural checks. The
/// buffers stay owned by the plugin until arrow drops them, which calls the
/// plugin's release callback.
pub(crate) fn import_array(array: ArrowArray, schema: ArrowSchema) -> Result<ArrayData, String> {
    check_schema(&schema, 0)?;
    check_array(&array, &schema, 0)?;
    let schema = schema_from_abi(schema);
    let array = array_from_abi(array);
    // arrow asserts on some malformed inputs; catch that so a bad plugin
    // result is an error, not a host panic.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the structs passed the pointer checks above and come from
        // the plugin's exporter, which the ABI requires to follow the spec.
        unsafe { from_ffi(array, &schema) }
    }))
    .map_err(|_| "returned an array arrow cannot import".to_string())?
    .map(without_dangling_first_offsets)
    .map_err(|e| format!("returned an array arrow cannot import: {e}"))
}

/// Whether `data` is an empty `Utf8`/`Binary` (or large) array at offset 0
/// whose single offset is not 0: valid as exported (an empty slice of a
/// longer array keeps the offset where it starts), but arrow's importer
/// sizes its values as empty while keeping the offset, so the imported
/// array fails validation and kernels slicing by it panic. The SDK repairs
/// arguments the same way (`daft_plugin_api::arrow_import`); this is the
/// host's copy because the host's arrow version is its own.
fn has_dangling_first_offset(data: &ArrayData) -> bool {
    if !data.is_empty() || data.offset() != 0 {
        return false;
    }
    let Some(offsets) = data.buffers().first() else {
        return false;
    };
    match data.data_type() {
        DataType::Utf8 | DataType::Binary => offsets.typed_data::<i32>().first() != Some(&0),
        DataType::LargeUtf8 | DataType::LargeBinary => {
            offsets.typed_data::<i64>().first() != Some(&0)
        }
        _ => false,
    }
}

fn any_dangling_first_offset(data: &ArrayData) -> bool {
    has_dangling_first_offset(data) || data.child_data().iter().any(any_dangling_first_offset)
}

/// Replaces every empty string or binary array (at any depth) with a
/// dangling first offset by an empty array of its type; nothing of it could
/// be read, so no visible value changes.
fn without_dangling_first_offsets(data: ArrayData) -> ArrayData {
    if has_dangling_first_offset(&data) {
        return ArrayData::new_empty(data.data_type());
    }
    if !data.child_data().iter().any(any_dangling_first_offset) {
        return data;
    }
    let children = data
        .child_data()
        .iter()
        .cloned()
        .map(without_dangling_first_offsets)
        .collect();
    let builder = data.into_builder().child_data(children);
    // SAFETY: the same array with children of the same type and length
    // (each replaced one is empty, as it was).
    unsafe { builder.build_unchecked() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int64Array, StringArray};
    use std::ffi::CStr;

    fn format(schema: &ArrowSchema) -> String {
        // SAFETY: arrow exported `schema` here; its format is a NUL-terminated string.
        unsafe { CStr::from_ptr(schema.format) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn cached_schemas_serve_arrays_of_their_types_and_others_get_their_own() {
        let cached = TypeSchemas::new(vec![DataType::Int64, DataType::Utf8]).unwrap();
        let ints = Int64Array::from(vec![1, 2]).into_data();
        let strs = StringArray::from(vec!["a", "b"]).into_data();

        let same = [ints.clone(), strs.clone()];
        let (arrays, schemas) = export_call(&same, Some(&cached)).unwrap();
        assert!(matches!(schemas, CallSchemas::Cached(_)));
        assert_eq!(arrays.len(), 2);
        let formats: Vec<String> = schemas.iter().map(format).collect();
        assert_eq!(formats, ["l", "u"]);

        // Another type (or count) than cached: fresh schemas that describe the arrays.
        let swapped = [strs, ints];
        let (_, schemas) = export_call(&swapped, Some(&cached)).unwrap();
        assert!(matches!(schemas, CallSchemas::Fresh(_)));
        let formats: Vec<String> = schemas.iter().map(format).collect();
        assert_eq!(formats, ["u", "l"]);
        let (_, schemas) = export_call(&swapped[..1], Some(&cached)).unwrap();
        assert_eq!(schemas.len(), 1);

        // Each exported array owns its data: importing it back gives the values.
        let (mut arrays, schemas) = export_call(&same, Some(&cached)).unwrap();
        let first = arrays.remove(0);
        let schema = export_type(&DataType::Int64).unwrap();
        let data = import_array(first, schema).unwrap();
        assert_eq!(Int64Array::from(data).values().as_ref(), [1, 2]);
        assert_eq!(schemas.len(), 2);
    }
}
