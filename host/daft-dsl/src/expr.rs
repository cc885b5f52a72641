use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::util::display::{ArrayFormatter, FormatOptions};

use daft_core::aggregate::UserAggregate;
use daft_core::options::OptionValue;
use daft_core::registry::FunctionDef;
use daft_core::types::{display_type, supertype};
use daft_core::{options::FunctionOptions, DaftError, DaftResult};

use crate::lambda::{check_body, element_scope, lambda_output_field, LambdaKind, ELEMENT_COLUMN};
use crate::window::{window_field, WindowFunc, WindowSpec};

/// Binary operators of expressions (`+`, `==`, `&`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Plus,
    Minus,
    Multiply,
    TrueDivide,
    FloorDivide,
    Modulus,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    Xor,
}

impl Operator {
    /// Parses the names the binding uses (`"+"`, `"=="`, `"&"`, ...).
    pub fn parse(s: &str) -> DaftResult<Self> {
        use Operator::*;
        Ok(match s {
            "+" => Plus,
            "-" => Minus,
            "*" => Multiply,
            "/" => TrueDivide,
            "//" => FloorDivide,
            "%" => Modulus,
            "==" => Eq,
            "!=" => NotEq,
            "<" => Lt,
            "<=" => LtEq,
            ">" => Gt,
            ">=" => GtEq,
            "&" => And,
            "|" => Or,
            "^" => Xor,
            other => {
                return Err(DaftError::value_error(format!(
                    "unknown operator {other:?}"
                )))
            }
        })
    }

    /// The operator's symbol.
    pub fn symbol(&self) -> &'static str {
        use Operator::*;
        match self {
            Plus => "+",
            Minus => "-",
            Multiply => "*",
            TrueDivide => "/",
            FloorDivide => "//",
            Modulus => "%",
            Eq => "==",
            NotEq => "!=",
            Lt => "<",
            LtEq => "<=",
            Gt => ">",
            GtEq => ">=",
            And => "&",
            Or => "|",
            Xor => "^",
        }
    }

    /// `==`, `!=`, `<`, `<=`, `>`, `>=`.
    pub fn is_comparison(&self) -> bool {
        use Operator::*;
        matches!(self, Eq | NotEq | Lt | LtEq | Gt | GtEq)
    }

    /// `&`, `|`, `^`.
    pub fn is_logical(&self) -> bool {
        matches!(self, Operator::And | Operator::Or | Operator::Xor)
    }
}

/// Which values `count` counts, as in Daft's `count(mode=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountMode {
    /// Non-null values (the default).
    Valid,
    /// Null values only.
    Null,
    /// All rows.
    All,
}

/// Aggregations over a column, per group or over the whole frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggKind {
    Sum,
    Mean,
    Min,
    Max,
    Count(CountMode),
    CountDistinct,
    AnyValue,
    ListAgg,
    /// The distinct non-null values as a list (`agg_set`).
    ListAggDistinct,
    /// The strings concatenated with a delimiter (`agg_concat` /
    /// `string_agg`; Daft's default delimiter is none, `""`).
    StringAgg(Arc<str>),
    /// Standard deviation with `ddof` delta degrees of freedom (0 or 1).
    Stddev(u8),
    /// Variance with `ddof` delta degrees of freedom (0 or 1).
    Var(u8),
    Product,
    /// Population skewness.
    Skew,
    /// Whether all non-null booleans are true.
    BoolAnd,
    /// Whether any non-null boolean is true.
    BoolOr,
    /// Exact percentiles, linearly interpolated (`median` is 0.5).
    Percentile(Percentiles),
    /// Approximate percentiles (a t-digest sketch).
    ApproxPercentiles(Percentiles),
    /// Approximate number of distinct non-null values (HyperLogLog).
    ApproxCountDistinct,
    /// A user-defined aggregate (`@daft.udaf`); its input is a struct of the
    /// call's arguments, one field each.
    User(UserAggregate),
    /// An aggregate function of the registry (a plugin's); its input is a
    /// struct of the call's arguments, one field each, as for `User`.
    Registry(RegistryAgg),
}

/// A call of a registry aggregate: the function and its bound options.
#[derive(Debug, Clone)]
pub struct RegistryAgg {
    /// The aggregate (its implementation is `Implementation::Aggregate`).
    pub func: Arc<FunctionDef>,
    /// The call's options, validated and with defaults filled in.
    pub options: FunctionOptions,
}

impl PartialEq for RegistryAgg {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.func, &other.func) && self.options == other.options
    }
}

// Options compare by value; a NaN option makes a call unequal to itself,
// which only costs a missed de-duplication, never a wrong plan.
impl Eq for RegistryAgg {}

