//! Decoding and encoding image files with the `image` crate.

use std::io::Cursor;

use image::{DynamicImage, ImageBuffer, ImageFormat, ImageReader};

use crate::mode::Mode;
use crate::pixels::{Image, Pixels};

/// A file format `encode_image` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The name users write (lower case).
    pub name: &'static str,
    /// Other accepted spellings.
    aliases: &'static [&'static str],
    format: ImageFormat,
    /// The modes the `image` crate's encoder stores as they are.
    pub modes: &'static [Mode],
}

/// The formats `encode_image` writes, with the modes each stores without
/// conversion. Daft 0.7.26 writes PNG, JPEG, TIFF, GIF and BMP; WebP
/// (lossless, the only WebP the pure-Rust encoder writes) is an addition.
pub const FORMATS: &[Format] = &[
    Format {
        name: "png",
        aliases: &[],
        format: ImageFormat::Png,
        modes: &[
            Mode::L,
            Mode::LA,
            Mode::RGB,
            Mode::RGBA,
            Mode::L16,
            Mode::LA16,
            Mode::RGB16,
            Mode::RGBA16,
        ],
    },
    Format {
        name: "jpeg",
        aliases: &["jpg"],
        format: ImageFormat::Jpeg,
        modes: &[Mode::L, Mode::RGB],
    },
    Format {
        name: "tiff",
        aliases: &["tif"],
        format: ImageFormat::Tiff,
        modes: &[
            Mode::L,
            Mode::RGB,
            Mode::RGBA,
            Mode::L16,
            Mode::RGB16,
            Mode::RGBA16,
            Mode::RGB32F,
            Mode::RGBA32F,
        ],
    },
    Format {
        name: "bmp",
        aliases: &[],
        format: ImageFormat::Bmp,
        // The crate's encoder takes LA but writes it as a palette of grays,
        // losing the alpha: not offered.
        modes: &[Mode::L, Mode::RGB, Mode::RGBA],
    },
    Format {
        name: "gif",
        aliases: &[],
        format: ImageFormat::Gif,
        modes: &[Mode::RGB, Mode::RGBA],
    },
    Format {
        name: "webp",
        aliases: &[],
        format: ImageFormat::WebP,
        modes: &[Mode::L, Mode::LA, Mode::RGB, Mode::RGBA],
    },
];

impl Format {
    /// The format called `name` (any case, `jpg` and `tif` included).
    pub fn parse(name: &str) -> Option<&'static Format> {
        let name = name.trim().to_ascii_lowercase();
        FORMATS
            .iter()
            .find(|f| f.name == name || f.aliases.contains(&name.as_str()))
    }

    /// The names of all formats, for error messages.
    pub fn names() -> String {
        FORMATS
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether this format stores images of `mode` as they are.
    pub fn stores(&self, mode: Mode) -> bool {
        self.modes.contains(&mode)
    }

    /// Why an image of `mode` cannot be written in this format.
    pub fn refusal(&self, mode: Mode) -> String {
        let modes = self.modes.iter().map(|m| m.name()).collect::<Vec<_>>();
        format!(
            "{} cannot store {mode} images; it stores {} (convert_image to one of them first)",
            self.name.to_uppercase(),
            modes.join(", ")
        )
    }
}

/// The `image` crate's image as one of ours, in the file's own mode.
fn from_dynamic(decoded: DynamicImage) -> Result<Image, String> {
    let (width, height) = (decoded.width(), decoded.height());
    let (mode, pixels) = match decoded {
        DynamicImage::ImageLuma8(b) => (Mode::L, Pixels::U8(b.into_raw())),
        DynamicImage::ImageLumaA8(b) => (Mode::LA, Pixels::U8(b.into_raw())),
        DynamicImage::ImageRgb8(b) => (Mode::RGB, Pixels::U8(b.into_raw())),
        DynamicImage::ImageRgba8(b) => (Mode::RGBA, Pixels::U8(b.into_raw())),
        DynamicImage::ImageLuma16(b) => (Mode::L16, Pixels::U16(b.into_raw())),
        DynamicImage::ImageLumaA16(b) => (Mode::LA16, Pixels::U16(b.into_raw())),
        DynamicImage::ImageRgb16(b) => (Mode::RGB16, Pixels::U16(b.into_raw())),
        DynamicImage::ImageRgba16(b) => (Mode::RGBA16, Pixels::U16(b.into_raw())),
        DynamicImage::ImageRgb32F(b) => (Mode::RGB32F, Pixels::F32(b.into_raw())),
        DynamicImage::ImageRgba32F(b) => (Mode::RGBA32F, Pixels::F32(b.into_raw())),
        // A layout added to the crate later: its widest common form.
        other => (Mode::RGBA32F, Pixels::F32(other.into_rgba32f().into_raw())),
    };
    Image::new(mode, width, height, pixels)
}

/// Decodes an image file of any format this pack reads (PNG, JPEG, GIF,
/// BMP, TIFF, WebP), recognised by its content, in the file's own mode
/// (palette images come out as RGB or RGBA).
///
/// The `image` crate's default limits apply: a file whose decoded pixels
/// would take more than 512 MiB is refused before they are allocated, so a
/// small malicious file cannot exhaust memory (a "decompression bomb").
pub fn decode(bytes: &[u8]) -> Result<Image, String> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err(
            "the bytes are not in an image format this pack reads (PNG, JPEG, GIF, \
                    BMP, TIFF or WebP)"
                .to_string(),
        );
    }
    let decoded = reader.decode().map_err(|e| e.to_string())?;
    from_dynamic(decoded)
}

