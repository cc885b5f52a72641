//! conv (numbers between bases, Spark's rules) and great_circle_distance.

use std::sync::Arc;

use arrow::array::{AsArray, Float64Array};
use arrow::datatypes::{DataType, Float64Type};
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};

use crate::util::{build_strings, cast_to, function, Strs};

/// Spark's `conv` of one value: the longest prefix of digits valid in
/// `from` (after an optional `-`) read as an unsigned 64-bit number (a
/// negative one as two's complement), written in `to` (signed when `to` is
/// negative). `None` on overflow or a bad base.
fn conv(text: &str, from: i64, to: i64) -> Option<String> {
    if !(2..=36).contains(&from) || !(2..=36).contains(&to.abs()) {
        return None;
    }
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut value: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(from as u32) else {
            break;
        };
        value = value.checked_mul(from as u64)?.checked_add(d as u64)?;
    }
    let signed_out = to < 0;
    let (out_negative, magnitude) = if negative {
        if signed_out {
            if value > 1u64 << 63 {
                return None;
            }
            (value != 0, value)
        } else {
            (false, value.wrapping_neg())
        }
    } else if signed_out && value > i64::MAX as u64 {
        // A positive number past i64::MAX reads as negative when signed.
        (true, value.wrapping_neg())
    } else {
        (false, value)
    };
    let base = to.unsigned_abs();
    let mut out = Vec::new();
    let mut m = magnitude;
    loop {
        let d = (m % base) as u32;
        out.push(std::char::from_digit(d, base as u32)?.to_ascii_uppercase());
        m /= base;
        if m == 0 {
            break;
        }
    }
    if out_negative {
        out.push('-');
    }
    Some(out.iter().rev().collect())
}

fn bases(opts: &FunctionOptions) -> (i64, i64) {
    (
        opts.int("from_base").unwrap_or(10),
        opts.int("to_base").unwrap_or(10),
    )
}

fn conv_def() -> FunctionDef {
    function(
        "conv",
        r#"
Each number, written in base `from_base`, rewritten in base `to_base` (2 to 36).

Spark's rules, as in Daft: the longest valid prefix counts ("11abc" in
base 10 is 11; no digit at all is 0); a positive `to_base` writes a negative
number as its 64-bit two's complement ("-1" is "FFFFFFFFFFFFFFFF" in base
16), a negative `to_base` writes it signed ("-1"); digits are upper case.
Integers are read as their decimal text.

Args:
    expr: A string or integer expression.
    from_base: The base the values are written in (2 to 36).
    to_base: The base to write them in (2 to 36, or -36 to -2 for signed output).

Returns:
    Expression: Strings; null where the value is null, the number overflows
    64 bits or a base is out of range.

Example:
    >>> df = daft.from_pydict({"s": ["255", "-1", None]})
    >>> df.select(daft.functions.conv(daft.col("s"), 10, 16))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::required_option("from_base", OptionKind::Int),
            Param::required_option("to_base", OptionKind::Int),
        ],
        |args, _| {
            let dt = args[0].data_type();
            if dt.is_integer() || TypeClass::String.accepts(dt) {
                Ok(DataType::Utf8)
            } else {
                Err(DaftError::type_error(format!(
                    "conv: argument `expr` has type {}; expected a string or an integer",
                    daft_core::types::display_data_type(dt)
                )))
            }
        },
        |args, opts, n| {
            let (from, to) = bases(opts);
            let text = cast_to(&args[0], &DataType::Utf8)?;
            let s = Strs::new(&text, "expr")?;
            build_strings(&DataType::Utf8, n, |i, buf| {
                match s.get(i).and_then(|v| conv(v, from, to)) {
                    Some(out) => {
                        buf.push_str(&out);
                        Ok(true)
                    }
                    None => Ok(false),
                }
            })
        },
    )
}
inventory::submit! { BuiltinFunction(conv_def) }

/// The mean Earth radius in meters (IUGG), as Daft uses.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Option<f64> {
    let ok = |lat: f64, lon: f64| (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
    if !ok(lat1, lon1) || !ok(lat2, lon2) {
        return None;
    }
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    Some(2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin())
}

fn great_circle_distance_def() -> FunctionDef {
    function(
        "great_circle_distance",
        r#"
The great-circle distance in meters between two points on the Earth.

The haversine formula on a sphere of the mean Earth radius (6,371,008.8 m),
as in Daft. Latitudes outside [-90, 90], longitudes outside [-180, 180] and
non-finite values give null.

Args:
    lat1: Latitude of the first point, in degrees.
    lon1: Longitude of the first point, in degrees.
    lat2: Latitude of the second point, in degrees.
    lon2: Longitude of the second point, in degrees.

Returns:
    Expression: Float64 meters; null where an argument is null or invalid.

Example:
    >>> df = daft.from_pydict({"lat": [51.5, None], "lon": [-0.12, 0.0]})
    >>> df.select(daft.functions.great_circle_distance(daft.col("lat"), daft.col("lon"), 48.85, 2.35))
"#,
        vec![
            Param::expr("lat1", TypeClass::Numeric),
            Param::expr("lon1", TypeClass::Numeric),
            Param::expr("lat2", TypeClass::Numeric),
            Param::expr("lon2", TypeClass::Numeric),
        ],
        |_, _| Ok(DataType::Float64),
        |args, _, n| {
            let cols = args
                .iter()
                .map(|a| {
                    Ok(cast_to(a, &DataType::Float64)?
                        .as_primitive::<Float64Type>()
                        .clone())
                })
                .collect::<DaftResult<Vec<_>>>()?;
            let get = |k: usize, i: usize| crate::util::opt(&cols[k], i);
            let out: Float64Array = (0..n)
                .map(|i| haversine(get(0, i)?, get(1, i)?, get(2, i)?, get(3, i)?))
                .collect();
            Ok(Arc::new(out))
        },
    )
}
inventory::submit! { BuiltinFunction(great_circle_distance_def) }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_follows_sparks_rules() {
        assert_eq!(conv("255", 10, 16).as_deref(), Some("FF"));
        assert_eq!(conv("-1", 10, 16).as_deref(), Some("FFFFFFFFFFFFFFFF"));
        assert_eq!(conv("-1", 10, -16).as_deref(), Some("-1"));
        assert_eq!(conv("11abc", 10, 16).as_deref(), Some("B"));
        assert_eq!(conv("zz", 10, 16).as_deref(), Some("0"));
        assert_eq!(conv("FFFFFFFFFFFFFFFF", 16, -10).as_deref(), Some("-1"));
        assert_eq!(conv("18446744073709551616", 10, 16), None);
        assert_eq!(conv("1", 1, 10), None);
        assert_eq!(conv("1", 10, 37), None);
    }
}
