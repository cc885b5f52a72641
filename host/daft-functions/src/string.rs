//! String functions: case, length, search, slicing, padding, splitting.
//!
//! Strings keep their Arrow type (`Utf8`, `LargeUtf8` or `Utf8View`) through
//! functions that return strings; an all-null (`Null`) input yields `Utf8`.
//! Functions of several strings of different types (`concat`) return
//! `LargeUtf8`, their common type. Positions and lengths count Unicode
//! characters (code points), not bytes, except in `length_bytes`.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Datum, Scalar};
use arrow::compute::kernels::comparison::{contains, ends_with, ilike, like, starts_with};
use arrow::datatypes::{DataType, Field, Int64Type, UInt64Type};
use arrow::error::ArrowError;
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};

use crate::arrow_kernels::reverse_chars;
use crate::util::{
    build_prims, build_string_lists, build_strings, cast_to, common_type, function, int64_arg, opt,
    str_list_type, str_out, variadic_names, Strs,
};

/// Return rule of functions that map strings to strings of the same type.
fn same_string(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    Ok(str_out(args[0].data_type()))
}

fn string_param() -> Vec<Param> {
    vec![Param::expr("expr", TypeClass::String)]
}

/// Maps each string through `f`, which writes the result into the buffer.
fn map_strings(a: &ArrayRef, n: usize, f: impl Fn(&str, &mut String)) -> DaftResult<ArrayRef> {
    let s = Strs::new(a, "expr")?;
    build_strings(a.data_type(), n, |i, buf| {
        Ok(s.get(i).map(|v| f(v, buf)).is_some())
    })
}

// ---------------------------------------------------------------------------
// Case

/// The simple (one-to-one) lowercase mapping, as utf8proc and so
/// `pyarrow.compute.utf8_lower` use: only U+0130 has a longer full mapping,
/// whose first character is its simple mapping.
fn lower_char(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The simple uppercase mapping, as utf8proc has it. Characters whose full
/// mapping is longer (`ŉ` -> `ʼN`) have none, except the Greek letters with
/// ypogegrammeni, which map to their title-case forms, and `ß`, which
/// utf8proc maps to the capital sharp s `ẞ`.
fn upper_char(c: char) -> char {
    let mut full = c.to_uppercase();
    match (full.next(), full.next()) {
        (Some(u), None) => u,
        _ => match c as u32 {
            0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
                char::from_u32(c as u32 + 8).unwrap_or(c)
            }
            0xDF => '\u{1E9E}',
            0x1FB3 => '\u{1FBC}',
            0x1FC3 => '\u{1FCC}',
            0x1FF3 => '\u{1FFC}',
            _ => c,
        },
    }
}

fn lower_into(s: &str, buf: &mut String) {
    if s.is_ascii() {
        let start = buf.len();
        buf.push_str(s);
        buf[start..].make_ascii_lowercase();
    } else {
        buf.extend(s.chars().map(lower_char));
    }
}

fn upper_into(s: &str, buf: &mut String) {
    if s.is_ascii() {
        let start = buf.len();
        buf.push_str(s);
        buf[start..].make_ascii_uppercase();
    } else {
        buf.extend(s.chars().map(upper_char));
    }
}

fn capitalize_into(s: &str, buf: &mut String) {
    let mut chars = s.chars();
    if let Some(first) = chars.next() {
        buf.push(upper_char(first));
        lower_into(chars.as_str(), buf);
    }
}

fn lower_def() -> FunctionDef {
    function(
        "lower",
        r#"
Converts each string to lowercase.

Uses Unicode's one-to-one case mappings, like `pyarrow.compute.utf8_lower`,
so every character maps to exactly one character.

Args:
    expr: The string expression.

Returns:
    Expression: The lowercased strings; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["Hello", "WORLD", None]})
    >>> df.select(daft.functions.lower(daft.col("s")))
"#,
        string_param(),
        same_string,
        |args, _, n| map_strings(&args[0], n, lower_into),
    )
}
inventory::submit! { BuiltinFunction(lower_def) }

fn upper_def() -> FunctionDef {
    function(
        "upper",
        r#"
Converts each string to uppercase.

Uses Unicode's one-to-one case mappings, like `pyarrow.compute.utf8_upper`:
characters whose uppercase is longer (such as "ŉ") stay unchanged, and "ß"
becomes "ẞ".

Args:
    expr: The string expression.

Returns:
    Expression: The uppercased strings; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["Hello", "world", None]})
    >>> df.select(daft.functions.upper(daft.col("s")))
