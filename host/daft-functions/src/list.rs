//! Functions over the elements of each list: aggregates of a list
//! (`list_sum`, `list_mean`, `list_min`, `list_max`, `list_count`,
//! `list_bool_and`, `list_bool_or`), `list_join`, `list_distinct`,
//! `list_sort`, `list_contains`, `list_append`, `list_flatten`, `chunk`,
//! and `to_list`, which builds one.
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

// ---------------------------------------------------------------------------
// Aggregates of each list

/// Sum and mean: integers sum exactly as Int64 (UInt64 for unsigned), an
/// overflow being an error as the `sum` aggregation's; floats as Float64
/// (Float32 stays Float32 for the sum).
fn sum_type(item: &DataType) -> DaftResult<DataType> {
    Ok(match item {
        DataType::Null => DataType::Int64,
        DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64 => DataType::Int64,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
            DataType::UInt64
        }
        DataType::Float32 => DataType::Float32,
        DataType::Float16 | DataType::Float64 => DataType::Float64,
        DataType::Decimal128(_, _) => DataType::Float64,
        other => {
            return Err(DaftError::type_error(format!(
                "list_sum: the lists' items must be numbers, got {}",
                display_data_type(other)
            )))
        }
    })
}

/// Per list, the sum of its non-null values; null for a null list, an
/// empty one or one of nulls only (as Daft).
fn list_sums(lists: &Lists, out: &DataType) -> DaftResult<ArrayRef> {
    let values = cast_to(&lists.values, out)?;
    let overflow = |i: usize| {
        DaftError::ComputeError(format!(
            "list_sum: the sum of row {i} overflows {}; cast the items to float64 first",
            display_data_type(out)
        ))
    };
    Ok(match out {
        DataType::Int64 => exact_sums(lists, values.as_primitive::<Int64Type>(), overflow)?,
        DataType::UInt64 => exact_sums(lists, values.as_primitive::<UInt64Type>(), overflow)?,
        _ => {
            let f = cast_to(&values, &DataType::Float64)?;
            let (sums, _) = float_sums(lists, f.as_primitive::<Float64Type>());
            cast_to(&(Arc::new(Float64Array::from(sums)) as ArrayRef), out)?
        }
    })
}

/// Per list, the checked sum of its non-null integers (null for none).
fn exact_sums<T: ArrowPrimitiveType>(
    lists: &Lists,
    v: &PrimitiveArray<T>,
    overflow: impl Fn(usize) -> DaftError,
) -> DaftResult<ArrayRef>
where
    T::Native: CheckedAdd + Zero,
{
    let mut sums = Vec::with_capacity(lists.rows.len());
    for (i, row) in lists.rows.iter().enumerate() {
        let mut acc: Option<T::Native> = None;
        if let Some((s, len)) = row {
            for j in *s..s + len {
                if v.is_valid(j) {
                    let a = acc.unwrap_or_else(T::Native::zero);
                    acc = Some(a.checked_add(&v.value(j)).ok_or_else(|| overflow(i))?);
                }
            }
        }
        sums.push(acc);
    }
    Ok(Arc::new(sums.into_iter().collect::<PrimitiveArray<T>>()))
}

/// Per list, the sum and count of its non-null floats.
fn float_sums(lists: &Lists, v: &Float64Array) -> (Vec<Option<f64>>, Vec<usize>) {
    lists
        .rows
        .iter()
        .map(|row| match row {
            Some((s, len)) => {
                let (mut acc, mut k) = (0.0, 0);
                for j in *s..s + len {
                    if v.is_valid(j) {
                        acc += v.value(j);
                        k += 1;
                    }
                }
                ((k > 0).then_some(acc), k)
            }
            None => (None, 0),
        })
        .unzip()
}