/// A buffer of the `image` crate from our samples.
fn buffer<P: image::Pixel>(
    width: u32,
    height: u32,
    samples: Vec<P::Subpixel>,
) -> Result<ImageBuffer<P, Vec<P::Subpixel>>, String> {
    ImageBuffer::from_raw(width, height, samples)
        .ok_or_else(|| "the image's buffer does not match its size".to_string())
}

/// Our image as the `image` crate's.
fn to_dynamic(image: Image) -> Result<DynamicImage, String> {
    let (mode, width, height) = (image.mode(), image.width(), image.height());
    Ok(match (mode, image.into_pixels()) {
        (Mode::L, Pixels::U8(v)) => DynamicImage::ImageLuma8(buffer(width, height, v)?),
        (Mode::LA, Pixels::U8(v)) => DynamicImage::ImageLumaA8(buffer(width, height, v)?),
        (Mode::RGB, Pixels::U8(v)) => DynamicImage::ImageRgb8(buffer(width, height, v)?),
        (Mode::RGBA, Pixels::U8(v)) => DynamicImage::ImageRgba8(buffer(width, height, v)?),
        (Mode::L16, Pixels::U16(v)) => DynamicImage::ImageLuma16(buffer(width, height, v)?),
        (Mode::LA16, Pixels::U16(v)) => DynamicImage::ImageLumaA16(buffer(width, height, v)?),
        (Mode::RGB16, Pixels::U16(v)) => DynamicImage::ImageRgb16(buffer(width, height, v)?),
        (Mode::RGBA16, Pixels::U16(v)) => DynamicImage::ImageRgba16(buffer(width, height, v)?),
        (Mode::RGB32F, Pixels::F32(v)) => DynamicImage::ImageRgb32F(buffer(width, height, v)?),
        (Mode::RGBA32F, Pixels::F32(v)) => DynamicImage::ImageRgba32F(buffer(width, height, v)?),
        (mode, _) => return Err(format!("a {mode} image with samples of another type")),
    })
}

/// Encodes `image` as a file of `format`, which must store its mode
/// ([`Format::stores`]): the image is written as it is, never converted
/// behind the caller's back (the `image` crate's own conversion would drop
/// an alpha channel for JPEG, for example).
pub fn encode(image: Image, format: &Format) -> Result<Vec<u8>, String> {
    if !format.stores(image.mode()) {
        return Err(format.refusal(image.mode()));
    }
    if image.width() == 0 || image.height() == 0 {
        return Err(format!(
            "cannot encode an empty image ({} x {}) as {}",
            image.width(),
            image.height(),
            format.name.to_uppercase()
        ));
    }
    let dynamic = to_dynamic(image)?;
    let mut out = Cursor::new(Vec::new());
    dynamic
        .write_to(&mut out, format.format)
        .map_err(|e| format!("encoding as {}: {e}", format.name.to_uppercase()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(mode: Mode, width: u32, height: u32) -> Image {
        let n = (width * height) as usize * mode.channels();
        let pixels = match mode.depth() {
            crate::mode::Depth::U8 => Pixels::U8((0..n).map(|i| (i * 37 % 256) as u8).collect()),
            crate::mode::Depth::U16 => {
                Pixels::U16((0..n).map(|i| (i * 4099 % 65536) as u16).collect())
            }
            crate::mode::Depth::F32 => Pixels::F32((0..n).map(|i| (i % 7) as f32 / 7.0).collect()),
        };
        Image::new(mode, width, height, pixels).unwrap()
    }

    #[test]
    fn lossless_formats_round_trip_every_mode_they_store() {
        for format in FORMATS
            .iter()
            .filter(|f| f.name != "jpeg" && f.name != "gif")
        {
            for &mode in format.modes {
                let image = sample(mode, 5, 3);
                let bytes = encode(image.clone(), format).unwrap();
                // Some files come back in a wider mode (BMP and WebP store
                // gray as color); the pixels must be the same.
                let back = decode(&bytes).unwrap();
                let back = crate::pixels::convert(back.as_ref(), mode);
                assert_eq!(back, image, "{} {mode}", format.name);
            }
        }
    }

    #[test]
    fn formats_parse_with_aliases_and_refuse_modes_they_cannot_store() {
        assert_eq!(Format::parse("JPG").unwrap().name, "jpeg");
        assert_eq!(Format::parse("Tif").unwrap().name, "tiff");
        assert!(Format::parse("avif").is_none());
        let jpeg = Format::parse("jpeg").unwrap();
        let e = encode(sample(Mode::RGBA, 2, 2), jpeg).unwrap_err();
        assert!(e.contains("JPEG cannot store RGBA"), "{e}");
    }

    #[test]
    fn garbage_and_truncated_files_are_errors_not_panics() {
        assert!(decode(b"").is_err());
        assert!(decode(b"not an image").is_err());
        let png = encode(sample(Mode::RGB, 4, 4), Format::parse("png").unwrap()).unwrap();
        assert!(decode(&png[..png.len() / 2]).is_err());
    }
}