"#,
        string_param(),
        same_string,
        |args, _, n| map_strings(&args[0], n, upper_into),
    )
}
inventory::submit! { BuiltinFunction(upper_def) }

fn capitalize_def() -> FunctionDef {
    function(
        "capitalize",
        r#"
Uppercases the first character of each string and lowercases the rest.

Args:
    expr: The string expression.

Returns:
    Expression: The capitalized strings; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["hello WORLD", None]})
    >>> df.select(daft.functions.capitalize(daft.col("s")))
"#,
        string_param(),
        same_string,
        |args, _, n| map_strings(&args[0], n, capitalize_into),
    )
}
inventory::submit! { BuiltinFunction(capitalize_def) }

// ---------------------------------------------------------------------------
// Lengths

fn length_def() -> FunctionDef {
    function(
        "length",
        r#"
Returns the number of characters in each string.

Counts Unicode code points, not bytes (see `length_bytes`).

Args:
    expr: The string expression.

Returns:
    Expression: The lengths as UInt64; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["abc", "héllo", None]})
    >>> df.select(daft.functions.length(daft.col("s")))
"#,
        string_param(),
        |_, _| Ok(DataType::UInt64),
        |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            Ok(build_prims::<UInt64Type>(n, |i| {
                s.get(i).map(|v| v.chars().count() as u64)
            }))
        },
    )
}
inventory::submit! { BuiltinFunction(length_def) }

fn length_bytes_def() -> FunctionDef {
    function(
        "length_bytes",
        r#"
Returns the number of bytes in the UTF-8 encoding of each string.

Args:
    expr: The string expression.

Returns:
    Expression: The byte lengths as UInt64; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["abc", "héllo", None]})
    >>> df.select(daft.functions.length_bytes(daft.col("s")))
"#,
        string_param(),
        |_, _| Ok(DataType::UInt64),
        |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            Ok(build_prims::<UInt64Type>(n, |i| {
                s.get(i).map(|v| v.len() as u64)
            }))
        },
    )
}
inventory::submit! { BuiltinFunction(length_bytes_def) }

// ---------------------------------------------------------------------------
// Substring predicates, backed by arrow's kernels

type Predicate = fn(&dyn Datum, &dyn Datum) -> Result<BooleanArray, ArrowError>;

/// Runs an arrow string predicate of `expr` and a per-row `pattern`. A
/// pattern that is the same on every row (the usual broadcast literal) is
/// passed as a scalar so arrow compiles or searches for it once.
fn string_predicate(args: &[ArrayRef], n: usize, op: Predicate) -> DaftResult<ArrayRef> {
    let (expr, pattern) = (&args[0], &args[1]);
    if expr.data_type() == &DataType::Null || pattern.data_type() == &DataType::Null {
        return Ok(Arc::new(BooleanArray::new_null(n)));
    }
    let pattern = cast_to(pattern, expr.data_type())?;
    let out = if n > 0 && is_constant(&pattern)? {
        if pattern.is_null(0) {
            return Ok(Arc::new(BooleanArray::new_null(n)));
        }
        op(expr, &Scalar::new(pattern.slice(0, 1)))?
    } else {
        op(expr, &pattern)?
    };
    Ok(Arc::new(out))
}

/// Whether every row of a string array equals the first.
fn is_constant(a: &ArrayRef) -> DaftResult<bool> {
    let s = Strs::new(a, "pattern")?;
    let first = s.get(0);
    Ok((1..a.len()).all(|i| s.get(i) == first))
}

fn predicate_params(second: &str) -> Vec<Param> {
    vec![
        Param::expr("expr", TypeClass::String),
        Param::expr(second, TypeClass::String),
    ]
}

fn contains_def() -> FunctionDef {
    function(
        "contains",
        r#"
Checks whether each string contains a substring.

The substring is matched literally (see `regexp_match` for patterns).

Args:
    expr: The string expression to search.
    pattern: The substring to look for, a string expression (often a literal).

Returns:
    Expression: A Boolean expression; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["foobar", "baz", None]})
    >>> df.select(daft.functions.contains(daft.col("s"), daft.lit("oba")))
"#,
        predicate_params("pattern"),
        |_, _| Ok(DataType::Boolean),
        |args, _, n| string_predicate(args, n, contains),
    )
}
inventory::submit! { BuiltinFunction(contains_def) }

fn startswith_def() -> FunctionDef {
    function(
        "startswith",
        r#"
Checks whether each string starts with a prefix.

Args:
    expr: The string expression.
    prefix: The prefix, a string expression (often a literal).

Returns:
    Expression: A Boolean expression; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["foobar", "baz", None]})
    >>> df.select(daft.functions.startswith(daft.col("s"), daft.lit("foo")))
