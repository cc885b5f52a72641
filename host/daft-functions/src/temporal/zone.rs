//! Time zones of timestamps: convert_time_zone keeps the instant,
//! replace_time_zone keeps the wall clock, and Spark's from_utc_timestamp /
//! to_utc_timestamp move zoneless wall clocks between UTC and a zone.
//!
//! Each keeps its input's time unit. A wall-clock time that the target
//! zone skips (a daylight-saving gap) gives null; one it repeats takes the
//! earlier instant (see `wall`).

use arrow::array::{ArrayRef, Int64Array};
use arrow::datatypes::{DataType, Field, TimeUnit};
use chrono::NaiveDateTime;
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};

use super::wall::{count_of, local_of_utc, parse_tz, utc_of_local, Instants};
use crate::util::function;

fn unit_of(dt: &DataType) -> TimeUnit {
    match dt {
        DataType::Timestamp(unit, _) => *unit,
        _ => TimeUnit::Microsecond,
    }
}

/// A zone option, checked; `None` when not given.
fn zone_option(function: &str, opts: &FunctionOptions, name: &str) -> DaftResult<Option<String>> {
    opts.str(name)
        .map(|tz| parse_tz(function, name, tz).map(|_| tz.to_string()))
        .transpose()
}

/// Builds the result row by row: `read_local` says whether `step` gets each
/// row's wall clock (a zoned timestamp in its zone) or its UTC time, and
/// `step` returns the UTC time to store (or the wall clock, for a zoneless
/// result that shows one).
fn rezone(
    a: &ArrayRef,
    out: &DataType,
    n: usize,
    read_local: bool,
    step: impl Fn(NaiveDateTime) -> Option<NaiveDateTime>,
) -> DaftResult<ArrayRef> {
    let unit = unit_of(out);
    let at = Instants::new(a)?;
    let values: Int64Array = (0..n)
        .map(|i| {
            let t = if read_local { at.local(i) } else { at.utc(i) }?;
            count_of(step(t)?, unit)
        })
        .collect();
    Ok(arrow::compute::cast(&values, out)?)
}

fn convert_type(args: &[Field], opts: &FunctionOptions) -> DaftResult<DataType> {
    let to = zone_option("convert_time_zone", opts, "to_timezone")?;
    zone_option("convert_time_zone", opts, "from_timezone")?;
    let dt = args[0].data_type();
    if matches!(dt, DataType::Timestamp(_, None)) && opts.str("from_timezone").is_none() {
        return Err(DaftError::value_error(format!(
            "convert_time_zone: `expr` is a {} without a zone, so the instant it means is not \
             known; give from_timezone (the zone its wall clock is in), or use replace_time_zone",
            display_data_type(dt)
        )));
    }
    Ok(DataType::Timestamp(unit_of(dt), to.map(Into::into)))
}

fn convert_time_zone_def() -> FunctionDef {
    function(
        "convert_time_zone",
        r#"
Each timestamp as the same instant in another zone.

A zoned timestamp keeps its instant and takes `to_timezone`
(`from_timezone` is ignored); a zoneless one is a wall-clock time in
`from_timezone`, which it then needs.

Args:
    expr: A timestamp.
    to_timezone: An IANA zone name or an offset such as "+02:00".
    from_timezone: The zone of a zoneless `expr`'s wall clock.

Returns:
    Expression: Timestamps zoned in `to_timezone`, in `expr`'s unit; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(2024, 1, 31, 12), None]})
    >>> df.select(daft.functions.convert_time_zone(daft.col("t"), "Asia/Tokyo", "UTC"))
"#,
        vec![
            Param::expr("expr", TypeClass::Timestamp),
            Param::required_option("to_timezone", OptionKind::Str),
            Param::option("from_timezone", OptionKind::Str, OptionValue::Null),
        ],
        convert_type,
        |args, opts, n| {
            let out = convert_type(
                &[Field::new("expr", args[0].data_type().clone(), true)],
                opts,
            )?;
            match args[0].data_type() {
                DataType::Timestamp(_, Some(_)) => Ok(arrow::compute::cast(&args[0], &out)?),
                _ => {
                    let from = zone_option("convert_time_zone", opts, "from_timezone")?
                        .map(|tz| parse_tz("convert_time_zone", "from_timezone", &tz))
                        .transpose()?;
                    rezone(&args[0], &out, n, true, |t| utc_of_local(t, from.as_ref()))
                }
            }
        },
    )
}
inventory::submit! { BuiltinFunction(convert_time_zone_def) }

