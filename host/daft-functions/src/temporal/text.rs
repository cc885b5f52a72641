//! Dates and timestamps to and from text with chrono's `strftime` formats:
//! strftime, from_unixtime, to_date and to_datetime.
//!
//! A format is checked when the query is planned: an unknown specifier, or
//! a zone specifier (`%z`, `%Z`) for a value without a zone, is an error
//! naming the format, where chrono would fail in the middle of a batch.

use std::fmt::Write;
use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, Date32Array, Int64Array};
use arrow::datatypes::{DataType, Float64Type, TimeUnit};
use chrono::format::{Fixed, Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};

use super::wall::{count_of, days_of, naive_of, parse_tz, utc_of_local, zone_of, Instants};
use crate::util::{build_strings, cast_to, function, Strs};

/// Whether a specifier is a UTC offset (`%z` and its kin, RFC 2822 and 3339).
fn is_offset(f: &Fixed) -> bool {
    matches!(
        f,
        Fixed::TimezoneOffset
            | Fixed::TimezoneOffsetColon
            | Fixed::TimezoneOffsetDoubleColon
            | Fixed::TimezoneOffsetTripleColon
            | Fixed::TimezoneOffsetColonZ
            | Fixed::TimezoneOffsetZ
            | Fixed::RFC2822
            | Fixed::RFC3339
    )
}

fn zone_without_zone(function: &str, format: &str) -> DaftError {
    DaftError::value_error(format!(
        "{function}: format {format:?} prints a time zone, but the values have none; give \
         them one with replace_time_zone or drop %z/%Z"
    ))
}

