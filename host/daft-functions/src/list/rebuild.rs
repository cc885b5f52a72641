//! Lists rebuilt from their items: distinct, sort, contains, append, flatten, chunk.

use super::*;

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
