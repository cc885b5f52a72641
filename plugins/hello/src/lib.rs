//! `hello`: the smallest complete daft plugin, and the template to copy.
//!
//! A plugin is plain safe Rust: each function is a [`ScalarFunction`] value
//! (name, docstring, parameters, a return-type rule and a kernel) submitted
//! with `inventory::submit!`, and one `export_plugin!` line at the end makes
//! the library loadable by daft. No Python code and no `unsafe` needed.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{ArrayRef, Int64Array, StringArray};
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{
    downcast, DefaultValue, OptionKind, Options, Param, ScalarFunction, TypeClass,
};

// ---- hello_greet(name, *, greeting="hello") -> Utf8 -------------------------

fn greet_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    // The host names the output after the first argument; only the type
    // and nullability matter here.
    Ok(Field::new(
        "greeting",
        DataType::Utf8,
        args[0].is_nullable(),
    ))
}

fn greet(args: &[ArrayRef], options: &Options, _num_rows: usize) -> Result<ArrayRef, String> {
    let greeting = options.str("greeting").unwrap_or("hello");
    // The class `String` also admits all-null (`Null`) columns and other
    // string layouts; casting to Utf8 handles them all in one code path.
    let names = cast(&args[0], &DataType::Utf8).map_err(|e| e.to_string())?;
    let names = downcast::<StringArray>(&names)?;
    let out: StringArray = names
        .iter()
        .map(|name| name.map(|name| format!("{greeting}, {name}")))
        .collect();
    Ok(Arc::new(out))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "hello_greet",
        doc: "Greets each name: `hello_greet(col(\"name\"))` gives \"hello, <name>\".\n\n\
              Args:\n    name: a string column.\n    greeting: the word to greet with (default \"hello\").\n\n\
              Returns:\n    a string column; null where `name` is null.",
        params: &[
            Param::expr("name", TypeClass::String),
            Param::option("greeting", OptionKind::Str, DefaultValue::Str("hello")),
        ],
        return_field: greet_field,
        call: greet,
    }
}

// ---- hello_add_one(x) -> Int64 ----------------------------------------------

fn add_one_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(Field::new("x", DataType::Int64, args[0].is_nullable()))
}

fn add_one(args: &[ArrayRef], _options: &Options, _num_rows: usize) -> Result<ArrayRef, String> {
    let x = cast(&args[0], &DataType::Int64).map_err(|e| e.to_string())?;
    let x = downcast::<Int64Array>(&x)?;
    let out = x
        .iter()
        .map(|v| match v {
            Some(v) => v
                .checked_add(1)
                .map(Some)
                .ok_or_else(|| format!("hello_add_one: {v} + 1 overflows Int64")),
            None => Ok(None),
        })
        .collect::<Result<Int64Array, String>>()?;
    Ok(Arc::new(out))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "hello_add_one",
        doc: "Adds one to each integer: `hello_add_one(col(\"x\"))`.\n\n\
              Args:\n    x: an integer column (cast to Int64).\n\n\
              Returns:\n    an Int64 column; an error if a value would overflow.",
        params: &[Param::expr("x", TypeClass::Integer)],
        return_field: add_one_field,
        call: add_one,
    }
}

daft_plugin_api::export_plugin!(name = "hello", version = env!("CARGO_PKG_VERSION"));

// Kernels and rules are plain functions: test them without daft.
#[cfg(test)]
mod tests {
    use super::*;
    use daft_plugin_api::Value;

    #[test]
    fn greet_uses_the_greeting_option() {
        let names: ArrayRef = Arc::new(StringArray::from(vec![Some("world"), None]));
        let options = Options::from_pairs([("greeting".to_string(), Value::Str("hi".into()))]);
        let out = greet(&[names], &options, 2).unwrap();
        let out = downcast::<StringArray>(&out).unwrap();
        assert_eq!(out.iter().collect::<Vec<_>>(), [Some("hi, world"), None]);
    }

    #[test]
    fn add_one_reports_overflow() {
        let x: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None]));
        let out = add_one(&[x], &Options::default(), 2).unwrap();
        let out = downcast::<Int64Array>(&out).unwrap();
        assert_eq!(out.iter().collect::<Vec<_>>(), [Some(2), None]);
        let x: ArrayRef = Arc::new(Int64Array::from(vec![i64::MAX]));
        assert!(add_one(&[x], &Options::default(), 1)
            .unwrap_err()
            .contains("overflows"));
    }
}
