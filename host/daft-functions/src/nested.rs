//! Reading into nested values: an element of a list, a cut of a list or a
//! binary, a field of a struct. Python's `expr[...]`, `daft.functions.get`
//! and `daft.functions.slice` build calls of these.

use std::sync::Arc;

use arrow::array::{
    make_array, new_null_array, Array, ArrayRef, AsArray, BooleanArray, GenericBinaryBuilder,
    GenericListArray, Int64Array, OffsetSizeTrait, UInt64Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::kernels::zip::zip;
use arrow::compute::{can_cast_types, take};
use arrow::datatypes::{DataType, Field, FieldRef};
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};

use crate::util::{cast_to, function, int64_arg, opt};

/// The item field of a list type, `None` for any other type.
pub(crate) fn item_field(dt: &DataType) -> Option<&FieldRef> {
    match dt {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => Some(f),
        _ => None,
    }
}

/// A list column as its child values and, per row, where its elements are
/// in them (`None` for a null list). One shape for the three list layouts.
pub(crate) struct Lists {
    pub(crate) values: ArrayRef,
    pub(crate) rows: Vec<Option<(usize, usize)>>,
}

impl Lists {
    pub(crate) fn new(array: &ArrayRef) -> DaftResult<Self> {
        fn by_offsets<O: OffsetSizeTrait>(l: &GenericListArray<O>) -> Lists {
            let offsets = l.value_offsets();
            let rows = (0..l.len())
                .map(|i| {
                    l.is_valid(i).then(|| {
                        let start = offsets[i].as_usize();
                        (start, offsets[i + 1].as_usize() - start)
                    })
                })
                .collect();
            Lists {
                values: l.values().clone(),
                rows,
            }
        }
        Ok(match array.data_type() {
            DataType::List(_) => by_offsets(array.as_list::<i32>()),
            DataType::LargeList(_) => by_offsets(array.as_list::<i64>()),
            DataType::FixedSizeList(_, n) => {
                let l = array.as_fixed_size_list();
                let n = *n as usize;
                let rows = (0..l.len())
                    .map(|i| l.is_valid(i).then(|| (l.value_offset(i) as usize, n)))
                    .collect();
                Lists {
                    values: l.values().clone(),
                    rows,
                }
            }
            other => {
                return Err(DaftError::Internal(format!(
                    "argument `expr` should be a list, got {other}"
                )))
            }
        })
    }
}

/// Position `k` among `len` elements, Python-style: counted from the end when negative.
fn from_end(k: i64, len: usize) -> i64 {
    if k < 0 {
        len as i64 + k
    } else {
        k
    }
}

/// Python-style index `k` into `len` elements, `None` when out of range.
fn resolve_index(k: i64, len: usize) -> Option<usize> {
    let k = from_end(k, len);
    (0..len as i64).contains(&k).then_some(k as usize)
}

/// Python-style bound `k` of a cut of `len` elements, clamped into `0..=len`.
fn resolve_bound(k: i64, len: usize) -> usize {
    from_end(k, len).clamp(0, len as i64) as usize
}

fn list_get_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    let default = args[2].data_type();
    let Some(item) = item_field(args[0].data_type()) else {
        // An all-null (Null) list: every row is out of range.
        return Ok(default.clone());
    };
    if !can_cast_types(default, item.data_type()) {
        return Err(DaftError::type_error(format!(
            "function list_get: argument `default` (column {:?}) has type {}, which cannot be \
             cast to the list's item type {}",
            args[2].name(),
            display_data_type(default),
            display_data_type(item.data_type()),
        )));
    }
    Ok(item.data_type().clone())
}

fn list_get_kernel(args: &[ArrayRef], _: &FunctionOptions, n: usize) -> DaftResult<ArrayRef> {
    let Some(item) = item_field(args[0].data_type()) else {
        return Ok(args[2].clone());
    };
    let lists = Lists::new(&args[0])?;
    let index = int64_arg(&args[1])?;
    let mut take_at = Vec::with_capacity(n);
    let mut out_of_range = Vec::with_capacity(n);
    for (i, row) in lists.rows.iter().enumerate() {
        let (at, outside) = match (row, opt(&index, i)) {
            // No index, no element: null, not the default.
            (_, None) => (None, false),
            (None, Some(_)) => (None, true),
            (Some((start, len)), Some(k)) => {
                let at = resolve_index(k, *len).map(|j| (start + j) as u64);
                (at, at.is_none())
            }
        };
        take_at.push(at);
        out_of_range.push(outside);
    }
    let taken = take(&lists.values, &UInt64Array::from(take_at), None)?;
    let default = cast_to(&args[2], item.data_type())?;
    Ok(zip(&BooleanArray::from(out_of_range), &default, &taken)?)
}

