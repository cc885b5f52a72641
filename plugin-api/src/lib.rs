//! The contract between daft and its native plugins, and the SDK plugin
//! authors write against.
//!
//! A plugin is a `cdylib` crate that depends on this crate only. It
//! declares functions and extension types as plain data, submits them with
//! `inventory`, and exports itself with one macro:
//!
//! ```no_run
//! use daft_plugin_api::arrow::array::{ArrayRef, Int64Array};
//! use daft_plugin_api::arrow::datatypes::{DataType, Field};
//! use daft_plugin_api::{Options, Param, ScalarFunction, TypeClass};
//! use std::sync::Arc;
//!
//! fn add_one_field(args: &[Field], _: &Options) -> Result<Field, String> {
//!     Ok(Field::new(args[0].name(), DataType::Int64, true))
//! }
//!
//! fn add_one(args: &[ArrayRef], _: &Options, _rows: usize) -> Result<ArrayRef, String> {
//!     let x = daft_plugin_api::downcast::<Int64Array>(&args[0])?;
//!     Ok(Arc::new(x.iter().map(|v| v.map(|v| v + 1)).collect::<Int64Array>()))
//! }
//!
//! daft_plugin_api::inventory::submit! {
//!     ScalarFunction {
//!         name: "add_one",
//!         doc: "Adds one.",
//!         params: &[Param::expr("x", TypeClass::Integer)],
//!         return_field: add_one_field,
//!         call: add_one,
//!     }
//! }
//!
//! daft_plugin_api::export_plugin!(name = "example", version = env!("CARGO_PKG_VERSION"));
//! ```
//!
//! Modules:
//! - [`abi`]: the stable ABI (the only module that uses `abi_stable`) and
//!   the host's loader entry point.
//! - the SDK types re-exported at the root ([`ScalarFunction`],
//!   [`ExtensionType`], [`Param`], [`Options`], ...).
//! - [`arrow`]: the arrow-rs version selected by the `arrow-NN` feature.
//! - [`arrow_export`]: the repair both sides apply to schemas they export.
//! - [`arrow_import`]: the repair both sides apply to arrays they import
//!   through the C Data Interface (the SDK to arguments, the host's loader
//!   to results).

#![warn(missing_docs)]

#[cfg(any(
    all(feature = "arrow-60", feature = "arrow-59"),
    all(feature = "arrow-60", feature = "arrow-55"),
    all(feature = "arrow-59", feature = "arrow-55"),
))]
compile_error!(
    "enable exactly one of the features `arrow-60`, `arrow-59` and `arrow-55` of daft-plugin-api"
);
#[cfg(not(any(feature = "arrow-60", feature = "arrow-59", feature = "arrow-55")))]
compile_error!(
    "enable one of the features `arrow-60` (default), `arrow-59` or `arrow-55` of daft-plugin-api"
);

/// The arrow-rs crate the SDK speaks, selected by a cargo feature
/// (`arrow-60`, the default, `arrow-59` or `arrow-55`). Use it instead of
/// depending on `arrow` directly so that the SDK's types and yours agree.
/// The ABI itself does not depend on it: host and plugin may use different
/// arrow versions.
#[cfg(all(
    feature = "arrow-60",
    not(feature = "arrow-59"),
    not(feature = "arrow-55")
))]
pub use arrow60 as arrow;

/// The arrow-rs crate the SDK speaks (see the `arrow-60` variant).
#[cfg(all(
    feature = "arrow-59",
    not(feature = "arrow-60"),
    not(feature = "arrow-55")
))]
pub use arrow59 as arrow;

/// The arrow-rs crate the SDK speaks (see the `arrow-60` variant).
#[cfg(all(
    feature = "arrow-55",
    not(feature = "arrow-60"),
    not(feature = "arrow-59")
))]
pub use arrow55 as arrow;

pub mod abi;
mod aggregate;
pub mod arrow_export;
pub mod arrow_import;
mod bridge;
mod options;
pub mod returns;
mod sdk;
mod stateful;

