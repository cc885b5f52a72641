//! Window functions: `expr.over(Window().partition_by(...).order_by(...))`.
//!
//! A window expression computes one value per row from the rows of its
//! partition (its frame), without collapsing them as `groupby` does. The
//! semantics are Daft's: with no frame, an aggregation covers the whole
//! partition (not SQL's running default); ranking functions and `lag` /
//! `lead` need an order; a frame needs an order.

use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::{DataType, Field, Schema};

use daft_core::types::display_type;
use daft_core::{DaftError, DaftResult};

use crate::expr::{AggKind, CountMode, Expr};

/// Whether a frame counts rows or a range of the order key's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnit {
    Rows,
    Range,
}

/// One end of a frame.
#[derive(Debug, Clone)]
pub enum FrameBound {
    /// The partition's first row (as a start) or last row (as an end).
    Unbounded,
    /// An offset from the current row: negative is before it, zero is the
    /// current row (for ranges: its peers), positive after. Rows offsets
    /// are `Int64`; range offsets have a type that adds to the order key.
    Offset(ArrayRef),
}

impl FrameBound {
    /// The offset as an integer, for rows frames.
    pub fn rows_offset(&self) -> Option<i64> {
        match self {
            FrameBound::Unbounded => None,
            FrameBound::Offset(a) => a
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .filter(|a| a.is_valid(0))
                .map(|a| a.value(0)),
        }
    }
}

/// `rows_between(start, end)` or `range_between(start, end)`.
#[derive(Debug, Clone)]
pub struct WindowFrame {
    pub unit: FrameUnit,
    pub start: FrameBound,
    pub end: FrameBound,
}

/// One key of a window's `order_by`.
#[derive(Debug, Clone)]
pub struct WindowOrder {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: bool,
}

/// A window: which rows a window function sees for each row.
#[derive(Debug, Clone, Default)]
pub struct WindowSpec {
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<WindowOrder>,
    pub frame: Option<WindowFrame>,
    /// Fewer rows than this in the frame give null (aggregations only).
    pub min_periods: u64,
}

/// What a window expression computes.
#[derive(Debug, Clone)]
pub enum WindowFunc {
    /// An aggregation over the frame (`col("x").sum().over(w)`).
    Agg(AggKind, Arc<Expr>),
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    /// `lag` (negative offset) or `lead` (positive): the value `offset`
    /// rows away in the partition's order, or `default` past its ends.
    Shift {
        expr: Arc<Expr>,
        offset: i64,
        default: Option<Arc<Expr>>,
    },
    FirstValue(Arc<Expr>),
    LastValue(Arc<Expr>),
    /// `monotonically_increasing_id()`: each row's position in the frame's
    /// order, from 0. Planned as a window over the whole input, so like
    /// every window function it is valid in projections only.
    MonotonicId,
}

/// The window functions that are not aggregations, by the names Python's
/// `daft.functions` and SQL call them.
pub const WINDOW_FUNCTION_NAMES: [&str; 8] = [
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "lag",
    "lead",
    "first_value",
    "last_value",
];

impl WindowFunc {
    /// The window function called `name` (one of [`WINDOW_FUNCTION_NAMES`];
    /// `None` for any other name), of `input` where it takes one; `lag` and
    /// `lead` look `offset` rows back or ahead and give `default` past the
    /// partition's ends. Errors name the function; `context` goes before
    /// them (`"SQL: "`).
    pub fn from_name(
        context: &str,
        name: &str,
        input: Option<Arc<Expr>>,
        offset: i64,
        default: Option<Arc<Expr>>,
    ) -> DaftResult<Option<WindowFunc>> {
        let input = || {
            input
                .clone()
                .ok_or_else(|| DaftError::value_error(format!("{context}{name}() needs an input")))
        };
        Ok(Some(match name {
            "row_number" => WindowFunc::RowNumber,
            "rank" => WindowFunc::Rank,
            "dense_rank" => WindowFunc::DenseRank,
            "percent_rank" => WindowFunc::PercentRank,
            "lag" | "lead" => {
                // A negative offset would turn lag into lead without a word.
                if offset <= 0 {
                    return Err(DaftError::value_error(format!(
                        "{context}{name}(): the offset must be a positive number of rows, \
                         got {offset}"
                    )));
                }
                WindowFunc::Shift {
                    expr: input()?,
                    offset: if name == "lag" { -offset } else { offset },
                    default,
                }
            }
            "first_value" => WindowFunc::FirstValue(input()?),
            "last_value" => WindowFunc::LastValue(input()?),
            _ => return Ok(None),
        }))
    }

