//! The repair both sides apply to schemas they export through the C Data
//! Interface (the plugin side: return types and results; the host's loader:
//! argument types), so that a type crosses unchanged whichever arrow-rs
//! version exported it.

use crate::abi::ArrowSchema;
use crate::arrow::datatypes::DataType;

/// `ARROW_FLAG_MAP_KEYS_SORTED` of the C Data Interface.
const MAP_KEYS_SORTED: i64 = 4;

/// Sets the keys-sorted flag on every map of `dt` in `schema`, a schema
/// just exported for `dt`. arrow 59 and older drop that flag when they
/// export a `Field` (they overwrite the flags with the nullable bit), so a
/// `Map(_, true)` crossed as unsorted: an argument the host passed, and a
/// result or return type a plugin built with one of them passed back.
/// arrow 60 keeps it; there this changes nothing.
pub fn mark_sorted_maps(schema: &mut ArrowSchema, dt: &DataType) {
    if let DataType::Map(_, true) = dt {
        schema.flags |= MAP_KEYS_SORTED;
    }
    let children: Vec<&DataType> = match dt {
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _) => vec![f.data_type()],
        DataType::Struct(fields) => fields.iter().map(|f| f.data_type()).collect(),
        DataType::Union(fields, _) => fields.iter().map(|(_, f)| f.data_type()).collect(),
        DataType::RunEndEncoded(ends, values) => vec![ends.data_type(), values.data_type()],
        DataType::Dictionary(_, values) => {
            // SAFETY: arrow exported this schema a moment ago and nothing
            // else has seen it; its `dictionary` is null or points to the
            // schema of `values`, which this function alone is writing to.
            if let Some(d) = unsafe { schema.dictionary.as_mut() } {
                mark_sorted_maps(d, values);
            }
            return;
        }
        _ => return,
    };
    if schema.children.is_null() || schema.n_children as usize != children.len() {
        return;
    }
    for (i, child_type) in children.into_iter().enumerate() {
        // SAFETY: as above; `children` holds `n_children` valid pointers to
        // child schemas exported from this type's children, in order.
        if let Some(child) = unsafe { (*schema.children.add(i)).as_mut() } {
            mark_sorted_maps(child, child_type);
        }
    }
}