"#,
        predicate_params("prefix"),
        |_, _| Ok(DataType::Boolean),
        |args, _, n| string_predicate(args, n, starts_with),
    )
}
inventory::submit! { BuiltinFunction(startswith_def) }

fn endswith_def() -> FunctionDef {
    function(
        "endswith",
        r#"
Checks whether each string ends with a suffix.

Args:
    expr: The string expression.
    suffix: The suffix, a string expression (often a literal).

Returns:
    Expression: A Boolean expression; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["foobar", "baz", None]})
    >>> df.select(daft.functions.endswith(daft.col("s"), daft.lit("bar")))
"#,
        predicate_params("suffix"),
        |_, _| Ok(DataType::Boolean),
        |args, _, n| string_predicate(args, n, ends_with),
    )
}
inventory::submit! { BuiltinFunction(endswith_def) }

fn like_def() -> FunctionDef {
    function(
        "like",
        r#"
Checks whether each string matches a SQL LIKE pattern.

In the pattern `%` matches any run of characters, `_` any single character,
and a backslash escapes either. The whole string must match.

Args:
    expr: The string expression.
    pattern: The LIKE pattern, a string expression (often a literal).

Returns:
    Expression: A Boolean expression; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["foobar", "baz", None]})
    >>> df.select(daft.functions.like(daft.col("s"), daft.lit("f%r")))
"#,
        predicate_params("pattern"),
        |_, _| Ok(DataType::Boolean),
        |args, _, n| string_predicate(args, n, like),
    )
}
inventory::submit! { BuiltinFunction(like_def) }

fn ilike_def() -> FunctionDef {
    function(
        "ilike",
        r#"
Checks whether each string matches a SQL LIKE pattern, ignoring case.

Args:
    expr: The string expression.
    pattern: The LIKE pattern (`%`, `_`, backslash escapes), a string expression.

Returns:
    Expression: A Boolean expression; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["FooBar", "baz", None]})
    >>> df.select(daft.functions.ilike(daft.col("s"), daft.lit("foo%")))
"#,
        predicate_params("pattern"),
        |_, _| Ok(DataType::Boolean),
        |args, _, n| string_predicate(args, n, ilike),
    )
}
inventory::submit! { BuiltinFunction(ilike_def) }

fn find_def() -> FunctionDef {
    function(
        "find",
        r#"
Returns the character index of the first occurrence of a substring.

Args:
    expr: The string expression to search.
    substr: The substring to look for, a string expression (often a literal).

Returns:
    Expression: The 0-based character index as Int64, or -1 when the
    substring does not occur; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["foobar", "baz", None]})
    >>> df.select(daft.functions.find(daft.col("s"), daft.lit("bar")))
"#,
        predicate_params("substr"),
        |_, _| Ok(DataType::Int64),
        |args, _, n| {
            let (s, sub) = (Strs::new(&args[0], "expr")?, Strs::new(&args[1], "substr")?);
            Ok(build_prims::<Int64Type>(n, |i| {
                let (s, sub) = (s.get(i)?, sub.get(i)?);
                Some(match s.find(sub) {
                    Some(b) => s[..b].chars().count() as i64,
                    None => -1,
                })
            }))
        },
    )
}
inventory::submit! { BuiltinFunction(find_def) }

// ---------------------------------------------------------------------------
// replace, split

