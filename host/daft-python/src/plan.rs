//! `PyLogicalPlan` and `PySchema`: the native side of `daft.DataFrame`.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use daft_core::types::{canonical_batch, canonical_schema, display_type};
use daft_core::{DaftError, DaftResult};
use daft_plan::{CsvOptions, LogicalPlan, SortKey, Source};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule};

use crate::arrow_ffi;
use crate::error::IntoPyResult;
use crate::expr::PyExpr;
use crate::table::{format_schema, format_table};

/// A schema: column names and types.
#[pyclass(module = "daft.daft", name = "PySchema", frozen)]
pub struct PySchema {
    pub schema: SchemaRef,
}

#[pymethods]
impl PySchema {
    /// A schema from an object with `__arrow_c_schema__` (a pyarrow Schema).
    #[staticmethod]
    fn from_arrow(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let schema = arrow_ffi::import_schema(obj)?;
        Ok(PySchema {
            schema: Arc::new(schema),
        })
    }

    /// Column names in order.
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// `(name, type as displayed)` per column.
    fn fields(&self) -> Vec<(String, String)> {
        self.schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), display_type(f)))
            .collect()
    }

    /// The Arrow PyCapsule schema interface (`pyarrow.schema(s)` reads it).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        arrow_ffi::export_schema(py, &self.schema)
    }

    fn __repr__(&self) -> String {
        format_schema(&self.schema)
    }
}

/// A logical plan under construction; each method returns a new plan.
#[pyclass(module = "daft.daft", name = "PyLogicalPlan", frozen)]
pub struct PyLogicalPlan {
    plan: Arc<LogicalPlan>,
}

impl From<Arc<LogicalPlan>> for PyLogicalPlan {
    fn from(plan: Arc<LogicalPlan>) -> Self {
        PyLogicalPlan { plan }
    }
}

impl PyLogicalPlan {
    /// The batches of an in-memory plan, if this plan is one.
    fn materialized(&self) -> Option<Arc<Vec<RecordBatch>>> {
        match self.plan.as_ref() {
            LogicalPlan::Scan {
                source: Source::InMemory(b),
                ..
            } => Some(b.clone()),
            LogicalPlan::Scan {
                source: Source::Partitions(p),
                ..
            } => Some(Arc::new(p.iter().flatten().cloned().collect())),
            _ => None,
        }
    }

    /// The output's partitions (runs the plan unless it is a collected
    /// result that kept them).
    fn run_partitions(&self, py: Python<'_>) -> PyResult<Arc<Vec<Vec<RecordBatch>>>> {
        if let LogicalPlan::Scan {
            source: Source::Partitions(p),
            ..
        } = self.plan.as_ref()
        {
            return Ok(p.clone());
        }
        if let Some(parts) = crate::distributed::run_distributed(py, &self.plan)? {
            return Ok(Arc::new(parts));
        }
        let plan = self.plan.clone();
        let parts = interruptible(py, move |stop| daft_exec::collect_partitions(&plan, stop))?;
        Ok(Arc::new(parts))
    }

    fn run(&self, py: Python<'_>) -> PyResult<Arc<Vec<RecordBatch>>> {
        if let Some(b) = self.materialized() {
            return Ok(b);
        }
        if let Some(parts) = crate::distributed::run_distributed(py, &self.plan)? {
            return Ok(Arc::new(parts.into_iter().flatten().collect()));
        }
        let plan = self.plan.clone();
        let batches = interruptible(py, move |stop| daft_exec::collect(&plan, stop))?;
        Ok(Arc::new(batches))
    }

    /// The plan to run in this process: this one, or, under a distributed
    /// runner, its output computed there as an in-memory plan.
    fn runnable_here(&self, py: Python<'_>) -> PyResult<Arc<LogicalPlan>> {
        if self.materialized().is_some() {
            return Ok(self.plan.clone());
        }
        match crate::distributed::run_distributed(py, &self.plan)? {
            Some(parts) => Ok(LogicalPlan::scan(
                Source::Partitions(Arc::new(parts)),
                self.plan.schema(),
            )),
            None => Ok(self.plan.clone()),
        }
    }
}

