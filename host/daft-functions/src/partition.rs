//! Iceberg's partition transforms (bucket, truncate) and what they build
//! on: 32-bit MurmurHash3 of a value's Iceberg bytes (`murmur3_32`), and the
//! time parts of a UUIDv7's millisecond timestamp.
//!
//! Iceberg hashes ints and longs, dates and timestamps as 8-byte
//! little-endian longs, strings as UTF-8, binary as its bytes and decimals
//! as their unscaled value's shortest big-endian two's complement
//! (<https://iceberg.apache.org/spec/#appendix-b-32-bit-hash-requirements>).

use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, AsArray, Int32Array, Int64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Decimal128Type, Int64Type, TimeUnit};
use chrono::Datelike;
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};

use crate::util::{build_strings, function, Bytes, Strs};

fn murmur(bytes: &[u8]) -> i32 {
    // Reading from a slice cannot fail.
    murmur3::murmur3_32(&mut std::io::Cursor::new(bytes), 0).unwrap_or(0) as i32
}

/// Whether Iceberg defines a hash for the type.
fn hashable(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Null
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Date32
            | DataType::Timestamp(TimeUnit::Microsecond, _)
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_)
            | DataType::Decimal128(_, _)
    )
}

fn hash_rule(function: &str, dt: &DataType) -> DaftResult<()> {
    if hashable(dt) {
        return Ok(());
    }
    Err(DaftError::type_error(format!(
        "{function}: argument `expr` has type {}; Iceberg hashes integers, dates, \
         microsecond timestamps, decimals, strings and binary",
        display_data_type(dt)
    )))
}

/// The shortest big-endian two's complement bytes of `v` (Iceberg's decimal bytes).
fn decimal_bytes(v: i128) -> Vec<u8> {
    let all = v.to_be_bytes();
    let sign = if v < 0 { 0xff } else { 0x00 };
    let mut start = 0;
    while start < 15 && all[start] == sign && (all[start + 1] & 0x80) == (sign & 0x80) {
        start += 1;
    }
    all[start..].to_vec()
}

/// Iceberg's 32-bit hash of every row (`None` for null).
fn iceberg_hashes(a: &ArrayRef) -> DaftResult<Vec<Option<i32>>> {
    let n = a.len();
    Ok(match a.data_type() {
        DataType::Null => vec![None; n],
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Date32
        | DataType::Timestamp(TimeUnit::Microsecond, _) => {
            let v = cast(a, &DataType::Int64)?;
            let v = v.as_primitive::<Int64Type>();
            (0..n)
                .map(|i| v.is_valid(i).then(|| murmur(&v.value(i).to_le_bytes())))
                .collect()
        }
        DataType::Decimal128(_, _) => {
            let v = a.as_primitive::<Decimal128Type>();
            (0..n)
                .map(|i| v.is_valid(i).then(|| murmur(&decimal_bytes(v.value(i)))))
                .collect()
        }
        _ => {
            let bytes = Bytes::new(a)
                .ok_or_else(|| DaftError::Internal(format!("iceberg hash of {}", a.data_type())))?;
            (0..n).map(|i| bytes.with(i, murmur)).collect()
        }
    })
}

fn murmur3_32_def() -> FunctionDef {
    function(
        "murmur3_32",
        r#"
Iceberg's 32-bit MurmurHash3 (x86, seed 0) of each value.

Integers, dates and microsecond timestamps hash as 8-byte little-endian
longs, strings as UTF-8, binary as its bytes and decimals as their unscaled
value's shortest big-endian bytes, as the Iceberg spec says (34 hashes to
2017239379, "iceberg" to 1210000089).

Args:
    expr: An integer, date, timestamp[us], decimal, string or binary expression.

Returns:
    Expression: Int32 hashes; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["iceberg", None]})
    >>> df.select(daft.functions.murmur3_32(daft.col("s")))
"#,
        vec![Param::expr("expr", TypeClass::Any)],
        |args, _| {
            hash_rule("murmur3_32", args[0].data_type())?;
            Ok(DataType::Int32)
        },
        |args, _, _| Ok(Arc::new(Int32Array::from(iceberg_hashes(&args[0])?))),
    )
}
inventory::submit! { BuiltinFunction(murmur3_32_def) }

fn positive_int(function: &str, name: &str, opts: &FunctionOptions) -> DaftResult<i64> {
    match opts.int(name) {
        Some(v) if v > 0 && v <= i32::MAX as i64 => Ok(v),
        other => Err(DaftError::value_error(format!(
            "{function}: {name} must be a positive integer (at most 2^31 - 1), got {other:?}"
        ))),
    }
}

