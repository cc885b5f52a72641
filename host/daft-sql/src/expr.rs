//! SQL expressions as engine expressions.
//!
//! Operators map to Daft's (`/` is true division, `%` Daft's remainder,
//! `||` string concatenation); `CASE` becomes nested `if_else`, `IN`
//! `is_in`, `BETWEEN` `between`, `LIKE` `like`, `CAST` the registry's
//! `cast`; every other function name is looked up in the registry, so
//! plugin functions are callable as `name(...)` or `plugin.name(...)`.
//! Positional arguments after a function's expression parameters, and
//! `name => value` arguments, are its options (literals).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, NullArray, StringArray};
use sqlparser::ast::{
    BinaryOperator, CastKind, CeilFloorKind, DateTimeField, DuplicateTreatment, Expr as SqlExpr,
    Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectNamePart, OrderByExpr,
    UnaryOperator, Value, WindowFrameBound, WindowFrameUnits, WindowType,
};
use sqlparser::tokenizer::Span;

use daft_core::options::OptionValue;
use daft_core::registry::{global, ParamKind};
use daft_core::{DaftError, DaftResult};
use daft_dsl::{
    AggKind, CountMode, Expr, FrameBound, FrameUnit, Operator, WindowFrame, WindowFunc,
    WindowOrder, WindowSpec, WINDOW_FUNCTION_NAMES,
};

use crate::types::arrow_type;

/// Where a column name is looked up.
pub(crate) trait Columns {
    /// The expression a (possibly qualified) column reference stands for.
    fn column(&self, parts: &[Ident]) -> DaftResult<Expr>;
}

/// The state of an aggregating query (`GROUP BY`, or aggregations in
/// `SELECT`): its group keys by SQL text, and the aggregations found so
/// far, each computed once by the aggregate node.
pub(crate) struct Aggregating {
    pub keys: Vec<(String, Expr)>,
    pub aggs: RefCell<Vec<(String, Expr)>>,
}

impl Aggregating {
    pub fn key_column(i: usize) -> String {
        format!("__daft_group_{i}")
    }

    pub fn agg_column(i: usize) -> String {
        format!("__daft_agg_{i}")
    }
}

/// Turns SQL expressions into engine expressions over `columns`.
#[derive(Clone, Copy)]
pub(crate) struct ExprPlanner<'a> {
    pub columns: &'a dyn Columns,
    /// Set in the `SELECT`, `HAVING` and `ORDER BY` of an aggregating query.
    pub agg: Option<&'a Aggregating>,
    /// Which clause this is, for messages (`WHERE`, `ON`...).
    pub clause: &'static str,
    /// Aggregations stand as themselves (a standalone `sql_expr`), instead
    /// of referring to an aggregate node's output.
    pub free_aggs: bool,
}

pub(crate) fn at(span: Span) -> String {
    if span.start.line == 0 {
        String::new()
    } else {
        format!(" (line {}, column {})", span.start.line, span.start.column)
    }
}

fn lit(a: ArrayRef) -> Expr {
    Expr::Literal(a)
}

fn call(name: &str, args: Vec<Expr>, options: BTreeMap<String, OptionValue>) -> DaftResult<Expr> {
    Expr::call(global().lookup(name)?, args, options)
}

/// A SQL literal as a one-row array.
pub(crate) fn literal(v: &Value) -> DaftResult<ArrayRef> {
    Ok(match v {
        Value::Number(n, _) => match n.parse::<i64>() {
            Ok(i) => Arc::new(Int64Array::from(vec![i])),
            Err(_) => Arc::new(Float64Array::from(vec![n.parse::<f64>().map_err(
                |_| DaftError::value_error(format!("SQL: {n} is not a number")),
            )?])),
        },
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
            Arc::new(StringArray::from(vec![s.as_str()]))
        }
        Value::Boolean(b) => Arc::new(BooleanArray::from(vec![*b])),
        Value::Null => Arc::new(NullArray::new(1)),
        other => {
            return Err(DaftError::value_error(format!(
                "SQL: the literal {other} is not supported"
            )))
        }
    })
}