/// The struct-field names a registry aggregate's arguments are packed
/// under: their own names (which the function's rules then see, as a scalar
/// function's do), or `arg0`, `arg1`, ... when two share a name.
fn packed_names(args: &[Expr]) -> String {
    let names: Vec<String> = args.iter().map(|a| a.name()).collect();
    let unique = names.iter().collect::<std::collections::HashSet<_>>().len() == names.len();
    let names = if unique && names.iter().all(|n| !n.contains('\0')) {
        names
    } else {
        (0..args.len()).map(|i| format!("arg{i}")).collect()
    };
    names.join("\0")
}

/// The percentages of a percentile aggregation, each in [0, 1], kept as
/// their bits so that [`AggKind`] stays `Eq`; `list` says whether the
/// result is a list (several were asked for, or one as a list) or a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Percentiles {
    bits: Arc<[u64]>,
    list: bool,
}

impl Percentiles {
    /// Checks each percentage is a number in [0, 1]; `function` names the
    /// caller in the error.
    pub fn new(function: &str, values: &[f64], list: bool) -> DaftResult<Self> {
        if values.is_empty() {
            return Err(DaftError::value_error(format!(
                "{function}: give at least one percentage"
            )));
        }
        if let Some(bad) = values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(DaftError::value_error(format!(
                "{function}: each percentage must be between 0 and 1, got {bad}"
            )));
        }
        Ok(Percentiles {
            bits: values.iter().map(|p| p.to_bits()).collect(),
            list,
        })
    }

    /// The percentages, in the order given.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.bits.iter().map(|b| f64::from_bits(*b))
    }

    /// Whether the result is a list of percentiles rather than one number.
    pub fn is_list(&self) -> bool {
        self.list
    }
}

impl AggKind {
    /// Parses the names used by the Python API.
    pub fn parse(name: &str) -> DaftResult<Self> {
        Ok(match name {
            "sum" => AggKind::Sum,
            "mean" | "avg" => AggKind::Mean,
            "min" => AggKind::Min,
            "max" => AggKind::Max,
            "count" => AggKind::Count(CountMode::Valid),
            "count_null" => AggKind::Count(CountMode::Null),
            "count_all" => AggKind::Count(CountMode::All),
            "count_distinct" => AggKind::CountDistinct,
            "any_value" => AggKind::AnyValue,
            "list_agg" | "agg_list" => AggKind::ListAgg,
            "list_agg_distinct" | "agg_set" => AggKind::ListAggDistinct,
            "string_agg" | "agg_concat" => AggKind::StringAgg("".into()),
            "stddev" => AggKind::Stddev(1),
            "stddev_pop" => AggKind::Stddev(0),
            "var" => AggKind::Var(1),
            "var_pop" => AggKind::Var(0),
            "product" => AggKind::Product,
            "skew" => AggKind::Skew,
            "bool_and" => AggKind::BoolAnd,
            "bool_or" => AggKind::BoolOr,
            "median" => AggKind::Percentile(Percentiles::new("median", &[0.5], false)?),
            "approx_count_distinct" => AggKind::ApproxCountDistinct,
            other => {
                return Err(DaftError::value_error(format!(
                    "unknown aggregation {other:?}; expected one of sum, mean, min, max, count, \
                     count_distinct, any_value, list_agg, list_agg_distinct, string_agg, \
                     stddev, var, product, skew, bool_and, bool_or, median, \
                     approx_count_distinct"
                )))
            }
        })
    }

