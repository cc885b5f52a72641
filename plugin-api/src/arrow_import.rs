//! Repairs arrays after an import through the C Data Interface, shared by
//! the plugin side (arguments) and the host's loader (results), so both
//! directions treat the same exported arrays the same way.

use crate::arrow::array::ArrayData;
use crate::arrow::datatypes::DataType;

/// Whether `data` is an empty `Utf8`/`Binary` (or large) array at offset 0
/// whose single offset is not 0: valid as exported (a zero-length slice of
/// a longer array keeps the offset where it starts), but arrow's importer
/// sizes the values of an empty array at offset 0 as empty while keeping
/// that offset, so the imported array fails arrow's own validation ("First
/// offset 3 of Utf8 is larger than values length 0"), and kernels that
/// slice the values by it panic.
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

/// Replaces every empty string or binary array (at any depth) that
/// [`has_dangling_first_offset`] by an empty array of its type; nothing of
/// it could be read, so no visible value changes. Other arrays are kept as
/// they are, without a copy.
pub fn without_dangling_first_offsets(data: ArrayData) -> ArrayData {
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
