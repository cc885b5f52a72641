//! Daft's `Image` and `Tensor` types as Arrow fields, and recognising the
//! image argument of a call from its field.
//!
//! Daft 0.7.26 stores its logical types as Arrow extension types named
//! `daft.super_extension`, with JSON metadata
//! `{"datatype": {"Image": "RGB"}, "daft_version": ..., "daft_build_type": ...}`
//! (`{"Image": null}` for mixed modes) on a storage of
//! `struct<data: large_list<item: T>, channel: uint16, height: uint32,
//! width: uint32, mode: uint8>`, where `T` is the samples' type (`uint8`
//! for mixed modes). This engine uses the same encoding, so the fields
//! built here make `df.schema()` show `Image[RGB]` and the columns pass to
//! and from real Daft unchanged.

use std::collections::HashMap;
use std::sync::Arc;

use daft_plugin_api::arrow::datatypes::{DataType, Field, Fields};
use daft_plugin_api::{EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY};

use crate::mode::{Depth, Mode};

/// The extension name of Daft's logical types.
pub const DAFT_EXTENSION: &str = "daft.super_extension";

/// The version fields written beside the type: real Daft refuses the
/// metadata without both, and reads neither; this engine ignores them.
const VERSION_FIELDS: &str = r#""daft_version":"0.1.0","daft_build_type":"release""#;

/// The Arrow type of a sample of `depth`.
pub fn sample_type(depth: Depth) -> DataType {
    match depth {
        Depth::U8 => DataType::UInt8,
        Depth::U16 => DataType::UInt16,
        Depth::F32 => DataType::Float32,
    }
}

/// Daft's serde name of the sample type of `depth` (in `{"Tensor": ...}`).
fn sample_serde_name(depth: Depth) -> &'static str {
    match depth {
        Depth::U8 => "UInt8",
        Depth::U16 => "UInt16",
        Depth::F32 => "Float32",
    }
}

/// `large_list<item: T>`, the list type of image data and tensor data.
pub fn large_list_of(item: DataType) -> DataType {
    DataType::LargeList(Arc::new(Field::new("item", item, true)))
}

/// The storage of `Image[mode]` for modes of `depth` (and of
/// `Image[MIXED]` for [`Depth::U8`]).
pub fn image_storage(depth: Depth) -> DataType {
    DataType::Struct(Fields::from(vec![
        Field::new("data", large_list_of(sample_type(depth)), true),
        Field::new("channel", DataType::UInt16, true),
        Field::new("height", DataType::UInt32, true),
        Field::new("width", DataType::UInt32, true),
        Field::new("mode", DataType::UInt8, true),
    ]))
}

/// The storage of `Tensor[T]`: the values and the shape of each row.
pub fn tensor_storage(depth: Depth) -> DataType {
    DataType::Struct(Fields::from(vec![
        Field::new("data", large_list_of(sample_type(depth)), true),
        Field::new("shape", large_list_of(DataType::UInt64), true),
    ]))
}

