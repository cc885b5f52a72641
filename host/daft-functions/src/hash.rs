//! Hashing: a fast 64-bit hash and hex digests of cryptographic hashes.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, GenericByteArray, OffsetSizeTrait, UInt64Array};
use arrow::datatypes::{ByteArrayType, DataType, Field};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};
use sha2::Digest;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::util::{build_strings, function, Bytes};

fn hash_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    let dt = args[0].data_type();
    if Bytes::supports(dt) {
        Ok(DataType::UInt64)
    } else {
        Err(DaftError::type_error(format!(
            "argument `expr` has type {}; expected a string, binary, boolean, number or \
             temporal type",
            display_data_type(dt)
        )))
    }
}

fn hash_def() -> FunctionDef {
    function(
        "hash",
        r#"
Hashes each value to a 64-bit integer with XXH3.

The hash covers the value's bytes: UTF-8 for strings, the raw bytes for
binary, one byte (0 or 1) for booleans and the little-endian bytes for
numbers and temporal types. Equal values of the same type hash equally
across runs and machines; values of different types (Int32 1 and Int64 1)
generally do not.

Args:
    expr: An expression of a string, binary, boolean, number or temporal type.
    seed: The hash seed (default 0); a negative seed is used as its
        two's-complement unsigned value.

Returns:
    Expression: The hashes as UInt64. A null hashes to XXH3 of no bytes
    with seed 0 (3244421341483603138) whatever the seed, as in Daft.

Example:
    >>> df = daft.from_pydict({"s": ["a", "b", None]})
    >>> df.select(daft.functions.hash(daft.col("s"), seed=42))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::option("seed", OptionKind::Int, OptionValue::Int(0)),
        ],
        hash_rule,
        |args, opts, n| {
            let seed = opts.int("seed").unwrap_or(0) as u64;
            let a = &args[0];
            // Daft hashes a null as no bytes with seed 0, so nulls of any
            // column collide with each other and with nothing else.
            let null_hash = xxh3_64_with_seed(b"", 0);
            let mut hashes = match fast_hashes(a, seed) {
                Some(h) => h,
                None => {
                    let bytes = Bytes::new(a).ok_or_else(|| {
                        DaftError::Internal(format!("hash: unsupported type {}", a.data_type()))
                    })?;
                    (0..n)
                        .map(|i| {
                            bytes
                                .with(i, |b| xxh3_64_with_seed(b, seed))
                                .unwrap_or(null_hash)
                        })
                        .collect()
                }
            };
            if let Some(nulls) = a.logical_nulls() {
                for i in nulls
                    .iter()
                    .enumerate()
                    .filter(|(_, valid)| !valid)
                    .map(|(i, _)| i)
                {
                    hashes[i] = null_hash;
                }
            }
            // Never null: a null has its own hash.
            Ok(Arc::new(UInt64Array::from(hashes)))
        },
    )
}
inventory::submit! { BuiltinFunction(hash_def) }

