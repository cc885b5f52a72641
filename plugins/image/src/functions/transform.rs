//! `resize`, `crop`, `convert_image` and `image_to_tensor`.

use daft_plugin_api::arrow::array::{Array, ArrayRef, Int64Array, LargeListArray};
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{downcast, OptionKind, Options, Param, ScalarFunction, TypeClass};

use super::{any_nullable, check_rows, image_param, int_option};
use crate::column::{ImageBuilder, ImageColumn, TensorBuilder};
use crate::mode::Mode;
use crate::pixels::{convert, crop as crop_image};
use crate::resample::{resize as resample, Filter};
use crate::types::{
    describe, image_field, large_list_of, mode_option, storage_depth, tensor_field,
};

/// The largest side `resize` makes (the most JPEG and WebP can store).
const MAX_SIDE: i64 = 65535;

/// The most pixels `resize` makes: 8192 x 8192, a gibibyte for the widest
/// mode (RGBA32F). The bound keeps a typo (`resize(img, 100000, 100000)`)
/// from asking for tens of gigabytes, which would abort the process rather
/// than fail the query.
const MAX_PIXELS: i64 = 1 << 26;

// ---- resize(image, w, h) -> Image[mode] ------------------------------------

fn size_option(options: &Options, name: &str) -> Result<u32, String> {
    let value = int_option(options, name)?;
    if !(1..=MAX_SIDE).contains(&value) {
        return Err(format!(
            "option `{name}` is {value}; a width or height must be between 1 and {MAX_SIDE}"
        ));
    }
    Ok(value as u32)
}

/// The target size of a call, checked.
fn target_size(options: &Options) -> Result<(u32, u32), String> {
    let (w, h) = (size_option(options, "w")?, size_option(options, "h")?);
    if w as i64 * h as i64 > MAX_PIXELS {
        return Err(format!(
            "resizing to {w} x {h} makes {} pixels per image; the most is {MAX_PIXELS} \
             (8192 x 8192)",
            w as i64 * h as i64
        ));
    }
    Ok((w, h))
}

fn resize_field(args: &[Field], options: &Options) -> Result<Field, String> {
    target_size(options)?;
    let image = image_param(args)?;
    Ok(image_field("image", image.mode(), any_nullable(args)))
}

fn resize(args: &[ArrayRef], options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let (w, h) = target_size(options)?;
    let images = ImageColumn::new(&args[0])?;
    let mut out = ImageBuilder::new(images.depth(), images.len());
    for image in images.iter() {
        match image? {
            Some(image) => out.push(resample(image, w, h, Filter::Bilinear)?.as_ref())?,
            None => out.push_null(),
        }
    }
    out.finish()
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "resize",
        doc: "Resizes images to `w` x `h` pixels with bilinear resampling.\n\n\
              The same algorithm as Pillow's `Image.resize((w, h), Image.BILINEAR)`, with the\n\
              same results: shrinking averages every source pixel (antialiasing), and images\n\
              with alpha are resampled premultiplied, so transparent pixels do not bleed their\n\
              color into their neighbours. The mode is kept.\n\n\
              Args:\n    image: an Image column.\n    w: the width in pixels.\n    h: the height in pixels (w * h at most 8192 * 8192).\n\n\
              Returns:\n    an Image column of the same mode (Daft 0.7.26 types it Image[mode; h x w];\n    \
              here it stays Image[mode], which every image function reads); null where `image`\n    \
              is null.\n\n\
              Example:\n    >>> df.select(daft.functions.resize(daft.col(\"image\"), 32, 24)).schema()\n    \
              image: Image[RGB]",
        params: &[
            Param::expr("image", TypeClass::Any),
            Param::required_option("w", OptionKind::Int),
            Param::required_option("h", OptionKind::Int),
        ],
        return_field: resize_field,
        call: resize,
    }
}

// ---- crop(image, bbox) -> Image[mode] --------------------------------------

fn crop_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    let image = image_param(args)?;
    let bbox = &args[1];
    let integer_list = match bbox.data_type() {
        DataType::Null => true,
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            f.data_type().is_integer() || f.data_type() == &DataType::Null
        }
        _ => false,
    };
    if !integer_list {
        return Err(format!(
            "argument `bbox` has type {}; expected a list of 4 integers (x, y, width, \
             height), such as the tuple (0, 0, 32, 32)",
            describe(bbox)
        ));
    }
    Ok(image_field("image", image.mode(), any_nullable(args)))
}

/// Reads one bounding box: 4 non-negative integers that fit a `u32`.
fn bbox_of(values: &Int64Array) -> Result<[u32; 4], String> {
    let values: Vec<Option<i64>> = values.iter().collect();
    let [x, y, w, h] = values[..] else {
        return Err(format!(
            "a bounding box has {} values; expected 4 (x, y, width, height)",
            values.len()
        ));
    };
    let mut out = [0u32; 4];
    for (slot, (name, v)) in out
        .iter_mut()
        .zip([("x", x), ("y", y), ("width", w), ("height", h)])
    {
        let v = v.ok_or_else(|| format!("a bounding box has a null {name}"))?;
        *slot = u32::try_from(v)
            .map_err(|_| format!("a bounding box has {name} {v}; expected 0 to {}", u32::MAX))?;
    }
    Ok(out)
}

