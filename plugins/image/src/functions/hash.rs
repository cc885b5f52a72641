//! `image_hash`: perceptual hashes, bit-exact with the `imagehash` package.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{ArrayRef, FixedSizeBinaryArray};
use daft_plugin_api::arrow::buffer::{Buffer, NullBuffer};
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{DefaultValue, OptionKind, Options, Param, ScalarFunction, TypeClass};

use super::{check_rows, image_param, int_option, str_option};
use crate::column::ImageColumn;
use crate::hash::{hash, hash_bytes, Method, HASH_SIZES, NOT_IMPLEMENTED};

/// The method and hash size of a call, checked.
fn settings(options: &Options) -> Result<(Method, usize), String> {
    let name = str_option(options, "method")?;
    let method = Method::parse(name).ok_or_else(|| {
        if NOT_IMPLEMENTED.contains(&name) {
            format!(
                "method {name:?} is not implemented by this engine; supported methods: {}",
                Method::names()
            )
        } else {
            format!(
                "method {name:?} is not a hash method; supported methods: {}",
                Method::names()
            )
        }
    })?;
    let size = int_option(options, "hash_size")?;
    if !HASH_SIZES.contains(&size) {
        return Err(format!(
            "option `hash_size` is {size}; expected {} to {}",
            HASH_SIZES.start(),
            HASH_SIZES.end()
        ));
    }
    Ok((method, size as usize))
}

fn image_hash_field(args: &[Field], options: &Options) -> Result<Field, String> {
    let (_, size) = settings(options)?;
    image_param(args)?;
    Ok(Field::new(
        "image",
        DataType::FixedSizeBinary(hash_bytes(size) as i32),
        args[0].is_nullable(),
    ))
}

fn image_hash(args: &[ArrayRef], options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let (method, size) = settings(options)?;
    let width = hash_bytes(size);
    let images = ImageColumn::new(&args[0])?;
    let mut bytes = Vec::with_capacity(images.len() * width);
    let mut valid = Vec::with_capacity(images.len());
    for image in images.iter() {
        match image? {
            Some(image) => {
                hash(image, method, size, &mut bytes);
                valid.push(true);
            }
            None => {
                bytes.resize(bytes.len() + width, 0);
                valid.push(false);
            }
        }
    }
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    let array = FixedSizeBinaryArray::try_new(width as i32, Buffer::from(bytes), nulls)
        .map_err(|e| format!("building the hash column: {e}"))?;
    Ok(Arc::new(array))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "image_hash",
        doc: "A perceptual hash of each image, for finding near-duplicates.\n\n\
              Each method matches the `imagehash` package bit for bit (the image converted\n\
              to gray and shrunk exactly as Pillow does): \"phash\" (default; 2-D DCT\n\
              coefficients above their median), \"phash_simple\" (row DCT above the mean),\n\
              \"dhash\" (brighter than the left neighbour), \"dhash_vertical\" (brighter than\n\
              the pixel above) and \"ahash\" (above the mean). Daft's \"whash\",\n\
              \"crop_resistant\" and \"colorhash\" are not implemented and are refused. Two\n\
              hashes with a small Hamming distance come from similar images.\n\n\
              Args:\n    image: an Image column.\n    method: the hash method.\n    \
              hash_size: bits per side, 2 to 64: the hash has hash_size² bits (default 8:\n        \
              64 bits).\n    binbits: Daft's colorhash parameter (unused here).\n    \
              segments: Daft's crop_resistant parameter (unused here).\n\n\
              Returns:\n    a FixedSizeBinary column of ceil(hash_size² / 8) bytes, bits row by row, most\n    \
              significant first (numpy.packbits of ImageHash.hash); null where `image` is null.\n\n\
              Example:\n    >>> df.select(daft.functions.image_hash(daft.col(\"image\"), method=\"dhash\")).schema()\n    \
              image: Binary[8]",
        params: &[
            Param::expr("image", TypeClass::Any),
            Param::option("method", OptionKind::Str, DefaultValue::Str("phash")),
            Param::option("hash_size", OptionKind::Int, DefaultValue::Int(8)),
            Param::option("binbits", OptionKind::Int, DefaultValue::Int(3)),
            Param::option("segments", OptionKind::Int, DefaultValue::Int(3)),
        ],
        return_field: image_hash_field,
        call: image_hash,
    }
}
