//! SQL for `daft.sql(...)` and `daft.sql_expr(...)`, planned with Daft's
//! semantics.
//!
//! The text is parsed by `sqlparser` (the parser DataFusion uses) and its
//! syntax tree is planned into the engine's own [`LogicalPlan`] and
//! [`Expr`] — the same nodes the DataFrame API builds — so a SQL query and
//! the equivalent DataFrame code plan, type-check and run identically, and
//! every registry function, built in or from a plugin, is callable by name.
//!
//! - [`planner`]: queries: `FROM` / `JOIN`, `WHERE`, `GROUP BY` / `HAVING`,
//!   `SELECT`, `DISTINCT`, `ORDER BY`, `LIMIT` / `OFFSET`, set operations,
//!   `WITH`;
//! - [`expr`]: expressions: columns, literals, operators, `CASE`, `CAST`,
//!   `IN`, `BETWEEN`, `LIKE`, function calls, aggregations, windows;
//! - [`types`]: SQL type names as Arrow types.
//!
//! Errors name what was wrong and where (`line 1, column 8`).

mod expr;
mod planner;
mod types;

use std::collections::HashMap;
use std::sync::Arc;

use sqlparser::ast::{SetExpr, Statement};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use daft_core::{DaftError, DaftResult};
use daft_dsl::Expr;
use daft_plan::LogicalPlan;

/// The tables a query can name: DataFrames by the name they are bound to.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tables: HashMap<String, Arc<LogicalPlan>>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Catalog::default()
    }

    /// Makes `plan` available as table `name` (replacing one of that name).
    pub fn insert(&mut self, name: impl Into<String>, plan: Arc<LogicalPlan>) {
        self.tables.insert(name.into(), plan);
    }

    /// The table `name`: exactly, or the one table whose name matches
    /// ignoring case (SQL identifiers are case-insensitive unless quoted).
    pub(crate) fn get(&self, name: &str) -> Option<Arc<LogicalPlan>> {
        if let Some(p) = self.tables.get(name) {
            return Some(p.clone());
        }
        let mut found = self
            .tables
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some((_, p)), None) => Some(p.clone()),
            _ => None,
        }
    }

    pub(crate) fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.tables.keys().cloned().collect();
        v.sort();
        v
    }
}

fn parse_error(e: sqlparser::parser::ParserError) -> DaftError {
    let msg = match e {
        sqlparser::parser::ParserError::ParserError(m)
        | sqlparser::parser::ParserError::TokenizerError(m) => m,
        other => other.to_string(),
    };
    DaftError::value_error(format!("SQL syntax error: {msg}"))
}

/// Plans one SQL query (`SELECT ...`, `WITH ...`, set operations) over the
/// tables of `catalog`.
pub fn plan_sql(sql: &str, catalog: &Catalog) -> DaftResult<Arc<LogicalPlan>> {
    let _span = tracing::debug_span!(target: "daft::sql", "sql").entered();
    let statements = Parser::parse_sql(&GenericDialect {}, sql).map_err(parse_error)?;
    let query = match statements.as_slice() {
        [Statement::Query(q)] => q,
        [] => return Err(DaftError::value_error("SQL: the text holds no statement")),
        [_] => {
            return Err(DaftError::value_error(format!(
                "SQL: only queries (SELECT ...) are supported, got: {}",
                first_words(sql)
            )))
        }
        _ => {
            return Err(DaftError::value_error(format!(
                "SQL: expected one query, got {} statements",
                statements.len()
            )))
        }
    };
    if let SetExpr::Select(_) | SetExpr::Query(_) | SetExpr::SetOperation { .. } = &*query.body {
        planner::Planner::new(catalog).query(query)
    } else {
        Err(DaftError::value_error(format!(
            "SQL: only queries (SELECT ...) are supported, got: {}",
            first_words(sql)
        )))
    }
}

/// Parses one SQL expression (`x > 1 AND s LIKE 'a%'`) into an expression
/// over column names, for `daft.sql_expr` and string predicates.
pub fn plan_sql_expr(sql: &str) -> DaftResult<Expr> {
    let e = parse_whole(sql, "SQL syntax error: unexpected", |p| p.parse_expr())?;
    expr::free_expr(&e)
}

/// The Arrow type a SQL type name means (`BIGINT`, `DECIMAL(10, 2)`,
/// `INT[]`), as in `CAST`; for `daft.DataType.from_sql`.
pub fn sql_data_type(text: &str) -> DaftResult<arrow::datatypes::DataType> {
    let t = parse_whole(text, "SQL: unexpected", |p| p.parse_data_type())?;
    types::arrow_type(&t)
}

/// `text` parsed by `parse` as one whole item: anything left after it is an
/// error (`{refusal} <token> after <item>`).
fn parse_whole<T: std::fmt::Display>(
    text: &str,
    refusal: &str,
    parse: impl FnOnce(&mut Parser<'_>) -> Result<T, sqlparser::parser::ParserError>,
) -> DaftResult<T> {
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(text)
        .map_err(parse_error)?;
    let item = parse(&mut parser).map_err(parse_error)?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err(DaftError::value_error(format!(
            "{refusal} {} after {item}",
            parser.peek_token()
        )));
    }
    Ok(item)
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