    /// The name shown in plans and errors.
    pub fn name(&self) -> &'static str {
        match self {
            WindowFunc::Agg(kind, _) => kind.name(),
            WindowFunc::RowNumber => "row_number",
            WindowFunc::Rank => "rank",
            WindowFunc::DenseRank => "dense_rank",
            WindowFunc::PercentRank => "percent_rank",
            WindowFunc::Shift { offset, .. } if *offset < 0 => "lag",
            WindowFunc::Shift { .. } => "lead",
            WindowFunc::FirstValue(_) => "first_value",
            WindowFunc::LastValue(_) => "last_value",
            WindowFunc::MonotonicId => "monotonically_increasing_id",
        }
    }

    /// The output column's name when the function has no input to take
    /// it from (Daft names a row id `id`).
    pub fn output_name(&self) -> &'static str {
        match self {
            WindowFunc::MonotonicId => "id",
            other => other.name(),
        }
    }

    /// Whether the function is put over a window by `.over(...)`; a row id
    /// is over the whole input already.
    pub fn takes_window(&self) -> bool {
        !matches!(self, WindowFunc::MonotonicId)
    }

    /// `monotonically_increasing_id()`, over the whole input.
    pub fn monotonic_id() -> Expr {
        Expr::Window {
            func: WindowFunc::MonotonicId,
            spec: Some(Arc::new(WindowSpec::default())),
        }
    }

    /// The function's inputs (the value expression and a lag/lead default).
    pub fn args(&self) -> Vec<&Expr> {
        match self {
            WindowFunc::Agg(_, e) | WindowFunc::FirstValue(e) | WindowFunc::LastValue(e) => {
                vec![e.as_ref()]
            }
            WindowFunc::Shift { expr, default, .. } => {
                let mut v = vec![expr.as_ref()];
                if let Some(d) = default {
                    v.push(d.as_ref());
                }
                v
            }
            _ => vec![],
        }
    }

    fn is_ranking(&self) -> bool {
        matches!(
            self,
            WindowFunc::RowNumber
                | WindowFunc::Rank
                | WindowFunc::DenseRank
                | WindowFunc::PercentRank
                | WindowFunc::Shift { .. }
        )
    }

    /// The same function with every input rewritten by `f`.
    pub fn map_args(&self, mut f: impl FnMut(&Expr) -> DaftResult<Expr>) -> DaftResult<Self> {
        Ok(match self {
            WindowFunc::Agg(k, e) => WindowFunc::Agg(k.clone(), Arc::new(f(e)?)),
            WindowFunc::FirstValue(e) => WindowFunc::FirstValue(Arc::new(f(e)?)),
            WindowFunc::LastValue(e) => WindowFunc::LastValue(Arc::new(f(e)?)),
            WindowFunc::Shift {
                expr,
                offset,
                default,
            } => WindowFunc::Shift {
                expr: Arc::new(f(expr)?),
                offset: *offset,
                default: match default {
                    Some(d) => Some(Arc::new(f(d)?)),
                    None => None,
                },
            },
            other => other.clone(),
        })
    }
}

impl WindowSpec {
    /// The same window with every expression rewritten by `f`.
    pub fn map_exprs(&self, mut f: impl FnMut(&Expr) -> DaftResult<Expr>) -> DaftResult<Self> {
        Ok(WindowSpec {
            partition_by: self
                .partition_by
                .iter()
                .map(&mut f)
                .collect::<DaftResult<_>>()?,
            order_by: self
                .order_by
                .iter()
                .map(|o| {
                    Ok(WindowOrder {
                        expr: f(&o.expr)?,
                        ..o.clone()
                    })
                })
                .collect::<DaftResult<_>>()?,
            frame: self.frame.clone(),
            min_periods: self.min_periods,
        })
    }

    /// Every expression of the window (keys, then order keys).
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.partition_by
            .iter()
            .chain(self.order_by.iter().map(|o| &o.expr))
    }
}

