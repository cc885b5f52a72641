//! Similarity and distance: edit distances (on the `strsim` crate) and Jaro
//! similarities (on `rapidfuzz`'s bit-parallel algorithm) of strings,
//! counting Unicode characters, the Hamming
//! distance of strings and of bit fingerprints, and the vector measures of
//! embeddings (`cosine_similarity`, `cosine_distance`, `dot_product`,
//! `euclidean_distance`, `pearson_correlation`).
//!
//! The text plugin pack keeps its own `levenshtein` and `jaro_winkler`
//! (normalized similarities); these are Daft 0.7.26's names and types.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use arrow::datatypes::{DataType, Field, Float64Type, UInt64Type};
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};

use crate::nested::{item_field, Lists};
use crate::util::{cast_to, function};

fn utf8(a: &ArrayRef) -> DaftResult<arrow::array::StringArray> {
    Ok(cast_to(a, &DataType::Utf8)?.as_string::<i32>().clone())
}

fn pair<'a>(
    a: &'a arrow::array::StringArray,
    b: &'a arrow::array::StringArray,
    i: usize,
) -> Option<(&'a str, &'a str)> {
    (a.is_valid(i) && b.is_valid(i)).then(|| (a.value(i), b.value(i)))
}

/// A measure of two strings, as plain data.
struct StrFn {
    name: &'static str,
    summary: &'static str,
    returns: &'static str,
    out: DataType,
    measure: Measure,
}

#[derive(Clone, Copy)]
enum Measure {
    Count(fn(&str, &str) -> Option<usize>),
    Ratio(fn(&str, &str) -> f64),
}

fn str_fn(f: &'static StrFn) -> FunctionDef {
    let doc = format!(
        r#"
{summary}

Strings compare by Unicode characters (code points).

Args:
    left: A string expression.
    right: A string expression.

Returns:
    Expression: {returns}; null where either is null.

Example:
    >>> df = daft.from_pydict({{"a": ["kitten", None], "b": ["sitting", "x"]}})
    >>> df.select(daft.functions.{name}(daft.col("a"), daft.col("b")))
"#,
        summary = f.summary,
        returns = f.returns,
        name = f.name,
    );
    function(
        f.name,
        &doc,
        vec![
            Param::expr("left", TypeClass::String),
            Param::expr("right", TypeClass::String),
        ],
        move |_, _| Ok(f.out.clone()),
        move |args, _, n| {
            let (a, b) = (utf8(&args[0])?, utf8(&args[1])?);
            Ok(match f.measure {
                Measure::Count(m) => Arc::new(
                    (0..n)
                        .map(|i| pair(&a, &b, i).and_then(|(x, y)| m(x, y)).map(|d| d as i64))
                        .collect::<Int64Array>(),
                ) as ArrayRef,
                Measure::Ratio(m) => Arc::new(
                    (0..n)
                        .map(|i| pair(&a, &b, i).map(|(x, y)| m(x, y)))
                        .collect::<Float64Array>(),
                ),
            })
        },
    )
}

macro_rules! str_measure {
    ($konst:ident, $name:literal, $summary:literal, $returns:literal, $out:expr, $m:expr) => {
        const $konst: StrFn = StrFn {
            name: $name,
            summary: $summary,
            returns: $returns,
            out: $out,
            measure: $m,
        };
        inventory::submit! { BuiltinFunction(|| str_fn(&$konst)) }
    };
}

str_measure!(
    LEVENSHTEIN,
    "levenshtein_distance",
    "The Levenshtein distance of two strings: the fewest single-character insertions, deletions and substitutions that turn one into the other.",
    "Int64 distances",
    DataType::Int64,
    Measure::Count(|a, b| Some(strsim::levenshtein(a, b)))
);
str_measure!(
    DAMERAU,
    "damerau_levenshtein_distance",
    "The Damerau-Levenshtein distance of two strings: as Levenshtein's, with a swap of two adjacent characters counting as one edit.",
    "Int64 distances",
    DataType::Int64,
    Measure::Count(|a, b| Some(strsim::damerau_levenshtein(a, b)))
);
str_measure!(
    HAMMING_STR,
    "hamming_distance_str",
    "The Hamming distance of two strings of equal length: at how many places their characters differ.",
    "Int64 distances; null where the lengths differ, as in Daft",
    DataType::Int64,
    Measure::Count(|a, b| strsim::hamming(a, b).ok())
);
str_measure!(
    JARO,
    "jaro_similarity",
    "The Jaro similarity of two strings, from 0 (nothing in common) to 1 (equal).",
    "Float64 similarities (two empty strings are 1)",
    DataType::Float64,
    Measure::Ratio(jaro)
);
str_measure!(
    JARO_WINKLER,
    "jaro_winkler_similarity",
    "The Jaro-Winkler similarity of two strings: Jaro's, raised for a common prefix of up to four characters.",
    "Float64 similarities from 0 to 1",
    DataType::Float64,
    Measure::Ratio(jaro_winkler)
);