    /// The name shown in plans.
    pub fn name(&self) -> &'static str {
        match self {
            AggKind::Sum => "sum",
            AggKind::Mean => "mean",
            AggKind::Min => "min",
            AggKind::Max => "max",
            AggKind::Count(CountMode::Valid) => "count",
            AggKind::Count(CountMode::Null) => "count_null",
            AggKind::Count(CountMode::All) => "count_all",
            AggKind::CountDistinct => "count_distinct",
            AggKind::AnyValue => "any_value",
            AggKind::ListAgg => "list_agg",
            AggKind::ListAggDistinct => "list_agg_distinct",
            AggKind::StringAgg(_) => "string_agg",
            AggKind::Stddev(_) => "stddev",
            AggKind::Var(_) => "var",
            AggKind::Product => "product",
            AggKind::Skew => "skew",
            AggKind::BoolAnd => "bool_and",
            AggKind::BoolOr => "bool_or",
            AggKind::Percentile(_) => "percentile",
            AggKind::ApproxPercentiles(_) => "approx_percentiles",
            AggKind::ApproxCountDistinct => "approx_count_distinct",
            AggKind::User(_) => "udaf",
            AggKind::Registry(_) => "registry aggregate",
        }
    }

    /// The output type of this aggregation over `input`.
    pub fn output_type(&self, input: &Field) -> DaftResult<DataType> {
        let dt = input.data_type();
        let check_numeric = || {
            if dt.is_numeric() || dt == &DataType::Null || matches!(dt, DataType::Boolean) {
                Ok(())
            } else {
                Err(DaftError::type_error(format!(
                    "{}() of column {:?} needs a numeric column; it has type {}",
                    self.name(),
                    input.name(),
                    display_type(input)
                )))
            }
        };
        // As Daft: a decimal's mean keeps four more fraction digits.
        if let (AggKind::Mean, DataType::Decimal128(_, s)) = (self, dt) {
            return Ok(DataType::Decimal128(38, s.saturating_add(4).min(38)));
        }
        Ok(match self {
            AggKind::Registry(r) => {
                let DataType::Struct(fields) = dt else {
                    return Err(DaftError::Internal(format!(
                        "aggregate {} takes a struct of its arguments, got {dt}",
                        r.func.qualified_name()
                    )));
                };
                let args: Vec<Field> = fields.iter().map(|f| f.as_ref().clone()).collect();
                r.func.resolve(&args, &r.options)?.data_type().clone()
            }
            AggKind::User(u) => {
                if !matches!(dt, DataType::Struct(_)) {
                    return Err(DaftError::Internal(format!(
                        "UDAF {} takes a struct of its arguments, got {dt}",
                        u.0.name()
                    )));
                }
                u.0.return_field().data_type().clone()
            }
            AggKind::Sum => {
                check_numeric()?;
                match dt {
                    DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                        DataType::Int64
                    }
                    DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                        DataType::UInt64
                    }
                    DataType::Boolean | DataType::Null => DataType::Int64,
                    DataType::Float32 => DataType::Float32,
                    // As Daft: the widest precision, the input's scale.
                    DataType::Decimal128(_, s) => DataType::Decimal128(38, *s),
                    _ => DataType::Float64,
                }
            }
            AggKind::Mean | AggKind::Stddev(_) | AggKind::Var(_) | AggKind::Skew => {
                check_numeric()?;
                DataType::Float64
            }
            AggKind::Percentile(p) | AggKind::ApproxPercentiles(p) => {
                if !(dt.is_numeric() || dt == &DataType::Null) {
                    return Err(DaftError::type_error(format!(
                        "{}() of column {:?} needs a numeric column; it has type {}",
                        self.name(),
                        input.name(),
                        display_type(input)
                    )));
                }
                if p.is_list() {
                    DataType::FixedSizeList(
                        Arc::new(Field::new("item", DataType::Float64, true)),
                        p.bits.len() as i32,
                    )
                } else {
                    DataType::Float64
                }
            }
            AggKind::BoolAnd | AggKind::BoolOr => {
                if !matches!(dt, DataType::Boolean | DataType::Null) {
                    return Err(DaftError::type_error(format!(
                        "{}() of column {:?} needs a boolean column; it has type {}",
                        self.name(),
                        input.name(),
                        display_type(input)
                    )));
                }
                DataType::Boolean
            }
            AggKind::ApproxCountDistinct => DataType::UInt64,
            AggKind::Product => {
                check_numeric()?;
                match dt {
                    DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                        DataType::UInt64
                    }
                    _ if dt.is_integer() || matches!(dt, DataType::Boolean | DataType::Null) => {
                        DataType::Int64
                    }
                    _ => DataType::Float64,
                }
            }
            AggKind::StringAgg(_) => {
                if !matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Null) {
                    return Err(DaftError::type_error(format!(
                        "string_agg() of column {:?} needs strings; it has type {}",
                        input.name(),
                        display_type(input)
                    )));
                }
                DataType::Utf8
            }
            AggKind::Min | AggKind::Max => {
                let ok = dt.is_numeric()
                    || dt.is_temporal()
                    || matches!(
                        dt,
                        DataType::Utf8
                            | DataType::LargeUtf8
                            | DataType::Boolean
                            | DataType::Null
                            | DataType::Binary
                    );
                if !ok {
                    return Err(DaftError::type_error(format!(
                        "{}() of column {:?}: type {} is not orderable",
                        self.name(),
                        input.name(),
                        display_type(input)
                    )));
                }
                dt.clone()
            }
            AggKind::Count(_) | AggKind::CountDistinct => DataType::UInt64,
            AggKind::AnyValue => dt.clone(),
            AggKind::ListAgg | AggKind::ListAggDistinct => DataType::List(Arc::new(
                Field::new("item", dt.clone(), true).with_metadata(input.metadata().clone()),
            )),
        })
    }
}

/// How deeply expressions may nest. Every pass over an expression (type
/// checking, lowering, DataFusion's optimizer and evaluator) recurses, so
/// an unbounded depth would end in a stack overflow; past this depth the
/// method that would nest deeper raises a clear error instead. A chain of
/// a thousand `+` fits (DuckDB's default limit is the same); planning time
/// grows faster than linearly with depth, about a second at this limit.
pub const MAX_DEPTH: usize = 1_000;

