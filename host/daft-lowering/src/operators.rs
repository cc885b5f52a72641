//! Daft's operators whose semantics DataFusion's own operators do not
//! share, run as a DataFusion UDF over the kernels of `daft_dsl::operators`:
//! `//` and `%` follow Python (floor division, the remainder takes the
//! divisor's sign), and the difference of two dates or timestamps is a
//! duration. Every other operator lowers to DataFusion's own.

use std::hash::{Hash, Hasher};

use arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use daft_core::DaftError;
use daft_dsl::{eval_operator, Operand, Operator};

use crate::error::to_df;

/// `left op right` with Daft's semantics, as a two-argument UDF.
#[derive(Debug)]
pub struct OperatorUdf {
    pub(crate) op: Operator,
    name: String,
    /// The output type Daft's type rules gave at plan time.
    pub(crate) output: DataType,
    /// The expression as the user wrote it, for error messages.
    pub(crate) shown: String,
    signature: Signature,
}

impl OperatorUdf {
    /// The UDF for `op` producing `output`; `shown` is the expression's
    /// text, used in error messages.
    pub fn new(op: Operator, output: DataType, shown: String) -> Self {
        OperatorUdf {
            name: format!("daft_op{}", op.symbol()),
            op,
            output,
            shown,
            signature: Signature::any(2, Volatility::Immutable),
        }
    }

    /// An error of this operator with the expression in front; an integer
    /// overflow says which values did not fit and what to do.
    fn explain(&self, e: DaftError) -> DaftError {
        let arith = matches!(
            self.op,
            Operator::Plus | Operator::Minus | Operator::Multiply
        );
        match e {
            DaftError::ComputeError(m) if arith && m.starts_with("arithmetic overflow") => {
                let values = m
                    .split_once("Overflow happened on: ")
                    .map_or(m.as_str(), |(_, v)| v);
                DaftError::ComputeError(format!(
                    "{} overflows {}: {values} does not fit; cast the operands to a wider \
                     integer type or to float64 first",
                    self.shown, self.output
                ))
            }
            e => e.context(format!("evaluating {}", self.shown)),
        }
    }
}

fn operand(v: &ColumnarValue) -> DfResult<Operand> {
    Ok(match v {
        ColumnarValue::Array(a) => Operand::Array(a.clone()),
        ColumnarValue::Scalar(s) => Operand::Scalar(s.to_array()?),
    })
}

impl PartialEq for OperatorUdf {
    fn eq(&self, other: &Self) -> bool {
        self.op == other.op && self.output == other.output
    }
}

impl Eq for OperatorUdf {}

impl Hash for OperatorUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.output.hash(state);
    }
}

impl ScalarUDFImpl for OperatorUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(self.output.clone())
    }

    /// The expression's Daft text. DataFusion's default builds the name
    /// from the arguments' names, a new string per level, and its
    /// optimizer asks for names at every level: nested operators made
    /// planning cubic in the depth. This text is already whole, and it
    /// tells distinct expressions apart as the default name does.
    fn schema_name(&self, _args: &[datafusion::logical_expr::Expr]) -> DfResult<String> {
        Ok(self.shown.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let [l, r] = args.args.as_slice() else {
            return Err(datafusion::common::DataFusionError::Internal(format!(
                "{} takes two arguments",
                self.name
            )));
        };
        let out = eval_operator(self.op, operand(l)?, operand(r)?, args.number_rows)
            .map_err(|e| to_df(self.explain(e)))?;
        Ok(match out {
            Operand::Array(a) => ColumnarValue::Array(a),
            Operand::Scalar(a) => ColumnarValue::Scalar(ScalarValue::try_from_array(&a, 0)?),
        })
    }
}
