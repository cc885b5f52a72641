//! Locality-sensitive hashes of text: minhash (word n-grams) and simhash
//! (character n-grams), for near-duplicate detection.
//!
//! The n-grams' hashes come from the chosen `hash_function`; minhash's
//! permutations `(a * h + b) mod (2^61 - 1)` draw their `a` and `b` from a
//! generator seeded with `seed` (xoshiro-family `SmallRng` of the `rand`
//! crate), so signatures are stable for a seed in this engine. Daft 0.7.26
//! draws its permutations from another generator: signatures of the two
//! engines are not comparable with each other.

use std::sync::Arc;

use arrow::array::{ArrayRef, FixedSizeListArray, UInt32Array, UInt64Array};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sha1::Digest;

use crate::util::{function, Strs};

/// A hash of n-gram bytes.
#[derive(Clone, Copy)]
enum Hasher {
    Murmur3,
    Xxh32,
    Xxh64,
    Xxh3,
    Sha1,
}

fn hasher(function: &str, opts: &FunctionOptions, default: &str) -> DaftResult<Hasher> {
    match opts.str("hash_function").unwrap_or(default) {
        "murmurhash3" => Ok(Hasher::Murmur3),
        "xxhash32" => Ok(Hasher::Xxh32),
        "xxhash64" => Ok(Hasher::Xxh64),
        "xxhash" | "xxhash3_64" => Ok(Hasher::Xxh3),
        "sha1" => Ok(Hasher::Sha1),
        other => Err(DaftError::value_error(format!(
            "{function}: hash_function {other:?} is not one of \"murmurhash3\", \"xxhash\", \
             \"xxhash32\", \"xxhash64\", \"xxhash3_64\", \"sha1\""
        ))),
    }
}

impl Hasher {
    /// A 32-bit hash (minhash): MurmurHash3 x86_32 and XXH32 as they are,
    /// the 64-bit ones' low half, SHA-1's first 4 bytes little-endian.
    fn h32(self, bytes: &[u8], seed: u32) -> u32 {
        match self {
            Hasher::Murmur3 => {
                murmur3::murmur3_32(&mut std::io::Cursor::new(bytes), seed).unwrap_or(0)
            }
            Hasher::Xxh32 => xxhash_rust::xxh32::xxh32(bytes, seed),
            Hasher::Xxh64 => xxhash_rust::xxh64::xxh64(bytes, seed as u64) as u32,
            Hasher::Xxh3 => xxhash_rust::xxh3::xxh3_64_with_seed(bytes, seed as u64) as u32,
            Hasher::Sha1 => {
                let d = sha1::Sha1::digest(bytes);
                u32::from_le_bytes([d[0], d[1], d[2], d[3]])
            }
        }
    }

    /// A 64-bit hash (simhash), seed 0: MurmurHash3 x64_128's first half,
    /// XXH32 widened, SHA-1's first 8 bytes little-endian.
    fn h64(self, bytes: &[u8]) -> u64 {
        match self {
            Hasher::Murmur3 => {
                murmur3::murmur3_x64_128(&mut std::io::Cursor::new(bytes), 0).unwrap_or(0) as u64
            }
            Hasher::Xxh32 => xxhash_rust::xxh32::xxh32(bytes, 0) as u64,
            Hasher::Xxh64 => xxhash_rust::xxh64::xxh64(bytes, 0),
            Hasher::Xxh3 => xxhash_rust::xxh3::xxh3_64(bytes),
            Hasher::Sha1 => {
                let d = sha1::Sha1::digest(bytes);
                u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
            }
        }
    }
}

fn positive(function: &str, opts: &FunctionOptions, name: &str) -> DaftResult<usize> {
    match opts.int(name) {
        Some(v) if v > 0 && v <= 1 << 20 => Ok(v as usize),
        other => Err(DaftError::value_error(format!(
            "{function}: {name} must be a positive integer, got {other:?}"
        ))),
    }
}

const MERSENNE_PRIME: u64 = (1 << 61) - 1;

