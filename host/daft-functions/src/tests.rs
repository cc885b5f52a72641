//! Tests over the whole registry: every built-in is documented, checked at
//! plan time, and row-wise on sliced, empty and all-null input.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, DurationMicrosecondArray, Float64Array, Int64Array, ListArray,
    NullArray, StringArray, StructArray, TimestampMicrosecondArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Int64Type};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{global, FunctionDef, ParamKind, Provider};
use daft_core::types::TypeClass;
use daft_core::DaftError;

use crate::util::testing::eval;

const ROWS: usize = 10;

/// A sample column for a parameter class, with nulls in the middle. Strings
/// are all valid regular expressions and non-empty separators, so every
/// function can run on them.
fn sample(class: TypeClass) -> ArrayRef {
    match class {
        TypeClass::Numeric => Arc::new(Float64Array::from(vec![
            Some(1.5),
            Some(-2.0),
            None,
            Some(0.0),
            Some(4.25),
            Some(f64::NAN),
            Some(9.0),
            Some(-0.5),
            None,
            Some(2.5),
        ])),
        TypeClass::Integer | TypeClass::Any => Arc::new(Int64Array::from(vec![
            Some(1),
            Some(0),
            None,
            Some(2),
            Some(3),
            Some(-1),
            Some(5),
            None,
            Some(1),
            Some(2),
        ])),
        TypeClass::String | TypeClass::BinaryLike => Arc::new(StringArray::from(vec![
            Some("hello"),
            Some("World"),
            None,
            Some("a b"),
            Some("ll"),
            Some("ab"),
            Some("aab"),
            Some(" x "),
            None,
            Some("b"),
        ])),
        TypeClass::Boolean => Arc::new(BooleanArray::from(vec![
            Some(true),
            Some(false),
            None,
            Some(true),
            Some(false),
            Some(true),
            None,
            Some(false),
            Some(true),
            Some(true),
        ])),
        TypeClass::List | TypeClass::ListOrBinary => {
            Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
                Some(vec![Some(1), Some(2), Some(3)]),
                Some(vec![]),
                None,
                Some(vec![Some(4), None]),
                Some(vec![Some(5)]),
                Some(vec![Some(-1), Some(0)]),
                None,
                Some(vec![Some(6), Some(7), Some(8), Some(9)]),
                Some(vec![None]),
                Some(vec![Some(2)]),
            ]))
        }
        TypeClass::DateLike | TypeClass::TimeLike | TypeClass::Timestamp => Arc::new(
            TimestampMicrosecondArray::from(vec![
                Some(0),
                Some(-1),
                None,
                Some(1_735_603_198_123_456),
                Some(86_399_999_999),
                Some(-62_135_596_800_000_000),
                None,
                Some(253_402_300_799_999_999),
                Some(1),
                Some(951_782_400_000_000),
            ])
            .with_timezone("Asia/Tokyo"),
        ),
        TypeClass::Duration => Arc::new(DurationMicrosecondArray::from(vec![
            Some(0),
            Some(-1),
            None,
            Some(93_600_000_005),
            Some(i64::MAX),
            Some(i64::MIN),
            None,
            Some(-90_000_000),
            Some(1),
            Some(86_400_000_000),
        ])),
        TypeClass::Struct => Arc::new(StructArray::new(
            vec![Field::new("x", DataType::Int64, true)].into(),
            vec![sample(TypeClass::Integer)],
            Some(NullBuffer::from(
                (0..ROWS).map(|i| i != 4).collect::<Vec<bool>>(),
            )),
        )),
        // Only plugins declare these; no built-in does.
        TypeClass::Exact(_) | TypeClass::Extension(_, _) | TypeClass::SameAs(_) => {
            unreachable!("no built-in declares {class:?}")
        }
    }
}