/// The row count of the distributed run of `count`, a count aggregate.
fn count_distributed(py: Python<'_>, count: &Arc<LogicalPlan>) -> PyResult<usize> {
    let parts = crate::distributed::run_distributed(py, count)?.unwrap_or_default();
    let mut total = 0usize;
    for batch in parts.iter().flatten() {
        let column = batch.column(0).as_any();
        total += column
            .downcast_ref::<arrow::array::UInt64Array>()
            .map(|a| a.iter().flatten().sum::<u64>() as usize)
            .or_else(|| {
                column
                    .downcast_ref::<arrow::array::Int64Array>()
                    .map(|a| a.iter().flatten().sum::<i64>() as usize)
            })
            .ok_or_else(|| {
                pyo3::exceptions::PyRuntimeError::new_err("count(*) is not an integer")
            })?;
    }
    Ok(total)
}

/// The scan of `files` (`source` makes its source from a list of them);
/// with `path_column`, one scan per file, each with its path as a last
/// string column (Daft's `file_path_column`: the path as the pattern
/// matched it), concatenated in file order.
fn file_scan(
    files: Vec<daft_io::FileStamp>,
    schema: SchemaRef,
    path_column: Option<String>,
    reader: &str,
    source: impl Fn(Vec<daft_io::FileStamp>) -> Source,
) -> DaftResult<Arc<LogicalPlan>> {
    let Some(name) = path_column else {
        return Ok(LogicalPlan::scan(source(files), schema));
    };
    if schema.field_with_name(&name).is_ok() {
        return Err(DaftError::value_error(format!(
            "{reader}: file_path_column {name:?} is already a column of the files; choose \
             another name"
        )));
    }
    let columns: Vec<daft_dsl::Expr> = schema
        .fields()
        .iter()
        .map(|f| daft_dsl::Expr::col(f.name().clone()))
        .collect();
    let scans = files
        .into_iter()
        .map(|f| {
            let path: arrow::array::ArrayRef =
                Arc::new(arrow::array::StringArray::from(vec![f.path.clone()]));
            let mut exprs = columns.clone();
            exprs.push(daft_dsl::Expr::lit(path)?.alias(name.clone()));
            LogicalPlan::scan(source(vec![f]), schema.clone()).project(exprs)
        })
        .collect::<DaftResult<Vec<_>>>()?;
    match scans.split_first() {
        Some((first, [])) => Ok(first.clone()),
        Some((first, rest)) => first.union_all(rest),
        None => Err(DaftError::Internal(format!("{reader}: no files to scan"))),
    }
}

/// A CSV option that must be one ASCII character (`what` of `function`).
fn one_char(function: &str, v: Option<String>, what: &str) -> PyResult<Option<u8>> {
    match v.as_deref() {
        None => Ok(None),
        Some(d) if d.len() == 1 && d.is_ascii() => Ok(Some(d.as_bytes()[0])),
        Some(d) => Err(crate::error::to_py(DaftError::value_error(format!(
            "{function}: {what} must be one ASCII character, got {d:?}"
        )))),
    }
}

type Hints = Option<Vec<(String, arrow::datatypes::DataType)>>;

