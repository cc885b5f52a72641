//! Daft expressions lowered to DataFusion expressions.
//!
//! Types are Daft's: every operand is cast to the type Daft's rules chose
//! (`daft_dsl::binary_output_type`, the supertype of both sides) before it
//! reaches a DataFusion operator, so DataFusion's own coercion has nothing
//! left to decide. Where Daft's semantics differ from DataFusion's operator
//! (`//`, `%`, temporal `-`), the operator runs as an [`OperatorUdf`] over
//! Daft's kernels. Registry functions become a [`RegistryUdf`] per call.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{Column, ScalarValue};
use datafusion::logical_expr::{self as dfx, Expr as DfExpr, ScalarUDF};

use daft_core::types::{is_string, supertype};
use daft_core::{DaftError, DaftResult};
use daft_dsl::{binary_output_field, Expr, Operator, ELEMENT_COLUMN};

use crate::operators::OperatorUdf;
use crate::udf::RegistryUdf;

/// A reference to column `name` exactly as spelled (no parsing of dots or
/// case folding, unlike SQL identifiers).
pub fn column(name: &str) -> DfExpr {
    DfExpr::Column(Column::new_unqualified(name))
}

/// `e` cast to `to`, unless it already has that type.
pub fn cast_to(e: DfExpr, from: &DataType, to: &DataType) -> DfExpr {
    if from == to {
        e
    } else {
        dfx::cast(e, to.clone())
    }
}

/// Lowers `e` (already bound against `schema`) and returns it with its
/// Daft output field. Aliases inside an expression are dropped (only the
/// outermost name counts, and the caller applies it).
pub fn lower_expr(e: &Expr, schema: &Schema) -> DaftResult<(DfExpr, Field)> {
    Ok(match e {
        Expr::Column(name) => (column(name), e.to_field(schema)?),
        Expr::Literal(arr) => {
            let v = ScalarValue::try_from_array(arr, 0)
                .map_err(|err| DaftError::Internal(format!("literal {e}: {err}")))?;
            (dfx::lit(v), e.to_field(schema)?)
        }
        Expr::Alias(inner, name) => {
            let (x, f) = lower_expr(inner, schema)?;
            (x, f.with_name(name.clone()))
        }
        Expr::Not(inner) => {
            let (x, f) = lower_expr(inner, schema)?;
            let x = cast_to(x, f.data_type(), &DataType::Boolean);
            (
                DfExpr::Not(Box::new(x)),
                Field::new(f.name(), DataType::Boolean, true),
            )
        }
        Expr::Binary { op, left, right } => {
            let (l, lf) = lower_expr(left, schema)?;
            let (r, rf) = lower_expr(right, schema)?;
            let out = binary_output_field(*op, &lf, &rf).map_err(|m| {
                DaftError::type_error(format!(
                    "operator {} cannot combine {left} ({}) with {right} ({}): {m}",
                    op.symbol(),
                    lf.data_type(),
                    rf.data_type()
                ))
            })?;
            let x = lower_binary(*op, l, &lf, r, &rf, out.data_type(), e)?;
            (x, out)
        }
        Expr::Function {
            func,
            args,
            options,
            return_field,
        } => {
            let mut lowered = Vec::with_capacity(args.len());
            let mut fields = Vec::with_capacity(args.len());
            for a in args {
                let (x, f) = lower_expr(a, schema)?;
                lowered.push(x);
                fields.push(f);
            }
            let field = match return_field {
                Some(f) => f.as_ref().clone(),
                None => func.resolve(&fields, options)?,
            };
            let udf = RegistryUdf::new(
                func.clone(),
                fields,
                options.clone(),
                Arc::new(field.clone()),
            );
            (ScalarUDF::new_from_impl(udf).call(lowered), field)
        }
        Expr::Agg { .. } => {
            return Err(DaftError::value_error(format!(
                "aggregation {e} can only be used in agg(...)"
            )))
        }
        Expr::Window { .. } => {
            return Err(DaftError::value_error(format!(
                "window function {e} can only be used in select(...) or with_column(...)"
            )))
        }
        // Inside a lambda's body, the element is a column of its scope.
        Expr::Element => (column(ELEMENT_COLUMN), e.to_field(schema)?),
        Expr::ListLambda { kind, list, body } => {
            return crate::lambda::lower_lambda(e, *kind, list, body, schema)
        }
    })
}

/// `l op r` with both sides brought to Daft's common type first.
fn lower_binary(
    op: Operator,
    l: DfExpr,
    lf: &Field,
    r: DfExpr,
    rf: &Field,
    out: &DataType,
    whole: &Expr,
) -> DaftResult<DfExpr> {
    use dfx::Operator as D;
    let (lt, rt) = (lf.data_type(), rf.data_type());
    if op.is_logical() {
        let l = cast_to(l, lt, &DataType::Boolean);
        let r = cast_to(r, rt, &DataType::Boolean);
        let d = match op {
            Operator::And => D::And,
            Operator::Or => D::Or,
            // Null-propagating, as Daft's `^` on booleans.
            _ => D::NotEq,
        };
        return Ok(dfx::binary_expr(l, d, r));
    }
    if out == &DataType::Null {
        return Ok(dfx::lit(ScalarValue::Null));
    }
    if let DataType::FixedSizeList(_, _) = out {
        // Tensor math: the operator kernels work element by element.
        let udf = OperatorUdf::new(op, out.clone(), whole.to_string());
        return Ok(ScalarUDF::new_from_impl(udf).call(vec![l, r]));
    }
    let common = supertype(lt, rt).unwrap_or(DataType::Null);
    if op.is_comparison() {
        if common == DataType::Null {
            return Ok(dfx::lit(ScalarValue::Boolean(None)));
        }
        let d = match op {
            Operator::Eq => D::Eq,
            Operator::NotEq => D::NotEq,
            Operator::Lt => D::Lt,
            Operator::LtEq => D::LtEq,
            Operator::Gt => D::Gt,
            _ => D::GtEq,
        };
        return Ok(dfx::binary_expr(
            cast_to(l, lt, &common),
            d,
            cast_to(r, rt, &common),
        ));
    }
    let native = match op {
        Operator::Plus if is_string(&common) => {
            let l = cast_to(l, lt, &DataType::Utf8);
            let r = cast_to(r, rt, &DataType::Utf8);
            return Ok(dfx::binary_expr(l, D::StringConcat, r));
        }
        Operator::TrueDivide => {
            let l = cast_to(l, lt, &DataType::Float64);
            let r = cast_to(r, rt, &DataType::Float64);
            return Ok(dfx::binary_expr(l, D::Divide, r));
        }
        // DataFusion's integer arithmetic wraps on overflow (as real
        // Daft's does), so integers go through the operator UDF's checked
        // kernels; floats and decimals keep DataFusion's operator.
        _ if common.is_integer() => None,
        Operator::Plus if common.is_numeric() => Some(D::Plus),
        Operator::Minus if common.is_numeric() => Some(D::Minus),
        Operator::Multiply if common.is_numeric() => Some(D::Multiply),
        _ => None,
    };
    Ok(match native {
        Some(d) => dfx::binary_expr(cast_to(l, lt, &common), d, cast_to(r, rt, &common)),
        None => {
            let udf = OperatorUdf::new(op, out.clone(), whole.to_string());
            ScalarUDF::new_from_impl(udf).call(vec![l, r])
        }
    })
}
