//! Logical plans: the lazy description of a query that `DataFrame`
//! methods build and `collect` executes.
//!
//! Every node is resolved when it is built: its output schema is computed
//! and each expression is type-checked and bound (see [`Expr::bind`]), so
//! a wrong column or function call fails before any data is read.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use daft_core::types::{display_type, schema_line};
use daft_core::{DaftError, DaftResult};
use daft_dsl::Expr;
pub use daft_io::{CsvOptions, FileStamp};

mod join;
mod partition;
mod setops;

pub use join::{JoinColumn, JoinType};
pub use partition::Partitioning;
pub use setops::SetOpKind;

/// Where a scan reads from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Batches already in memory (from Python data or a collected frame).
    InMemory(Arc<Vec<RecordBatch>>),
    /// A collected result whose layout the user chose (`repartition`,
    /// `into_partitions`): one list of batches per partition, kept as is.
    Partitions(Arc<Vec<Vec<RecordBatch>>>),
    /// Parquet files, already expanded from globs, as they were planned.
    Parquet(Vec<FileStamp>),
    /// CSV files, already expanded from globs, as they were planned.
    Csv(Vec<FileStamp>, CsvOptions),
    /// Newline-delimited JSON files, as they were planned.
    Json(Vec<FileStamp>),
}

/// One sort key.
#[derive(Debug, Clone)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: bool,
}

/// A node of the logical plan.
#[derive(Debug, Clone)]
pub enum LogicalPlan {
    Scan {
        source: Source,
        schema: SchemaRef,
    },
    Project {
        input: Arc<LogicalPlan>,
        exprs: Vec<Expr>,
        schema: SchemaRef,
    },
    Filter {
        input: Arc<LogicalPlan>,
        predicate: Expr,
    },
    /// Skips `offset` rows, then keeps at most `limit` (all if `None`).
    Limit {
        input: Arc<LogicalPlan>,
        offset: usize,
        limit: Option<usize>,
    },
    Sort {
        input: Arc<LogicalPlan>,
        keys: Vec<SortKey>,
    },
    /// Removes duplicate rows; with `on`, keeps one row per distinct
    /// value of those columns.
    Distinct {
        input: Arc<LogicalPlan>,
        on: Option<Vec<Expr>>,
    },
    Aggregate {
        input: Arc<LogicalPlan>,
        /// Aggregation expressions, each `Agg` possibly under an `Alias`.
        aggs: Vec<Expr>,
        group_by: Vec<Expr>,
        schema: SchemaRef,
    },
    /// Rows of `left` paired with rows of `right` (see [`join`]).
    Join {
        left: Arc<LogicalPlan>,
        right: Arc<LogicalPlan>,
        /// Key expressions, bound against each side, of equal count.
        left_on: Vec<Expr>,
        right_on: Vec<Expr>,
        how: JoinType,
        /// Where each output column comes from.
        columns: Vec<JoinColumn>,
        schema: SchemaRef,
    },
    /// All rows of each input in turn (`concat`, `union_all`), matched by
    /// position; `schema` has the first input's names and each column's
    /// common type.
    Concat {
        inputs: Vec<Arc<LogicalPlan>>,
        schema: SchemaRef,
    },
    /// One row per element of the list columns `columns` (zipped), the
    /// other columns repeated; see [`LogicalPlan::explode`].
    Explode {
        input: Arc<LogicalPlan>,
        columns: Vec<String>,
        /// A column of each element's position in its list.
        index_column: Option<String>,
        /// Drop rows whose lists are null or empty (else one row of nulls).
        ignore_empty_and_null: bool,
        schema: SchemaRef,
    },
    /// `intersect` / `except` of two inputs matched by position, as sets
    /// or (with `all`) as multisets.
    SetOp {
        left: Arc<LogicalPlan>,
        right: Arc<LogicalPlan>,
        kind: SetOpKind,
        all: bool,
        schema: SchemaRef,
    },
    /// The same rows laid out over partitions as `scheme` says (see
    /// [`partition`]).
    Repartition {
        input: Arc<LogicalPlan>,
        scheme: Partitioning,
    },
}

pub(crate) fn check_unique_names(schema: &Schema, what: &str) -> DaftResult<()> {
    let mut seen = std::collections::HashSet::new();
    for f in schema.fields() {
        if !seen.insert(f.name()) {
            return Err(DaftError::value_error(format!(
                "{what} produces column {:?} twice; use .alias(...) to give one of them another name",
                f.name()
            )));
        }
    }
    Ok(())
}

