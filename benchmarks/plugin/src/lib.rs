//! `bench`: the built-ins `reverse` (strings) and `abs` (Int64) compiled a
//! second time, as plugin functions, for `make bench`.
//!
//! The kernels are not copies: `arrow_kernels` below is the very file the
//! built-ins call (`host/daft-functions/src/arrow_kernels.rs`), so a timing
//! difference between `bench_reverse` and `reverse` is the plugin boundary.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{ArrayRef, AsArray};
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Field, Int64Type};
use daft_plugin_api::{Options, Param, ScalarFunction, TypeClass};

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

daft_plugin_api::export_plugin!(name = "bench", version = env!("CARGO_PKG_VERSION"));
