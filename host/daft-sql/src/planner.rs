//! SQL queries as logical plans.
//!
//! A `FROM` clause becomes a [`Relation`]: a plan plus, for each of its
//! columns, the table (qualifier) and name SQL knows it by. Joined tables
//! keep their own names; a right-side column whose name the left side
//! already has is renamed `<table>.<name>` in the plan (and so in
//! `SELECT *`), and stays reachable as `table.name`. Unlike the DataFrame
//! API, SQL joins never merge key columns: `r.k` of a left join is null
//! where no right row matched, as SQL requires.
//!
//! A `GROUP BY` (or an aggregation in `SELECT`) plans one aggregate node:
//! group keys and each distinct aggregation become its columns, and the
//! `SELECT`, `HAVING` and `ORDER BY` expressions are planned over them.
//! Window functions follow SQL's default frame (a running frame once the
//! window has an `ORDER BY`), where the DataFrame API follows Daft's
//! whole-partition default.

use std::cell::RefCell;
use std::sync::Arc;

use arrow::array::NullArray;
use arrow::datatypes::Schema;
use sqlparser::ast::{
    Distinct, Expr as SqlExpr, GroupByExpr, Ident, JoinConstraint, JoinOperator, LimitClause,
    ObjectNamePart, OrderBy, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, TableFactor,
    TableWithJoins, Value,
};

use daft_core::options::OptionValue;
use daft_core::registry::global;
use daft_core::{DaftError, DaftResult};
use daft_dsl::{Expr, Operator};
use daft_plan::{JoinType, LogicalPlan, SetOpKind, SortKey};

use crate::expr::{at, order_key, Aggregating, Columns, ExprPlanner};
use crate::Catalog;

/// One column of a relation: plan column `plan_name`, known to SQL as
/// `qualifier.name`.
#[derive(Debug, Clone)]
struct Col {
    qualifier: Option<String>,
    name: String,
    plan_name: String,
    /// Reachable without a qualifier and listed by `*` (false for the
    /// second copy of a `USING` key).
    visible: bool,
}

/// A plan and what SQL calls its columns (one [`Col`] per plan column, in
/// order).
struct Relation {
    plan: Arc<LogicalPlan>,
    cols: Vec<Col>,
}

impl Relation {
    fn of(plan: Arc<LogicalPlan>, qualifier: Option<String>) -> Self {
        let cols = plan
            .schema()
            .fields()
            .iter()
            .map(|f| Col {
                qualifier: qualifier.clone(),
                name: f.name().clone(),
                plan_name: f.name().clone(),
                visible: true,
            })
            .collect();
        Relation { plan, cols }
    }
}

