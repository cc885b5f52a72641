//! `list_map` and `list_filter`: an expression evaluated on every element
//! of each list, the element written `daft.element()`.
//!
//! The body is an ordinary expression that may read the element, literals
//! and the row's other columns (each element sees its own row's values, as
//! in Daft). It is type-checked and lowered against the *element scope*:
//! the input schema with one more field, [`ELEMENT_COLUMN`], holding the
//! element. Nested lambdas nest scopes, so `daft.element()` always means the
//! element of the innermost enclosing list.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema};

use daft_core::types::display_type;
use daft_core::{DaftError, DaftResult};

use crate::expr::Expr;

/// The column that holds the element inside a lambda's scope. A NUL byte
/// keeps it apart from any column a user can sensibly name.
pub const ELEMENT_COLUMN: &str = "\u{0}element";

/// What a lambda over a list's elements computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LambdaKind {
    /// Each element replaced by the body's value (`list_map`).
    Map,
    /// The elements for which the body is true (`list_filter`).
    Filter,
}

impl LambdaKind {
    /// `"list_map"` or `"list_filter"`.
    pub fn name(&self) -> &'static str {
        match self {
            LambdaKind::Map => "list_map",
            LambdaKind::Filter => "list_filter",
        }
    }

    /// Parses `"map"` / `"filter"` (or the function names).
    pub fn parse(s: &str) -> DaftResult<Self> {
        match s {
            "map" | "list_map" => Ok(LambdaKind::Map),
            "filter" | "list_filter" => Ok(LambdaKind::Filter),
            other => Err(DaftError::value_error(format!(
                "unknown list lambda {other:?}; expected \"map\" or \"filter\""
            ))),
        }
    }
}

/// The element field of a list field: the child of a list, large list or
/// fixed-size list (with its logical type), or an error naming `kind`.
pub fn element_field(kind: LambdaKind, list: &Field) -> DaftResult<Field> {
    match list.data_type() {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            Ok(f.as_ref().clone().with_nullable(true))
        }
        _ => Err(DaftError::type_error(format!(
            "{}: {:?} must be a list, got type {}",
            kind.name(),
            list.name(),
            display_type(list)
        ))),
    }
}

/// `schema` with the element of a list of field `list` as [`ELEMENT_COLUMN`]
/// (an enclosing lambda's element replaced): the scope a body is checked in.
pub fn element_scope(kind: LambdaKind, schema: &Schema, list: &Field) -> DaftResult<Schema> {
    let element = element_field(kind, list)?.with_name(ELEMENT_COLUMN);
    let mut fields: Vec<Field> = schema
        .fields()
        .iter()
        .filter(|f| f.name() != ELEMENT_COLUMN)
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(element);
    Ok(Schema::new(fields))
}

/// The output field of a lambda of `kind` over a list of field `list`,
/// whose body gave `body`.
pub fn lambda_output_field(kind: LambdaKind, list: &Field, body: &Field) -> DaftResult<Field> {
    let dt = match kind {
        LambdaKind::Map => {
            let item = Arc::new(
                Field::new("item", body.data_type().clone(), true)
                    .with_metadata(body.metadata().clone()),
            );
            match list.data_type() {
                DataType::LargeList(_) => DataType::LargeList(item),
                _ => DataType::List(item),
            }
        }
        LambdaKind::Filter => {
            if !matches!(body.data_type(), DataType::Boolean | DataType::Null) {
                return Err(DaftError::type_error(format!(
                    "list_filter: the predicate must be a boolean, got type {}",
                    display_type(body)
                )));
            }
            match list.data_type() {
                DataType::FixedSizeList(f, _) => DataType::List(f.clone()),
                other => other.clone(),
            }
        }
    };
    Ok(Field::new(list.name(), dt, true))
}

/// Checks a body when the lambda is built: it computes one value per
/// element, so it cannot aggregate or look at other rows.
pub(crate) fn check_body(kind: LambdaKind, body: &Expr) -> DaftResult<()> {
    if body.has_agg() || body.has_window() {
        return Err(DaftError::value_error(format!(
            "{}: the expression {body} computes one value per element; it cannot contain an \
             aggregation or a window function (use list_sum, list_count and the other list_* \
             functions for a value per list)",
            kind.name()
        )));
    }
    Ok(())
}
