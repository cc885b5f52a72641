//! Regular-expression functions, using the `regex` crate's syntax.
//!
//! Patterns are expressions, so they may differ per row; each distinct
//! pattern is compiled once per call. An invalid pattern is a `ValueError`
//! naming the function and the pattern.

use ::regex::Regex;
use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, Field, UInt64Type};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};

use crate::util::{
    build_bools, build_prims, build_string_lists, build_strings, function, str_list_type, str_out,
    RegexCache, Strs,
};

fn pattern_params() -> Vec<Param> {
    vec![
        Param::expr("expr", TypeClass::String),
        Param::expr("pattern", TypeClass::String),
    ]
}

fn index_param() -> Param {
    Param::option("index", OptionKind::Int, OptionValue::Int(0))
}

/// The capture group index option, which must be non-negative.
fn group_index(opts: &FunctionOptions) -> DaftResult<usize> {
    let index = opts.int("index").unwrap_or(0);
    usize::try_from(index).map_err(|_| {
        DaftError::value_error(format!(
            "option `index` must be a group number >= 0, got {index}"
        ))
    })
}

/// Checks that `re` has group `index`, so a typo fails loudly instead of
/// giving all-null results.
fn check_group(function: &str, re: &Regex, index: usize) -> DaftResult<()> {
    if index < re.captures_len() {
        Ok(())
    } else {
        Err(DaftError::value_error(format!(
            "{function}: pattern {:?} has {} capture group(s); index={index} does not exist",
            re.as_str(),
            re.captures_len() - 1
        )))
    }
}

/// Runs `f(string, regex)` on each row where both the string and the
/// pattern are non-null; `None` from `f` is a null row.
fn for_each_row<T>(
    function: &'static str,
    args: &[ArrayRef],
    n: usize,
    mut f: impl FnMut(usize, &str, &Regex) -> DaftResult<T>,
) -> DaftResult<Vec<Option<T>>> {
    let s = Strs::new(&args[0], "expr")?;
    let pat = Strs::new(&args[1], "pattern")?;
    let mut cache = RegexCache::new(function);
    (0..n)
        .map(|i| match (s.get(i), pat.get(i)) {
            (Some(s), Some(p)) => Ok(Some(f(i, s, cache.get(p)?)?)),
            _ => Ok(None),
        })
        .collect()
}

fn regexp_match_def() -> FunctionDef {
    function(
        "regexp_match",
        r#"
Checks whether each string contains a match of a regular expression.

The match may be anywhere in the string, like Python's `re.search`; anchor
the pattern with `^` and `$` to match the whole string.

Args:
    expr: The string expression.
    pattern: The regular expression, a string expression (often a literal).

Returns:
    Expression: A Boolean expression; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["abc123", "xyz", None]})
    >>> df.select(daft.functions.regexp_match(daft.col("s"), daft.lit(r"\d+")))
"#,
        pattern_params(),
        |_, _| Ok(DataType::Boolean),
        |args, _, n| {
            let rows = for_each_row("regexp_match", args, n, |_, s, re| Ok(re.is_match(s)))?;
            Ok(build_bools(n, |i| rows[i]))
        },
    )
}
inventory::submit! { BuiltinFunction(regexp_match_def) }

fn regexp_extract_def() -> FunctionDef {
    function(
        "regexp_extract",
        r#"
Extracts the first match of a regular expression, or one of its groups.

Args:
    expr: The string expression.
    pattern: The regular expression, a string expression (often a literal).
    index: The capture group to return; 0 (the default) is the whole match.

Returns:
    Expression: The matched text; null where there is no match, where the
    group did not take part in the match, or where an argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["key=value", "nothing", None]})
    >>> df.select(daft.functions.regexp_extract(daft.col("s"), daft.lit(r"(\w+)=(\w+)"), index=2))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("pattern", TypeClass::String),
            index_param(),
        ],
        |args, opts| {
            group_index(opts)?;
            Ok(str_out(args[0].data_type()))
        },
        |args, opts, n| {
            let index = group_index(opts)?;
            let s = Strs::new(&args[0], "expr")?;
            let pat = Strs::new(&args[1], "pattern")?;
            let mut cache = RegexCache::new("regexp_extract");
            build_strings(args[0].data_type(), n, |i, buf| {
                let (Some(s), Some(p)) = (s.get(i), pat.get(i)) else {
                    return Ok(false);
                };
                let re = cache.get(p)?;
                check_group("regexp_extract", re, index)?;
                let found = if index == 0 {
                    re.find(s)
                } else {
                    re.captures(s).and_then(|c| c.get(index))
                };
                Ok(found.map(|m| buf.push_str(m.as_str())).is_some())
            })
        },
    )
}
inventory::submit! { BuiltinFunction(regexp_extract_def) }

