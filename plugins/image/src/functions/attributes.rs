//! `image_width`, `image_height`, `image_channel`, `image_mode` and
//! `image_attribute`: one UInt32 per image, as Daft 0.7.26 types them.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{ArrayRef, UInt32Array};
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{OptionKind, Options, Param, ScalarFunction, TypeClass};

use super::{check_rows, image_param, str_option};
use crate::column::ImageColumn;
use crate::pixels::ImageRef;

/// A property of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attribute {
    Width,
    Height,
    Channel,
    Mode,
}

impl Attribute {
    const NAMES: &'static str = "width, height, channel, mode";

    fn parse(name: &str) -> Option<Attribute> {
        match name.trim().to_ascii_lowercase().as_str() {
            "width" => Some(Attribute::Width),
            "height" => Some(Attribute::Height),
            "channel" => Some(Attribute::Channel),
            "mode" => Some(Attribute::Mode),
            _ => None,
        }
    }

    /// The property of one image; the mode as Daft's code (L = 1 ... RGBA32F = 10).
    fn of(self, image: ImageRef<'_>) -> u32 {
        match self {
            Attribute::Width => image.width(),
            Attribute::Height => image.height(),
            Attribute::Channel => image.mode().channels() as u32,
            Attribute::Mode => image.mode().code() as u32,
        }
    }
}

fn attribute_field(args: &[Field]) -> Result<Field, String> {
    image_param(args)?;
    Ok(Field::new("image", DataType::UInt32, args[0].is_nullable()))
}

fn attribute_column(
    args: &[ArrayRef],
    num_rows: usize,
    attribute: Attribute,
) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let images = ImageColumn::new(&args[0])?;
    let values = images
        .iter()
        .map(|image| Ok(image?.map(|image| attribute.of(image))))
        .collect::<Result<UInt32Array, String>>()?;
    Ok(Arc::new(values))
}

fn named_attribute(options: &Options) -> Result<Attribute, String> {
    let name = str_option(options, "name")?;
    Attribute::parse(name).ok_or_else(|| {
        format!(
            "option `name` is {name:?}, which is not an image property; expected one of {}",
            Attribute::NAMES
        )
    })
}

fn image_attribute_field(args: &[Field], options: &Options) -> Result<Field, String> {
    named_attribute(options)?;
    attribute_field(args)
}

fn image_attribute(
    args: &[ArrayRef],
    options: &Options,
    num_rows: usize,
) -> Result<ArrayRef, String> {
    attribute_column(args, num_rows, named_attribute(options)?)
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "image_attribute",
        doc: "A property of each image: its width, height, channel count or mode.\n\n\
              Args:\n    image: an Image column.\n    name: \"width\", \"height\", \"channel\" or \"mode\".\n\n\
              Returns:\n    a UInt32 column (the mode as Daft's code: L=1, LA=2, RGB=3, RGBA=4, L16=5,\n    \
              LA16=6, RGB16=7, RGBA16=8, RGB32F=9, RGBA32F=10); null where `image` is null.\n\n\
              Example:\n    >>> df.select(daft.functions.image_attribute(daft.col(\"image\"), \"width\")).to_pydict()\n    \
              {'image': [640, None]}",
        params: &[
            Param::expr("image", TypeClass::Any),
            Param::required_option("name", OptionKind::Str),
        ],
        return_field: image_attribute_field,
        call: image_attribute,
    }
}

/// Declares `image_<what>(image) -> UInt32` for one attribute.
macro_rules! attribute_function {
    ($name:literal, $field:ident, $call:ident, $attribute:expr, $doc:literal) => {
        fn $field(args: &[Field], _options: &Options) -> Result<Field, String> {
            attribute_field(args)
        }

        fn $call(
            args: &[ArrayRef],
            _options: &Options,
            num_rows: usize,
        ) -> Result<ArrayRef, String> {
            attribute_column(args, num_rows, $attribute)
        }

        daft_plugin_api::inventory::submit! {
            ScalarFunction {
                name: $name,
                doc: $doc,
                params: &[Param::expr("image", TypeClass::Any)],
                return_field: $field,
                call: $call,
            }
        }
    };
}

attribute_function!(
    "image_width",
    image_width_field,
    image_width,
    Attribute::Width,
    "The width of each image in pixels.\n\n\
     Args:\n    image: an Image column.\n\n\
     Returns:\n    a UInt32 column; null where `image` is null.\n\n\
     Example:\n    >>> df.select(daft.functions.image_width(daft.col(\"image\"))).to_pydict()\n    \
     {'image': [640, None]}"
);

attribute_function!(
    "image_height",
    image_height_field,
    image_height,
    Attribute::Height,
    "The height of each image in pixels.\n\n\
     Args:\n    image: an Image column.\n\n\
     Returns:\n    a UInt32 column; null where `image` is null.\n\n\
     Example:\n    >>> df.select(daft.functions.image_height(daft.col(\"image\"))).to_pydict()\n    \
     {'image': [480, None]}"
);

attribute_function!(
    "image_channel",
    image_channel_field,
    image_channel,
    Attribute::Channel,
    "The number of channels of each image (1 for L, 3 for RGB, ...).\n\n\
     Args:\n    image: an Image column.\n\n\
     Returns:\n    a UInt32 column; null where `image` is null.\n\n\
     Example:\n    >>> df.select(daft.functions.image_channel(daft.col(\"image\"))).to_pydict()\n    \
     {'image': [3, None]}"
);

attribute_function!(
    "image_mode",
    image_mode_field,
    image_mode,
    Attribute::Mode,
    "The mode of each image, as Daft's mode code.\n\n\
     The codes: L=1, LA=2, RGB=3, RGBA=4, L16=5, LA16=6, RGB16=7, RGBA16=8, RGB32F=9,\n\
     RGBA32F=10 (the order of daft.ImageMode).\n\n\
     Args:\n    image: an Image column.\n\n\
     Returns:\n    a UInt32 column; null where `image` is null.\n\n\
     Example:\n    >>> df.select(daft.functions.image_mode(daft.col(\"image\"))).to_pydict()\n    \
     {'image': [3, None]}"
);