/// The word n-grams of `text` (tokens split on spaces, as Daft; a text of
/// fewer tokens is one n-gram), as byte ranges of it.
fn word_ngrams(text: &str, n: usize) -> Vec<&str> {
    let tokens: Vec<&str> = text.split(' ').collect();
    if tokens.len() <= n {
        return vec![text];
    }
    let starts: Vec<usize> = tokens
        .iter()
        .scan(0usize, |pos, t| {
            let start = *pos;
            *pos += t.len() + 1;
            Some(start)
        })
        .collect();
    (0..=tokens.len() - n)
        .map(|i| {
            let end = starts[i + n - 1] + tokens[i + n - 1].len();
            &text[starts[i]..end]
        })
        .collect()
}

fn minhash_type(opts: &FunctionOptions) -> DaftResult<DataType> {
    let k = positive("minhash", opts, "num_hashes")?;
    positive("minhash", opts, "ngram_size")?;
    hasher("minhash", opts, "murmurhash3")?;
    Ok(DataType::FixedSizeList(
        Arc::new(Field::new("item", DataType::UInt32, true)),
        k as i32,
    ))
}

fn minhash_def() -> FunctionDef {
    function(
        "minhash",
        r#"
The MinHash signature of each text: `num_hashes` minimums over its word n-grams.

Words are split on spaces and `ngram_size` consecutive words make an
n-gram (a text of fewer words is one n-gram). Each n-gram is hashed to 32
bits with `hash_function` and `seed`; slot i of the signature is the least
`(a_i * h + b_i) mod (2^61 - 1)` (low 32 bits) over the n-grams, with the
permutations drawn from `seed`. Two texts' signatures agree in about the
fraction of slots that their n-gram sets' Jaccard similarity says. The
text is not normalized. Stable for a seed in this engine; not comparable
with Daft 0.7.26's signatures (another permutation generator).

Args:
    text: A string expression.
    num_hashes: The signature's length.
    ngram_size: Words per n-gram.
    seed: The seed of the hashes and permutations (default 1).
    hash_function: "murmurhash3" (default), "xxhash" (XXH3-64),
        "xxhash32", "xxhash64", "xxhash3_64" or "sha1".

Returns:
    Expression: Fixed-size lists of `num_hashes` UInt32; null stays null.

Example:
    >>> df = daft.from_pydict({"t": ["the quick brown fox", None]})
    >>> df.select(daft.functions.minhash(daft.col("t"), num_hashes=4, ngram_size=2))
"#,
        vec![
            Param::expr("text", TypeClass::String),
            Param::required_option("num_hashes", OptionKind::Int),
            Param::required_option("ngram_size", OptionKind::Int),
            Param::option("seed", OptionKind::Int, OptionValue::Int(1)),
            Param::option(
                "hash_function",
                OptionKind::Str,
                OptionValue::Str("murmurhash3".into()),
            ),
        ],
        |_, opts| minhash_type(opts),
        |args, opts, n| {
            let out = minhash_type(opts)?;
            let k = positive("minhash", opts, "num_hashes")?;
            let ngram = positive("minhash", opts, "ngram_size")?;
            let h = hasher("minhash", opts, "murmurhash3")?;
            let seed = opts.int("seed").unwrap_or(1) as u64;
            let mut rng = SmallRng::seed_from_u64(seed);
            let perms: Vec<(u64, u64)> = (0..k)
                .map(|_| {
                    (
                        rng.random_range(1..1u64 << 32),
                        rng.random_range(0..1u64 << 32),
                    )
                })
                .collect();
            let s = Strs::new(&args[0], "text")?;
            let mut values: Vec<u32> = Vec::with_capacity(n * k);
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                let Some(text) = s.get(i) else {
                    valid.push(false);
                    values.extend(std::iter::repeat_n(0, k));
                    continue;
                };
                valid.push(true);
                let hashes: Vec<u64> = word_ngrams(text, ngram)
                    .into_iter()
                    .map(|g| h.h32(g.as_bytes(), seed as u32) as u64)
                    .collect();
                values.extend(perms.iter().map(|&(a, b)| {
                    hashes
                        .iter()
                        .map(|&x| ((a * x + b) % MERSENNE_PRIME) as u32)
                        .min()
                        .unwrap_or(u32::MAX)
                }));
            }
            let DataType::FixedSizeList(item, _) = out else {
                unreachable!("minhash_type is a fixed-size list")
            };
            let nulls = NullBuffer::from(valid);
            Ok(Arc::new(FixedSizeListArray::try_new(
                item,
                k as i32,
                Arc::new(UInt32Array::from(values)) as ArrayRef,
                (nulls.null_count() > 0).then_some(nulls),
            )?))
        },
    )
}
inventory::submit! { BuiltinFunction(minhash_def) }

