//! Temporal functions. This file: parts of dates, timestamps and times, the
//! date and time of a timestamp, Unix epochs, and the totals of durations;
//! `calendar` (month arithmetic, made dates, truncation), `text` (strftime
//! and parsing), `zone` (time zones) and `wall` (rows as chrono values).
//!
//! Parts come from arrow's `date_part` kernel, or for dates and zone-less
//! timestamps from `civil`'s arithmetic, which gives the same parts faster.
//! A timestamp with a time zone is read in that zone (the hour of `2024-12-31T23:30Z` in `Asia/Tokyo` is
//! 8), as Daft 0.7.26 and `pyarrow.compute` read it; epochs and unix dates
//! count the instant. Zones come from chrono-tz (as in Daft), whose table
//! has no daylight saving after 2099: later summer times read as standard
//! time there, an hour off from Python's `zoneinfo`.

use std::sync::Arc;

use arrow::array::temporal_conversions::{as_datetime, as_datetime_with_timezone};
use arrow::array::timezone::Tz;
use arrow::array::{Array, ArrayRef, AsArray, Int64Array, PrimitiveArray};
use arrow::compute::cast;
use arrow::compute::kernels::temporal::{date_part, DatePart};
use arrow::datatypes::{
    ArrowTimestampType, DataType, Date32Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Int64Type, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use chrono::Timelike;
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};

use crate::util::function;

mod calendar;
mod civil;
mod text;
mod wall;
mod zone;

fn units_per_second(u: TimeUnit) -> i64 {
    match u {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

/// A part of a date, timestamp or time, as plain data.
struct PartFn {
    name: &'static str,
    part: DatePart,
    /// What the part is, for the docs ("The hour (0 to 23)").
    what: &'static str,
    accepts: TypeClass,
    out: DataType,
}

fn part_doc(f: &PartFn) -> String {
    let input = f.accepts.describe();
    format!(
        r#"
{what} of each value.

A timestamp with a time zone is read in its zone.

Args:
    expr: {input}.

Returns:
    Expression: {what}, as {out}; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({{"t": [datetime.datetime(2024, 12, 30, 23, 59, 58), None]}})
    >>> df.select(daft.functions.{name}(daft.col("t")))
"#,
        what = f.what,
        out = display_data_type(&f.out),
        name = f.name,
    )
}

fn part_fn(f: &'static PartFn) -> FunctionDef {
    function(
        f.name,
        &part_doc(f),
        vec![Param::expr("expr", f.accepts)],
        move |_, _| Ok(f.out.clone()),
        move |args, _, n| {
            if args[0].data_type() == &DataType::Null {
                return Ok(arrow::array::new_null_array(&f.out, n));
            }
            if let Some(parts) = civil::fast_part(args[0].as_ref(), f.part, &f.out) {
                return Ok(parts);
            }
            let parts = date_part(args[0].as_ref(), f.part)?;
            Ok(cast(&parts, &f.out)?)
        },
    )
}

macro_rules! part {
    ($konst:ident, $name:literal, $part:expr, $what:literal, $accepts:expr, $out:expr) => {
        const $konst: PartFn = PartFn {
            name: $name,
            part: $part,
            what: $what,
            accepts: $accepts,
            out: $out,
        };
        inventory::submit! { BuiltinFunction(|| part_fn(&$konst)) }
    };
}

part!(
    YEAR,
    "year",
    DatePart::Year,
    "The year",
    TypeClass::DateLike,
    DataType::Int32
);
part!(
    MONTH,
    "month",
    DatePart::Month,
    "The month (1 to 12)",
    TypeClass::DateLike,
    DataType::UInt32
);
part!(
    DAY,
    "day",
    DatePart::Day,
    "The day of the month (1 to 31)",
    TypeClass::DateLike,
    DataType::UInt32
);
part!(
    DAY_OF_MONTH,
    "day_of_month",
    DatePart::Day,
    "The day of the month (1 to 31)",
    TypeClass::DateLike,
    DataType::UInt32
);
part!(
    QUARTER,
    "quarter",
    DatePart::Quarter,
    "The quarter (1 to 4)",
    TypeClass::DateLike,
    DataType::UInt32
);
part!(
    DAY_OF_WEEK,
    "day_of_week",
    DatePart::DayOfWeekMonday0,
    "The day of the week (Monday 0 to Sunday 6)",
    TypeClass::DateLike,
    DataType::UInt32
);
part!(
    DAY_OF_YEAR,
    "day_of_year",
    DatePart::DayOfYear,
    "The day of the year (1 to 366)",
    TypeClass::DateLike,
    DataType::UInt32
);
part!(
    WEEK_OF_YEAR,
    "week_of_year",
    DatePart::Week,
    "The ISO 8601 week of the year (1 to 53; the days of a week that starts in one year and ends in the next belong to the year of its Thursday)",
    TypeClass::DateLike,
    DataType::UInt32
);
part!(
    HOUR,
    "hour",
    DatePart::Hour,
    "The hour (0 to 23)",
    TypeClass::TimeLike,
    DataType::UInt32
);
part!(
    MINUTE,
    "minute",
    DatePart::Minute,
    "The minute (0 to 59)",
    TypeClass::TimeLike,
    DataType::UInt32
);
part!(
    SECOND,
    "second",
    DatePart::Second,
    "The second (0 to 59)",
    TypeClass::TimeLike,
    DataType::UInt32
);
part!(
    MILLISECOND,
    "millisecond",
    DatePart::Millisecond,
    "The milliseconds within the second (0 to 999)",
    TypeClass::TimeLike,
    DataType::UInt32
);
part!(
    MICROSECOND,
    "microsecond",
    DatePart::Microsecond,
    "The microseconds within the second (0 to 999999)",
    TypeClass::TimeLike,
    DataType::UInt32
);
part!(
    NANOSECOND,
    "nanosecond",
    DatePart::Nanosecond,
    "The nanoseconds within the second (0 to 999999999)",
    TypeClass::TimeLike,
    DataType::UInt32
);

fn date_def() -> FunctionDef {
    function(
        "date",
        r#"
The date of each timestamp (a date stays as it is).

A timestamp with a time zone gives its date in that zone.

Args:
    expr: A date or timestamp.

Returns:
    Expression: Dates; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(2024, 12, 30, 23, 59), None]})
    >>> df.select(daft.functions.date(daft.col("t")))
"#,
        vec![Param::expr("expr", TypeClass::DateLike)],
        |_, _| Ok(DataType::Date32),
        // Arrow's cast reads a zoned timestamp's date in its zone.
        |args, _, _| Ok(cast(&args[0], &DataType::Date32)?),
    )
}
inventory::submit! { BuiltinFunction(date_def) }