/// A Map<Int64, Int64> column with nulls, empty maps and a sliced-safe layout.
fn sample_map() -> ArrayRef {
    let keys = Int64Array::from_iter_values(0..20);
    let values = Int64Array::from_iter((0..20).map(|i| (i % 3 != 0).then_some(i * i)));
    let entries = StructArray::new(
        vec![
            Field::new("key", DataType::Int64, false),
            Field::new("value", DataType::Int64, true),
        ]
        .into(),
        vec![Arc::new(keys), Arc::new(values)],
        None,
    );
    let offsets = arrow::buffer::OffsetBuffer::<i32>::from_lengths([2, 0, 3, 1, 4, 2, 0, 3, 2, 3]);
    let field = Arc::new(Field::new("entries", entries.data_type().clone(), false));
    let nulls = NullBuffer::from((0..ROWS).map(|i| i != 6).collect::<Vec<bool>>());
    Arc::new(arrow::array::MapArray::new(
        field,
        offsets,
        entries,
        Some(nulls),
        false,
    ))
}

/// Arguments for a call of `def`: one sample per fixed parameter and two
/// for a variadic one (one for `substr`, whose variadic is an optional
/// single `length`).
fn sample_args(def: &FunctionDef) -> Vec<ArrayRef> {
    let mut args: Vec<ArrayRef> = Vec::new();
    for p in &def.params {
        match &p.kind {
            // chr refuses numbers that are no code point, split_part a part
            // 0 and shifts a negative amount, all of which the generic
            // sample has.
            ParamKind::Expr(_) if def.name == "chr" || p.name == "part" || p.name == "num_bits" => {
                let base = match def.name.as_str() {
                    "chr" => 65,
                    "split_part" => 1,
                    _ => 0,
                };
                args.push(Arc::new(arrow::array::Int64Array::from_iter(
                    (0..ROWS).map(|i| (i % 3 != 1).then_some(base + (i % 4) as i64)),
                )) as ArrayRef)
            }
            // List functions over other item types: the Int64 sample's
            // items cast to booleans, or each wrapped in a one-item list.
            ParamKind::Expr(TypeClass::List) if def.name.starts_with("list_bool_") => {
                let item = Arc::new(Field::new("item", DataType::Boolean, true));
                let to = DataType::List(item);
                args.push(arrow::compute::cast(&sample(TypeClass::List), &to).unwrap())
            }
            ParamKind::Expr(TypeClass::List) if def.name == "list_flatten" => {
                let inner = sample(TypeClass::List);
                let n = inner.len();
                let item = Arc::new(Field::new("item", inner.data_type().clone(), true));
                let offsets = arrow::buffer::OffsetBuffer::<i32>::from_lengths(vec![1; n]);
                args.push(Arc::new(ListArray::new(item, offsets, inner, None)) as ArrayRef)
            }
            // jq and deserialize refuse text that is no JSON.
            ParamKind::Expr(TypeClass::String)
                if matches!(def.name.as_str(), "jq" | "deserialize") =>
            {
                args.push(Arc::new(StringArray::from_iter(
                    (0..ROWS).map(|i| (i % 4 != 2).then(|| format!("{}", i * 7))),
                )) as ArrayRef)
            }
            // Parsers refuse text that is no date.
            ParamKind::Expr(TypeClass::String) if def.name.starts_with("to_date") => {
                args.push(Arc::new(StringArray::from_iter(
                    (0..ROWS).map(|i| (i % 4 != 2).then(|| format!("{}-01-02", 1990 + i))),
                )) as ArrayRef)
            }
            // Maps: the list sample's items as keys, their squares as values.
            ParamKind::Expr(_) if def.name.starts_with("map_") && p.name == "expr" => {
                args.push(sample_map())
            }
            // UUIDv7 parts read 16-byte values.
            ParamKind::Expr(_) if def.name.ends_with("_uuid7") => args.push(Arc::new(
                arrow::array::FixedSizeBinaryArray::try_from_sparse_iter_with_size(
                    (0..ROWS).map(|i| (i % 4 != 2).then_some([i as u8; 16])),
                    16,
                )
                .unwrap(),
            )
                as ArrayRef),
            // Only compressed bytes decompress.
            ParamKind::Expr(_) if def.name == "decompress" => {
                let gzip = [("codec", OptionValue::Str("gzip".into()))];
                args.push(eval("compress", &[sample(TypeClass::String)], &gzip).unwrap())
            }
            ParamKind::Expr(class) => args.push(sample(*class)),
            ParamKind::Variadic { accepts, .. } => {
                let count = if def.name == "substr" { 1 } else { 2 };
                args.extend((0..count).map(|_| sample(*accepts)));
            }
            ParamKind::Option { .. } => {}
        }
    }
    args
}

