//! The aggregates of each list: sum, mean, min, max, count and the boolean folds.

use super::*;

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