fn schema_hints(schema: Option<Vec<(String, Bound<'_, PyAny>)>>) -> PyResult<Hints> {
    schema
        .map(|s| {
            s.into_iter()
                .map(|(n, t)| Ok((n, arrow_ffi::import_data_type(&t)?)))
                .collect::<PyResult<Vec<_>>>()
        })
        .transpose()
}

/// The scan schema: the inferred one with `hints` overriding types by
/// name, or (`infer_schema` false) the hints alone. CSV columns are matched
/// by position, so there a hint must name an existing column.
fn apply_hints(
    inferred: &SchemaRef,
    hints: Hints,
    infer_schema: bool,
    what: &str,
    positional: bool,
) -> DaftResult<SchemaRef> {
    use arrow::datatypes::{Field, Schema};
    let Some(hints) = hints else {
        if !infer_schema {
            return Err(DaftError::value_error(format!(
                "{what}: infer_schema=False needs schema={{column: DataType, ...}}"
            )));
        }
        return Ok(Arc::new(canonical_schema(inferred)));
    };
    let fields: Vec<Field> = if infer_schema || positional {
        if positional && !infer_schema && hints.len() != inferred.fields().len() {
            return Err(DaftError::SchemaMismatch(format!(
                "{what}: schema= names {} column(s) but the files have {}",
                hints.len(),
                inferred.fields().len()
            )));
        }
        for (n, _) in &hints {
            if positional && infer_schema && inferred.field_with_name(n).is_err() {
                return Err(DaftError::FieldNotFound {
                    name: n.clone(),
                    available: inferred.fields().iter().map(|f| f.name().clone()).collect(),
                });
            }
        }
        let mut fields: Vec<Field> = inferred
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let hint = if infer_schema {
                    hints.iter().find(|(n, _)| n == f.name())
                } else {
                    hints.get(i)
                };
                match hint {
                    Some((n, t)) => Field::new(n, t.clone(), true),
                    None => f.as_ref().clone(),
                }
            })
            .collect();
        if !positional {
            for (n, t) in &hints {
                if !fields.iter().any(|f| f.name() == n) {
                    fields.push(Field::new(n, t.clone(), true));
                }
            }
        }
        fields
    } else {
        hints
            .into_iter()
            .map(|(n, t)| Field::new(n, t, true))
            .collect()
    };
    Ok(Arc::new(canonical_schema(&Schema::new(fields))))
}

/// Runs `job` with the GIL released, handing it a callback that checks for
/// Python signals (Ctrl-C) and updates the progress display of a query that
/// runs long; when a signal arrives, the job stops its query and the
/// signal's exception (`KeyboardInterrupt`) is raised here.
pub(crate) fn interruptible<T: Send>(
    py: Python<'_>,
    job: impl FnOnce(&mut dyn FnMut() -> bool) -> DaftResult<T> + Send,
) -> PyResult<T> {
    let mut raised: Option<PyErr> = None;
    let mut display = crate::progress::Display::default();
    let result = py.detach(|| {
        let mut stop = || match Python::attach(|py| {
            py.check_signals()?;
            crate::progress::tick(py, &mut display);
            Ok::<(), PyErr>(())
        }) {
            Ok(()) => false,
            Err(e) => {
                raised = Some(e);
                true
            }
        };
        job(&mut stop)
    });
    crate::progress::finish(py, &display);
    match (result, raised) {
        (Err(DaftError::Cancelled(_)), Some(e)) => Err(e),
        (result, _) => result.py(),
    }
}

fn exprs(list: Vec<PyExpr>) -> Vec<daft_dsl::Expr> {
    list.into_iter().map(|e| e.expr).collect()
}

fn in_memory(schema: SchemaRef, batches: Vec<RecordBatch>) -> DaftResult<Arc<LogicalPlan>> {
    let schema = Arc::new(canonical_schema(&schema));
    let batches = batches
        .into_iter()
        .map(canonical_batch)
        .collect::<DaftResult<Vec<_>>>()?;
    Ok(LogicalPlan::scan(
        Source::InMemory(Arc::new(batches)),
        schema,
    ))
}

