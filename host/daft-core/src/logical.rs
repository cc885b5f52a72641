//! Daft's names for types, and Daft's logical types carried as Arrow
//! extension types.
//!
//! Arrow has no tensor, embedding, image or Python-object type, so Daft keeps
//! them as Arrow storage with field metadata. This engine uses the same
//! encoding as Daft 0.7.26, so Parquet files and Arrow streams pass between
//! the two unchanged:
//!
//! - `daft.super_extension`, whose metadata is JSON `{"datatype": <Daft's
//!   serde form of the type>, ...}`: Embedding, Tensor, SparseTensor,
//!   FixedShapeSparseTensor, Image, FixedShapeImage, Python, File;
//! - Arrow's canonical `arrow.fixed_shape_tensor` (Tensor with a shape) and
//!   `arrow.uuid` (UUID);
//! - any other extension name (a plugin's type such as `geo.point`) is shown
//!   by that name.
//!
//! The element type of a logical type is read off its storage, not the JSON,
//! so a file whose JSON names types this engine does not know still shows
//! its element type correctly.

use arrow::datatypes::{DataType, Field, IntervalUnit, TimeUnit, UnionMode};

use crate::types::{EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY};

/// The extension name Daft gives its own logical types.
pub const DAFT_EXTENSION: &str = "daft.super_extension";
/// Arrow's canonical fixed-shape tensor extension.
pub const ARROW_FIXED_SHAPE_TENSOR: &str = "arrow.fixed_shape_tensor";
/// Arrow's canonical UUID extension.
pub const ARROW_UUID: &str = "arrow.uuid";

/// Renders a field's type the way Daft shows it in schemas and errors:
/// its logical type when the field carries one, else its Arrow type.
pub fn display_type(field: &Field) -> String {
    let metadata = field.metadata();
    match metadata.get(EXTENSION_NAME_KEY) {
        Some(name) => display_extension(
            name,
            metadata.get(EXTENSION_METADATA_KEY).map(String::as_str),
            field.data_type(),
        ),
        None => display_data_type(field.data_type()),
    }
}

/// Renders an Arrow type with Daft's names (`String`, `Bool`,
/// `Timestamp[us; UTC]`, `List[Int64; 3]` for a fixed-size list, ...).
pub fn display_data_type(dt: &DataType) -> String {
    use DataType::*;
    match dt {
        Null => "Null".into(),
        Boolean => "Bool".into(),
        Utf8 | LargeUtf8 | Utf8View => "String".into(),
        Binary | LargeBinary | BinaryView => "Binary".into(),
        FixedSizeBinary(n) => format!("Binary[{n}]"),
        Date32 => "Date".into(),
        Time32(u) | Time64(u) => format!("Time[{}]", unit(u)),
        Timestamp(u, None) => format!("Timestamp[{}]", unit(u)),
        Timestamp(u, Some(tz)) => format!("Timestamp[{}; {tz}]", unit(u)),
        Duration(u) => format!("Duration[{}]", unit(u)),
        Interval(IntervalUnit::MonthDayNano) => "Interval".into(),
        Decimal128(p, s) => format!("Decimal[precision: {p}, scale: {s}]"),
        List(f) | LargeList(f) | ListView(f) | LargeListView(f) => {
            format!("List[{}]", display_type(f))
        }
        FixedSizeList(f, n) => format!("List[{}; {n}]", display_type(f)),
        Struct(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.name(), display_type(f)))
                .collect();
            format!("Struct[{}]", inner.join(", "))
        }
        Map(entries, _) => match entries.data_type() {
            Struct(kv) if kv.len() == 2 => {
                format!("Map[{}: {}]", display_type(&kv[0]), display_type(&kv[1]))
            }
            other => format!("Map[{}]", display_data_type(other)),
        },
        Union(fields, mode) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|(_, f)| format!("{}: {}", f.name(), display_type(f)))
                .collect();
            let ids: Vec<String> = fields.iter().map(|(id, _)| id.to_string()).collect();
            let mode = match mode {
                UnionMode::Sparse => "Sparse",
                UnionMode::Dense => "Dense",
            };
            format!(
                "Union[{}; type_ids: [{}]; mode: {mode}]",
                inner.join(", "),
                ids.join(", ")
            )
        }
        Dictionary(_, v) => display_data_type(v),
        // Types Daft has no name for keep Arrow's.
        other => format!("{other}"),
    }
}