/// Checks a format; `zoned` says whether the values have a zone to print.
fn check_format(function: &str, format: &str, zoned: bool) -> DaftResult<()> {
    for item in StrftimeItems::new(format) {
        match item {
            Item::Error => {
                return Err(DaftError::value_error(format!(
                    "{function}: format {format:?} is not a strftime format (an unknown or \
                     incomplete % specifier); see chrono's strftime table, e.g. \"%Y-%m-%d %H:%M:%S\""
                )))
            }
            Item::Fixed(Fixed::TimezoneName) if !zoned => {
                return Err(zone_without_zone(function, format))
            }
            Item::Fixed(ref f) if is_offset(f) && !zoned => {
                return Err(zone_without_zone(function, format))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The format strftime uses without one: ISO 8601, as Daft prints.
fn default_format(dt: &DataType) -> &'static str {
    match dt {
        DataType::Date32 | DataType::Date64 => "%Y-%m-%d",
        DataType::Timestamp(_, Some(_)) => "%Y-%m-%dT%H:%M:%S%.f%:z",
        _ => "%Y-%m-%dT%H:%M:%S%.f",
    }
}

fn strftime_def() -> FunctionDef {
    function(
        "strftime",
        r#"
Each date or timestamp as text in a strftime `format`.

Without a format, ISO 8601 as Daft prints it: `2024-01-31` for a date,
`2024-01-31T13:45:30.123456` for a timestamp (fractions only when
non-zero), with the offset (`+09:00`) for a zoned one. A zoned timestamp is
printed on its wall clock in its zone. The format is chrono's (`%Y`, `%m`,
`%d`, `%H`, `%M`, `%S`, `%.f`, `%z`, ...), checked at plan time.

Args:
    expr: A date or timestamp.
    format: A strftime format (default: ISO 8601).

Returns:
    Expression: Strings; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(2024, 1, 31, 13, 45), None]})
    >>> df.select(daft.functions.strftime(daft.col("t"), "%Y/%m/%d %H:%M"))
"#,
        vec![
            Param::expr("expr", TypeClass::DateLike),
            Param::option("format", OptionKind::Str, OptionValue::Null),
        ],
        |args, opts| {
            let dt = args[0].data_type();
            let zoned = matches!(dt, DataType::Timestamp(_, Some(_)));
            check_format(
                "strftime",
                opts.str("format").unwrap_or(default_format(dt)),
                zoned,
            )?;
            Ok(DataType::Utf8)
        },
        |args, opts, n| {
            let dt = args[0].data_type();
            let format = opts.str("format").unwrap_or(default_format(dt));
            let items: Vec<Item> = StrftimeItems::new(format).collect();
            let at = Instants::new(&args[0])?;
            let tz = zone_of(dt)?;
            build_strings(&DataType::Utf8, n, |i, buf| {
                let Some(utc) = at.utc(i) else {
                    return Ok(false);
                };
                let written = match &tz {
                    Some(tz) => write!(
                        buf,
                        "{}",
                        utc.and_utc()
                            .with_timezone(tz)
                            .format_with_items(items.iter())
                    ),
                    None => write!(buf, "{}", utc.format_with_items(items.iter())),
                };
                written.map_err(|_| {
                    DaftError::compute(format!("strftime: format {format:?} cannot print {utc}"))
                })?;
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(strftime_def) }

fn from_unixtime_def() -> FunctionDef {
    function(
        "from_unixtime",
        r#"
Each count of seconds since 1970-01-01T00:00:00 UTC as text.

A fractional count is floored to its second (1.5 is 00:00:01, -0.5 is
23:59:59 the day before); NaN gives null, and a count past the years a
timestamp holds (or infinity) is an error.

Args:
    expr: A numeric expression of seconds.
    format: A strftime format (default "%Y-%m-%d %H:%M:%S").

Returns:
    Expression: Strings of the UTC time; null stays null.

Example:
    >>> df = daft.from_pydict({"s": [0, 86400, None]})
    >>> df.select(daft.functions.from_unixtime(daft.col("s")))
"#,
        vec![
            Param::expr("expr", TypeClass::Numeric),
            Param::option("format", OptionKind::Str, OptionValue::Null),
        ],
        |_, opts| {
            check_format("from_unixtime", opts.str("format").unwrap_or("%Y"), false)?;
            Ok(DataType::Utf8)
        },
        |args, opts, n| {
            let format = opts.str("format").unwrap_or("%Y-%m-%d %H:%M:%S");
            let items: Vec<Item> = StrftimeItems::new(format).collect();
            let secs = cast_to(&args[0], &DataType::Float64)?;
            let secs = secs.as_primitive::<Float64Type>();
            build_strings(&DataType::Utf8, n, |i, buf| {
                let Some(s) = crate::util::opt(secs, i).filter(|s| !s.is_nan()) else {
                    return Ok(false);
                };
                let t = (s.is_finite() && s.abs() < 1e17)
                    .then(|| naive_of(s.floor() as i64, TimeUnit::Second))
                    .flatten()
                    .ok_or_else(|| {
                        DaftError::value_error(format!(
                            "from_unixtime: {s} seconds is outside the times a timestamp holds"
                        ))
                    })?;
                write!(buf, "{}", t.format_with_items(items.iter()))
                    .map_err(|_| DaftError::compute(format!("from_unixtime: cannot print {t}")))?;
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(from_unixtime_def) }

fn parse_error(function: &str, value: &str, format: &str, e: chrono::ParseError) -> DaftError {
    DaftError::value_error(format!(
        "{function}: {value:?} does not match the format {format:?} ({e}); fix the value or the \
         format, or filter the rows out first"
    ))
}

fn to_date_def() -> FunctionDef {
    function(
        "to_date",
        r#"
Each string parsed as a date with a strftime `format`.

The format may also hold time fields (they are read and dropped). A string
that does not match is an error naming it, as in Daft.

Args:
    expr: A string expression.
    format: A strftime format, such as "%Y-%m-%d".

Returns:
    Expression: Dates; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["2024-01-31", None]})
    >>> df.select(daft.functions.to_date(daft.col("s"), "%Y-%m-%d"))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::required_option("format", OptionKind::Str),
        ],
        |_, opts| {
            check_format("to_date", opts.str("format").unwrap_or_default(), true)?;
            Ok(DataType::Date32)
        },
        |args, opts, n| {
            let format = opts.str("format").unwrap_or_default();
            let s = Strs::new(&args[0], "expr")?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                out.push(match s.get(i) {
                    None => None,
                    Some(v) => Some(days_of(
                        NaiveDate::parse_from_str(v, format)
                            .map_err(|e| parse_error("to_date", v, format, e))?,
                    )),
                });
            }
            Ok(Arc::new(Date32Array::from(out)))
        },
    )
}
inventory::submit! { BuiltinFunction(to_date_def) }

/// Whether a format reads an offset (`%z` and its kin), so parsed values are instants.
fn reads_offset(format: &str) -> bool {
    StrftimeItems::new(format).any(|item| matches!(item, Item::Fixed(ref f) if is_offset(f)))
}

fn to_datetime_type(opts: &FunctionOptions) -> DaftResult<DataType> {
    let format = opts.str("format").unwrap_or_default();
    check_format("to_datetime", format, true)?;
    let tz = match opts.str("timezone") {
        Some(tz) => {
            parse_tz("to_datetime", "timezone", tz)?;
            Some(tz.into())
        }
        None if reads_offset(format) => Some("UTC".into()),
        None => None,
    };
    Ok(DataType::Timestamp(TimeUnit::Microsecond, tz))
}

fn to_datetime_def() -> FunctionDef {
    function(
        "to_datetime",
        r#"
Each string parsed as a timestamp with a strftime `format`.

A format that reads an offset (`%z`) gives instants: zoned in `timezone`,
or in UTC without one. A format without an offset gives wall-clock times:
zoneless, or with `timezone` read there (Daft 0.7.26 refuses that
combination); a format without time fields gives midnight. A wall clock
that `timezone` skips (a daylight-saving gap) gives null. Sub-microsecond
digits are dropped. A string that does not
match is an error naming it, as in Daft.

Args:
    expr: A string expression.
    format: A strftime format, such as "%Y-%m-%d %H:%M:%S".
    timezone: An IANA zone name or an offset (default: none).

Returns:
    Expression: Timestamp[us], zoned as above; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["2024-01-31 13:45:00", None]})
    >>> df.select(daft.functions.to_datetime(daft.col("s"), "%Y-%m-%d %H:%M:%S"))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::required_option("format", OptionKind::Str),
            Param::option("timezone", OptionKind::Str, OptionValue::Null),
        ],
        |_, opts| to_datetime_type(opts),
        |args, opts, n| {
            let out = to_datetime_type(opts)?;
            let format = opts.str("format").unwrap_or_default();
            let with_offset = reads_offset(format);
            let tz = zone_of(&out)?;
            let s = Strs::new(&args[0], "expr")?;
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                let Some(v) = s.get(i) else {
                    values.push(None);
                    continue;
                };
                let utc: Option<NaiveDateTime> = if with_offset {
                    Some(
                        DateTime::parse_from_str(v, format)
                            .map_err(|e| parse_error("to_datetime", v, format, e))?
                            .naive_utc(),
                    )
                } else {
                    // A format without time fields means midnight.
                    let local = NaiveDateTime::parse_from_str(v, format)
                        .or_else(|e| {
                            NaiveDate::parse_from_str(v, format)
                                .map(Into::into)
                                .map_err(|_| e)
                        })
                        .map_err(|e| parse_error("to_datetime", v, format, e))?;
                    utc_of_local(local, tz.as_ref())
                };
                values.push(utc.and_then(|t| count_of(t, TimeUnit::Microsecond)));
            }
            Ok(arrow::compute::cast(
                &(Arc::new(Int64Array::from(values)) as ArrayRef),
                &out,
            )?)
        },
    )
}
inventory::submit! { BuiltinFunction(to_datetime_def) }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_checked_for_unknown_specifiers_and_zones_without_a_zone() {
        assert!(check_format("f", "%Y-%m-%d", false).is_ok());
        assert!(check_format("f", "%Q", false).is_err());
        assert!(check_format("f", "%Y %", false).is_err());
        assert!(check_format("f", "%H %z", false).is_err());
        assert!(check_format("f", "%H %z", true).is_ok());
        assert!(reads_offset("%Y %z") && !reads_offset("%Y %H"));
    }
}