#[pymethods]
impl PyLogicalPlan {
    /// A plan over the data of any object with `__arrow_c_stream__`.
    #[staticmethod]
    fn from_arrow_stream(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (schema, batches) = arrow_ffi::import_stream(obj)?;
        let mut seen = std::collections::HashSet::new();
        for f in schema.fields() {
            if !seen.insert(f.name()) {
                return Err(crate::error::to_py(DaftError::value_error(format!(
                    "the input has two columns named {:?}; column names must be unique",
                    f.name()
                ))));
            }
        }
        Ok(in_memory(schema, batches).py()?.into())
    }

    /// Plans a SQL query over `tables` (name to plan).
    #[staticmethod]
    fn sql(query: &str, tables: HashMap<String, PyRef<'_, PyLogicalPlan>>) -> PyResult<Self> {
        let mut catalog = daft_sql::Catalog::new();
        for (name, plan) in tables {
            catalog.insert(name, plan.plan.clone());
        }
        Ok(daft_sql::plan_sql(query, &catalog).py()?.into())
    }

    /// A scan of Parquet files, directories or globs; with
    /// `file_path_column`, each row's file path as a last string column.
    #[staticmethod]
    #[pyo3(signature = (paths, file_path_column=None, io_config=None))]
    fn read_parquet(
        py: Python<'_>,
        paths: Vec<String>,
        file_path_column: Option<String>,
        io_config: Option<String>,
    ) -> PyResult<Self> {
        let cfg = daft_io::IoConfig::from_json(io_config.as_deref()).py()?;
        let plan = py.detach(|| -> DaftResult<_> {
            // Stamped before the schema is read: a file rewritten after
            // this moment is noticed when the query runs.
            let stamps = daft_io::find_files(&paths, "parquet", &cfg)?;
            let files = stamps.len();
            let schema = daft_io::parquet_schema(&stamps)?;
            tracing::debug!(target: "daft::plan", files, "parquet scan planned");
            file_scan(
                stamps,
                schema,
                file_path_column,
                "read_parquet",
                Source::Parquet,
            )
        });
        Ok(plan.py()?.into())
    }