fn list_sum_def() -> FunctionDef {
    function(
        "list_sum",
        r#"
The sum of each list's non-null values.

Integers sum exactly as Int64 (UInt64 for unsigned items); a sum that does
not fit is an error, not a wrapped value. Floats sum as Float64 (Float32
items as Float32).

Args:
    list_expr: A list of numbers.

Returns:
    Expression: The sums; null for a null list, an empty one, or one of
    nulls only.

Example:
    >>> df = daft.from_pydict({"l": [[1, 2, None], [], None]})
    >>> df.select(daft.functions.list_sum(daft.col("l")))
"#,
        vec![list_param()],
        |args, _| sum_type(&item_type("list_sum", &args[0])?),
        |args, _, n| {
            let out = sum_type(&item_of(&args[0]))?;
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(&out, n));
            }
            list_sums(&Lists::new(&args[0])?, &out)
        },
    )
}
inventory::submit! { BuiltinFunction(list_sum_def) }

/// The item type of a list array (Null for an all-null `Null` array).
fn item_of(a: &ArrayRef) -> DataType {
    item_field(a.data_type())
        .map(|f| f.data_type().clone())
        .unwrap_or(DataType::Null)
}

fn list_mean_def() -> FunctionDef {
    function(
        "list_mean",
        r#"
The mean of each list's non-null values, as Float64.

Args:
    list_expr: A list of numbers.

Returns:
    Expression: Float64 means; null for a null list, an empty one, or one
    of nulls only.

Example:
    >>> df = daft.from_pydict({"l": [[1, 2, None], [], None]})
    >>> df.select(daft.functions.list_mean(daft.col("l")))
"#,
        vec![list_param()],
        |args, _| {
            sum_type(&item_type("list_mean", &args[0])?)?;
            Ok(DataType::Float64)
        },
        |args, _, n| {
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(&DataType::Float64, n));
            }
            let lists = Lists::new(&args[0])?;
            let f = cast_to(&lists.values, &DataType::Float64)?;
            let (sums, counts) = float_sums(&lists, f.as_primitive::<Float64Type>());
            let means: Float64Array = sums
                .into_iter()
                .zip(counts)
                .map(|(s, k)| s.map(|s| s / k as f64))
                .collect();
            Ok(Arc::new(means))
        },
    )
}
inventory::submit! { BuiltinFunction(list_mean_def) }

/// `list_min` / `list_max`: the smallest or largest non-null item in the
/// engine's order, picked by row encoding and taken from the items, so any
/// orderable item type works.
fn extreme_def(name: &'static str, largest: bool) -> FunctionDef {
    let doc = format!(
        r#"
The {what} non-null value of each list.

Values compare in the engine's order (every NaN above every number; Daft 0.7.26 skips NaN here, unlike its `{agg}`
aggregation).

Args:
    list_expr: A list of orderable values (numbers, strings, dates, ...).

Returns:
    Expression: Of the item type; null for a null list, an empty one, or one
    of nulls only.

Example:
    >>> df = daft.from_pydict({{"l": [[3, 1, None], [], None]}})
    >>> df.select(daft.functions.{name}(daft.col("l")))
"#,
        what = if largest { "largest" } else { "smallest" },
        agg = if largest { "max" } else { "min" },
    );
    function(
        name,
        &doc,
        vec![list_param()],
        move |args, _| {
            let item = item_type(name, &args[0])?;
            if !RowConverter::supports_fields(&[SortField::new(item.clone())]) {
                return Err(DaftError::type_error(format!(
                    "{name}: items of type {} are not orderable",
                    display_data_type(&item)
                )));
            }
            Ok(item)
        },
        move |args, _, n| {
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(&DataType::Null, n));
            }
            let lists = Lists::new(&args[0])?;
            let rows = rows_of(&lists.values, ascending())?;
            let picks: UInt32Array = lists
                .rows
                .iter()
                .map(|row| {
                    let (s, len) = (*row)?;
                    let valid = (s..s + len).filter(|j| lists.values.is_valid(*j));
                    let pick = if largest {
                        valid.max_by(|a, b| rows.row(*a).cmp(&rows.row(*b)))
                    } else {
                        valid.min_by(|a, b| rows.row(*a).cmp(&rows.row(*b)))
                    };
                    pick.map(|j| j as u32)
                })
                .collect();
            Ok(take(lists.values.as_ref(), &picks, None)?)
        },
    )
}
inventory::submit! { BuiltinFunction(|| extreme_def("list_min", false)) }
inventory::submit! { BuiltinFunction(|| extreme_def("list_max", true)) }

