//! `text`: string similarity, slugs, Unicode normalization and token counts.
//!
//! Functions (all map null to null, row by row):
//!
//! - `levenshtein(a, b) -> UInt64`: edit distance in Unicode characters.
//! - `jaro_winkler(a, b) -> Float64`: Jaro-Winkler similarity in [0, 1].
//! - `slugify(s) -> Utf8`: lowercase ASCII slug, words joined by `-`.
//! - `normalize(s, *, form="NFC") -> Utf8`: Unicode normalization.
//! - `token_count(s) -> UInt64`: whitespace-separated tokens, like
//!   Python's `len(s.split())`.
//!
//! Stateful (state built once per query):
//!
//! - `in_wordlist(s, *, path, case_sensitive=True) -> Boolean`: membership
//!   in a word list read from a file once per query.
//!
//! Aggregations (one value per group):
//!
//! - `checksum(s) -> UInt64`: an order-independent checksum of a group's
//!   strings (the wrapping sum of their 64-bit FNV-1a hashes).
//!
//! The algorithms come from well-kept crates: `strsim` (edit distance and
//! Jaro-Winkler), `unicode-normalization` and `deunicode`
//! (transliteration for slugs).

use std::sync::Arc;

use daft_plugin_api::arrow::array::{
    Array, ArrayRef, Float64Array, StringArray, StringBuilder, UInt64Array,
};
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{
    downcast, AggregateFunction, DefaultValue, Emit, GroupsAccumulator, OptionKind, Options, Param,
    ScalarFunction, TypeClass,
};
use unicode_normalization::{
    is_nfc_quick, is_nfd_quick, is_nfkc_quick, is_nfkd_quick, IsNormalized, UnicodeNormalization,
};

#[cfg(test)]
mod tests;
mod wordlist;

// ---- shared helpers ---------------------------------------------------------

/// An argument as a `Utf8` array. The class `String` also admits all-null
/// (`Null`) columns and other string layouts; casting covers them all.
fn strings(arg: &ArrayRef) -> Result<StringArray, String> {
    let cast = cast(arg, &DataType::Utf8).map_err(|e| e.to_string())?;
    Ok(downcast::<StringArray>(&cast)?.clone())
}

/// Checks that every argument has `num_rows` rows (the host promises it;
/// a mismatch would silently drop rows in a `zip`).
fn check_rows(args: &[ArrayRef], num_rows: usize) -> Result<(), String> {
    match args.iter().position(|a| a.len() != num_rows) {
        Some(i) => Err(format!(
            "argument {i} has {} rows, expected {num_rows}",
            args[i].len()
        )),
        None => Ok(()),
    }
}

/// The nullability of a row-wise function's output: null if any input is.
fn any_nullable(args: &[Field]) -> bool {
    args.iter().any(Field::is_nullable)
}

/// Applies `f` to each pair of non-null strings of two arguments; null
/// where either is null.
fn map_pairs<T, A: FromIterator<Option<T>>>(
    args: &[ArrayRef],
    num_rows: usize,
    f: impl Fn(&str, &str) -> T,
) -> Result<A, String> {
    check_rows(args, num_rows)?;
    let a = strings(&args[0])?;
    let b = strings(&args[1])?;
    Ok(a.iter()
        .zip(b.iter())
        .map(|pair| match pair {
            (Some(a), Some(b)) => Some(f(a, b)),
            _ => None,
        })
        .collect())
}