fn time_unit_of(dt: &DataType) -> TimeUnit {
    match dt {
        DataType::Timestamp(TimeUnit::Nanosecond, _) => TimeUnit::Nanosecond,
        _ => TimeUnit::Microsecond,
    }
}

fn time_def() -> FunctionDef {
    function(
        "time",
        r#"
The time of day of each timestamp.

A timestamp with a time zone gives its time in that zone.

Args:
    expr: A timestamp.

Returns:
    Expression: Times of day, in nanoseconds for nanosecond timestamps and
    microseconds otherwise; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(2024, 12, 30, 23, 59), None]})
    >>> df.select(daft.functions.time(daft.col("t")))
"#,
        vec![Param::expr("expr", TypeClass::Timestamp)],
        |args, _| Ok(DataType::Time64(time_unit_of(args[0].data_type()))),
        |args, _, n| {
            let a = &args[0];
            let unit = time_unit_of(a.data_type());
            let out = DataType::Time64(unit);
            let DataType::Timestamp(from, tz) = a.data_type() else {
                return Ok(arrow::array::new_null_array(&out, n));
            };
            let tz: Option<Tz> = tz.as_deref().map(str::parse).transpose()?;
            let of_day = match from {
                TimeUnit::Second => time_of_day::<TimestampSecondType>(a, tz, unit),
                TimeUnit::Millisecond => time_of_day::<TimestampMillisecondType>(a, tz, unit),
                TimeUnit::Microsecond => time_of_day::<TimestampMicrosecondType>(a, tz, unit),
                TimeUnit::Nanosecond => time_of_day::<TimestampNanosecondType>(a, tz, unit),
            };
            Ok(cast(&(Arc::new(of_day) as ArrayRef), &out)?)
        },
    )
}
inventory::submit! { BuiltinFunction(time_def) }

