//! JSON text: jq filters (on jaq, the maintained Rust jq), the length of an
//! array, the keys of an object, Spark's json_tuple, and serialize /
//! deserialize between any column and JSON text (on arrow-json).
//!
//! Where Daft 0.7.26 differs on purpose: a jq filter with no output gives
//! null (Daft gives ""); json_object_keys keeps the document's key order
//! (Daft sorts them); json_tuple gives null for a JSON null (Daft gives the
//! string "null").

use std::fmt;
use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, Int32Array, StringArray, StructArray};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use arrow::json::writer::{make_encoder, EncoderOptions};
use arrow::json::ReaderBuilder;
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::util::{build_string_lists, build_strings, function, Strs};

// ---------------------------------------------------------------------------
// jq

type Filter = jaq_core::compile::Filter<jaq_core::Native<data::JustLut<Val>>>;

/// Compiles a jq filter with jq's standard library, or says why it does not.
fn compile_jq(code: &str) -> DaftResult<Filter> {
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs::<data::JustLut<Val>>()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let arena = Arena::default();
    let bad = |why: String| {
        DaftError::value_error(format!("jq: filter {code:?} is not a jq program: {why}"))
    };
    let modules = Loader::new(defs)
        .load(&arena, File { code, path: () })
        .map_err(|errs| {
            bad(format!(
                "{:?}",
                errs.into_iter().map(|(_, e)| e).collect::<Vec<_>>()
            ))
        })?;
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| {
            let names: Vec<String> = errs
                .into_iter()
                .flat_map(|(_, es)| es.into_iter().map(|(name, _)| name.to_string()))
                .collect();
            bad(format!("unknown filter(s) {}", names.join(", ")))
        })
}

fn jq_filter(opts: &FunctionOptions) -> DaftResult<Filter> {
    compile_jq(opts.str("filter").unwrap_or_default())
}