/// A literal SQL expression as a function option value.
fn option_value(e: &SqlExpr) -> DaftResult<OptionValue> {
    let neg = |v: OptionValue| match v {
        OptionValue::Int(i) => Ok(OptionValue::Int(-i)),
        OptionValue::Float(f) => Ok(OptionValue::Float(-f)),
        _ => Err(DaftError::value_error(format!("SQL: cannot negate {e}"))),
    };
    Ok(match e {
        SqlExpr::Value(v) => match &v.value {
            Value::Number(n, _) => match n.parse::<i64>() {
                Ok(i) => OptionValue::Int(i),
                Err(_) => OptionValue::Float(
                    n.parse()
                        .map_err(|_| DaftError::value_error(format!("SQL: {n} is not a number")))?,
                ),
            },
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                OptionValue::Str(s.clone())
            }
            Value::Boolean(b) => OptionValue::Bool(*b),
            Value::Null => OptionValue::Null,
            other => {
                return Err(DaftError::value_error(format!(
                    "SQL: {other} cannot be a function option"
                )))
            }
        },
        SqlExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => neg(option_value(expr)?)?,
        other => {
            return Err(DaftError::value_error(format!(
                "SQL: function options must be literals, got {other}"
            )))
        }
    })
}

fn function_name(f: &Function) -> String {
    f.name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.clone(),
            ObjectNamePart::Function(pf) => pf.name.value.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Names SQL gives aggregations, as the engine's kinds.
pub(crate) fn agg_kind(name: &str) -> Option<AggKind> {
    Some(match name {
        "sum" => AggKind::Sum,
        "avg" | "mean" => AggKind::Mean,
        "min" => AggKind::Min,
        "max" => AggKind::Max,
        "count" => AggKind::Count(CountMode::Valid),
        "count_distinct" => AggKind::CountDistinct,
        "any_value" => AggKind::AnyValue,
        "list_agg" | "agg_list" | "array_agg" => AggKind::ListAgg,
        "list_agg_distinct" | "agg_set" => AggKind::ListAggDistinct,
        "string_agg" | "agg_concat" => AggKind::StringAgg("".into()),
        "stddev" | "stddev_samp" => AggKind::Stddev(1),
        "stddev_pop" => AggKind::Stddev(0),
        "var" | "variance" | "var_samp" => AggKind::Var(1),
        "var_pop" => AggKind::Var(0),
        "product" => AggKind::Product,
        "skew" | "skewness" => AggKind::Skew,
        "bool_and" | "every" => AggKind::BoolAnd,
        "bool_or" => AggKind::BoolOr,
        "median" => AggKind::parse("median").ok()?,
        "approx_count_distinct" | "approx_distinct" => AggKind::ApproxCountDistinct,
        _ => return None,
    })
}

struct Args<'f> {
    positional: Vec<&'f SqlExpr>,
    named: Vec<(String, &'f SqlExpr)>,
    star: bool,
    distinct: bool,
}

/// Clauses of a function call that change its result and that daft.sql does
/// not implement are refused: ignoring them would give a wrong answer
/// (`count(*) FILTER (WHERE false)` counted every row).
fn refuse_unsupported_clauses(f: &Function, name: &str) -> DaftResult<()> {
    let clause = if let Some(filter) = &f.filter {
        format!(
            "FILTER (WHERE {filter}) is not supported; move the condition into the argument, \
             as in sum(CASE WHEN {filter} THEN x END) or count(CASE WHEN {filter} THEN 1 END)"
        )
    } else if let Some(nulls) = &f.null_treatment {
        format!("{nulls} is not supported")
    } else if !f.within_group.is_empty() {
        "WITHIN GROUP (ORDER BY ...) is not supported".to_string()
    } else if !matches!(f.parameters, FunctionArguments::None) {
        format!("parameters {} are not supported", f.parameters)
    } else {
        return Ok(());
    };
    Err(DaftError::value_error(format!(
        "SQL: {name}(){}: {clause}",
        at(f.name.0.first().map(span_of).unwrap_or(Span::empty()))
    )))
}

fn args_of<'f>(f: &'f Function, name: &str) -> DaftResult<Args<'f>> {
    let mut out = Args {
        positional: vec![],
        named: vec![],
        star: false,
        distinct: false,
    };
    let list = match &f.args {
        FunctionArguments::None => return Ok(out),
        FunctionArguments::List(l) => l,
        FunctionArguments::Subquery(_) => {
            return Err(DaftError::value_error(format!(
                "SQL: {name}(): subqueries are not supported as arguments"
            )))
        }
    };
    out.distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
    if !list.clauses.is_empty() {
        return Err(DaftError::value_error(format!(
            "SQL: {name}(): clauses inside the argument list ({}) are not supported",
            f.args
        )));
    }
    for a in &list.args {
        match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => out.positional.push(e),
            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => out.star = true,
            FunctionArg::Named {
                name: n,
                arg: FunctionArgExpr::Expr(e),
                ..
            } => out.named.push((n.value.clone(), e)),
            other => {
                return Err(DaftError::value_error(format!(
                    "SQL: {name}(): argument {other} is not supported"
                )))
            }
        }
    }
    Ok(out)
}

