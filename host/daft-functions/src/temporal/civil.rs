//! The calendar parts of zone-less timestamps and of dates by integer
//! arithmetic: the hot path of `year`, `month`, `day`, `hour`, ….
//!
//! arrow's `date_part` turns every value into a chrono date first, which
//! costs several times the arithmetic itself (three quarters of the time of
//! `year`/`month`/`day`/`hour` over ten million timestamps, measured with
//! `perf`), and its outputs are then cast to Daft's types in a second pass.
//! Here each part is one pass straight into Daft's output type. Only values
//! chrono can also represent take this path, so both agree on every row:
//! arrays with a time zone, time-of-day types, other parts, or any value
//! beyond [`MAX_ABS_DAYS`] go back to arrow (the caller's fallback).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use arrow::compute::kernels::aggregate::{max, min};
use arrow::compute::kernels::temporal::DatePart;
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Date64Type, Int32Type, Int64Type, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt32Type,
};

/// The largest distance from 1970-01-01, in days, handled here: about
/// 246,000 years, inside chrono's range (±262,143 years), where arrow's
/// kernel gives a null instead of a part.
const MAX_ABS_DAYS: i64 = 90_000_000;

const SECONDS_PER_DAY: i64 = 86_400;

/// Eras of 400 years added to every day count so that the arithmetic of
/// [`civil_from_days`] stays unsigned: more than `MAX_ABS_DAYS` days.
const ERA_SHIFT: u32 = 700;

/// Year, month (1 to 12) and day (1 to 31) of the proleptic Gregorian date
/// `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`: counts in
/// 400-year eras of 146,097 days, with years starting on 1 March so that the
/// leap day is the last of its year). Exact for every `|days| <=
/// MAX_ABS_DAYS`; shifted by [`ERA_SHIFT`] eras, every quantity is
/// non-negative, and unsigned divisions by constants are cheaper than signed.
#[inline(always)]
fn civil_from_days(days: i32) -> (i32, u32, u32) {
    // Days since 0000-03-01, plus the shift.
    let z = (days + 719_468) as u32 + ERA_SHIFT * 146_097;
    let era = z / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from 1 March
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = (yoe + era * 400) as i32 - (ERA_SHIFT * 400) as i32 + i32::from(month <= 2);
    (year, month, day)
}

/// What one row of the input is, in whole days and in units within its day.
#[derive(Clone, Copy)]
enum Input {
    /// Days since the epoch (Date32).
    Days,
    /// Timestamps, or Date64 milliseconds, with this many units a second.
    Units(i64),
}

/// The part `part` of every row of `a` as `out`, or `None` when this path
/// does not apply (the caller uses arrow's kernel).
pub(super) fn fast_part(a: &dyn Array, part: DatePart, out: &DataType) -> Option<ArrayRef> {
    let input = match a.data_type() {
        DataType::Date32 => Input::Days,
        DataType::Date64 => Input::Units(1_000),
        DataType::Timestamp(unit, None) => Input::Units(match unit {
            TimeUnit::Second => 1,
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        }),
        _ => return None,
    };
    let time_of_day = match part {
        DatePart::Hour | DatePart::Minute | DatePart::Second => true,
        DatePart::Year
        | DatePart::Month
        | DatePart::Day
        | DatePart::Quarter
        | DatePart::DayOfWeekMonday0 => false,
        _ => return None,
    };
    let wanted = match part {
        DatePart::Year => DataType::Int32,
        _ => DataType::UInt32,
    };
    if out != &wanted || (time_of_day && matches!(input, Input::Days)) {
        return None;
    }
    match input {
        Input::Days => {
            let a = a.as_primitive::<Date32Type>();
            in_range(a, MAX_ABS_DAYS as i32).then(|| of_days(a, part, |d| d))
        }
        Input::Units(per_second) => {
            let values = as_i64(a)?;
            let per_day = per_second * SECONDS_PER_DAY;
            if !in_range(&values, MAX_ABS_DAYS.saturating_mul(per_day)) {
                return None;
            }
            Some(match per_second {
                1 => of_units::<1>(&values, part),
                1_000 => of_units::<1_000>(&values, part),
                1_000_000 => of_units::<1_000_000>(&values, part),
                _ => of_units::<1_000_000_000>(&values, part),
            })
        }
    }
}