/// Whether `e` is an aggregation of a plain expression, perhaps renamed:
/// what an Aggregate node computes itself.
fn is_plain_agg(e: &Expr) -> bool {
    let inner = match e {
        Expr::Alias(e, _) => e.as_ref(),
        e => e,
    };
    matches!(inner, Expr::Agg { expr, .. } if !expr.has_agg() && !expr.has_window())
}

/// `e` with each aggregation in it replaced by a column `__daft_agg_<i>`,
/// the aggregation (so named) pushed onto `lifted`. Outside aggregations
/// only literals may occur: a column there has no single value (Daft's
/// rule, and its message).
fn lift_aggs(e: &Expr, lifted: &mut Vec<Expr>) -> DaftResult<Expr> {
    Ok(match e {
        Expr::Agg { expr, .. } => {
            if expr.has_agg() || expr.has_window() {
                return Err(DaftError::value_error(format!(
                    "aggregation {e} cannot contain another aggregation or a window function"
                )));
            }
            let name = format!("__daft_agg_{}", lifted.len());
            lifted.push(e.clone().alias(name.clone()));
            Expr::col(name)
        }
        Expr::Column(_) => {
            return Err(DaftError::value_error(format!(
                "Expressions in aggregations must be composed of non-nested aggregation \
                 expressions, got {e}"
            )))
        }
        Expr::Window { .. } => {
            return Err(DaftError::value_error(format!(
                "an aggregation list cannot contain the window function {e}; compute it with \
                 with_column(...) before or after aggregating"
            )))
        }
        Expr::Literal(_) | Expr::Element => e.clone(),
        // `list_map(col("xs").list_agg(), element() * 2)`: the list may be
        // an aggregate; the body sees one element, and a column read there
        // has no single value either.
        Expr::ListLambda { kind, list, body } => {
            let mut read = Vec::new();
            body.columns(&mut read);
            if let Some(c) = read.first() {
                return Err(DaftError::value_error(format!(
                    "Expressions in aggregations must be composed of non-nested aggregation \
                     expressions, got {e} (it reads column {c:?})"
                )));
            }
            Expr::ListLambda {
                kind: *kind,
                list: Arc::new(lift_aggs(list, lifted)?),
                body: body.clone(),
            }
        }
        Expr::Alias(inner, n) => Expr::Alias(Arc::new(lift_aggs(inner, lifted)?), n.clone()),
        Expr::Not(inner) => Expr::Not(Arc::new(lift_aggs(inner, lifted)?)),
        Expr::Binary { op, left, right } => Expr::Binary {
            op: *op,
            left: Arc::new(lift_aggs(left, lifted)?),
            right: Arc::new(lift_aggs(right, lifted)?),
        },
        Expr::Function {
            func,
            args,
            options,
            ..
        } => Expr::Function {
            func: func.clone(),
            args: args
                .iter()
                .map(|a| lift_aggs(a, lifted))
                .collect::<DaftResult<_>>()?,
            options: options.clone(),
            return_field: None,
        },
    })
}

impl LogicalPlan {
    /// The output schema of this node.
    pub fn schema(&self) -> SchemaRef {
        match self {
            LogicalPlan::Scan { schema, .. }
            | LogicalPlan::Project { schema, .. }
            | LogicalPlan::Aggregate { schema, .. } => schema.clone(),
            LogicalPlan::Join { schema, .. }
            | LogicalPlan::Explode { schema, .. }
            | LogicalPlan::Concat { schema, .. }
            | LogicalPlan::SetOp { schema, .. } => schema.clone(),
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Repartition { input, .. }
            | LogicalPlan::Distinct { input, .. } => input.schema(),
        }
    }

    /// A scan node.
    pub fn scan(source: Source, schema: SchemaRef) -> Arc<Self> {
        Arc::new(LogicalPlan::Scan { source, schema })
    }

    /// Projects `exprs` (type-checked now).
    pub fn project(self: &Arc<Self>, exprs: Vec<Expr>) -> DaftResult<Arc<Self>> {
        let _span = tracing::debug_span!(target: "daft::plan", "plan", op = "project").entered();
        let input_schema = self.schema();
        let mut bound = Vec::with_capacity(exprs.len());
        let mut fields = Vec::with_capacity(exprs.len());
        if exprs.iter().any(Expr::has_agg) {
            // As in Daft: a select with aggregations is a global aggregation, one row.
            return self.aggregate(exprs, vec![]);
        }
        for e in exprs {
            let b = e.bind(&input_schema)?;
            fields.push(b.to_field(&input_schema)?);
            bound.push(b);
        }
        let schema = Schema::new(fields);
        check_unique_names(&schema, "select")?;
        Ok(Arc::new(LogicalPlan::Project {
            input: self.clone(),
            exprs: bound,
            schema: Arc::new(schema),
        }))
    }