impl ExprPlanner<'_> {
    fn without_agg(&self) -> ExprPlanner<'_> {
        ExprPlanner {
            columns: self.columns,
            agg: None,
            clause: self.clause,
            free_aggs: false,
        }
    }

    /// Plans `e`.
    pub fn expr(&self, e: &SqlExpr) -> DaftResult<Expr> {
        if let Some(agg) = self.agg {
            let text = e.to_string();
            if let Some(i) = agg.keys.iter().position(|(k, _)| *k == text) {
                return Ok(Expr::col(Aggregating::key_column(i)));
            }
        }
        let b = |op: Operator, l: &SqlExpr, r: &SqlExpr| -> DaftResult<Expr> {
            self.expr(l)?.binary(op, self.expr(r)?)
        };
        Ok(match e {
            SqlExpr::Identifier(i) => self.column(std::slice::from_ref(i))?,
            SqlExpr::CompoundIdentifier(parts) => self.column(parts)?,
            SqlExpr::Value(v) => lit(literal(&v.value)?),
            SqlExpr::Nested(inner) => self.expr(inner)?,
            SqlExpr::BinaryOp { left, op, right } => {
                let op = match op {
                    BinaryOperator::Plus | BinaryOperator::StringConcat => Operator::Plus,
                    BinaryOperator::Minus => Operator::Minus,
                    BinaryOperator::Multiply => Operator::Multiply,
                    BinaryOperator::Divide => Operator::TrueDivide,
                    BinaryOperator::DuckIntegerDivide | BinaryOperator::MyIntegerDivide => {
                        Operator::FloorDivide
                    }
                    BinaryOperator::Modulo => Operator::Modulus,
                    BinaryOperator::Eq => Operator::Eq,
                    BinaryOperator::NotEq => Operator::NotEq,
                    BinaryOperator::Lt => Operator::Lt,
                    BinaryOperator::LtEq => Operator::LtEq,
                    BinaryOperator::Gt => Operator::Gt,
                    BinaryOperator::GtEq => Operator::GtEq,
                    BinaryOperator::And => Operator::And,
                    BinaryOperator::Or => Operator::Or,
                    BinaryOperator::Xor => Operator::Xor,
                    other => {
                        return Err(DaftError::value_error(format!(
                            "SQL: operator {other} is not supported (in {e})"
                        )))
                    }
                };
                b(op, left, right)?
            }
            SqlExpr::UnaryOp { op, expr } => match op {
                UnaryOperator::Not => self.expr(expr)?.negate()?,
                UnaryOperator::Plus => self.expr(expr)?,
                UnaryOperator::Minus => match expr.as_ref() {
                    // A negative literal keeps its type (-1 is an Int64 -1).
                    SqlExpr::Value(v) => {
                        let a = literal(&v.value)?;
                        let neg = call("negate", vec![lit(a.clone())], BTreeMap::new())?;
                        fold_negation(a).unwrap_or(neg)
                    }
                    _ => call("negate", vec![self.expr(expr)?], BTreeMap::new())?,
                },
                other => {
                    return Err(DaftError::value_error(format!(
                        "SQL: operator {other} is not supported (in {e})"
                    )))
                }
            },
            SqlExpr::IsNull(x) => call("is_null", vec![self.expr(x)?], BTreeMap::new())?,
            SqlExpr::IsNotNull(x) => call("not_null", vec![self.expr(x)?], BTreeMap::new())?,
            SqlExpr::IsTrue(x) => self.expr(x)?.binary(Operator::Eq, lit(bool_lit(true)))?,
            SqlExpr::IsFalse(x) => self.expr(x)?.binary(Operator::Eq, lit(bool_lit(false)))?,
            SqlExpr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let x = call(
                    "between",
                    vec![self.expr(expr)?, self.expr(low)?, self.expr(high)?],
                    BTreeMap::new(),
                )?;
                if *negated {
                    x.negate()?
                } else {
                    x
                }
            }
            SqlExpr::InList {
                expr,
                list,
                negated,
            } => {
                let mut args = vec![self.expr(expr)?];
                for i in list {
                    args.push(self.expr(i)?);
                }
                let x = call("is_in", args, BTreeMap::new())?;
                if *negated {
                    x.negate()?
                } else {
                    x
                }
            }
            SqlExpr::Like {
                negated,
                expr,
                pattern,
                escape_char,
                any,
            }
            | SqlExpr::ILike {
                negated,
                expr,
                pattern,
                escape_char,
                any,
            } => {
                if *any || escape_char.is_some() {
                    return Err(DaftError::value_error(format!(
                        "SQL: LIKE ANY and ESCAPE are not supported (in {e})"
                    )));
                }
                let name = if matches!(e, SqlExpr::ILike { .. }) {
                    "ilike"
                } else {
                    "like"
                };
                let x = call(
                    name,
                    vec![self.expr(expr)?, self.expr(pattern)?],
                    BTreeMap::new(),
                )?;
                if *negated {
                    x.negate()?
                } else {
                    x
                }
            }
            SqlExpr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let mut out = match else_result {
                    Some(x) => self.expr(x)?,
                    None => lit(Arc::new(NullArray::new(1))),
                };
                for w in conditions.iter().rev() {
                    let cond = match operand {
                        Some(o) => self
                            .expr(o)?
                            .binary(Operator::Eq, self.expr(&w.condition)?)?,
                        None => self.expr(&w.condition)?,
                    };
                    // A WHEN whose condition is null does not match (SQL).
                    let cond = call(
                        "fill_null",
                        vec![cond, lit(bool_lit(false))],
                        BTreeMap::new(),
                    )?;
                    out = call(
                        "if_else",
                        vec![cond, self.expr(&w.result)?, out],
                        BTreeMap::new(),
                    )?;
                }
                out
            }
            SqlExpr::Cast {
                kind,
                expr,
                data_type,
                ..
            } => {
                if matches!(kind, CastKind::TryCast | CastKind::SafeCast) {
                    return Err(DaftError::value_error(format!(
                        "SQL: TRY_CAST is not supported; use CAST (in {e})"
                    )));
                }
                self.cast(self.expr(expr)?, data_type)?
            }
            SqlExpr::TypedString(ts) => {
                let s = match &ts.value.value {
                    Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                self.cast(lit(Arc::new(StringArray::from(vec![s]))), &ts.data_type)?
            }
            SqlExpr::Function(f) => self.function(f)?,
            // sqlparser gives CEIL(x) and FLOOR(x) nodes of their own (for
            // `CEIL(x TO DAY)`); the plain forms are the registry's.
            SqlExpr::Ceil {
                expr,
                field: CeilFloorKind::DateTimeField(DateTimeField::NoDateTime),
            }
            | SqlExpr::Floor {
                expr,
                field: CeilFloorKind::DateTimeField(DateTimeField::NoDateTime),
            } => {
                let name = if matches!(e, SqlExpr::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                };
                let args = Args {
                    positional: vec![expr.as_ref()],
                    named: Vec::new(),
                    star: false,
                    distinct: false,
                };
                self.registry_call(name, &args)?
            }
            SqlExpr::Subquery(_) | SqlExpr::InSubquery { .. } | SqlExpr::Exists { .. } => {
                return Err(DaftError::value_error(format!(
                    "SQL: subqueries in expressions are not supported (in {e}); join instead"
                )))
            }
            other => {
                return Err(DaftError::value_error(format!(
                    "SQL: the expression {other} is not supported"
                )))
            }
        })
    }

    fn cast(&self, x: Expr, to: &sqlparser::ast::DataType) -> DaftResult<Expr> {
        let dt = arrow_type(to)?;
        let mut options = BTreeMap::new();
        options.insert("dtype".to_string(), OptionValue::data_type(dt));
        call("cast", vec![x], options)
    }

    fn column(&self, parts: &[Ident]) -> DaftResult<Expr> {
        let e = self.columns.column(parts)?;
        if let Some(agg) = self.agg {
            // A column may stand in the output of an aggregating query only
            // as (part of) a group key.
            let shown = e.to_string();
            if let Some(i) = agg.keys.iter().position(|(_, k)| k.to_string() == shown) {
                return Ok(Expr::col(Aggregating::key_column(i)));
            }
            let name = parts
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>()
                .join(".");
            return Err(DaftError::value_error(format!(
                "SQL: column {name}{} must appear in GROUP BY or be used inside an aggregation \
                 such as sum({name})",
                at(parts[0].span)
            )));
        }
        Ok(e)
    }

    fn function(&self, f: &Function) -> DaftResult<Expr> {
        let name = function_name(f);
        let lower = name.to_ascii_lowercase();
        refuse_unsupported_clauses(f, &name)?;
        let args = args_of(f, &name)?;
        if let Some(over) = &f.over {
            return self.window(f, &lower, &args, over);
        }
        if WINDOW_FUNCTION_NAMES.contains(&lower.as_str()) {
            return Err(DaftError::value_error(format!(
                "SQL: {name}(){} is a window function and needs OVER (...)",
                at(f.name.0.first().map(span_of).unwrap_or(Span::empty()))
            )));
        }
        if let Some(kind) = agg_kind(&lower) {
            if global().get(&lower).is_none() {
                let agg = self.aggregation(&name, kind, &args)?;
                return self.use_aggregation(agg, f);
            }
        }
        if self.is_registry_aggregate(&name) {
            let agg = self.without_agg().registry_call(&name, &args)?;
            return self.use_aggregation(agg, f);
        }
        self.registry_call(&name, &args)
    }

    /// Whether `name` is an aggregate function of the registry (a plugin's).
    fn is_registry_aggregate(&self, name: &str) -> bool {
        global()
            .lookup(name)
            .or_else(|_| global().lookup(&name.to_ascii_lowercase()))
            .is_ok_and(|f| f.is_aggregate())
    }

    /// `sum(x)`, `count(*)`, `count(DISTINCT x)`... as an aggregation
    /// expression over the query's input.
    fn aggregation(&self, name: &str, kind: AggKind, args: &Args) -> DaftResult<Expr> {
        let inner = self.without_agg();
        if args.star {
            if kind != AggKind::Count(CountMode::Valid) {
                return Err(DaftError::value_error(format!(
                    "SQL: {name}(*) is not an aggregation; only count(*) is"
                )));
            }
            let one: ArrayRef = Arc::new(Int64Array::from(vec![1i64]));
            return Ok(lit(one).agg(AggKind::Count(CountMode::All))?.alias("count"));
        }
        // string_agg(x, delimiter), as in standard SQL.
        let kind = match (&kind, args.positional.get(1)) {
            (AggKind::StringAgg(_), Some(d)) if args.positional.len() == 2 => {
                let text = match d {
                    SqlExpr::Value(v) => match &v.value {
                        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s),
                        _ => None,
                    },
                    _ => None,
                };
                match text {
                    Some(t) => AggKind::StringAgg(t.as_str().into()),
                    None => {
                        return Err(DaftError::value_error(format!(
                            "SQL: {name}(): the delimiter must be a string literal, got {d}"
                        )))
                    }
                }
            }
            _ => {
                if args.positional.len() != 1 || !args.named.is_empty() {
                    return Err(DaftError::value_error(format!(
                        "SQL: {name}() takes exactly one argument, got {}",
                        args.positional.len() + args.named.len()
                    )));
                }
                kind
            }
        };
        let x = inner.expr(args.positional[0])?;
        let kind = match (kind, args.distinct) {
            (AggKind::Count(CountMode::Valid), true) => AggKind::CountDistinct,
            (k, false) => k,
            (_, true) => {
                return Err(DaftError::value_error(format!(
                    "SQL: {name}(DISTINCT ...) is not supported; only count(DISTINCT ...) is"
                )))
            }
        };
        x.agg(kind)
    }

    fn use_aggregation(&self, agg: Expr, f: &Function) -> DaftResult<Expr> {
        if self.free_aggs {
            return Ok(agg);
        }
        let Some(state) = self.agg else {
            return Err(DaftError::value_error(format!(
                "SQL: aggregation {f} is not allowed in {}",
                self.clause
            )));
        };
        let text = f.to_string();
        let mut aggs = state.aggs.borrow_mut();
        let i = match aggs.iter().position(|(t, _)| *t == text) {
            Some(i) => i,
            None => {
                aggs.push((text, agg));
                aggs.len() - 1
            }
        };
        Ok(Expr::col(Aggregating::agg_column(i)))
    }

    fn registry_call(&self, name: &str, args: &Args) -> DaftResult<Expr> {
        let func = global()
            .lookup(name)
            .or_else(|e| global().lookup(&name.to_ascii_lowercase()).map_err(|_| e))?;
        if args.star || args.distinct {
            return Err(DaftError::value_error(format!(
                "SQL: {name}() takes no * or DISTINCT"
            )));
        }
        let n_expr = func
            .params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Expr(_)))
            .count();
        let variadic = func
            .params
            .iter()
            .any(|p| matches!(p.kind, ParamKind::Variadic { .. }));
        let option_names: Vec<&str> = func
            .params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Option { .. }))
            .map(|p| p.name.as_str())
            .collect();
        let mut exprs = Vec::new();
        let mut options = BTreeMap::new();
        let mut positional_options = 0;
        for (i, a) in args.positional.iter().enumerate() {
            if variadic || i < n_expr {
                exprs.push(self.expr(a)?);
            } else {
                let Some(opt) = option_names.get(positional_options) else {
                    return Err(DaftError::type_error(format!(
                        "SQL: {}{} takes {} argument(s), got {}",
                        func.qualified_name(),
                        func.signature_text(),
                        n_expr + option_names.len(),
                        args.positional.len()
                    )));
                };
                options.insert(opt.to_string(), option_value(a)?);
                positional_options += 1;
            }
        }
        for (n, v) in &args.named {
            options.insert(n.clone(), option_value(v)?);
        }
        Expr::call(func, exprs, options)
    }

    fn window(&self, f: &Function, name: &str, args: &Args, over: &WindowType) -> DaftResult<Expr> {
        let spec = match over {
            WindowType::WindowSpec(s) => s,
            WindowType::NamedWindow(n) => {
                return Err(DaftError::value_error(format!(
                    "SQL: named windows (OVER {n}) are not supported; write the window inline"
                )))
            }
        };
        let inner = self.without_agg();
        let int_arg = |i: usize, default: i64| -> DaftResult<i64> {
            match args.positional.get(i) {
                None => Ok(default),
                Some(a) => match option_value(a)? {
                    OptionValue::Int(n) => Ok(n),
                    _ => Err(DaftError::value_error(format!(
                        "SQL: {name}(): the offset must be an integer, got {a}"
                    ))),
                },
            }
        };
        let registry_aggregate = self.is_registry_aggregate(name);
        let is_aggregate = agg_kind(name).is_some() || registry_aggregate;
        let named = if WINDOW_FUNCTION_NAMES.contains(&name) {
            let input = match args.positional.first() {
                Some(a) => Some(Arc::new(inner.expr(a)?)),
                None => None,
            };
            let default = match args.positional.get(2) {
                Some(d) => Some(Arc::new(inner.expr(d)?)),
                None => None,
            };
            let offset = match name {
                "lag" | "lead" => int_arg(1, 1)?,
                _ => 1,
            };
            WindowFunc::from_name("SQL: ", name, input, offset, default)?
        } else {
            None
        };
        let func = match named {
            Some(func) => func,
            None if is_aggregate => {
                let agg = if registry_aggregate {
                    inner.registry_call(name, args)?
                } else {
                    self.aggregation(name, agg_kind(name).unwrap_or(AggKind::Sum), args)?
                };
                match agg {
                    Expr::Agg { kind, expr } => WindowFunc::Agg(kind, expr),
                    Expr::Alias(inner_agg, _) => match inner_agg.as_ref() {
                        Expr::Agg { kind, expr } => WindowFunc::Agg(kind.clone(), expr.clone()),
                        _ => return Err(DaftError::Internal(format!("not an aggregation: {f}"))),
                    },
                    _ => return Err(DaftError::Internal(format!("not an aggregation: {f}"))),
                }
            }
            _ => {
                return Err(DaftError::value_error(format!(
                    "SQL: {name}() cannot be used with OVER (...); window functions are \
                     row_number, rank, dense_rank, percent_rank, lag, lead, first_value, \
                     last_value and the aggregations"
                )))
            }
        };
        let order_by = spec
            .order_by
            .iter()
            .map(|o| order_key(&inner, o))
            .collect::<DaftResult<Vec<_>>>()?;
        let frame = match &spec.window_frame {
            Some(fr) => {
                let unit = match fr.units {
                    WindowFrameUnits::Rows => FrameUnit::Rows,
                    WindowFrameUnits::Range => FrameUnit::Range,
                    WindowFrameUnits::Groups => {
                        return Err(DaftError::value_error(
                            "SQL: GROUPS frames are not supported; use ROWS or RANGE",
                        ))
                    }
                };
                let end = fr.end_bound.clone().unwrap_or(WindowFrameBound::CurrentRow);
                Some(WindowFrame {
                    unit,
                    start: frame_bound(&fr.start_bound)?,
                    end: frame_bound(&end)?,
                })
            }
            // SQL's default once there is an order: from the partition's
            // start to the current row and its peers (a running total).
            None if is_aggregate && !order_by.is_empty() => Some(WindowFrame {
                unit: FrameUnit::Range,
                start: FrameBound::Unbounded,
                end: FrameBound::Offset(Arc::new(Int64Array::from(vec![0i64]))),
            }),
            None => None,
        };
        let spec = WindowSpec {
            partition_by: spec
                .partition_by
                .iter()
                .map(|p| inner.expr(p))
                .collect::<DaftResult<_>>()?,
            order_by,
            frame,
            min_periods: 1,
        };
        if self.agg.is_some() {
            return Err(DaftError::value_error(format!(
                "SQL: window function {f} in an aggregating query is not supported; aggregate \
                 in a subquery first"
            )));
        }
        Expr::window_function(func)?.over(spec)
    }
}