fn list_get_def() -> FunctionDef {
    function(
        "list_get",
        r#"
Returns the element of each list at an index.

`daft.functions.get(expr, index)` and `expr[index]` call this for an integer
index.

Args:
    expr: A list expression.
    index: An integer expression (often a literal). Negative counts from the
        end: -1 is the last element.
    default: The value where the index is out of range or the list is null,
        cast to the list's item type (`lit(None)` for null).

Returns:
    Expression: Of the list's item type. Null where the index is null, and
    where the element itself is null.

Example:
    >>> df = daft.from_pydict({"xs": [[1, 2, 3], [4], []]})
    >>> df.select(daft.functions.list_get(daft.col("xs"), daft.lit(-1), daft.lit(0)))
"#,
        vec![
            Param::expr("expr", TypeClass::List),
            Param::expr("index", TypeClass::Integer),
            Param::expr("default", TypeClass::Any),
        ],
        list_get_rule,
        list_get_kernel,
    )
}
inventory::submit! { BuiltinFunction(list_get_def) }

fn list_slice_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    Ok(match args[0].data_type() {
        DataType::FixedSizeList(f, _) => DataType::List(f.clone()),
        other => other.clone(),
    })
}

/// Row `i`'s bounds of the cut of `len` elements, or `None` for a null result.
/// An `end` of type Null (the default) means "to the end"; a null `end` in an
/// integer column gives null, as a null `start` does.
fn cut(
    start: &Int64Array,
    end: Option<&Int64Array>,
    i: usize,
    len: usize,
) -> Option<(usize, usize)> {
    let s = resolve_bound(opt(start, i)?, len);
    let e = match end {
        None => len,
        Some(end) => resolve_bound(opt(end, i)?, len),
    };
    Some((s, e.max(s)))
}

fn slice_lists<O: OffsetSizeTrait>(
    lists: &Lists,
    field: FieldRef,
    start: &Int64Array,
    end: Option<&Int64Array>,
) -> DaftResult<ArrayRef> {
    let mut offsets = Vec::with_capacity(lists.rows.len() + 1);
    offsets.push(O::usize_as(0));
    let mut take_at: Vec<u64> = Vec::new();
    let mut valid = Vec::with_capacity(lists.rows.len());
    for (i, row) in lists.rows.iter().enumerate() {
        let bounds = row.and_then(|(first, len)| Some((first, cut(start, end, i, len)?)));
        if let Some((first, (s, e))) = bounds {
            take_at.extend((first + s..first + e).map(|j| j as u64));
        }
        valid.push(bounds.is_some());
        offsets.push(O::usize_as(take_at.len()));
    }
    let values = take(&lists.values, &UInt64Array::from(take_at), None)?;
    let nulls = NullBuffer::from(valid);
    Ok(Arc::new(GenericListArray::<O>::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        values,
        (nulls.null_count() > 0).then_some(nulls),
    )?))
}

fn slice_binary<O: OffsetSizeTrait>(
    array: &ArrayRef,
    start: &Int64Array,
    end: Option<&Int64Array>,
) -> ArrayRef {
    let bytes = array.as_binary::<O>();
    let mut out = GenericBinaryBuilder::<O>::with_capacity(bytes.len(), 0);
    for i in 0..bytes.len() {
        let row = bytes.is_valid(i).then(|| bytes.value(i));
        match row.and_then(|v| Some((v, cut(start, end, i, v.len())?))) {
            Some((v, (s, e))) => out.append_value(&v[s..e]),
            None => out.append_null(),
        }
    }
    Arc::new(out.finish())
}

fn list_slice_kernel(args: &[ArrayRef], _: &FunctionOptions, n: usize) -> DaftResult<ArrayRef> {
    let start = int64_arg(&args[1])?;
    let end = match args[2].data_type() {
        DataType::Null => None,
        _ => Some(int64_arg(&args[2])?),
    };
    let end = end.as_ref();
    Ok(match args[0].data_type() {
        DataType::Null => new_null_array(&DataType::Null, n),
        DataType::List(f) | DataType::FixedSizeList(f, _) => {
            slice_lists::<i32>(&Lists::new(&args[0])?, f.clone(), &start, end)?
        }
        DataType::LargeList(f) => {
            slice_lists::<i64>(&Lists::new(&args[0])?, f.clone(), &start, end)?
        }
        DataType::Binary => slice_binary::<i32>(&args[0], &start, end),
        DataType::LargeBinary => slice_binary::<i64>(&args[0], &start, end),
        other => {
            return Err(DaftError::Internal(format!(
                "argument `expr` should be a list or binary, got {other}"
            )))
        }
    })
}