/// An expression. Children are shared (`Arc`), so cloning is cheap.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A column of the input, by name.
    Column(String),
    /// A literal: a one-row array, so any Arrow type can be a literal.
    Literal(ArrayRef),
    /// Renames its child's output.
    Alias(Arc<Expr>, String),
    /// Boolean negation.
    Not(Arc<Expr>),
    /// A binary operator.
    Binary {
        op: Operator,
        left: Arc<Expr>,
        right: Arc<Expr>,
    },
    /// A call to a registry function, built in or from a plugin.
    Function {
        func: Arc<FunctionDef>,
        args: Vec<Expr>,
        options: FunctionOptions,
        /// The output field, filled in by [`Expr::bind`] at plan time so that
        /// execution checks each result against it without asking the
        /// function's return-type rule again.
        return_field: Option<Arc<Field>>,
    },
    /// An aggregation; only valid at the top of `agg(...)` lists.
    Agg { kind: AggKind, expr: Arc<Expr> },
    /// A window function; valid in projections once it has a window
    /// (`spec`, set by `.over(...)`).
    Window {
        func: WindowFunc,
        spec: Option<Arc<WindowSpec>>,
    },
    /// `daft.element()`: the element of the innermost enclosing lambda's
    /// list; valid only inside a lambda's body.
    Element,
    /// `list_map` / `list_filter`: `body` evaluated on every element of
    /// each list of `list` (see [`crate::lambda`]).
    ListLambda {
        kind: LambdaKind,
        list: Arc<Expr>,
        body: Arc<Expr>,
    },
}

impl Expr {
    /// A reference to column `name`.
    pub fn col(name: impl Into<String>) -> Self {
        Expr::Column(name.into())
    }

    /// A literal from a one-row array.
    pub fn lit(value: ArrayRef) -> DaftResult<Self> {
        if value.len() != 1 {
            return Err(DaftError::value_error(format!(
                "a literal must have exactly one value, got {}",
                value.len()
            )));
        }
        Ok(Expr::Literal(value))
    }

    /// Renames this expression's output.
    pub fn alias(self, name: impl Into<String>) -> Self {
        let inner = match self {
            Expr::Alias(e, _) => e,
            e => Arc::new(e),
        };
        Expr::Alias(inner, name.into())
    }

    /// A binary operation.
    pub fn binary(self, op: Operator, right: Expr) -> DaftResult<Self> {
        Expr::Binary {
            op,
            left: Arc::new(self),
            right: Arc::new(right),
        }
        .within_max_depth()
    }

    /// Boolean negation.
    pub fn negate(self) -> DaftResult<Self> {
        Expr::Not(Arc::new(self)).within_max_depth()
    }

    /// An aggregation over this expression.
    pub fn agg(self, kind: AggKind) -> DaftResult<Self> {
        Expr::Agg {
            kind,
            expr: Arc::new(self),
        }
        .within_max_depth()
    }

    /// The nesting depth (a column or literal is 1), counted only up to
    /// `limit + 1`, so the cost is bounded whatever the expression.
    fn depth_up_to(&self, limit: usize) -> usize {
        if limit == 0 {
            return 1;
        }
        let below = match self {
            Expr::Column(_) | Expr::Literal(_) | Expr::Element => 0,
            // An alias is a name, not a level.
            Expr::Alias(e, _) => return e.depth_up_to(limit),
            Expr::Not(e) | Expr::Agg { expr: e, .. } => e.depth_up_to(limit - 1),
            Expr::Binary { left, right, .. } => left
                .depth_up_to(limit - 1)
                .max(right.depth_up_to(limit - 1)),
            Expr::Function { args, .. } => args
                .iter()
                .map(|a| a.depth_up_to(limit - 1))
                .max()
                .unwrap_or(0),
            Expr::Window { func, spec } => func
                .args()
                .into_iter()
                .chain(spec.iter().flat_map(|s| s.exprs()))
                .map(|a| a.depth_up_to(limit - 1))
                .max()
                .unwrap_or(0),
            Expr::ListLambda { list, body, .. } => {
                list.depth_up_to(limit - 1).max(body.depth_up_to(limit - 1))
            }
        };
        below + 1
    }

    /// The nesting depth of this expression (a column or literal is 1).
    pub fn depth(&self) -> usize {
        self.depth_up_to(MAX_DEPTH)
    }

    /// This expression, or an error if it nests deeper than [`MAX_DEPTH`].
    fn within_max_depth(self) -> DaftResult<Self> {
        if self.depth_up_to(MAX_DEPTH) > MAX_DEPTH {
            return Err(DaftError::value_error(format!(
                "expression nests more than {MAX_DEPTH} levels deep; build it in steps \
                 (e.g. with_column(...) for intermediate results) or combine columns with a \
                 balanced tree instead of one long chain"
            )));
        }
        Ok(self)
    }