    /// A scan of CSV files, directories or globs. `schema` overrides
    /// inferred types by column name (`infer_schema=True`) or is the whole
    /// schema (`infer_schema=False`).
    #[staticmethod]
    #[pyo3(signature = (paths, has_headers=true, delimiter=None, quote=None, escape_char=None,
                        comment=None, infer_rows=1000, schema=None, infer_schema=true,
                        file_path_column=None, io_config=None))]
    #[allow(clippy::too_many_arguments)]
    fn read_csv(
        py: Python<'_>,
        paths: Vec<String>,
        has_headers: bool,
        delimiter: Option<String>,
        quote: Option<String>,
        escape_char: Option<String>,
        comment: Option<String>,
        infer_rows: usize,
        schema: Option<Vec<(String, Bound<'_, PyAny>)>>,
        infer_schema: bool,
        file_path_column: Option<String>,
        io_config: Option<String>,
    ) -> PyResult<Self> {
        let cfg = daft_io::IoConfig::from_json(io_config.as_deref()).py()?;
        let opts = CsvOptions {
            has_header: has_headers,
            delimiter: one_char("read_csv", delimiter, "delimiter")?.unwrap_or(b','),
            quote: one_char("read_csv", quote, "quote")?.unwrap_or(b'"'),
            escape: one_char("read_csv", escape_char, "escape_char")?,
            comment: one_char("read_csv", comment, "comment")?,
            infer_rows,
        };
        let hints = schema_hints(schema)?;
        let plan = py.detach(|| -> DaftResult<_> {
            let stamps = daft_io::find_files(&paths, "csv", &cfg)?;
            let inferred = daft_io::csv_schema(&stamps, &opts)?;
            let schema = apply_hints(&inferred, hints, infer_schema, "read_csv", true)?;
            file_scan(stamps, schema, file_path_column, "read_csv", |f| {
                Source::Csv(f, opts.clone())
            })
        });
        Ok(plan.py()?.into())
    }

    /// A scan of newline-delimited JSON files, directories (`*.json`) or
    /// globs; `schema` as for `read_csv`.
    #[staticmethod]
    #[pyo3(signature = (paths, infer_rows=1000, schema=None, infer_schema=true,
                        file_path_column=None, io_config=None))]
    fn read_json(
        py: Python<'_>,
        paths: Vec<String>,
        infer_rows: usize,
        schema: Option<Vec<(String, Bound<'_, PyAny>)>>,
        infer_schema: bool,
        file_path_column: Option<String>,
        io_config: Option<String>,
    ) -> PyResult<Self> {
        let cfg = daft_io::IoConfig::from_json(io_config.as_deref()).py()?;
        let hints = schema_hints(schema)?;
        let plan = py.detach(|| -> DaftResult<_> {
            let stamps = daft_io::find_files(&paths, "json", &cfg)?;
            let inferred = if infer_schema {
                daft_io::json_schema(&stamps, infer_rows)?
            } else {
                Arc::new(arrow::datatypes::Schema::empty())
            };
            let schema = apply_hints(&inferred, hints, infer_schema, "read_json", false)?;
            file_scan(stamps, schema, file_path_column, "read_json", Source::Json)
        });
        Ok(plan.py()?.into())
    }

    fn select(&self, exprs_: Vec<PyExpr>) -> PyResult<Self> {
        Ok(self.plan.project(exprs(exprs_)).py()?.into())
    }

    fn filter(&self, predicate: PyExpr) -> PyResult<Self> {
        Ok(self.plan.filter(predicate.expr).py()?.into())
    }

    fn limit(&self, n: usize) -> Self {
        self.plan.limit(n).into()
    }

    fn sort(
        &self,
        keys: Vec<PyExpr>,
        descending: Vec<bool>,
        nulls_first: Vec<bool>,
    ) -> PyResult<Self> {
        if keys.len() != descending.len() || keys.len() != nulls_first.len() {
            return Err(crate::error::to_py(DaftError::value_error(format!(
                "sort: got {} key(s) but {} `desc` and {} `nulls_first` value(s)",
                keys.len(),
                descending.len(),
                nulls_first.len()
            ))));
        }
        let keys = keys
            .into_iter()
            .zip(descending)
            .zip(nulls_first)
            .map(|((k, d), n)| SortKey {
                expr: k.expr,
                descending: d,
                nulls_first: n,
            })
            .collect();
        Ok(self.plan.sort(keys).py()?.into())
    }

    /// Distinct rows, or one row per distinct value of `on`.
    #[pyo3(signature = (on=None))]
    fn distinct(&self, on: Option<Vec<PyExpr>>) -> PyResult<Self> {
        Ok(match on {
            None => self.plan.distinct().into(),
            Some(on) => self.plan.distinct_on(exprs(on)).py()?.into(),
        })
    }

    /// One row per element of the list columns `columns`.
    #[pyo3(signature = (columns, index_column=None, ignore_empty_and_null=false))]
    fn explode(
        &self,
        columns: Vec<String>,
        index_column: Option<String>,
        ignore_empty_and_null: bool,
    ) -> PyResult<Self> {
        Ok(self
            .plan
            .explode(columns, index_column, ignore_empty_and_null)
            .py()?
            .into())
    }

    /// All rows but the first `n`.
    fn offset(&self, n: usize) -> Self {
        self.plan.offset(n).into()
    }

    /// Joins with `right` on key pairs (`how` as Daft names it).
    #[pyo3(signature = (right, left_on, right_on, how, prefix=None, suffix=None))]
    fn join(
        &self,
        right: &PyLogicalPlan,
        left_on: Vec<PyExpr>,
        right_on: Vec<PyExpr>,
        how: &str,
        prefix: Option<String>,
        suffix: Option<String>,
    ) -> PyResult<Self> {
        let how = daft_plan::JoinType::parse(how).py()?;
        Ok(self
            .plan
            .join(
                &right.plan,
                exprs(left_on),
                exprs(right_on),
                how,
                prefix,
                suffix,
            )
            .py()?
            .into())
    }

    /// This plan's rows then `other`'s, which must have the same schema.
    fn concat(&self, other: &PyLogicalPlan) -> PyResult<Self> {
        Ok(self.plan.concat(&other.plan).py()?.into())
    }

    /// This plan's rows then `other`'s, columns matched by position.
    fn union_all(&self, other: &PyLogicalPlan) -> PyResult<Self> {
        Ok(self
            .plan
            .union_all(std::slice::from_ref(&other.plan))
            .py()?
            .into())
    }

    /// `intersect` or `except` with `other` (`kind`), as sets or multisets.
    fn set_op(&self, other: &PyLogicalPlan, kind: &str, all: bool) -> PyResult<Self> {
        let kind = match kind {
            "intersect" => daft_plan::SetOpKind::Intersect,
            "except" => daft_plan::SetOpKind::Except,
            other => {
                return Err(crate::error::to_py(DaftError::value_error(format!(
                    "unknown set operation {other:?}"
                ))))
            }
        };
        Ok(self.plan.set_op(&other.plan, kind, all).py()?.into())
    }

    fn aggregate(&self, aggs: Vec<PyExpr>, group_by: Vec<PyExpr>) -> PyResult<Self> {
        Ok(self
            .plan
            .aggregate(exprs(aggs), exprs(group_by))
            .py()?
            .into())
    }

    /// The output schema (known without running anything).
    fn schema(&self) -> PySchema {
        PySchema {
            schema: self.plan.schema(),
        }
    }

    /// The plan as text: Daft's logical plan, and with `show_all` also the
    /// plan lowered onto DataFusion, as DataFusion optimized it, and the
    /// physical plan that runs.
    #[pyo3(signature = (show_all=false))]
    fn explain(&self, py: Python<'_>, show_all: bool) -> PyResult<String> {
        let daft = self.plan.explain();
        if !show_all {
            return Ok(daft);
        }
        let plan = self.plan.clone();
        let datafusion = py
            .detach(move || daft_exec::explain_datafusion(&plan))
            .py()?;
        Ok(format!(
            "== Unoptimized Logical Plan ==\n{daft}\n{datafusion}"
        ))
    }

    /// Whether this plan is already materialized in memory.
    fn is_materialized(&self) -> bool {
        self.materialized().is_some()
    }

    /// Runs the plan; the result is an in-memory plan of its output. A
    /// layout the query chose (`repartition`, `into_partitions`) is kept;
    /// otherwise the engine splits the rows for parallelism when they are
    /// read again.
    fn collect(&self, py: Python<'_>) -> PyResult<Self> {
        let source = if self.plan.has_chosen_layout() {
            Source::Partitions(self.run_partitions(py)?)
        } else {
            Source::InMemory(self.run(py)?)
        };
        Ok(LogicalPlan::scan(source, self.plan.schema()).into())
    }

    /// The plan as it would run here (its physical plan), as bytes that
    /// another process turns back into the same plan with
    /// `daft.daft.run_plan_bytes`: functions by provider and name.
    fn plan_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let plan = self.plan.clone();
        let bytes = py
            .detach(|| {
                let physical = daft_exec::physical_plan(&plan)?;
                crate::distributed::codec().encode_plan(physical)
            })
            .py()?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Hash-partitioned by `by` into `num` partitions (the session's
    /// parallelism when `None`), or spread evenly when `by` is empty.
    #[pyo3(signature = (num, by))]
    fn repartition(&self, num: Option<usize>, by: Vec<PyExpr>) -> PyResult<Self> {
        Ok(self.plan.repartition(num, exprs(by)).py()?.into())
    }

    /// The rows in order as `num` contiguous partitions.
    #[pyo3(name = "into_partitions")]
    fn split_into_partitions(&self, num: usize) -> PyResult<Self> {
        Ok(self.plan.into_partitions(num).py()?.into())
    }

    /// How many partitions the output has (plans the query, runs nothing).
    fn num_partitions(&self, py: Python<'_>) -> PyResult<usize> {
        let plan = self.plan.clone();
        py.detach(move || daft_exec::num_partitions(&plan)).py()
    }

    /// Each output partition as an Arrow stream capsule, in order.
    fn partitions<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyCapsule>>> {
        let schema = self.plan.schema();
        self.run_partitions(py)?
            .iter()
            .map(|p| arrow_ffi::export_stream(py, schema.clone(), p.clone()))
            .collect()
    }

    /// The output as batches computed while they are read: an iterator of
    /// one-batch Arrow stream capsules.
    fn stream(&self, py: Python<'_>) -> PyResult<PyBatchStream> {
        let plan = self.runnable_here(py)?;
        let iter = interruptible(py, move |stop| daft_exec::stream(&plan, stop))?;
        Ok(PyBatchStream {
            iter: std::sync::Mutex::new(Some(iter)),
        })
    }

    /// Number of rows of the output (runs the plan unless materialized).
    fn count_rows(&self, py: Python<'_>) -> PyResult<usize> {
        if let Some(b) = self.materialized() {
            return Ok(b.iter().map(|b| b.num_rows()).sum());
        }
        // On a distributed runner only the counts travel back, not the rows.
        if crate::distributed::runner_is_set() {
            let one: arrow::array::ArrayRef = Arc::new(arrow::array::Int64Array::from(vec![1i64]));
            let count = daft_dsl::Expr::lit(one)
                .and_then(|e| e.agg(daft_dsl::AggKind::Count(daft_dsl::CountMode::All)))
                .and_then(|e| self.plan.aggregate(vec![e.alias("count")], vec![]))
                .py()?;
            return count_distributed(py, &count);
        }
        let plan = self.plan.clone();
        interruptible(py, move |stop| daft_exec::count_rows(&plan, stop))
    }

    /// The output as an Arrow stream capsule (runs the plan if needed).
    fn to_arrow_stream<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let batches = self.run(py)?;
        arrow_ffi::export_stream(py, self.plan.schema(), batches.as_ref().clone())
    }

    /// Text table of the first `max_rows` rows (runs only what is needed).
    fn format_table(&self, py: Python<'_>, max_rows: usize) -> PyResult<String> {
        let batches = match self.materialized() {
            Some(b) => b,
            None => PyLogicalPlan::from(self.plan.limit(max_rows)).run(py)?,
        };
        Ok(format_table(py, &self.plan.schema(), &batches, max_rows))
    }

    /// The cells of the first `max_rows` rows as text (see `table::cells`), or
    /// `None` when the plan is not materialized: a notebook preview never runs a query.
    fn preview_cells(&self, py: Python<'_>, max_rows: usize) -> Option<Vec<Vec<String>>> {
        let batches = self.materialized()?;
        Some(crate::table::cells(
            py,
            &self.plan.schema(),
            &batches,
            max_rows,
        ))
    }

    /// Writes the output as one Parquet file under `root_dir` with
    /// `write_mode` (`append` or `overwrite`); returns its path.
    /// `io_config` (JSON from `IOConfig`) is for an object-store `root_dir`.
    #[pyo3(signature = (root_dir, compression, write_mode, io_config=None))]
    fn write_parquet(
        &self,
        py: Python<'_>,
        root_dir: String,
        compression: String,
        write_mode: String,
        io_config: Option<String>,
    ) -> PyResult<Vec<String>> {
        let format = daft_io::FileFormat::Parquet { compression };
        self.write_files(py, root_dir, format, write_mode, io_config)
    }

    /// Writes the output as newline-delimited JSON under `root_dir` with
    /// `write_mode`; returns the paths written.
    #[pyo3(signature = (root_dir, write_mode, ignore_null_fields=false, date_format=None,
                        timestamp_format=None, io_config=None))]
    #[allow(clippy::too_many_arguments)]
    fn write_json(
        &self,
        py: Python<'_>,
        root_dir: String,
        write_mode: String,
        ignore_null_fields: bool,
        date_format: Option<String>,
        timestamp_format: Option<String>,
        io_config: Option<String>,
    ) -> PyResult<Vec<String>> {
        let options = daft_io::JsonWriteOptions {
            ignore_null_fields,
            date_format,
            timestamp_format,
        };
        let format = daft_io::FileFormat::Json(options);
        self.write_files(py, root_dir, format, write_mode, io_config)
    }

    /// Writes the output as one CSV file under `root_dir` with `write_mode`
    /// (`append` or `overwrite`); returns its path. `delimiter` and `quote`
    /// are one ASCII character each; the formats are chrono `strftime`
    /// formats.
    #[pyo3(signature = (root_dir, write_mode, delimiter=None, quote=None, header=true,
                        date_format=None, timestamp_format=None, io_config=None))]
    #[allow(clippy::too_many_arguments)]
    fn write_csv(
        &self,
        py: Python<'_>,
        root_dir: String,
        write_mode: String,
        delimiter: Option<String>,
        quote: Option<String>,
        header: bool,
        date_format: Option<String>,
        timestamp_format: Option<String>,
        io_config: Option<String>,
    ) -> PyResult<Vec<String>> {
        let defaults = daft_io::CsvWriteOptions::default();
        let options = daft_io::CsvWriteOptions {
            delimiter: one_char("write_csv", delimiter, "delimiter")?.unwrap_or(defaults.delimiter),
            quote: one_char("write_csv", quote, "quote")?.unwrap_or(defaults.quote),
            header,
            date_format,
            timestamp_format,
        };
        let format = daft_io::FileFormat::Csv(options);
        self.write_files(py, root_dir, format, write_mode, io_config)
    }
}