fn regexp_extract_all_def() -> FunctionDef {
    function(
        "regexp_extract_all",
        r#"
Extracts every non-overlapping match of a regular expression, or one of its groups.

Args:
    expr: The string expression.
    pattern: The regular expression, a string expression (often a literal).
    index: The capture group to return from each match; 0 (the default) is
        the whole match. Matches in which the group did not take part are
        skipped.

Returns:
    Expression: A List of strings per row, empty when nothing matches; null
    where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["a1b22c333", None]})
    >>> df.select(daft.functions.regexp_extract_all(daft.col("s"), daft.lit(r"\d+")))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("pattern", TypeClass::String),
            index_param(),
        ],
        |args, opts| {
            group_index(opts)?;
            Ok(str_list_type(str_out(args[0].data_type())))
        },
        |args, opts, n| {
            let index = group_index(opts)?;
            let s = Strs::new(&args[0], "expr")?;
            let pat = Strs::new(&args[1], "pattern")?;
            let mut cache = RegexCache::new("regexp_extract_all");
            build_string_lists(args[0].data_type(), n, |i, items| {
                let (Some(s), Some(p)) = (s.get(i), pat.get(i)) else {
                    return Ok(false);
                };
                let re = cache.get(p)?;
                check_group("regexp_extract_all", re, index)?;
                if index == 0 {
                    re.find_iter(s).for_each(|m| items.append(m.as_str()));
                } else {
                    re.captures_iter(s)
                        .filter_map(|c| c.get(index))
                        .for_each(|m| items.append(m.as_str()));
                }
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(regexp_extract_all_def) }

/// Regex replace-all, shared with `replace(..., regex=True)`.
pub(crate) fn replace_all(
    args: &[ArrayRef],
    n: usize,
    function: &'static str,
) -> DaftResult<ArrayRef> {
    let s = Strs::new(&args[0], "expr")?;
    let pat = Strs::new(&args[1], "pattern")?;
    let rep = Strs::new(&args[2], "replacement")?;
    let mut cache = RegexCache::new(function);
    build_strings(args[0].data_type(), n, |i, buf| {
        let (Some(s), Some(p), Some(r)) = (s.get(i), pat.get(i), rep.get(i)) else {
            return Ok(false);
        };
        buf.push_str(&cache.get(p)?.replace_all(s, r));
        Ok(true)
    })
}

fn regexp_replace_def() -> FunctionDef {
    function(
        "regexp_replace",
        r#"
Replaces every match of a regular expression in each string.

The replacement may refer to capture groups as `$1` or `${name}`; write
`$$` for a literal dollar sign.

Args:
    expr: The string expression.
    pattern: The regular expression, a string expression (often a literal).
    replacement: The replacement text, a string expression.

Returns:
    Expression: The strings with every non-overlapping match replaced; null
    where any argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["2024-01-31", None]})
    >>> df.select(daft.functions.regexp_replace(daft.col("s"), daft.lit(r"(\d+)-(\d+)-(\d+)"), daft.lit("$3/$2/$1")))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::expr("pattern", TypeClass::String),
            Param::expr("replacement", TypeClass::String),
        ],
        |args: &[Field], _: &FunctionOptions| Ok(str_out(args[0].data_type())),
        |args, _, n| replace_all(args, n, "regexp_replace"),
    )
}
inventory::submit! { BuiltinFunction(regexp_replace_def) }

fn regexp_count_def() -> FunctionDef {
    function(
        "regexp_count",
        r#"
Counts the non-overlapping matches of a regular expression in each string.

Args:
    expr: The string expression.
    pattern: The regular expression, a string expression (often a literal).

Returns:
    Expression: The number of matches as UInt64; null where either argument
    is null.

Example:
    >>> df = daft.from_pydict({"s": ["a1b22c333", None]})
    >>> df.select(daft.functions.regexp_count(daft.col("s"), daft.lit(r"\d+")))
"#,
        pattern_params(),
        |_, _| Ok(DataType::UInt64),
        |args, _, n| {
            let rows = for_each_row("regexp_count", args, n, |_, s, re| {
                Ok(re.find_iter(s).count() as u64)
            })?;
            Ok(build_prims::<UInt64Type>(n, |i| rows[i]))
        },
    )
}
inventory::submit! { BuiltinFunction(regexp_count_def) }