/// A part of every timestamp with `PER_SECOND` units a second, all of them
/// in range. A constant, so that each division compiles to a multiplication
/// (a division by a runtime value took three times as long as the rest).
fn of_units<const PER_SECOND: i64>(values: &PrimitiveArray<Int64Type>, part: DatePart) -> ArrayRef {
    match part {
        DatePart::Hour => map::<_, UInt32Type>(values, |t| {
            t.div_euclid(3_600 * PER_SECOND).rem_euclid(24) as u32
        }),
        DatePart::Minute => map::<_, UInt32Type>(values, |t| {
            t.div_euclid(60 * PER_SECOND).rem_euclid(60) as u32
        }),
        DatePart::Second => {
            map::<_, UInt32Type>(values, |t| t.div_euclid(PER_SECOND).rem_euclid(60) as u32)
        }
        // Valid values are in range, so their day counts fit an i32.
        _ => of_days(values, part, |t| {
            t.div_euclid(PER_SECOND * SECONDS_PER_DAY) as i32
        }),
    }
}

/// The raw values of a Date64 or timestamp array.
fn as_i64(a: &dyn Array) -> Option<PrimitiveArray<Int64Type>> {
    Some(match a.data_type() {
        DataType::Date64 => a.as_primitive::<Date64Type>().reinterpret_cast(),
        DataType::Timestamp(TimeUnit::Second, _) => {
            a.as_primitive::<TimestampSecondType>().reinterpret_cast()
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => a
            .as_primitive::<TimestampMillisecondType>()
            .reinterpret_cast(),
        DataType::Timestamp(TimeUnit::Microsecond, _) => a
            .as_primitive::<TimestampMicrosecondType>()
            .reinterpret_cast(),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => a
            .as_primitive::<TimestampNanosecondType>()
            .reinterpret_cast(),
        _ => return None,
    })
}

/// Whether every valid value of `a` lies within `±limit`.
fn in_range<T>(a: &PrimitiveArray<T>, limit: T::Native) -> bool
where
    T: ArrowPrimitiveType,
    T::Native: Ord + std::ops::Neg<Output = T::Native>,
{
    // One branch-free pass over every slot first (it vectorizes); the slots
    // under nulls count only if that pass fails.
    let beyond = a
        .values()
        .iter()
        .fold(false, |beyond, &v| beyond | (v < -limit) | (v > limit));
    if !beyond {
        return true;
    }
    a.null_count() > 0
        && match (min(a), max(a)) {
            (Some(lo), Some(hi)) => lo >= -limit && hi <= limit,
            _ => true, // no valid value
        }
}

/// A date part of every row, from its day count (`days` of the raw value).
fn of_days<T: ArrowPrimitiveType>(
    a: &PrimitiveArray<T>,
    part: DatePart,
    days: impl Fn(T::Native) -> i32 + Copy,
) -> ArrayRef {
    // Slots under nulls may hold any value: clamped, their arithmetic
    // cannot overflow (valid values are within the range already).
    let limit = MAX_ABS_DAYS as i32;
    let days = move |v| days(v).clamp(-limit, limit);
    match part {
        DatePart::Year => map::<_, Int32Type>(a, move |v| civil_from_days(days(v)).0),
        DatePart::Month => map::<_, UInt32Type>(a, move |v| civil_from_days(days(v)).1),
        DatePart::Day => map::<_, UInt32Type>(a, move |v| civil_from_days(days(v)).2),
        DatePart::Quarter => {
            map::<_, UInt32Type>(a, move |v| civil_from_days(days(v)).1.div_ceil(3))
        }
        // 1970-01-01 was a Thursday, day 3 counting from Monday.
        _ => map::<_, UInt32Type>(a, move |v| (days(v) + 3).rem_euclid(7) as u32),
    }
}

/// `f` of every slot (valid or not: the slots under nulls hold some value
/// too, and `f` must not panic on any) with `a`'s nulls.
fn map<T: ArrowPrimitiveType, O: ArrowPrimitiveType>(
    a: &PrimitiveArray<T>,
    f: impl Fn(T::Native) -> O::Native,
) -> ArrayRef {
    let values: Vec<O::Native> = a.values().iter().map(|&v| f(v)).collect();
    Arc::new(PrimitiveArray::<O>::new(values.into(), a.nulls().cloned()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, Date32Array, Date64Array, TimestampSecondArray};
    use arrow::buffer::NullBuffer;
    use arrow::compute::cast;
    use arrow::compute::kernels::temporal::{date_part, DatePart};
    use arrow::datatypes::{DataType, TimeUnit};

    use super::{civil_from_days, fast_part, MAX_ABS_DAYS};

    /// Every part this path takes, with Daft's output type.
    const PARTS: [(DatePart, DataType); 8] = [
        (DatePart::Year, DataType::Int32),
        (DatePart::Month, DataType::UInt32),
        (DatePart::Day, DataType::UInt32),
        (DatePart::Quarter, DataType::UInt32),
        (DatePart::DayOfWeekMonday0, DataType::UInt32),
        (DatePart::Hour, DataType::UInt32),
        (DatePart::Minute, DataType::UInt32),
        (DatePart::Second, DataType::UInt32),
    ];

    /// arrow's kernel and cast: the oracle, and the path every other input takes.
    fn arrow_part(a: &dyn Array, part: DatePart, out: &DataType) -> ArrayRef {
        cast(&date_part(a, part).unwrap(), out).unwrap()
    }

    fn splitmix(x: &mut u64) -> u64 {
        *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let z = (*x ^ (*x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb)
    }

    #[test]
    fn civil_dates_agree_with_chrono_over_the_whole_range() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let mut x = 1;
        let edges = [
            0,
            -1,
            59,
            60,
            -719_468,
            MAX_ABS_DAYS as i32,
            -MAX_ABS_DAYS as i32,
        ];
        let random = (0..200_000)
            .map(|_| (splitmix(&mut x) % (2 * MAX_ABS_DAYS as u64 + 1)) as i64 - MAX_ABS_DAYS);
        for days in edges.into_iter().map(i64::from).chain(random) {
            let date = epoch + chrono::Duration::days(days);
            use chrono::Datelike;
            assert_eq!(
                civil_from_days(days as i32),
                (date.year(), date.month(), date.day()),
                "{days} days after 1970-01-01"
            );
        }
    }

    #[test]
    fn parts_of_timestamps_and_dates_equal_arrows_with_nulls_and_slices() {
        let mut x = 7;
        let n = 5_000;
        // Seconds over ±100,000 years, with nulls, sliced off its start.
        let secs: Vec<Option<i64>> = (0..n)
            .map(|i| {
                let v = (splitmix(&mut x) % 6_311_520_000_000) as i64 - 3_155_760_000_000;
                (i % 7 != 3).then_some(v)
            })
            .collect();
        let seconds = TimestampSecondArray::from(secs.clone());
        let mut inputs: Vec<ArrayRef> = vec![
            Arc::new(seconds.clone()),
            Arc::new(seconds.slice(13, 1_000)),
            cast(&seconds, &DataType::Timestamp(TimeUnit::Millisecond, None)).unwrap(),
            cast(&seconds, &DataType::Timestamp(TimeUnit::Microsecond, None)).unwrap(),
            Arc::new(Date64Array::from(
                secs.iter()
                    .map(|s| s.map(|s| s * 1_000))
                    .collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(
                secs.iter()
                    .map(|s| s.map(|s| (s / 86_400) as i32))
                    .collect::<Vec<_>>(),
            )),
            Arc::new(TimestampSecondArray::from(Vec::<Option<i64>>::new())),
        ];
        // Nanoseconds only span 1677–2262.
        let ns: Vec<Option<i64>> = (0..n)
            .map(|i| (i % 5 != 0).then(|| splitmix(&mut x) as i64))
            .collect();
        inputs.push(Arc::new(
            arrow::array::TimestampNanosecondArray::from(ns).slice(1, 4_000),
        ));
        for a in &inputs {
            for (part, out) in PARTS.iter() {
                if matches!(a.data_type(), DataType::Date32)
                    && matches!(part, DatePart::Hour | DatePart::Minute | DatePart::Second)
                {
                    assert!(fast_part(a.as_ref(), *part, out).is_none());
                    continue;
                }
                let got = fast_part(a.as_ref(), *part, out)
                    .unwrap_or_else(|| panic!("{part:?} of {} takes the fast path", a.data_type()));
                assert_eq!(
                    &got,
                    &arrow_part(a.as_ref(), *part, out),
                    "{part:?} of {}",
                    a.data_type()
                );
            }
        }
    }

    #[test]
    fn values_beyond_the_range_and_zoned_timestamps_go_back_to_arrow() {
        let far = TimestampSecondArray::from(vec![Some(0), Some(i64::MAX / 2)]);
        assert!(fast_part(&far, DatePart::Year, &DataType::Int32).is_none());
        let zoned = TimestampSecondArray::from(vec![0]).with_timezone("Asia/Tokyo");
        assert!(fast_part(&zoned, DatePart::Hour, &DataType::UInt32).is_none());
        let plain = TimestampSecondArray::from(vec![0]);
        assert!(fast_part(&plain, DatePart::DayOfYear, &DataType::UInt32).is_none());
    }

    #[test]
    fn a_far_value_under_a_null_keeps_the_fast_path_and_its_null() {
        let values = vec![86_400 * 365, i64::MAX / 2, i64::MIN, -1];
        let nulls = NullBuffer::from(vec![true, false, false, true]);
        let a = TimestampSecondArray::new(values.into(), Some(nulls));
        for (part, out) in PARTS.iter() {
            let got = fast_part(&a, *part, out).expect("valid values are in range");
            assert_eq!(&got, &arrow_part(&a, *part, out), "{part:?}");
        }
    }
}