/// Maps each non-null string through `f`, which appends the result to the
/// buffer it is given (reused across rows).
fn map_strings(arg: &ArrayRef, f: impl Fn(&str, &mut String)) -> Result<ArrayRef, String> {
    let input = strings(arg)?;
    let mut out = StringBuilder::with_capacity(input.len(), input.value_data().len());
    let mut buf = String::new();
    for value in input.iter() {
        match value {
            Some(value) => {
                buf.clear();
                f(value, &mut buf);
                out.append_value(&buf);
            }
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

// ---- levenshtein(a, b) -> UInt64 --------------------------------------------

fn levenshtein_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(Field::new(
        "levenshtein",
        DataType::UInt64,
        any_nullable(args),
    ))
}

fn levenshtein(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    let out: UInt64Array = map_pairs(args, num_rows, |a, b| strsim::levenshtein(a, b) as u64)?;
    Ok(Arc::new(out))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "levenshtein",
        doc: "Levenshtein edit distance between two strings.\n\n\
              Counts the fewest single-character insertions, deletions and\n\
              substitutions that turn `a` into `b`. Characters are Unicode code\n\
              points, so \"é\" (one code point) counts as one character.\n\n\
              Args:\n    a: a string column.\n    b: a string column.\n\n\
              Returns:\n    a UInt64 column; null where `a` or `b` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"a\": [\"kitten\", None], \"b\": [\"sitting\", \"x\"]})\n    \
              >>> df.select(daft.functions.levenshtein(daft.col(\"a\"), daft.col(\"b\"))).to_pydict()\n    \
              {'a': [3, None]}",
        params: &[
            Param::expr("a", TypeClass::String),
            Param::expr("b", TypeClass::String),
        ],
        return_field: levenshtein_field,
        call: levenshtein,
    }
}

// ---- jaro_winkler(a, b) -> Float64 ------------------------------------------

fn jaro_winkler_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(Field::new(
        "jaro_winkler",
        DataType::Float64,
        any_nullable(args),
    ))
}

fn jaro_winkler(
    args: &[ArrayRef],
    _options: &Options,
    num_rows: usize,
) -> Result<ArrayRef, String> {
    let out: Float64Array = map_pairs(args, num_rows, strsim::jaro_winkler)?;
    Ok(Arc::new(out))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "jaro_winkler",
        doc: "Jaro-Winkler similarity of two strings, from 0.0 (nothing in common) to 1.0 (equal).\n\n\
              The Jaro similarity, raised for a common prefix of up to 4 characters\n\
              (scaling factor 0.1) when it is above 0.7. Two empty strings have\n\
              similarity 1.0. Characters are Unicode code points.\n\n\
              Args:\n    a: a string column.\n    b: a string column.\n\n\
              Returns:\n    a Float64 column; null where `a` or `b` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"a\": [\"martha\", \"abc\"], \"b\": [\"marhta\", None]})\n    \
              >>> df.select(daft.functions.jaro_winkler(daft.col(\"a\"), daft.col(\"b\"))).to_pydict()\n    \
              {'a': [0.9611111111111111, None]}",
        params: &[
            Param::expr("a", TypeClass::String),
            Param::expr("b", TypeClass::String),
        ],
        return_field: jaro_winkler_field,
        call: jaro_winkler,
    }
}

// ---- slugify(s) -> Utf8 -----------------------------------------------------

/// Appends the slug of `s` to `out`: each character transliterated to ASCII
/// (`deunicode`), ASCII letters and digits kept (lowercased), every run of
/// anything else turned into one `-`, none at either end. Characters with
/// no transliteration (and combining marks, which transliterate to nothing)
/// are dropped without separating their neighbours.
fn slugify_into(s: &str, out: &mut String) {
    let start = out.len();
    let mut pending_dash = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_ascii_alphanumeric() {
            if pending_dash && out.len() > start {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    };
    for c in s.chars() {
        if c.is_ascii() {
            push(c, out);
        } else {
            for t in deunicode::deunicode_char(c).unwrap_or("").chars() {
                push(t, out);
            }
        }
    }
}

fn slugify_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(Field::new("slug", DataType::Utf8, args[0].is_nullable()))
}

fn slugify(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    map_strings(&args[0], slugify_into)
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "slugify",
        doc: "Turns each string into a URL slug: lowercase ASCII words joined by \"-\".\n\n\
              Non-ASCII characters are transliterated first (\"é\" -> \"e\", \"ß\" -> \"ss\",\n\
              \"北京\" -> \"bei-jing\"); then every run of characters other than ASCII\n\
              letters and digits becomes a single \"-\", and none is left at either end.\n\
              A string with no letters or digits gives \"\".\n\n\
              Args:\n    s: a string column.\n\n\
              Returns:\n    a Utf8 column; null where `s` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"s\": [\"Héllo Wörld!\", None]})\n    \
              >>> df.select(daft.functions.slugify(daft.col(\"s\"))).to_pydict()\n    \
              {'s': ['hello-world', None]}",
        params: &[Param::expr("s", TypeClass::String)],
        return_field: slugify_field,
        call: slugify,
    }
}

// ---- normalize(s, *, form="NFC") -> Utf8 ------------------------------------