fn unit(u: &TimeUnit) -> &'static str {
    match u {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "ms",
        TimeUnit::Microsecond => "us",
        TimeUnit::Nanosecond => "ns",
    }
}

/// The logical type a field carries, when it is one of Daft's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogicalKind {
    /// Arbitrary Python objects, pickled into binary storage.
    Python,
    /// An n-dimensional array per row, each with its own shape.
    Tensor,
    /// An array of one shape in every row.
    FixedShapeTensor(Vec<u64>),
    /// A fixed-size vector of numbers per row.
    Embedding,
    /// A sparse tensor per row (values, indices, shape).
    SparseTensor { offsets: bool },
    /// A sparse tensor of one shape in every row.
    FixedShapeSparseTensor { shape: Vec<u64>, offsets: bool },
    /// An image per row, of one mode (`Some`) or mixed modes (`None`).
    Image(Option<String>),
    /// Images of one mode and size.
    FixedShapeImage {
        mode: String,
        height: u64,
        width: u64,
    },
    /// A reference to a file.
    File(String),
    /// A 16-byte UUID.
    Uuid,
}

/// The logical type a field carries, if it is one of Daft's.
pub fn field_kind(field: &Field) -> Option<LogicalKind> {
    let meta = field.metadata();
    meta.get(EXTENSION_NAME_KEY)
        .and_then(|n| logical_kind(n, meta.get(EXTENSION_METADATA_KEY).map(String::as_str)))
}

/// Which of Daft's logical types an extension name and its metadata describe,
/// or `None` for another extension (or metadata this engine cannot read).
pub fn logical_kind(name: &str, metadata: Option<&str>) -> Option<LogicalKind> {
    match name {
        ARROW_UUID => Some(LogicalKind::Uuid),
        ARROW_FIXED_SHAPE_TENSOR => {
            let meta: serde_json::Value = serde_json::from_str(metadata?).ok()?;
            Some(LogicalKind::FixedShapeTensor(shape_of(meta.get("shape")?)?))
        }
        DAFT_EXTENSION => {
            let meta: serde_json::Value = serde_json::from_str(metadata?).ok()?;
            daft_kind(meta.get("datatype")?)
        }
        _ => None,
    }
}

/// Reads Daft's serde form of a logical type: a bare string for unit
/// variants, `{"Variant": payload}` otherwise (payload a value or an array).
fn daft_kind(datatype: &serde_json::Value) -> Option<LogicalKind> {
    use serde_json::Value;
    if let Value::String(s) = datatype {
        return match s.as_str() {
            "Python" => Some(LogicalKind::Python),
            "Uuid" => Some(LogicalKind::Uuid),
            _ => None,
        };
    }
    let (variant, payload) = datatype.as_object()?.iter().next()?;
    let item = |i: usize| payload.as_array().and_then(|a| a.get(i));
    match variant.as_str() {
        "Tensor" => Some(LogicalKind::Tensor),
        "Embedding" => Some(LogicalKind::Embedding),
        "FixedShapeTensor" => Some(LogicalKind::FixedShapeTensor(shape_of(item(1)?)?)),
        "SparseTensor" => Some(LogicalKind::SparseTensor {
            offsets: item(1)?.as_bool()?,
        }),
        "FixedShapeSparseTensor" => Some(LogicalKind::FixedShapeSparseTensor {
            shape: shape_of(item(1)?)?,
            offsets: item(2)?.as_bool()?,
        }),
        "Image" => Some(LogicalKind::Image(payload.as_str().map(str::to_string))),
        "FixedShapeImage" => Some(LogicalKind::FixedShapeImage {
            mode: item(0)?.as_str()?.to_string(),
            height: item(1)?.as_u64()?,
            width: item(2)?.as_u64()?,
        }),
        "File" => Some(LogicalKind::File(
            payload.as_str().unwrap_or("Unknown").to_string(),
        )),
        _ => None,
    }
}