fn count_mode(opts: &FunctionOptions) -> DaftResult<&str> {
    match opts.str("mode").unwrap_or("valid") {
        m @ ("valid" | "null" | "all") => Ok(m),
        other => Err(DaftError::value_error(format!(
            "list_count: mode must be 'valid', 'null' or 'all', got {other:?}"
        ))),
    }
}

fn list_count_def() -> FunctionDef {
    function(
        "list_count",
        r#"
The number of elements of each list.

It counts non-null ones (`mode="valid"`, the default), null ones (`"null"`)
or all (`"all"`).

Args:
    list_expr: A list.
    mode: "valid", "null" or "all".

Returns:
    Expression: UInt64 counts; null for a null list.

Example:
    >>> df = daft.from_pydict({"l": [[1, None, 3], [], None]})
    >>> df.select(daft.functions.list_count(daft.col("l"), "all"))
"#,
        vec![
            list_param(),
            Param::option("mode", OptionKind::Str, OptionValue::Str("valid".into())),
        ],
        |args, opts| {
            item_type("list_count", &args[0])?;
            count_mode(opts)?;
            Ok(DataType::UInt64)
        },
        |args, opts, n| {
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(&DataType::UInt64, n));
            }
            let mode = count_mode(opts)?;
            let lists = Lists::new(&args[0])?;
            let counts: UInt64Array = lists
                .rows
                .iter()
                .map(|row| {
                    let (s, len) = (*row)?;
                    let valid = (s..s + len).filter(|j| lists.values.is_valid(*j)).count();
                    Some(match mode {
                        "valid" => valid,
                        "null" => len - valid,
                        _ => len,
                    } as u64)
                })
                .collect();
            Ok(Arc::new(counts))
        },
    )
}
inventory::submit! { BuiltinFunction(list_count_def) }

fn bool_fold_def(name: &'static str, all: bool) -> FunctionDef {
    let doc = format!(
        r#"
Whether {what} non-null boolean of each list is true.

Args:
    list_expr: A list of booleans.

Returns:
    Expression: Boolean; null for a null list, an empty one, or one of
    nulls only.

Example:
    >>> df = daft.from_pydict({{"l": [[True, None, False], [True], [], None]}})
    >>> df.select(daft.functions.{name}(daft.col("l")))
"#,
        what = if all { "every" } else { "any" },
    );
    function(
        name,
        &doc,
        vec![list_param()],
        move |args, _| match item_type(name, &args[0])? {
            DataType::Boolean | DataType::Null => Ok(DataType::Boolean),
            other => Err(DaftError::type_error(format!(
                "{name}: the lists' items must be booleans, got {}",
                display_data_type(&other)
            ))),
        },
        move |args, _, n| {
            if args[0].data_type() == &DataType::Null || item_of(&args[0]) == DataType::Null {
                return Ok(new_null_array(&DataType::Boolean, n));
            }
            let lists = Lists::new(&args[0])?;
            let v = lists.values.as_boolean();
            let out: BooleanArray = lists
                .rows
                .iter()
                .map(|row| {
                    let (s, len) = (*row)?;
                    let mut valid = (s..s + len).filter(|j| v.is_valid(*j)).peekable();
                    valid.peek()?;
                    Some(if all {
                        valid.all(|j| v.value(j))
                    } else {
                        valid.any(|j| v.value(j))
                    })
                })
                .collect();
            Ok(Arc::new(out))
        },
    )
}
inventory::submit! { BuiltinFunction(|| bool_fold_def("list_bool_and", true)) }
inventory::submit! { BuiltinFunction(|| bool_fold_def("list_bool_or", false)) }

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
// Lists rebuilt from their items: distinct, sort, append, flatten, chunk

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