/// Options for the sweep: only the required ones need a value.
fn sample_options(def: &FunctionDef) -> Vec<(&'static str, OptionValue)> {
    match def.name.as_str() {
        "cast" => vec![("dtype", OptionValue::data_type(DataType::Utf8))],
        "struct_get" => vec![("name", OptionValue::Str("x".into()))],
        "chunk" => vec![("size", OptionValue::Int(2))],
        "concat_ws" => vec![("sep", OptionValue::Str("-".into()))],
        "count_matches" => vec![("patterns", OptionValue::Str("a".into()))],
        "encode" | "try_encode" | "decode" | "try_decode" => {
            vec![("charset", OptionValue::Str("utf-8".into()))]
        }
        "compress" | "try_compress" | "decompress" | "try_decompress" => {
            vec![("codec", OptionValue::Str("gzip".into()))]
        }
        "jq" => vec![("filter", OptionValue::Str(".".into()))],
        "json_tuple" => vec![("fields", OptionValue::Str("a\0b".into()))],
        "serialize" => vec![("format", OptionValue::Str("json".into()))],
        "deserialize" | "try_deserialize" => vec![
            ("format", OptionValue::Str("json".into())),
            ("dtype", OptionValue::data_type(DataType::Int64)),
        ],
        "to_struct" => vec![("names", OptionValue::Str("a\0b".into()))],
        "partition_iceberg_bucket" => vec![("n", OptionValue::Int(16))],
        "partition_iceberg_truncate" => vec![("w", OptionValue::Int(3))],
        "conv" => vec![
            ("from_base", OptionValue::Int(10)),
            ("to_base", OptionValue::Int(16)),
        ],
        "minhash" => vec![
            ("num_hashes", OptionValue::Int(4)),
            ("ngram_size", OptionValue::Int(2)),
        ],
        "next_day" => vec![("day_of_week", OptionValue::Str("Mon".into()))],
        "date_trunc" => vec![("interval", OptionValue::Str("2 hours".into()))],
        "to_date" | "to_datetime" => vec![("format", OptionValue::Str("%Y-%m-%d".into()))],
        "convert_time_zone" => vec![("to_timezone", OptionValue::Str("UTC".into()))],
        "from_utc_timestamp" | "to_utc_timestamp" => {
            vec![("timezone", OptionValue::Str("Europe/Berlin".into()))]
        }
        _ => vec![],
    }
}

#[test]
fn registry_holds_at_least_forty_documented_builtins() {
    let functions = global().functions();
    let builtins: Vec<_> = functions
        .iter()
        .filter(|f| f.provider == Provider::Builtin)
        .collect();
    assert!(builtins.len() >= 40, "only {} built-ins", builtins.len());
    for f in builtins {
        let doc = &f.doc;
        assert!(!doc.trim().is_empty(), "{} has no doc", f.name);
        let mut lines = doc.lines();
        let summary = lines.next().unwrap_or_default();
        assert!(
            !summary.is_empty(),
            "{}: doc must start with a summary",
            f.name
        );
        assert_eq!(
            lines.next(),
            Some(""),
            "{}: blank line after summary",
            f.name
        );
        for section in ["Args:", "Returns:", "Example:", ">>> "] {
            assert!(doc.contains(section), "{}: doc lacks {section:?}", f.name);
        }
        assert!(
            doc.contains(&format!("daft.functions.{}(", f.name)),
            "{}: example does not call the function",
            f.name
        );
    }
}

#[test]
fn resolve_rejects_wrong_arity_naming_the_function() {
    let lower = global().lookup("lower").unwrap();
    let s = Field::new("s", DataType::Utf8, true);
    let err = lower
        .resolve(&[s.clone(), s], &FunctionOptions::default())
        .unwrap_err();
    assert!(matches!(err, DaftError::TypeError(_)));
    let msg = err.to_string();
    assert!(msg.contains("lower") && msg.contains("got 2"), "{msg}");

    let concat = global().lookup("concat").unwrap();
    let err = concat
        .resolve(&[], &FunctionOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("at least 1"), "{err}");
}

