//! `bench`: the built-ins `reverse` (strings) and `abs` (Int64) compiled a
//! second time, as plugin functions, and the built-in `sum` of Int64 as a
//! plugin aggregate, for `make bench`.
//!
//! The scalar kernels are not copies: `arrow_kernels` below is the very
//! file the built-ins call (`host/daft-functions/src/arrow_kernels.rs`), so
//! a timing difference between `bench_reverse` and `reverse` is the plugin
//! boundary. `bench_sum` is the algorithm of the built-in exact sum
//! (`host/daft-lowering/src/sum.rs`: an `i128` per group, partial sums as
//! Decimal128(38, 0), checked narrowing to Int64 when emitted), written
//! against the SDK because the built-in's code is DataFusion's traits.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array, Int64Array};
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Decimal128Type, Field, Int64Type};
use daft_plugin_api::{
    AggregateFunction, Emit, GroupsAccumulator, Options, Param, ScalarFunction, TypeClass,
};

#[path = "../../../host/daft-functions/src/arrow_kernels.rs"]
mod arrow_kernels;

fn reverse_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    let dt = match args[0].data_type() {
        DataType::LargeUtf8 => DataType::LargeUtf8,
        _ => DataType::Utf8,
    };
    Ok(Field::new("reverse", dt, args[0].is_nullable()))
}

fn reverse(args: &[ArrayRef], _options: &Options, _num_rows: usize) -> Result<ArrayRef, String> {
    Ok(match args[0].data_type() {
        DataType::Utf8 => Arc::new(arrow_kernels::reverse_chars(args[0].as_string::<i32>())),
        DataType::LargeUtf8 => Arc::new(arrow_kernels::reverse_chars(args[0].as_string::<i64>())),
        _ => {
            let s = cast(&args[0], &DataType::Utf8).map_err(|e| e.to_string())?;
            Arc::new(arrow_kernels::reverse_chars(s.as_string::<i32>()))
        }
    })
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "bench_reverse",
        doc: "The built-in `reverse`, compiled as a plugin function (benchmarks only).\n\n\
              Args:\n    expr: a string column.\n\n\
              Returns:\n    the strings with their characters reversed; null stays null.",
        params: &[Param::expr("expr", TypeClass::String)],
        return_field: reverse_field,
        call: reverse,
    }
}

fn abs_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(Field::new("abs", DataType::Int64, args[0].is_nullable()))
}

fn abs(args: &[ArrayRef], _options: &Options, _num_rows: usize) -> Result<ArrayRef, String> {
    let abs = |a: &ArrayRef| -> Result<ArrayRef, String> {
        let out = arrow_kernels::abs_int64(a.as_primitive::<Int64Type>());
        Ok(Arc::new(out.map_err(|e| e.to_string())?))
    };
    if args[0].data_type() == &DataType::Int64 {
        return abs(&args[0]);
    }
    abs(&cast(&args[0], &DataType::Int64).map_err(|e| e.to_string())?)
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "bench_abs",
        doc: "The built-in `abs` on Int64, compiled as a plugin function (benchmarks only).\n\n\
              Args:\n    x: an integer column (cast to Int64).\n\n\
              Returns:\n    the absolute values as Int64 (an error for the minimum); null stays null.",
        params: &[Param::expr("x", TypeClass::Integer)],
        return_field: abs_field,
        call: abs,
    }
}

/// Exact Int64 sums per group: the built-in's algorithm (see the top of
/// this file).
#[derive(Default)]
struct Sum {
    sums: Vec<i128>,
    seen: Vec<bool>,
}

impl Sum {
    fn grow(&mut self, total: usize) {
        self.sums.resize(total, 0);
        self.seen.resize(total, false);
    }

    fn add_all<I: Into<i128> + Copy>(
        &mut self,
        values: &[I],
        nulls: Option<&daft_plugin_api::arrow::buffer::NullBuffer>,
        groups: &[usize],
    ) {
        match nulls {
            None => {
                for (v, g) in values.iter().zip(groups) {
                    self.sums[*g] = self.sums[*g].wrapping_add((*v).into());
                    self.seen[*g] = true;
                }
            }
            Some(n) => {
                for (i, (v, g)) in values.iter().zip(groups).enumerate() {
                    if n.is_valid(i) {
                        self.sums[*g] = self.sums[*g].wrapping_add((*v).into());
                        self.seen[*g] = true;
                    }
                }
            }
        }
    }
}

impl GroupsAccumulator for Sum {
    fn update(&mut self, args: &[ArrayRef], groups: &[usize], total: usize) -> Result<(), String> {
        self.grow(total);
        let a = args[0].as_primitive::<Int64Type>();
        self.add_all(a.values(), a.nulls(), groups);
        Ok(())
    }

    fn merge(&mut self, states: &[ArrayRef], groups: &[usize], total: usize) -> Result<(), String> {
        self.grow(total);
        let s = states[0].as_primitive::<Decimal128Type>();
        self.add_all(s.values(), s.nulls(), groups);
        Ok(())
    }

    fn evaluate(&mut self, emit: Emit) -> Result<ArrayRef, String> {
        let sums = emit.take(&mut self.sums);
        let seen = emit.take(&mut self.seen);
        let out = sums
            .into_iter()
            .zip(seen)
            .map(|(s, seen)| match seen {
                false => Ok(None),
                true => i64::try_from(s)
                    .map(Some)
                    .map_err(|_| format!("bench_sum overflows Int64: the sum is {s}")),
            })
            .collect::<Result<Int64Array, String>>()?;
        Ok(Arc::new(out))
    }

    fn state(&mut self, emit: Emit) -> Result<Vec<ArrayRef>, String> {
        let sums = emit.take(&mut self.sums);
        let seen = emit.take(&mut self.seen);
        let out: Decimal128Array = sums
            .into_iter()
            .zip(seen)
            .map(|(s, seen)| seen.then_some(s))
            .collect();
        let out = out
            .with_precision_and_scale(38, 0)
            .map_err(|e| e.to_string())?;
        Ok(vec![Arc::new(out)])
    }

    fn size(&self) -> usize {
        self.sums.capacity() * 16 + self.seen.capacity()
    }
}

fn sum_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    if args[0].data_type() != &DataType::Int64 {
        return Err(format!(
            "bench_sum takes Int64, got {}",
            args[0].data_type()
        ));
    }
    Ok(Field::new("sum", DataType::Int64, true))
}

fn sum_state(_args: &[Field], _options: &Options) -> Result<Vec<Field>, String> {
    Ok(vec![Field::new("sum", DataType::Decimal128(38, 0), true)])
}

fn sum_accumulator(
    _args: &[Field],
    _options: &Options,
) -> Result<Box<dyn GroupsAccumulator>, String> {
    Ok(Box::<Sum>::default())
}

daft_plugin_api::inventory::submit! {
    AggregateFunction {
        name: "bench_sum",
        doc: "The built-in `sum` of Int64, as a plugin aggregate (benchmarks only).\n\n\
              Args:\n    x: an Int64 column.\n\n\
              Returns:\n    the exact sum per group as Int64 (an error if it does not fit);\n    \
              null for a group without values.",
        params: &[Param::expr("x", TypeClass::Integer)],
        return_field: sum_field,
        state_fields: sum_state,
        create: sum_accumulator,
    }
}

daft_plugin_api::export_plugin!(name = "bench", version = env!("CARGO_PKG_VERSION"));
