//! Joins: key checks and Daft's naming of the output columns.
//!
//! Output columns, as Daft 0.7.26 names them: the left side's columns in
//! order, then the right side's. A key that is the same column name on both
//! sides (`on="k"`, or `left_on="k", right_on="k"`) appears once, where the
//! left side has it: from the left for inner, left, semi and anti joins,
//! from the right for right joins, and the first non-null of both for outer
//! joins. Any other right column whose name is already taken gets the
//! prefix `right.` (or `prefix`, or `suffix` after the name instead). Semi
//! and anti joins give the left columns only.
//!
//! Keys are compared after casting both sides to their common type; keys
//! with no common type are refused when the join is planned (Daft 0.7.26
//! plans a join of an integer key with a string key and returns no rows).
//! A null key matches nothing, as in SQL and Daft.

use std::sync::Arc;

use arrow::datatypes::{Field, Schema};

use daft_core::types::{display_type, supertype};
use daft_core::{DaftError, DaftResult};
use daft_dsl::Expr;

use crate::{check_unique_names, LogicalPlan};

/// The kinds of join, by Daft's `how=` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinType {
    Inner,
    Left,
    Right,
    Outer,
    Semi,
    Anti,
    Cross,
}

impl JoinType {
    /// Parses Daft's `how=` value.
    pub fn parse(how: &str) -> DaftResult<Self> {
        Ok(match how {
            "inner" => JoinType::Inner,
            "left" => JoinType::Left,
            "right" => JoinType::Right,
            "outer" | "full" => JoinType::Outer,
            "semi" => JoinType::Semi,
            "anti" => JoinType::Anti,
            "cross" => JoinType::Cross,
            other => {
                return Err(DaftError::value_error(format!(
                    "join: how={other:?} is not a join type; expected one of inner, left, \
                     right, outer, semi, anti, cross"
                )))
            }
        })
    }

    /// The `how=` name.
    pub fn name(&self) -> &'static str {
        match self {
            JoinType::Inner => "inner",
            JoinType::Left => "left",
            JoinType::Right => "right",
            JoinType::Outer => "outer",
            JoinType::Semi => "semi",
            JoinType::Anti => "anti",
            JoinType::Cross => "cross",
        }
    }
}

/// Where one output column of a join comes from (by column index of each
/// side's schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinColumn {
    Left(usize),
    Right(usize),
    /// A key shared by both sides in an outer join: the left value, or the
    /// right one where the left is null.
    Coalesce(usize, usize),
}

impl LogicalPlan {
    /// Joins `self` (left) with `right` on pairs of key expressions.
    /// `prefix` / `suffix` rename clashing right columns (default prefix
    /// `right.`).
    pub fn join(
        self: &Arc<Self>,
        right: &Arc<Self>,
        left_on: Vec<Expr>,
        right_on: Vec<Expr>,
        how: JoinType,
        prefix: Option<String>,
        suffix: Option<String>,
    ) -> DaftResult<Arc<Self>> {
        let _span = tracing::debug_span!(target: "daft::plan", "plan", op = "join").entered();
        let (ls, rs) = (self.schema(), right.schema());
        if how == JoinType::Cross {
            if !left_on.is_empty() || !right_on.is_empty() {
                return Err(DaftError::value_error(
                    "join: a cross join takes no keys (on, left_on, right_on)",
                ));
            }
        } else if left_on.is_empty() || left_on.len() != right_on.len() {
            return Err(DaftError::value_error(format!(
                "join: how={:?} needs keys: on=..., or left_on=... and right_on=... of the same \
                 length (got {} and {})",
                how.name(),
                left_on.len(),
                right_on.len()
            )));
        }
        let left_on = bind_keys(left_on, &ls, "left_on")?;
        let right_on = bind_keys(right_on, &rs, "right_on")?;
        for (l, r) in left_on.iter().zip(&right_on) {
            let (lf, rf) = (l.to_field(&ls)?, r.to_field(&rs)?);
            if supertype(lf.data_type(), rf.data_type()).is_none() {
                return Err(DaftError::type_error(format!(
                    "join: key {l} of the left DataFrame ({}) and key {r} of the right \
                     DataFrame ({}) have no common type to compare; cast one of them",
                    display_type(&lf),
                    display_type(&rf)
                )));
            }
        }

        // Keys that are the same column on both sides are shown once.
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (l, r) in left_on.iter().zip(&right_on) {
            if let (Expr::Column(a), Expr::Column(b)) = (l, r) {
                if a == b {
                    let li = ls
                        .index_of(a)
                        .map_err(|e| DaftError::Internal(e.to_string()))?;
                    let ri = rs
                        .index_of(b)
                        .map_err(|e| DaftError::Internal(e.to_string()))?;
                    if !merged.iter().any(|(_, r)| *r == ri) {
                        merged.push((li, ri));
                    }
                }
            }
        }
        let right_nullable = matches!(how, JoinType::Left | JoinType::Outer);
        let left_nullable = matches!(how, JoinType::Right | JoinType::Outer);
        let mut columns = Vec::new();
        let mut fields: Vec<Field> = Vec::new();
        for (li, lf) in ls.fields().iter().enumerate() {
            let key = merged.iter().find(|(l, _)| *l == li).map(|(_, r)| *r);
            let (col, field) = match (key, how) {
                (Some(ri), JoinType::Right) => (
                    JoinColumn::Right(ri),
                    rs.field(ri).clone().with_name(lf.name()),
                ),
                (Some(ri), JoinType::Outer) => {
                    let dt = supertype(lf.data_type(), rs.field(ri).data_type())
                        .unwrap_or_else(|| lf.data_type().clone());
                    (
                        JoinColumn::Coalesce(li, ri),
                        lf.as_ref().clone().with_data_type(dt).with_nullable(true),
                    )
                }
                _ => (
                    JoinColumn::Left(li),
                    lf.as_ref()
                        .clone()
                        .with_nullable(lf.is_nullable() || left_nullable),
                ),
            };
            columns.push(col);
            fields.push(field);
        }
        if !matches!(how, JoinType::Semi | JoinType::Anti) {
            let rename = |name: &str| match (&prefix, &suffix) {
                (None, None) => format!("right.{name}"),
                (p, s) => format!(
                    "{}{name}{}",
                    p.as_deref().unwrap_or(""),
                    s.as_deref().unwrap_or("")
                ),
            };
            for (ri, rf) in rs.fields().iter().enumerate() {
                if merged.iter().any(|(_, r)| *r == ri) {
                    continue;
                }
                let taken = fields.iter().any(|f| f.name() == rf.name());
                let name = if taken {
                    rename(rf.name())
                } else {
                    rf.name().clone()
                };
                columns.push(JoinColumn::Right(ri));
                fields.push(
                    rf.as_ref()
                        .clone()
                        .with_name(name)
                        .with_nullable(rf.is_nullable() || right_nullable),
                );
            }
        }
        let schema = Schema::new(fields);
        check_unique_names(&schema, "join")?;
        Ok(Arc::new(LogicalPlan::Join {
            left: self.clone(),
            right: right.clone(),
            left_on,
            right_on,
            how,
            columns,
            schema: Arc::new(schema),
        }))
    }
}

fn bind_keys(keys: Vec<Expr>, schema: &Schema, what: &str) -> DaftResult<Vec<Expr>> {
    keys.into_iter()
        .map(|k| {
            if k.has_agg() || k.has_window() {
                return Err(DaftError::value_error(format!(
                    "join: {what} key {k} cannot be an aggregation or a window function"
                )));
            }
            k.bind(schema)
        })
        .collect()
}