fn list_distinct_def() -> FunctionDef {
    function(
        "list_distinct",
        r#"
The distinct non-null elements of each list.

They keep the order they first appear in. Every NaN is one value and -0.0 equals 0.0.

Args:
    list_expr: A list.

Returns:
    Expression: A list of the item type; null for a null list.

Example:
    >>> df = daft.from_pydict({"l": [[2, 1, 2, None], [], None]})
    >>> df.select(daft.functions.list_distinct(daft.col("l")))
"#,
        vec![list_param()],
        same_list_rule("list_distinct"),
        |args, _, n| {
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(
                    &same_list_rule("list_distinct")(
                        &[Field::new("", DataType::Null, true)],
                        &FunctionOptions::default(),
                    )?,
                    n,
                ));
            }
            let lists = Lists::new(&args[0])?;
            let rows = rows_of(&lists.values, ascending())?;
            let mut picks = Vec::new();
            let mut lens = Vec::with_capacity(n);
            let mut seen = HashSet::new();
            for row in &lists.rows {
                let Some((s, len)) = *row else {
                    lens.push(None);
                    continue;
                };
                seen.clear();
                let before = picks.len();
                for j in s..s + len {
                    if lists.values.is_valid(j) && seen.insert(rows.row(j)) {
                        picks.push(j as u32);
                    }
                }
                lens.push(Some(picks.len() - before));
            }
            gather(list_field(args[0].data_type()), &lists.values, picks, &lens)
        },
    )
}
inventory::submit! { BuiltinFunction(list_distinct_def) }

fn list_sort_def() -> FunctionDef {
    function(
        "list_sort",
        r#"
The elements of each list sorted.

Values compare in the engine's order (every NaN above every number).

Args:
    list_expr: A list of orderable values.
    desc: Sort descending (default False).
    nulls_first: Put null elements first (default: as `desc`, so nulls are
        last ascending and first descending, as in Daft).

Returns:
    Expression: A list of the item type; null for a null list.

Example:
    >>> df = daft.from_pydict({"l": [[3, None, 1], [], None]})
    >>> df.select(daft.functions.list_sort(daft.col("l"), desc=True))
"#,
        vec![
            list_param(),
            Param::option("desc", OptionKind::Bool, OptionValue::Bool(false)),
            Param::option("nulls_first", OptionKind::Bool, OptionValue::Null),
        ],
        same_list_rule("list_sort"),
        |args, opts, n| {
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(
                    &same_list_rule("list_sort")(&[Field::new("", DataType::Null, true)], opts)?,
                    n,
                ));
            }
            let desc = opts.bool("desc").unwrap_or(false);
            let nulls_first = opts.bool("nulls_first").unwrap_or(desc);
            let lists = Lists::new(&args[0])?;
            let rows = rows_of(
                &lists.values,
                arrow::compute::SortOptions {
                    descending: desc,
                    nulls_first,
                },
            )?;
            let mut picks = Vec::with_capacity(lists.values.len());
            let mut lens = Vec::with_capacity(n);
            for row in &lists.rows {
                let Some((s, len)) = *row else {
                    lens.push(None);
                    continue;
                };
                let start = picks.len();
                picks.extend((s..s + len).map(|j| j as u32));
                picks[start..].sort_by(|a, b| rows.row(*a as usize).cmp(&rows.row(*b as usize)));
                lens.push(Some(len));
            }
            gather(list_field(args[0].data_type()), &lists.values, picks, &lens)
        },
    )
}
inventory::submit! { BuiltinFunction(list_sort_def) }

/// The common item type of a list and a value to combine with its items.
fn item_with(function: &str, list: &Field, other: &Field) -> DaftResult<DataType> {
    let item = item_type(function, list)?;
    supertype(&item, other.data_type()).ok_or_else(|| {
        DaftError::type_error(format!(
            "{function}: the value's type {} has no common type with the lists' items ({})",
            display_data_type(other.data_type()),
            display_data_type(&item)
        ))
    })
}