/// The time of day of each timestamp (read in `tz` when it has one), in
/// `unit`s since midnight.
fn time_of_day<T: ArrowTimestampType>(a: &ArrayRef, tz: Option<Tz>, unit: TimeUnit) -> Int64Array {
    let per_second = units_per_second(unit);
    let nanos_per_unit = 1_000_000_000 / per_second;
    a.as_primitive::<T>().unary_opt(|v| {
        let at = match &tz {
            Some(tz) => as_datetime_with_timezone::<T>(v, *tz)?.naive_local(),
            None => as_datetime::<T>(v)?,
        };
        let t = at.time();
        Some(
            t.num_seconds_from_midnight() as i64 * per_second
                + t.nanosecond() as i64 / nanos_per_unit,
        )
    })
}

fn epoch_unit(opts: &FunctionOptions) -> DaftResult<TimeUnit> {
    match opts.str("time_unit") {
        None | Some("s") => Ok(TimeUnit::Second),
        Some("ms") => Ok(TimeUnit::Millisecond),
        Some("us") => Ok(TimeUnit::Microsecond),
        Some("ns") => Ok(TimeUnit::Nanosecond),
        Some(other) => Err(DaftError::value_error(format!(
            "to_unix_epoch: time_unit must be 's', 'ms', 'us' or 'ns', got {other:?}"
        ))),
    }
}

fn to_unix_epoch_def() -> FunctionDef {
    function(
        "to_unix_epoch",
        r#"
The time since 1970-01-01T00:00:00 UTC of each instant, in `time_unit`.

Counts down to the unit: an instant half a second before the epoch is -1
second (the second it falls in), where Daft 0.7.26 gives 0. A date counts
from its midnight; a timestamp without a zone is read as UTC.

Args:
    expr: A date or timestamp.
    time_unit: "s" (the default), "ms", "us" or "ns".

Returns:
    Expression: Int64 counts; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(1970, 1, 2), None]})
    >>> df.select(daft.functions.to_unix_epoch(daft.col("t")))
"#,
        vec![
            Param::expr("expr", TypeClass::DateLike),
            Param::option("time_unit", OptionKind::Str, OptionValue::Null),
        ],
        |_, opts| {
            epoch_unit(opts)?;
            Ok(DataType::Int64)
        },
        |args, opts, n| {
            let to = units_per_second(epoch_unit(opts)?);
            let a = &args[0];
            match a.data_type() {
                DataType::Date32 | DataType::Date64 => {
                    let days = cast(a, &DataType::Date32)?;
                    let secs: Int64Array = days
                        .as_primitive::<Date32Type>()
                        .unary(|d| d as i64 * 86_400);
                    Ok(Arc::new(count_in(&secs, 1, to)?))
                }
                DataType::Timestamp(from, _) => {
                    // The stored count is the instant's, whatever the zone.
                    let v = cast(a, &DataType::Int64)?;
                    Ok(Arc::new(count_in(
                        v.as_primitive::<Int64Type>(),
                        units_per_second(*from),
                        to,
                    )?))
                }
                _ => Ok(arrow::array::new_null_array(&DataType::Int64, n)),
            }
        },
    )
}
inventory::submit! { BuiltinFunction(to_unix_epoch_def) }

/// Values counted `from` units per second as `to` units per second: floored
/// to a coarser unit, multiplied to a finer one (an error where that no longer
/// fits 64 bits, as past the year 2262 in nanoseconds).
fn count_in(values: &PrimitiveArray<Int64Type>, from: i64, to: i64) -> DaftResult<Int64Array> {
    if to >= from {
        let k = to / from;
        values
            .try_unary(|v| {
                v.checked_mul(k).ok_or_else(|| {
                    arrow::error::ArrowError::ComputeError(format!(
                        "to_unix_epoch: {v} does not fit Int64 in the finer unit"
                    ))
                })
            })
            .map_err(DaftError::from)
    } else {
        let k = from / to;
        Ok(values.unary(|v| v.div_euclid(k)))
    }
}