/// The output field of `func` over `spec` against `schema`, after checking
/// that the combination is one Daft allows.
pub(crate) fn window_field(
    func: &WindowFunc,
    spec: Option<&WindowSpec>,
    schema: &Schema,
    whole: &Expr,
) -> DaftResult<Field> {
    let Some(spec) = spec else {
        return Err(DaftError::value_error(format!(
            "window function {}() needs a window: use .over(daft.Window().partition_by(...)\
             .order_by(...))",
            func.name()
        )));
    };
    for e in spec.exprs().chain(func.args()) {
        if e.has_agg() || e.has_window() {
            return Err(DaftError::value_error(format!(
                "{whole}: window keys and inputs cannot contain aggregations or other window \
                 functions; compute them in an earlier step"
            )));
        }
    }
    for e in spec.exprs() {
        e.to_field(schema)?;
    }
    if func.is_ranking() && spec.order_by.is_empty() {
        return Err(DaftError::value_error(format!(
            "window function {}() needs an order: add .order_by(...) to its window",
            func.name()
        )));
    }
    if let Some(frame) = &spec.frame {
        check_frame(func, spec, frame, schema)?;
    }
    let named = |f: Field| Ok(f.with_name(whole.name()));
    match func {
        WindowFunc::Agg(kind, e) => {
            if matches!(kind, AggKind::CountDistinct | AggKind::ListAggDistinct) {
                return Err(DaftError::value_error(format!(
                    "{whole}: {}() is not supported over a window; use \
                     groupby(...).agg(...) and join the result back",
                    kind.name()
                )));
            }
            let f = e.to_field(schema)?;
            let dt = kind.output_type(&f)?;
            named(Field::new(f.name(), dt, true))
        }
        WindowFunc::RowNumber | WindowFunc::Rank | WindowFunc::DenseRank => {
            named(Field::new(func.name(), DataType::UInt64, true))
        }
        WindowFunc::MonotonicId => named(Field::new(func.name(), DataType::UInt64, false)),
        WindowFunc::PercentRank => named(Field::new(func.name(), DataType::Float64, true)),
        WindowFunc::Shift {
            expr,
            offset,
            default,
        } => {
            if *offset == 0 || offset.checked_abs().is_none() {
                return Err(DaftError::value_error(format!(
                    "{}(): the offset must be a positive number of rows",
                    func.name()
                )));
            }
            let f = expr.to_field(schema)?;
            if let Some(d) = default {
                if !matches!(d.as_ref(), Expr::Literal(_)) {
                    return Err(DaftError::value_error(format!(
                        "{}(): default must be a literal value, got {d}",
                        func.name()
                    )));
                }
                let df = d.to_field(schema)?;
                if df.data_type() != &DataType::Null
                    && daft_core::types::supertype(df.data_type(), f.data_type()).is_none()
                {
                    return Err(DaftError::type_error(format!(
                        "{}(): default {d} ({}) does not fit column {:?} ({})",
                        func.name(),
                        display_type(&df),
                        f.name(),
                        display_type(&f)
                    )));
                }
            }
            named(f.with_nullable(true))
        }
        WindowFunc::FirstValue(e) | WindowFunc::LastValue(e) => {
            named(e.to_field(schema)?.with_nullable(true))
        }
    }
}