    /// A call of `func`, with arity and options checked now; argument types
    /// are checked when the call is resolved against a schema.
    pub fn call(
        func: Arc<FunctionDef>,
        args: Vec<Expr>,
        options: BTreeMap<String, OptionValue>,
    ) -> DaftResult<Self> {
        func.check_arity(args.len())?;
        let options = func.bind_options(options)?;
        if func.is_aggregate() {
            return Expr::registry_agg(func, args, options);
        }
        if let Some(bad) = args.iter().find(|a| a.has_agg()) {
            return Err(DaftError::value_error(format!(
                "function {}: argument {bad} is an aggregation; aggregate after computing the \
                 function, not inside it",
                func.qualified_name()
            )));
        }
        Expr::Function {
            func,
            args,
            options,
            return_field: None,
        }
        .within_max_depth()
    }

    /// The aggregation `func(args...)` of a registry aggregate: the
    /// arguments packed as one struct (named after the first argument, so
    /// the result is), the way `AggKind::Registry` takes them.
    fn registry_agg(
        func: Arc<FunctionDef>,
        args: Vec<Expr>,
        options: FunctionOptions,
    ) -> DaftResult<Self> {
        if let Some(bad) = args.iter().find(|a| a.has_agg()) {
            return Err(DaftError::value_error(format!(
                "aggregate {}: argument {bad} is already an aggregation; an aggregation of an \
                 aggregation is not supported",
                func.qualified_name()
            )));
        }
        let Some(first) = args.first() else {
            return Err(DaftError::value_error(format!(
                "aggregate {}: takes at least one expression argument",
                func.qualified_name()
            )));
        };
        let name = first.name();
        let to_struct = daft_core::registry::global().lookup("to_struct")?;
        let mut names = BTreeMap::new();
        names.insert("names".to_string(), OptionValue::Str(packed_names(&args)));
        let packed = Expr::call(to_struct, args, names)?.alias(name);
        packed.agg(AggKind::Registry(RegistryAgg { func, options }))
    }

    /// The output column name: a column keeps its name, a function or
    /// operator takes its first input's name, an alias sets it.
    pub fn name(&self) -> String {
        match self {
            Expr::Column(n) => n.clone(),
            Expr::Literal(_) => "literal".into(),
            Expr::Alias(_, n) => n.clone(),
            Expr::Not(e) => e.name(),
            Expr::Binary { left, .. } => left.name(),
            Expr::Function { func, args, .. } => args
                .first()
                .map(|a| a.name())
                .unwrap_or_else(|| func.name.clone()),
            Expr::Agg { expr, .. } => expr.name(),
            Expr::Window { func, .. } => match func.args().first() {
                Some(a) => a.name(),
                None => func.output_name().to_string(),
            },
            Expr::Element => "element".into(),
            Expr::ListLambda { list, .. } => list.name(),
        }
    }

    /// Whether an aggregation occurs anywhere in this expression (outside
    /// a window: an aggregation over a window is one value per row).
    pub fn has_agg(&self) -> bool {
        match self {
            Expr::Agg { .. } => true,
            Expr::Column(_) | Expr::Literal(_) | Expr::Window { .. } | Expr::Element => false,
            Expr::Alias(e, _) | Expr::Not(e) => e.has_agg(),
            Expr::Binary { left, right, .. } => left.has_agg() || right.has_agg(),
            Expr::Function { args, .. } => args.iter().any(|a| a.has_agg()),
            // A body cannot aggregate (`list_lambda` checks it).
            Expr::ListLambda { list, .. } => list.has_agg(),
        }
    }

    /// Whether a window function occurs anywhere in this expression.
    pub fn has_window(&self) -> bool {
        match self {
            Expr::Window { .. } => true,
            Expr::Column(_) | Expr::Literal(_) | Expr::Element => false,
            Expr::Alias(e, _) | Expr::Not(e) | Expr::Agg { expr: e, .. } => e.has_window(),
            Expr::Binary { left, right, .. } => left.has_window() || right.has_window(),
            Expr::Function { args, .. } => args.iter().any(|a| a.has_window()),
            Expr::ListLambda { list, .. } => list.has_window(),
        }
    }

    /// Puts this window function (or aggregation) over `spec`.
    pub fn over(self, spec: WindowSpec) -> DaftResult<Self> {
        self.over_shared(Arc::new(spec))
    }

