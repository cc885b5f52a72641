//! Joins and set operations lowered to DataFusion.
//!
//! Each side of a join is projected to private column names first
//! (`__daft_l<i>`, `__daft_r<i>`, keys `__daft_lk<i>` / `__daft_rk<i>`), so
//! that columns of the same name on both sides, key expressions and
//! DataFusion's qualified names never clash; the join's output is then
//! projected to the names and sources Daft planned ([`daft_plan::JoinColumn`]).

use arrow::datatypes::{DataType, Schema};
use datafusion::common::{Column, NullEquality};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{
    self as dfx, Expr as DfExpr, ExprFunctionExt, ExprSchemable, JoinType as DfJoinType,
    LogicalPlanBuilder,
};

use daft_core::types::supertype;
use daft_core::{DaftError, DaftResult};
use daft_dsl::Expr;
use daft_plan::{JoinColumn, JoinType, SetOpKind};

use crate::error::from_df;
use crate::expr::{cast_to, column, lower_expr};
use crate::float_keys::{canonical_columns, canonical_key};

fn df<T>(r: datafusion::common::Result<T>) -> DaftResult<T> {
    r.map_err(from_df)
}

/// One side of a join: its columns under private names, plus its keys.
fn side(
    b: LogicalPlanBuilder,
    tag: &str,
    keys: Vec<DfExpr>,
) -> DaftResult<(LogicalPlanBuilder, Vec<Column>)> {
    let mut exprs: Vec<DfExpr> = b
        .schema()
        .columns()
        .into_iter()
        .enumerate()
        .map(|(i, c)| DfExpr::Column(c).alias(format!("__daft_{tag}{i}")))
        .collect();
    let mut key_cols = Vec::new();
    for (i, k) in keys.into_iter().enumerate() {
        let name = format!("__daft_{tag}k{i}");
        exprs.push(k.alias(name.clone()));
        key_cols.push(Column::new_unqualified(name));
    }
    Ok((df(b.project(exprs))?, key_cols))
}

/// Lowers a join of `lb` and `rb` (already lowered, with Daft schemas `ls`
/// and `rs`).
#[allow(clippy::too_many_arguments)]
pub fn lower_join(
    lb: LogicalPlanBuilder,
    rb: LogicalPlanBuilder,
    ls: &Schema,
    rs: &Schema,
    left_on: &[Expr],
    right_on: &[Expr],
    how: JoinType,
    columns: &[JoinColumn],
    planned: &Schema,
) -> DaftResult<LogicalPlanBuilder> {
    // Keys in one type on both sides: the type DataFusion reads when both
    // agree (a string key may be a view on both), else Daft's common type.
    let mut lkeys = Vec::new();
    let mut rkeys = Vec::new();
    for (l, r) in left_on.iter().zip(right_on) {
        let (le, lf) = lower_expr(l, ls)?;
        let (re, rf) = lower_expr(r, rs)?;
        let lt = df(le.get_type(lb.schema()))?;
        let rt = df(re.get_type(rb.schema()))?;
        if lt == rt {
            lkeys.push(canonical_key(le, &lt));
            rkeys.push(canonical_key(re, &rt));
            continue;
        }
        let common = supertype(lf.data_type(), rf.data_type()).ok_or_else(|| {
            DaftError::type_error(format!("join: keys {l} and {r} have no common type"))
        })?;
        lkeys.push(canonical_key(cast_to(le, &lt, &common), &common));
        rkeys.push(canonical_key(cast_to(re, &rt, &common), &common));
    }
    let (lb, lk) = side(lb, "l", lkeys)?;
    let (rb, rk) = side(rb, "r", rkeys)?;
    let right_plan = df(rb.build())?;
    let joined = match how {
        JoinType::Cross => df(lb.cross_join(right_plan))?,
        _ => {
            let jt = match how {
                JoinType::Inner => DfJoinType::Inner,
                JoinType::Left => DfJoinType::Left,
                JoinType::Right => DfJoinType::Right,
                JoinType::Outer => DfJoinType::Full,
                JoinType::Semi => DfJoinType::LeftSemi,
                JoinType::Anti => DfJoinType::LeftAnti,
                JoinType::Cross => unreachable!("handled above"),
            };
            df(lb.join_detailed(
                right_plan,
                jt,
                (lk, rk),
                None,
                NullEquality::NullEqualsNothing,
            ))?
        }
    };
    let have = joined.schema().clone();
    let typed = |name: String| -> DaftResult<(DfExpr, DataType)> {
        let e = column(&name);
        let t = df(e.get_type(&have))?;
        Ok((e, t))
    };
    let out = columns
        .iter()
        .zip(planned.fields())
        .map(|(c, f)| {
            let e = match c {
                JoinColumn::Left(i) => typed(format!("__daft_l{i}"))?.0,
                JoinColumn::Right(i) => typed(format!("__daft_r{i}"))?.0,
                JoinColumn::Coalesce(l, r) => {
                    let (le, lt) = typed(format!("__daft_l{l}"))?;
                    let (re, rt) = typed(format!("__daft_r{r}"))?;
                    let want = if lt == rt {
                        lt.clone()
                    } else {
                        f.data_type().clone()
                    };
                    let le = cast_to(le, &lt, &want);
                    let re = cast_to(re, &rt, &want);
                    df(dfx::when(le.clone().is_not_null(), le).otherwise(re))?
                }
            };
            Ok(e.alias(f.name()))
        })
        .collect::<DaftResult<Vec<_>>>()?;
    df(joined.project(out))
}

/// Lowers `intersect` / `except` of two inputs already conformed to the
/// planned schema. The `all` forms number each row among its duplicates
/// (`row_number() over (partition by every column)`) on both sides, so the
/// k-th copy of a row matches only the k-th copy on the other side; the set
/// operation over (row, number) is then the multiset operation.
pub fn lower_set_op(
    l: LogicalPlanBuilder,
    r: LogicalPlanBuilder,
    kind: SetOpKind,
    all: bool,
) -> DaftResult<LogicalPlanBuilder> {
    let names: Vec<String> = l
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let numbered = |b: LogicalPlanBuilder| -> DaftResult<LogicalPlanBuilder> {
        let cols: Vec<DfExpr> = b
            .schema()
            .columns()
            .into_iter()
            .map(DfExpr::Column)
            .collect();
        let rn = df(row_number().partition_by(cols).build())?.alias("__daft_occurrence");
        df(b.window(vec![rn]))
    };
    // Rows compare as keys: NaN equals NaN and -0.0 equals 0.0.
    let (l, r) = (canonical_columns(l)?, canonical_columns(r)?);
    let (l, r) = if all {
        (numbered(l)?, numbered(r)?)
    } else {
        (l, r)
    };
    let (lp, rp) = (df(l.build())?, df(r.build())?);
    let plan = match kind {
        SetOpKind::Intersect => df(LogicalPlanBuilder::intersect(lp, rp, false))?,
        SetOpKind::Except => df(LogicalPlanBuilder::except(lp, rp, false))?,
    };
    let b = LogicalPlanBuilder::from(plan);
    if !all {
        return Ok(b);
    }
    let keep: Vec<DfExpr> = b
        .schema()
        .columns()
        .into_iter()
        .zip(names.iter())
        .map(|(c, n)| DfExpr::Column(c).alias(n))
        .collect();
    df(b.project(keep))
}
