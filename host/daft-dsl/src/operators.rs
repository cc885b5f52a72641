//! Daft's operator kernels, for the operators whose semantics DataFusion's
//! own differ from (`//` floors floats, a difference of two dates is a
//! duration) or whose errors Daft words itself (`%` by zero). The lowering onto DataFusion calls them through a UDF;
//! every other operator lowers to DataFusion's own.

use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, Datum, FixedSizeListArray, Scalar,
    UInt32Array,
};
use arrow::compute::kernels::{boolean, cmp, concat_elements, numeric};
use arrow::compute::{cast, take};
use arrow::datatypes::{DataType, Field};

use daft_core::types::supertype;
use daft_core::{DaftError, DaftResult};

use crate::expr::{binary_output_type, Operator};

/// An operator input or output: a full column, or a literal kept at one
/// row so kernels can treat it as a scalar.
pub enum Operand {
    Array(ArrayRef),
    Scalar(ArrayRef),
}

impl Operand {
    /// The values (one row for a scalar).
    pub fn array(&self) -> &ArrayRef {
        match self {
            Operand::Array(a) | Operand::Scalar(a) => a,
        }
    }

    /// The values as a column of `num_rows` rows.
    pub fn into_array(self, num_rows: usize) -> DaftResult<ArrayRef> {
        match self {
            Operand::Array(a) => Ok(a),
            Operand::Scalar(a) => broadcast(&a, num_rows),
        }
    }

    fn map(self, f: impl FnOnce(&ArrayRef) -> DaftResult<ArrayRef>) -> DaftResult<Operand> {
        Ok(match self {
            Operand::Array(a) => Operand::Array(f(&a)?),
            Operand::Scalar(a) => Operand::Scalar(f(&a)?),
        })
    }

    fn datum(&self) -> Box<dyn Datum> {
        match self {
            Operand::Array(a) => Box::new(a.clone()),
            Operand::Scalar(a) => Box::new(Scalar::new(a.clone())),
        }
    }

    fn is_scalar(&self) -> bool {
        matches!(self, Operand::Scalar(_))
    }
}

/// Repeats a one-row array `num_rows` times (arrays already that long are
/// returned as they are).
pub fn broadcast(array: &ArrayRef, num_rows: usize) -> DaftResult<ArrayRef> {
    if array.len() == num_rows {
        return Ok(array.clone());
    }
    if array.len() != 1 {
        return Err(DaftError::Internal(format!(
            "cannot broadcast an array of {} rows to {num_rows}",
            array.len()
        )));
    }
    if array.is_null(0) {
        return Ok(new_null_array(array.data_type(), num_rows));
    }
    let indices = UInt32Array::from_value(0, num_rows);
    Ok(take(array.as_ref(), &indices, None)?)
}

/// Computes `l op r` with Daft's semantics; two scalars give a scalar.
pub fn eval_operator(op: Operator, l: Operand, r: Operand, n: usize) -> DaftResult<Operand> {
    if let (DataType::FixedSizeList(_, _), DataType::FixedSizeList(_, _)) =
        (l.array().data_type(), r.array().data_type())
    {
        // Only fixed-shape tensors get here: the plan refused other lists.
        return tensor_operator(op, l, r, n);
    }
    let lf = Field::new("l", l.array().data_type().clone(), true);
    let rf = Field::new("r", r.array().data_type().clone(), true);
    let out_type = binary_output_type(op, &lf, &rf).map_err(DaftError::type_error)?;
    let both_scalar = l.is_scalar() && r.is_scalar();
    let rows = if both_scalar { 1 } else { n };
    if out_type == DataType::Null {
        let arr = new_null_array(&DataType::Null, rows);
        return Ok(if both_scalar {
            Operand::Scalar(arr)
        } else {
            Operand::Array(arr)
        });
    }
    let common = if op.is_logical() {
        DataType::Boolean
    } else if op == Operator::TrueDivide {
        DataType::Float64
    } else {
        supertype(lf.data_type(), rf.data_type()).unwrap_or(DataType::Null)
    };
    let l = l.map(|a| Ok(cast(a, &common)?))?;
    let r = r.map(|a| Ok(cast(a, &common)?))?;
    let out: ArrayRef = match op {
        Operator::Plus if daft_core::types::is_string(&common) => {
            let la = l.into_array(rows)?;
            let ra = r.into_array(rows)?;
            let la = cast(&la, &DataType::Utf8)?;
            let ra = cast(&ra, &DataType::Utf8)?;
            concat_elements::concat_elements_dyn(&la, &ra)?
        }
        // Checked: an integer result that does not fit its type is an
        // error, never a wrapped value (docs/reliability.md, "Correct answers").
        Operator::Plus => numeric::add(&*l.datum(), &*r.datum())?,
        Operator::Minus => numeric::sub(&*l.datum(), &*r.datum())?,
        Operator::Multiply => numeric::mul(&*l.datum(), &*r.datum())?,
        Operator::TrueDivide => numeric::div(&*l.datum(), &*r.datum())?,
        Operator::Modulus => modulus(&l, &r)?,
        Operator::FloorDivide => floor_divide(&l, &r, rows)?,
        Operator::Eq => Arc::new(cmp::eq(&*l.datum(), &*r.datum())?),
        Operator::NotEq => Arc::new(cmp::neq(&*l.datum(), &*r.datum())?),
        Operator::Lt => Arc::new(cmp::lt(&*l.datum(), &*r.datum())?),
        Operator::LtEq => Arc::new(cmp::lt_eq(&*l.datum(), &*r.datum())?),
        Operator::Gt => Arc::new(cmp::gt(&*l.datum(), &*r.datum())?),
        Operator::GtEq => Arc::new(cmp::gt_eq(&*l.datum(), &*r.datum())?),
        Operator::Xor => Arc::new(cmp::neq(&*l.datum(), &*r.datum())?),
        Operator::And | Operator::Or => {
            let la = l.into_array(rows)?;
            let ra = r.into_array(rows)?;
            let (la, ra) = (as_bool(&la)?, as_bool(&ra)?);
            Arc::new(if op == Operator::And {
                boolean::and_kleene(la, ra)?
            } else {
                boolean::or_kleene(la, ra)?
            })
        }
    };
    let out = if out.data_type() != &out_type {
        cast(&out, &out_type)?
    } else {
        out
    };
    Ok(if both_scalar {
        Operand::Scalar(out)
    } else {
        Operand::Array(out)
    })
}