/// SimHash of the character n-grams of `text` (a text shorter than `n`
/// characters is one n-gram; an empty text has none and hashes to 0).
fn simhash(text: &str, n: usize, h: Hasher) -> u64 {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let chars = bounds.len() - 1;
    let grams: Vec<&str> = if chars == 0 {
        vec![]
    } else if chars <= n {
        vec![text]
    } else {
        (0..=chars - n)
            .map(|i| &text[bounds[i]..bounds[i + n]])
            .collect()
    };
    let mut votes = [0i64; 64];
    for g in grams {
        let x = h.h64(g.as_bytes());
        for (bit, v) in votes.iter_mut().enumerate() {
            *v += if x >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    votes
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .fold(0u64, |acc, (bit, _)| acc | 1 << bit)
}

fn simhash_def() -> FunctionDef {
    function(
        "simhash",
        r#"
The 64-bit SimHash fingerprint of each text, from its character n-grams.

Each n-gram of `ngram_size` characters is hashed to 64 bits; bit i of the
fingerprint is set where more n-grams have it set than not. Similar texts
get fingerprints a small Hamming distance apart (see hamming_distance). A
text shorter than `ngram_size` is one n-gram; an empty text is 0.

Args:
    text: A string expression.
    ngram_size: Characters per n-gram (default 3).
    hash_function: "xxhash3_64" (default, also "xxhash"), "xxhash64",
        "xxhash32" (widened), "murmurhash3" (x64_128's first half) or
        "sha1" (first 8 bytes).

Returns:
    Expression: UInt64 fingerprints; null stays null.

Example:
    >>> df = daft.from_pydict({"t": ["hello world", "hello world!", None]})
    >>> df.select(daft.functions.simhash(daft.col("t")))
"#,
        vec![
            Param::expr("text", TypeClass::String),
            Param::option("ngram_size", OptionKind::Int, OptionValue::Int(3)),
            Param::option(
                "hash_function",
                OptionKind::Str,
                OptionValue::Str("xxhash3_64".into()),
            ),
        ],
        |_, opts| {
            positive("simhash", opts, "ngram_size")?;
            hasher("simhash", opts, "xxhash3_64")?;
            Ok(DataType::UInt64)
        },
        |args, opts, n| {
            let size = positive("simhash", opts, "ngram_size")?;
            let h = hasher("simhash", opts, "xxhash3_64")?;
            let s = Strs::new(&args[0], "text")?;
            let out: UInt64Array = (0..n)
                .map(|i| s.get(i).map(|t| simhash(t, size, h)))
                .collect();
            Ok(Arc::new(out))
        },
    )
}
inventory::submit! { BuiltinFunction(simhash_def) }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_ngrams_slide_over_space_separated_tokens() {
        assert_eq!(word_ngrams("a b c d", 2), vec!["a b", "b c", "c d"]);
        assert_eq!(word_ngrams("a b", 3), vec!["a b"]);
        assert_eq!(word_ngrams("", 1), vec![""]);
    }

    #[test]
    fn simhash_of_equal_texts_is_equal_and_of_the_empty_text_zero() {
        assert_eq!(simhash("", 3, Hasher::Xxh3), 0);
        assert_eq!(
            simhash("hello world", 3, Hasher::Xxh3),
            simhash("hello world", 3, Hasher::Xxh3)
        );
    }
}