fn replace_def() -> FunctionDef {
    function(
        "replace",
        r#"
Replaces every occurrence of a pattern in each string.

With `regex=False` the pattern is a literal substring; with `regex=True` it
is a regular expression (Rust `regex` syntax) and the replacement may refer
to groups as `$1` or `${name}`.

Args:
    expr: The string expression.
    pattern: The substring or regular expression to replace.
    replacement: The replacement text.
    regex: Whether `pattern` is a regular expression (default False).

Returns:
    Expression: The strings with every non-overlapping match replaced; null
    where any argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["a-b-c", None]})
    >>> df.select(daft.functions.replace(daft.col("s"), daft.lit("-"), daft.lit("+")))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("pattern", TypeClass::String),
            Param::expr("replacement", TypeClass::String),
            Param::option("regex", OptionKind::Bool, OptionValue::Bool(false)),
        ],
        same_string,
        |args, opts, n| {
            if opts.bool("regex").unwrap_or(false) {
                return crate::regex::replace_all(args, n, "replace");
            }
            let s = Strs::new(&args[0], "expr")?;
            let pat = Strs::new(&args[1], "pattern")?;
            let rep = Strs::new(&args[2], "replacement")?;
            build_strings(args[0].data_type(), n, |i, buf| {
                let (Some(s), Some(p), Some(r)) = (s.get(i), pat.get(i), rep.get(i)) else {
                    return Ok(false);
                };
                *buf = s.replace(p, r);
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(replace_def) }

fn split_def() -> FunctionDef {
    function(
        "split",
        r#"
Splits each string on a separator.

With `regex=False` the separator is a literal, non-empty string; with
`regex=True` it is a regular expression. Adjacent separators produce empty
items, as in Python's `str.split(sep)`.

Args:
    expr: The string expression.
    pattern: The separator, a string expression (often a literal).
    regex: Whether `pattern` is a regular expression (default False).

Returns:
    Expression: A List of strings per row; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["a,b,,c", None]})
    >>> df.select(daft.functions.split(daft.col("s"), daft.lit(",")))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("pattern", TypeClass::String),
            Param::option("regex", OptionKind::Bool, OptionValue::Bool(false)),
        ],
        |args, _| Ok(str_list_type(str_out(args[0].data_type()))),
        |args, opts, n| {
            if opts.bool("regex").unwrap_or(false) {
                return crate::regex::split(args, n, "split");
            }
            let s = Strs::new(&args[0], "expr")?;
            let pat = Strs::new(&args[1], "pattern")?;
            build_string_lists(args[0].data_type(), n, |i, items| {
                let (Some(s), Some(p)) = (s.get(i), pat.get(i)) else {
                    return Ok(false);
                };
                if p.is_empty() {
                    return Err(DaftError::value_error(
                        "split: the separator must not be empty",
                    ));
                }
                s.split(p).for_each(|part| items.append(part));
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(split_def) }

// ---------------------------------------------------------------------------
// Trimming

/// Whitespace as `pyarrow.compute.utf8_trim_whitespace` (and Python's
/// `str.isspace`) define it: Unicode White_Space plus the ASCII
/// information separators U+001C..U+001F.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn trim_def(name: &'static str, which: &str, trim: fn(&str) -> &str) -> FunctionDef {
    function(
        name,
        &format!(
            r#"
Removes {which} whitespace from each string.

Whitespace is Unicode whitespace, as Python's `str.isspace` defines it.

Args:
    expr: The string expression.

Returns:
    Expression: The trimmed strings; null stays null.

Example:
    >>> df = daft.from_pydict({{"s": ["  hi  ", None]}})
    >>> df.select(daft.functions.{name}(daft.col("s")))
"#
        ),
        string_param(),
        same_string,
        move |args, _, n| map_strings(&args[0], n, |s, buf| buf.push_str(trim(s))),
    )
}
fn strip_both(s: &str) -> &str {
    s.trim_matches(is_space)
}
fn strip_start(s: &str) -> &str {
    s.trim_start_matches(is_space)
}
fn strip_end(s: &str) -> &str {
    s.trim_end_matches(is_space)
}
inventory::submit! { BuiltinFunction(|| trim_def("strip", "leading and trailing", strip_both)) }
inventory::submit! { BuiltinFunction(|| trim_def("lstrip", "leading", strip_start)) }
inventory::submit! { BuiltinFunction(|| trim_def("rstrip", "trailing", strip_end)) }

// ---------------------------------------------------------------------------
// Slicing by characters

/// Byte offset of character `k` of `s` (the end when `k` is past it).
fn char_offset(s: &str, k: usize) -> usize {
    if s.is_ascii() {
        return k.min(s.len());
    }
    s.char_indices().nth(k).map_or(s.len(), |(b, _)| b)
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Characters `[begin, end)` of `s`, clamped to its length.
fn char_slice(s: &str, begin: usize, end: usize) -> &str {
    if begin >= end {
        return "";
    }
    let b = char_offset(s, begin);
    let rest = &s[b..];
    &rest[..char_offset(rest, end - begin)]
}

fn substr_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    if args.len() > 3 {
        return Err(DaftError::type_error(format!(
            "substr takes at most one `length` argument, got {}",
            args.len() - 2
        )));
    }
    Ok(str_out(args[0].data_type()))
}

fn substr_def() -> FunctionDef {
    function(
        "substr",
        r#"
Extracts a substring of each string by character position.

`start` is 0-based; a negative `start` counts from the end of the string,
as in Python slicing. Without `length` (or where it is null) the substring
runs to the end; a `length` of zero or less gives an empty string. Positions
past the end are clamped, so they give a shorter or empty string.

Args:
    expr: The string expression.
    start: The first character's index, an integer expression.
    length: Optional number of characters to take, an integer expression.

Returns:
    Expression: The substrings; null where `expr` or `start` is null.

Example:
    >>> df = daft.from_pydict({"s": ["daft dataframe", None]})
    >>> df.select(daft.functions.substr(daft.col("s"), daft.lit(5), daft.lit(4)))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("start", TypeClass::Integer),
            Param::variadic("length", TypeClass::Integer, 0),
        ],
        substr_rule,
        |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            let start = int64_arg(&args[1])?;
            let length = args.get(2).map(int64_arg).transpose()?;
            build_strings(args[0].data_type(), n, |i, buf| {
                let (Some(s), Some(start)) = (s.get(i), opt(&start, i)) else {
                    return Ok(false);
                };
                let begin = if start >= 0 {
                    start as usize
                } else {
                    (char_count(s) as i64 + start).max(0) as usize
                };
                let end = match length.as_ref().and_then(|l| opt(l, i)) {
                    None => usize::MAX,
                    Some(l) if l <= 0 => begin,
                    Some(l) => begin.saturating_add(l as usize),
                };
                buf.push_str(char_slice(s, begin, end));
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(substr_def) }

fn count_params() -> Vec<Param> {
    vec![
        Param::expr("expr", TypeClass::String),
        Param::expr("n", TypeClass::Integer),
    ]
}

/// Runs `f(string, count)` on each row where both are non-null.
fn with_count(
    args: &[ArrayRef],
    n: usize,
    f: impl Fn(&str, i64, &mut String) -> DaftResult<()>,
) -> DaftResult<ArrayRef> {
    let s = Strs::new(&args[0], "expr")?;
    let counts = int64_arg(&args[1])?;
    build_strings(args[0].data_type(), n, |i, buf| {
        let (Some(s), Some(k)) = (s.get(i), opt(&counts, i)) else {
            return Ok(false);
        };
        f(s, k, buf)?;
        Ok(true)
    })
}

fn left_def() -> FunctionDef {
    function(
        "left",
        r#"
Returns the first `n` characters of each string.

Args:
    expr: The string expression.
    n: The number of characters, an integer expression; zero or less gives
        an empty string.

Returns:
    Expression: The prefixes; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["daft", None]})
    >>> df.select(daft.functions.left(daft.col("s"), daft.lit(2)))
"#,
        count_params(),
        same_string,
        |args, _, n| {
            with_count(args, n, |s, k, buf| {
                buf.push_str(char_slice(s, 0, k.max(0) as usize));
                Ok(())
            })
        },
    )
}
inventory::submit! { BuiltinFunction(left_def) }

fn right_def() -> FunctionDef {
    function(
        "right",
        r#"
Returns the last `n` characters of each string.

Args:
    expr: The string expression.
    n: The number of characters, an integer expression; zero or less gives
        an empty string.

Returns:
    Expression: The suffixes; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["daft", None]})
    >>> df.select(daft.functions.right(daft.col("s"), daft.lit(2)))
"#,
        count_params(),
        same_string,
        |args, _, n| {
            with_count(args, n, |s, k, buf| {
                let total = char_count(s);
                let k = (k.max(0) as usize).min(total);
                buf.push_str(char_slice(s, total - k, total));
                Ok(())
            })
        },
    )
}
inventory::submit! { BuiltinFunction(right_def) }

