//! Resampling with Pillow's algorithm, so that `resize` agrees with
//! Pillow's `Image.resize(size, Image.BILINEAR)` and the perceptual hashes
//! with `imagehash` (which shrinks with `Image.LANCZOS`) bit for bit.
//!
//! Pillow resamples separably: each output pixel is a weighted sum of the
//! input pixels under a filter centred on it, the filter widened by the
//! scale factor when shrinking (so every input pixel contributes:
//! antialiasing). Rows are resampled first, into an intermediate image,
//! then columns; a pass whose size does not change is skipped. For 8-bit
//! samples the weights are fixed-point integers with 22 fractional bits and
//! each pass rounds and clamps to 0..=255; 16-bit and float samples are
//! summed in `f64` and rounded once per pass.
//!
//! Pillow resizes images with alpha premultiplied (`RGBA` through `RGBa`),
//! so fully transparent pixels do not bleed their color into their
//! neighbours; [`resize`] does the same, with Pillow's integer arithmetic
//! for 8-bit images. (Daft 0.7.26 resamples alpha images straight, which
//! darkens edges next to transparent pixels.)

use crate::pixels::{map_pixels, Image, ImageRef, Pixels, PixelsRef, Sample};

/// A resampling filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Pillow's `BILINEAR` (a triangle of radius 1).
    Bilinear,
    /// Pillow's `LANCZOS` (a sinc windowed by a sinc, radius 3).
    Lanczos,
}

impl Filter {
    fn support(self) -> f64 {
        match self {
            Filter::Bilinear => 1.0,
            Filter::Lanczos => 3.0,
        }
    }

    fn weight(self, x: f64) -> f64 {
        match self {
            Filter::Bilinear => {
                let x = x.abs();
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            }
            Filter::Lanczos => {
                if (-3.0..3.0).contains(&x) {
                    sinc(x) * sinc(x / 3.0)
                } else {
                    0.0
                }
            }
        }
    }
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * std::f64::consts::PI;
        x.sin() / x
    }
}

/// Fractional bits of the 8-bit fixed-point weights (Pillow's
/// `PRECISION_BITS`: 32 - 8 - 2, so sums of 8-bit samples fit an `i32`).
const PRECISION_BITS: u32 = 22;

/// The weights of one pass: for each output index, the first input index
/// and the weights of the inputs from there on.
struct Weights {
    /// `(first input, number of inputs)` per output index.
    bounds: Vec<(usize, usize)>,
    /// Normalised weights, `ksize` per output index (unused ones zero).
    weights: Vec<f64>,
    /// Weights per output index in `weights`.
    ksize: usize,
}

impl Weights {
    /// Pillow's `precompute_coeffs` for the whole input range.
    fn new(in_size: usize, out_size: usize, filter: Filter) -> Weights {
        let scale = in_size as f64 / out_size as f64;
        let filterscale = scale.max(1.0);
        let support = filter.support() * filterscale;
        let ksize = support.ceil() as usize * 2 + 1;
        let mut bounds = Vec::with_capacity(out_size);
        let mut weights = vec![0.0; out_size * ksize];
        for (out, k) in weights.chunks_exact_mut(ksize).enumerate() {
            let center = (out as f64 + 0.5) * scale;
            // Truncation toward zero, then clamping, as Pillow's `(int)` casts.
            let xmin = ((center - support + 0.5) as i64).max(0) as usize;
            let xmax = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
            let count = xmax.saturating_sub(xmin);
            // Multiplying by the reciprocal, not dividing, as Pillow does:
            // the two can differ in the last bit, and so the weights.
            let ss = 1.0 / filterscale;
            let mut total = 0.0;
            for (i, w) in k.iter_mut().take(count).enumerate() {
                *w = filter.weight(((i + xmin) as f64 - center + 0.5) * ss);
                total += *w;
            }
            if total != 0.0 {
                k.iter_mut().take(count).for_each(|w| *w /= total);
            }
            bounds.push((xmin, count));
        }
        Weights {
            bounds,
            weights,
            ksize,
        }
    }

    /// The weights in fixed point, rounded half away from zero.
    fn fixed(&self) -> Vec<i64> {
        let one = (1i64 << PRECISION_BITS) as f64;
        self.weights
            .iter()
            .map(|&w| {
                if w < 0.0 {
                    (-0.5 + w * one) as i64
                } else {
                    (0.5 + w * one) as i64
                }
            })
            .collect()
    }
}