    fn over_shared(self, spec: Arc<WindowSpec>) -> DaftResult<Self> {
        let e = match self {
            Expr::Alias(inner, name) => {
                return Ok(Expr::Alias(
                    Arc::new(inner.as_ref().clone().over_shared(spec)?),
                    name,
                ))
            }
            Expr::Agg { kind, expr } => Expr::Window {
                func: WindowFunc::Agg(kind, expr),
                spec: Some(spec),
            },
            Expr::Window { func, spec: None } => Expr::Window {
                func,
                spec: Some(spec),
            },
            Expr::Window { ref func, .. } if !func.takes_window() => {
                return Err(DaftError::value_error(format!(
                    "{self} numbers the rows of the whole input; it takes no window"
                )))
            }
            Expr::Window { .. } => {
                return Err(DaftError::value_error(format!(
                    "{self} already has a window; .over(...) can be applied once"
                )))
            }
            other => {
                return Err(DaftError::value_error(format!(
                    ".over(window) applies to an aggregation (e.g. col(\"x\").sum()) or a \
                     window function (row_number(), rank(), lag(...)); got {other}"
                )))
            }
        };
        e.within_max_depth()
    }

    /// A window function not yet over a window (`row_number()`, `lag`...).
    pub fn window_function(func: WindowFunc) -> DaftResult<Self> {
        for a in func.args() {
            if a.has_agg() || a.has_window() {
                return Err(DaftError::value_error(format!(
                    "{}(): its input {a} cannot be an aggregation or a window function",
                    func.name()
                )));
            }
        }
        Expr::Window { func, spec: None }.within_max_depth()
    }

    /// `list_map(list, body)` or `list_filter(list, body)`; the body is
    /// checked against the element's type when the plan is resolved.
    pub fn list_lambda(kind: LambdaKind, list: Expr, body: Expr) -> DaftResult<Self> {
        check_body(kind, &body)?;
        Expr::ListLambda {
            kind,
            list: Arc::new(list),
            body: Arc::new(body),
        }
        .within_max_depth()
    }

    /// Column names this expression reads.
    pub fn columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Column(n) => {
                if !out.contains(n) {
                    out.push(n.clone())
                }
            }
            Expr::Literal(_) | Expr::Element => {}
            Expr::Alias(e, _) | Expr::Not(e) | Expr::Agg { expr: e, .. } => e.columns(out),
            // The body reads the element (not a column) and perhaps the
            // row's other columns.
            Expr::ListLambda { list, body, .. } => {
                list.columns(out);
                body.columns(out);
            }
            Expr::Binary { left, right, .. } => {
                left.columns(out);
                right.columns(out);
            }
            Expr::Function { args, .. } => args.iter().for_each(|a| a.columns(out)),
            Expr::Window { func, spec } => {
                for a in func.args() {
                    a.columns(out);
                }
                for e in spec.iter().flat_map(|s| s.exprs()) {
                    e.columns(out);
                }
            }
        }
    }

    /// Type-checks this expression against `schema` and returns it with every
    /// function call's output field recorded, ready to evaluate.
    pub fn bind(&self, schema: &Schema) -> DaftResult<Expr> {
        Ok(match self {
            Expr::Column(_) | Expr::Literal(_) | Expr::Element => {
                self.to_field(schema)?;
                self.clone()
            }
            Expr::ListLambda { kind, list, body } => {
                let list_field = list.to_field(schema)?;
                let scope = element_scope(*kind, schema, &list_field)?;
                self.to_field(schema)?;
                Expr::ListLambda {
                    kind: *kind,
                    list: Arc::new(list.bind(schema)?),
                    body: Arc::new(body.bind(&scope)?),
                }
            }
            Expr::Alias(e, n) => Expr::Alias(Arc::new(e.bind(schema)?), n.clone()),
            Expr::Not(e) => {
                self.to_field(schema)?;
                Expr::Not(Arc::new(e.bind(schema)?))
            }
            Expr::Binary { op, left, right } => {
                self.to_field(schema)?;
                Expr::Binary {
                    op: *op,
                    left: Arc::new(left.bind(schema)?),
                    right: Arc::new(right.bind(schema)?),
                }
            }
            Expr::Function {
                func,
                args,
                options,
                ..
            } => {
                let field = self.to_field(schema)?;
                Expr::Function {
                    func: func.clone(),
                    args: args
                        .iter()
                        .map(|a| a.bind(schema))
                        .collect::<DaftResult<_>>()?,
                    options: options.clone(),
                    return_field: Some(Arc::new(field)),
                }
            }
            Expr::Agg { kind, expr } => {
                self.to_field(schema)?;
                Expr::Agg {
                    kind: kind.clone(),
                    expr: Arc::new(expr.bind(schema)?),
                }
            }
            Expr::Window { func, spec } => {
                self.to_field(schema)?;
                Expr::Window {
                    func: func.map_args(|a| a.bind(schema))?,
                    spec: match spec {
                        Some(s) => Some(Arc::new(s.map_exprs(|e| e.bind(schema))?)),
                        None => None,
                    },
                }
            }
        })
    }

    /// Resolves the output field against `schema`: the plan-time type check.
    pub fn to_field(&self, schema: &Schema) -> DaftResult<Field> {
        match self {
            Expr::Column(name) => match schema.field_with_name(name) {
                Ok(f) => Ok(f.clone()),
                Err(_) => Err(DaftError::FieldNotFound {
                    name: name.clone(),
                    available: schema.fields().iter().map(|f| f.name().clone()).collect(),
                }),
            },
            Expr::Literal(arr) => Ok(Field::new("literal", arr.data_type().clone(), true)),
            Expr::Alias(e, name) => Ok(e.to_field(schema)?.with_name(name.clone())),
            Expr::Not(e) => {
                let f = e.to_field(schema)?;
                if !matches!(f.data_type(), DataType::Boolean | DataType::Null) {
                    return Err(DaftError::type_error(format!(
                        "operator ~ (not) needs a boolean; {} has type {}",
                        e,
                        display_type(&f)
                    )));
                }
                Ok(f.with_data_type(DataType::Boolean))
            }
            Expr::Binary { op, left, right } => {
                let l = left.to_field(schema)?;
                let r = right.to_field(schema)?;
                binary_output_field(*op, &l, &r).map_err(|m| {
                    DaftError::type_error(format!(
                        "operator {} cannot combine {left} ({}) with {right} ({}): {m}",
                        op.symbol(),
                        display_type(&l),
                        display_type(&r)
                    ))
                })
            }
            Expr::Function {
                func,
                args,
                options,
                ..
            } => {
                let fields = args
                    .iter()
                    .map(|a| a.to_field(schema))
                    .collect::<DaftResult<Vec<_>>>()?;
                func.resolve(&fields, options)
            }
            Expr::Agg { kind, expr } => {
                let f = expr.to_field(schema)?;
                let dt = kind.output_type(&f)?;
                let field = Field::new(f.name(), dt, true);
                // Aggregations that keep values keep their extension type.
                Ok(match kind {
                    AggKind::Min | AggKind::Max | AggKind::AnyValue => {
                        field.with_metadata(f.metadata().clone())
                    }
                    _ => field,
                })
            }
            Expr::Window { func, spec } => window_field(func, spec.as_deref(), schema, self),
            Expr::Element => match schema.field_with_name(ELEMENT_COLUMN) {
                Ok(f) => Ok(f.clone().with_name("element")),
                Err(_) => Err(DaftError::value_error(
                    "daft.element() stands for each element of a list inside list_map(...) or list_filter(...); it is not valid anywhere else",
                )),
            },
            Expr::ListLambda { kind, list, body } => {
                let list_field = list.to_field(schema)?;
                let scope = element_scope(*kind, schema, &list_field)?;
                let body_field = body.to_field(&scope).map_err(|e| {
                    e.context(format!("{} over {list}", kind.name()))
                })?;
                lambda_output_field(*kind, &list_field, &body_field)
            }
        }
    }
}

