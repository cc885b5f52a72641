//! Return-type rules for the common cases, to use as a function's
//! `return_field` instead of writing one: the output is nullable when any
//! argument is (a null in, a null out), and named after the function's
//! first argument by daft whatever name is given here.
//!
//! ```
//! use daft_plugin_api::{returns, Param, ScalarFunction, TypeClass};
//! # fn kernel(_: &[daft_plugin_api::arrow::array::ArrayRef], _: &daft_plugin_api::Options, _: usize)
//! #     -> Result<daft_plugin_api::arrow::array::ArrayRef, String> { unimplemented!() }
//! daft_plugin_api::inventory::submit! {
//!     ScalarFunction {
//!         name: "scale",
//!         doc: "Multiplies x by factor.",
//!         params: &[
//!             Param::expr("x", TypeClass::Exact("Float64")),
//!             Param::expr("factor", TypeClass::SameAs(0)),
//!         ],
//!         return_field: returns::same_as_first,
//!         call: kernel,
//!     }
//! }
//! ```

use crate::arrow::datatypes::{DataType, Field};
use crate::Options;

fn nullable(args: &[Field]) -> bool {
    args.is_empty() || args.iter().any(|a| a.is_nullable())
}

fn of_type(args: &[Field], dt: DataType) -> Result<Field, String> {
    Ok(Field::new("out", dt, nullable(args)))
}

/// The first argument's type, with its metadata (an extension type stays
/// that type).
pub fn same_as_first(args: &[Field], _: &Options) -> Result<Field, String> {
    let first = args
        .first()
        .ok_or("same_as_first needs at least one argument")?;
    Ok(Field::new("out", first.data_type().clone(), nullable(args))
        .with_metadata(first.metadata().clone()))
}

/// `Boolean`.
pub fn boolean(args: &[Field], _: &Options) -> Result<Field, String> {
    of_type(args, DataType::Boolean)
}

/// `Int64`.
pub fn int64(args: &[Field], _: &Options) -> Result<Field, String> {
    of_type(args, DataType::Int64)
}

/// `UInt64`.
pub fn uint64(args: &[Field], _: &Options) -> Result<Field, String> {
    of_type(args, DataType::UInt64)
}

/// `Float64`.
pub fn float64(args: &[Field], _: &Options) -> Result<Field, String> {
    of_type(args, DataType::Float64)
}

/// `Utf8`.
pub fn utf8(args: &[Field], _: &Options) -> Result<Field, String> {
    of_type(args, DataType::Utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullability_follows_the_arguments_and_metadata_is_kept() {
        let options = Options::default();
        let metadata: std::collections::HashMap<String, String> =
            [("ARROW:extension:name".to_string(), "x.y".to_string())].into();
        let ext = Field::new("p", DataType::Int64, false).with_metadata(metadata);
        let out = same_as_first(std::slice::from_ref(&ext), &options).unwrap();
        assert_eq!(out.data_type(), &DataType::Int64);
        assert!(!out.is_nullable());
        assert_eq!(out.metadata(), ext.metadata());
        let two = [ext, Field::new("q", DataType::Utf8, true)];
        assert!(boolean(&two, &options).unwrap().is_nullable());
        assert_eq!(
            float64(&[], &options).unwrap().data_type(),
            &DataType::Float64
        );
        assert!(same_as_first(&[], &options).is_err());
    }
}