#[test]
fn resolve_rejects_wrong_argument_type_naming_argument_got_and_accepted() {
    let def = global().lookup("startswith").unwrap();
    let args = [
        Field::new("s", DataType::Utf8, true),
        Field::new("p", DataType::Int64, true),
    ];
    let err = def.resolve(&args, &FunctionOptions::default()).unwrap_err();
    assert!(matches!(err, DaftError::TypeError(_)));
    let msg = err.to_string();
    for part in ["startswith", "prefix", "Int64", "string"] {
        assert!(msg.contains(part), "{msg:?} lacks {part:?}");
    }

    let def = global().lookup("sqrt").unwrap();
    let err = def
        .resolve(
            &[Field::new("x", DataType::Utf8, true)],
            &FunctionOptions::default(),
        )
        .unwrap_err();
    let msg = err.to_string();
    for part in ["sqrt", "expr", "String", "numeric"] {
        assert!(msg.contains(part), "{msg:?} lacks {part:?}");
    }
}

#[test]
fn every_builtin_is_row_wise_on_sliced_and_empty_input() {
    // Generators (uuid, random_int) draw anew on every call; generate.rs and
    // the Python tests check them.
    for def in global().functions() {
        if def.scalar().unwrap().is_volatile() {
            continue;
        }
        let name = def.name.as_str();
        let args = sample_args(&def);
        let opts = sample_options(&def);
        let full = eval(name, &args, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(full.len(), ROWS, "{name}");

        let sliced: Vec<ArrayRef> = args.iter().map(|a| a.slice(3, 5)).collect();
        let part = eval(name, &sliced, &opts).unwrap_or_else(|e| panic!("{name} sliced: {e}"));
        assert_eq!(&part, &full.slice(3, 5), "{name}: sliced input differs");

        let empty: Vec<ArrayRef> = args.iter().map(|a| a.slice(0, 0)).collect();
        let none = eval(name, &empty, &opts).unwrap_or_else(|e| panic!("{name} empty: {e}"));
        assert_eq!(none.len(), 0, "{name}");
    }
}

#[test]
fn every_builtin_accepts_all_null_columns() {
    for def in global()
        .functions()
        .into_iter()
        .filter(|d| !d.scalar().unwrap().is_volatile())
    {
        let name = def.name.as_str();
        let args: Vec<ArrayRef> = sample_args(&def)
            .iter()
            .map(|_| Arc::new(NullArray::new(4)) as ArrayRef)
            .collect();
        let out = eval(name, &args, &sample_options(&def))
            .unwrap_or_else(|e| panic!("{name} on nulls: {e}"));
        // is_null / not_null answer for nulls; hash gives Daft's hash of a
        // null (XXH3 of no bytes).
        // concat_ws skips nulls, so all nulls join to ""; list_append
        // takes a null list as empty and appends the null; to_list makes a
        // list of the nulls, to_struct a struct of them.
        if !matches!(
            name,
            "is_null" | "not_null" | "hash" | "concat_ws" | "list_append" | "to_list" | "to_struct"
        ) {
            assert_eq!(out.logical_null_count(), 4, "{name}: null in, null out");
        }
    }
}

#[test]
fn string_builtins_accept_large_and_view_strings_in_any_mix() {
    for def in global().functions() {
        let name = def.name.as_str();
        let base = sample_args(&def);
        let Some(first_string) = base.iter().position(|a| a.data_type() == &DataType::Utf8) else {
            continue;
        };
        let reference = eval(name, &base, &sample_options(&def)).unwrap();
        for (first, rest) in [
            (DataType::LargeUtf8, DataType::Utf8View),
            (DataType::Utf8View, DataType::LargeUtf8),
        ] {
            let args: Vec<ArrayRef> = base
                .iter()
                .enumerate()
                .map(|(i, a)| match a.data_type() {
                    DataType::Utf8 if i == first_string => arrow::compute::cast(a, &first),
                    DataType::Utf8 => arrow::compute::cast(a, &rest),
                    _ => Ok(a.clone()),
                })
                .collect::<Result<_, _>>()
                .unwrap();
            let out = eval(name, &args, &sample_options(&def))
                .unwrap_or_else(|e| panic!("{name} with {first}/{rest}: {e}"));
            assert_eq!(
                out.logical_nulls(),
                reference.logical_nulls(),
                "{name} with {first}/{rest}: nulls differ from Utf8 input"
            );
        }
    }
}