/// The hashes of every row of a primitive or string column, read straight
/// from its buffers (null rows hash whatever bytes they hold; the caller
/// replaces them), or `None` for other types. The hot path of `hash`: the
/// per-row accessors cost more than XXH3 of a short value.
fn fast_hashes(a: &ArrayRef, seed: u64) -> Option<Vec<u64>> {
    fn fixed<const W: usize>(values: &[u8], seed: u64) -> Vec<u64> {
        match W {
            4 | 8 => xxh3_words::<W>(values, xxh3_flip_4to8(seed)),
            _ => values
                .chunks_exact(W)
                .map(|c| xxh3_64_with_seed(c, seed))
                .collect(),
        }
    }
    fn strings<O: OffsetSizeTrait>(
        a: &GenericByteArray<impl ByteArrayType<Offset = O>>,
        seed: u64,
    ) -> Vec<u64> {
        let data = a.value_data();
        a.value_offsets()
            .windows(2)
            .map(|w| xxh3_64_with_seed(&data[w[0].as_usize()..w[1].as_usize()], seed))
            .collect()
    }
    let dt = a.data_type();
    Some(match dt {
        DataType::Utf8 => strings(a.as_string::<i32>(), seed),
        DataType::LargeUtf8 => strings(a.as_string::<i64>(), seed),
        DataType::Binary => strings(a.as_binary::<i32>(), seed),
        DataType::LargeBinary => strings(a.as_binary::<i64>(), seed),
        dt if dt.is_primitive() => {
            let data = a.to_data();
            let width = dt.primitive_width()?;
            let start = data.offset() * width;
            let values = &data.buffers()[0].as_slice()[start..start + a.len() * width];
            match width {
                1 => fixed::<1>(values, seed),
                2 => fixed::<2>(values, seed),
                4 => fixed::<4>(values, seed),
                8 => fixed::<8>(values, seed),
                16 => fixed::<16>(values, seed),
                32 => fixed::<32>(values, seed),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// XXH3-64 of each `W`-byte value (4 or 8) of `values`, with the key
/// `flip` of [`xxh3_flip_4to8`]. XXH3's short path is inlined with its
/// constants hoisted out of the loop (the crate's per-call length dispatch
/// cost twice the hash itself), and compiled for AVX2 as well where the CPU
/// has it: four 64-bit lanes instead of SSE2's two take 0.8 ns a value
/// instead of 2.1 (a 131,072-row batch in cache, on this project's AMD EPYC).
fn xxh3_words<const W: usize>(values: &[u8], flip: u64) -> Vec<u64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the one requirement of a `#[target_feature]` function is
        // that the CPU has the feature, checked on the line above.
        return unsafe { xxh3_words_avx2::<W>(values, flip) };
    }
    xxh3_words_portable::<W>(values, flip)
}

/// [`xxh3_words_portable`] compiled with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn xxh3_words_avx2<const W: usize>(values: &[u8], flip: u64) -> Vec<u64> {
    xxh3_words_portable::<W>(values, flip)
}

/// The loop of [`xxh3_words`], inlined into each caller so that it is
/// compiled with the caller's target features. A plain `for` loop: the
/// loops of `collect` and `extend` stay in functions of their own, compiled
/// without those features (seen in `perf annotate`: SSE2 only).
#[inline(always)]
fn xxh3_words_portable<const W: usize>(values: &[u8], flip: u64) -> Vec<u64> {
    let n = values.len() / W;
    let mut out = Vec::with_capacity(n);
    let slots = &mut out.spare_capacity_mut()[..n];
    if W == 8 {
        for (slot, c) in slots.iter_mut().zip(values.chunks_exact(8)) {
            // One 8-byte load (`chunks_exact` guarantees the length).
            let v = u64::from_le_bytes(c.try_into().unwrap_or_default());
            slot.write(xxh3_4to8(v as u32, (v >> 32) as u32, 8, flip));
        }
    } else {
        for (slot, c) in slots.iter_mut().zip(values.chunks_exact(4)) {
            let v = u32::from_le_bytes(c.try_into().unwrap_or_default());
            slot.write(xxh3_4to8(v, v, 4, flip));
        }
    }
    // SAFETY: the loop above wrote all `n` slots: `values` holds exactly
    // `n` chunks of `W` bytes (any remainder is not a value), one a slot.
    unsafe { out.set_len(n) };
    out
}

/// XXH3-64's key for inputs of 4 to 8 bytes with `seed`: bytes 8..24 of
/// the specification's default secret, folded, less the mixed seed.
fn xxh3_flip_4to8(seed: u64) -> u64 {
    const SECRET_8: u64 = 0x1cad_21f7_2c81_017c;
    const SECRET_16: u64 = 0xdb97_9083_e96d_d4de;
    let seed = seed ^ (u64::from((seed as u32).swap_bytes()) << 32);
    (SECRET_8 ^ SECRET_16).wrapping_sub(seed)
}

/// XXH3-64 of a `len`-byte input (4 to 8) whose first four bytes read as
/// `first` and last four as `last` (little-endian), given its key `flip`.
#[inline(always)]
fn xxh3_4to8(first: u32, last: u32, len: u64, flip: u64) -> u64 {
    let mut h = (u64::from(last).wrapping_add(u64::from(first) << 32)) ^ flip;
    h ^= h.rotate_left(49) ^ h.rotate_left(24);
    h = h.wrapping_mul(0x9FB2_1C65_1E98_DF25);
    h ^= (h >> 35).wrapping_add(len);
    h = h.wrapping_mul(0x9FB2_1C65_1E98_DF25);
    h ^ (h >> 28)
}

/// Writes `bytes` as lowercase hex.
fn push_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
}

fn digest_def<D: Digest>(name: &'static str, algorithm: &str, hex_len: usize) -> FunctionDef {
    function(
        name,
        &format!(
            r#"
Returns the {algorithm} digest of each value as a hex string.

Strings are hashed as their UTF-8 bytes.

Args:
    expr: A string or binary expression.

Returns:
    Expression: {hex_len}-character lowercase hex digests (Utf8); null stays null.

Example:
    >>> df = daft.from_pydict({{"s": ["hello", None]}})
    >>> df.select(daft.functions.{name}(daft.col("s")))
"#
        ),
        vec![Param::expr("expr", TypeClass::BinaryLike)],
        |_, _| Ok(DataType::Utf8),
        move |args, _, n| {
            let bytes = Bytes::new(&args[0]).ok_or_else(|| {
                DaftError::Internal(format!("{name}: unsupported type {}", args[0].data_type()))
            })?;
            build_strings(&DataType::Utf8, n, |i, buf| {
                Ok(bytes.with(i, |b| push_hex(&D::digest(b), buf)).is_some())
            })
        },
    )
}
inventory::submit! { BuiltinFunction(|| digest_def::<md5::Md5>("md5", "MD5", 32)) }
inventory::submit! { BuiltinFunction(|| digest_def::<sha1::Sha1>("sha1", "SHA-1", 40)) }
inventory::submit! { BuiltinFunction(|| digest_def::<sha2::Sha256>("sha256", "SHA-256", 64)) }

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Int32Array, Int64Array, StringArray,
        UInt64Array,
    };
    use arrow::datatypes::UInt64Type;
    use daft_core::options::OptionValue;
    use xxhash_rust::xxh3::xxh3_64_with_seed;

    use super::{xxh3_4to8, xxh3_flip_4to8, xxh3_words, xxh3_words_portable};

    use crate::util::testing::run;

    #[test]
    fn hash_covers_strings_numbers_and_booleans_with_seed() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None]));
        let out = run("hash", &[a], &[("seed", OptionValue::Int(7))]);
        assert_eq!(
            out.as_ref(),
            &UInt64Array::from(vec![
                Some(xxh3_64_with_seed(b"a", 7)),
                Some(xxh3_64_with_seed(b"", 0))
            ]) as &dyn Array
        );
        let a: ArrayRef = Arc::new(BooleanArray::from(vec![true]));
        let out = run("hash", &[a], &[]);
        assert_eq!(
            out.as_primitive::<UInt64Type>().value(0),
            xxh3_64_with_seed(&[1], 0)
        );
    }

    #[test]
    fn hash_of_sliced_numbers_reads_the_right_rows() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(0),
            Some(1),
            Some(2),
            Some(3),
            None,
            Some(5),
            Some(6),
            Some(7),
        ]));
        let out = run("hash", &[a.slice(3, 5)], &[]);
        let expect = |v: i64| Some(xxh3_64_with_seed(&v.to_le_bytes(), 0));
        assert_eq!(
            out.as_ref(),
            &UInt64Array::from(vec![
                expect(3),
                Some(xxh3_64_with_seed(b"", 0)),
                expect(5),
                expect(6),
                expect(7)
            ]) as &dyn Array
        );
        let b: ArrayRef = Arc::new(Int32Array::from(vec![3]));
        let out = run("hash", &[b], &[]);
        assert_eq!(
            out.as_primitive::<UInt64Type>().value(0),
            xxh3_64_with_seed(&3i32.to_le_bytes(), 0)
        );
    }

    #[test]
    fn the_inlined_short_xxh3_equals_the_crates_for_4_and_8_byte_values() {
        let seeds = [
            0u64,
            1,
            42,
            0xdead_beef,
            u64::MAX,
            1 << 32,
            0x0123_4567_89ab_cdef,
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for seed in seeds {
            let flip = xxh3_flip_4to8(seed);
            for _ in 0..2000 {
                // splitmix64: values over the whole range, sign bits included
                x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let v = (x ^ (x >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                let b = v.to_le_bytes();
                let (lo, hi) = (v as u32, (v >> 32) as u32);
                assert_eq!(xxh3_4to8(lo, hi, 8, flip), xxh3_64_with_seed(&b, seed));
                assert_eq!(xxh3_4to8(lo, lo, 4, flip), xxh3_64_with_seed(&b[..4], seed));
            }
            // The loop, in the version this CPU runs (AVX2 or not) and the
            // portable one.
            let bytes: Vec<u8> = (0..1000u64)
                .flat_map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes())
                .collect();
            for (w, got) in [
                (8, xxh3_words::<8>(&bytes, flip)),
                (4, xxh3_words::<4>(&bytes, flip)),
                (8, xxh3_words_portable::<8>(&bytes, flip)),
                (4, xxh3_words_portable::<4>(&bytes, flip)),
            ] {
                let want: Vec<u64> = bytes
                    .chunks_exact(w)
                    .map(|c| xxh3_64_with_seed(c, seed))
                    .collect();
                assert_eq!(got, want, "width {w}, seed {seed}");
            }
        }
    }

    #[test]
    fn digests_are_lowercase_hex() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("abc"), None]));
        let out = run("md5", std::slice::from_ref(&a), &[]);
        let expected: ArrayRef = Arc::new(StringArray::from(vec![
            Some("900150983cd24fb0d6963f7d28e17f72"),
            None,
        ]));
        assert_eq!(&out, &expected);
        let out = run("sha1", std::slice::from_ref(&a), &[]);
        assert_eq!(
            out.as_string::<i32>().value(0),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        let bin: ArrayRef = Arc::new(BinaryArray::from(vec![&b"abc"[..]]));
        let out = run("sha256", &[bin], &[]);
        assert_eq!(
            out.as_string::<i32>().value(0),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