fn ident_path(parts: &[Ident]) -> String {
    parts
        .iter()
        .map(|p| p.value.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

impl Columns for Relation {
    fn column(&self, parts: &[Ident]) -> DaftResult<Expr> {
        let (qualifier, name) = match parts {
            [n] => (None, n),
            [q, n] => (Some(q), n),
            _ => {
                return Err(DaftError::value_error(format!(
                    "SQL: {}{}: nested names (struct fields) are not supported",
                    ident_path(parts),
                    at(parts[0].span)
                )))
            }
        };
        let matches = |exact: bool| -> Vec<&Col> {
            let eq = |a: &str, b: &str| {
                if exact {
                    a == b
                } else {
                    a.eq_ignore_ascii_case(b)
                }
            };
            self.cols
                .iter()
                .filter(|c| eq(&c.name, &name.value))
                .filter(|c| match qualifier {
                    None => c.visible,
                    Some(q) => c.qualifier.as_deref().is_some_and(|cq| eq(cq, &q.value)),
                })
                .collect()
        };
        let mut found = matches(true);
        if found.is_empty() && name.quote_style.is_none() {
            found = matches(false);
        }
        match found.as_slice() {
            [c] => Ok(Expr::col(c.plan_name.clone())),
            [] => {
                let available: Vec<String> = self
                    .cols
                    .iter()
                    .map(|c| match &c.qualifier {
                        Some(q) => format!("{q}.{}", c.name),
                        None => c.name.clone(),
                    })
                    .collect();
                Err(DaftError::value_error(format!(
                    "SQL: column {}{} not found; available columns: [{}]",
                    ident_path(parts),
                    at(parts[0].span),
                    available.join(", ")
                )))
            }
            many => {
                let tables: Vec<String> = many
                    .iter()
                    .map(|c| c.qualifier.clone().unwrap_or_else(|| "?".into()))
                    .collect();
                Err(DaftError::value_error(format!(
                    "SQL: column {}{} is ambiguous: tables [{}] all have it; qualify it, e.g. \
                     {}.{}",
                    name.value,
                    at(name.span),
                    tables.join(", "),
                    tables[0],
                    name.value
                )))
            }
        }
    }
}

/// Plans queries against a catalog (extended by `WITH` as it goes).
pub(crate) struct Planner {
    catalog: Catalog,
}

fn int_literal(e: &SqlExpr, what: &str) -> DaftResult<usize> {
    match e {
        SqlExpr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<usize>().map_err(|_| {
                DaftError::value_error(format!(
                    "SQL: {what} must be a non-negative integer, got {n}"
                ))
            }),
            other => Err(DaftError::value_error(format!(
                "SQL: {what} must be a non-negative integer, got {other}"
            ))),
        },
        other => Err(DaftError::value_error(format!(
            "SQL: {what} must be a non-negative integer, got {other}"
        ))),
    }
}

/// Whether `e` calls an aggregation outside a window.
fn contains_aggregate(e: &SqlExpr) -> bool {
    use SqlExpr as E;
    match e {
        E::Function(f) => {
            let written = f.name.to_string();
            let name = written.to_ascii_lowercase();
            // A built-in aggregation (unless a registry function took its
            // name), or an aggregate function of the registry (a plugin's).
            let is_agg = (crate::expr::agg_kind(&name).is_some() && global().get(&name).is_none())
                || global()
                    .lookup(&written)
                    .or_else(|_| global().lookup(&name))
                    .is_ok_and(|d| d.is_aggregate());
            if f.over.is_some() {
                return false;
            }
            is_agg
                || match &f.args {
                    sqlparser::ast::FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                        sqlparser::ast::FunctionArg::Unnamed(
                            sqlparser::ast::FunctionArgExpr::Expr(x),
                        )
                        | sqlparser::ast::FunctionArg::Named {
                            arg: sqlparser::ast::FunctionArgExpr::Expr(x),
                            ..
                        } => contains_aggregate(x),
                        _ => false,
                    }),
                    _ => false,
                }
        }
        E::BinaryOp { left, right, .. } => contains_aggregate(left) || contains_aggregate(right),
        E::UnaryOp { expr, .. }
        | E::Nested(expr)
        | E::IsNull(expr)
        | E::IsNotNull(expr)
        | E::IsTrue(expr)
        | E::IsFalse(expr)
        | E::Cast { expr, .. } => contains_aggregate(expr),
        E::Between {
            expr, low, high, ..
        } => contains_aggregate(expr) || contains_aggregate(low) || contains_aggregate(high),
        E::InList { expr, list, .. } => {
            contains_aggregate(expr) || list.iter().any(contains_aggregate)
        }
        E::Like { expr, pattern, .. } | E::ILike { expr, pattern, .. } => {
            contains_aggregate(expr) || contains_aggregate(pattern)
        }
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(contains_aggregate)
                || conditions
                    .iter()
                    .any(|w| contains_aggregate(&w.condition) || contains_aggregate(&w.result))
                || else_result.as_deref().is_some_and(contains_aggregate)
        }
        _ => false,
    }
}

/// The name an output column gets when SQL gives none: Daft's naming of
/// the expression, seen through the aggregate node's private columns.
fn output_name(e: &Expr, agg: Option<&Aggregating>) -> String {
    let name = e.name();
    let Some(agg) = agg else { return name };
    let index = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|i| i.parse::<usize>().ok())
    };
    if let Some(i) = index("__daft_group_") {
        return agg.keys[i].1.name();
    }
    if let Some(i) = index("__daft_agg_") {
        return agg.aggs.borrow()[i].1.name();
    }
    name
}

impl Planner {
    pub fn new(catalog: &Catalog) -> Self {
        Planner {
            catalog: catalog.clone(),
        }
    }

    /// A whole query: `WITH`, the body, `ORDER BY`, `LIMIT` / `OFFSET`.
    pub fn query(&mut self, q: &Query) -> DaftResult<Arc<LogicalPlan>> {
        let saved = self.catalog.clone();
        let result = self.query_inner(q);
        self.catalog = saved;
        result
    }