/// Results longer than this are refused rather than risking the process's
/// memory on one row.
const MAX_STRING_BYTES: usize = i32::MAX as usize;

fn repeat_def() -> FunctionDef {
    function(
        "repeat",
        r#"
Repeats each string `n` times.

Args:
    expr: The string expression.
    n: The number of repetitions, an integer expression; zero or less gives
        an empty string.

Returns:
    Expression: The repeated strings; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["ab", None]})
    >>> df.select(daft.functions.repeat(daft.col("s"), daft.lit(3)))
"#,
        count_params(),
        same_string,
        |args, _, n| {
            with_count(args, n, |s, k, buf| {
                let k = k.max(0) as usize;
                if s.len().saturating_mul(k) > MAX_STRING_BYTES {
                    return Err(DaftError::compute(format!(
                        "repeat: repeating a {}-byte string {k} times exceeds 2 GiB",
                        s.len()
                    )));
                }
                buf.push_str(&s.repeat(k));
                Ok(())
            })
        },
    )
}
inventory::submit! { BuiltinFunction(repeat_def) }

fn pad_def(name: &'static str, left: bool) -> FunctionDef {
    let (side, align) = if left {
        ("left", "right-aligns")
    } else {
        ("right", "left-aligns")
    };
    function(
        name,
        &format!(
            r#"
Pads each string on the {side} to a given length ({align} it).

The pad string is repeated as needed and cut to fit. Strings longer than
`length` are truncated to their first `length` characters; an empty pad
leaves shorter strings unchanged, and a `length` of zero or less gives an
empty string.

Args:
    expr: The string expression.
    length: The target length in characters, an integer expression.
    pad: The characters to pad with, a string expression.

Returns:
    Expression: The padded strings; null where any argument is null.

Example:
    >>> df = daft.from_pydict({{"s": ["7", "42", None]}})
    >>> df.select(daft.functions.{name}(daft.col("s"), daft.lit(3), daft.lit("0")))
"#
        ),
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("length", TypeClass::Integer),
            Param::expr("pad", TypeClass::String),
        ],
        same_string,
        move |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            let length = int64_arg(&args[1])?;
            let pad = Strs::new(&args[2], "pad")?;
            build_strings(args[0].data_type(), n, |i, buf| {
                let (Some(s), Some(target), Some(pad)) = (s.get(i), opt(&length, i), pad.get(i))
                else {
                    return Ok(false);
                };
                let target = target.max(0) as usize;
                let have = char_count(s);
                if have >= target || pad.is_empty() {
                    buf.push_str(char_slice(s, 0, target));
                    return Ok(true);
                }
                if target > MAX_STRING_BYTES {
                    return Err(DaftError::compute(format!(
                        "{name}: padding to {target} characters exceeds 2 GiB"
                    )));
                }
                let fill = pad.chars().cycle().take(target - have);
                if left {
                    buf.extend(fill);
                    buf.push_str(s);
                } else {
                    buf.push_str(s);
                    buf.extend(fill);
                }
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(|| pad_def("lpad", true)) }
inventory::submit! { BuiltinFunction(|| pad_def("rpad", false)) }

fn reverse_def() -> FunctionDef {
    function(
        "reverse",
        r#"
Reverses the characters of each string.

Reverses code points, like `pyarrow.compute.utf8_reverse`.

Args:
    expr: The string expression.

Returns:
    Expression: The reversed strings; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["daft", None]})
    >>> df.select(daft.functions.reverse(daft.col("s")))
"#,
        string_param(),
        same_string,
        |args, _, n| match args[0].data_type() {
            // The kernel shared with the benchmark plugin (see `arrow_kernels`).
            DataType::Utf8 => Ok(Arc::new(reverse_chars(args[0].as_string::<i32>()))),
            DataType::LargeUtf8 => Ok(Arc::new(reverse_chars(args[0].as_string::<i64>()))),
            _ => map_strings(&args[0], n, |s, buf| buf.extend(s.chars().rev())),
        },
    )
}
inventory::submit! { BuiltinFunction(reverse_def) }