/// A Unicode normalization form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Nfc,
    Nfd,
    Nfkc,
    Nfkd,
}

const FORMS: &str = "\"NFC\", \"NFD\", \"NFKC\", \"NFKD\"";

impl Form {
    /// The form named by option `form` (case-insensitive), or an error
    /// naming the option, what it got and what it accepts.
    fn from_options(options: &Options) -> Result<Form, String> {
        let Some(name) = options.str("form") else {
            return Err(match options.get("form") {
                Some(v) => format!("option `form` must be one of {FORMS}, got {v}"),
                None => format!("option `form` is missing; use one of {FORMS}"),
            });
        };
        match name.to_ascii_uppercase().as_str() {
            "NFC" => Ok(Form::Nfc),
            "NFD" => Ok(Form::Nfd),
            "NFKC" => Ok(Form::Nfkc),
            "NFKD" => Ok(Form::Nfkd),
            _ => Err(format!(
                "option `form` must be one of {FORMS}, got {name:?}"
            )),
        }
    }

    fn normalize_into(self, s: &str, out: &mut String) {
        let quick = match self {
            Form::Nfc => is_nfc_quick(s.chars()),
            Form::Nfd => is_nfd_quick(s.chars()),
            Form::Nfkc => is_nfkc_quick(s.chars()),
            Form::Nfkd => is_nfkd_quick(s.chars()),
        };
        if quick == IsNormalized::Yes {
            out.push_str(s);
            return;
        }
        match self {
            Form::Nfc => out.extend(s.nfc()),
            Form::Nfd => out.extend(s.nfd()),
            Form::Nfkc => out.extend(s.nfkc()),
            Form::Nfkd => out.extend(s.nfkd()),
        }
    }
}

fn normalize_field(args: &[Field], options: &Options) -> Result<Field, String> {
    // Checked here, at plan time, so a bad form fails before any data is read.
    Form::from_options(options)?;
    Ok(Field::new(
        "normalized",
        DataType::Utf8,
        args[0].is_nullable(),
    ))
}

fn normalize(args: &[ArrayRef], options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let form = Form::from_options(options)?;
    map_strings(&args[0], |s, out| form.normalize_into(s, out))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "normalize",
        doc: "Applies a Unicode normalization form to each string, like Python's `unicodedata.normalize`.\n\n\
              \"NFC\" composes characters (\"e\" + U+0301 -> \"é\"), \"NFD\" decomposes them;\n\
              \"NFKC\" and \"NFKD\" also replace compatibility characters (\"ﬁ\" -> \"fi\",\n\
              \"²\" -> \"2\"). An unknown form is an error when the expression is built.\n\n\
              Args:\n    s: a string column.\n    \
              form: \"NFC\" (default), \"NFD\", \"NFKC\" or \"NFKD\" (case-insensitive).\n\n\
              Returns:\n    a Utf8 column; null where `s` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"s\": [\"e\\u0301\", \"ﬁ\"]})\n    \
              >>> df.select(daft.functions.normalize(daft.col(\"s\"), form=\"NFKC\")).to_pydict()\n    \
              {'s': ['é', 'fi']}",
        params: &[
            Param::expr("s", TypeClass::String),
            Param::option("form", OptionKind::Str, DefaultValue::Str("NFC")),
        ],
        return_field: normalize_field,
        call: normalize,
    }
}

// ---- token_count(s) -> UInt64 -----------------------------------------------

/// Whether Python's `str.split()` splits at `c`: Unicode `White_Space`
/// plus the ASCII information separators U+001C..U+001F, which Python's
/// `str.isspace` counts (bidirectional class B or S) and Rust does not.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The number of tokens `s.split()` gives in Python.
fn count_tokens(s: &str) -> u64 {
    s.split(is_python_space).filter(|t| !t.is_empty()).count() as u64
}

fn token_count_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(Field::new(
        "token_count",
        DataType::UInt64,
        args[0].is_nullable(),
    ))
}