/// Jaro on bytes when both strings are ASCII (the same characters, and
/// several times faster than decoding them), else on characters.
fn jaro(a: &str, b: &str) -> f64 {
    use rapidfuzz::distance::jaro::similarity;
    if a.is_ascii() && b.is_ascii() {
        similarity(a.bytes(), b.bytes())
    } else {
        similarity(a.chars(), b.chars())
    }
}

fn jaro_winkler(a: &str, b: &str) -> f64 {
    use rapidfuzz::distance::jaro_winkler::similarity;
    if a.is_ascii() && b.is_ascii() {
        similarity(a.bytes(), b.bytes())
    } else {
        similarity(a.chars(), b.chars())
    }
}

// ---------------------------------------------------------------------------
// Hamming distance of bit fingerprints

fn hamming_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    let (a, b) = (args[0].data_type(), args[1].data_type());
    match (a, b) {
        (DataType::FixedSizeBinary(x), DataType::FixedSizeBinary(y)) if x == y => {}
        _ if (a.is_integer() || a == &DataType::Null)
            && (b.is_integer() || b == &DataType::Null) => {}
        _ => {
            return Err(DaftError::type_error(format!(
                "hamming_distance: both inputs must be integers, or fixed-size binaries of one \
                 size (image_hash gives those); got {} and {}",
                display_data_type(a),
                display_data_type(b)
            )))
        }
    }
    Ok(DataType::UInt64)
}

fn hamming_def() -> FunctionDef {
    function(
        "hamming_distance",
        r#"
The number of bits in which two fingerprints differ.

Fingerprints are integers (compared as 64-bit patterns) or fixed-size
binaries of one size, such as `image_hash` gives.

Args:
    left: An integer or fixed-size binary expression.
    right: An expression of the same kind.

Returns:
    Expression: UInt64 bit counts; null where either is null.

Example:
    >>> df = daft.from_pydict({"a": [0b1011, 7, None], "b": [0b0001, 7, 1]})
    >>> df.select(daft.functions.hamming_distance(daft.col("a"), daft.col("b")))
"#,
        vec![
            Param::expr("left", TypeClass::Any),
            Param::expr("right", TypeClass::Any),
        ],
        hamming_rule,
        |args, _, n| {
            let (a, b) = (&args[0], &args[1]);
            if let (DataType::FixedSizeBinary(_), DataType::FixedSizeBinary(_)) =
                (a.data_type(), b.data_type())
            {
                let (a, b) = (a.as_fixed_size_binary(), b.as_fixed_size_binary());
                return Ok(crate::util::build_prims::<UInt64Type>(n, |i| {
                    (a.is_valid(i) && b.is_valid(i)).then(|| {
                        a.value(i)
                            .iter()
                            .zip(b.value(i))
                            .map(|(x, y)| (x ^ y).count_ones() as u64)
                            .sum()
                    })
                }));
            }
            // Each as its 64-bit pattern: a negative Int8 is sign-extended,
            // as the value is, so -1 and -1i64 agree.
            let bits = |x: &ArrayRef| -> DaftResult<arrow::array::UInt64Array> {
                let wide = cast_to(x, &DataType::Int64)?;
                Ok(wide
                    .as_primitive::<arrow::datatypes::Int64Type>()
                    .unary(|v| v as u64))
            };
            let (a, b) = (bits(a)?, bits(b)?);
            Ok(crate::util::build_prims::<UInt64Type>(n, |i| {
                (a.is_valid(i) && b.is_valid(i))
                    .then(|| (a.value(i) ^ b.value(i)).count_ones() as u64)
            }))
        },
    )
}
inventory::submit! { BuiltinFunction(hamming_def) }

// ---------------------------------------------------------------------------
// Vector measures

/// Both arguments' lists as Float64 values, checking each row's two lists
/// have one length.
struct Vectors {
    a: Lists,
    b: Lists,
    av: Float64Array,
    bv: Float64Array,
}

