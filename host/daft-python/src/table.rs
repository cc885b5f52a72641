//! Text rendering of results and schemas for `show()` and `repr()`, in
//! Daft's table style (rounded corners, dashed lines between rows).

use arrow::array::{Array, ArrayRef, AsArray, StructArray};
use arrow::datatypes::{Field, Schema};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL;
use comfy_table::{ContentArrangement, Table};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use daft_core::logical::{logical_kind, LogicalKind};
use daft_core::types::{display_type, EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY};

/// Longest cell text before it is cut with an ellipsis.
const MAX_CELL: usize = 40;

fn daft_table() -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL)
        .apply_modifier(UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Disabled);
    table
}

/// A table of the first `max_rows` rows of `batches`, with column names and
/// types in the header.
pub fn format_table(
    py: Python<'_>,
    schema: &Schema,
    batches: &[RecordBatch],
    max_rows: usize,
) -> String {
    let mut table = daft_table();
    table.set_header(
        schema
            .fields()
            .iter()
            .map(|f| format!("{}\n---\n{}", f.name(), display_type(f))),
    );
    for row in cells(py, schema, batches, max_rows) {
        table.add_row(row.into_iter().map(truncate));
    }
    table.to_string()
}

/// The text of each cell of the first `max_rows` rows, row by row, as `show()`
/// renders them before cutting long ones (`None` for a null, `<Image>` for an image).
pub fn cells(
    py: Python<'_>,
    schema: &Schema,
    batches: &[RecordBatch],
    max_rows: usize,
) -> Vec<Vec<String>> {
    let options = FormatOptions::default().with_null("None");
    let mut rows = Vec::new();
    'outer: for batch in batches {
        let columns: Vec<Column> = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| Column::new(f, c, &options))
            .collect();
        for row in 0..batch.num_rows() {
            if rows.len() >= max_rows {
                break 'outer;
            }
            rows.push(columns.iter().map(|c| c.cell(py, row)).collect());
        }
    }
    rows
}

/// A schema as Daft shows it: one row per column, its name and type.
pub fn format_schema(schema: &Schema) -> String {
    let mut table = daft_table();
    table.set_header(vec!["Column Name", "DType"]);
    for f in schema.fields() {
        table.add_row(vec![f.name().clone(), display_type(f)]);
    }
    table.to_string()
}

/// How one column's cells are rendered.
struct Column<'a> {
    array: &'a ArrayRef,
    kind: Option<LogicalKind>,
    formatter: Option<ArrayFormatter<'a>>,
}

impl<'a> Column<'a> {
    fn new(field: &Field, array: &'a ArrayRef, options: &'a FormatOptions<'a>) -> Self {
        let meta = field.metadata();
        let kind = meta.get(EXTENSION_NAME_KEY).and_then(|name| {
            logical_kind(name, meta.get(EXTENSION_METADATA_KEY).map(String::as_str))
        });
        Column {
            array,
            kind,
            formatter: ArrayFormatter::try_new(array.as_ref(), options).ok(),
        }
    }

    fn cell(&self, py: Python<'_>, row: usize) -> String {
        if !self.array.is_valid(row) {
            return "None".into();
        }
        if let Some(kind) = &self.kind {
            if let Some(text) = logical_cell(py, kind, self.array, row) {
                return text;
            }
        }
        match &self.formatter {
            Some(f) => f.value(row).to_string(),
            None => "<unprintable>".into(),
        }
    }
}

/// A cell of one of Daft's logical types as Daft shows it: a tensor by its
/// shape, an image as `<Image>`, a Python value by its `repr`, a UUID in its
/// usual form. `None` falls back to the storage's rendering.
fn logical_cell(
    py: Python<'_>,
    kind: &LogicalKind,
    array: &ArrayRef,
    row: usize,
) -> Option<String> {
    let shape_text = |dims: Vec<u64>| {
        let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
        format!("({})", dims.join(", "))
    };
    match kind {
        LogicalKind::Tensor | LogicalKind::SparseTensor { .. } => {
            let s: &StructArray = array.as_struct_opt()?;
            let shape = s.column_by_name("shape")?;
            let dims = list_u64(shape, row)?;
            let name = if matches!(kind, LogicalKind::Tensor) {
                "Tensor"
            } else {
                "SparseTensor"
            };
            Some(format!("<{name} shape={}>", shape_text(dims)))
        }
        LogicalKind::FixedShapeTensor(shape) => Some(format!(
            "<FixedShapeTensor shape={}>",
            shape_text(shape.clone())
        )),
        LogicalKind::FixedShapeSparseTensor { shape, .. } => Some(format!(
            "<FixedShapeSparseTensor shape={}>",
            shape_text(shape.clone())
        )),
        LogicalKind::Embedding => Some("<Embedding>".into()),
        LogicalKind::Image(_) | LogicalKind::FixedShapeImage { .. } => Some("<Image>".into()),
        LogicalKind::Uuid => {
            let a = array.as_fixed_size_binary_opt()?;
            let b = a.value(row);
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            if hex.len() != 32 {
                return None;
            }
            Some(format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            ))
        }
        LogicalKind::Python => {
            let bytes = match array.data_type() {
                arrow::datatypes::DataType::Binary => array.as_binary::<i32>().value(row),
                arrow::datatypes::DataType::LargeBinary => array.as_binary::<i64>().value(row),
                _ => return None,
            };
            Some(python_repr(py, bytes).unwrap_or_else(|_| "<Python object>".into()))
        }
        LogicalKind::File(_) => None,
    }
}

/// The `repr` of a pickled Python value.
fn python_repr(py: Python<'_>, pickled: &[u8]) -> PyResult<String> {
    let pickle = py.import("pickle")?;
    let value = pickle.call_method1("loads", (PyBytes::new(py, pickled),))?;
    Ok(value.repr()?.to_string())
}

fn list_u64(array: &ArrayRef, row: usize) -> Option<Vec<u64>> {
    let values = match array.data_type() {
        arrow::datatypes::DataType::LargeList(_) => array.as_list::<i64>().value(row),
        arrow::datatypes::DataType::List(_) => array.as_list::<i32>().value(row),
        _ => return None,
    };
    let values = values.as_primitive_opt::<arrow::datatypes::UInt64Type>()?;
    Some(values.values().to_vec())
}

fn truncate(text: String) -> String {
    if text.chars().count() <= MAX_CELL {
        text
    } else {
        let mut s: String = text.chars().take(MAX_CELL - 1).collect();
        s.push('…');
        s
    }
}