fn bucket_def() -> FunctionDef {
    function(
        "partition_iceberg_bucket",
        r#"
Iceberg's bucket transform: the bucket (0 to n - 1) of each value's hash.

The bucket is `(murmur3_32(value) & 0x7fffffff) % n`, with the hash of
`murmur3_32`.

Args:
    expr: An integer, date, timestamp[us], decimal, string or binary expression.
    n: The number of buckets.

Returns:
    Expression: Int32 buckets; null stays null.

Example:
    >>> df = daft.from_pydict({"id": [1, 34, None]})
    >>> df.select(daft.functions.partition_iceberg_bucket(daft.col("id"), 16))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::required_option("n", OptionKind::Int),
        ],
        |args, opts| {
            hash_rule("partition_iceberg_bucket", args[0].data_type())?;
            positive_int("partition_iceberg_bucket", "n", opts)?;
            Ok(DataType::Int32)
        },
        |args, opts, _| {
            let n = positive_int("partition_iceberg_bucket", "n", opts)? as i32;
            let out: Int32Array = iceberg_hashes(&args[0])?
                .into_iter()
                .map(|h| h.map(|h| (h & i32::MAX) % n))
                .collect();
            Ok(Arc::new(out))
        },
    )
}
inventory::submit! { BuiltinFunction(bucket_def) }

fn truncate_def() -> FunctionDef {
    function(
        "partition_iceberg_truncate",
        r#"
Iceberg's truncate transform of each value to width `w`.

Integers go down to a multiple of `w`, strings to their first `w`
characters, binary to its first `w` bytes, decimals' unscaled values down
to a multiple of `w`. Integers round toward negative infinity (-1 truncated by 10 is -10), as
the spec says.

Args:
    expr: An integer, decimal, string or binary expression.
    w: The width.

Returns:
    Expression: Of `expr`'s type; null stays null.

Example:
    >>> df = daft.from_pydict({"id": [1, 34, -1, None]})
    >>> df.select(daft.functions.partition_iceberg_truncate(daft.col("id"), 10))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::required_option("w", OptionKind::Int),
        ],
        |args, opts| {
            positive_int("partition_iceberg_truncate", "w", opts)?;
            let dt = args[0].data_type();
            if dt.is_integer()
                || matches!(
                    dt,
                    DataType::Null
                        | DataType::Decimal128(_, _)
                        | DataType::Utf8
                        | DataType::LargeUtf8
                        | DataType::Utf8View
                        | DataType::Binary
                        | DataType::LargeBinary
                )
            {
                return Ok(dt.clone());
            }
            Err(DaftError::type_error(format!(
                "partition_iceberg_truncate: argument `expr` has type {}; Iceberg truncates \
                 integers, decimals, strings and binary",
                display_data_type(dt)
            )))
        },
        |args, opts, n| {
            let w = positive_int("partition_iceberg_truncate", "w", opts)?;
            let a = &args[0];
            let dt = a.data_type();
            match dt {
                DataType::Null => Ok(new_null_array(dt, n)),
                dt if dt.is_integer() => {
                    let v = cast(a, &DataType::Int64)?;
                    let out: Int64Array =
                        v.as_primitive::<Int64Type>().unary(|x| x - x.rem_euclid(w));
                    Ok(cast(&(Arc::new(out) as ArrayRef), dt)?)
                }
                DataType::Decimal128(_, _) => {
                    let w = w as i128;
                    let out = a
                        .as_primitive::<Decimal128Type>()
                        .unary::<_, Decimal128Type>(|x| x - x.rem_euclid(w))
                        .with_data_type(dt.clone());
                    Ok(Arc::new(out))
                }
                DataType::Binary | DataType::LargeBinary => {
                    let bytes =
                        Bytes::new(a).ok_or_else(|| DaftError::Internal("binary".into()))?;
                    let out: arrow::array::BinaryArray = (0..n)
                        .map(|i| bytes.with(i, |b| b[..b.len().min(w as usize)].to_vec()))
                        .collect();
                    Ok(cast(&(Arc::new(out) as ArrayRef), dt)?)
                }
                _ => {
                    let s = Strs::new(a, "expr")?;
                    build_strings(dt, n, |i, buf| {
                        let Some(v) = s.get(i) else {
                            return Ok(false);
                        };
                        buf.extend(v.chars().take(w as usize));
                        Ok(true)
                    })
                }
            }
        },
    )
}
inventory::submit! { BuiltinFunction(truncate_def) }

