//! Functions over the elements of each list. This file: the shared helpers,
//! `list_join`, and `to_list` and `seq`, which build lists; `fold`: the
//! aggregates of a list (`list_sum`, `list_mean`, `list_min`, `list_max`,
//! `list_count`, `list_bool_and`, `list_bool_or`); `rebuild`: lists rebuilt
//! from their items (`list_distinct`, `list_sort`, `list_contains`,
//! `list_append`, `list_flatten`, `chunk`).
//!
//! Element order and equality are the engine's: values are compared by
//! their Arrow row encoding (`arrow::row`), with floats made canonical
//! first so that every NaN is one value above every number and -0.0 equals
//! 0.0, as in the engine's sorts, `min`/`max` and distinct.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, FixedSizeListArray, Float64Array,
    GenericStringBuilder, ListArray, PrimitiveArray, UInt32Array, UInt64Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::{concat, take};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Field, FieldRef, Float32Type, Float64Type, Int64Type, UInt64Type,
};
use arrow::row::{RowConverter, Rows, SortField};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, supertype, TypeClass};
use daft_core::{DaftError, DaftResult};
use num_traits::{CheckedAdd, Zero};

use crate::nested::{item_field, Lists};
use crate::util::{cast_to, function, variadic_names};

mod fold;
mod rebuild;

/// The item type of a list array (Null for an all-null `Null` array).
fn item_of(a: &ArrayRef) -> DataType {
    item_field(a.data_type())
        .map(|f| f.data_type().clone())
        .unwrap_or(DataType::Null)
}

/// The item type of the list argument, or a type error naming `function`.
fn item_type(function: &str, list: &Field) -> DaftResult<DataType> {
    match list.data_type() {
        DataType::Null => Ok(DataType::Null),
        dt => item_field(dt)
            .map(|f| f.data_type().clone())
            .ok_or_else(|| {
                DaftError::type_error(format!(
                    "{function}: argument `list_expr` must be a list, got {}",
                    display_data_type(dt)
                ))
            }),
    }
}

fn list_param() -> Param {
    Param::expr("list_expr", TypeClass::List)
}

/// Floats with one NaN (the positive one) and one zero, for comparing.
fn canonical(values: &ArrayRef) -> DaftResult<ArrayRef> {
    fn fix64(x: f64) -> f64 {
        if x.is_nan() {
            f64::NAN
        } else if x == 0.0 {
            0.0
        } else {
            x
        }
    }
    Ok(match values.data_type() {
        DataType::Float64 => Arc::new(
            values
                .as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(fix64),
        ),
        DataType::Float32 => Arc::new(
            values
                .as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|x| fix64(x as f64) as f32),
        ),
        DataType::Float16 => canonical(&cast_to(values, &DataType::Float32)?)?,
        _ => values.clone(),
    })
}

/// The row encoding of `values` (made canonical), in ascending order with
/// nulls last unless `options` says otherwise.
fn rows_of(values: &ArrayRef, options: arrow::compute::SortOptions) -> DaftResult<Rows> {
    let values = canonical(values)?;
    let converter = RowConverter::new(vec![SortField::new_with_options(
        values.data_type().clone(),
        options,
    )])?;
    Ok(converter.convert_columns(&[values])?)
}

fn ascending() -> arrow::compute::SortOptions {
    arrow::compute::SortOptions {
        descending: false,
        nulls_first: false,
    }
}

/// A list column over `values` picked by `picks` (indices into them), the
/// rows' lengths given by `lens`; `None` lengths are null lists.
fn gather(
    item: FieldRef,
    values: &ArrayRef,
    picks: Vec<u32>,
    lens: &[Option<usize>],
) -> DaftResult<ArrayRef> {
    let picked = take(values.as_ref(), &UInt32Array::from(picks), None)?;
    lists_of(item, lens, picked)
}

/// A list column over `values`, in order, the rows' lengths given by
/// `lens`; `None` lengths are null lists.
fn lists_of(item: FieldRef, lens: &[Option<usize>], values: ArrayRef) -> DaftResult<ArrayRef> {
    let offsets = OffsetBuffer::<i32>::from_lengths(lens.iter().map(|l| l.unwrap_or(0)));
    let nulls = NullBuffer::from(lens.iter().map(Option::is_some).collect::<Vec<_>>());
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    Ok(Arc::new(ListArray::try_new(item, offsets, values, nulls)?))
}

/// The list field of a function's output: the input's item, as a `List`.
fn list_field(list: &DataType) -> FieldRef {
    item_field(list)
        .cloned()
        .unwrap_or_else(|| Arc::new(Field::new("item", DataType::Null, true)))
}

fn same_list_rule(
    function: &'static str,
) -> impl Fn(&[Field], &FunctionOptions) -> DaftResult<DataType> {
    move |args, _| {
        item_type(function, &args[0])?;
        Ok(match args[0].data_type() {
            DataType::Null => DataType::List(Arc::new(Field::new("item", DataType::Null, true))),
            dt => DataType::List(list_field(dt)),
        })
    }
}

// ---------------------------------------------------------------------------
// list_join