impl Vectors {
    fn new(name: &str, args: &[ArrayRef]) -> DaftResult<Option<Self>> {
        if args.iter().any(|a| a.data_type() == &DataType::Null) {
            return Ok(None);
        }
        let (a, b) = (Lists::new(&args[0])?, Lists::new(&args[1])?);
        for (i, (x, y)) in a.rows.iter().zip(&b.rows).enumerate() {
            if let (Some((_, la)), Some((_, lb))) = (x, y) {
                if la != lb {
                    return Err(DaftError::value_error(format!(
                        "{name}: the vectors of row {i} have different lengths ({la} and {lb})"
                    )));
                }
            }
        }
        let av = cast_to(&a.values, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .clone();
        let bv = cast_to(&b.values, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .clone();
        Ok(Some(Vectors { a, b, av, bv }))
    }

    /// Row `i`'s two vectors, or `None` when either is null or holds a null.
    fn row(&self, i: usize) -> Option<(Vec<f64>, Vec<f64>)> {
        let ((sa, len), (sb, _)) = (self.a.rows[i]?, self.b.rows[i]?);
        let read = |v: &Float64Array, s: usize| -> Option<Vec<f64>> {
            (s..s + len)
                .map(|j| v.is_valid(j).then(|| v.value(j)))
                .collect()
        };
        Some((read(&self.av, sa)?, read(&self.bv, sb)?))
    }
}

fn vector_rule(name: &'static str) -> impl Fn(&[Field], &FunctionOptions) -> DaftResult<DataType> {
    move |args, _| {
        for (arg, f) in ["left", "right"].iter().zip(args) {
            let dt = f.data_type();
            if dt == &DataType::Null {
                continue;
            }
            let ok = item_field(dt).is_some_and(|item| {
                item.data_type().is_numeric() || item.data_type() == &DataType::Null
            });
            if !ok {
                return Err(DaftError::type_error(format!(
                    "{name}: argument `{arg}` must be an embedding or a list of numbers, got {}",
                    display_data_type(dt)
                )));
            }
        }
        Ok(DataType::Float64)
    }
}

/// A measure of two vectors, as plain data.
struct VectorFn {
    name: &'static str,
    summary: &'static str,
    returns: &'static str,
    measure: fn(&[f64], &[f64]) -> Option<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn cosine(a: &[f64], b: &[f64]) -> Option<f64> {
    let d = norm(a) * norm(b);
    (d != 0.0).then(|| dot(a, b) / d)
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    if n == 0.0 {
        return None;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let ca: Vec<f64> = a.iter().map(|x| x - ma).collect();
    let cb: Vec<f64> = b.iter().map(|x| x - mb).collect();
    let d = norm(&ca) * norm(&cb);
    (d != 0.0).then(|| dot(&ca, &cb) / d)
}

fn vector_fn(f: &'static VectorFn) -> FunctionDef {
    let doc = format!(
        r#"
{summary}

Args:
    left: An embedding or a list of numbers.
    right: An embedding or a list of numbers of the same length in each row
        (another length is an error naming the row).

Returns:
    Expression: {returns}; null where either vector is null or holds a null.

Example:
    >>> df = daft.from_pydict({{"a": [[1.0, 2.0, 3.0]], "b": [[1.0, 0.0, 1.0]]}})
    >>> df.select(daft.functions.{name}(daft.col("a"), daft.col("b")))
"#,
        summary = f.summary,
        returns = f.returns,
        name = f.name,
    );
    function(
        f.name,
        &doc,
        vec![
            Param::expr("left", TypeClass::List),
            Param::expr("right", TypeClass::List),
        ],
        vector_rule(f.name),
        move |args, _, n| {
            let Some(v) = Vectors::new(f.name, args)? else {
                return Ok(arrow::array::new_null_array(&DataType::Float64, n));
            };
            Ok(Arc::new(
                (0..n)
                    .map(|i| v.row(i).and_then(|(a, b)| (f.measure)(&a, &b)))
                    .collect::<Float64Array>(),
            ))
        },
    )
}

macro_rules! vector_measure {
    ($konst:ident, $name:literal, $summary:literal, $returns:literal, $m:expr) => {
        const $konst: VectorFn = VectorFn {
            name: $name,
            summary: $summary,
            returns: $returns,
            measure: $m,
        };
        inventory::submit! { BuiltinFunction(|| vector_fn(&$konst)) }
    };
}

vector_measure!(
    COSINE_SIMILARITY,
    "cosine_similarity",
    "The cosine of the angle between two vectors: their dot product over the product of their lengths.",
    "Float64 similarities from -1 to 1; null where a vector is all zeros (no angle)",
    cosine
);
vector_measure!(
    COSINE_DISTANCE,
    "cosine_distance",
    "One minus the cosine similarity of two vectors.",
    "Float64 distances from 0 to 2; null where a vector is all zeros (Daft 0.7.26 gives NaN there and null for the similarity)",
    |a, b| cosine(a, b).map(|c| 1.0 - c)
);
vector_measure!(
    DOT_PRODUCT,
    "dot_product",
    "The dot product of two vectors: the sum of their elements' products.",
    "Float64 products",
    |a, b| Some(dot(a, b))
);
vector_measure!(
    EUCLIDEAN_DISTANCE,
    "euclidean_distance",
    "The Euclidean distance between two vectors.",
    "Float64 distances",
    |a, b| Some(
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt()
    )
);
vector_measure!(
    PEARSON_CORRELATION,
    "pearson_correlation",
    "The Pearson correlation of two vectors' elements.",
    "Float64 correlations from -1 to 1; null where a vector is constant",
    pearson
);
vector_measure!(
    JACCARD_SIMILARITY,
    "jaccard_similarity",
    "The Jaccard similarity of two vectors read as sets: the positions of their non-zero elements, intersection over union.",
    "Float64 similarities from 0 to 1; two all-zero vectors are 1, as in Daft",
    |a, b| {
        let (mut both, mut either) = (0usize, 0usize);
        for (x, y) in a.iter().zip(b) {
            let (x, y) = (*x != 0.0, *y != 0.0);
            both += usize::from(x && y);
            either += usize::from(x || y);
        }
        Some(if either == 0 { 1.0 } else { both as f64 / either as f64 })
    }
);