fn replace_type(args: &[Field], opts: &FunctionOptions) -> DaftResult<DataType> {
    let tz = zone_option("replace_time_zone", opts, "timezone")?;
    Ok(DataType::Timestamp(
        unit_of(args[0].data_type()),
        tz.map(Into::into),
    ))
}

fn replace_time_zone_def() -> FunctionDef {
    function(
        "replace_time_zone",
        r#"
Each timestamp's wall clock, read in another zone (or in none).

The wall clock stays (13:45 stays 13:45), so the instant moves: this
attaches, swaps or removes a zone. A zoned timestamp's wall clock is read in
its own zone first.

Args:
    expr: A timestamp.
    timezone: The new zone (default: none, which removes the zone).

Returns:
    Expression: Timestamps in `expr`'s unit; null stays null, and so does a
    wall clock the new zone skips (a daylight-saving gap).

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(2024, 1, 31, 13, 45), None]})
    >>> df.select(daft.functions.replace_time_zone(daft.col("t"), "Asia/Tokyo"))
"#,
        vec![
            Param::expr("expr", TypeClass::Timestamp),
            Param::option("timezone", OptionKind::Str, OptionValue::Null),
        ],
        replace_type,
        |args, opts, n| {
            let out = replace_type(
                &[Field::new("expr", args[0].data_type().clone(), true)],
                opts,
            )?;
            let tz = super::wall::zone_of(&out)?;
            rezone(&args[0], &out, n, true, |t| utc_of_local(t, tz.as_ref()))
        },
    )
}
inventory::submit! { BuiltinFunction(replace_time_zone_def) }

fn required_zone(function: &str, opts: &FunctionOptions) -> DaftResult<arrow::array::timezone::Tz> {
    parse_tz(
        function,
        "timezone",
        opts.str("timezone").unwrap_or_default(),
    )
}

fn from_utc_timestamp_def() -> FunctionDef {
    function(
        "from_utc_timestamp",
        r#"
The wall clock in `timezone` of each UTC time, without a zone (Spark's).

A zoneless timestamp is read as UTC; a zoned one is its instant.

Args:
    expr: A timestamp.
    timezone: An IANA zone name or an offset.

Returns:
    Expression: Zoneless timestamps in `expr`'s unit; null stays null.

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(2024, 1, 31, 12), None]})
    >>> df.select(daft.functions.from_utc_timestamp(daft.col("t"), "Asia/Tokyo"))
"#,
        vec![
            Param::expr("expr", TypeClass::Timestamp),
            Param::required_option("timezone", OptionKind::Str),
        ],
        |args, opts| {
            required_zone("from_utc_timestamp", opts)?;
            Ok(DataType::Timestamp(unit_of(args[0].data_type()), None))
        },
        |args, opts, n| {
            let tz = required_zone("from_utc_timestamp", opts)?;
            let out = DataType::Timestamp(unit_of(args[0].data_type()), None);
            rezone(&args[0], &out, n, false, |t| {
                Some(local_of_utc(t, Some(&tz)))
            })
        },
    )
}
inventory::submit! { BuiltinFunction(from_utc_timestamp_def) }

fn to_utc_timestamp_def() -> FunctionDef {
    function(
        "to_utc_timestamp",
        r#"
The UTC time of each wall clock in `timezone`, without a zone (Spark's).

A zoned timestamp's wall clock is read in its own zone, then taken as a
wall clock in `timezone`, as Daft does.

Args:
    expr: A timestamp.
    timezone: An IANA zone name or an offset.

Returns:
    Expression: Zoneless timestamps in `expr`'s unit; null stays null, and so
    does a wall clock `timezone` skips (a daylight-saving gap).

Example:
    >>> import datetime
    >>> df = daft.from_pydict({"t": [datetime.datetime(2024, 1, 31, 21), None]})
    >>> df.select(daft.functions.to_utc_timestamp(daft.col("t"), "Asia/Tokyo"))
"#,
        vec![
            Param::expr("expr", TypeClass::Timestamp),
            Param::required_option("timezone", OptionKind::Str),
        ],
        |args, opts| {
            required_zone("to_utc_timestamp", opts)?;
            Ok(DataType::Timestamp(unit_of(args[0].data_type()), None))
        },
        |args, opts, n| {
            let tz = required_zone("to_utc_timestamp", opts)?;
            let out = DataType::Timestamp(unit_of(args[0].data_type()), None);
            rezone(&args[0], &out, n, true, |t| utc_of_local(t, Some(&tz)))
        },
    )
}
inventory::submit! { BuiltinFunction(to_utc_timestamp_def) }