// ---------------------------------------------------------------------------
// concat

fn concat_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    let names = variadic_names(&[], "exprs", args.len());
    Ok(str_out(&common_type(args, &names)?))
}

fn concat_def() -> FunctionDef {
    function(
        "concat",
        r#"
Concatenates strings row by row.

Args:
    *exprs: One or more string expressions.

Returns:
    Expression: The concatenation of the arguments per row; null where any
    argument is null.

Example:
    >>> df = daft.from_pydict({"a": ["x", "y", None], "b": ["1", "2", "3"]})
    >>> df.select(daft.functions.concat(daft.col("a"), daft.lit("-"), daft.col("b")))
"#,
        vec![Param::variadic("exprs", TypeClass::String, 1)],
        concat_rule,
        |args, opts, n| {
            let fields: Vec<Field> = args
                .iter()
                .map(|a| Field::new("", a.data_type().clone(), true))
                .collect();
            let out = concat_rule(&fields, opts)?;
            let parts = args
                .iter()
                .map(|a| Strs::new(a, "exprs"))
                .collect::<DaftResult<Vec<_>>>()?;
            build_strings(&out, n, |i, buf| {
                for p in &parts {
                    match p.get(i) {
                        Some(s) => buf.push_str(s),
                        None => return Ok(false),
                    }
                }
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(concat_def) }

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        Array, ArrayRef, AsArray, BooleanArray, Int64Array, LargeStringArray, StringArray,
        StringViewArray, UInt64Array,
    };
    use arrow::datatypes::DataType;
    use daft_core::options::OptionValue;
    use daft_core::DaftError;

    use crate::util::testing::{eval, run};

    fn strs(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    fn lit(s: &str, n: usize) -> ArrayRef {
        Arc::new(StringArray::from(vec![s; n]))
    }

    fn ints(v: &[Option<i64>]) -> ArrayRef {
        Arc::new(Int64Array::from(v.to_vec()))
    }

    #[test]
    fn lower_upper_capitalize_use_simple_case_mappings() {
        // No final-sigma rule, one character per character: as pyarrow.
        let a = strs(&[Some("HeLLo"), None, Some("ÀΣß"), Some(""), Some("İŉ")]);
        assert_eq!(
            &run("lower", std::slice::from_ref(&a), &[]),
            &strs(&[Some("hello"), None, Some("àσß"), Some(""), Some("iŉ")])
        );
        assert_eq!(
            &run("upper", std::slice::from_ref(&a), &[]),
            &strs(&[Some("HELLO"), None, Some("ÀΣẞ"), Some(""), Some("İŉ")])
        );
        let a = strs(&[Some("bB"), Some("ßA"), Some("B"), None]);
        assert_eq!(
            &run("capitalize", &[a], &[]),
            &strs(&[Some("Bb"), Some("ẞa"), Some("B"), None])
        );
    }

    #[test]
    fn string_type_is_preserved_and_null_input_gives_utf8() {
        let a: ArrayRef = Arc::new(LargeStringArray::from(vec!["Ab"]));
        assert_eq!(run("lower", &[a], &[]).data_type(), &DataType::LargeUtf8);
        let a: ArrayRef = Arc::new(StringViewArray::from(vec!["Ab"]));
        assert_eq!(run("upper", &[a], &[]).data_type(), &DataType::Utf8View);
        let a: ArrayRef = Arc::new(arrow::array::NullArray::new(2));
        let out = run("capitalize", &[a], &[]);
        assert_eq!(out.data_type(), &DataType::Utf8);
        assert_eq!(out.null_count(), 2);
    }

    #[test]
    fn length_counts_characters_on_a_sliced_array() {
        let a = strs(&[
            Some("xx"),
            None,
            Some("x"),
            Some("héllo"),
            None,
            Some(""),
            Some("ab"),
            Some("abc"),
        ]);
        let out = run("length", &[a.slice(3, 5)], &[]);
        assert_eq!(
            out.as_ref(),
            &UInt64Array::from(vec![Some(5), None, Some(0), Some(2), Some(3)]) as &dyn Array
        );
        let out = run("length_bytes", &[a.slice(3, 1)], &[]);
        assert_eq!(out.as_ref(), &UInt64Array::from(vec![6]) as &dyn Array);
    }

    #[test]
    fn contains_with_literal_and_per_row_patterns() {
        let a = strs(&[Some("foobar"), Some("baz"), None, Some("oba")]);
        let out = run("contains", &[a.clone(), lit("oba", 4)], &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![Some(true), Some(false), None, Some(true)])
        );
        let pats = strs(&[Some("z"), Some("z"), Some("x"), None]);
        let out = run("endswith", &[a, pats], &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![Some(false), Some(true), None, None])
        );
    }

    #[test]
    fn empty_input_gives_empty_output() {
        let a = strs(&[]);
        assert_eq!(run("contains", &[a.clone(), strs(&[])], &[]).len(), 0);
        assert_eq!(run("split", &[a.clone(), strs(&[])], &[]).len(), 0);
        assert_eq!(run("lower", &[a], &[]).len(), 0);
    }

    #[test]
    fn substr_handles_negative_start_missing_and_null_length() {
        let a = strs(&[Some("daft dataframe"), Some("héllo"), None, Some("abc")]);
        let out = run(
            "substr",
            &[
                a.clone(),
                ints(&[Some(5), Some(1), Some(0), Some(-2)]),
                ints(&[Some(4), None, Some(1), Some(5)]),
            ],
            &[],
        );
        assert_eq!(&out, &strs(&[Some("data"), Some("éllo"), None, Some("bc")]));
        let out = run(
            "substr",
            &[a, ints(&[Some(20), Some(2), None, Some(0)])],
            &[],
        );
        assert_eq!(&out, &strs(&[Some(""), Some("llo"), None, Some("abc")]));
    }

    #[test]
    fn substr_with_two_lengths_is_a_type_error() {
        let a = strs(&[Some("x")]);
        let err = eval(
            "substr",
            &[a, ints(&[Some(0)]), ints(&[Some(1)]), ints(&[Some(1)])],
            &[],
        )
        .unwrap_err();
        assert!(matches!(err, DaftError::TypeError(_)), "{err}");
        assert!(err.to_string().contains("substr"), "{err}");
    }

    #[test]
    fn split_keeps_empty_items_and_rejects_empty_separator() {
        let a = strs(&[Some("a,b,,c"), None, Some("")]);
        let out = run("split", &[a.clone(), lit(",", 3)], &[]);
        let list = out.as_list::<i32>();
        let first = list.value(0);
        assert_eq!(
            first
                .as_string::<i32>()
                .iter()
                .flatten()
                .collect::<Vec<_>>(),
            ["a", "b", "", "c"]
        );
        assert!(list.is_null(1));
        assert_eq!(list.value(2).len(), 1);
        let err = eval("split", &[a.clone(), lit("", 3)], &[]).unwrap_err();
        assert!(matches!(err, DaftError::ValueError(_)), "{err}");
        let out = run(
            "split",
            &[a, lit(",+", 3)],
            &[("regex", OptionValue::Bool(true))],
        );
        assert_eq!(out.as_list::<i32>().value(0).len(), 3);
    }

    #[test]
    fn replace_literal_and_regex() {
        let a = strs(&[Some("a-b-c"), None]);
        let out = run("replace", &[a.clone(), lit("-", 2), lit("+", 2)], &[]);
        assert_eq!(&out, &strs(&[Some("a+b+c"), None]));
        let out = run(
            "replace",
            &[a, lit("(\\w)-", 2), lit("$1$1", 2)],
            &[("regex", OptionValue::Bool(true))],
        );
        assert_eq!(&out, &strs(&[Some("aabbc"), None]));
    }

    #[test]
    fn strip_trims_unicode_whitespace() {
        let a = strs(&[Some(" \u{3000}hi \t"), Some("\u{1c}x"), None]);
        assert_eq!(
            &run("strip", std::slice::from_ref(&a), &[]),
            &strs(&[Some("hi"), Some("x"), None])
        );
        assert_eq!(
            &run("rstrip", std::slice::from_ref(&a), &[]),
            &strs(&[Some(" \u{3000}hi"), Some("\u{1c}x"), None])
        );
        assert_eq!(
            &run("lstrip", &[a], &[]),
            &strs(&[Some("hi \t"), Some("x"), None])
        );
    }

    #[test]
    fn padding_truncates_and_cycles_pad() {
        let a = strs(&[Some("7"), Some("toolong"), None, Some("x")]);
        let out = run("lpad", &[a.clone(), ints(&[Some(4); 4]), lit("ab", 4)], &[]);
        assert_eq!(
            &out,
            &strs(&[Some("aba7"), Some("tool"), None, Some("abax")])
        );
        let out = run(
            "rpad",
            &[a, ints(&[Some(3), Some(-1), Some(1), Some(2)]), lit("", 4)],
            &[],
        );
        assert_eq!(&out, &strs(&[Some("7"), Some(""), None, Some("x")]));
    }

    #[test]
    fn left_right_repeat_reverse_find_concat() {
        let a = strs(&[Some("héllo"), None, Some("ab")]);
        let n = ints(&[Some(2), Some(1), Some(-1)]);
        assert_eq!(
            &run("left", &[a.clone(), n.clone()], &[]),
            &strs(&[Some("hé"), None, Some("")])
        );
        assert_eq!(
            &run("right", &[a.clone(), n.clone()], &[]),
            &strs(&[Some("lo"), None, Some("")])
        );
        assert_eq!(
            &run("repeat", &[a.clone(), n], &[]),
            &strs(&[Some("héllohéllo"), None, Some("")])
        );
        assert_eq!(
            &run("reverse", std::slice::from_ref(&a), &[]),
            &strs(&[Some("olléh"), None, Some("ba")])
        );
        let out = run("find", &[a.clone(), lit("l", 3)], &[]);
        assert_eq!(
            out.as_ref(),
            &Int64Array::from(vec![Some(2), None, Some(-1)]) as &dyn Array
        );
        let b: ArrayRef = Arc::new(LargeStringArray::from(vec!["1", "2", "3"]));
        let out = run("concat", &[a, lit("-", 3), b], &[]);
        assert_eq!(out.data_type(), &DataType::LargeUtf8);
        let out = out.as_string::<i64>();
        assert_eq!(
            out.iter().collect::<Vec<_>>(),
            [Some("héllo-1"), None, Some("ab-3")]
        );
    }
}
