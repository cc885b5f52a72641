//! `decode_image` and `encode_image`.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{Array, ArrayRef, LargeBinaryArray, LargeBinaryBuilder};
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{
    downcast, DefaultValue, OptionKind, Options, Param, ScalarFunction, TypeClass,
};

use super::{any_nullable, check_rows, image_param, str_option};
use crate::codec::{decode, encode, Format};
use crate::column::{ImageBuilder, ImageColumn};
use crate::mode::Mode;
use crate::pixels::convert;
use crate::types::{describe, image_field, mode_option, storage_depth};

// ---- decode_image(bytes, on_error="raise", mode="RGB") -> Image[mode] ------

/// What to do with bytes that are not an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnError {
    Raise,
    Null,
}

fn on_error(options: &Options) -> Result<OnError, String> {
    match str_option(options, "on_error")? {
        "raise" => Ok(OnError::Raise),
        "null" => Ok(OnError::Null),
        other => Err(format!(
            "option `on_error` is {other:?}; expected \"raise\" or \"null\""
        )),
    }
}

fn decode_image_field(args: &[Field], options: &Options) -> Result<Field, String> {
    let on_error = on_error(options)?;
    let mode = mode_option(options.get("mode"), "mode")?;
    let input = &args[0];
    match input.data_type() {
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::Null => {}
        _ => {
            return Err(format!(
                "argument `bytes` has type {}; expected encoded image files (a Binary column)",
                describe(input)
            ))
        }
    }
    Ok(image_field(
        "image",
        mode,
        input.is_nullable() || on_error == OnError::Null,
    ))
}

/// Decodes one file into `mode`, or, for `None`, in its own mode made
/// 8-bit (a column of mixed modes stores bytes).
fn decode_one(bytes: &[u8], mode: Option<Mode>) -> Result<crate::pixels::Image, String> {
    let image = decode(bytes)?;
    let target = mode.unwrap_or(image.mode().to_8bit());
    Ok(if image.mode() == target {
        image
    } else {
        convert(image.as_ref(), target)
    })
}

fn decode_image(args: &[ArrayRef], options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let on_error = on_error(options)?;
    let mode = mode_option(options.get("mode"), "mode")?;
    let bytes = cast(&args[0], &DataType::LargeBinary).map_err(|e| e.to_string())?;
    let bytes = downcast::<LargeBinaryArray>(&bytes)?;
    let mut out = ImageBuilder::new(storage_depth(mode), bytes.len());
    for value in bytes.iter() {
        let Some(value) = value else {
            out.push_null();
            continue;
        };
        match decode_one(value, mode) {
            Ok(image) => out.push(image.as_ref())?,
            Err(_) if on_error == OnError::Null => out.push_null(),
            Err(e) => {
                return Err(format!(
                    "cannot decode an image from a value of {} bytes: {e} \
                     (on_error=\"null\" gives null for such values)",
                    value.len()
                ))
            }
        }
    }
    out.finish()
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "decode_image",
        doc: "Decodes encoded image files (PNG, JPEG, GIF, BMP, TIFF, WebP) into images.\n\n\
              The format is recognised from the bytes. Files whose pixels would take more than\n\
              512 MiB are refused rather than allocated.\n\n\
              Args:\n    bytes: a Binary column of image files.\n    \
              on_error: \"raise\" (default) fails the query on a value that is not an image;\n        \
              \"null\" gives null for it.\n    \
              mode: the mode to convert every image to (default \"RGB\"; any of L, LA, RGB,\n        \
              RGBA, L16, LA16, RGB16, RGBA16, RGB32F, RGBA32F), or None to keep each file's\n        \
              mode in an Image[MIXED] column. That column stores 8-bit samples, so with None\n        \
              a 16-bit or float file is reduced to the 8-bit mode with its channels.\n        \
              Modes are given by name: str(daft.ImageMode.RGB) is \"RGB\".\n\n\
              Returns:\n    an Image[mode] column (Image[MIXED] for mode=None); null where `bytes` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"file\": [png_bytes, None]})\n    \
              >>> df.select(daft.functions.decode_image(daft.col(\"file\"), mode=\"L\")).schema()\n    \
              file: Image[L]",
        params: &[
            Param::expr("bytes", TypeClass::BinaryLike),
            Param::option("on_error", OptionKind::Str, DefaultValue::Str("raise")),
            Param::option("mode", OptionKind::Str, DefaultValue::Str("RGB")),
        ],
        return_field: decode_image_field,
        call: decode_image,
    }
}

// ---- encode_image(image, image_format) -> Binary ---------------------------

fn format_option(options: &Options) -> Result<&'static Format, String> {
    let name = str_option(options, "image_format")?;
    Format::parse(name).ok_or_else(|| {
        format!(
            "image format {name:?} is not supported; supported formats: {} (jpg and tif \
             are accepted for jpeg and tiff)",
            Format::names()
        )
    })
}

fn encode_image_field(args: &[Field], options: &Options) -> Result<Field, String> {
    let format = format_option(options)?;
    let image = image_param(args)?;
    // A column of one mode the format cannot store fails now, not per row.
    if let Some(mode) = image.mode() {
        if !format.stores(mode) {
            return Err(format.refusal(mode));
        }
    }
    Ok(Field::new("encoded", DataType::Binary, any_nullable(args)))
}

fn encode_image(args: &[ArrayRef], options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let format = format_option(options)?;
    let images = ImageColumn::new(&args[0])?;
    let mut out = LargeBinaryBuilder::with_capacity(images.len(), 0);
    for image in images.iter() {
        match image? {
            Some(image) => out.append_value(encode(image.to_owned(), format)?),
            None => out.append_null(),
        }
    }
    // Daft's result type is Binary (32-bit offsets); encoding builds large
    // offsets so that a batch of big files cannot overflow them, then
    // narrows, which fails cleanly if the batch is over 2 GiB.
    cast(&(Arc::new(out.finish()) as ArrayRef), &DataType::Binary)
        .map_err(|e| format!("the encoded images of one batch do not fit a Binary column: {e}"))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "encode_image",
        doc: "Encodes images as files of one format.\n\n\
              Formats and the modes each stores: png (L, LA, RGB, RGBA and their 16-bit\n\
              modes), jpeg (L, RGB; quality 75), tiff (L, RGB, RGBA, their 16-bit modes,\n\
              RGB32F, RGBA32F), bmp (L, RGB, RGBA), gif (RGB, RGBA), webp (lossless; L,\n\
              LA, RGB, RGBA). An image of another mode is an error, never silently converted:\n\
              convert_image it first. `jpg` and `tif` are accepted as names.\n\n\
              Args:\n    image: an Image column.\n    image_format: \"png\", \"jpeg\", \"tiff\", \"bmp\", \"gif\" or \"webp\".\n\n\
              Returns:\n    a Binary column of encoded files; null where `image` is null.\n\n\
              Example:\n    >>> df.select(daft.functions.encode_image(daft.col(\"image\"), \"png\")).schema()\n    \
              image: Binary",
        params: &[
            Param::expr("image", TypeClass::Any),
            Param::required_option("image_format", OptionKind::Str),
        ],
        return_field: encode_image_field,
        call: encode_image,
    }
}