/// A field of one of Daft's logical types: `storage` with the extension
/// name and the JSON metadata naming `datatype` (Daft's serde form).
fn daft_field(name: &str, storage: DataType, datatype: &str, nullable: bool) -> Field {
    let metadata = HashMap::from([
        (EXTENSION_NAME_KEY.to_string(), DAFT_EXTENSION.to_string()),
        (
            EXTENSION_METADATA_KEY.to_string(),
            format!(r#"{{"datatype":{datatype},{VERSION_FIELDS}}}"#),
        ),
    ]);
    Field::new(name, storage, nullable).with_metadata(metadata)
}

/// The depth an `Image[mode]` column stores: the mode's, or bytes for
/// mixed modes.
pub fn storage_depth(mode: Option<Mode>) -> Depth {
    mode.map_or(Depth::U8, Mode::depth)
}

/// A field of type `Image[mode]` (`Image[MIXED]` for `None`).
pub fn image_field(name: &str, mode: Option<Mode>, nullable: bool) -> Field {
    let datatype = match mode {
        Some(m) => format!(r#"{{"Image":"{m}"}}"#),
        None => r#"{"Image":null}"#.to_string(),
    };
    daft_field(
        name,
        image_storage(storage_depth(mode)),
        &datatype,
        nullable,
    )
}

/// A field of type `Tensor[T]` with samples of `depth`.
pub fn tensor_field(name: &str, depth: Depth, nullable: bool) -> Field {
    let datatype = format!(r#"{{"Tensor":"{}"}}"#, sample_serde_name(depth));
    daft_field(name, tensor_storage(depth), &datatype, nullable)
}

/// What a function's image argument turned out to be at plan time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageArg {
    /// `Image[mode]`, or `Image[MIXED]` for `None`.
    Image(Option<Mode>),
    /// An untyped all-null column (`None` literals), which every function
    /// accepts and maps to nulls.
    Null,
}

impl ImageArg {
    /// The mode every row has, when the type says.
    pub fn mode(self) -> Option<Mode> {
        match self {
            ImageArg::Image(mode) => mode,
            ImageArg::Null => None,
        }
    }
}

/// Daft's serde form of a field's logical type, when it is one of Daft's.
fn daft_datatype(field: &Field) -> Option<serde_json::Value> {
    let metadata = field.metadata();
    if metadata.get(EXTENSION_NAME_KEY).map(String::as_str) != Some(DAFT_EXTENSION) {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(metadata.get(EXTENSION_METADATA_KEY)?).ok()?;
    json.get("datatype").cloned()
}

/// The type of `field` as a user knows it, for error messages: Daft's
/// logical type name (`Tensor[UInt8]`, `Image[RGB; 4 x 5]`), another
/// extension's name, or the Arrow type.
pub fn describe(field: &Field) -> String {
    if let Some(datatype) = daft_datatype(field) {
        return match &datatype {
            serde_json::Value::Object(map) if map.len() == 1 => {
                let (name, payload) = map.iter().next().expect("one entry");
                match (name.as_str(), payload) {
                    ("Image", serde_json::Value::Null) => "Image[MIXED]".to_string(),
                    ("Image", serde_json::Value::String(m)) => format!("Image[{m}]"),
                    ("FixedShapeImage", serde_json::Value::Array(p)) if p.len() == 3 => {
                        let text = |v: &serde_json::Value| {
                            v.as_str().map_or_else(|| v.to_string(), str::to_string)
                        };
                        format!("Image[{}; {} x {}]", text(&p[0]), p[1], p[2])
                    }
                    (name, serde_json::Value::String(inner)) => format!("{name}[{inner}]"),
                    (name, _) => name.to_string(),
                }
            }
            serde_json::Value::String(name) => name.clone(),
            other => other.to_string(),
        };
    }
    match field.metadata().get(EXTENSION_NAME_KEY) {
        Some(name) => name.clone(),
        None => field.data_type().to_string(),
    }
}

/// Reads the image argument of a call from its field, or explains why it
/// is not one. `param` names the parameter in the message.
pub fn image_arg(field: &Field, param: &str) -> Result<ImageArg, String> {
    if field.data_type() == &DataType::Null {
        return Ok(ImageArg::Null);
    }
    let not_an_image = || {
        format!(
            "argument `{param}` has type {}; expected an image column (Image[mode] or \
             Image[MIXED]; decode_image makes one from encoded bytes)",
            describe(field)
        )
    };
    let datatype = daft_datatype(field).ok_or_else(not_an_image)?;
    let payload = match datatype.get("Image") {
        Some(payload) => payload,
        None if datatype.get("FixedShapeImage").is_some() => {
            // A fixed-shape image keeps its mode and size only in the field;
            // its storage is a bare list of samples. Kernels of plugins are
            // given arrays without their fields, so they could not tell the
            // shape of a row.
            return Err(format!(
                "argument `{param}` has type {}: images of a fixed shape are not supported by \
                 the image functions, whose kernels see only the storage (a bare list of \
                 samples, without the mode or size)",
                describe(field)
            ));
        }
        None => return Err(not_an_image()),
    };
    let mode = match payload {
        serde_json::Value::Null => None,
        serde_json::Value::String(name) => Some(Mode::parse(name).ok_or_else(|| {
            format!(
                "argument `{param}` has type Image[{name}], an image mode this pack does not know"
            )
        })?),
        other => {
            return Err(format!(
                "argument `{param}` has malformed image metadata {other}"
            ))
        }
    };
    let expected = image_storage(storage_depth(mode));
    if field.data_type() != &expected {
        return Err(format!(
            "argument `{param}` is a {} column stored as {}, but Daft stores it as {expected}",
            describe(field),
            field.data_type()
        ));
    }
    Ok(ImageArg::Image(mode))
}

/// Parses a mode option: a mode name, or `None` (`Value::Null`) for
/// "keep each image's mode" where `allow_none`.
pub fn mode_option(
    value: Option<&daft_plugin_api::Value>,
    option: &str,
) -> Result<Option<Mode>, String> {
    use daft_plugin_api::Value;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(name)) => Mode::parse(name).map(Some).ok_or_else(|| {
            format!(
                "option `{option}` is {name:?}, which is not an image mode; expected one of {}",
                Mode::names()
            )
        }),
        Some(other) => Err(format!(
            "option `{option}` must be an image mode name, got {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_fields_carry_daft_metadata() {
        let f = image_field("img", Some(Mode::RGB), true);
        assert_eq!(f.metadata()[EXTENSION_NAME_KEY], DAFT_EXTENSION);
        assert_eq!(
            f.metadata()[EXTENSION_METADATA_KEY],
            r#"{"datatype":{"Image":"RGB"},"daft_version":"0.1.0","daft_build_type":"release"}"#
        );
        assert_eq!(
            f.data_type().to_string(),
            image_storage(Depth::U8).to_string()
        );
        let mixed = image_field("img", None, true);
        assert!(mixed.metadata()[EXTENSION_METADATA_KEY].contains(r#"{"Image":null}"#));
        assert_eq!(describe(&mixed), "Image[MIXED]");
        assert_eq!(describe(&f), "Image[RGB]");
    }

    #[test]
    fn image_args_are_recognised_and_others_refused() {
        for mode in [Some(Mode::L16), Some(Mode::RGBA), None] {
            let f = image_field("x", mode, true);
            assert_eq!(image_arg(&f, "image"), Ok(ImageArg::Image(mode)));
        }
        let null = Field::new("x", DataType::Null, true);
        assert_eq!(image_arg(&null, "image"), Ok(ImageArg::Null));
        let ints = Field::new("x", DataType::Int64, true);
        let e = image_arg(&ints, "image").unwrap_err();
        assert!(e.contains("has type Int64"), "{e}");
        let tensor = tensor_field("x", Depth::U8, true);
        let e = image_arg(&tensor, "image").unwrap_err();
        assert!(e.contains("Tensor[UInt8]"), "{e}");
        // Right metadata, wrong storage: refused rather than misread.
        let wrong =
            image_field("x", Some(Mode::L16), true).with_data_type(image_storage(Depth::U8));
        assert!(image_arg(&wrong, "image")
            .unwrap_err()
            .contains("stored as"));
    }

    #[test]
    fn fixed_shape_images_are_refused_with_the_reason() {
        let f = daft_field(
            "x",
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::UInt8, true)), 6),
            r#"{"FixedShapeImage":["RGB",1,2]}"#,
            true,
        );
        let e = image_arg(&f, "image").unwrap_err();
        assert!(
            e.contains("Image[RGB; 1 x 2]") && e.contains("fixed shape"),
            "{e}"
        );
    }
}