fn list_contains_def() -> FunctionDef {
    function(
        "list_contains",
        r#"
Whether each list has an element equal to `item`.

NaN equals NaN and -0.0 equals 0.0, as in the engine's distinct.

Args:
    list_expr: A list.
    item: A value or expression of a type comparable with the items.

Returns:
    Expression: Boolean; null where the list or the item is null.

Example:
    >>> df = daft.from_pydict({"l": [[1, 2], [3], None]})
    >>> df.select(daft.functions.list_contains(daft.col("l"), 2))
"#,
        vec![list_param(), Param::expr("item", TypeClass::Any)],
        |args, _| {
            item_with("list_contains", &args[0], &args[1])?;
            Ok(DataType::Boolean)
        },
        |args, _, n| {
            if args[0].data_type() == &DataType::Null || args[1].data_type() == &DataType::Null {
                return Ok(new_null_array(&DataType::Boolean, n));
            }
            let common = item_with(
                "list_contains",
                &Field::new("", args[0].data_type().clone(), true),
                &Field::new("", args[1].data_type().clone(), true),
            )?;
            let lists = Lists::new(&args[0])?;
            let values = cast_to(&lists.values, &common)?;
            let items = cast_to(&args[1], &common)?;
            // Both in one encoding, so equal values have equal bytes.
            let both = concat(&[values.as_ref(), items.as_ref()])?;
            let rows = rows_of(&both, ascending())?;
            let at = values.len();
            let out: BooleanArray = lists
                .rows
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let (s, len) = (*row)?;
                    if items.is_null(i) {
                        return None;
                    }
                    let want = rows.row(at + i);
                    Some((s..s + len).any(|j| values.is_valid(j) && rows.row(j) == want))
                })
                .collect();
            Ok(Arc::new(out))
        },
    )
}
inventory::submit! { BuiltinFunction(list_contains_def) }

fn list_append_def() -> FunctionDef {
    function(
        "list_append",
        r#"
Each list with `other` added at its end.

A null list counts as empty (as in Daft), and a null `other` is appended as
a null element.

Args:
    list_expr: A list.
    other: A value or expression of a type that combines with the items.

Returns:
    Expression: A list of the common item type.

Example:
    >>> df = daft.from_pydict({"l": [[1, 2], [], None]})
    >>> df.select(daft.functions.list_append(daft.col("l"), 9))
"#,
        vec![list_param(), Param::expr("other", TypeClass::Any)],
        |args, _| {
            let item = item_with("list_append", &args[0], &args[1])?;
            Ok(DataType::List(Arc::new(Field::new("item", item, true))))
        },
        |args, _, n| {
            let item = item_with(
                "list_append",
                &Field::new("", args[0].data_type().clone(), true),
                &Field::new("", args[1].data_type().clone(), true),
            )?;
            let (values, rows) = if args[0].data_type() == &DataType::Null {
                (new_null_array(&item, 0), vec![None; n])
            } else {
                let lists = Lists::new(&args[0])?;
                (cast_to(&lists.values, &item)?, lists.rows)
            };
            let others = cast_to(&args[1], &item)?;
            let both = concat(&[values.as_ref(), others.as_ref()])?;
            let mut picks = Vec::with_capacity(both.len());
            let mut lens = Vec::with_capacity(n);
            for (i, row) in rows.iter().enumerate() {
                let (s, len) = row.unwrap_or((0, 0));
                picks.extend((s..s + len).map(|j| j as u32));
                picks.push((values.len() + i) as u32);
                lens.push(Some(len + 1));
            }
            gather(
                Arc::new(Field::new("item", item, true)),
                &both,
                picks,
                &lens,
            )
        },
    )
}
inventory::submit! { BuiltinFunction(list_append_def) }

