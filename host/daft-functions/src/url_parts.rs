//! parse_url: the parts of a URL, parsed by the `url` crate (WHATWG URLs,
//! as Daft 0.7.26 parses them).

use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray, StructArray, UInt16Array};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Fields};
use daft_core::registry::{BuiltinFunction, FunctionDef, Param};
use daft_core::types::TypeClass;
use daft_core::DaftResult;
use url::Url;

use crate::util::{function, Strs};

const TEXT_PARTS: [&str; 4] = ["scheme", "username", "password", "host"];
const REST: [&str; 3] = ["path", "query", "fragment"];

fn url_type() -> DataType {
    let mut fields: Vec<Field> = TEXT_PARTS
        .iter()
        .map(|n| Field::new(*n, DataType::Utf8, true))
        .collect();
    fields.push(Field::new("port", DataType::UInt16, true));
    fields.extend(REST.iter().map(|n| Field::new(*n, DataType::Utf8, true)));
    DataType::Struct(Fields::from(fields))
}

fn parse_url_def() -> FunctionDef {
    function(
        "parse_url",
        r#"
The parts of each URL, as a struct.

The parts are scheme, username, password, host, port, path, query and
fragment. Parsed as a WHATWG URL by the `url` crate, as in Daft: a part the URL does
not have is null (an empty username too), and so is a scheme's default port
(443 for https). Text that is no URL gives a struct of nulls, as in Daft; a
null gives null.

Args:
    expr: A string expression.

Returns:
    Expression: Struct of scheme, username, password and host (String),
    port (UInt16), path, query and fragment (String).

Example:
    >>> df = daft.from_pydict({"u": ["https://user:pw@example.com:8080/a?q=1#top", None]})
    >>> df.select(daft.functions.parse_url(daft.col("u")))
"#,
        vec![Param::expr("expr", TypeClass::String)],
        |_, _| Ok(url_type()),
        |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            let mut text: Vec<Vec<Option<String>>> =
                (0..7).map(|_| Vec::with_capacity(n)).collect();
            let mut ports = Vec::with_capacity(n);
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                let value = s.get(i);
                valid.push(value.is_some());
                let url = value.and_then(|v| Url::parse(v).ok());
                let non_empty = |x: &str| (!x.is_empty()).then(|| x.to_string());
                let parts: [Option<String>; 7] = match &url {
                    Some(u) => [
                        Some(u.scheme().to_string()),
                        non_empty(u.username()),
                        u.password().map(str::to_string),
                        u.host_str().map(str::to_string),
                        Some(u.path().to_string()),
                        u.query().map(str::to_string),
                        u.fragment().map(str::to_string),
                    ],
                    None => Default::default(),
                };
                for (col, part) in text.iter_mut().zip(parts) {
                    col.push(part);
                }
                ports.push(url.as_ref().and_then(Url::port));
            }
            let mut columns: Vec<ArrayRef> = text
                .into_iter()
                .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
                .collect();
            columns.insert(4, Arc::new(UInt16Array::from(ports)));
            let DataType::Struct(fields) = url_type() else {
                unreachable!("url_type is a struct")
            };
            let nulls = NullBuffer::from(valid);
            let array: DaftResult<ArrayRef> = Ok(Arc::new(StructArray::try_new(
                fields,
                columns,
                (nulls.null_count() > 0).then_some(nulls),
            )?));
            array
        },
    )
}
inventory::submit! { BuiltinFunction(parse_url_def) }
