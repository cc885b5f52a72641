//! Two functions for the real Daft (`daft` on PyPI), through its native
//! extension SDK `daft-ext`: `twin_reverse` and `twin_abs`, with the kernels
//! of this engine's built-ins `reverse` and `abs`.

use std::ffi::CStr;
use std::sync::Arc;

use arrow::array::{make_array, Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, Int64Type};
use arrow::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use daft_ext::prelude::*;

#[path = "../../../host/daft-functions/src/arrow_kernels.rs"]
mod arrow_kernels;

#[daft_ext::daft_extension]
struct TwinExtension;

impl DaftExtension for TwinExtension {
    fn install(session: &mut dyn DaftSession) {
        session.define_function(Arc::new(Reverse));
        session.define_function(Arc::new(Abs));
    }
}

fn import(data: ArrowData) -> DaftResult<ArrayRef> {
    let array: FFI_ArrowArray = data.array.into();
    let schema: FFI_ArrowSchema = data.schema.into();
    // SAFETY: the host hands over a valid exported array and its schema.
    let data = unsafe { from_ffi(array, &schema) }?;
    Ok(make_array(data))
}

fn export(array: &dyn Array) -> DaftResult<ArrowData> {
    let (array, schema) = to_ffi(&array.to_data())?;
    Ok(ArrowData {
        array: array.into(),
        schema: schema.into(),
    })
}

fn one_arg(name: &str, args: &[ArrowSchema]) -> DaftResult<Field> {
    match args {
        [a] => Ok(Field::try_from(a)?),
        _ => Err(DaftError::TypeError(format!(
            "{name}: expected 1 argument, got {}",
            args.len()
        ))),
    }
}

struct Reverse;

impl DaftScalarFunction for Reverse {
    fn name(&self) -> &CStr {
        c"twin_reverse"
    }

    fn return_field(&self, args: &[ArrowSchema]) -> DaftResult<ArrowSchema> {
        let field = one_arg("twin_reverse", args)?;
        match field.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => Ok(ArrowSchema::try_from(&Field::new(
                field.name(),
                field.data_type().clone(),
                true,
            ))?),
            other => Err(DaftError::TypeError(format!(
                "twin_reverse: expected a string, got {other}"
            ))),
        }
    }

    fn call(&self, args: Vec<ArrowData>) -> DaftResult<ArrowData> {
        let input = import(args.into_iter().next().expect("one argument"))?;
        match input.data_type() {
            DataType::Utf8 => export(&arrow_kernels::reverse_chars(input.as_string::<i32>())),
            DataType::LargeUtf8 => export(&arrow_kernels::reverse_chars(input.as_string::<i64>())),
            other => Err(DaftError::TypeError(format!(
                "twin_reverse: expected a string, got {other}"
            ))),
        }
    }
}

struct Abs;

impl DaftScalarFunction for Abs {
    fn name(&self) -> &CStr {
        c"twin_abs"
    }

    fn return_field(&self, args: &[ArrowSchema]) -> DaftResult<ArrowSchema> {
        let field = one_arg("twin_abs", args)?;
        match field.data_type() {
            DataType::Int64 => Ok(ArrowSchema::try_from(&Field::new(
                field.name(),
                DataType::Int64,
                true,
            ))?),
            other => Err(DaftError::TypeError(format!(
                "twin_abs: expected Int64, got {other}"
            ))),
        }
    }

    fn call(&self, args: Vec<ArrowData>) -> DaftResult<ArrowData> {
        let input = import(args.into_iter().next().expect("one argument"))?;
        export(&arrow_kernels::abs_int64(input.as_primitive::<Int64Type>())?)
    }
}