fn crop(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let images = ImageColumn::new(&args[0])?;
    let boxes = cast(&args[1], &large_list_of(DataType::Int64)).map_err(|e| e.to_string())?;
    let boxes = downcast::<LargeListArray>(&boxes)?;
    let mut out = ImageBuilder::new(images.depth(), images.len());
    for (i, image) in images.iter().enumerate() {
        match (image?, boxes.is_valid(i)) {
            (Some(image), true) => {
                let values = boxes.value(i);
                let [x, y, w, h] = bbox_of(downcast::<Int64Array>(&values)?)?;
                out.push(crop_image(image, x, y, w, h).as_ref())?
            }
            _ => out.push_null(),
        }
    }
    out.finish()
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "crop",
        doc: "Crops images to a bounding box.\n\n\
              The box is (x, y, width, height) in pixels from the top-left corner. A box\n\
              reaching past the right or bottom edge is clipped to the image (so the result\n\
              can be smaller than the box, or empty); Daft 0.7.26 fails on such a box.\n\n\
              Args:\n    image: an Image column.\n    \
              bbox: one box for every row, as a tuple (x, y, width, height), or a List column\n        \
              of 4 integers per row.\n\n\
              Returns:\n    an Image column of the same mode; null where `image` or `bbox` is null.\n\n\
              Example:\n    >>> df.select(daft.functions.crop(daft.col(\"image\"), (0, 0, 16, 16))).schema()\n    \
              image: Image[RGB]",
        params: &[
            Param::expr("image", TypeClass::Any),
            Param::expr("bbox", TypeClass::List),
        ],
        return_field: crop_field,
        call: crop,
    }
}

// ---- convert_image(image, mode) -> Image[mode] ------------------------------

fn target_mode(options: &Options) -> Result<Mode, String> {
    mode_option(options.get("mode"), "mode")?
        .ok_or_else(|| format!("option `mode` must name an image mode ({})", Mode::names()))
}

fn convert_image_field(args: &[Field], options: &Options) -> Result<Field, String> {
    let mode = target_mode(options)?;
    image_param(args)?;
    Ok(image_field("image", Some(mode), any_nullable(args)))
}

fn convert_image(
    args: &[ArrayRef],
    options: &Options,
    num_rows: usize,
) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let mode = target_mode(options)?;
    let images = ImageColumn::new(&args[0])?;
    let mut out = ImageBuilder::new(mode.depth(), images.len());
    for image in images.iter() {
        match image? {
            Some(image) => out.push(convert(image, mode).as_ref())?,
            None => out.push_null(),
        }
    }
    out.finish()
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "convert_image",
        doc: "Converts images to another mode.\n\n\
              Between the 8-bit modes the conversion is Pillow's `Image.convert`: gray from\n\
              color with the ITU-R 601 weights (0.299, 0.587, 0.114) in Pillow's integer\n\
              arithmetic, gray copied into red, green and blue, a missing alpha opaque, an\n\
              alpha dropped without compositing. Changing depth scales full intensity (255,\n\
              65535, 1.0) and rounds once. (Daft 0.7.26 converts to gray with the Rec. 709\n\
              weights, and fails on 16-bit and float modes.)\n\n\
              Args:\n    image: an Image column.\n    \
              mode: L, LA, RGB, RGBA, L16, LA16, RGB16, RGBA16, RGB32F or RGBA32F, by name\n        \
              (str(daft.ImageMode.RGB) is \"RGB\").\n\n\
              Returns:\n    an Image[mode] column; null where `image` is null.\n\n\
              Example:\n    >>> df.select(daft.functions.convert_image(daft.col(\"image\"), \"L\")).schema()\n    \
              image: Image[L]",
        params: &[
            Param::expr("image", TypeClass::Any),
            Param::required_option("mode", OptionKind::Str),
        ],
        return_field: convert_image_field,
        call: convert_image,
    }
}

// ---- image_to_tensor(image) -> Tensor[T] ------------------------------------

fn image_to_tensor_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    let image = image_param(args)?;
    Ok(tensor_field(
        "image",
        storage_depth(image.mode()),
        any_nullable(args),
    ))
}

fn image_to_tensor(
    args: &[ArrayRef],
    _options: &Options,
    num_rows: usize,
) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let images = ImageColumn::new(&args[0])?;
    let mut out = TensorBuilder::new(images.depth());
    for image in images.iter() {
        out.push_opt(image?)?;
    }
    out.finish()
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "image_to_tensor",
        doc: "Turns images into tensors of shape (height, width, channels).\n\n\
              The samples keep their type: UInt8 for 8-bit modes (and Image[MIXED]), UInt16 for\n\
              16-bit modes, Float32 for float modes.\n\n\
              Args:\n    image: an Image column.\n\n\
              Returns:\n    a Tensor column; null where `image` is null.\n\n\
              Example:\n    >>> df.select(daft.functions.image_to_tensor(daft.col(\"image\"))).schema()\n    \
              image: Tensor[UInt8]",
        params: &[Param::expr("image", TypeClass::Any)],
        return_field: image_to_tensor_field,
        call: image_to_tensor,
    }
}