    /// Keeps rows where `predicate` is true (type-checked now).
    pub fn filter(self: &Arc<Self>, predicate: Expr) -> DaftResult<Arc<Self>> {
        let _span = tracing::debug_span!(target: "daft::plan", "plan", op = "filter").entered();
        let schema = self.schema();
        let bound = predicate.bind(&schema)?;
        let f = bound.to_field(&schema)?;
        if !matches!(
            f.data_type(),
            arrow::datatypes::DataType::Boolean | arrow::datatypes::DataType::Null
        ) {
            return Err(DaftError::type_error(format!(
                "filter predicate {predicate} must be a boolean; it has type {}",
                display_type(&f)
            )));
        }
        if predicate.has_agg() || predicate.has_window() {
            return Err(DaftError::value_error(format!(
                "filter predicate {predicate} cannot contain an aggregation or a window \
                 function; compute it with with_column(...) first"
            )));
        }
        Ok(Arc::new(LogicalPlan::Filter {
            input: self.clone(),
            predicate: bound,
        }))
    }

    /// The first `limit` rows.
    pub fn limit(self: &Arc<Self>, limit: usize) -> Arc<Self> {
        Arc::new(LogicalPlan::Limit {
            input: self.clone(),
            offset: 0,
            limit: Some(limit),
        })
    }

    /// All rows but the first `offset`.
    pub fn offset(self: &Arc<Self>, offset: usize) -> Arc<Self> {
        // A limit over an offset is the same node as `OFFSET n LIMIT m`;
        // an offset over a limit shortens it.
        if let LogicalPlan::Limit {
            input,
            offset: o,
            limit,
        } = self.as_ref()
        {
            return Arc::new(LogicalPlan::Limit {
                input: input.clone(),
                offset: o + offset,
                limit: limit.map(|l| l.saturating_sub(offset)),
            });
        }
        Arc::new(LogicalPlan::Limit {
            input: self.clone(),
            offset,
            limit: None,
        })
    }

    /// Sorts by `keys` (type-checked now).
    pub fn sort(self: &Arc<Self>, keys: Vec<SortKey>) -> DaftResult<Arc<Self>> {
        let _span = tracing::debug_span!(target: "daft::plan", "plan", op = "sort").entered();
        if keys.is_empty() {
            return Err(DaftError::value_error("sort needs at least one key"));
        }
        let schema = self.schema();
        let keys = keys
            .into_iter()
            .map(|k| {
                if k.expr.has_agg() || k.expr.has_window() {
                    return Err(DaftError::value_error(format!(
                        "sort key {} cannot be an aggregation or a window function; compute it \
                         with with_column(...) first",
                        k.expr
                    )));
                }
                Ok(SortKey {
                    expr: k.expr.bind(&schema)?,
                    ..k
                })
            })
            .collect::<DaftResult<Vec<_>>>()?;
        Ok(Arc::new(LogicalPlan::Sort {
            input: self.clone(),
            keys,
        }))
    }

    /// Removes duplicate rows.
    pub fn distinct(self: &Arc<Self>) -> Arc<Self> {
        Arc::new(LogicalPlan::Distinct {
            input: self.clone(),
            on: None,
        })
    }

    /// Keeps one row (any) per distinct value of the `on` columns.
    pub fn distinct_on(self: &Arc<Self>, on: Vec<Expr>) -> DaftResult<Arc<Self>> {
        if on.is_empty() {
            return Ok(self.distinct());
        }
        let schema = self.schema();
        let on = on
            .into_iter()
            .map(|e| {
                if e.has_agg() || e.has_window() {
                    return Err(DaftError::value_error(format!(
                        "distinct key {e} cannot be an aggregation or a window function"
                    )));
                }
                e.bind(&schema)
            })
            .collect::<DaftResult<Vec<_>>>()?;
        Ok(Arc::new(LogicalPlan::Distinct {
            input: self.clone(),
            on: Some(on),
        }))
    }