fn jq_def() -> FunctionDef {
    function(
        "jq",
        r#"
Runs a jq filter on each JSON string and gives its output as JSON text.

One output is its JSON; several are collected into a JSON array (as Daft
does); none gives null (Daft gives ""). The filter runs on jaq, a Rust
implementation of jq with its standard library, and is checked at plan
time. Text that is no JSON, or a filter that fails on a row, is an error
naming the row.

Args:
    expr: A string expression of JSON documents.
    filter: A jq program, such as ".a.b" or "[.items[] | .id]".

Returns:
    Expression: String (compact JSON); null stays null.

Example:
    >>> df = daft.from_pydict({"j": ['{"a": {"b": 1}}', None]})
    >>> df.select(daft.functions.jq(daft.col("j"), ".a.b"))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::required_option("filter", OptionKind::Str),
        ],
        |args, opts| {
            jq_filter(opts)?;
            Ok(crate::util::str_out(args[0].data_type()))
        },
        |args, opts, n| {
            let filter = jq_filter(opts)?;
            let code = opts.str("filter").unwrap_or_default();
            let s = Strs::new(&args[0], "expr")?;
            let mut outputs = Vec::new();
            build_strings(args[0].data_type(), n, |i, buf| {
                let Some(text) = s.get(i) else {
                    return Ok(false);
                };
                let input = jaq_json::read::parse_single(text.as_bytes()).map_err(|e| {
                    DaftError::compute(format!("jq: row {i} is no JSON ({e}): {}", preview(text)))
                })?;
                let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
                outputs.clear();
                for out in filter.id.run((ctx, input)).map(unwrap_valr) {
                    outputs.push(out.map_err(|e| {
                        DaftError::compute(format!("jq: filter {code:?} failed on row {i}: {e}"))
                    })?);
                }
                use std::fmt::Write;
                match outputs.as_slice() {
                    [] => return Ok(false),
                    [one] => write!(buf, "{one}"),
                    many => {
                        buf.push('[');
                        for (k, v) in many.iter().enumerate() {
                            if k > 0 {
                                buf.push(',');
                            }
                            write!(buf, "{v}").map_err(|e| DaftError::Internal(e.to_string()))?;
                        }
                        buf.push(']');
                        Ok(())
                    }
                }
                .map_err(|e| DaftError::Internal(e.to_string()))?;
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(jq_def) }

fn preview(text: &str) -> String {
    let head: String = text.chars().take(40).collect();
    let more = if head.len() < text.len() { "…" } else { "" };
    format!("{head:?}{more}")
}

// ---------------------------------------------------------------------------
// The outermost value of a document, read without building it.

/// What the outermost JSON value of a document is, with the keys of an
/// object (in document order) or the length of an array.
enum Outer {
    Object(Vec<String>),
    Array(usize),
    Other,
}

struct OuterSeed;

impl<'de> DeserializeSeed<'de> for OuterSeed {
    type Value = Outer;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Outer, D::Error> {
        d.deserialize_any(OuterVisitor)
    }
}

struct OuterVisitor;

impl<'de> Visitor<'de> for OuterVisitor {
    type Value = Outer;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outer, A::Error> {
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            keys.push(key);
        }
        Ok(Outer::Object(keys))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Outer, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok(Outer::Array(n))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Outer, E> {
        Ok(Outer::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Outer, E> {
        Ok(Outer::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Outer, E> {
        Ok(Outer::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Outer, E> {
        Ok(Outer::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Outer, E> {
        Ok(Outer::Other)
    }
    fn visit_unit<E>(self) -> Result<Outer, E> {
        Ok(Outer::Other)
    }
}

/// The outermost value of `text`, or `None` when it is no JSON.
fn outer(text: &str) -> Option<Outer> {
    let mut d = serde_json::Deserializer::from_str(text);
    let v = OuterSeed.deserialize(&mut d).ok()?;
    d.end().ok()?;
    Some(v)
}

fn json_array_length_def() -> FunctionDef {
    function(
        "json_array_length",
        r#"
The number of elements of each JSON array.

Null where the text is no JSON array (an object, a scalar, or no JSON at
all), as in Daft and Spark.

Args:
    expr: A string expression of JSON documents.

Returns:
    Expression: Int32; null stays null.

Example:
    >>> df = daft.from_pydict({"j": ["[1, [2, 3]]", '{"a": 1}', None]})
    >>> df.select(daft.functions.json_array_length(daft.col("j")))
"#,
        vec![Param::expr("expr", TypeClass::String)],
        |_, _| Ok(DataType::Int32),
        |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            let out: Int32Array = (0..n)
                .map(|i| match outer(s.get(i)?)? {
                    Outer::Array(len) => i32::try_from(len).ok(),
                    _ => None,
                })
                .collect();
            Ok(Arc::new(out))
        },
    )
}
inventory::submit! { BuiltinFunction(json_array_length_def) }

fn json_object_keys_def() -> FunctionDef {
    function(
        "json_object_keys",
        r#"
The top-level keys of each JSON object, in the document's order.

Null where the text is no JSON object. Daft 0.7.26 sorts the keys; here
they keep their order, as in Spark and DuckDB's json_keys.

Args:
    expr: A string expression of JSON documents.

Returns:
    Expression: List of strings; null stays null.

Example:
    >>> df = daft.from_pydict({"j": ['{"b": 1, "a": {"c": 2}}', "[1]", None]})
    >>> df.select(daft.functions.json_object_keys(daft.col("j")))
"#,
        vec![Param::expr("expr", TypeClass::String)],
        |_, _| Ok(crate::util::str_list_type(DataType::Utf8)),
        |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            build_string_lists(&DataType::Utf8, n, |i, items| {
                let Some(Outer::Object(keys)) = s.get(i).and_then(outer) else {
                    return Ok(false);
                };
                keys.iter().for_each(|k| items.append(k));
                Ok(true)
            })
        },
    )
}
inventory::submit! { BuiltinFunction(json_object_keys_def) }

/// The field names of json_tuple, which travel NUL-joined in one option
/// (see daft.functions.json_tuple).
fn tuple_fields(opts: &FunctionOptions) -> DaftResult<Vec<String>> {
    let joined = opts.str("fields").unwrap_or_default();
    let names: Vec<String> = joined.split('\0').map(str::to_string).collect();
    if joined.is_empty() {
        return Err(DaftError::value_error(
            "json_tuple: give at least one field name",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(DaftError::value_error(format!(
            "json_tuple: field {dup:?} is given twice; a struct's fields need distinct names"
        )));
    }
    Ok(names)
}

fn tuple_type(opts: &FunctionOptions) -> DaftResult<DataType> {
    let fields: Fields = tuple_fields(opts)?
        .into_iter()
        .map(|n| Field::new(n, DataType::Utf8, true))
        .collect();
    Ok(DataType::Struct(fields))
}

fn json_tuple_def() -> FunctionDef {
    function(
        "json_tuple",
        r#"
The values of the given top-level keys of each JSON object, as text.

A string value is given without its quotes, any other value as its JSON
text; a missing key or a JSON null gives null (Daft 0.7.26 gives the
string "null"). A row that is no JSON object is null.

Args:
    expr: A string expression of JSON documents.
    *fields: The keys to extract (str).

Returns:
    Expression: Struct of string fields named after the keys.

Example:
    >>> df = daft.from_pydict({"j": ['{"a": 1, "b": "x"}', None]})
    >>> df.select(daft.functions.json_tuple(daft.col("j"), "a", "b"))
"#,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::required_option("fields", OptionKind::Str),
        ],
        |_, opts| tuple_type(opts),
        |args, opts, n| {
            let names = tuple_fields(opts)?;
            let s = Strs::new(&args[0], "expr")?;
            let mut columns: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(n); names.len()];
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                let object = s
                    .get(i)
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                    .and_then(|v| match v {
                        serde_json::Value::Object(m) => Some(m),
                        _ => None,
                    });
                valid.push(object.is_some());
                for (col, name) in columns.iter_mut().zip(&names) {
                    col.push(object.as_ref().and_then(|m| match m.get(name)? {
                        serde_json::Value::Null => None,
                        serde_json::Value::String(s) => Some(s.clone()),
                        other => Some(other.to_string()),
                    }));
                }
            }
            let DataType::Struct(fields) = tuple_type(opts)? else {
                unreachable!("tuple_type builds a struct")
            };
            let arrays: Vec<ArrayRef> = columns
                .into_iter()
                .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
                .collect();
            let nulls = arrow::buffer::NullBuffer::from(valid);
            Ok(Arc::new(StructArray::try_new(fields, arrays, Some(nulls))?))
        },
    )
}
inventory::submit! { BuiltinFunction(json_tuple_def) }

// ---------------------------------------------------------------------------
// serialize / deserialize

fn check_format(function: &str, opts: &FunctionOptions) -> DaftResult<()> {
    let format = opts.str("format").unwrap_or_default();
    if format.eq_ignore_ascii_case("json") {
        return Ok(());
    }
    Err(DaftError::value_error(format!(
        "{function}: format {format:?} is not supported; give \"json\""
    )))
}

fn serialize_def() -> FunctionDef {
    function(
        "serialize",
        r#"
Each value as JSON text.

Structs become objects (null fields written as null), lists arrays, maps
objects, timestamps and dates ISO 8601 strings and binary hex strings, as
arrow-json writes them (and as Daft 0.7.26 does).

Args:
    expr: An expression of any type.
    format: "json".

Returns:
    Expression: String; null stays null.

Example:
    >>> df = daft.from_pydict({"s": [{"a": 1, "b": None}, None]})
    >>> df.select(daft.functions.serialize(daft.col("s"), "json"))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::required_option("format", OptionKind::Str),
        ],
        |_, opts| {
            check_format("serialize", opts)?;
            Ok(DataType::Utf8)
        },
        |args, _, n| {
            let a = &args[0];
            if a.data_type() == &DataType::Null {
                return Ok(new_null_array(&DataType::Utf8, n));
            }
            let field = Arc::new(Field::new("v", a.data_type().clone(), true));
            let options = EncoderOptions::default().with_explicit_nulls(true);
            let mut encoder = make_encoder(&field, a.as_ref(), &options)?;
            let mut bytes = Vec::new();
            let mut out = arrow::array::StringBuilder::with_capacity(n, 0);
            for i in 0..n {
                if a.is_null(i) {
                    out.append_null();
                    continue;
                }
                bytes.clear();
                encoder.encode(i, &mut bytes);
                out.append_value(std::str::from_utf8(&bytes).map_err(|e| {
                    DaftError::Internal(format!("serialize: arrow-json wrote no UTF-8: {e}"))
                })?);
            }
            Ok(Arc::new(out.finish()))
        },
    )
}
inventory::submit! { BuiltinFunction(serialize_def) }

fn target(function: &str, opts: &FunctionOptions) -> DaftResult<DataType> {
    check_format(function, opts)?;
    opts.data_type("dtype").cloned().ok_or_else(|| {
        DaftError::type_error(format!("{function}: option `dtype` must be a DataType"))
    })
}

/// Decodes `rows` (JSON texts, `None` for null) as values of `dt` with
/// arrow-json, by wrapping each as `{"v": ...}`. A row that is no JSON or
/// does not fit `dt` is null when `lenient`, else `Err((row, why))`.
fn decode_rows(
    rows: &[Option<&str>],
    dt: &DataType,
    lenient: bool,
) -> Result<ArrayRef, (usize, String)> {
    let schema = Arc::new(Schema::new(vec![Field::new("v", dt.clone(), true)]));
    // A text must be exactly one JSON value, so that `1, "v": 2` cannot
    // smuggle a second key into the wrapper.
    let mut rows = rows.to_vec();
    for (i, row) in rows.iter_mut().enumerate() {
        if let Some(text) = *row {
            let mut d = serde_json::Deserializer::from_str(text);
            let checked = IgnoredAny::deserialize_any_value(&mut d).and_then(|_| d.end());
            match checked {
                Ok(()) => {}
                Err(_) if lenient => *row = None,
                Err(e) => return Err((i, format!("no JSON ({e})"))),
            }
        }
    }
    if let Ok(a) = decode(&schema, &rows) {
        if a.len() == rows.len() {
            return Ok(a);
        }
    }
    // Some row does not fit the type: decode them one by one, to name it or
    // to null it.
    let mut parts = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        match decode(&schema, std::slice::from_ref(row)) {
            Ok(a) if a.len() == 1 => parts.push(a),
            Ok(_) | Err(_) if lenient => parts.push(new_null_array(dt, 1)),
            Ok(_) => return Err((i, "arrow-json decoded no value".into())),
            Err(e) => return Err((i, e)),
        }
    }
    let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
    arrow::compute::concat(&refs).map_err(|e| (0, e.to_string()))
}

fn decode(schema: &Arc<Schema>, rows: &[Option<&str>]) -> Result<ArrayRef, String> {
    let mut buf = Vec::new();
    for row in rows {
        buf.extend_from_slice(b"{\"v\":");
        buf.extend_from_slice(row.unwrap_or("null").as_bytes());
        buf.extend_from_slice(b"}\n");
    }
    let mut decoder = ReaderBuilder::new(schema.clone())
        .with_batch_size(rows.len().max(1))
        .build_decoder()
        .map_err(|e| e.to_string())?;
    decoder.decode(&buf).map_err(|e| e.to_string())?;
    Ok(match decoder.flush().map_err(|e| e.to_string())? {
        Some(b) => b.column(0).clone(),
        None => new_null_array(schema.field(0).data_type(), 0),
    })
}

/// serde's `IgnoredAny` as a plain function over a deserializer.
trait IgnoreValue {
    fn deserialize_any_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(), D::Error>;
}

impl IgnoreValue for IgnoredAny {
    fn deserialize_any_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(), D::Error> {
        serde::Deserialize::deserialize(d).map(|_: IgnoredAny| ())
    }
}

fn deserialize_fn(name: &'static str, lenient: bool) -> FunctionDef {
    let doc = format!(
        r#"
Each JSON text parsed as a value of `dtype`.

Decoded by arrow-json: an object's extra keys are ignored and its missing
keys are null, and numbers written as strings ("12") are read as numbers,
as in Daft. {failure}

Args:
    expr: A string expression of JSON documents.
    format: "json".
    dtype: The type of the values (a DataType, or what DataType accepts).

Returns:
    Expression: Values of `dtype`; null stays null.

Example:
    >>> df = daft.from_pydict({{"j": ['{{"a": 1}}', None]}})
    >>> df.select(daft.functions.{name}(daft.col("j"), "json", daft.DataType.struct({{"a": daft.DataType.int64()}})))
"#,
        failure = if lenient {
            "Text that is no JSON, or does not fit `dtype`, gives null."
        } else {
            "Text that is no JSON, or does not fit `dtype`, is an error naming the row \
             (try_deserialize gives null there)."
        }
    );
    function(
        name,
        &doc,
        vec![
            Param::expr("expr", TypeClass::String),
            Param::required_option("format", OptionKind::Str),
            Param::required_option("dtype", OptionKind::DataType),
        ],
        move |_, opts| target(name, opts),
        move |args, opts, n| {
            let dt = target(name, opts)?;
            let s = Strs::new(&args[0], "expr")?;
            let rows: Vec<Option<&str>> = (0..n).map(|i| s.get(i)).collect();
            decode_rows(&rows, &dt, lenient).map_err(|(i, why)| {
                DaftError::compute(format!(
                    "{name}: row {i} ({}) is not a JSON {}: {why}; use try_deserialize to get \
                     null there",
                    preview(rows.get(i).copied().flatten().unwrap_or("null")),
                    display_data_type(&dt)
                ))
            })
        },
    )
}
inventory::submit! { BuiltinFunction(|| deserialize_fn("deserialize", false)) }
inventory::submit! { BuiltinFunction(|| deserialize_fn("try_deserialize", true)) }