    fn query_inner(&mut self, q: &Query) -> DaftResult<Arc<LogicalPlan>> {
        if let Some(with) = &q.with {
            if with.recursive {
                return Err(DaftError::value_error(
                    "SQL: WITH RECURSIVE is not supported",
                ));
            }
            for cte in &with.cte_tables {
                let plan = self.query(&cte.query)?;
                let plan = rename_columns(plan, &cte.alias.columns)?;
                self.catalog.insert(cte.alias.name.value.clone(), plan);
            }
        }
        let order = q.order_by.as_ref();
        let mut plan = match &*q.body {
            SetExpr::Select(s) => self.select(s, order)?,
            other => {
                let p = self.set_expr(other)?;
                match order {
                    Some(o) => sort_outputs(&p, o)?,
                    None => p,
                }
            }
        };
        if let Some(limit) = &q.limit_clause {
            let (limit, offset) = match limit {
                LimitClause::LimitOffset {
                    limit,
                    offset,
                    limit_by,
                } => {
                    if !limit_by.is_empty() {
                        return Err(DaftError::value_error("SQL: LIMIT BY is not supported"));
                    }
                    let l = match limit {
                        Some(e) => Some(int_literal(e, "LIMIT")?),
                        None => None,
                    };
                    let o = match offset {
                        Some(o) => int_literal(&o.value, "OFFSET")?,
                        None => 0,
                    };
                    (l, o)
                }
                LimitClause::OffsetCommaLimit { offset, limit } => (
                    Some(int_literal(limit, "LIMIT")?),
                    int_literal(offset, "OFFSET")?,
                ),
            };
            if offset > 0 {
                plan = plan.offset(offset);
            }
            if let Some(l) = limit {
                plan = plan.limit(l);
            }
        }
        if q.fetch.is_some() {
            return Err(DaftError::value_error(
                "SQL: FETCH is not supported; use LIMIT",
            ));
        }
        Ok(plan)
    }

    fn set_expr(&mut self, body: &SetExpr) -> DaftResult<Arc<LogicalPlan>> {
        match body {
            SetExpr::Select(s) => self.select(s, None),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation {
                op,
                set_quantifier,
                left,
                right,
            } => {
                let l = self.set_expr(left)?;
                let r = self.set_expr(right)?;
                use SetQuantifier as Q;
                let by_name =
                    matches!(set_quantifier, Q::ByName | Q::AllByName | Q::DistinctByName);
                let all = matches!(set_quantifier, Q::All | Q::AllByName);
                let (l, r) = if by_name {
                    align_by_name(&l, &r)?
                } else {
                    (l, r)
                };
                match op {
                    SetOperator::Union => {
                        let u = l.union_all(std::slice::from_ref(&r))?;
                        Ok(if all { u } else { u.distinct() })
                    }
                    SetOperator::Intersect => l.set_op(&r, SetOpKind::Intersect, all),
                    SetOperator::Except | SetOperator::Minus => {
                        l.set_op(&r, SetOpKind::Except, all)
                    }
                }
            }
            other => Err(DaftError::value_error(format!(
                "SQL: {} is not supported as a query body",
                first_word(&other.to_string())
            ))),
        }
    }