    /// One row per element of the list columns `columns`, taken together
    /// (the k-th elements share a row; a shorter list is padded with
    /// nulls), the other columns repeated. A null or empty list gives one
    /// row of nulls, as in Daft, unless `ignore_empty_and_null`.
    pub fn explode(
        self: &Arc<Self>,
        columns: Vec<String>,
        index_column: Option<String>,
        ignore_empty_and_null: bool,
    ) -> DaftResult<Arc<Self>> {
        if columns.is_empty() {
            return Err(DaftError::value_error("explode needs at least one column"));
        }
        let schema = self.schema();
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        for c in &columns {
            let i = schema.index_of(c).map_err(|_| DaftError::FieldNotFound {
                name: c.clone(),
                available: schema.fields().iter().map(|f| f.name().clone()).collect(),
            })?;
            let item = match schema.field(i).data_type() {
                arrow::datatypes::DataType::List(item)
                | arrow::datatypes::DataType::LargeList(item)
                | arrow::datatypes::DataType::FixedSizeList(item, _) => item.clone(),
                _ => {
                    return Err(DaftError::type_error(format!(
                        "explode: column {c:?} must be a list; it has type {}",
                        display_type(schema.field(i))
                    )))
                }
            };
            fields[i] = item.as_ref().clone().with_name(c).with_nullable(true);
        }
        if let Some(ix) = &index_column {
            fields.push(Field::new(ix, arrow::datatypes::DataType::UInt64, true));
        }
        let out = Schema::new(fields);
        check_unique_names(&out, "explode")?;
        Ok(Arc::new(LogicalPlan::Explode {
            input: self.clone(),
            columns,
            index_column,
            ignore_empty_and_null,
            schema: Arc::new(out),
        }))
    }

    /// Groups by `group_by` (possibly empty) and computes `aggs`.
    pub fn aggregate(
        self: &Arc<Self>,
        aggs: Vec<Expr>,
        group_by: Vec<Expr>,
    ) -> DaftResult<Arc<Self>> {
        let _span = tracing::debug_span!(target: "daft::plan", "plan", op = "aggregate").entered();
        if !aggs.iter().all(is_plain_agg) {
            return self.aggregate_composites(aggs, group_by);
        }
        let schema = self.schema();
        let mut fields: Vec<Field> = Vec::new();
        let mut keys = Vec::new();
        for g in group_by {
            if g.has_agg() || g.has_window() {
                return Err(DaftError::value_error(format!(
                    "groupby key {g} cannot be an aggregation or a window function"
                )));
            }
            let b = g.bind(&schema)?;
            fields.push(b.to_field(&schema)?);
            keys.push(b);
        }
        let mut bound_aggs = Vec::new();
        for a in aggs {
            let b = a.bind(&schema)?;
            fields.push(b.to_field(&schema)?);
            bound_aggs.push(b);
        }
        let out = Schema::new(fields);
        check_unique_names(&out, "agg")?;
        Ok(Arc::new(LogicalPlan::Aggregate {
            input: self.clone(),
            aggs: bound_aggs,
            group_by: keys,
            schema: Arc::new(out),
        }))
    }

    /// An aggregation list with items built over aggregations
    /// (`col("x").sum() + 1`, a literal beside a `sum`): the aggregations
    /// are computed under internal names, and a projection above builds the
    /// items from them.
    fn aggregate_composites(
        self: &Arc<Self>,
        aggs: Vec<Expr>,
        group_by: Vec<Expr>,
    ) -> DaftResult<Arc<Self>> {
        let mut lifted = Vec::new();
        let mut items = Vec::with_capacity(aggs.len());
        for a in &aggs {
            items.push(lift_aggs(a, &mut lifted)?.alias(a.name()));
        }
        if lifted.is_empty() {
            return Err(DaftError::value_error(format!(
                "agg(...) takes aggregation expressions such as col(\"x\").sum(); got {}",
                aggs[0]
            )));
        }
        let num_keys = group_by.len();
        let inner = self.aggregate(lifted, group_by)?;
        let mut outer: Vec<Expr> = inner.schema().fields()[..num_keys]
            .iter()
            .map(|f| Expr::col(f.name()))
            .collect();
        outer.extend(items);
        inner.project(outer)
    }