/// Pillow's `clip8`: a fixed-point sum (with its rounding half already
/// added) as a sample.
fn clip8(sum: i64) -> u8 {
    (sum >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Where one pass reads and writes: `lines` lines of `len` pixels, the
/// pixel `i` of line `l` at `l * line_step + i * pixel_step` (times the
/// channel count), so one function serves rows and columns.
#[derive(Clone, Copy)]
struct Layout {
    channels: usize,
    lines: usize,
    line_step: usize,
    pixel_step: usize,
}

impl Layout {
    fn at(&self, line: usize, pixel: usize, channel: usize) -> usize {
        (line * self.line_step + pixel * self.pixel_step) * self.channels + channel
    }
}

/// Calls `f(line, output index)` for every output pixel of a pass, in the
/// order that walks memory forwards: line by line for rows, and output row
/// by output row for columns (a column at a time would stride through the
/// whole image for every pixel).
fn for_each_output(layout: Layout, outputs: usize, mut f: impl FnMut(usize, usize)) {
    if layout.pixel_step == 1 {
        for line in 0..layout.lines {
            (0..outputs).for_each(|o| f(line, o));
        }
    } else {
        for o in 0..outputs {
            (0..layout.lines).for_each(|line| f(line, o));
        }
    }
}

/// One pass over 8-bit samples, in Pillow's fixed point.
fn pass_u8(src: &[u8], src_layout: Layout, w: &Weights, out_layout: Layout, out: &mut [u8]) {
    let fixed = w.fixed();
    let half = 1i64 << (PRECISION_BITS - 1);
    for_each_output(src_layout, w.bounds.len(), |line, o| {
        let (first, count) = w.bounds[o];
        let k = &fixed[o * w.ksize..o * w.ksize + count];
        for c in 0..src_layout.channels {
            let mut sum = half;
            for (i, &kw) in k.iter().enumerate() {
                sum += src[src_layout.at(line, first + i, c)] as i64 * kw;
            }
            out[out_layout.at(line, o, c)] = clip8(sum);
        }
    });
}

/// One pass over 16-bit or float samples, summed in `f64`.
fn pass_float<S: Sample>(
    src: &[S],
    src_layout: Layout,
    w: &Weights,
    out_layout: Layout,
    out: &mut [S],
) {
    for_each_output(src_layout, w.bounds.len(), |line, o| {
        let (first, count) = w.bounds[o];
        let k = &w.weights[o * w.ksize..o * w.ksize + count];
        for c in 0..src_layout.channels {
            let sum: f64 = k
                .iter()
                .enumerate()
                .map(|(i, &kw)| src[src_layout.at(line, first + i, c)].to_f64() * kw)
                .sum();
            out[out_layout.at(line, o, c)] = S::from_f64(sum);
        }
    });
}

/// Resamples a `width` x `height` image of `channels` interleaved channels
/// to `new_width` x `new_height`, one pass per dimension that changes.
///
/// The order of the passes matters to the last bit, as each rounds to the
/// sample type. Pillow 13 runs the vertical pass first when the height
/// shrinks by more than twice as many pixels as the width does (it then
/// leaves the horizontal pass fewer rows), and the horizontal pass first
/// otherwise; so does this. (Earlier Pillows always ran the horizontal
/// pass first, so their results differ by one level in some pixels.)
fn resample<S: Sample>(
    src: &[S],
    (width, height, channels): (usize, usize, usize),
    (new_width, new_height): (usize, usize),
    filter: Filter,
    pass: fn(&[S], Layout, &Weights, Layout, &mut [S]),
) -> Vec<S> {
    let shrink_height = height as i64 - new_height as i64;
    let shrink_width = width as i64 - new_width as i64;
    let vertical_first = shrink_height > 0 && shrink_height > shrink_width * 2;

    let mut current = src.to_vec();
    let (mut w, mut h) = (width, height);
    let horizontal = |current: &mut Vec<S>, w: &mut usize, h: usize| {
        if new_width == *w {
            return;
        }
        let weights = Weights::new(*w, new_width, filter);
        let mut out = vec![S::default(); new_width * h * channels];
        let rows = |line_step| Layout {
            channels,
            lines: h,
            line_step,
            pixel_step: 1,
        };
        pass(current, rows(*w), &weights, rows(new_width), &mut out);
        *current = out;
        *w = new_width;
    };
    let vertical = |current: &mut Vec<S>, w: usize, h: &mut usize| {
        if new_height == *h {
            return;
        }
        let weights = Weights::new(*h, new_height, filter);
        let mut out = vec![S::default(); w * new_height * channels];
        let columns = Layout {
            channels,
            lines: w,
            line_step: 1,
            pixel_step: w,
        };
        pass(current, columns, &weights, columns, &mut out);
        *current = out;
        *h = new_height;
    };
    if vertical_first {
        vertical(&mut current, w, &mut h);
        horizontal(&mut current, &mut w, h);
    } else {
        horizontal(&mut current, &mut w, h);
        vertical(&mut current, w, &mut h);
    }
    current
}

/// Pillow's `MULDIV255`: `a * b / 255`, rounded, in integers.
fn muldiv255(a: u8, b: u8) -> u8 {
    let t = a as u32 * b as u32 + 128;
    (((t >> 8) + t) >> 8) as u8
}

/// Multiplies the color channels by alpha (Pillow's `RGBA` to `RGBa`).
fn premultiply_u8(samples: &mut [u8], channels: usize) {
    for p in samples.chunks_exact_mut(channels) {
        let alpha = p[channels - 1];
        for v in &mut p[..channels - 1] {
            *v = muldiv255(*v, alpha);
        }
    }
}

/// Divides the color channels by alpha again (Pillow's `RGBa` to `RGBA`;
/// fully transparent and fully opaque pixels are left as they are).
fn unpremultiply_u8(samples: &mut [u8], channels: usize) {
    for p in samples.chunks_exact_mut(channels) {
        let alpha = p[channels - 1] as u32;
        if alpha != 0 && alpha != 255 {
            for v in &mut p[..channels - 1] {
                *v = (255 * *v as u32 / alpha).min(255) as u8;
            }
        }
    }
}

/// [`premultiply_u8`] for 16-bit and float samples, in `f64`.
fn premultiply_float<S: Sample>(samples: &mut [S], channels: usize) {
    for p in samples.chunks_exact_mut(channels) {
        let alpha = p[channels - 1].to_f64() / S::MAX;
        for v in &mut p[..channels - 1] {
            *v = S::from_f64(v.to_f64() * alpha);
        }
    }
}

/// [`unpremultiply_u8`] for 16-bit and float samples, in `f64`.
fn unpremultiply_float<S: Sample>(samples: &mut [S], channels: usize) {
    for p in samples.chunks_exact_mut(channels) {
        let alpha = p[channels - 1].to_f64() / S::MAX;
        if alpha > 0.0 && alpha != 1.0 {
            for v in &mut p[..channels - 1] {
                *v = S::from_f64(v.to_f64() / alpha);
            }
        }
    }
}

fn resize_u8(
    src: &[u8],
    dims: (usize, usize, usize),
    to: (usize, usize),
    filter: Filter,
    alpha: bool,
) -> Vec<u8> {
    let channels = dims.2;
    if !alpha {
        return resample(src, dims, to, filter, pass_u8);
    }
    let mut premultiplied = src.to_vec();
    premultiply_u8(&mut premultiplied, channels);
    let mut out = resample(&premultiplied, dims, to, filter, pass_u8);
    unpremultiply_u8(&mut out, channels);
    out
}

fn resize_float<S: Sample>(
    src: &[S],
    dims: (usize, usize, usize),
    to: (usize, usize),
    filter: Filter,
    alpha: bool,
) -> Vec<S> {
    let channels = dims.2;
    if !alpha {
        return resample(src, dims, to, filter, pass_float::<S>);
    }
    let mut premultiplied = src.to_vec();
    premultiply_float(&mut premultiplied, channels);
    let mut out = resample(&premultiplied, dims, to, filter, pass_float::<S>);
    unpremultiply_float(&mut out, channels);
    out
}

/// `image` resampled to `width` x `height` with `filter`. An image of that
/// size already is returned unchanged (Pillow copies it too); an empty
/// image stays empty, as there is nothing to sample (its pixels are all
/// zero when the target is not empty).
pub fn resize(
    image: ImageRef<'_>,
    width: u32,
    height: u32,
    filter: Filter,
) -> Result<Image, String> {
    let mode = image.mode();
    let dims = (
        image.width() as usize,
        image.height() as usize,
        mode.channels(),
    );
    let to = (width as usize, height as usize);
    let pixels = if dims.0 == 0 || dims.1 == 0 {
        let n = to.0 * to.1 * dims.2;
        map_pixels!(image.pixels(), |_v| vec![Default::default(); n])
    } else {
        let alpha = mode.has_alpha();
        match image.pixels() {
            PixelsRef::U8(v) => Pixels::U8(resize_u8(v, dims, to, filter, alpha)),
            PixelsRef::U16(v) => Pixels::U16(resize_float(v, dims, to, filter, alpha)),
            PixelsRef::F32(v) => Pixels::F32(resize_float(v, dims, to, filter, alpha)),
        }
    };
    Image::new(mode, width, height, pixels)
}

/// A convenience for the hashes: an 8-bit grayscale image resized.
pub fn resize_gray(
    gray: &[u8],
    width: usize,
    height: usize,
    to: (usize, usize),
    filter: Filter,
) -> Vec<u8> {
    resample(gray, (width, height, 1), to, filter, pass_u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::Mode;

    fn gray(width: u32, height: u32, pixels: Vec<u8>) -> Image {
        Image::new(Mode::L, width, height, Pixels::U8(pixels)).unwrap()
    }

    #[test]
    fn weights_of_each_output_pixel_sum_to_one_in_fixed_point() {
        for (from, to) in [(7, 3), (3, 7), (50, 9), (9, 50), (1, 5)] {
            for filter in [Filter::Bilinear, Filter::Lanczos] {
                let w = Weights::new(from, to, filter);
                let fixed = w.fixed();
                for k in fixed.chunks_exact(w.ksize) {
                    let sum: i64 = k.iter().sum();
                    // Each weight rounds by at most half a unit.
                    assert!((sum - (1 << PRECISION_BITS)).abs() <= w.ksize as i64);
                }
            }
        }
    }

    #[test]
    fn a_flat_image_stays_flat_at_any_size() {
        let img = gray(5, 4, vec![200; 20]);
        for (w, h) in [(1, 1), (3, 9), (11, 2)] {
            for filter in [Filter::Bilinear, Filter::Lanczos] {
                let out = resize(img.as_ref(), w, h, filter).unwrap();
                assert_eq!(out.pixels(), &Pixels::U8(vec![200; (w * h) as usize]));
            }
        }
    }

    #[test]
    fn the_same_size_is_a_copy_and_an_empty_image_gives_black() {
        let img = gray(3, 2, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(resize(img.as_ref(), 3, 2, Filter::Bilinear).unwrap(), img);
        let empty = gray(0, 0, vec![]);
        let out = resize(empty.as_ref(), 2, 2, Filter::Bilinear).unwrap();
        assert_eq!(out.pixels(), &Pixels::U8(vec![0; 4]));
    }

    #[test]
    fn halving_weighs_the_pixels_under_a_widened_triangle() {
        // 4 -> 2: the triangle spans two input pixels each side of the output's center
        // (1.0 and 3.0); clipped at the edges and renormalised, output 0 weighs inputs
        // 0, 1, 2 as 3/7, 3/7, 1/7: (0 * 3 + 100 * 3 + 200) / 7 = 71.4.
        let img = gray(4, 1, vec![0, 100, 200, 255]);
        let out = resize(img.as_ref(), 2, 1, Filter::Bilinear).unwrap();
        // Pillow: Image.frombytes("L", (4, 1), bytes([0, 100, 200, 255])).resize((2, 1), 2)
        assert_eq!(out.pixels(), &Pixels::U8(vec![71, 209]));
    }

    #[test]
    fn transparent_pixels_do_not_bleed_their_color() {
        // Red, opaque, next to a fully transparent green: straight averaging would mix in
        // the green; premultiplied, the result stays pure red (half transparent).
        let img = Image::new(
            Mode::RGBA,
            2,
            1,
            Pixels::U8(vec![255, 0, 0, 255, 0, 255, 0, 0]),
        )
        .unwrap();
        let out = resize(img.as_ref(), 1, 1, Filter::Bilinear).unwrap();
        assert_eq!(out.pixels(), &Pixels::U8(vec![255, 0, 0, 128]));
    }
}