    fn table_factor(&mut self, t: &TableFactor) -> DaftResult<Relation> {
        match t {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_some() {
                    return Err(DaftError::value_error(format!(
                        "SQL: table functions ({t}) are not supported"
                    )));
                }
                let parts: Vec<&Ident> = name
                    .0
                    .iter()
                    .filter_map(|p| match p {
                        ObjectNamePart::Identifier(i) => Some(i),
                        ObjectNamePart::Function(_) => None,
                    })
                    .collect();
                let [ident] = parts.as_slice() else {
                    return Err(DaftError::value_error(format!(
                        "SQL: table {name}: qualified table names are not supported"
                    )));
                };
                let plan = self.catalog.get(&ident.value).ok_or_else(|| {
                    DaftError::value_error(format!(
                        "SQL: no table named {}{}; tables in scope: [{}] (DataFrames in the \
                         caller's variables, and keyword arguments of daft.sql)",
                        ident.value,
                        at(ident.span),
                        self.catalog.names().join(", ")
                    ))
                })?;
                let (plan, qualifier) = match alias {
                    Some(a) => (rename_columns(plan, &a.columns)?, a.name.value.clone()),
                    None => (plan, ident.value.clone()),
                };
                Ok(Relation::of(plan, Some(qualifier)))
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                if *lateral {
                    return Err(DaftError::value_error("SQL: LATERAL is not supported"));
                }
                let plan = self.query(subquery)?;
                let (plan, qualifier) = match alias {
                    Some(a) => (
                        rename_columns(plan, &a.columns)?,
                        Some(a.name.value.clone()),
                    ),
                    None => (plan, None),
                };
                Ok(Relation::of(plan, qualifier))
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let rel = self.table_with_joins(table_with_joins)?;
                Ok(match alias {
                    Some(a) => Relation::of(rel.plan, Some(a.name.value.clone())),
                    None => rel,
                })
            }
            other => Err(DaftError::value_error(format!(
                "SQL: {other} is not supported in FROM"
            ))),
        }
    }

    fn table_with_joins(&mut self, t: &TableWithJoins) -> DaftResult<Relation> {
        let mut rel = self.table_factor(&t.relation)?;
        for j in &t.joins {
            let right = self.table_factor(&j.relation)?;
            use JoinOperator as J;
            let (how, constraint) = match &j.join_operator {
                J::Join(c) | J::Inner(c) => (JoinType::Inner, c),
                J::Left(c) | J::LeftOuter(c) => (JoinType::Left, c),
                J::Right(c) | J::RightOuter(c) => (JoinType::Right, c),
                J::FullOuter(c) => (JoinType::Outer, c),
                J::CrossJoin(c) => (JoinType::Cross, c),
                J::Semi(c) | J::LeftSemi(c) => (JoinType::Semi, c),
                J::Anti(c) | J::LeftAnti(c) => (JoinType::Anti, c),
                other => {
                    return Err(DaftError::value_error(format!(
                        "SQL: {other:?} joins are not supported"
                    )))
                }
            };
            rel = join(rel, right, how, constraint)?;
        }
        Ok(rel)
    }

    fn plan_from(&mut self, from: &[TableWithJoins]) -> DaftResult<Relation> {
        let mut items = from.iter();
        let Some(first) = items.next() else {
            return Err(DaftError::value_error(
                "SQL: a SELECT without FROM is not supported; select from a table",
            ));
        };
        let mut rel = self.table_with_joins(first)?;
        for t in items {
            let right = self.table_with_joins(t)?;
            rel = join(rel, right, JoinType::Cross, &JoinConstraint::None)?;
        }
        Ok(rel)
    }

    /// `SELECT ... FROM ... WHERE ... GROUP BY ... HAVING ...` and the
    /// query's `ORDER BY`, which may name input columns the `SELECT` drops.
    fn select(&mut self, s: &Select, order: Option<&OrderBy>) -> DaftResult<Arc<LogicalPlan>> {
        if s.qualify.is_some() || !s.named_window.is_empty() || s.top.is_some() {
            return Err(DaftError::value_error(
                "SQL: QUALIFY, WINDOW and TOP clauses are not supported",
            ));
        }
        if s.projection.is_empty() {
            return Err(DaftError::value_error(
                "SQL: SELECT needs at least one column or expression",
            ));
        }
        let mut rel = self.plan_from(&s.from)?;
        if let Some(w) = &s.selection {
            let p = ExprPlanner {
                columns: &rel,
                agg: None,
                clause: "WHERE",
                free_aggs: false,
            };
            let pred = p.expr(w)?;
            rel.plan = rel.plan.filter(pred)?;
        }
        let group_exprs: Vec<SqlExpr> = match &s.group_by {
            GroupByExpr::Expressions(es, mods) if mods.is_empty() => es.clone(),
            _ => {
                return Err(DaftError::value_error(
                    "SQL: GROUP BY ALL and GROUP BY modifiers (ROLLUP, CUBE...) are not \
                     supported",
                ))
            }
        };
        let order_exprs: Vec<&sqlparser::ast::OrderByExpr> = match order.map(|o| &o.kind) {
            None => vec![],
            Some(OrderByKind::Expressions(es)) => es.iter().collect(),
            Some(OrderByKind::All(_)) => {
                return Err(DaftError::value_error("SQL: ORDER BY ALL is not supported"))
            }
        };
        let item_exprs: Vec<&SqlExpr> = s
            .projection
            .iter()
            .filter_map(|i| match i {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                _ => None,
            })
            .collect();
        let aggregating = !group_exprs.is_empty()
            || item_exprs.iter().any(|e| contains_aggregate(e))
            || s.having.as_ref().is_some_and(contains_aggregate);

        let agg_state;
        let mut plan = rel.plan.clone();
        let agg = if aggregating {
            let base = ExprPlanner {
                columns: &rel,
                agg: None,
                clause: "GROUP BY",
                free_aggs: false,
            };
            let mut keys = Vec::new();
            for g in &group_exprs {
                // GROUP BY 1 and GROUP BY <select alias> name a SELECT item.
                let target = match g {
                    SqlExpr::Value(_) => {
                        let i = int_literal(g, "GROUP BY position")?;
                        Some(select_item_expr(s, i, "GROUP BY")?)
                    }
                    SqlExpr::Identifier(id) if rel.column(std::slice::from_ref(id)).is_err() => {
                        select_alias(s, &id.value)
                    }
                    _ => None,
                };
                let g = target.unwrap_or(g);
                keys.push((g.to_string(), base.expr(g)?));
            }
            agg_state = Aggregating {
                keys,
                aggs: RefCell::new(Vec::new()),
            };
            Some(&agg_state)
        } else {
            None
        };

        // The SELECT list.
        let p = ExprPlanner {
            columns: &rel,
            agg,
            clause: "SELECT",
            free_aggs: false,
        };
        let mut outputs: Vec<Expr> = Vec::new();
        for item in &s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let x = p.expr(e)?;
                    let name = match e {
                        SqlExpr::Identifier(i) => i.value.clone(),
                        SqlExpr::CompoundIdentifier(parts) => {
                            parts.last().map(|i| i.value.clone()).unwrap_or_default()
                        }
                        _ => output_name(&x, agg),
                    };
                    outputs.push(x.alias(name));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    outputs.push(p.expr(expr)?.alias(alias.value.clone()))
                }
                SelectItem::Wildcard(opts) => {
                    if agg.is_some() {
                        return Err(DaftError::value_error(
                            "SQL: SELECT * cannot be used with GROUP BY; list the columns",
                        ));
                    }
                    let excluded = excluded_names(opts)?;
                    outputs.extend(
                        rel.cols
                            .iter()
                            .filter(|c| c.visible && !excluded.contains(&c.name))
                            .map(|c| Expr::col(c.plan_name.clone())),
                    );
                }
                SelectItem::QualifiedWildcard(kind, opts) => {
                    let q = match kind {
                        SelectItemQualifiedWildcardKind::ObjectName(n) => n.to_string(),
                        SelectItemQualifiedWildcardKind::Expr(e) => e.to_string(),
                    };
                    let excluded = excluded_names(opts)?;
                    let cols: Vec<&Col> = rel
                        .cols
                        .iter()
                        .filter(|c| {
                            c.qualifier
                                .as_deref()
                                .is_some_and(|cq| cq.eq_ignore_ascii_case(&q))
                                && !excluded.contains(&c.name)
                        })
                        .collect();
                    if cols.is_empty() {
                        return Err(DaftError::value_error(format!(
                            "SQL: {q}.*: no table {q} in FROM"
                        )));
                    }
                    outputs.extend(
                        cols.iter()
                            .map(|c| Expr::col(c.plan_name.clone()).alias(c.name.clone())),
                    );
                }
                SelectItem::ExprWithAliases { .. } => {
                    return Err(DaftError::value_error(format!(
                        "SQL: {item} is not supported"
                    )))
                }
            }
        }
        let having = match &s.having {
            Some(h) => {
                if agg.is_none() {
                    return Err(DaftError::value_error(
                        "SQL: HAVING needs GROUP BY or an aggregation",
                    ));
                }
                let hp = ExprPlanner {
                    clause: "HAVING",
                    ..p
                };
                Some(hp.expr(h)?)
            }
            None => None,
        };

        // ORDER BY: a SELECT output by name or position, else an expression
        // over the input, computed as a hidden column.
        let output_names: Vec<String> = outputs.iter().map(|e| e.name()).collect();
        let mut sort_keys: Vec<SortKey> = Vec::new();
        let mut hidden: Vec<Expr> = Vec::new();
        for o in &order_exprs {
            let target = match &o.expr {
                SqlExpr::Value(_) => {
                    let i = int_literal(&o.expr, "ORDER BY position")?;
                    if i == 0 || i > output_names.len() {
                        return Err(DaftError::value_error(format!(
                            "SQL: ORDER BY {i}: the SELECT has {} column(s)",
                            output_names.len()
                        )));
                    }
                    Some(output_names[i - 1].clone())
                }
                SqlExpr::Identifier(id) if output_names.contains(&id.value) => {
                    Some(id.value.clone())
                }
                _ => None,
            };
            let key = order_key(&p, o);
            let (expr, descending, nulls_first) = match target {
                Some(name) => {
                    let descending = o.options.asc == Some(false);
                    (
                        Expr::col(name),
                        descending,
                        o.options.nulls_first.unwrap_or(descending),
                    )
                }
                None => {
                    let k = key?;
                    let name = format!("__daft_order_{}", hidden.len());
                    hidden.push(k.expr.alias(name.clone()));
                    (Expr::col(name), k.descending, k.nulls_first)
                }
            };
            sort_keys.push(SortKey {
                expr,
                descending,
                nulls_first,
            });
        }

        if let Some(state) = agg {
            let aggs: Vec<Expr> = state
                .aggs
                .borrow()
                .iter()
                .enumerate()
                .map(|(i, (_, a))| a.clone().alias(Aggregating::agg_column(i)))
                .collect();
            let keys: Vec<Expr> = state
                .keys
                .iter()
                .enumerate()
                .map(|(i, (_, k))| k.clone().alias(Aggregating::key_column(i)))
                .collect();
            plan = plan.aggregate(aggs, keys)?;
            if let Some(h) = having {
                plan = plan.filter(h)?;
            }
        }
        let distinct = match &s.distinct {
            None | Some(Distinct::All) => false,
            Some(Distinct::Distinct) => true,
            Some(Distinct::On(_)) => {
                return Err(DaftError::value_error(
                    "SQL: DISTINCT ON is not supported; use DataFrame.distinct(*on)",
                ))
            }
        };
        if distinct && !hidden.is_empty() {
            return Err(DaftError::value_error(
                "SQL: with SELECT DISTINCT, ORDER BY can only name selected columns",
            ));
        }
        let n_out = outputs.len();
        let mut all = outputs;
        all.extend(hidden);
        plan = plan.project(all)?;
        if distinct {
            plan = plan.distinct();
        }
        if !sort_keys.is_empty() {
            plan = plan.sort(sort_keys)?;
        }
        if plan.schema().fields().len() > n_out {
            let keep: Vec<Expr> = plan.schema().fields()[..n_out]
                .iter()
                .map(|f| Expr::col(f.name().clone()))
                .collect();
            plan = plan.project(keep)?;
        }
        Ok(plan)
    }
}