/// Regex split, shared with `split(..., regex=True)`.
pub(crate) fn split(args: &[ArrayRef], n: usize, function: &'static str) -> DaftResult<ArrayRef> {
    let s = Strs::new(&args[0], "expr")?;
    let pat = Strs::new(&args[1], "pattern")?;
    let mut cache = RegexCache::new(function);
    build_string_lists(args[0].data_type(), n, |i, items| {
        let (Some(s), Some(p)) = (s.get(i), pat.get(i)) else {
            return Ok(false);
        };
        cache.get(p)?.split(s).for_each(|part| items.append(part));
        Ok(true)
    })
}

fn regexp_split_def() -> FunctionDef {
    function(
        "regexp_split",
        r#"
Splits each string on the matches of a regular expression.

Args:
    expr: The string expression.
    pattern: The regular expression to split on, a string expression.

Returns:
    Expression: A List of strings per row; null where either argument is null.

Example:
    >>> df = daft.from_pydict({"s": ["a1b22c", None]})
    >>> df.select(daft.functions.regexp_split(daft.col("s"), daft.lit(r"\d+")))
"#,
        pattern_params(),
        |args, _| Ok(str_list_type(str_out(args[0].data_type()))),
        |args, _, n| split(args, n, "regexp_split"),
    )
}
inventory::submit! { BuiltinFunction(regexp_split_def) }

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray, UInt64Array};
    use daft_core::options::OptionValue;
    use daft_core::DaftError;

    use crate::util::testing::{eval, run};

    fn strs(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    fn lit(s: &str, n: usize) -> ArrayRef {
        Arc::new(StringArray::from(vec![s; n]))
    }

    #[test]
    fn invalid_regex_is_a_value_error_naming_the_pattern() {
        for name in [
            "regexp_match",
            "regexp_count",
            "regexp_split",
            "regexp_extract",
        ] {
            let err = eval(name, &[strs(&[Some("x")]), lit("a(b", 1)], &[]).unwrap_err();
            assert!(matches!(err, DaftError::ValueError(_)), "{name}: {err}");
            let msg = err.to_string();
            assert!(msg.contains("\"a(b\"") && msg.contains(name), "{msg}");
        }
    }

    #[test]
    fn regexp_match_searches_anywhere_with_per_row_patterns() {
        let a = strs(&[Some("abc123"), Some("xyz"), None, Some("q")]);
        let p = strs(&[Some(r"\d"), Some("^y"), Some("x"), None]);
        let out = run("regexp_match", &[a, p], &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![Some(true), Some(false), None, None])
        );
    }

    #[test]
    fn regexp_extract_returns_group_or_null() {
        let a = strs(&[Some("k=v"), Some("none"), None, Some("x=1 y=2")]);
        let out = run(
            "regexp_extract",
            &[a.slice(1, 3), lit(r"(\w)=(\w)", 3)],
            &[("index", OptionValue::Int(2))],
        );
        assert_eq!(&out, &strs(&[None, None, Some("1")]));
        let err = eval(
            "regexp_extract",
            &[a, lit(r"(\w)", 4)],
            &[("index", OptionValue::Int(3))],
        )
        .unwrap_err();
        assert!(err.to_string().contains("index=3"), "{err}");
    }

    #[test]
    fn regexp_extract_all_count_split_and_replace() {
        let a = strs(&[Some("a1b22c333"), None, Some("")]);
        let out = run("regexp_extract_all", &[a.clone(), lit(r"\d+", 3)], &[]);
        let list = out.as_list::<i32>();
        let v = list.value(0);
        assert_eq!(
            v.as_string::<i32>().iter().flatten().collect::<Vec<_>>(),
            ["1", "22", "333"]
        );
        assert!(list.is_null(1));
        assert_eq!(list.value(2).len(), 0);

        let out = run("regexp_count", &[a.clone(), lit(r"\d+", 3)], &[]);
        assert_eq!(
            out.as_ref(),
            &UInt64Array::from(vec![Some(3), None, Some(0)]) as &dyn Array
        );

        let out = run("regexp_split", &[a.clone(), lit(r"\d+", 3)], &[]);
        assert_eq!(out.as_list::<i32>().value(0).len(), 4);

        let out = run("regexp_replace", &[a, lit(r"(\d)", 3), lit("<$1>", 3)], &[]);
        assert_eq!(
            &out,
            &strs(&[Some("a<1>b<2><2>c<3><3><3>"), None, Some("")])
        );
    }
}