fn list_flatten_def() -> FunctionDef {
    function(
        "list_flatten",
        r#"
Each list of lists as one list of their elements (one level).

Null inner lists are skipped.

Args:
    list_expr: A list of lists.

Returns:
    Expression: A list of the inner item type; null for a null list.

Example:
    >>> df = daft.from_pydict({"l": [[[1, 2], [3]], [[], None], None]})
    >>> df.select(daft.functions.list_flatten(daft.col("l")))
"#,
        vec![list_param()],
        |args, _| {
            let item = item_type("list_flatten", &args[0])?;
            match item_field(&item) {
                Some(inner) => Ok(DataType::List(inner.clone())),
                None if item == DataType::Null => Ok(DataType::List(Arc::new(Field::new(
                    "item",
                    DataType::Null,
                    true,
                )))),
                None => Err(DaftError::type_error(format!(
                    "list_flatten: argument `list_expr` must be a list of lists, got a list of {}",
                    display_data_type(&item)
                ))),
            }
        },
        |args, _, n| {
            let item = item_of(&args[0]);
            let inner_field = item_field(&item)
                .cloned()
                .unwrap_or_else(|| Arc::new(Field::new("item", DataType::Null, true)));
            if args[0].data_type() == &DataType::Null || item == DataType::Null {
                let out = DataType::List(inner_field);
                return Ok(new_null_array(&out, n));
            }
            let outer = Lists::new(&args[0])?;
            let inner = Lists::new(&outer.values)?;
            let mut picks = Vec::new();
            let mut lens = Vec::with_capacity(n);
            for row in &outer.rows {
                let Some((s, len)) = *row else {
                    lens.push(None);
                    continue;
                };
                let before = picks.len();
                for k in s..s + len {
                    if let Some((is, il)) = inner.rows[k] {
                        picks.extend((is..is + il).map(|j| j as u32));
                    }
                }
                lens.push(Some(picks.len() - before));
            }
            gather(inner_field, &inner.values, picks, &lens)
        },
    )
}
inventory::submit! { BuiltinFunction(list_flatten_def) }

fn chunk_size(opts: &FunctionOptions) -> DaftResult<usize> {
    match opts.int("size") {
        Some(k) if k > 0 && k <= i32::MAX as i64 => Ok(k as usize),
        other => Err(DaftError::value_error(format!(
            "chunk: size must be a positive integer, got {}",
            other.map_or("nothing".to_string(), |k| k.to_string())
        ))),
    }
}

fn chunk_def() -> FunctionDef {
    function(
        "chunk",
        r#"
Each list cut into consecutive chunks of `size` elements.

A last chunk shorter than `size` is dropped, as in Daft.

Args:
    list_expr: A list.
    size: The chunk length (a positive int).

Returns:
    Expression: A list of fixed-size lists of `size` items; null for a null
    list.

Example:
    >>> df = daft.from_pydict({"l": [[1, 2, 3, 4, 5], [], None]})
    >>> df.select(daft.functions.chunk(daft.col("l"), 2))
"#,
        vec![
            list_param(),
            Param::option("size", OptionKind::Int, OptionValue::Null),
        ],
        |args, opts| {
            let item = item_type("chunk", &args[0])?;
            let k = chunk_size(opts)?;
            let chunk = DataType::FixedSizeList(Arc::new(Field::new("item", item, true)), k as i32);
            Ok(DataType::List(Arc::new(Field::new("item", chunk, true))))
        },
        |args, opts, n| {
            let k = chunk_size(opts)?;
            let item = item_of(&args[0]);
            let item_f = Arc::new(Field::new("item", item.clone(), true));
            let chunk_t = DataType::FixedSizeList(item_f.clone(), k as i32);
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(
                    &DataType::List(Arc::new(Field::new("item", chunk_t, true))),
                    n,
                ));
            }
            let lists = Lists::new(&args[0])?;
            let values = cast_to(&lists.values, &item)?;
            let mut picks = Vec::new();
            let mut lens = Vec::with_capacity(n);
            for row in &lists.rows {
                let Some((s, len)) = *row else {
                    lens.push(None);
                    continue;
                };
                let whole = len / k;
                picks.extend((s..s + whole * k).map(|j| j as u32));
                lens.push(Some(whole));
            }
            let picked = take(values.as_ref(), &UInt32Array::from(picks), None)?;
            let chunks: ArrayRef =
                Arc::new(FixedSizeListArray::try_new(item_f, k as i32, picked, None)?);
            lists_of(Arc::new(Field::new("item", chunk_t, true)), &lens, chunks)
        },
    )
}
inventory::submit! { BuiltinFunction(chunk_def) }

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