fn shape_of(v: &serde_json::Value) -> Option<Vec<u64>> {
    v.as_array()?.iter().map(|d| d.as_u64()).collect()
}

fn shape_text(shape: &[u64]) -> String {
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    format!("[{}]", dims.join(", "))
}

/// The element type of a logical type's storage: the items of its `data`
/// or `values` list (tensors), or of its fixed-size list (embeddings,
/// fixed-shape tensors).
fn element(storage: &DataType) -> String {
    match storage {
        DataType::Struct(fields) => fields
            .iter()
            .find(|f| f.name() == "data" || f.name() == "values")
            .and_then(|f| match f.data_type() {
                DataType::List(item) | DataType::LargeList(item) => Some(display_type(item)),
                _ => None,
            })
            .unwrap_or_else(|| "?".into()),
        DataType::FixedSizeList(item, _) => display_type(item),
        other => display_data_type(other),
    }
}

fn display_extension(name: &str, metadata: Option<&str>, storage: &DataType) -> String {
    let Some(kind) = logical_kind(name, metadata) else {
        return name.to_string();
    };
    let offsets = |o: bool| if o { "true" } else { "false" };
    match kind {
        LogicalKind::Python => "Python".into(),
        LogicalKind::Uuid => "UUID".into(),
        LogicalKind::Tensor => format!("Tensor[{}]", element(storage)),
        LogicalKind::FixedShapeTensor(shape) => {
            format!("Tensor[{}; {}]", element(storage), shape_text(&shape))
        }
        LogicalKind::Embedding => match storage {
            DataType::FixedSizeList(_, n) => format!("Embedding[{}; {n}]", element(storage)),
            _ => format!("Embedding[{}]", element(storage)),
        },
        LogicalKind::SparseTensor { offsets: o } => format!(
            "SparseTensor[{}; indices_offset: {}]",
            element(storage),
            offsets(o)
        ),
        LogicalKind::FixedShapeSparseTensor { shape, offsets: o } => format!(
            "FixedShapeSparseTensor[{}; {}; indices_offset: {}]",
            element(storage),
            shape_text(&shape),
            offsets(o)
        ),
        LogicalKind::Image(mode) => format!("Image[{}]", mode.as_deref().unwrap_or("MIXED")),
        LogicalKind::FixedShapeImage {
            mode,
            height,
            width,
        } => format!("Image[{mode}; {height} x {width}]"),
        LogicalKind::File(media) => format!("File[{media}]"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use arrow::datatypes::{Fields, UnionFields};

    use super::*;

    fn ext(storage: DataType, name: &str, meta: &str) -> Field {
        Field::new("x", storage, true).with_metadata(HashMap::from([
            (EXTENSION_NAME_KEY.to_string(), name.to_string()),
            (EXTENSION_METADATA_KEY.to_string(), meta.to_string()),
        ]))
    }

    fn large_list(dt: DataType) -> DataType {
        DataType::LargeList(Arc::new(Field::new("item", dt, true)))
    }

    #[test]
    fn arrow_types_get_daft_names() {
        use DataType::*;
        let cases = [
            (Boolean, "Bool"),
            (LargeUtf8, "String"),
            (Utf8View, "String"),
            (LargeBinary, "Binary"),
            (FixedSizeBinary(4), "Binary[4]"),
            (Time64(TimeUnit::Microsecond), "Time[us]"),
            (
                Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                "Timestamp[ns; UTC]",
            ),
            (Timestamp(TimeUnit::Second, None), "Timestamp[s]"),
            (Duration(TimeUnit::Millisecond), "Duration[ms]"),
            (Interval(IntervalUnit::MonthDayNano), "Interval"),
            (Decimal128(10, 2), "Decimal[precision: 10, scale: 2]"),
            (large_list(Int64), "List[Int64]"),
            (
                FixedSizeList(Arc::new(Field::new("item", Float32, true)), 3),
                "List[Float32; 3]",
            ),
            (
                Struct(Fields::from(vec![
                    Field::new("a", Int64, true),
                    Field::new("b", Utf8, true),
                ])),
                "Struct[a: Int64, b: String]",
            ),
            (
                Map(
                    Arc::new(Field::new(
                        "entries",
                        Struct(Fields::from(vec![
                            Field::new("key", Utf8, false),
                            Field::new("value", Int64, true),
                        ])),
                        false,
                    )),
                    false,
                ),
                "Map[String: Int64]",
            ),
            (
                Union(
                    UnionFields::try_new(
                        vec![0, 1],
                        vec![Field::new("a", Int64, true), Field::new("b", Utf8, true)],
                    )
                    .unwrap(),
                    UnionMode::Sparse,
                ),
                "Union[a: Int64, b: String; type_ids: [0, 1]; mode: Sparse]",
            ),
        ];
        for (dt, want) in cases {
            assert_eq!(display_data_type(&dt), want, "{dt:?}");
        }
    }

    #[test]
    fn daft_extension_types_show_their_logical_type() {
        use DataType::*;
        let tensor = Struct(Fields::from(vec![
            Field::new("data", large_list(Float32), true),
            Field::new("shape", large_list(UInt64), true),
        ]));
        let f = ext(
            tensor,
            DAFT_EXTENSION,
            r#"{"datatype":{"Tensor":"Float32"}}"#,
        );
        assert_eq!(display_type(&f), "Tensor[Float32]");

        let fsl = FixedSizeList(Arc::new(Field::new("item", Float64, true)), 6);
        let f = ext(fsl.clone(), ARROW_FIXED_SHAPE_TENSOR, r#"{"shape":[2,3]}"#);
        assert_eq!(display_type(&f), "Tensor[Float64; [2, 3]]");
        let f = ext(
            fsl,
            DAFT_EXTENSION,
            r#"{"datatype":{"Embedding":["Float64",6]}}"#,
        );
        assert_eq!(display_type(&f), "Embedding[Float64; 6]");

        let f = ext(LargeBinary, DAFT_EXTENSION, r#"{"datatype":"Python"}"#);
        assert_eq!(display_type(&f), "Python");
        let f = ext(FixedSizeBinary(16), ARROW_UUID, "");
        assert_eq!(display_type(&f), "UUID");
        let f = ext(
            FixedSizeList(Arc::new(Field::new("item", UInt8, true)), 600),
            DAFT_EXTENSION,
            r#"{"datatype":{"FixedShapeImage":["RGB",10,20]}}"#,
        );
        assert_eq!(display_type(&f), "Image[RGB; 10 x 20]");
        let f = ext(Binary, DAFT_EXTENSION, r#"{"datatype":{"Image":null}}"#);
        assert_eq!(display_type(&f), "Image[MIXED]");
    }

    #[test]
    fn unknown_extensions_and_unreadable_metadata_show_the_extension_name() {
        let f = ext(DataType::Binary, "geo.point", "");
        assert_eq!(display_type(&f), "geo.point");
        let f = ext(DataType::Binary, DAFT_EXTENSION, "not json");
        assert_eq!(display_type(&f), DAFT_EXTENSION);
        let f = ext(DataType::Binary, DAFT_EXTENSION, r#"{"datatype":"Future"}"#);
        assert_eq!(display_type(&f), DAFT_EXTENSION);
    }
}