fn first_word(s: &str) -> String {
    s.split_whitespace().next().unwrap_or("").to_string()
}

fn excluded_names(opts: &sqlparser::ast::WildcardAdditionalOptions) -> DaftResult<Vec<String>> {
    use sqlparser::ast::ExcludeSelectItem as X;
    if opts.opt_replace.is_some() || opts.opt_rename.is_some() || opts.opt_except.is_some() {
        return Err(DaftError::value_error(
            "SQL: * REPLACE / RENAME / EXCEPT are not supported; use * EXCLUDE (...)",
        ));
    }
    Ok(match &opts.opt_exclude {
        None => vec![],
        Some(X::Single(i)) => vec![i.to_string()],
        Some(X::Multiple(is)) => is.iter().map(|i| i.to_string()).collect(),
    })
}

fn select_item_expr<'s>(s: &'s Select, i: usize, what: &str) -> DaftResult<&'s SqlExpr> {
    let items: Vec<&SqlExpr> = s
        .projection
        .iter()
        .filter_map(|it| match it {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        })
        .collect();
    if i == 0 || i > items.len() {
        return Err(DaftError::value_error(format!(
            "SQL: {what} {i}: the SELECT has {} expression(s)",
            items.len()
        )));
    }
    Ok(items[i - 1])
}

