//! Calendar arithmetic on wall-clock times: months added and between, the
//! last and next days, dates and timestamps made from their parts, and
//! truncation to an interval.
//!
//! Each reads a zoned timestamp's wall clock in its zone (the month of
//! `2024-01-31T20:00Z` in `Asia/Tokyo` is February), as Daft 0.7.26 does.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, PrimitiveArray};
use arrow::datatypes::{DataType, Date32Type, Float64Type, TimeUnit};
use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};

use super::wall::{count_of, days_of, parse_tz, utc_of_local, zone_of, Instants};
use crate::util::{cast_to, function, int64_arg, opt};

fn dates(
    n: usize,
    mut row: impl FnMut(usize) -> DaftResult<Option<NaiveDate>>,
) -> DaftResult<ArrayRef> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(row(i)?.map(days_of));
    }
    Ok(Arc::new(PrimitiveArray::<Date32Type>::from(out)))
}

fn add_months_def() -> FunctionDef {
    function(
        "add_months",
        r#"
The date `months` months after each date or timestamp's date.

A day past the end of the target month becomes its last day (January 31
plus one month is February 29 in 2024), as in Daft and Spark. A zoned
timestamp counts from its date in its zone.

Args:
    expr: A date or timestamp.
    months: An integer or integer expression; negative goes back.

Returns:
    Expression: Dates; null where either argument is null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"d": [datetime.date(2024, 1, 31), None]})
    >>> df.select(daft.functions.add_months(daft.col("d"), 1))
"#,
        vec![
            Param::expr("expr", TypeClass::DateLike),
            Param::expr("months", TypeClass::Integer),
        ],
        |_, _| Ok(DataType::Date32),
        |args, _, n| {
            let at = Instants::new(&args[0])?;
            let months = int64_arg(&args[1])?;
            dates(n, |i| {
                let (Some(t), Some(m)) = (at.local(i), opt(&months, i)) else {
                    return Ok(None);
                };
                let d = t.date();
                let moved = u32::try_from(m.unsigned_abs()).ok().and_then(|k| {
                    if m >= 0 {
                        d.checked_add_months(Months::new(k))
                    } else {
                        d.checked_sub_months(Months::new(k))
                    }
                });
                moved.map(Some).ok_or_else(|| {
                    DaftError::value_error(format!(
                        "add_months: {d} plus {m} months is outside the dates a Date holds"
                    ))
                })
            })
        },
    )
}
inventory::submit! { BuiltinFunction(add_months_def) }

fn is_last_day(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|next| next.month() != d.month())
}

/// Spark's `months_between`: whole months when the days of the month are
/// equal or both are the last, otherwise the difference of the rest counted
/// in months of 31 days; rounded to 8 digits.
fn months_between(end: NaiveDateTime, start: NaiveDateTime) -> f64 {
    let months = (end.year() as i64 * 12 + end.month() as i64)
        - (start.year() as i64 * 12 + start.month() as i64);
    let (d1, d2) = (end.date(), start.date());
    if d1.day() == d2.day() || (is_last_day(d1) && is_last_day(d2)) {
        return months as f64;
    }
    let micros_of_day =
        |t: NaiveDateTime| (t.time() - NaiveTime::MIN).num_microseconds().unwrap_or(0);
    let rest = (d1.day() as i64 - d2.day() as i64) * 86_400_000_000
        + (micros_of_day(end) - micros_of_day(start));
    let x = months as f64 + rest as f64 / (31.0 * 86_400_000_000.0);
    (x * 1e8).round() / 1e8
}

fn months_between_def() -> FunctionDef {
    function(
        "months_between",
        r#"
The months from `start` to `end`, with a fraction for the rest.

Whole months when both days of the month are equal or both are the last
day of their month; otherwise the remaining days and time count in months of
31 days, rounded to 8 digits (Spark's rule, as Daft). Negative when `end` is
before `start`. Zoned timestamps are read on their wall clocks.

Daft 0.7.26 gives every row the first row's result when one argument is a
literal; here each row has its own.

Args:
    end: A date or timestamp.
    start: A date or timestamp.

Returns:
    Expression: Float64; null where either argument is null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"d": [datetime.date(2024, 3, 15), None]})
    >>> df.select(daft.functions.months_between(daft.col("d"), datetime.date(2024, 1, 1)))
"#,
        vec![
            Param::expr("end", TypeClass::DateLike),
            Param::expr("start", TypeClass::DateLike),
        ],
        |_, _| Ok(DataType::Float64),
        |args, _, n| {
            let end = Instants::new(&args[0])?;
            let start = Instants::new(&args[1])?;
            let out: Float64Array = (0..n)
                .map(|i| Some(months_between(end.local(i)?, start.local(i)?)))
                .collect();
            Ok(Arc::new(out))
        },
    )
}
inventory::submit! { BuiltinFunction(months_between_def) }