/// `l op r` element by element on two fixed-size lists of one size: the
/// operator on their values, regrouped; a row is null where either is.
fn tensor_operator(op: Operator, l: Operand, r: Operand, n: usize) -> DaftResult<Operand> {
    let both_scalar = l.is_scalar() && r.is_scalar();
    let rows = if both_scalar { 1 } else { n };
    let (la, ra) = (l.into_array(rows)?, r.into_array(rows)?);
    let (la, ra) = (la.as_fixed_size_list(), ra.as_fixed_size_list());
    let size = la.value_length();
    if ra.value_length() != size {
        return Err(DaftError::Internal(format!(
            "tensor operator: sizes {size} and {} differ",
            ra.value_length()
        )));
    }
    // The values under a null row are whatever the producer left there: null
    // them first, so a checked operator cannot fail on them.
    let values = eval_operator(
        op,
        Operand::Array(values_with_row_nulls(la)?),
        Operand::Array(values_with_row_nulls(ra)?),
        la.values().len(),
    )?
    .into_array(la.values().len())?;
    let nulls = arrow::buffer::NullBuffer::union(la.nulls(), ra.nulls());
    let item = Arc::new(Field::new("item", values.data_type().clone(), true));
    let out: ArrayRef = Arc::new(FixedSizeListArray::try_new(item, size, values, nulls)?);
    Ok(if both_scalar {
        Operand::Scalar(out)
    } else {
        Operand::Array(out)
    })
}

/// A fixed-size list's values, each null where its row is.
fn values_with_row_nulls(list: &FixedSizeListArray) -> DaftResult<ArrayRef> {
    let values = list.values();
    let Some(rows) = list.nulls() else {
        return Ok(values.clone());
    };
    let size = list.value_length() as usize;
    let per_value =
        arrow::buffer::NullBuffer::from_iter((0..values.len()).map(|i| rows.is_valid(i / size)));
    let nulls = arrow::buffer::NullBuffer::union(values.nulls(), Some(&per_value));
    let data = values.to_data().into_builder().nulls(nulls).build()?;
    Ok(arrow::array::make_array(data))
}

fn as_bool(a: &ArrayRef) -> DaftResult<&BooleanArray> {
    a.as_any()
        .downcast_ref::<BooleanArray>()
        .ok_or_else(|| DaftError::Internal(format!("expected booleans, got {}", a.data_type())))
}

fn is_float(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Float16 | DataType::Float32 | DataType::Float64
    )
}

/// Applies `f` to float operands (cast to Float64 and broadcast) and casts
/// the result back to their common type `dt`.
fn float_binary(
    l: &Operand,
    r: &Operand,
    rows: usize,
    dt: &DataType,
    f: impl Fn(f64, f64) -> f64,
) -> DaftResult<ArrayRef> {
    let la = cast(&broadcast(l.array(), rows)?, &DataType::Float64)?;
    let ra = cast(&broadcast(r.array(), rows)?, &DataType::Float64)?;
    let (la, ra) = (
        la.as_any().downcast_ref::<arrow::array::Float64Array>(),
        ra.as_any().downcast_ref::<arrow::array::Float64Array>(),
    );
    let (Some(la), Some(ra)) = (la, ra) else {
        return Err(DaftError::Internal(
            "float operator: expected Float64".into(),
        ));
    };
    let out: arrow::array::Float64Array = arrow::compute::binary(la, ra, f)?;
    Ok(cast(&out, dt)?)
}

/// Daft's `//`: integers truncate toward zero (`-7 // 2 == -3`, as Rust
/// and SQL divide), floats give `floor(a / b)` (`1.0 // 0.1 == 10.0`,
/// where Python says 9.0). A zero integer divisor is an error.
fn floor_divide(l: &Operand, r: &Operand, rows: usize) -> DaftResult<ArrayRef> {
    let dt = l.array().data_type().clone();
    if is_float(&dt) {
        return float_binary(l, r, rows, &dt, |a, b| (a / b).floor());
    }
    Ok(numeric::div(&*l.datum(), &*r.datum())?)
}

/// Daft's `%`: the remainder of truncated division, with the dividend's
/// sign (`-7 % 2 == -1`), for floats too (C's `fmod`).
fn modulus(l: &Operand, r: &Operand) -> DaftResult<ArrayRef> {
    Ok(numeric::rem(&*l.datum(), &*r.datum())?)
}
