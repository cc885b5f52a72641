//! Dates and timestamps row by row as chrono values: the wall-clock time a
//! row shows (a zoned timestamp in its zone) and the way back from a wall
//! clock to a stored count.
//!
//! Local times that a zone skips (the hour clocks jump over in spring) have
//! no instant and give `None`, as in Daft 0.7.26; a local time that occurs
//! twice (the hour repeated in autumn) takes the earlier instant, as Java and
//! Spark do.

use arrow::array::timezone::Tz;
use arrow::array::{Array, ArrayRef, AsArray, Date32Array, Int64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Date32Type, Int64Type, TimeUnit};
use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use daft_core::{DaftError, DaftResult};

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The date `days` after 1970-01-01.
pub(crate) fn date_of(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_FROM_CE)?)
}

/// Days since 1970-01-01 of `d`, as a Date32 stores it.
pub(crate) fn days_of(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

/// The UTC time `v` units after the epoch.
pub(crate) fn naive_of(v: i64, unit: TimeUnit) -> Option<NaiveDateTime> {
    let (per_second, nanos_per_unit) = match unit {
        TimeUnit::Second => (1, 1_000_000_000),
        TimeUnit::Millisecond => (1_000, 1_000_000),
        TimeUnit::Microsecond => (1_000_000, 1_000),
        TimeUnit::Nanosecond => (1_000_000_000, 1),
    };
    let secs = v.div_euclid(per_second);
    let nanos = v.rem_euclid(per_second) * nanos_per_unit;
    DateTime::from_timestamp(secs, nanos as u32).map(|d| d.naive_utc())
}

/// The count of `unit`s since the epoch of the UTC time `t` (sub-unit
/// digits dropped), or `None` where it does not fit 64 bits.
pub(crate) fn count_of(t: NaiveDateTime, unit: TimeUnit) -> Option<i64> {
    let d = t.and_utc();
    match unit {
        TimeUnit::Second => Some(d.timestamp()),
        TimeUnit::Millisecond => Some(d.timestamp_millis()),
        TimeUnit::Microsecond => Some(d.timestamp_micros()),
        TimeUnit::Nanosecond => d.timestamp_nanos_opt(),
    }
}

/// The UTC time of the wall-clock time `local` in `tz` (`local` itself
/// without a zone): `None` in a gap, the earlier instant in an overlap.
pub(crate) fn utc_of_local(local: NaiveDateTime, tz: Option<&Tz>) -> Option<NaiveDateTime> {
    match tz {
        None => Some(local),
        Some(tz) => match tz.from_local_datetime(&local) {
            LocalResult::Single(d) => Some(d.naive_utc()),
            LocalResult::Ambiguous(earlier, _) => Some(earlier.naive_utc()),
            LocalResult::None => None,
        },
    }
}

/// The wall-clock time of the UTC time `utc` in `tz`.
pub(crate) fn local_of_utc(utc: NaiveDateTime, tz: Option<&Tz>) -> NaiveDateTime {
    match tz {
        None => utc,
        Some(tz) => tz.from_utc_datetime(&utc).naive_local(),
    }
}

/// A time zone option, parsed; `function` names the caller in the error.
pub(crate) fn parse_tz(function: &str, name: &str, tz: &str) -> DaftResult<Tz> {
    tz.parse::<Tz>().map_err(|e| {
        DaftError::value_error(format!(
            "{function}: {name} {tz:?} is not a time zone ({e}); give an IANA name such as \
             \"Europe/Berlin\" or an offset such as \"+02:00\""
        ))
    })
}

/// The zone of a timestamp type, parsed.
pub(crate) fn zone_of(dt: &DataType) -> DaftResult<Option<Tz>> {
    match dt {
        DataType::Timestamp(_, Some(tz)) => Ok(Some(tz.parse::<Tz>()?)),
        _ => Ok(None),
    }
}

/// A date or timestamp column read row by row.
pub(crate) enum Instants {
    Dates(Date32Array),
    Stamps {
        values: Int64Array,
        unit: TimeUnit,
        tz: Option<Tz>,
    },
    /// An all-null (`Null`-typed) column.
    Null,
}

impl Instants {
    /// Wraps a Date32, Date64, Timestamp or Null column.
    pub(crate) fn new(a: &ArrayRef) -> DaftResult<Self> {
        Ok(match a.data_type() {
            DataType::Date32 | DataType::Date64 => Instants::Dates(
                cast(a, &DataType::Date32)?
                    .as_primitive::<Date32Type>()
                    .clone(),
            ),
            DataType::Timestamp(unit, tz) => Instants::Stamps {
                values: cast(a, &DataType::Int64)?
                    .as_primitive::<Int64Type>()
                    .clone(),
                unit: *unit,
                tz: tz.as_deref().map(str::parse).transpose()?,
            },
            DataType::Null => Instants::Null,
            other => {
                return Err(DaftError::Internal(format!(
                    "expected a date or timestamp column, got {other}"
                )))
            }
        })
    }

    /// The wall-clock time of row `i` (midnight for a date), or `None` when null.
    pub(crate) fn local(&self, i: usize) -> Option<NaiveDateTime> {
        match self {
            Instants::Dates(d) => Some(date_of(d.is_valid(i).then(|| d.value(i))?)?.into()),
            Instants::Stamps { values, unit, tz } => {
                let utc = naive_of(values.is_valid(i).then(|| values.value(i))?, *unit)?;
                Some(local_of_utc(utc, tz.as_ref()))
            }
            Instants::Null => None,
        }
    }

    /// The UTC time of row `i` (a date and a zoneless timestamp read as UTC).
    pub(crate) fn utc(&self, i: usize) -> Option<NaiveDateTime> {
        match self {
            Instants::Stamps { values, unit, .. } => {
                naive_of(values.is_valid(i).then(|| values.value(i))?, *unit)
            }
            _ => self.local(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trip_in_every_unit_before_and_after_the_epoch() {
        for unit in [
            TimeUnit::Second,
            TimeUnit::Millisecond,
            TimeUnit::Microsecond,
            TimeUnit::Nanosecond,
        ] {
            for v in [-1_500_000_001i64, -1, 0, 1, 1_700_000_000_123] {
                let t = naive_of(v, unit).unwrap();
                assert_eq!(count_of(t, unit), Some(v), "{unit:?} {v}");
            }
        }
        assert_eq!(days_of(date_of(-1).unwrap()), -1);
        assert_eq!(date_of(0), NaiveDate::from_ymd_opt(1970, 1, 1));
    }

    #[test]
    fn a_skipped_local_time_has_no_instant_and_a_repeated_one_takes_the_earlier() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let gap = NaiveDate::from_ymd_opt(2024, 3, 10)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(utc_of_local(gap, Some(&ny)), None);
        let overlap = NaiveDate::from_ymd_opt(2024, 11, 3)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        // 01:30 EDT (UTC-4) comes before 01:30 EST (UTC-5).
        let utc = utc_of_local(overlap, Some(&ny)).unwrap();
        assert_eq!(utc.to_string(), "2024-11-03 05:30:00");
    }
}