fn last_day_def() -> FunctionDef {
    function(
        "last_day",
        r#"
The last day of the month of each date or timestamp.

Args:
    expr: A date or timestamp (a zoned one read in its zone).

Returns:
    Expression: Dates; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"d": [datetime.date(2024, 2, 10), None]})
    >>> df.select(daft.functions.last_day(daft.col("d")))
"#,
        vec![Param::expr("expr", TypeClass::DateLike)],
        |_, _| Ok(DataType::Date32),
        |args, _, n| {
            let at = Instants::new(&args[0])?;
            dates(n, |i| {
                Ok(at.local(i).and_then(|t| {
                    let first = t.date().with_day(1)?;
                    first.checked_add_months(Months::new(1))?.pred_opt()
                }))
            })
        },
    )
}
inventory::submit! { BuiltinFunction(last_day_def) }

/// A day of the week by its English name, its first three or first two
/// letters, in any case.
fn weekday(name: &str) -> Option<Weekday> {
    let lower = name.trim().to_ascii_lowercase();
    const DAYS: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    DAYS.iter()
        .find(|(full, _)| {
            lower == *full || (lower.len() >= 2 && lower.len() <= 3 && full.starts_with(&lower))
        })
        .map(|(_, d)| *d)
}

fn next_day_weekday(opts: &FunctionOptions) -> DaftResult<Weekday> {
    let name = opts.str("day_of_week").unwrap_or_default();
    weekday(name).ok_or_else(|| {
        DaftError::value_error(format!(
            "next_day: day_of_week {name:?} is not a day of the week; give \"Monday\", \"Mon\" or \
             \"Mo\" (any case), through Sunday"
        ))
    })
}

fn next_day_def() -> FunctionDef {
    function(
        "next_day",
        r#"
The first date after each date that falls on `day_of_week`.

Always later: the next Monday after a Monday is a week on.

Args:
    expr: A date or timestamp (a zoned one read in its zone).
    day_of_week: "Monday", "Mon" or "Mo" in any case, through Sunday.

Returns:
    Expression: Dates; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"d": [datetime.date(2024, 1, 31), None]})
    >>> df.select(daft.functions.next_day(daft.col("d"), "Monday"))
"#,
        vec![
            Param::expr("expr", TypeClass::DateLike),
            Param::required_option("day_of_week", OptionKind::Str),
        ],
        |_, opts| {
            next_day_weekday(opts)?;
            Ok(DataType::Date32)
        },
        |args, opts, n| {
            let want = next_day_weekday(opts)?;
            let at = Instants::new(&args[0])?;
            dates(n, |i| {
                Ok(at.local(i).and_then(|t| {
                    let d = t.date();
                    let ahead =
                        (want.num_days_from_monday() + 7 - d.weekday().num_days_from_monday()) % 7;
                    d.checked_add_days(Days::new(if ahead == 0 { 7 } else { ahead } as u64))
                }))
            })
        },
    )
}
inventory::submit! { BuiltinFunction(next_day_def) }

/// Row `i` of an integer part of a made time; `None` when null or negative.
fn part(a: &Int64Array, i: usize) -> Option<u32> {
    u32::try_from(opt(a, i)?).ok()
}

