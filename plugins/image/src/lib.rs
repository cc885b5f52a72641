//! `image`: Daft's image functions as a plugin pack.
//!
//! Functions (all map null to null, row by row):
//!
//! - `decode_image(bytes, on_error="raise", mode="RGB") -> Image[mode]`
//! - `encode_image(image, image_format) -> Binary`
//! - `resize(image, w, h)`, `crop(image, bbox)`, `convert_image(image, mode)`
//!   `-> Image[mode]`
//! - `image_to_tensor(image) -> Tensor[T]`
//! - `image_width`, `image_height`, `image_channel`, `image_mode`,
//!   `image_attribute(image, name) -> UInt32`
//! - `image_hash(image, method="phash", hash_size=8) -> FixedSizeBinary`
//!
//! Images are Daft's `Image` logical type (see [`types`]), read and written
//! in Daft 0.7.26's layout, so columns pass between this engine and Daft.
//! Codecs come from the `image` crate; resampling and mode conversion
//! follow Pillow's algorithms ([`resample`], [`pixels`]) and the hashes
//! `imagehash`'s ([`hash`]), so results match the Python tools exactly.
//!
//! Modules, from the pixels up: [`mode`] (Daft's modes), [`pixels`]
//! (images in memory, crop and convert), [`resample`], [`codec`], [`hash`],
//! [`types`] (the Arrow fields), [`column`] (Arrow arrays of images) and
//! `functions` (the declarations users call).

pub mod codec;
pub mod column;
mod functions;
pub mod hash;
pub mod mode;
pub mod pixels;
pub mod resample;
pub mod types;

daft_plugin_api::export_plugin!(name = "image", version = env!("CARGO_PKG_VERSION"));
