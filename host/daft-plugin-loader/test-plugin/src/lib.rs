//! A plugin that misbehaves on purpose, for daft-plugin-loader's tests:
//! panics in its return-type rule, its kernel and (on request) its
//! manifest, errors, an extension type, a name that clashes with the hello
//! plugin, a pass-through kernel and a variadic function with options.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{ArrayRef, Float64Array, Int64Array};
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::inventory::submit;
use daft_plugin_api::{
    downcast, DefaultValue, ExtensionType, OptionKind, Options, Param, ScalarFunction, TypeClass,
};

/// Set to make the manifest panic while it builds an extension type.
const PANIC_AT_LOAD_VAR: &str = "DAFT_TEST_FIXTURE_PANIC_AT_LOAD";

fn int64_field(args: &[Field], _: &Options) -> Result<Field, String> {
    Ok(Field::new(
        "out",
        DataType::Int64,
        args.first().is_none_or(|a| a.is_nullable()),
    ))
}

fn identity(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    Ok(args[0].clone())
}

fn same_field(args: &[Field], _: &Options) -> Result<Field, String> {
    Ok(args[0].clone())
}

submit! {
    ScalarFunction {
        name: "fixture_identity",
        doc: "Returns its argument (the plugin hands back the host's own buffers).",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: same_field,
        call: identity,
    }
}

fn panicking_rule(_: &[Field], _: &Options) -> Result<Field, String> {
    panic!("rule exploded")
}

submit! {
    ScalarFunction {
        name: "fixture_panic_rule",
        doc: "Its return-type rule panics.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: panicking_rule,
        call: identity,
    }
}

fn panicking_kernel(_: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    panic!("kernel exploded")
}

submit! {
    ScalarFunction {
        name: "fixture_panic_kernel",
        doc: "Its kernel panics.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: same_field,
        call: panicking_kernel,
    }
}

fn failing_kernel(_: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    Err("bad input value".into())
}

submit! {
    ScalarFunction {
        name: "fixture_err_kernel",
        doc: "Its kernel returns an error.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: same_field,
        call: failing_kernel,
    }
}

fn rejecting_rule(args: &[Field], _: &Options) -> Result<Field, String> {
    Err(format!("cannot use a column named {:?}", args[0].name()))
}

submit! {
    ScalarFunction {
        name: "fixture_reject",
        doc: "Its return-type rule rejects every call.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: rejecting_rule,
        call: identity,
    }
}

fn fake_greet(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    Ok(args[0].clone())
}

submit! {
    ScalarFunction {
        name: "hello_greet",
        doc: "Clashes with the hello plugin's function of the same name.",
        params: &[Param::expr("name", TypeClass::String)],
        return_field: same_field,
        call: fake_greet,
    }
}

// ---- an extension type ------------------------------------------------------

const POINT: ExtensionType = ExtensionType {
    name: "fixture.point",
    storage: || DataType::Int64,
    metadata: "{\"unit\":\"m\"}",
};

submit! { POINT }

fn boom_storage() -> DataType {
    if std::env::var_os(PANIC_AT_LOAD_VAR).is_some() {
        panic!("manifest exploded");
    }
    DataType::Utf8
}

submit! {
    ExtensionType { name: "fixture.boom", storage: boom_storage, metadata: "" }
}

fn point_field(args: &[Field], _: &Options) -> Result<Field, String> {
    Ok(POINT.field("p", args[0].is_nullable()))
}

fn to_point(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    cast(&args[0], &DataType::Int64).map_err(|e| e.to_string())
}

submit! {
    ScalarFunction {
        name: "fixture_point",
        doc: "Returns the extension type fixture.point.",
        params: &[Param::expr("x", TypeClass::Numeric)],
        return_field: point_field,
        call: to_point,
    }
}

fn bad_point_field(_: &[Field], _: &Options) -> Result<Field, String> {
    // Claims the extension type with the wrong storage type.
    Ok(Field::new("p", DataType::Utf8, true).with_metadata(
        [(
            "ARROW:extension:name".to_string(),
            "fixture.point".to_string(),
        )]
        .into_iter()
        .collect::<std::collections::HashMap<_, _>>(),
    ))
}

submit! {
    ScalarFunction {
        name: "fixture_bad_point",
        doc: "Declares fixture.point with the wrong storage type.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: bad_point_field,
        call: identity,
    }
}

// ---- variadic with options --------------------------------------------------

fn sum_field(_: &[Field], _: &Options) -> Result<Field, String> {
    Ok(Field::new("sum", DataType::Float64, true))
}

fn sum(args: &[ArrayRef], options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    let scale = options.float("scale").ok_or("missing option scale")?;
    let negate = options.bool("negate").ok_or("missing option negate")?;
    let offset = options.int("offset").ok_or("missing option offset")?;
    let label = options.str("label").ok_or("missing option label")?;
    if label.is_empty() {
        return Err("label must not be empty".into());
    }
    let mut acc = vec![Some(offset as f64); num_rows];
    for a in args {
        let a = cast(a, &DataType::Int64).map_err(|e| e.to_string())?;
        let a = downcast::<Int64Array>(&a)?;
        for (slot, v) in acc.iter_mut().zip(a.iter()) {
            *slot = match (*slot, v) {
                (Some(s), Some(v)) => Some(s + v as f64),
                _ => None,
            };
        }
    }
    let sign = if negate { -1.0 } else { 1.0 };
    Ok(Arc::new(
        acc.into_iter()
            .map(|v| v.map(|v| v * scale * sign))
            .collect::<Float64Array>(),
    ))
}

submit! {
    ScalarFunction {
        name: "fixture_sum",
        doc: "offset + sum of its arguments, times scale, negated if asked.",
        params: &[
            Param::variadic("xs", TypeClass::Integer, 1),
            Param::option("scale", OptionKind::Float, DefaultValue::Int(1)),
            Param::option("negate", OptionKind::Bool, DefaultValue::Bool(false)),
            Param::required_option("offset", OptionKind::Int),
            Param::option("label", OptionKind::Str, DefaultValue::Str("sum")),
        ],
        return_field: sum_field,
        call: sum,
    }
}

// A function with no arguments at all, checked against a declared Int64.
fn zero_rows(_: &[ArrayRef], _: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    Ok(Arc::new(Int64Array::from(vec![0i64; num_rows])))
}

submit! {
    ScalarFunction {
        name: "fixture_zeros",
        doc: "num_rows zeros.",
        params: &[],
        return_field: int64_field,
        call: zero_rows,
    }
}

daft_plugin_api::export_plugin!(name = "fixture", version = "0.0.1");