fn make_date_def() -> FunctionDef {
    function(
        "make_date",
        r#"
The date of each year, month and day.

A combination that is no date (month 13, February 30) gives null, as in
Daft and Spark.

Args:
    year: An integer expression.
    month: An integer expression (1 to 12).
    day: An integer expression (1 to 31).

Returns:
    Expression: Dates; null where an argument is null or the date does not exist.

Example:
    >>> df = daft.from_pydict({"y": [2024, 2023], "m": [2, 2], "d": [29, 29]})
    >>> df.select(daft.functions.make_date(daft.col("y"), daft.col("m"), daft.col("d")))
"#,
        vec![
            Param::expr("year", TypeClass::Integer),
            Param::expr("month", TypeClass::Integer),
            Param::expr("day", TypeClass::Integer),
        ],
        |_, _| Ok(DataType::Date32),
        |args, _, n| {
            let (y, m, d) = (
                int64_arg(&args[0])?,
                int64_arg(&args[1])?,
                int64_arg(&args[2])?,
            );
            dates(n, |i| {
                let (Some(year), Some(month), Some(day)) = (opt(&y, i), opt(&m, i), opt(&d, i))
                else {
                    return Ok(None);
                };
                Ok((|| {
                    NaiveDate::from_ymd_opt(
                        i32::try_from(year).ok()?,
                        u32::try_from(month).ok()?,
                        u32::try_from(day).ok()?,
                    )
                })())
            })
        },
    )
}
inventory::submit! { BuiltinFunction(make_date_def) }

fn make_timestamp_type(opts: &FunctionOptions) -> DaftResult<DataType> {
    let tz = opts.str("timezone");
    if let Some(tz) = tz {
        parse_tz("make_timestamp", "timezone", tz)?;
    }
    Ok(DataType::Timestamp(
        TimeUnit::Microsecond,
        tz.map(Into::into),
    ))
}

fn make_timestamp_def() -> FunctionDef {
    function(
        "make_timestamp",
        r#"
The timestamp of each year, month, day, hour, minute and second.

`second` may have a fraction (6.5 is 6 s 500 ms; microseconds are kept).
With `timezone`, the parts are a wall-clock time there and the result is
zoned; a time the zone skips (a daylight-saving gap) gives null, a time it
repeats takes the earlier instant. Parts that make no time (hour 24,
second 60, February 30) give null, as in Daft.

Args:
    year: An integer expression.
    month: An integer expression.
    day: An integer expression.
    hour: An integer expression.
    minute: An integer expression.
    second: A numeric expression.
    timezone: An IANA zone name or an offset such as "+02:00" (default: none).

Returns:
    Expression: Timestamp[us] (zoned with `timezone`); null where a part is
    null or the parts make no time.

Example:
    >>> df = daft.from_pydict({"h": [9, 23]})
    >>> df.select(daft.functions.make_timestamp(2024, 1, 31, daft.col("h"), 30, 15.25))
"#,
        vec![
            Param::expr("year", TypeClass::Integer),
            Param::expr("month", TypeClass::Integer),
            Param::expr("day", TypeClass::Integer),
            Param::expr("hour", TypeClass::Integer),
            Param::expr("minute", TypeClass::Integer),
            Param::expr("second", TypeClass::Numeric),
            Param::option("timezone", OptionKind::Str, OptionValue::Null),
        ],
        |_, opts| make_timestamp_type(opts),
        |args, opts, n| {
            let out = make_timestamp_type(opts)?;
            let tz = zone_of(&out)?;
            let ints = args[..5]
                .iter()
                .map(int64_arg)
                .collect::<DaftResult<Vec<_>>>()?;
            let secs = cast_to(&args[5], &DataType::Float64)?;
            let secs = secs.as_primitive::<Float64Type>();
            let values: PrimitiveArray<arrow::datatypes::TimestampMicrosecondType> = (0..n)
                .map(|i| {
                    let year = i32::try_from(opt(&ints[0], i)?).ok()?;
                    let [month, day, hour, minute] = [1, 2, 3, 4].map(|k| part(&ints[k], i));
                    let s = opt(secs, i)?;
                    if !(0.0..60.0).contains(&s) {
                        return None;
                    }
                    let micros = (s * 1e6).round() as i64;
                    let date = NaiveDate::from_ymd_opt(year, month?, day?)?;
                    let time = NaiveTime::from_hms_micro_opt(
                        hour?,
                        minute?,
                        (micros / 1_000_000) as u32,
                        (micros % 1_000_000) as u32,
                    )?;
                    let utc = utc_of_local(date.and_time(time), tz.as_ref())?;
                    count_of(utc, TimeUnit::Microsecond)
                })
                .collect();
            Ok(Arc::new(values.with_data_type(out)))
        },
    )
}
inventory::submit! { BuiltinFunction(make_timestamp_def) }

