//! Images in memory and the pixel operations that need no resampling:
//! cropping and converting between modes.
//!
//! Conversions between the 8-bit modes follow Pillow's `Image.convert`
//! exactly (its integer luma formula, alpha added as opaque, alpha dropped
//! without compositing), so results can be checked against Pillow bit for
//! bit. Daft 0.7.26 converts with the `image` crate instead, whose luma
//! weights are Rec. 709's (0.2126, 0.7152, 0.0722) rather than the
//! ITU-R 601 weights Pillow, OpenCV and `imagehash` use; this pack uses
//! Pillow's so that `convert_image(..., "L")` and the perceptual hashes
//! agree with the Python tools users compare against.

use crate::mode::{Depth, Mode};

/// The samples of an image, row-major, channels interleaved.
#[derive(Debug, Clone, PartialEq)]
pub enum Pixels {
    /// 8-bit samples.
    U8(Vec<u8>),
    /// 16-bit samples.
    U16(Vec<u16>),
    /// 32-bit float samples.
    F32(Vec<f32>),
}

/// The samples of an image borrowed from an Arrow buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PixelsRef<'a> {
    /// 8-bit samples.
    U8(&'a [u8]),
    /// 16-bit samples.
    U16(&'a [u16]),
    /// 32-bit float samples.
    F32(&'a [f32]),
}

impl PixelsRef<'_> {
    /// The number of samples.
    pub fn len(&self) -> usize {
        match self {
            PixelsRef::U8(v) => v.len(),
            PixelsRef::U16(v) => v.len(),
            PixelsRef::F32(v) => v.len(),
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sample type.
    pub fn depth(&self) -> Depth {
        match self {
            PixelsRef::U8(_) => Depth::U8,
            PixelsRef::U16(_) => Depth::U16,
            PixelsRef::F32(_) => Depth::F32,
        }
    }
}

/// Applies a generic function to the samples of a [`PixelsRef`], giving
/// [`Pixels`] of the same depth.
macro_rules! map_pixels {
    ($pixels:expr, |$v:ident| $body:expr) => {
        match $pixels {
            $crate::pixels::PixelsRef::U8($v) => $crate::pixels::Pixels::U8($body),
            $crate::pixels::PixelsRef::U16($v) => $crate::pixels::Pixels::U16($body),
            $crate::pixels::PixelsRef::F32($v) => $crate::pixels::Pixels::F32($body),
        }
    };
}
pub(crate) use map_pixels;

/// An owned image. The pixel buffer always holds `width * height *
/// mode.channels()` samples of the mode's depth ([`Image::new`] checks).
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    mode: Mode,
    width: u32,
    height: u32,
    pixels: Pixels,
}

/// A borrowed image (one row of an image column), with the same invariant
/// as [`Image`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageRef<'a> {
    mode: Mode,
    width: u32,
    height: u32,
    pixels: PixelsRef<'a>,
}

/// Checks that `len` samples of `depth` make a `width` x `height` image of
/// `mode`.
fn check_shape(
    mode: Mode,
    width: u32,
    height: u32,
    len: usize,
    depth: Depth,
) -> Result<(), String> {
    if depth != mode.depth() {
        return Err(format!(
            "a {mode} image needs {:?} samples, got {depth:?}",
            mode.depth()
        ));
    }
    let expected = (width as usize)
        .checked_mul(height as usize)
        .and_then(|n| n.checked_mul(mode.channels()));
    if expected != Some(len) {
        return Err(format!(
            "a {width} x {height} {mode} image has {} samples, but its data holds {len}",
            expected.map_or("too many".to_string(), |n| n.to_string())
        ));
    }
    Ok(())
}

impl Image {
    /// An image, after checking that the buffer fits the mode and size.
    pub fn new(mode: Mode, width: u32, height: u32, pixels: Pixels) -> Result<Image, String> {
        let image = Image {
            mode,
            width,
            height,
            pixels,
        };
        let view = image.as_ref();
        check_shape(mode, width, height, view.pixels.len(), view.pixels.depth())?;
        Ok(image)
    }

    /// The borrowed view of this image.
    pub fn as_ref(&self) -> ImageRef<'_> {
        let pixels = match &self.pixels {
            Pixels::U8(v) => PixelsRef::U8(v),
            Pixels::U16(v) => PixelsRef::U16(v),
            Pixels::F32(v) => PixelsRef::F32(v),
        };
        ImageRef {
            mode: self.mode,
            width: self.width,
            height: self.height,
            pixels,
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The samples.
    pub fn pixels(&self) -> &Pixels {
        &self.pixels
    }

    /// The samples, taken out.
    pub fn into_pixels(self) -> Pixels {
        self.pixels
    }
}

impl<'a> ImageRef<'a> {
    /// A view, after checking that the buffer fits the mode and size.
    pub fn new(
        mode: Mode,
        width: u32,
        height: u32,
        pixels: PixelsRef<'a>,
    ) -> Result<ImageRef<'a>, String> {
        check_shape(mode, width, height, pixels.len(), pixels.depth())?;
        Ok(ImageRef {
            mode,
            width,
            height,
            pixels,
        })
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The samples.
    pub fn pixels(&self) -> PixelsRef<'a> {
        self.pixels
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Image {
        Image {
            mode: self.mode,
            width: self.width,
            height: self.height,
            pixels: map_pixels!(self.pixels, |v| v.to_vec()),
        }
    }
}

/// A sample type: how its values scale and how grayscale is computed.
pub trait Sample: Copy + Default + Send + Sync + 'static {
    /// The value of full intensity (and of an opaque alpha).
    const MAX: f64;
    /// The value as a float.
    fn to_f64(self) -> f64;
    /// The nearest value to `x`, clamped to the type's range (floats are
    /// kept as they are, out-of-range values included).
    fn from_f64(x: f64) -> Self;
    /// Grayscale from red, green and blue with the ITU-R 601 weights, as
    /// Pillow computes it for 8-bit images.
    fn luma(r: Self, g: Self, b: Self) -> Self;
}

/// Pillow's `L24` in fixed point: weights 19595, 38470 and 7471 (0.299,
/// 0.587 and 0.114 scaled by 2^16, summing to 2^16), rounded.
fn integer_luma(r: u64, g: u64, b: u64) -> u64 {
    (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16
}

impl Sample for u8 {
    const MAX: f64 = 255.0;
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(x: f64) -> Self {
        // `as` saturates and maps NaN to 0.
        x.round() as u8
    }
    fn luma(r: Self, g: Self, b: Self) -> Self {
        integer_luma(r.into(), g.into(), b.into()) as u8
    }
}

impl Sample for u16 {
    const MAX: f64 = 65535.0;
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(x: f64) -> Self {
        x.round() as u16
    }
    fn luma(r: Self, g: Self, b: Self) -> Self {
        integer_luma(r.into(), g.into(), b.into()) as u16
    }
}

impl Sample for f32 {
    const MAX: f64 = 1.0;
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn luma(r: Self, g: Self, b: Self) -> Self {
        0.299 * r + 0.587 * g + 0.114 * b
    }
}

/// Copies the `width` x `height` rectangle at (`x`, `y`) out of an image
/// with `channels` channels, `src_width` pixels wide. The rectangle must
/// lie inside the image.
fn crop_samples<S: Copy>(
    src: &[S],
    src_width: usize,
    channels: usize,
    (x, y, width, height): (usize, usize, usize, usize),
) -> Vec<S> {
    let mut out = Vec::with_capacity(width * height * channels);
    for row in y..y + height {
        let start = (row * src_width + x) * channels;
        out.extend_from_slice(&src[start..start + width * channels]);
    }
    out
}

/// The part of `image` inside the box at (`x`, `y`) of `width` x `height`
/// pixels, clipped to the image: a box reaching past the right or bottom
/// edge gives the part that overlaps (possibly empty), never pixels that
/// are not there. (Daft 0.7.26 panics on such a box; Pillow pads with
/// black, which invents pixels.)
pub fn crop(image: ImageRef<'_>, x: u32, y: u32, width: u32, height: u32) -> Image {
    let x = x.min(image.width);
    let y = y.min(image.height);
    let width = width.min(image.width - x);
    let height = height.min(image.height - y);
    let rect = (x as usize, y as usize, width as usize, height as usize);
    let channels = image.mode.channels();
    let src_width = image.width as usize;
    Image {
        mode: image.mode,
        width,
        height,
        pixels: map_pixels!(image.pixels, |v| crop_samples(v, src_width, channels, rect)),
    }
}

/// Rescales every sample from type `S` to type `D` (255 becomes 65535 or
/// 1.0, and back, rounding to the nearest value).
fn rescale<S: Sample, D: Sample>(src: &[S]) -> Vec<D> {
    let factor = D::MAX / S::MAX;
    src.iter()
        .map(|&v| D::from_f64(v.to_f64() * factor))
        .collect()
}

/// The samples of `pixels` as `depth`.
fn change_depth(pixels: PixelsRef<'_>, depth: Depth) -> Pixels {
    match depth {
        Depth::U8 => Pixels::U8(match pixels {
            PixelsRef::U8(v) => v.to_vec(),
            PixelsRef::U16(v) => rescale(v),
            PixelsRef::F32(v) => rescale(v),
        }),
        Depth::U16 => Pixels::U16(match pixels {
            PixelsRef::U8(v) => rescale(v),
            PixelsRef::U16(v) => v.to_vec(),
            PixelsRef::F32(v) => rescale(v),
        }),
        Depth::F32 => Pixels::F32(match pixels {
            PixelsRef::U8(v) => rescale(v),
            PixelsRef::U16(v) => rescale(v),
            PixelsRef::F32(v) => v.to_vec(),
        }),
    }
}

/// Converts interleaved pixels from `from` to `to` channels (1, 2, 3 or 4:
/// L, LA, RGB, RGBA), the way Pillow converts between those modes: gray
/// from color by [`Sample::luma`], color from gray by copying it into all
/// three, a missing alpha as opaque, an unwanted alpha dropped.
fn change_channels<S: Sample>(src: &[S], from: usize, to: usize) -> Vec<S> {
    if from == to {
        return src.to_vec();
    }
    let opaque = S::from_f64(S::MAX);
    let mut out = Vec::with_capacity(src.len() / from * to);
    for p in src.chunks_exact(from) {
        let alpha = if from.is_multiple_of(2) {
            p[from - 1]
        } else {
            opaque
        };
        let (r, g, b) = if from >= 3 {
            (p[0], p[1], p[2])
        } else {
            (p[0], p[0], p[0])
        };
        match to {
            1 | 2 => out.push(if from >= 3 { S::luma(r, g, b) } else { p[0] }),
            _ => out.extend_from_slice(&[r, g, b]),
        }
        if to.is_multiple_of(2) {
            out.push(alpha);
        }
    }
    out
}

/// `image` in `mode`.
///
/// Channels are converted at the finer of the two depths (a 16-bit color
/// image becomes 8-bit grayscale by computing gray in 16 bits, then
/// rounding once), so no conversion rounds twice.
pub fn convert(image: ImageRef<'_>, mode: Mode) -> Image {
    let (from, to) = (image.mode.channels(), mode.channels());
    let pixels = if mode.depth() > image.mode.depth() {
        let deep = change_depth(image.pixels, mode.depth());
        match &deep {
            Pixels::U8(v) => Pixels::U8(change_channels(v, from, to)),
            Pixels::U16(v) => Pixels::U16(change_channels(v, from, to)),
            Pixels::F32(v) => Pixels::F32(change_channels(v, from, to)),
        }
    } else {
        let shaped = map_pixels!(image.pixels, |v| change_channels(v, from, to));
        match &shaped {
            Pixels::U8(v) => change_depth(PixelsRef::U8(v), mode.depth()),
            Pixels::U16(v) => change_depth(PixelsRef::U16(v), mode.depth()),
            Pixels::F32(v) => change_depth(PixelsRef::F32(v), mode.depth()),
        }
    };
    Image {
        mode,
        width: image.width,
        height: image.height,
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(pixels: Vec<u8>, width: u32, height: u32) -> Image {
        Image::new(Mode::RGB, width, height, Pixels::U8(pixels)).unwrap()
    }

    #[test]
    fn new_refuses_a_buffer_of_the_wrong_size_or_depth() {
        assert!(Image::new(Mode::RGB, 2, 1, Pixels::U8(vec![0; 5])).is_err());
        assert!(Image::new(Mode::L16, 1, 1, Pixels::U8(vec![0])).is_err());
        assert!(Image::new(Mode::L, 0, 7, Pixels::U8(vec![])).is_ok());
    }

    #[test]
    fn gray_uses_pillows_fixed_point_weights() {
        // Pillow: Image.new("RGB", (1, 1), (10, 200, 30)).convert("L") -> 124
        let img = rgb(vec![10, 200, 30], 1, 1);
        assert_eq!(
            convert(img.as_ref(), Mode::L).pixels(),
            &Pixels::U8(vec![124])
        );
        let white = rgb(vec![255, 255, 255], 1, 1);
        assert_eq!(
            convert(white.as_ref(), Mode::L).pixels(),
            &Pixels::U8(vec![255])
        );
    }

    #[test]
    fn alpha_is_added_opaque_and_dropped_without_compositing() {
        let img = rgb(vec![1, 2, 3], 1, 1);
        let rgba = convert(img.as_ref(), Mode::RGBA);
        assert_eq!(rgba.pixels(), &Pixels::U8(vec![1, 2, 3, 255]));
        let la = Image::new(Mode::LA, 1, 1, Pixels::U8(vec![9, 0])).unwrap();
        assert_eq!(
            convert(la.as_ref(), Mode::RGB).pixels(),
            &Pixels::U8(vec![9, 9, 9])
        );
    }

    #[test]
    fn depth_changes_scale_full_intensity() {
        let img = rgb(vec![0, 128, 255], 1, 1);
        let deep = convert(img.as_ref(), Mode::RGB16);
        assert_eq!(deep.pixels(), &Pixels::U16(vec![0, 128 * 257, 65535]));
        let float = convert(img.as_ref(), Mode::RGBA32F);
        assert_eq!(
            float.pixels(),
            &Pixels::F32(vec![0.0, 128.0 / 255.0, 1.0, 1.0])
        );
        assert_eq!(convert(deep.as_ref(), Mode::RGB), img);
        assert_eq!(convert(float.as_ref(), Mode::RGB), img);
    }

    #[test]
    fn crop_clips_the_box_to_the_image() {
        let img = rgb((0..18).collect(), 3, 2);
        let inner = crop(img.as_ref(), 1, 0, 2, 1);
        assert_eq!(inner.pixels(), &Pixels::U8(vec![3, 4, 5, 6, 7, 8]));
        let past = crop(img.as_ref(), 2, 1, 10, 10);
        assert_eq!((past.width(), past.height()), (1, 1));
        assert_eq!(past.pixels(), &Pixels::U8(vec![15, 16, 17]));
        let outside = crop(img.as_ref(), 5, 5, 1, 1);
        assert_eq!((outside.width(), outside.height()), (0, 0));
    }
}
