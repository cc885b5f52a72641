//! Perceptual hashes that agree bit for bit with the `imagehash` package
//! (4.3), which users compare against.
//!
//! Every method first does what `imagehash` does with a Pillow image:
//! `convert("L")` (Pillow's integer luma, [`crate::pixels::convert`]),
//! then `resize(..., Image.LANCZOS)` ([`crate::resample`], Pillow's
//! algorithm), then compares pixels or DCT coefficients. The bits are
//! packed row by row, first bit in the most significant bit of the first
//! byte, and the last byte padded with zeros: `numpy.packbits` of
//! `ImageHash.hash.flatten()`, the layout Daft 0.7.26 uses. (Daft's own
//! hashes differ from `imagehash` in a few bits of most images: it
//! converts to gray and resizes with other formulas.)

use crate::mode::Mode;
use crate::pixels::{convert, ImageRef, Pixels};
use crate::resample::{resize_gray, Filter};

/// A hash method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `imagehash.average_hash`: pixels above the mean.
    AHash,
    /// `imagehash.dhash`: each pixel brighter than its left neighbour.
    DHash,
    /// `imagehash.dhash_vertical`: each pixel brighter than the one above.
    DHashVertical,
    /// `imagehash.phash`: 2-D DCT coefficients above their median.
    PHash,
    /// `imagehash.phash_simple`: row DCT coefficients above their mean.
    PHashSimple,
}

/// The methods this pack computes, by the names Daft uses.
pub const METHODS: &[(&str, Method)] = &[
    ("phash", Method::PHash),
    ("phash_simple", Method::PHashSimple),
    ("dhash", Method::DHash),
    ("dhash_vertical", Method::DHashVertical),
    ("ahash", Method::AHash),
];

/// Daft's methods that this pack does not compute.
pub const NOT_IMPLEMENTED: &[&str] = &["whash", "crop_resistant", "colorhash"];

/// The smallest and largest `hash_size` accepted. `imagehash` refuses
/// sizes below 2; the upper bound keeps a hash (and phash's DCT, which is
/// quadratic in `4 * hash_size`) cheap.
pub const HASH_SIZES: std::ops::RangeInclusive<i64> = 2..=64;

/// `imagehash`'s `highfreq_factor`: phash transforms a 4x larger image.
const HIGHFREQ_FACTOR: usize = 4;

impl Method {
    /// The method called `name`, if this pack computes it.
    pub fn parse(name: &str) -> Option<Method> {
        METHODS.iter().find(|(n, _)| *n == name).map(|&(_, m)| m)
    }

    /// The names this pack computes, for messages.
    pub fn names() -> String {
        METHODS
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The number of bytes of a hash of `hash_size` (`hash_size²` bits).
pub fn hash_bytes(hash_size: usize) -> usize {
    (hash_size * hash_size).div_ceil(8)
}

/// Packs bits most significant first, padding the last byte with zeros.
fn pack(bits: impl Iterator<Item = bool>, out: &mut Vec<u8>) {
    let mut byte = 0u8;
    let mut used = 0;
    for bit in bits {
        byte = (byte << 1) | bit as u8;
        used += 1;
        if used == 8 {
            out.push(byte);
            byte = 0;
            used = 0;
        }
    }
    if used > 0 {
        out.push(byte << (8 - used));
    }
}

/// The image as 8-bit grayscale, shrunk (or grown) to `width` x `height`.
fn gray_thumbnail(image: ImageRef<'_>, width: usize, height: usize) -> Vec<u8> {
    let gray = convert(image, Mode::L);
    let Pixels::U8(samples) = gray.pixels() else {
        unreachable!("convert to L gives 8-bit samples")
    };
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    if w == 0 || h == 0 {
        // Pillow refuses to resize an empty image; a hash of nothing is
        // the hash of black.
        return vec![0; width * height];
    }
    resize_gray(samples, w, h, (width, height), Filter::Lanczos)
}

/// scipy's unnormalised DCT-II of `x`: `y[k] = 2 Σ x[n] cos(π k (2n + 1) / 2N)`.
/// `cos` is a table of `N * N` values, `cos[k * N + n]`.
///
/// A coefficient that is zero in exact arithmetic comes out of the direct
/// sum as rounding noise of either sign, while scipy's FFT gives exactly
/// zero in the common cases (a constant line: flat images, images one
/// pixel wide or tall). The hashes compare coefficients with their median
/// or mean, which is then zero too, so noise would set bits that
/// `imagehash` leaves clear; coefficients below 1e-9 of the line's
/// magnitude are therefore taken as zero. Real coefficients of 8-bit
/// pixels are many orders of magnitude larger.
fn dct(x: &[f64], cos: &[f64], out: &mut [f64]) {
    let n = x.len();
    let magnitude: f64 = x.iter().map(|v| v.abs()).sum();
    for (k, y) in out.iter_mut().enumerate() {
        let row = &cos[k * n..(k + 1) * n];
        let sum = 2.0 * x.iter().zip(row).map(|(a, c)| a * c).sum::<f64>();
        *y = if sum.abs() <= magnitude * 1e-9 {
            0.0
        } else {
            sum
        };
    }
}

fn cos_table(n: usize) -> Vec<f64> {
    let mut table = Vec::with_capacity(n * n);
    for k in 0..n {
        for i in 0..n {
            table.push(
                (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2 * n) as f64).cos(),
            );
        }
    }
    table
}

/// The DCT of each row of a `size` x `size` image.
fn dct_rows(pixels: &[f64], size: usize, cos: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; size * size];
    for (row, dst) in pixels.chunks_exact(size).zip(out.chunks_exact_mut(size)) {
        dct(row, cos, dst);
    }
    out
}