fn select_alias<'s>(s: &'s Select, name: &str) -> Option<&'s SqlExpr> {
    s.projection.iter().find_map(|it| match it {
        SelectItem::ExprWithAlias { expr, alias } if alias.value == name => Some(expr),
        _ => None,
    })
}

/// Renames a plan's columns to `names` (a table alias's column list).
fn rename_columns(
    plan: Arc<LogicalPlan>,
    names: &[sqlparser::ast::TableAliasColumnDef],
) -> DaftResult<Arc<LogicalPlan>> {
    if names.is_empty() {
        return Ok(plan);
    }
    let schema = plan.schema();
    if names.len() != schema.fields().len() {
        return Err(DaftError::value_error(format!(
            "SQL: the alias names {} column(s) but the table has {}",
            names.len(),
            schema.fields().len()
        )));
    }
    let exprs = schema
        .fields()
        .iter()
        .zip(names)
        .map(|(f, n)| Expr::col(f.name().clone()).alias(n.name.value.clone()))
        .collect();
    plan.project(exprs)
}

/// `ORDER BY` over a set operation's output: names or positions only.
fn sort_outputs(plan: &Arc<LogicalPlan>, order: &OrderBy) -> DaftResult<Arc<LogicalPlan>> {
    let OrderByKind::Expressions(es) = &order.kind else {
        return Err(DaftError::value_error("SQL: ORDER BY ALL is not supported"));
    };
    let schema = plan.schema();
    let rel = Relation::of(plan.clone(), None);
    let keys = es
        .iter()
        .map(|o| {
            let expr = match &o.expr {
                SqlExpr::Value(_) => {
                    let i = int_literal(&o.expr, "ORDER BY position")?;
                    if i == 0 || i > schema.fields().len() {
                        return Err(DaftError::value_error(format!(
                            "SQL: ORDER BY {i}: the query has {} column(s)",
                            schema.fields().len()
                        )));
                    }
                    Expr::col(schema.field(i - 1).name().clone())
                }
                e => ExprPlanner {
                    columns: &rel,
                    agg: None,
                    clause: "ORDER BY",
                    free_aggs: false,
                }
                .expr(e)?,
            };
            let descending = o.options.asc == Some(false);
            Ok(SortKey {
                expr,
                descending,
                nulls_first: o.options.nulls_first.unwrap_or(descending),
            })
        })
        .collect::<DaftResult<Vec<_>>>()?;
    plan.sort(keys)
}