/// A truncation interval: a fixed length, or a number of calendar months.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Interval {
    Nanos(i128),
    Months(i64),
}

fn parse_interval(text: &str) -> DaftResult<Interval> {
    let bad = || {
        DaftError::value_error(format!(
            "date_trunc: interval {text:?} is not an interval; give a count and a unit, such as \
             \"1 day\" or \"15 minutes\" (units: year, quarter, month, week, day, hour, minute, \
             second, millisecond, microsecond, nanosecond)"
        ))
    };
    let mut words = text.split_whitespace();
    let (count, unit) = match (words.next(), words.next(), words.next()) {
        (Some(unit), None, None) => (1i64, unit),
        (Some(count), Some(unit), None) => (count.parse::<i64>().map_err(|_| bad())?, unit),
        _ => return Err(bad()),
    };
    if count <= 0 {
        return Err(bad());
    }
    let unit = unit.to_ascii_lowercase();
    let unit = unit.strip_suffix('s').unwrap_or(&unit);
    const SECOND: i128 = 1_000_000_000;
    let per = match unit {
        "year" => return Ok(Interval::Months(count * 12)),
        "quarter" => return Ok(Interval::Months(count * 3)),
        "month" => return Ok(Interval::Months(count)),
        "week" => 7 * 86_400 * SECOND,
        "day" => 86_400 * SECOND,
        "hour" => 3_600 * SECOND,
        "minute" => 60 * SECOND,
        "second" => SECOND,
        "millisecond" => 1_000_000,
        "microsecond" => 1_000,
        "nanosecond" => 1,
        _ => return Err(bad()),
    };
    Ok(Interval::Nanos(per * count as i128))
}

fn nanos_of(t: NaiveDateTime) -> i128 {
    let d = t.and_utc();
    d.timestamp() as i128 * 1_000_000_000 + d.timestamp_subsec_nanos() as i128
}

fn naive_of_nanos(v: i128) -> Option<NaiveDateTime> {
    let secs = i64::try_from(v.div_euclid(1_000_000_000)).ok()?;
    chrono::DateTime::from_timestamp(secs, v.rem_euclid(1_000_000_000) as u32)
        .map(|d| d.naive_utc())
}

/// The start of the interval that `t` falls in, counting intervals from
/// `origin` (both wall-clock times).
fn truncate(t: NaiveDateTime, origin: NaiveDateTime, every: Interval) -> Option<NaiveDateTime> {
    match every {
        Interval::Nanos(step) => {
            let (t, o) = (nanos_of(t), nanos_of(origin));
            naive_of_nanos(o + (t - o).div_euclid(step) * step)
        }
        Interval::Months(step) => {
            let index = |d: NaiveDateTime| d.year() as i64 * 12 + d.month0() as i64;
            let k = (index(t) - index(origin)).div_euclid(step) * step + index(origin);
            let year = i32::try_from(k.div_euclid(12)).ok()?;
            let first = NaiveDate::from_ymd_opt(year, k.rem_euclid(12) as u32 + 1, 1)?;
            Some(first.into())
        }
    }
}