fn transpose(m: &[f64], size: usize) -> Vec<f64> {
    let mut out = vec![0.0; size * size];
    for r in 0..size {
        for c in 0..size {
            out[c * size + r] = m[r * size + c];
        }
    }
    out
}

/// Appends the `hash_size²`-bit hash of `image` by `method` to `out`
/// ([`hash_bytes`] bytes).
pub fn hash(image: ImageRef<'_>, method: Method, hash_size: usize, out: &mut Vec<u8>) {
    let n = hash_size;
    match method {
        Method::AHash => {
            let px = gray_thumbnail(image, n, n);
            // `pixels > mean` exactly, in integers: p > sum / len.
            let sum: u64 = px.iter().map(|&p| p as u64).sum();
            let len = px.len() as u64;
            pack(px.iter().map(|&p| p as u64 * len > sum), out);
        }
        Method::DHash => {
            let px = gray_thumbnail(image, n + 1, n);
            let bits = px
                .chunks_exact(n + 1)
                .flat_map(|row| row.windows(2).map(|w| w[1] > w[0]));
            pack(bits, out);
        }
        Method::DHashVertical => {
            let px = gray_thumbnail(image, n, n + 1);
            let bits = (0..n).flat_map(|r| {
                let px = &px;
                (0..n).map(move |c| px[(r + 1) * n + c] > px[r * n + c])
            });
            pack(bits, out);
        }
        Method::PHash => {
            let size = n * HIGHFREQ_FACTOR;
            let px: Vec<f64> = gray_thumbnail(image, size, size)
                .iter()
                .map(|&p| p as f64)
                .collect();
            let cos = cos_table(size);
            // scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1):
            // columns first, then rows.
            let columns = transpose(&dct_rows(&transpose(&px, size), size, &cos), size);
            let both = dct_rows(&columns, size, &cos);
            let low: Vec<f64> = (0..n)
                .flat_map(|r| both[r * size..r * size + n].to_vec())
                .collect();
            let mut sorted = low.clone();
            sorted.sort_by(f64::total_cmp);
            let mid = sorted.len() / 2;
            let median = if sorted.len().is_multiple_of(2) {
                (sorted[mid - 1] + sorted[mid]) / 2.0
            } else {
                sorted[mid]
            };
            pack(low.iter().map(|&v| v > median), out);
        }
        Method::PHashSimple => {
            let size = n * HIGHFREQ_FACTOR;
            let px: Vec<f64> = gray_thumbnail(image, size, size)
                .iter()
                .map(|&p| p as f64)
                .collect();
            let rows = dct_rows(&px, size, &cos_table(size));
            let low: Vec<f64> = (0..n)
                .flat_map(|r| rows[r * size + 1..r * size + n + 1].to_vec())
                .collect();
            let mean = low.iter().sum::<f64>() / low.len() as f64;
            pack(low.iter().map(|&v| v > mean), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixels::Image;

    #[test]
    fn bits_pack_most_significant_first_with_zero_padding() {
        let mut out = Vec::new();
        pack(
            [true, false, false, false, false, false, false, true, true].into_iter(),
            &mut out,
        );
        assert_eq!(out, vec![0b1000_0001, 0b1000_0000]);
        assert_eq!(hash_bytes(8), 8);
        assert_eq!(hash_bytes(3), 2);
    }

    #[test]
    fn a_flat_image_has_an_all_zero_average_hash() {
        let img = Image::new(Mode::L, 9, 9, Pixels::U8(vec![77; 81])).unwrap();
        let mut out = Vec::new();
        hash(img.as_ref(), Method::AHash, 8, &mut out);
        assert_eq!(out, vec![0; 8]);
    }

    #[test]
    fn the_dct_matches_its_definition_on_a_cosine() {
        // x[n] = cos(π (2n + 1) / 2N) puts all of its energy in y[1] = N.
        let n = 8;
        let cos = cos_table(n);
        let x: Vec<f64> = cos[n..2 * n].to_vec();
        let mut y = vec![0.0; n];
        dct(&x, &cos, &mut y);
        assert!((y[1] - n as f64).abs() < 1e-9);
        assert!(y.iter().enumerate().all(|(k, v)| k == 1 || v.abs() < 1e-9));
    }
}