/// The milliseconds since the epoch in a UUIDv7 (its first 48 bits).
fn uuid7_millis(a: &ArrayRef, n: usize) -> DaftResult<Vec<Option<i64>>> {
    if a.data_type() == &DataType::Null {
        return Ok(vec![None; n]);
    }
    let bytes =
        Bytes::new(a).ok_or_else(|| DaftError::Internal(format!("uuid7 of {}", a.data_type())))?;
    (0..n)
        .map(|i| {
            bytes
                .with(i, |b| {
                    if b.len() != 16 {
                        return Err(DaftError::value_error(format!(
                            "a UUIDv7 has 16 bytes; row {i} has {}",
                            b.len()
                        )));
                    }
                    let mut ms = [0u8; 8];
                    ms[2..].copy_from_slice(&b[..6]);
                    Ok(i64::from_be_bytes(ms))
                })
                .transpose()
        })
        .collect()
}

/// A time part of a UUIDv7, as plain data.
struct Uuid7Part {
    name: &'static str,
    what: &'static str,
    part: fn(i64) -> Option<i64>,
}

fn uuid7_fn(f: &'static Uuid7Part) -> FunctionDef {
    function(
        f.name,
        &format!(
            r#"
The {what} since 1970-01-01 (UTC) of each UUIDv7, a partition value.

A UUIDv7 holds its creation time as 48 bits of milliseconds since the
epoch in its first 6 bytes; this counts them, floored.

Args:
    expr: A UUID or 16-byte binary expression of UUIDv7 values.

Returns:
    Expression: Int64 counts; null stays null.

Example:
    >>> import uuid
    >>> df = daft.from_pydict({{"u": [uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057").bytes]}})
    >>> df.select(daft.functions.{name}(daft.col("u")))
"#,
            what = f.what,
            name = f.name,
        ),
        vec![Param::expr("expr", TypeClass::Any)],
        move |args, _| match args[0].data_type() {
            DataType::FixedSizeBinary(16)
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::Null => Ok(DataType::Int64),
            other => Err(DaftError::type_error(format!(
                "{}: argument `expr` has type {}; expected a UUID or 16-byte binary",
                f.name,
                display_data_type(other)
            ))),
        },
        move |args, _, n| {
            let out: Int64Array = uuid7_millis(&args[0], n)?
                .into_iter()
                .map(|ms| ms.and_then(f.part))
                .collect();
            Ok(Arc::new(out))
        },
    )
}

fn months_of(ms: i64) -> Option<i64> {
    let d = chrono::DateTime::from_timestamp_millis(ms)?.date_naive();
    Some((d.year() as i64 - 1970) * 12 + d.month0() as i64)
}

macro_rules! uuid7_part {
    ($konst:ident, $name:literal, $what:literal, $part:expr) => {
        const $konst: Uuid7Part = Uuid7Part {
            name: $name,
            what: $what,
            part: $part,
        };
        inventory::submit! { BuiltinFunction(|| uuid7_fn(&$konst)) }
    };
}

uuid7_part!(UUID7_DAY, "extract_day_uuid7", "whole days", |ms| Some(
    ms.div_euclid(86_400_000)
));
uuid7_part!(UUID7_HOUR, "extract_hour_uuid7", "whole hours", |ms| Some(
    ms.div_euclid(3_600_000)
));
uuid7_part!(
    UUID7_MINUTE,
    "extract_minute_uuid7",
    "whole minutes",
    |ms| Some(ms.div_euclid(60_000))
);
uuid7_part!(
    UUID7_MONTH,
    "extract_month_uuid7",
    "whole months",
    months_of
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_decimal_bytes_follow_the_iceberg_spec() {
        assert_eq!(murmur(&34i64.to_le_bytes()), 2017239379);
        assert_eq!(murmur(b"iceberg"), 1210000089);
        // The spec's decimal example: 14.20 is unscaled 1420 = 0x058C.
        assert_eq!(decimal_bytes(1420), vec![0x05, 0x8c]);
        assert_eq!(murmur(&decimal_bytes(1420)), -500754589);
        assert_eq!(decimal_bytes(-1), vec![0xff]);
        assert_eq!(decimal_bytes(128), vec![0x00, 0x80]);
        assert_eq!(decimal_bytes(0), vec![0x00]);
    }
}
