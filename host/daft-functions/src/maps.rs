//! Maps and structs built from columns: map_get, map_keys, value_counts
//! (a list's distinct items and their counts, as a map) and to_struct.
//!
//! Keys are compared through arrow's row format, so a map of any key type
//! (strings, numbers, dates, even structs) is looked up the same way.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, ListArray, MapArray, StructArray, UInt32Array,
    UInt64Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::compute::take;
use arrow::datatypes::{DataType, Field, Fields};
use arrow::row::{RowConverter, SortField};
use daft_core::options::FunctionOptions;
use daft_core::registry::{
    BuiltinFunction, FunctionDef, Implementation, OptionKind, Param, Provider, ScalarFunction,
};
use daft_core::types::{display_data_type, supertype, TypeClass};
use daft_core::{DaftError, DaftResult};

use crate::nested::{item_field, Lists};
use crate::util::{cast_to, function};

/// The key and value fields of a map type, or a type error naming `function`.
fn map_fields(function: &str, dt: &DataType) -> DaftResult<(Field, Field)> {
    if let DataType::Map(entries, _) = dt {
        if let DataType::Struct(kv) = entries.data_type() {
            if kv.len() == 2 {
                return Ok((kv[0].as_ref().clone(), kv[1].as_ref().clone()));
            }
        }
    }
    Err(DaftError::type_error(format!(
        "{function}: argument `expr` has type {}; expected a map",
        display_data_type(dt)
    )))
}

fn map_get_def() -> FunctionDef {
    function(
        "map_get",
        r#"
The value of `key` in each map.

Keys compare by value in the map's key type (`key` is cast to it). The
first entry with the key wins where a map repeats it.

Args:
    expr: A map expression.
    key: The key: a literal or an expression.

Returns:
    Expression: Of the map's value type; null where the key is absent, the
    map or the key is null.

Example:
    >>> import pyarrow as pa
    >>> m = pa.array([[("a", 1)], [], None], type=pa.map_(pa.string(), pa.int64()))
    >>> df = daft.from_arrow(pa.table({"m": m}))
    >>> df.select(daft.functions.map_get(daft.col("m"), "a"))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::expr("key", TypeClass::Any),
        ],
        |args, _| {
            if args[0].data_type() == &DataType::Null {
                return Ok(DataType::Null);
            }
            let (key, value) = map_fields("map_get", args[0].data_type())?;
            let k = args[1].data_type();
            if supertype(key.data_type(), k).is_none() {
                return Err(DaftError::type_error(format!(
                    "map_get: argument `key` has type {}, which does not compare with the map's \
                     keys ({})",
                    display_data_type(k),
                    display_data_type(key.data_type())
                )));
            }
            Ok(value.data_type().clone())
        },
        |args, _, n| {
            let m = &args[0];
            if m.data_type() == &DataType::Null {
                return Ok(new_null_array(&DataType::Null, n));
            }
            let (key_field, value_field) = map_fields("map_get", m.data_type())?;
            let map = m.as_map();
            let wanted = cast_to(&args[1], key_field.data_type())?;
            let converter = RowConverter::new(vec![SortField::new(key_field.data_type().clone())])?;
            let keys = converter.convert_columns(&[map.keys().clone()])?;
            let probes = converter.convert_columns(std::slice::from_ref(&wanted))?;
            let offsets = map.value_offsets();
            let indices: UInt32Array = (0..n)
                .map(|i| {
                    if map.is_null(i) || wanted.is_null(i) {
                        return None;
                    }
                    let probe = probes.row(i);
                    (offsets[i] as usize..offsets[i + 1] as usize)
                        .find(|&e| keys.row(e) == probe)
                        .map(|e| e as u32)
                })
                .collect();
            let out = take(map.values().as_ref(), &indices, None)?;
            debug_assert_eq!(out.data_type(), value_field.data_type());
            Ok(out)
        },
    )
}
inventory::submit! { BuiltinFunction(map_get_def) }

