//! The functions users call, each declared with its return-type rule and
//! kernel, and the checks they share.
//!
//! Every function maps a null row to a null row. Return-type rules refuse
//! arguments and options they cannot use, so mistakes surface when the
//! expression meets a schema (`DaftTypeError: function image.resize: ...`)
//! rather than halfway through a query.

use daft_plugin_api::arrow::array::ArrayRef;
use daft_plugin_api::arrow::datatypes::Field;
use daft_plugin_api::Options;

use crate::types::{image_arg, ImageArg};

mod attributes;
mod codec;
mod hash;
mod transform;

/// Checks that every argument has `num_rows` rows (the host promises it; a
/// mismatch would silently misalign rows).
fn check_rows(args: &[ArrayRef], num_rows: usize) -> Result<(), String> {
    match args.iter().position(|a| a.len() != num_rows) {
        Some(i) => Err(format!(
            "argument {i} has {} rows, expected {num_rows}",
            args[i].len()
        )),
        None => Ok(()),
    }
}

/// The image argument (the first) of a call, checked at plan time.
fn image_param(args: &[Field]) -> Result<ImageArg, String> {
    image_arg(&args[0], "image")
}

/// Whether any argument may hold nulls (then so may the result).
fn any_nullable(args: &[Field]) -> bool {
    args.iter().any(Field::is_nullable)
}

/// Integer option `name`, which the host guarantees is present (required,
/// or with a default) unless the caller passed `None`.
fn int_option(options: &Options, name: &str) -> Result<i64, String> {
    options
        .int(name)
        .ok_or_else(|| format!("option `{name}` must be an integer, got None"))
}

/// String option `name`, as [`int_option`].
fn str_option<'a>(options: &'a Options, name: &str) -> Result<&'a str, String> {
    options
        .str(name)
        .ok_or_else(|| format!("option `{name}` must be a string, got None"))
}
