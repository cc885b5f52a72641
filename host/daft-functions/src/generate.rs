//! Generated values: uuid (v4 random, v7 time-ordered) and random_int.
//! Both are volatile: every row of every call draws anew.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow::array::{ArrayRef, FixedSizeBinaryBuilder, Int64Array};
use arrow::datatypes::{DataType, Field};
use daft_core::logical::ARROW_UUID;
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{
    BuiltinFunction, FunctionDef, Implementation, OptionKind, Param, Provider, ScalarFunction,
};
use daft_core::{DaftError, DaftResult};
use rand::rngs::SmallRng;
use rand::{Rng, RngCore, SeedableRng};

/// What a generator makes.
#[derive(Clone, Copy)]
enum Kind {
    Uuid,
    RandomInt,
}

struct Generator(Kind);

fn uuid_version(opts: &FunctionOptions) -> DaftResult<u8> {
    match opts.str("version").unwrap_or("v4") {
        "v4" => Ok(4),
        "v7" => Ok(7),
        other => Err(DaftError::value_error(format!(
            "uuid: version must be \"v4\" or \"v7\", got {other:?}"
        ))),
    }
}

fn int_bounds(opts: &FunctionOptions) -> DaftResult<(i64, i64)> {
    let (Some(low), Some(high)) = (opts.int("low"), opts.int("high")) else {
        return Err(DaftError::value_error(
            "random_int: give integer bounds low and high",
        ));
    };
    if low > high {
        return Err(DaftError::value_error(format!(
            "random_int: low ({low}) is greater than high ({high})"
        )));
    }
    Ok((low, high))
}

/// Calls so far with a seed: a seeded call draws from its seed and this
/// count, so two batches (or two columns) never repeat each other's values.
static SEEDED_CALLS: AtomicU64 = AtomicU64::new(0);

fn rng(opts: &FunctionOptions) -> SmallRng {
    match opts.int("seed") {
        Some(seed) => {
            let call = SEEDED_CALLS.fetch_add(1, Ordering::Relaxed);
            SmallRng::seed_from_u64((seed as u64) ^ call.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        }
        None => SmallRng::from_rng(&mut rand::rng()),
    }
}

impl ScalarFunction for Generator {
    fn return_field(&self, _: &[Field], opts: &FunctionOptions) -> DaftResult<Field> {
        Ok(match self.0 {
            Kind::Uuid => {
                uuid_version(opts)?;
                Field::new("uuid", DataType::FixedSizeBinary(16), true).with_metadata(
                    [
                        ("ARROW:extension:name".to_string(), ARROW_UUID.to_string()),
                        ("ARROW:extension:metadata".to_string(), String::new()),
                    ]
                    .into(),
                )
            }
            Kind::RandomInt => {
                int_bounds(opts)?;
                Field::new("random_int", DataType::Int64, true)
            }
        })
    }

    fn call(&self, _: &[ArrayRef], opts: &FunctionOptions, n: usize) -> DaftResult<ArrayRef> {
        match self.0 {
            Kind::Uuid => {
                let version = uuid_version(opts)?;
                let mut rng = SmallRng::from_rng(&mut rand::rng());
                let mut out = FixedSizeBinaryBuilder::with_capacity(n, 16);
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                for _ in 0..n {
                    let id = if version == 4 {
                        let mut bytes = [0u8; 16];
                        rng.fill_bytes(&mut bytes);
                        uuid::Builder::from_random_bytes(bytes).into_uuid()
                    } else {
                        let mut bytes = [0u8; 10];
                        rng.fill_bytes(&mut bytes);
                        uuid::Builder::from_unix_timestamp_millis(now, &bytes).into_uuid()
                    };
                    out.append_value(id.as_bytes())?;
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::RandomInt => {
                let (low, high) = int_bounds(opts)?;
                let mut rng = rng(opts);
                let values: Int64Array =
                    (0..n).map(|_| Some(rng.random_range(low..=high))).collect();
                Ok(Arc::new(values))
            }
        }
    }

    fn is_volatile(&self) -> bool {
        true
    }
}

fn uuid_def() -> FunctionDef {
    FunctionDef {
        name: "uuid".into(),
        provider: Provider::Builtin,
        doc: r#"
A fresh UUID for every row.

"v4" draws 122 random bits; "v7" starts with the current Unix time in
milliseconds, so values sort by creation time (to the millisecond). Two
calls in one query give different values.

Args:
    version: "v4" (the default) or "v7".

Returns:
    Expression: UUID values (Arrow's arrow.uuid type, 16 bytes each).

Example:
    >>> df = daft.from_pydict({"a": [1, 2]})
    >>> df.select(daft.functions.uuid(), daft.functions.uuid(version="v7").alias("v7"))
"#
        .trim()
        .to_string(),
        params: vec![Param::option(
            "version",
            OptionKind::Str,
            OptionValue::Str("v4".into()),
        )],
        implementation: Implementation::Scalar(Arc::new(Generator(Kind::Uuid))),
    }
}
inventory::submit! { BuiltinFunction(uuid_def) }

fn random_int_def() -> FunctionDef {
    FunctionDef {
        name: "random_int".into(),
        provider: Provider::Builtin,
        doc: r#"
A uniformly random integer in [low, high] (both included) for every row.

Without a seed every call draws anew. With one, the values come from the
seed and the order of seeded calls in the process: a query run first in a
fresh process on the same data gives the same values again, other runs do
not (Daft's seed is best-effort too).

Args:
    low: The smallest value.
    high: The largest value.
    seed: A seed (default: none).

Returns:
    Expression: Int64 values.

Example:
    >>> df = daft.from_pydict({"a": [1, 2, 3]})
    >>> df.select(daft.functions.random_int(10, 20))
"#
        .trim()
        .to_string(),
        params: vec![
            Param::required_option("low", OptionKind::Int),
            Param::required_option("high", OptionKind::Int),
            Param::option("seed", OptionKind::Int, OptionValue::Null),
        ],
        implementation: Implementation::Scalar(Arc::new(Generator(Kind::RandomInt))),
    }
}
inventory::submit! { BuiltinFunction(random_int_def) }