    /// The plan as an indented tree, root first, for `DataFrame.explain()`.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        self.explain_into(&mut out, 0);
        out
    }

    fn explain_into(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        let list = |es: &[Expr]| {
            es.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = match self {
            LogicalPlan::Scan { source, schema } => {
                let what = match source {
                    Source::InMemory(b) => format!(
                        "InMemory: {} batch(es), {} row(s)",
                        b.len(),
                        b.iter().map(|b| b.num_rows()).sum::<usize>()
                    ),
                    Source::Partitions(p) => format!(
                        "InMemory: {} partition(s), {} row(s)",
                        p.len(),
                        p.iter().flatten().map(|b| b.num_rows()).sum::<usize>()
                    ),
                    Source::Parquet(p) => {
                        format!("Parquet: {} file(s): {}", p.len(), first_paths(p))
                    }
                    Source::Csv(p, _) => format!("Csv: {} file(s): {}", p.len(), first_paths(p)),
                    Source::Json(p) => format!("Json: {} file(s): {}", p.len(), first_paths(p)),
                };
                writeln!(
                    out,
                    "{pad}* Scan {what}\n{pad}|   Schema: {}",
                    schema_line(schema)
                )
            }
            LogicalPlan::Project { exprs, .. } => writeln!(out, "{pad}* Project: {}", list(exprs)),
            LogicalPlan::Filter { predicate, .. } => writeln!(out, "{pad}* Filter: {predicate}"),
            LogicalPlan::Limit {
                offset: 0,
                limit: Some(limit),
                ..
            } => writeln!(out, "{pad}* Limit: {limit}"),
            LogicalPlan::Limit {
                offset,
                limit: Some(limit),
                ..
            } => writeln!(out, "{pad}* Limit: {limit}, offset {offset}"),
            LogicalPlan::Limit { offset, .. } => writeln!(out, "{pad}* Offset: {offset}"),
            LogicalPlan::Sort { keys, .. } => {
                let ks: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        format!(
                            "{} {} nulls {}",
                            k.expr,
                            if k.descending { "desc" } else { "asc" },
                            if k.nulls_first { "first" } else { "last" }
                        )
                    })
                    .collect();
                writeln!(out, "{pad}* Sort: {}", ks.join(", "))
            }
            LogicalPlan::Repartition { scheme, .. } => {
                writeln!(out, "{pad}* {}", scheme.describe())
            }
            LogicalPlan::Distinct { on: None, .. } => writeln!(out, "{pad}* Distinct"),
            LogicalPlan::Distinct { on: Some(on), .. } => {
                writeln!(out, "{pad}* Distinct on: {}", list(on))
            }
            LogicalPlan::Join {
                left_on,
                right_on,
                how,
                ..
            } => writeln!(
                out,
                "{pad}* Join: {}\n{pad}|   Left on: {}\n{pad}|   Right on: {}",
                how.name(),
                list(left_on),
                list(right_on)
            ),
            LogicalPlan::Concat { inputs, .. } => {
                writeln!(out, "{pad}* Concat: {} input(s)", inputs.len())
            }
            LogicalPlan::Explode {
                columns,
                index_column,
                ..
            } => writeln!(
                out,
                "{pad}* Explode: {}{}",
                columns.join(", "),
                index_column
                    .as_ref()
                    .map(|i| format!(" (index column {i})"))
                    .unwrap_or_default()
            ),
            LogicalPlan::SetOp { kind, all, .. } => writeln!(
                out,
                "{pad}* {}{}",
                kind.name(),
                if *all { " all" } else { "" }
            ),
            LogicalPlan::Aggregate { aggs, group_by, .. } => {
                writeln!(
                    out,
                    "{pad}* Aggregate: {}\n{pad}|   Group by: {}",
                    list(aggs),
                    list(group_by)
                )
            }
        };
        let inputs = self.inputs();
        if inputs.len() == 1 {
            inputs[0].explain_into(out, depth);
            return;
        }
        for (i, input) in inputs.iter().enumerate() {
            let _ = writeln!(out, "{pad}|\\ input {}", i + 1);
            input.explain_into(out, depth + 1);
        }
    }

    /// Whether the plan asks for a layout of its rows over partitions
    /// (`repartition`, `into_partitions`) anywhere, or reads a result that
    /// kept one: collecting it keeps its partitions as they are.
    pub fn has_chosen_layout(&self) -> bool {
        match self {
            LogicalPlan::Repartition { .. }
            | LogicalPlan::Scan {
                source: Source::Partitions(_),
                ..
            } => true,
            _ => self.inputs().iter().any(|i| i.has_chosen_layout()),
        }
    }

    /// The children of this node (none for a scan, two for a join).
    pub fn inputs(&self) -> Vec<&Arc<LogicalPlan>> {
        match self {
            LogicalPlan::Scan { .. } => vec![],
            LogicalPlan::Project { input, .. }
            | LogicalPlan::Filter { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Distinct { input, .. }
            | LogicalPlan::Explode { input, .. }
            | LogicalPlan::Repartition { input, .. }
            | LogicalPlan::Aggregate { input, .. } => vec![input],
            LogicalPlan::Join { left, right, .. } | LogicalPlan::SetOp { left, right, .. } => {
                vec![left, right]
            }
            LogicalPlan::Concat { inputs, .. } => inputs.iter().collect(),
        }
    }
}

fn first_paths(files: &[FileStamp]) -> String {
    let mut s = files
        .iter()
        .take(3)
        .map(|f| f.path.clone())
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > 3 {
        s.push_str(", ...");
    }
    s
}

impl fmt::Display for LogicalPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain())
    }
}