pub use aggregate::{
    AggregateFunction, CreateAccumulator, Emit, GroupsAccumulator, StateFieldsRule,
};
pub use inventory;
pub use options::{Options, Value};
pub use sdk::{
    DefaultValue, ExtensionType, Kernel, OptionKind, Param, ParamKind, ReturnFieldRule,
    ScalarFunction, TypeClass, EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY,
};
pub use stateful::{FunctionState, Initializer, Setup, StatefulFunction};

/// Downcasts a kernel argument to a concrete array type, with an error
/// message instead of a panic when the type is not the expected one, e.g.
/// "expected an Int64 array (Int64Array), got an array of type Utf8".
pub fn downcast<T: arrow::array::Array + 'static>(
    array: &arrow::array::ArrayRef,
) -> Result<&T, String> {
    array.as_any().downcast_ref::<T>().ok_or_else(|| {
        let (arrow_type, rust_type) = plain_array_type(std::any::type_name::<T>());
        format!(
            "expected {} array ({rust_type}), got an array of type {}",
            with_article(&arrow_type),
            array.data_type()
        )
    })
}

fn with_article(word: &str) -> String {
    match word.chars().next() {
        // "a Utf8", "a UInt64", "an Int64": a leading U sounds like "you".
        Some(c) if "AEIOaeio".contains(c) => format!("an {word}"),
        _ => format!("a {word}"),
    }
}

/// The Arrow type an array type holds and the array type without module
/// paths, from its `type_name`: `PrimitiveArray<Int64Type>` is an `Int64`
/// array, `GenericByteArray<GenericStringType<i32>>` a `Utf8` one.
fn plain_array_type(type_name: &str) -> (String, String) {
    // Drop every `path::` prefix: keep what follows the last `::` of each
    // path segment.
    let mut rust = String::new();
    let mut word = String::new();
    let mut chars = type_name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            word.clear();
        } else if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            rust.push_str(&word);
            word.clear();
            rust.push(c);
        }
    }
    rust.push_str(&word);
    let arrow = match rust.as_str() {
        "GenericByteArray<GenericStringType<i32>>" => "Utf8".to_string(),
        "GenericByteArray<GenericStringType<i64>>" => "LargeUtf8".to_string(),
        "GenericByteArray<GenericBinaryType<i32>>" => "Binary".to_string(),
        "GenericByteArray<GenericBinaryType<i64>>" => "LargeBinary".to_string(),
        "GenericListArray<i32>" => "List".to_string(),
        "GenericListArray<i64>" => "LargeList".to_string(),
        other => match other
            .strip_prefix("PrimitiveArray<")
            .and_then(|t| t.strip_suffix("Type>"))
        {
            Some(t) => t.to_string(),
            None => other.strip_suffix("Array").unwrap_or(other).to_string(),
        },
    };
    (arrow, rust)
}

#[cfg(test)]
mod downcast_tests {
    use std::sync::Arc;

    use crate::arrow::array::{ArrayRef, BooleanArray, Int64Array, StringArray};

    #[test]
    fn the_error_names_the_expected_arrow_type_plainly() {
        let strings: ArrayRef = Arc::new(StringArray::from(vec!["a"]));
        let e = super::downcast::<Int64Array>(&strings).unwrap_err();
        assert_eq!(
            e,
            "expected an Int64 array (PrimitiveArray<Int64Type>), got an array of type Utf8"
        );
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![1]));
        let e = super::downcast::<StringArray>(&ints).unwrap_err();
        assert_eq!(
            e,
            "expected a Utf8 array (GenericByteArray<GenericStringType<i32>>), got an array of \
             type Int64"
        );
        let e = super::downcast::<BooleanArray>(&ints).unwrap_err();
        assert_eq!(
            e,
            "expected a Boolean array (BooleanArray), got an array of type Int64"
        );
    }
}