/// A running query's output, batch by batch (`DataFrame.to_arrow_iter`).
/// Waiting for a batch releases the GIL and answers Ctrl-C.
#[pyclass(module = "daft.daft", name = "PyBatchStream", frozen)]
pub struct PyBatchStream {
    iter: std::sync::Mutex<Option<daft_exec::BatchIter>>,
}

#[pymethods]
impl PyBatchStream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next batch as a one-batch Arrow stream capsule.
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyCapsule>>> {
        let mut slot = self
            .iter
            .lock()
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the stream was poisoned"))?;
        let Some(iter) = slot.as_mut() else {
            return Ok(None);
        };
        let schema = iter.schema();
        let next = interruptible(py, |stop| iter.next_or_stop(stop).transpose());
        match next {
            Ok(Some(batch)) => arrow_ffi::export_stream(py, schema, vec![batch]).map(Some),
            Ok(None) => {
                *slot = None;
                Ok(None)
            }
            Err(e) => {
                *slot = None;
                Err(e)
            }
        }
    }
}

impl PyLogicalPlan {
    /// Runs the plan into `daft_io::write_files`: one stream in row order,
    /// so one file; Ctrl-C stops the write and leaves the old data.
    fn write_files(
        &self,
        py: Python<'_>,
        root_dir: String,
        format: daft_io::FileFormat,
        write_mode: String,
        io_config: Option<String>,
    ) -> PyResult<Vec<String>> {
        let plan = self.runnable_here(py)?;
        let cfg = daft_io::IoConfig::from_json(io_config.as_deref()).py()?;
        interruptible(py, move |stop| {
            let mode = daft_io::WriteMode::parse(&write_mode)?;
            daft_exec::write_with(&plan, stop, |batches, schema| {
                let stream: daft_io::BatchStream = Box::new(batches);
                daft_io::write_files(&root_dir, &cfg, mode, format, schema, vec![stream])
            })
        })
    }
}