fn unix_date_def() -> FunctionDef {
    function(
        "unix_date",
        r#"
The days since 1970-01-01 of each instant (UTC), counted down.

A timestamp before 1970 gives a negative count (Int64; Daft 0.7.26 returns
UInt64 and wraps those around).

Args:
    expr: A timestamp.

Returns:
    Expression: Int64 day counts; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(1970, 1, 3, 12), None]})
    >>> df.select(daft.functions.unix_date(daft.col("t")))
"#,
        vec![Param::expr("expr", TypeClass::Timestamp)],
        |_, _| Ok(DataType::Int64),
        |args, _, n| {
            let a = &args[0];
            let DataType::Timestamp(unit, _) = a.data_type() else {
                return Ok(arrow::array::new_null_array(&DataType::Int64, n));
            };
            let v = cast(a, &DataType::Int64)?;
            Ok(Arc::new(count_in(
                v.as_primitive::<Int64Type>(),
                units_per_second(*unit) * 86_400,
                1,
            )?))
        },
    )
}
inventory::submit! { BuiltinFunction(unix_date_def) }

/// The total of a duration in one unit, as plain data.
struct TotalFn {
    name: &'static str,
    unit: &'static str,
    /// How many nanoseconds one of `unit` is.
    nanos: i128,
}

fn duration_nanos(a: &ArrayRef, row: usize) -> Option<i128> {
    if a.is_null(row) {
        return None;
    }
    let (v, per) = match a.data_type() {
        DataType::Duration(TimeUnit::Second) => (
            a.as_primitive::<DurationSecondType>().value(row),
            1_000_000_000,
        ),
        DataType::Duration(TimeUnit::Millisecond) => (
            a.as_primitive::<DurationMillisecondType>().value(row),
            1_000_000,
        ),
        DataType::Duration(TimeUnit::Microsecond) => (
            a.as_primitive::<DurationMicrosecondType>().value(row),
            1_000,
        ),
        DataType::Duration(TimeUnit::Nanosecond) => {
            (a.as_primitive::<DurationNanosecondType>().value(row), 1)
        }
        _ => return None,
    };
    Some(v as i128 * per)
}

fn total_fn(f: &'static TotalFn) -> FunctionDef {
    let doc = format!(
        r#"
The length of each duration in whole {unit}, truncated toward zero.

-90 seconds is -1 minute, as Daft counts it.

Args:
    expr: A duration.

Returns:
    Expression: Int64 counts; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({{"d": [datetime.timedelta(days=1, hours=2), None]}})
    >>> df.select(daft.functions.{name}(daft.col("d")))
"#,
        unit = f.unit,
        name = f.name,
    );
    function(
        f.name,
        &doc,
        vec![Param::expr("expr", TypeClass::Duration)],
        |_, _| Ok(DataType::Int64),
        move |args, _, n| {
            let a = &args[0];
            Ok(crate::util::build_prims::<Int64Type>(n, |row| {
                duration_nanos(a, row).map(|ns| (ns / f.nanos) as i64)
            }))
        },
    )
}

macro_rules! total {
    ($konst:ident, $name:literal, $unit:literal, $nanos:expr) => {
        const $konst: TotalFn = TotalFn {
            name: $name,
            unit: $unit,
            nanos: $nanos,
        };
        inventory::submit! { BuiltinFunction(|| total_fn(&$konst)) }
    };
}

total!(TOTAL_DAYS, "total_days", "days", 86_400_000_000_000);
total!(TOTAL_HOURS, "total_hours", "hours", 3_600_000_000_000);
total!(TOTAL_MINUTES, "total_minutes", "minutes", 60_000_000_000);
total!(TOTAL_SECONDS, "total_seconds", "seconds", 1_000_000_000);
total!(
    TOTAL_MILLISECONDS,
    "total_milliseconds",
    "milliseconds",
    1_000_000
);
total!(
    TOTAL_MICROSECONDS,
    "total_microseconds",
    "microseconds",
    1_000
);
total!(TOTAL_NANOSECONDS, "total_nanoseconds", "nanoseconds", 1);