/// Both inputs of a `BY NAME` set operation projected onto the left's
/// columns followed by the right's new ones, missing columns as nulls.
fn align_by_name(
    l: &Arc<LogicalPlan>,
    r: &Arc<LogicalPlan>,
) -> DaftResult<(Arc<LogicalPlan>, Arc<LogicalPlan>)> {
    let (ls, rs) = (l.schema(), r.schema());
    let mut names: Vec<String> = ls.fields().iter().map(|f| f.name().clone()).collect();
    for f in rs.fields() {
        if !names.contains(f.name()) {
            names.push(f.name().clone());
        }
    }
    let side =
        |p: &Arc<LogicalPlan>, mine: &Schema, other: &Schema| -> DaftResult<Arc<LogicalPlan>> {
            let exprs = names
                .iter()
                .map(|n| {
                    if mine.field_with_name(n).is_ok() {
                        return Ok(Expr::col(n.clone()));
                    }
                    let dt = other
                        .field_with_name(n)
                        .map_err(|e| DaftError::Internal(e.to_string()))?
                        .data_type()
                        .clone();
                    let mut options = std::collections::BTreeMap::new();
                    options.insert("dtype".to_string(), OptionValue::data_type(dt));
                    let null = Expr::Literal(Arc::new(NullArray::new(1)));
                    Ok(Expr::call(global().lookup("cast")?, vec![null], options)?.alias(n.clone()))
                })
                .collect::<DaftResult<Vec<_>>>()?;
            p.project(exprs)
        };
    Ok((side(l, &ls, &rs)?, side(r, &rs, &ls)?))
}