/// The type `left op right` produces (Daft's rules), or why the operands
/// do not combine.
pub fn binary_output_type(op: Operator, l: &Field, r: &Field) -> Result<DataType, String> {
    let (ldt, rdt) = (l.data_type(), r.data_type());
    if let Some(t) = tensor_output_type(op, l, r)? {
        return Ok(t);
    }
    if op.is_logical() {
        let ok = |d: &DataType| matches!(d, DataType::Boolean | DataType::Null);
        return if ok(ldt) && ok(rdt) {
            Ok(DataType::Boolean)
        } else {
            Err("logical operators need booleans".into())
        };
    }
    let st = supertype(ldt, rdt).ok_or_else(|| "the types have no common type".to_string())?;
    if op.is_comparison() {
        return Ok(DataType::Boolean);
    }
    match op {
        Operator::Plus if daft_core::types::is_string(&st) => Ok(DataType::Utf8),
        _ if st == DataType::Null => Ok(if op == Operator::TrueDivide {
            DataType::Float64
        } else {
            DataType::Null
        }),
        Operator::Minus if !st.is_numeric() => temporal_difference_type(&st).ok_or_else(|| {
            "arithmetic needs numbers (or two dates, timestamps or durations to subtract)".into()
        }),
        _ if !st.is_numeric() => Err("arithmetic needs numbers".into()),
        Operator::TrueDivide => Ok(DataType::Float64),
        _ => Ok(st),
    }
}

/// The output field of `l op r`: [`binary_output_type`], carrying the
/// left operand's logical type where the operation keeps it (tensor math).
pub fn binary_output_field(op: Operator, l: &Field, r: &Field) -> Result<Field, String> {
    let dt = binary_output_type(op, l, r)?;
    let field = Field::new(l.name(), dt, true);
    Ok(match tensor_shape(l) {
        // A fixed-shape tensor's metadata is its shape alone, so it holds for
        // the result's element type too.
        Some(_) => field.with_metadata(l.metadata().clone()),
        None => field,
    })
}

fn tensor_shape(f: &Field) -> Option<Vec<u64>> {
    match daft_core::logical::field_kind(f) {
        Some(daft_core::logical::LogicalKind::FixedShapeTensor(shape)) => Some(shape),
        _ => None,
    }
}