fn list_join_def() -> FunctionDef {
    function(
        "list_join",
        r#"
The elements of each list as one string, `delimiter` between them.

Items are cast to strings; a null item counts as an empty string, as in
Daft (`["a", None, "b"]` joined by "-" is "a--b").

Args:
    list_expr: A list.
    delimiter: A string expression (often a literal).

Returns:
    Expression: Strings; null for a null list or a null delimiter; "" for
    an empty list.

Example:
    >>> df = daft.from_pydict({"l": [["a", "b"], [], None]})
    >>> df.select(daft.functions.list_join(daft.col("l"), ", "))
"#,
        vec![list_param(), Param::expr("delimiter", TypeClass::String)],
        |args, _| {
            item_type("list_join", &args[0])?;
            Ok(DataType::Utf8)
        },
        |args, _, n| {
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(&DataType::Utf8, n));
            }
            let lists = Lists::new(&args[0])?;
            let items = cast_to(&lists.values, &DataType::Utf8)?;
            let items = items.as_string::<i32>();
            let delims = cast_to(&args[1], &DataType::Utf8)?;
            let delims = delims.as_string::<i32>();
            let mut out = GenericStringBuilder::<i32>::with_capacity(n, items.value_data().len());
            let mut buf = String::new();
            for (i, row) in lists.rows.iter().enumerate() {
                match (row, delims.is_valid(i)) {
                    (Some((s, len)), true) => {
                        buf.clear();
                        for (k, j) in (*s..s + len).enumerate() {
                            if k > 0 {
                                buf.push_str(delims.value(i));
                            }
                            if items.is_valid(j) {
                                buf.push_str(items.value(j));
                            }
                        }
                        out.append_value(&buf);
                    }
                    _ => out.append_null(),
                }
            }
            Ok(Arc::new(out.finish()))
        },
    )
}
inventory::submit! { BuiltinFunction(list_join_def) }

// ---------------------------------------------------------------------------
// to_list

fn to_list_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    let names = variadic_names(&[], "items", args.len());
    let item = crate::util::common_type(args, &names)?;
    Ok(DataType::List(Arc::new(Field::new("item", item, true))))
}

fn to_list_def() -> FunctionDef {
    function(
        "to_list",
        r#"
A list of the arguments' values, row by row.

All arguments are cast to their common type first.

Args:
    *items: One or more expressions (or literals).

Returns:
    Expression: A list of as many elements as arguments; null values stay
    null elements.

Example:
    >>> df = daft.from_pydict({"a": [1, 2], "b": [3, None]})
    >>> df.select(daft.functions.to_list(daft.col("a"), daft.col("b")))
"#,
        vec![Param::variadic("items", TypeClass::Any, 1)],
        to_list_rule,
        |args, opts, n| {
            let fields: Vec<Field> = args
                .iter()
                .map(|a| Field::new("", a.data_type().clone(), true))
                .collect();
            let DataType::List(item) = to_list_rule(&fields, opts)? else {
                unreachable!("to_list_rule returns a list")
            };
            let cast: Vec<ArrayRef> = args
                .iter()
                .map(|a| cast_to(a, item.data_type()))
                .collect::<DaftResult<_>>()?;
            let refs: Vec<&dyn Array> = cast.iter().map(|a| a.as_ref()).collect();
            let all = concat(&refs)?;
            let k = args.len();
            // Row i takes element i of each argument, in argument order.
            let picks: Vec<u32> = (0..n)
                .flat_map(|i| (0..k).map(move |a| (a * n + i) as u32))
                .collect();
            gather(item, &all, picks, &vec![Some(k); n])
        },
    )
}
inventory::submit! { BuiltinFunction(to_list_def) }

fn seq_def() -> FunctionDef {
    function(
        "seq",
        r#"
The list [0, 1, ..., n - 1] for each integer n.

Args:
    n: An integer expression.

Returns:
    Expression: Lists of UInt64; empty for 0 or less; null for null.

Example:
    >>> df = daft.from_pydict({"n": [3, 0, None]})
    >>> df.select(daft.functions.seq(daft.col("n")))
"#,
        vec![Param::expr("n", TypeClass::Integer)],
        |_, _| {
            Ok(DataType::List(Arc::new(Field::new(
                "item",
                DataType::UInt64,
                true,
            ))))
        },
        |args, _, n| {
            let k = crate::util::int64_arg(&args[0])?;
            let lens: Vec<Option<usize>> = (0..n)
                .map(|i| crate::util::opt(&k, i).map(|v| v.max(0) as usize))
                .collect();
            let total: usize = lens.iter().flatten().sum();
            if total > i32::MAX as usize {
                return Err(DaftError::value_error(format!(
                    "seq: the lists would hold {total} values, more than one column can"
                )));
            }
            let values: UInt64Array = lens
                .iter()
                .flat_map(|l| 0..l.unwrap_or(0) as u64)
                .map(Some)
                .collect();
            lists_of(
                Arc::new(Field::new("item", DataType::UInt64, true)),
                &lens,
                Arc::new(values),
            )
        },
    )
}
inventory::submit! { BuiltinFunction(seq_def) }
