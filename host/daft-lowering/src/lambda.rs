//! `list_map` / `list_filter` lowered to DataFusion's list lambdas,
//! `array_transform(list, x -> body)` and `array_filter(list, x -> body)`.
//!
//! The body is lowered like any expression, against the element scope of
//! `daft_dsl::lambda` (the element as the column [`ELEMENT_COLUMN`], plus
//! the row's columns); the element column then becomes the lambda's
//! variable, and the row's columns stay as columns, which DataFusion's
//! lambdas capture (each element sees its own row's values). DataFusion
//! evaluates the body once per batch over the valid lists' elements, never
//! over values hidden under a null list.

use std::sync::Arc;

use arrow::datatypes::{DataType, Schema};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::logical_expr::expr::{Lambda, LambdaVariable};
use datafusion::logical_expr::{self as dfx, Expr as DfExpr};
use datafusion_functions_nested::expr_fn::{array_filter, array_transform};

use daft_core::DaftResult;
use daft_dsl::lambda::{element_field, element_scope, ELEMENT_COLUMN};
use daft_dsl::{Expr, LambdaKind};

use crate::error::from_df;
use crate::expr::{cast_to, lower_expr};

/// Lowers `e`, which is `list_map(list, body)` or `list_filter(list,
/// body)` bound against `schema`, with its Daft output field.
pub fn lower_lambda(
    e: &Expr,
    kind: LambdaKind,
    list: &Expr,
    body: &Expr,
    schema: &Schema,
) -> DaftResult<(DfExpr, arrow::datatypes::Field)> {
    let out = e.to_field(schema)?;
    let (list_x, list_f) = lower_expr(list, schema)?;
    // DataFusion's lambdas take lists and large lists.
    let list_x = match list_f.data_type() {
        DataType::FixedSizeList(item, _) => {
            cast_to(list_x, list_f.data_type(), &DataType::List(item.clone()))
        }
        _ => list_x,
    };
    let scope = element_scope(kind, schema, &list_f)?;
    let (body_x, _) = lower_expr(body, &scope)?;
    // A name per nesting level (an inner lambda is shallower than this
    // one), so a nested lambda's variable never shadows another.
    let name = format!("element{}", lambda_depth(body));
    let variable = DfExpr::LambdaVariable(LambdaVariable::new(
        name.clone(),
        Some(Arc::new(element_field(kind, &list_f)?.with_name(&name))),
    ));
    let body_x = body_x
        .transform_up(|x| {
            Ok(match x {
                DfExpr::Column(c) if c.relation.is_none() && c.name == ELEMENT_COLUMN => {
                    Transformed::yes(variable.clone())
                }
                other => Transformed::no(other),
            })
        })
        .map_err(from_df)?
        .data;
    let lambda = DfExpr::Lambda(Lambda::new(vec![name], body_x));
    let call = match kind {
        LambdaKind::Map => array_transform(list_x, lambda),
        LambdaKind::Filter => array_filter(list_x, lambda),
    };
    // Daft's type exactly: DataFusion's item field may say "not null" or
    // lack the logical type's metadata (a cast to the same type is removed
    // by its simplifier).
    Ok((dfx::cast(call, out.data_type().clone()), out))
}

/// How deeply lambdas nest inside `e` (0: none).
fn lambda_depth(e: &Expr) -> usize {
    match e {
        Expr::ListLambda { list, body, .. } => lambda_depth(list).max(1 + lambda_depth(body)),
        Expr::Column(_) | Expr::Literal(_) | Expr::Element => 0,
        Expr::Alias(x, _) | Expr::Not(x) | Expr::Agg { expr: x, .. } => lambda_depth(x),
        Expr::Binary { left, right, .. } => lambda_depth(left).max(lambda_depth(right)),
        Expr::Function { args, .. } => args.iter().map(lambda_depth).max().unwrap_or(0),
        // A window cannot be in a body (`Expr::list_lambda` checks).
        Expr::Window { .. } => 0,
    }
}
