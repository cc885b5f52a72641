//! String functions on parts and characters: `split_part`,
//! `substring_index`, `concat_ws`, `translate`, `count_matches`, `soundex`,
//! `ascii`, `chr` and `bin`, with Daft 0.7.26's names and (Spark's)
//! semantics, except where noted.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use arrow::array::{ArrayRef, AsArray, Int32Array, StringArray};
use arrow::datatypes::{DataType, UInt64Type};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};

use crate::util::{build_prims, build_strings, cast_to, function, int64_arg, opt, str_out, Strs};

/// The string argument `i` as Utf8, so kernels read one string type.
fn utf8(args: &[ArrayRef], i: usize) -> DaftResult<StringArray> {
    Ok(cast_to(&args[i], &DataType::Utf8)?
        .as_string::<i32>()
        .clone())
}

fn get(a: &StringArray, i: usize) -> Option<&str> {
    use arrow::array::Array;
    a.is_valid(i).then(|| a.value(i))
}

// ---------------------------------------------------------------------------
// split_part, substring_index

/// Part `k` (1-based; negative counts from the end) of `s` split on
/// `delim`, "" when there is no such part. An empty delimiter leaves `s`
/// whole, one part.
fn split_part<'a>(s: &'a str, delim: &str, k: i64) -> Option<&'a str> {
    let parts: Vec<&str> = if delim.is_empty() {
        vec![s]
    } else {
        s.split(delim).collect()
    };
    let n = parts.len() as i64;
    let at = if k > 0 { k - 1 } else { n + k };
    Some(if (0..n).contains(&at) {
        parts[at as usize]
    } else {
        ""
    })
}

fn split_part_def() -> FunctionDef {
    function(
        "split_part",
        r#"
Part `part` of each string split on `delim`.

Parts count from 1; a negative part counts from the end (-1 is the last).

Args:
    expr: A string expression.
    delim: The delimiter (a string or string expression); an empty one
        leaves the string whole.
    part: The part's number (an int or integer expression); 0 is an error.

Returns:
    Expression: Strings; "" where there is no such part; null where any
    argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["a,b,c", "x", None]})
    >>> df.select(daft.functions.split_part(daft.col("s"), ",", 2))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("delim", TypeClass::String),
            Param::expr("part", TypeClass::Integer),
        ],
        |args, _| Ok(str_out(args[0].data_type())),
        |args, _, n| {
            let (s, d, k) = (utf8(args, 0)?, utf8(args, 1)?, int64_arg(&args[2])?);
            if let Some(i) = (0..n).find(|i| opt(&k, *i) == Some(0)) {
                return Err(DaftError::value_error(format!(
                    "split_part: part must not be 0 (parts count from 1, or from -1 at the \
                     end); row {i} has 0"
                )));
            }
            build_strings(args[0].data_type(), n, |i, buf| {
                match (get(&s, i), get(&d, i), opt(&k, i)) {
                    (Some(v), Some(delim), Some(k)) => {
                        buf.push_str(split_part(v, delim, k).unwrap_or(""));
                        Ok(true)
                    }
                    _ => Ok(false),
                }
            })
        },
    )
}
inventory::submit! { BuiltinFunction(split_part_def) }

/// MySQL's and Spark's `substring_index`: the part of `s` before the
/// `count`-th `delim` (after the `-count`-th from the end when negative);
/// all of `s` when it has fewer; "" for a count of 0 or an empty delimiter.
fn substring_index<'a>(s: &'a str, delim: &str, count: i64) -> &'a str {
    if count == 0 || delim.is_empty() {
        return "";
    }
    if count > 0 {
        match s.match_indices(delim).nth(count as usize - 1) {
            Some((at, _)) => &s[..at],
            None => s,
        }
    } else {
        match s.rmatch_indices(delim).nth((-count) as usize - 1) {
            Some((at, _)) => &s[at + delim.len()..],
            None => s,
        }
    }
}

fn substring_index_def() -> FunctionDef {
    function(
        "substring_index",
        r#"
The part of each string before the `count`-th occurrence of `delim`.

For a negative count it is the part after the `-count`-th occurrence from
the end (as in Spark and MySQL).

Args:
    expr: A string expression.
    delim: The delimiter (a string or string expression).
    count: Which occurrence (an int or integer expression).

Returns:
    Expression: Strings: the whole string where `delim` occurs fewer times,
    "" for a count of 0 or an empty delimiter; null where any argument is
    null.

Example:
    >>> df = daft.from_pydict({"s": ["www.example.com", None]})
    >>> df.select(daft.functions.substring_index(daft.col("s"), ".", 2))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("delim", TypeClass::String),
            Param::expr("count", TypeClass::Integer),
        ],
        |args, _| Ok(str_out(args[0].data_type())),
        |args, _, n| {
            let (s, d, k) = (utf8(args, 0)?, utf8(args, 1)?, int64_arg(&args[2])?);
            build_strings(args[0].data_type(), n, |i, buf| {
                match (get(&s, i), get(&d, i), opt(&k, i)) {
                    (Some(v), Some(delim), Some(k)) => {
                        buf.push_str(substring_index(v, delim, k));
                        Ok(true)
                    }
                    _ => Ok(false),
                }
            })
        },
    )
}
inventory::submit! { BuiltinFunction(substring_index_def) }