/// Element-wise `+ - * /` of two fixed-shape tensors of one shape (as Daft):
/// the result is a tensor of that shape, its element type the operator's on
/// the elements. `None` when neither operand is a fixed-shape tensor.
fn tensor_output_type(op: Operator, l: &Field, r: &Field) -> Result<Option<DataType>, String> {
    let (ls, rs) = (tensor_shape(l), tensor_shape(r));
    if ls.is_none() && rs.is_none() {
        return Ok(None);
    }
    if !matches!(
        op,
        Operator::Plus | Operator::Minus | Operator::Multiply | Operator::TrueDivide
    ) {
        return Err(format!(
            "tensors combine element-wise with + - * / only, not {}",
            op.symbol()
        ));
    }
    let (Some(ls), Some(rs)) = (ls, rs) else {
        return Err("a tensor combines only with a tensor of its shape".into());
    };
    if ls != rs {
        return Err(format!("the tensors' shapes differ: {ls:?} and {rs:?}"));
    }
    let (DataType::FixedSizeList(li, n), DataType::FixedSizeList(ri, _)) =
        (l.data_type(), r.data_type())
    else {
        return Err("a fixed-shape tensor's storage is not a fixed-size list".into());
    };
    let element = binary_output_type(op, li, ri)?;
    Ok(Some(DataType::FixedSizeList(
        Arc::new(Field::new("item", element, true)),
        *n,
    )))
}

/// The type of `a - b` for two temporal values of type `dt`, as Arrow's
/// kernel computes it: a duration (dates differ in seconds or milliseconds).
fn temporal_difference_type(dt: &DataType) -> Option<DataType> {
    use arrow::datatypes::TimeUnit;
    match dt {
        DataType::Date32 => Some(DataType::Duration(TimeUnit::Second)),
        DataType::Date64 => Some(DataType::Duration(TimeUnit::Millisecond)),
        DataType::Timestamp(unit, _) | DataType::Duration(unit) => Some(DataType::Duration(*unit)),
        _ => None,
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Column(n) => write!(f, "col({n})"),
            Expr::Literal(arr) => {
                if arr.is_null(0) {
                    return write!(f, "lit(None)");
                }
                let opts = FormatOptions::default();
                match ArrayFormatter::try_new(arr.as_ref(), &opts) {
                    Ok(fmtr) => match arr.data_type() {
                        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                            write!(f, "lit({:?})", fmtr.value(0).to_string())
                        }
                        _ => write!(f, "lit({})", fmtr.value(0)),
                    },
                    Err(_) => write!(f, "lit(<{}>)", arr.data_type()),
                }
            }
            Expr::Alias(e, n) => write!(f, "{e} as {n}"),
            Expr::Not(e) => write!(f, "not({e})"),
            Expr::Binary { op, left, right } => write!(f, "{left} {} {right}", op.symbol()),
            Expr::Function {
                func,
                args,
                options,
                ..
            } => {
                write!(f, "{}(", func.qualified_name())?;
                let mut first = true;
                for a in args {
                    if !first {
                        write!(f, ", ")?;
                    }
                    first = false;
                    write!(f, "{a}")?;
                }
                for (k, v) in &options.0 {
                    if !first {
                        write!(f, ", ")?;
                    }
                    first = false;
                    write!(f, "{k}={v}")?;
                }
                write!(f, ")")
            }
            Expr::Agg {
                kind: AggKind::User(u),
                expr,
            } => write!(f, "{}({expr})", u.0.name()),
            Expr::Agg {
                kind: AggKind::Registry(r),
                expr,
            } => {
                // Shown as the call was written, not as its packed struct.
                write!(f, "{}(", r.func.qualified_name())?;
                let inner = match expr.as_ref() {
                    Expr::Alias(inner, _) => inner.as_ref(),
                    other => other,
                };
                match inner {
                    Expr::Function { args, .. } => {
                        for (i, a) in args.iter().enumerate() {
                            if i > 0 {
                                write!(f, ", ")?;
                            }
                            write!(f, "{a}")?;
                        }
                    }
                    other => write!(f, "{other}")?,
                }
                for (k, v) in &r.options.0 {
                    write!(f, ", {k}={v}")?;
                }
                write!(f, ")")
            }
            Expr::Agg { kind, expr } => write!(f, "{}({expr})", kind.name()),
            Expr::Window { func, spec: None } => write!(f, "{func}"),
            Expr::Window {
                func,
                spec: Some(s),
            } if func.takes_window() => write!(f, "{func} over ({s})"),
            Expr::Window { func, .. } => write!(f, "{func}"),
            Expr::Element => write!(f, "element()"),
            Expr::ListLambda { kind, list, body } => write!(f, "{}({list}, {body})", kind.name()),
        }
    }
}
