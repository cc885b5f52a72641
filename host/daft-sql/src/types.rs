//! SQL type names (`CAST(x AS BIGINT)`) as Arrow types, with Daft's
//! meanings: `INT` is 32 bits, `BIGINT` 64, `FLOAT`/`REAL` 32, `DOUBLE` 64,
//! `TIMESTAMP` microseconds (`WITH TIME ZONE`: UTC).

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, IntervalUnit, TimeUnit};
use sqlparser::ast::{ArrayElemTypeDef, DataType as SqlType, ExactNumberInfo, TimezoneInfo};

use daft_core::{DaftError, DaftResult};

/// The Arrow type `t` names.
pub fn arrow_type(t: &SqlType) -> DaftResult<DataType> {
    use SqlType as S;
    Ok(match t {
        S::Bool | S::Boolean => DataType::Boolean,
        S::TinyInt(_) => DataType::Int8,
        S::SmallInt(_) | S::Int2(_) | S::Int16 => DataType::Int16,
        S::Int(_) | S::Integer(_) | S::Int4(_) | S::Int32 => DataType::Int32,
        S::BigInt(_) | S::Int8(_) | S::Int64 => DataType::Int64,
        S::UInt8 | S::TinyIntUnsigned(_) => DataType::UInt8,
        S::UInt16 | S::SmallIntUnsigned(_) => DataType::UInt16,
        S::UInt32 | S::IntUnsigned(_) | S::IntegerUnsigned(_) | S::Unsigned => DataType::UInt32,
        S::UInt64 | S::BigIntUnsigned(_) => DataType::UInt64,
        S::Real | S::Float4 | S::Float32 => DataType::Float32,
        S::Float(ExactNumberInfo::Precision(p)) if *p <= 24 => DataType::Float32,
        S::Float(_) | S::Double(_) | S::DoublePrecision | S::Float8 | S::Float64 => {
            DataType::Float64
        }
        S::Decimal(info) | S::Numeric(info) => match info {
            ExactNumberInfo::None => DataType::Decimal128(38, 9),
            ExactNumberInfo::Precision(p) => DataType::Decimal128(precision(*p)?, 0),
            ExactNumberInfo::PrecisionAndScale(p, s) => {
                let s = i8::try_from(*s).map_err(|_| {
                    DaftError::value_error(format!("SQL: DECIMAL scale {s} is out of range"))
                })?;
                DataType::Decimal128(precision(*p)?, s)
            }
        },
        S::Varchar(_)
        | S::Char(_)
        | S::Character(_)
        | S::CharacterVarying(_)
        | S::CharVarying(_)
        | S::Text
        | S::String(_) => DataType::Utf8,
        S::Binary(_) | S::Varbinary(_) | S::Blob(_) | S::Bytea => DataType::Binary,
        S::Date | S::Date32 => DataType::Date32,
        S::Timestamp(_, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => {
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        }
        S::Timestamp(_, _) | S::Datetime(_) => DataType::Timestamp(TimeUnit::Microsecond, None),
        S::Time(_, _) => DataType::Time64(TimeUnit::Microsecond),
        S::Interval { .. } => DataType::Interval(IntervalUnit::MonthDayNano),
        S::Array(
            ArrayElemTypeDef::SquareBracket(inner, None)
            | ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::Parenthesis(inner),
        ) => DataType::List(Arc::new(Field::new("item", arrow_type(inner)?, true))),
        S::Array(ArrayElemTypeDef::SquareBracket(inner, Some(n))) => {
            let n = i32::try_from(*n).ok().filter(|n| *n > 0).ok_or_else(|| {
                DaftError::value_error(format!("SQL: array size {n} is out of range"))
            })?;
            DataType::FixedSizeList(Arc::new(Field::new("item", arrow_type(inner)?, true)), n)
        }
        other => {
            return Err(DaftError::value_error(format!(
                "SQL: type {other} is not supported in CAST; supported: BOOLEAN, TINYINT, \
                 SMALLINT, INT, BIGINT, the UNSIGNED forms, REAL, FLOAT, DOUBLE, DECIMAL(p, s), \
                 VARCHAR/TEXT/STRING, BINARY, DATE, TIME, TIMESTAMP, INTERVAL, T[]"
            )))
        }
    })
}

fn precision(p: u64) -> DaftResult<u8> {
    match u8::try_from(p) {
        Ok(p) if (1..=38).contains(&p) => Ok(p),
        _ => Err(DaftError::value_error(format!(
            "SQL: DECIMAL precision must be 1 to 38, got {p}"
        ))),
    }
}