/// The conjuncts of `e` (`a AND b AND c`).
fn conjuncts(e: &SqlExpr) -> Vec<&SqlExpr> {
    match e {
        SqlExpr::BinaryOp {
            left,
            op: sqlparser::ast::BinaryOperator::And,
            right,
        } => {
            let mut v = conjuncts(left);
            v.extend(conjuncts(right));
            v
        }
        SqlExpr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

fn planner<'a>(rel: &'a Relation, clause: &'static str) -> ExprPlanner<'a> {
    ExprPlanner {
        columns: rel,
        agg: None,
        clause,
        free_aggs: false,
    }
}

/// Joins two relations. Right columns whose plan names the left already
/// has are renamed first, so the engine's join never merges or renames.
fn join(
    left: Relation,
    right: Relation,
    how: JoinType,
    constraint: &JoinConstraint,
) -> DaftResult<Relation> {
    let taken: Vec<String> = left.cols.iter().map(|c| c.plan_name.clone()).collect();
    let mut right = right;
    let mut renames = Vec::new();
    let mut used = taken.clone();
    for c in &mut right.cols {
        let mut name = c.plan_name.clone();
        if used.contains(&name) {
            let base = format!(
                "{}.{}",
                c.qualifier.clone().unwrap_or_else(|| "right".into()),
                c.name
            );
            name = base.clone();
            let mut n = 2;
            while used.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
        }
        renames.push(Expr::col(c.plan_name.clone()).alias(name.clone()));
        c.plan_name = name.clone();
        used.push(name);
    }
    right.plan = right.plan.project(renames)?;

    let mut left_on = Vec::new();
    let mut right_on = Vec::new();
    let mut residual: Vec<&SqlExpr> = Vec::new();
    let mut using: Vec<String> = Vec::new();
    match constraint {
        JoinConstraint::On(e) => {
            for c in conjuncts(e) {
                let pair = match c {
                    SqlExpr::BinaryOp {
                        left: a,
                        op: sqlparser::ast::BinaryOperator::Eq,
                        right: b,
                    } => {
                        let (lp, rp) = (planner(&left, "ON"), planner(&right, "ON"));
                        match (lp.expr(a), rp.expr(b)) {
                            (Ok(x), Ok(y)) => Some((x, y)),
                            _ => match (lp.expr(b), rp.expr(a)) {
                                (Ok(x), Ok(y)) => Some((x, y)),
                                _ => None,
                            },
                        }
                    }
                    _ => None,
                };
                match pair {
                    Some((x, y)) => {
                        left_on.push(x);
                        right_on.push(y);
                    }
                    None => residual.push(c),
                }
            }
        }
        JoinConstraint::Using(names) => {
            for n in names {
                let ident = Ident::new(n.to_string());
                left_on.push(left.column(std::slice::from_ref(&ident))?);
                right_on.push(right.column(std::slice::from_ref(&ident))?);
                using.push(n.to_string());
            }
        }
        JoinConstraint::Natural => {
            return Err(DaftError::value_error(
                "SQL: NATURAL joins are not supported; use USING (...) or ON ...",
            ))
        }
        JoinConstraint::None => {}
    }
    if !residual.is_empty() && !matches!(how, JoinType::Inner | JoinType::Cross) {
        return Err(DaftError::value_error(format!(
            "SQL: the ON of a {} join may only hold equalities between a column of each side \
             (joined by AND); {} is not one",
            how.name().to_uppercase(),
            residual[0]
        )));
    }
    let how = match how {
        JoinType::Inner if left_on.is_empty() => JoinType::Cross,
        JoinType::Cross if !left_on.is_empty() => JoinType::Inner,
        h => h,
    };
    if left_on.is_empty() && how != JoinType::Cross {
        return Err(DaftError::value_error(format!(
            "SQL: a {} join needs ON or USING",
            how.name().to_uppercase()
        )));
    }
    let plan = left
        .plan
        .join(&right.plan, left_on, right_on, how, None, None)?;
    let mut cols = left.cols;
    if !matches!(how, JoinType::Semi | JoinType::Anti) {
        for mut c in right.cols {
            if using.contains(&c.name) {
                c.visible = false;
            }
            cols.push(c);
        }
    }
    let mut rel = Relation { plan, cols };
    if !residual.is_empty() {
        let mut pred: Option<Expr> = None;
        for c in residual {
            let x = planner(&rel, "ON").expr(c)?;
            pred = Some(match pred {
                None => x,
                Some(p) => p.binary(Operator::And, x)?,
            });
        }
        if let Some(p) = pred {
            rel.plan = rel.plan.filter(p)?;
        }
    }
    if how == JoinType::Outer && !using.is_empty() {
        rel = coalesce_using_keys(rel, &using)?;
    }
    Ok(rel)
}

/// After `FULL JOIN ... USING (k)`, unqualified `k` is the first non-null
/// of both sides' `k`.
fn coalesce_using_keys(rel: Relation, using: &[String]) -> DaftResult<Relation> {
    let mut exprs: Vec<Expr> = Vec::new();
    let mut cols = Vec::new();
    for c in &rel.cols {
        if c.visible && using.contains(&c.name) {
            let other = rel
                .cols
                .iter()
                .find(|o| !o.visible && o.name == c.name)
                .ok_or_else(|| DaftError::Internal(format!("USING key {} lost", c.name)))?;
            let e = Expr::call(
                global().lookup("coalesce")?,
                vec![
                    Expr::col(c.plan_name.clone()),
                    Expr::col(other.plan_name.clone()),
                ],
                Default::default(),
            )?;
            let name = format!("{}__using", c.plan_name);
            exprs.push(e.alias(name.clone()));
            cols.push(Col {
                qualifier: None,
                name: c.name.clone(),
                plan_name: name,
                visible: true,
            });
            let mut hidden = c.clone();
            hidden.visible = false;
            exprs.push(Expr::col(c.plan_name.clone()));
            cols.push(hidden);
        } else {
            exprs.push(Expr::col(c.plan_name.clone()));
            cols.push(c.clone());
        }
    }
    Ok(Relation {
        plan: rel.plan.project(exprs)?,
        cols,
    })
}