fn list_slice_def() -> FunctionDef {
    function(
        "list_slice",
        r#"
Returns a cut of each list or binary value, as Python's `value[start:end]`.

`daft.functions.slice(expr, start, end)` and `expr[start:end]` call this.

Args:
    expr: A list or binary expression.
    start: An integer expression: the first index kept. Negative counts from
        the end.
    end: An integer expression: the first index no longer kept, negative
        from the end; `lit(None)` (of type Null) for "to the end". Bounds
        past either end are clamped; `start >= end` gives an empty value.

Returns:
    Expression: Of the input's type (a fixed-size list gives a list). Null
    where the value, `start`, or an integer `end` is null.

Example:
    >>> df = daft.from_pydict({"xs": [[1, 2, 3], [4, 5, 6, 7], [8]]})
    >>> df.select(daft.functions.list_slice(daft.col("xs"), daft.lit(1), daft.lit(-1)))
"#,
        vec![
            Param::expr("expr", TypeClass::ListOrBinary),
            Param::expr("start", TypeClass::Integer),
            Param::expr("end", TypeClass::Integer),
        ],
        list_slice_rule,
        list_slice_kernel,
    )
}
inventory::submit! { BuiltinFunction(list_slice_def) }

fn struct_get_rule(args: &[Field], options: &FunctionOptions) -> DaftResult<DataType> {
    let name = options.str("name").unwrap_or_default();
    let DataType::Struct(fields) = args[0].data_type() else {
        return Ok(DataType::Null);
    };
    match fields.iter().find(|f| f.name() == name) {
        Some(f) => Ok(f.data_type().clone()),
        None => Err(DaftError::value_error(format!(
            "function struct_get: struct column {:?} has no field {name:?}; its fields: [{}]",
            args[0].name(),
            fields
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn struct_get_kernel(
    args: &[ArrayRef],
    options: &FunctionOptions,
    n: usize,
) -> DaftResult<ArrayRef> {
    let name = options.str("name").unwrap_or_default();
    if args[0].data_type() == &DataType::Null {
        return Ok(new_null_array(&DataType::Null, n));
    }
    let structs = args[0].as_struct();
    let child = structs.column_by_name(name).ok_or_else(|| {
        DaftError::Internal(format!(
            "struct_get: field {name:?} vanished after planning"
        ))
    })?;
    // A field of a null struct is null, whatever the child holds under it.
    let nulls = NullBuffer::union(structs.nulls(), child.nulls());
    let data = child.to_data().into_builder().nulls(nulls).build()?;
    Ok(make_array(data))
}

fn struct_get_def() -> FunctionDef {
    function(
        "struct_get",
        r#"
Returns one field of each struct.

`daft.functions.get(expr, "name")` and `expr["name"]` call this, and name the
result after the field.

Args:
    expr: A struct expression.
    name: The field's name (case-sensitive).

Returns:
    Expression: Of the field's type; null where the struct is null.

Example:
    >>> df = daft.from_pydict({"p": [{"x": 1, "y": 2}, None]})
    >>> df.select(daft.functions.struct_get(daft.col("p"), name="x"))
"#,
        vec![
            Param::expr("expr", TypeClass::Struct),
            Param::required_option("name", OptionKind::Str),
        ],
        struct_get_rule,
        struct_get_kernel,
    )
}
inventory::submit! { BuiltinFunction(struct_get_def) }

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BinaryArray, ListArray, StructArray};
    use arrow::datatypes::Int64Type;
    use daft_core::options::OptionValue;

    use crate::util::testing::eval;

    fn lists() -> ArrayRef {
        Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
            Some(vec![Some(1), Some(2), Some(3)]),
            Some(vec![Some(4), None]),
            None,
            Some(vec![]),
        ]))
    }

    fn ints(v: Vec<Option<i64>>) -> ArrayRef {
        Arc::new(Int64Array::from(v))
    }

    fn python_index(xs: &[Option<i64>], k: i64) -> Option<Option<i64>> {
        let j = if k < 0 { xs.len() as i64 + k } else { k };
        (0..xs.len() as i64).contains(&j).then(|| xs[j as usize])
    }

    #[test]
    fn list_get_follows_python_indexing_with_a_default_only_out_of_range() {
        let rows: Vec<Option<Vec<Option<i64>>>> = vec![
            Some(vec![Some(1), Some(2), Some(3)]),
            Some(vec![Some(4), None]),
            None,
            Some(vec![]),
        ];
        for k in -4..=4 {
            let out = eval(
                "list_get",
                &[lists(), ints(vec![Some(k); 4]), ints(vec![Some(-9); 4])],
                &[],
            )
            .unwrap();
            let out = out.as_primitive::<Int64Type>();
            for (i, row) in rows.iter().enumerate() {
                // The oracle: Python's own list indexing.
                let expected = match row {
                    None => Some(-9),
                    Some(xs) => python_index(xs, k).unwrap_or(Some(-9)),
                };
                assert_eq!(opt(out, i), expected, "row {i}, index {k}");
            }
        }
    }

    #[test]
    fn list_get_of_a_null_index_is_null_not_the_default() {
        let out = eval(
            "list_get",
            &[lists(), ints(vec![None; 4]), ints(vec![Some(-9); 4])],
            &[],
        )
        .unwrap();
        assert_eq!(out.null_count(), 4);
    }

    #[test]
    fn list_get_refuses_a_default_that_cannot_become_the_item_type() {
        let def: ArrayRef = Arc::new(StructArray::new_empty_fields(4, None));
        let err = eval("list_get", &[lists(), ints(vec![Some(0); 4]), def], &[]).unwrap_err();
        assert!(err.to_string().contains("default"), "{err}");
    }

    #[test]
    fn list_slice_matches_python_slicing_for_every_bound_pair() {
        let xs = [1i64, 2, 3];
        let list: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
            Some(xs.iter().map(|x| Some(*x)).collect::<Vec<_>>()),
        ]));
        let bin: ArrayRef = Arc::new(BinaryArray::from(vec![Some(&b"abc"[..])]));
        for s in -5i64..=5 {
            for e in -5i64..=5 {
                // The oracle: Python's slice semantics, written out.
                let norm = |k: i64| (if k < 0 { 3 + k } else { k }).clamp(0, 3) as usize;
                let (a, b) = (norm(s), norm(e).max(norm(s)));
                let out = eval(
                    "list_slice",
                    &[list.clone(), ints(vec![Some(s)]), ints(vec![Some(e)])],
                    &[],
                )
                .unwrap();
                let got = out.as_list::<i32>().value(0);
                let got: Vec<i64> = got.as_primitive::<Int64Type>().values().to_vec();
                assert_eq!(got, xs[a..b].to_vec(), "[{s}:{e}]");
                let out = eval(
                    "list_slice",
                    &[bin.clone(), ints(vec![Some(s)]), ints(vec![Some(e)])],
                    &[],
                )
                .unwrap();
                assert_eq!(
                    out.as_binary::<i32>().value(0),
                    &b"abc"[a..b],
                    "bytes [{s}:{e}]"
                );
            }
        }
    }

    #[test]
    fn list_slice_without_an_end_runs_to_the_end_and_a_null_bound_gives_null() {
        let null_end = new_null_array(&DataType::Null, 4);
        let out = eval(
            "list_slice",
            &[lists(), ints(vec![Some(1); 4]), null_end],
            &[],
        )
        .unwrap();
        let out = out.as_list::<i32>();
        assert_eq!(
            out.value(0).as_primitive::<Int64Type>().values().to_vec(),
            vec![2, 3]
        );
        assert!(out.is_null(2));
        let out = eval(
            "list_slice",
            &[
                lists(),
                ints(vec![Some(0); 4]),
                ints(vec![None, Some(1), Some(1), Some(1)]),
            ],
            &[],
        )
        .unwrap();
        assert!(out.is_null(0) && out.is_valid(1));
    }

    #[test]
    fn struct_get_is_null_under_a_null_struct_and_names_missing_fields() {
        let x = ints(vec![Some(1), Some(2)]);
        let s: ArrayRef = Arc::new(StructArray::new(
            vec![Field::new("x", DataType::Int64, true)].into(),
            vec![x],
            Some(NullBuffer::from(vec![true, false])),
        ));
        let name = [("name", OptionValue::Str("x".into()))];
        let out = eval("struct_get", std::slice::from_ref(&s), &name).unwrap();
        assert_eq!(opt(out.as_primitive::<Int64Type>(), 0), Some(1));
        assert!(out.is_null(1));
        let err = eval(
            "struct_get",
            &[s],
            &[("name", OptionValue::Str("z".into()))],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("no field \"z\"; its fields: [x]"),
            "{err}"
        );
    }
}