// ---------------------------------------------------------------------------
// concat_ws

fn concat_ws_def() -> FunctionDef {
    function(
        "concat_ws",
        r#"
The non-null strings of each row joined by `sep`.

Nulls are skipped, as in Spark and Daft.

Args:
    sep: The separator (a str).
    *exprs: String expressions (or literals).

Returns:
    Expression: Strings; "" where every value is null.

Example:
    >>> df = daft.from_pydict({"a": ["x", None], "b": ["y", "z"]})
    >>> df.select(daft.functions.concat_ws("-", daft.col("a"), daft.col("b")))
"#,
        vec![
            Param::option("sep", OptionKind::Str, OptionValue::Null),
            Param::variadic("exprs", TypeClass::String, 1),
        ],
        |_, opts| {
            opts.str("sep").ok_or_else(|| {
                DaftError::value_error("concat_ws: sep must be a string".to_string())
            })?;
            Ok(DataType::Utf8)
        },
        |args, opts, n| {
            let sep = opts.str("sep").unwrap_or("");
            let cols = (0..args.len())
                .map(|i| utf8(args, i))
                .collect::<DaftResult<Vec<_>>>()?;
            build_strings(&DataType::Utf8, n, |i, buf| {
                let mut first = true;
                for v in cols.iter().filter_map(|c| get(c, i)) {
                    if !first {
                        buf.push_str(sep);
                    }
                    buf.push_str(v);
                    first = false;
                }
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(concat_ws_def) }

// ---------------------------------------------------------------------------
// translate

/// A translation table and the (from, to) strings it was built from.
type Translation = ((String, String), HashMap<char, Option<char>>);

/// Each character of `from` mapped to the character at the same place in
/// `to`, or to nothing when `to` is shorter; the first mapping of a
/// character repeated in `from` wins.
fn translation(from: &str, to: &str) -> HashMap<char, Option<char>> {
    let mut map = HashMap::new();
    let mut to = to.chars();
    for c in from.chars() {
        let t = to.next();
        map.entry(c).or_insert(t);
    }
    map
}

fn translate_def() -> FunctionDef {
    function(
        "translate",
        r#"
Each string with the characters of `from_str` replaced.

Each becomes the character at the same place in `to_str`, or is removed
where `to_str` is shorter.

Args:
    expr: A string expression.
    from_str: The characters to replace (a string or string expression).
    to_str: Their replacements (a string or string expression).

Returns:
    Expression: Strings; null where any argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["hello", None]})
    >>> df.select(daft.functions.translate(daft.col("s"), "lo", "01"))  # "he001"
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("from_str", TypeClass::String),
            Param::expr("to_str", TypeClass::String),
        ],
        |args, _| Ok(str_out(args[0].data_type())),
        |args, _, n| {
            let (s, f, t) = (utf8(args, 0)?, utf8(args, 1)?, utf8(args, 2)?);
            let mut cache: Option<Translation> = None;
            build_strings(args[0].data_type(), n, |i, buf| {
                let (Some(v), Some(from), Some(to)) = (get(&s, i), get(&f, i), get(&t, i)) else {
                    return Ok(false);
                };
                // Usually both are literals: the map is built once.
                let fresh = !matches!(&cache, Some(((cf, ct), _)) if cf == from && ct == to);
                if fresh {
                    cache = Some(((from.to_string(), to.to_string()), translation(from, to)));
                }
                let map = &cache.as_ref().expect("set above").1;
                for c in v.chars() {
                    match map.get(&c) {
                        Some(Some(r)) => buf.push(*r),
                        Some(None) => {}
                        None => buf.push(c),
                    }
                }
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(translate_def) }

// ---------------------------------------------------------------------------
// count_matches

fn patterns(opts: &FunctionOptions) -> DaftResult<Vec<String>> {
    match opts.get("patterns") {
        Some(OptionValue::Str(s)) => Ok(vec![s.clone()]),
        Some(OptionValue::Null) | None => Err(DaftError::value_error(
            "count_matches: patterns must be a string or a list of strings".to_string(),
        )),
        Some(other) => Err(DaftError::value_error(format!(
            "count_matches: patterns must be a string or a list of strings, got {}",
            other.kind()
        ))),
    }
}

fn matcher(opts: &FunctionOptions) -> DaftResult<AhoCorasick> {
    let mut pats = patterns(opts)?;
    // A list arrives joined by NUL (see daft.functions.count_matches).
    if pats.len() == 1 && pats[0].contains('\0') {
        pats = pats[0].split('\0').map(str::to_string).collect();
    }
    if pats.iter().any(String::is_empty) {
        return Err(DaftError::value_error(
            "count_matches: a pattern must not be empty".to_string(),
        ));
    }
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(!opts.bool("case_sensitive").unwrap_or(true))
        .match_kind(MatchKind::LeftmostLongest)
        .build(&pats)
        .map_err(|e| DaftError::value_error(format!("count_matches: {e}")))
}

fn count_matches_def() -> FunctionDef {
    function(
        "count_matches",
        r#"
How many times the patterns occur in each string.

It counts non-overlapping matches from the left (the longest pattern where several
start at one place).

Patterns are literal strings, not regular expressions.

Args:
    expr: A string expression.
    patterns: A string or a list of strings.
    whole_words: Count only matches with no letter, digit or `_` right
        before or after them (default False).
    case_sensitive: Match case exactly (default True); False folds ASCII
        letters only, as Daft.

Returns:
    Expression: UInt64 counts; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["the cat and the hat", None]})
    >>> df.select(daft.functions.count_matches(daft.col("s"), ["the", "hat"]))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::option("patterns", OptionKind::Str, OptionValue::Null),
            Param::option("whole_words", OptionKind::Bool, OptionValue::Bool(false)),
            Param::option("case_sensitive", OptionKind::Bool, OptionValue::Bool(true)),
        ],
        |_, opts| {
            matcher(opts)?;
            Ok(DataType::UInt64)
        },
        |args, opts, n| {
            let ac = matcher(opts)?;
            let whole = opts.bool("whole_words").unwrap_or(false);
            let s = utf8(args, 0)?;
            let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            Ok(build_prims::<UInt64Type>(n, |i| {
                let v = get(&s, i)?;
                let count = ac
                    .find_iter(v)
                    .filter(|m| {
                        !whole
                            || (!is_word(v[..m.start()].chars().next_back())
                                && !is_word(v[m.end()..].chars().next()))
                    })
                    .count();
                Some(count as u64)
            }))
        },
    )
}
inventory::submit! { BuiltinFunction(count_matches_def) }

// ---------------------------------------------------------------------------
// soundex, ascii, chr, bin

/// The American Soundex code of `s` (a letter and three digits), from its
/// ASCII letters; `None` when `s` does not start with one (Daft and Spark
/// return such strings unchanged).
fn soundex(s: &str) -> Option<String> {
    fn digit(c: u8) -> u8 {
        match c.to_ascii_uppercase() {
            b'B' | b'F' | b'P' | b'V' => b'1',
            b'C' | b'G' | b'J' | b'K' | b'Q' | b'S' | b'X' | b'Z' => b'2',
            b'D' | b'T' => b'3',
            b'L' => b'4',
            b'M' | b'N' => b'5',
            b'R' => b'6',
            // Vowels, y; h and w, which do not separate equal codes.
            b'H' | b'W' => b'-',
            _ => b'0',
        }
    }
    let bytes = s.as_bytes();
    let first = *bytes.first()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let mut out = vec![first.to_ascii_uppercase()];
    let mut last = digit(first);
    for &c in &bytes[1..] {
        if !c.is_ascii_alphabetic() {
            continue;
        }
        let d = digit(c);
        if d == b'-' {
            continue;
        }
        if d != b'0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    out.resize(4, b'0');
    Some(String::from_utf8(out).expect("ASCII"))
}

fn soundex_def() -> FunctionDef {
    function(
        "soundex",
        r#"
The American Soundex code of each string.

That is its first letter and three digits for the sounds of the letters after it (names that sound alike get
one code). Only ASCII letters count; a string that does not start with one
is returned as it is, as in Daft and Spark.

Args:
    expr: A string expression.

Returns:
    Expression: Strings; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["Robert", "Rupert", None]})
    >>> df.select(daft.functions.soundex(daft.col("s")))  # R163, R163
"#,
        vec![Param::expr("expr", TypeClass::String)],
        |args, _| Ok(str_out(args[0].data_type())),
        |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            build_strings(args[0].data_type(), n, |i, buf| {
                let Some(v) = s.get(i) else { return Ok(false) };
                match soundex(v) {
                    Some(code) => buf.push_str(&code),
                    None => buf.push_str(v),
                }
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(soundex_def) }

fn ascii_def() -> FunctionDef {
    function(
        "ascii",
        r#"
The Unicode code point of each string's first character.

That is its ASCII code for ASCII text; an empty string gives 0.

Daft 0.7.26 returns the first byte as a signed number, so "À" is -61 there;
here it is 192.

Args:
    expr: A string expression.

Returns:
    Expression: Int32 code points; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["A", "", None]})
    >>> df.select(daft.functions.ascii(daft.col("s")))
"#,
        vec![Param::expr("expr", TypeClass::String)],
        |_, _| Ok(DataType::Int32),
        |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            let out: Int32Array = (0..n)
                .map(|i| s.get(i).map(|v| v.chars().next().map_or(0, |c| c as i32)))
                .collect();
            Ok(Arc::new(out))
        },
    )
}
inventory::submit! { BuiltinFunction(ascii_def) }

fn chr_def() -> FunctionDef {
    function(
        "chr",
        r#"
The character of each Unicode code point.

For 0 to 127 that is the ASCII character.

A number that is not a code point (negative, past 0x10FFFF, or a
surrogate) is an error naming it; Daft 0.7.26 keeps only its low byte, so
8364 gives "¬" there and "€" here.

Args:
    expr: An integer expression.

Returns:
    Expression: One-character strings; null stays null.

Example:
    >>> df = daft.from_pydict({"n": [65, 8364, None]})
    >>> df.select(daft.functions.chr(daft.col("n")))
"#,
        vec![Param::expr("expr", TypeClass::Integer)],
        |_, _| Ok(DataType::Utf8),
        |args, _, n| {
            let v = int64_arg(&args[0])?;
            build_strings(&DataType::Utf8, n, |i, buf| {
                let Some(k) = opt(&v, i) else {
                    return Ok(false);
                };
                let c = u32::try_from(k)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| {
                        DaftError::value_error(format!("chr: {k} is not a Unicode code point"))
                    })?;
                buf.push(c);
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(chr_def) }

fn bin_def() -> FunctionDef {
    function(
        "bin",
        r#"
The binary digits of each integer.

A negative number gives its 64-bit two's complement, as in Spark and Daft.

Args:
    expr: An integer expression.

Returns:
    Expression: Strings of 0 and 1; null stays null.

Example:
    >>> df = daft.from_pydict({"n": [5, 0, -1, None]})
    >>> df.select(daft.functions.bin(daft.col("n")))
"#,
        vec![Param::expr("expr", TypeClass::Integer)],
        |_, _| Ok(DataType::Utf8),
        |args, _, n| {
            use std::fmt::Write;
            let a = &args[0];
            // UInt64 values past Int64 keep their own digits.
            if a.data_type() == &DataType::UInt64 {
                let v = a.as_primitive::<UInt64Type>();
                return build_strings(&DataType::Utf8, n, |i, buf| {
                    Ok(opt(v, i).map(|k| write!(buf, "{k:b}")).is_some())
                });
            }
            let v = int64_arg(a)?;
            build_strings(&DataType::Utf8, n, |i, buf| {
                Ok(opt(&v, i).map(|k| write!(buf, "{k:b}")).is_some())
            })
        },
    )
}
inventory::submit! { BuiltinFunction(bin_def) }

#[cfg(test)]
mod tests {
    use super::{soundex, split_part, substring_index};

    #[test]
    fn soundex_codes_match_the_standard_examples() {
        for (name, code) in [
            ("Robert", "R163"),
            ("Rupert", "R163"),
            ("Rubin", "R150"),
            ("Ashcraft", "A261"),
            ("Tymczak", "T522"),
            ("Pfister", "P236"),
            ("Honeyman", "H555"),
            ("A", "A000"),
        ] {
            assert_eq!(soundex(name).as_deref(), Some(code), "{name}");
        }
        assert_eq!(soundex(" x"), None);
        assert_eq!(soundex(""), None);
    }

    #[test]
    fn parts_count_from_either_end() {
        assert_eq!(split_part("a,b,c", ",", 1), Some("a"));
        assert_eq!(split_part("a,b,c", ",", -1), Some("c"));
        assert_eq!(split_part("a,b,c", ",", 4), Some(""));
        assert_eq!(split_part("a,b", "", 1), Some("a,b"));
        assert_eq!(substring_index("www.example.com", ".", 2), "www.example");
        assert_eq!(substring_index("www.example.com", ".", -2), "example.com");
        assert_eq!(substring_index("abc", ".", 1), "abc");
        assert_eq!(substring_index("abc", ".", 0), "");
    }
}