fn check_frame(
    func: &WindowFunc,
    spec: &WindowSpec,
    frame: &WindowFrame,
    schema: &Schema,
) -> DaftResult<()> {
    if !matches!(
        func,
        WindowFunc::Agg(..) | WindowFunc::FirstValue(_) | WindowFunc::LastValue(_)
    ) {
        return Err(DaftError::value_error(format!(
            "window function {}() takes no frame (rows_between / range_between); it is defined \
             by the window's order alone",
            func.name()
        )));
    }
    if spec.order_by.is_empty() {
        return Err(DaftError::value_error(
            "a window frame (rows_between / range_between) needs an order: add .order_by(...)",
        ));
    }
    if let (WindowFunc::Agg(AggKind::Registry(r), _), FrameBound::Offset(_)) = (func, &frame.start)
    {
        // Plugin accumulators add rows and merge states; they cannot take
        // rows back out, which a sliding frame needs.
        return Err(DaftError::value_error(format!(
            "aggregate {} over a window: its frame must start at the partition's first row \
             (rows_between(Window.unbounded_preceding, ...)); a frame that slides is not \
             supported for plugin aggregates",
            r.func.qualified_name()
        )));
    }
    if let (WindowFunc::Agg(AggKind::User(u), _), FrameBound::Offset(_)) = (func, &frame.start) {
        // A frame that slides drops rows from its state; a UDAF's
        // aggregate / combine / finalize cannot take rows back out.
        return Err(DaftError::value_error(format!(
            "UDAF {} over a window: its frame must start at the partition's first row \
             (rows_between(Window.unbounded_preceding, ...)); a frame that slides is not \
             supported for user-defined aggregates",
            u.0.name()
        )));
    }
    match frame.unit {
        FrameUnit::Rows => {
            let (s, e) = (
                bound_position(&frame.start, true),
                bound_position(&frame.end, false),
            );
            if s > e {
                return Err(DaftError::value_error(format!(
                    "rows_between: the frame starts after it ends ({} > {})",
                    show_bound(&frame.start, true),
                    show_bound(&frame.end, false)
                )));
            }
        }
        FrameUnit::Range => {
            if spec.order_by.len() != 1 {
                return Err(DaftError::value_error(format!(
                    "range_between needs exactly one order_by key, the window has {}",
                    spec.order_by.len()
                )));
            }
            let key = spec.order_by[0].expr.to_field(schema)?;
            let numeric = key.data_type().is_numeric() || key.data_type().is_temporal();
            let has_offset = [&frame.start, &frame.end]
                .iter()
                .any(|b| matches!(b, FrameBound::Offset(a) if !is_zero(a)));
            if has_offset && !numeric {
                return Err(DaftError::type_error(format!(
                    "range_between with offsets needs a numeric or temporal order key; {:?} has \
                     type {}",
                    key.name(),
                    display_type(&key)
                )));
            }
        }
    }
    Ok(())
}

fn is_zero(a: &ArrayRef) -> bool {
    arrow::compute::cast(a, &DataType::Float64)
        .ok()
        .and_then(|f| {
            f.as_any()
                .downcast_ref::<arrow::array::Float64Array>()
                .map(|f| f.is_valid(0) && f.value(0) == 0.0)
        })
        .unwrap_or(false)
}

/// A rows bound as a position relative to the current row (unbounded is
/// the far end), for checking that a frame is not empty by construction.
fn bound_position(b: &FrameBound, start: bool) -> i128 {
    match b.rows_offset() {
        Some(o) => o as i128,
        None if start => i128::MIN,
        None => i128::MAX,
    }
}

fn show_bound(b: &FrameBound, start: bool) -> String {
    match b {
        FrameBound::Unbounded if start => "unbounded preceding".into(),
        FrameBound::Unbounded => "unbounded following".into(),
        FrameBound::Offset(a) => {
            let v = arrow::util::display::array_value_to_string(a, 0).unwrap_or_default();
            if is_zero(a) {
                "current row".into()
            } else {
                v
            }
        }
    }
}

impl fmt::Display for WindowFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowFunc::Agg(AggKind::Count(CountMode::Valid), e) => write!(f, "count({e})"),
            WindowFunc::Agg(kind, e) => write!(f, "{}({e})", kind.name()),
            WindowFunc::Shift {
                expr,
                offset,
                default,
            } => {
                write!(f, "{}({expr}, {}", self.name(), offset.unsigned_abs())?;
                if let Some(d) = default {
                    write!(f, ", default={d}")?;
                }
                write!(f, ")")
            }
            WindowFunc::FirstValue(e) | WindowFunc::LastValue(e) => {
                write!(f, "{}({e})", self.name())
            }
            _ => write!(f, "{}()", self.name()),
        }
    }
}

impl fmt::Display for WindowSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.partition_by.is_empty() {
            let keys: Vec<String> = self.partition_by.iter().map(|e| e.to_string()).collect();
            parts.push(format!("partition by {}", keys.join(", ")));
        }
        if !self.order_by.is_empty() {
            let keys: Vec<String> = self
                .order_by
                .iter()
                .map(|o| {
                    format!(
                        "{} {} nulls {}",
                        o.expr,
                        if o.descending { "desc" } else { "asc" },
                        if o.nulls_first { "first" } else { "last" }
                    )
                })
                .collect();
            parts.push(format!("order by {}", keys.join(", ")));
        }
        if let Some(fr) = &self.frame {
            parts.push(format!(
                "{} between {} and {}",
                if fr.unit == FrameUnit::Rows {
                    "rows"
                } else {
                    "range"
                },
                show_bound(&fr.start, true),
                show_bound(&fr.end, false)
            ));
        }
        if self.min_periods > 1 {
            parts.push(format!("min_periods {}", self.min_periods));
        }
        write!(f, "{}", parts.join(" "))
    }
}