fn date_trunc_def() -> FunctionDef {
    function(
        "date_trunc",
        r#"
Each timestamp truncated to the start of its `interval`.

Fixed intervals (weeks down to nanoseconds) are counted from `relative_to`,
or from 1970-01-01T00:00 (a Thursday, so weeks start on Thursdays, as in
Daft); "15 minutes" gives :00, :15, :30 and :45. Calendar intervals (month,
quarter, year; Daft 0.7.26 refuses them) start on the first day of a month at
midnight, counted in months from `relative_to`'s month or from January. A
zoned timestamp is truncated on its wall clock in its zone.

Args:
    interval: A count and a unit, such as "1 day", "2 hours" or "3 months".
    expr: A timestamp.
    relative_to: A timestamp the intervals are counted from (default, and
        where it is null: the epoch).

Returns:
    Expression: Timestamps of `expr`'s type; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(2024, 1, 31, 13, 45), None]})
    >>> df.select(daft.functions.date_trunc("1 hour", daft.col("t")))
"#,
        vec![
            Param::expr("expr", TypeClass::Timestamp),
            Param::expr("relative_to", TypeClass::DateLike),
            Param::required_option("interval", OptionKind::Str),
        ],
        |args, opts| {
            parse_interval(opts.str("interval").unwrap_or_default())?;
            match args[0].data_type() {
                DataType::Null => Ok(DataType::Timestamp(TimeUnit::Microsecond, None)),
                dt => Ok(dt.clone()),
            }
        },
        |args, opts, n| {
            let every = parse_interval(opts.str("interval").unwrap_or_default())?;
            let DataType::Timestamp(unit, _) = args[0].data_type().clone() else {
                let out = DataType::Timestamp(TimeUnit::Microsecond, None);
                return Ok(arrow::array::new_null_array(&out, n));
            };
            let tz = zone_of(args[0].data_type())?;
            let at = Instants::new(&args[0])?;
            let origin = Instants::new(&args[1])?;
            let epoch = NaiveDateTime::default();
            let values: Int64Array = (0..n)
                .map(|i| {
                    let t = at.local(i)?;
                    // A null origin is the default one, so a literal None means "from the epoch".
                    let o = origin.local(i).unwrap_or(epoch);
                    let start = truncate(t, o, every)?;
                    count_of(utc_of_local(start, tz.as_ref())?, unit)
                })
                .collect();
            Ok(arrow::compute::cast(&values, args[0].data_type())?)
        },
    )
}
inventory::submit! { BuiltinFunction(date_trunc_def) }

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn months_between_follows_sparks_rule() {
        // Same day of the month, and both last days, are whole months.
        assert_eq!(
            months_between(t("2024-03-15 10:00:00"), t("2024-01-15 00:00:00")),
            2.0
        );
        assert_eq!(
            months_between(t("2024-02-29 00:00:00"), t("2024-01-31 00:00:00")),
            1.0
        );
        assert_eq!(
            months_between(t("2024-01-01 00:00:00"), t("2024-02-15 00:00:00")),
            -1.4516129
        );
        assert_eq!(
            months_between(t("2024-01-31 00:00:00"), t("2023-01-15 00:00:00")),
            12.51612903
        );
    }

    #[test]
    fn weekdays_are_read_by_name_prefix_in_any_case() {
        assert_eq!(weekday("Monday"), Some(Weekday::Mon));
        assert_eq!(weekday("wed"), Some(Weekday::Wed));
        assert_eq!(weekday("SU"), Some(Weekday::Sun));
        assert_eq!(weekday("Mondayy"), None);
        assert_eq!(weekday("m"), None);
    }

    #[test]
    fn intervals_parse_counts_units_and_plurals_and_refuse_the_rest() {
        assert_eq!(
            parse_interval("1 day").unwrap(),
            Interval::Nanos(86_400_000_000_000)
        );
        assert_eq!(
            parse_interval("15 Minutes").unwrap(),
            Interval::Nanos(900_000_000_000)
        );
        assert_eq!(
            parse_interval("hour").unwrap(),
            Interval::Nanos(3_600_000_000_000)
        );
        assert_eq!(parse_interval("1 quarter").unwrap(), Interval::Months(3));
        for bad in ["", "0 day", "-1 day", "1 fortnight", "one day", "1 day 2"] {
            assert!(parse_interval(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn truncation_counts_from_the_origin_and_floors_before_it() {
        let epoch = NaiveDateTime::default();
        let hours2 = parse_interval("2 hours").unwrap();
        assert_eq!(
            truncate(t("2024-01-31 13:45:00"), epoch, hours2),
            Some(t("2024-01-31 12:00:00"))
        );
        let origin = t("2000-01-01 01:00:00");
        assert_eq!(
            truncate(t("2024-01-31 13:45:00"), origin, hours2),
            Some(t("2024-01-31 13:00:00"))
        );
        // Before the epoch the interval containing t is the one below it.
        assert_eq!(
            truncate(
                t("1969-12-31 23:59:59"),
                epoch,
                parse_interval("1 day").unwrap()
            ),
            Some(t("1969-12-31 00:00:00"))
        );
        let q = parse_interval("1 quarter").unwrap();
        assert_eq!(
            truncate(t("2024-05-31 13:45:00"), epoch, q),
            Some(t("2024-04-01 00:00:00"))
        );
        assert_eq!(
            truncate(t("1969-11-30 00:00:00"), epoch, q),
            Some(t("1969-10-01 00:00:00"))
        );
    }
}