fn map_keys_def() -> FunctionDef {
    function(
        "map_keys",
        r#"
The keys of each map, as a list in the map's order.

Args:
    expr: A map expression.

Returns:
    Expression: A list of the key type; null stays null.

Example:
    >>> import pyarrow as pa
    >>> m = pa.array([[("a", 1), ("b", 2)], None], type=pa.map_(pa.string(), pa.int64()))
    >>> df = daft.from_arrow(pa.table({"m": m}))
    >>> df.select(daft.functions.map_keys(daft.col("m")))
"#,
        vec![Param::expr("expr", TypeClass::Any)],
        |args, _| {
            if args[0].data_type() == &DataType::Null {
                return Ok(DataType::List(Arc::new(Field::new(
                    "item",
                    DataType::Null,
                    true,
                ))));
            }
            let (key, _) = map_fields("map_keys", args[0].data_type())?;
            Ok(DataType::List(Arc::new(Field::new(
                "item",
                key.data_type().clone(),
                true,
            ))))
        },
        |args, _, n| {
            let m = &args[0];
            if m.data_type() == &DataType::Null {
                let item = Arc::new(Field::new("item", DataType::Null, true));
                return Ok(new_null_array(&DataType::List(item), n));
            }
            let map = m.as_map();
            let (key, _) = map_fields("map_keys", m.data_type())?;
            let item = Arc::new(Field::new("item", key.data_type().clone(), true));
            let list = ListArray::try_new(
                item,
                map.offsets().clone(),
                map.keys().clone(),
                map.nulls().cloned(),
            )?;
            Ok(Arc::new(list))
        },
    )
}
inventory::submit! { BuiltinFunction(map_keys_def) }

fn counts_type(item: &DataType) -> DataType {
    let entries = Fields::from(vec![
        Field::new("key", item.clone(), false),
        Field::new("value", DataType::UInt64, false),
    ]);
    DataType::Map(
        Arc::new(Field::new("entries", DataType::Struct(entries), false)),
        false,
    )
}

fn value_counts_def() -> FunctionDef {
    function(
        "value_counts",
        r#"
The distinct items of each list and how often each occurs, as a map.

Keys are in the order of their first occurrence; null items are not
counted. A null list gives null (Daft 0.7.26 gives an empty map).

Args:
    expr: A list expression.

Returns:
    Expression: Map from the item type to UInt64 counts.

Example:
    >>> df = daft.from_pydict({"xs": [["a", "b", "a"], [], None]})
    >>> df.select(daft.functions.value_counts(daft.col("xs")))
"#,
        vec![Param::expr("expr", TypeClass::List)],
        |args, _| {
            let item = item_field(args[0].data_type())
                .map(|f| f.data_type().clone())
                .unwrap_or(DataType::Null);
            if matches!(
                item,
                DataType::List(_) | DataType::LargeList(_) | DataType::Map(..)
            ) {
                return Err(DaftError::type_error(format!(
                    "value_counts: the items of `expr` are {}; a map key cannot be a list or map",
                    display_data_type(&item)
                )));
            }
            Ok(counts_type(&item))
        },
        |args, _, n| {
            if args[0].data_type() == &DataType::Null {
                return Ok(new_null_array(&counts_type(&DataType::Null), n));
            }
            let lists = Lists::new(&args[0])?;
            let item = lists.values.data_type().clone();
            let converter = RowConverter::new(vec![SortField::new(item.clone())])?;
            let rows = converter.convert_columns(std::slice::from_ref(&lists.values))?;
            let mut firsts: Vec<u32> = Vec::new();
            let mut counts: Vec<u64> = Vec::new();
            let mut offsets = Vec::with_capacity(n + 1);
            offsets.push(0i32);
            let mut valid = Vec::with_capacity(n);
            let mut seen: HashMap<arrow::row::Row<'_>, usize> = HashMap::new();
            for row in &lists.rows {
                valid.push(row.is_some());
                if let Some((start, len)) = *row {
                    seen.clear();
                    for e in start..start + len {
                        if lists.values.is_null(e) {
                            continue;
                        }
                        match seen.get(&rows.row(e)) {
                            Some(&k) => counts[k] += 1,
                            None => {
                                seen.insert(rows.row(e), counts.len());
                                firsts.push(e as u32);
                                counts.push(1);
                            }
                        }
                    }
                }
                offsets.push(i32::try_from(counts.len()).map_err(|_| {
                    DaftError::compute("value_counts: more than 2^31 entries in one batch")
                })?);
            }
            let keys = take(lists.values.as_ref(), &UInt32Array::from(firsts), None)?;
            let DataType::Map(entries_field, _) = counts_type(&item) else {
                unreachable!("counts_type builds a map")
            };
            let DataType::Struct(kv) = entries_field.data_type() else {
                unreachable!("a map's entries are a struct")
            };
            let entries = StructArray::try_new(
                kv.clone(),
                vec![keys, Arc::new(UInt64Array::from(counts))],
                None,
            )?;
            let nulls = NullBuffer::from(valid);
            let map = MapArray::try_new(
                entries_field,
                OffsetBuffer::new(ScalarBuffer::from(offsets)),
                entries,
                (nulls.null_count() > 0).then_some(nulls),
                false,
            )?;
            Ok(Arc::new(map))
        },
    )
}
inventory::submit! { BuiltinFunction(value_counts_def) }