fn span_of(p: &ObjectNamePart) -> Span {
    match p {
        ObjectNamePart::Identifier(i) => i.span,
        ObjectNamePart::Function(f) => f.name.span,
    }
}

fn bool_lit(b: bool) -> ArrayRef {
    Arc::new(BooleanArray::from(vec![b]))
}

/// `-<literal>` as a literal of the same type, where it can be negated.
fn fold_negation(a: ArrayRef) -> Option<Expr> {
    if let Some(i) = a.as_any().downcast_ref::<Int64Array>() {
        return i
            .value(0)
            .checked_neg()
            .map(|v| lit(Arc::new(Int64Array::from(vec![v]))));
    }
    a.as_any()
        .downcast_ref::<Float64Array>()
        .map(|f| lit(Arc::new(Float64Array::from(vec![-f.value(0)]))))
}

fn frame_bound(b: &WindowFrameBound) -> DaftResult<FrameBound> {
    let offset = |e: &SqlExpr, sign: i64| -> DaftResult<FrameBound> {
        match option_value(e)? {
            OptionValue::Int(n) => Ok(FrameBound::Offset(Arc::new(Int64Array::from(vec![
                sign * n,
            ])))),
            OptionValue::Float(x) => Ok(FrameBound::Offset(Arc::new(Float64Array::from(vec![
                sign as f64 * x,
            ])))),
            _ => Err(DaftError::value_error(format!(
                "SQL: a window frame offset must be a number, got {e}"
            ))),
        }
    };
    match b {
        WindowFrameBound::CurrentRow => {
            Ok(FrameBound::Offset(Arc::new(Int64Array::from(vec![0i64]))))
        }
        WindowFrameBound::Preceding(None) | WindowFrameBound::Following(None) => {
            Ok(FrameBound::Unbounded)
        }
        WindowFrameBound::Preceding(Some(e)) => offset(e, -1),
        WindowFrameBound::Following(Some(e)) => offset(e, 1),
    }
}

/// An `ORDER BY` key with Daft's default null placement (nulls last
/// ascending, first descending).
pub(crate) fn order_key(p: &ExprPlanner, o: &OrderByExpr) -> DaftResult<WindowOrder> {
    let descending = o.options.asc == Some(false);
    Ok(WindowOrder {
        expr: p.expr(&o.expr)?,
        descending,
        nulls_first: o.options.nulls_first.unwrap_or(descending),
    })
}

/// Any column name stands for itself (for `sql_expr`: checked when the
/// expression is used on a DataFrame).
struct FreeColumns;

impl Columns for FreeColumns {
    fn column(&self, parts: &[Ident]) -> DaftResult<Expr> {
        Ok(Expr::col(
            parts
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>()
                .join("."),
        ))
    }
}

/// Plans a standalone expression whose column names are not checked yet.
pub(crate) fn free_expr(e: &SqlExpr) -> DaftResult<Expr> {
    let p = ExprPlanner {
        columns: &FreeColumns,
        agg: None,
        clause: "an expression",
        free_aggs: true,
    };
    p.expr(e)
}