fn token_count(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let input = strings(&args[0])?;
    let out: UInt64Array = input.iter().map(|s| s.map(count_tokens)).collect();
    Ok(Arc::new(out))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "token_count",
        doc: "Counts the whitespace-separated tokens of each string, like Python's `len(s.split())`.\n\n\
              Any run of Unicode whitespace separates tokens; leading and trailing\n\
              whitespace is ignored, so \"\" and \"   \" have 0 tokens.\n\n\
              Args:\n    s: a string column.\n\n\
              Returns:\n    a UInt64 column; null where `s` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"s\": [\"the quick  brown fox\", \"\", None]})\n    \
              >>> df.select(daft.functions.token_count(daft.col(\"s\"))).to_pydict()\n    \
              {'s': [4, 0, None]}",
        params: &[Param::expr("s", TypeClass::String)],
        return_field: token_count_field,
        call: token_count,
    }
}

// ---- checksum (an aggregation) ----------------------------------------------

/// 64-bit FNV-1a of `bytes`: tiny, stable across versions and platforms,
/// and easy to reproduce in any language (the Python tests do).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Per group: the wrapping sum of the hashes seen, and whether any was.
/// The state is the same sum, null for a group that saw nothing, so a
/// partial checksum is its own state and merging is adding.
#[derive(Default)]
struct Checksum {
    sums: Vec<u64>,
    seen: Vec<bool>,
}

impl Checksum {
    fn grow(&mut self, total_groups: usize) {
        self.sums.resize(total_groups, 0);
        self.seen.resize(total_groups, false);
    }

    fn add(&mut self, group: usize, hash: u64) {
        self.sums[group] = self.sums[group].wrapping_add(hash);
        self.seen[group] = true;
    }

    fn emit(&mut self, emit: Emit) -> ArrayRef {
        let sums = emit.take(&mut self.sums);
        let seen = emit.take(&mut self.seen);
        let out: UInt64Array = sums
            .into_iter()
            .zip(seen)
            .map(|(s, seen)| seen.then_some(s))
            .collect();
        Arc::new(out)
    }
}

impl GroupsAccumulator for Checksum {
    fn update(&mut self, args: &[ArrayRef], groups: &[usize], total: usize) -> Result<(), String> {
        self.grow(total);
        let input = strings(&args[0])?;
        for (i, g) in groups.iter().enumerate() {
            if input.is_valid(i) {
                self.add(*g, fnv1a64(input.value(i).as_bytes()));
            }
        }
        Ok(())
    }

    fn merge(&mut self, states: &[ArrayRef], groups: &[usize], total: usize) -> Result<(), String> {
        self.grow(total);
        let partial = downcast::<UInt64Array>(&states[0])?;
        for (i, g) in groups.iter().enumerate() {
            if partial.is_valid(i) {
                self.add(*g, partial.value(i));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit: Emit) -> Result<ArrayRef, String> {
        Ok(self.emit(emit))
    }

    fn state(&mut self, emit: Emit) -> Result<Vec<ArrayRef>, String> {
        Ok(vec![self.emit(emit)])
    }

    fn size(&self) -> usize {
        self.sums.capacity() * 8 + self.seen.capacity()
    }
}

fn checksum_field(_args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(Field::new("checksum", DataType::UInt64, true))
}

fn checksum_state(_args: &[Field], _options: &Options) -> Result<Vec<Field>, String> {
    Ok(vec![Field::new("sum", DataType::UInt64, true)])
}

fn checksum_accumulator(
    _args: &[Field],
    _options: &Options,
) -> Result<Box<dyn GroupsAccumulator>, String> {
    Ok(Box::<Checksum>::default())
}

daft_plugin_api::inventory::submit! {
    AggregateFunction {
        name: "checksum",
        doc: "An order-independent checksum of a group's strings (an aggregation).\n\n\
              The wrapping 64-bit sum of each non-null string's FNV-1a hash of its UTF-8\n\
              bytes: the same strings give the same checksum in any order and any\n\
              partitioning, so it compares two tables' columns group by group.\n\n\
              Args:\n    s: a string column.\n\n\
              Returns:\n    a UInt64 per group; null for a group without non-null strings.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"k\": [1, 1, 2], \"s\": [\"a\", \"b\", None]})\n    \
              >>> df.groupby(\"k\").agg(daft.functions.checksum(daft.col(\"s\"))).sort(\"k\").to_pydict()\n    \
              {'k': [1, 2], 's': [6829633625936617009, None]}",
        params: &[Param::expr("s", TypeClass::String)],
        return_field: checksum_field,
        state_fields: checksum_state,
        create: checksum_accumulator,
    }
}

daft_plugin_api::export_plugin!(name = "text", version = env!("CARGO_PKG_VERSION"));