/// The field names of to_struct, NUL-joined in one option (see
/// daft.functions.to_struct).
fn struct_names(opts: &FunctionOptions, n: usize) -> DaftResult<Vec<String>> {
    let joined = opts.str("names").unwrap_or_default();
    let names: Vec<String> = joined.split('\0').map(str::to_string).collect();
    if names.len() != n {
        return Err(DaftError::value_error(format!(
            "to_struct: {} field names for {n} fields",
            names.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = names.iter().find(|name| !seen.insert(name.as_str())) {
        return Err(DaftError::value_error(format!(
            "to_struct: two fields are named {dup:?}; give one a different name with .alias() \
             or a keyword"
        )));
    }
    Ok(names)
}

/// to_struct: its fields keep the arguments' metadata (a struct of an
/// embedding stays a struct of an embedding), so the kernel needs the
/// argument fields resolved at plan time, not only the arrays.
struct ToStruct;

impl ToStruct {
    fn fields(args: &[Field], opts: &FunctionOptions) -> DaftResult<Fields> {
        let names = struct_names(opts, args.len())?;
        Ok(names
            .iter()
            .zip(args)
            .map(|(name, f)| {
                Field::new(name, f.data_type().clone(), true).with_metadata(f.metadata().clone())
            })
            .collect())
    }
}

impl ScalarFunction for ToStruct {
    fn return_field(&self, args: &[Field], opts: &FunctionOptions) -> DaftResult<Field> {
        Ok(Field::new(
            "struct",
            DataType::Struct(Self::fields(args, opts)?),
            true,
        ))
    }

    fn call(&self, args: &[ArrayRef], opts: &FunctionOptions, n: usize) -> DaftResult<ArrayRef> {
        let fields: Vec<Field> = args
            .iter()
            .map(|a| Field::new("", a.data_type().clone(), true))
            .collect();
        self.call_with_fields(args, &fields, opts, n)
    }

    fn call_with_fields(
        &self,
        args: &[ArrayRef],
        fields: &[Field],
        opts: &FunctionOptions,
        _: usize,
    ) -> DaftResult<ArrayRef> {
        let fields = Self::fields(fields, opts)?;
        Ok(Arc::new(StructArray::try_new(fields, args.to_vec(), None)?))
    }
}

fn to_struct_def() -> FunctionDef {
    FunctionDef {
        name: "to_struct".into(),
        provider: Provider::Builtin,
        doc: r#"
A struct of the given expressions, one field each.

A row is never null: a row where every field is null is a struct of nulls.
Fields keep their logical types (an embedding stays an embedding).

Args:
    *fields: Expressions, named by their names.
    **named_fields: Expressions, named by the keywords.

Returns:
    Expression: Struct with one field per argument, in order.

Example:
    >>> df = daft.from_pydict({"a": ["x", "y"], "b": [1, 2]})
    >>> df.select(daft.functions.to_struct(daft.col("a"), b2=daft.col("b") * 2))
"#
        .trim()
        .to_string(),
        params: vec![
            Param::variadic("fields", TypeClass::Any, 1),
            Param::required_option("names", OptionKind::Str),
        ],
        implementation: Implementation::Scalar(Arc::new(ToStruct)),
    }
}
inventory::submit! { BuiltinFunction(to_struct_def) }
