//! Case conversions by words: `to_snake_case`, `to_camel_case` and their
//! family, on the `heck` crate's word splitting (words break at spaces,
//! punctuation and lower-to-upper changes, so `"camelCase foo-bar"` is the
//! words camel, case, foo, bar), which is also what Daft 0.7.26 uses.

use daft_core::registry::{BuiltinFunction, FunctionDef, Param};
use daft_core::types::TypeClass;
use heck::{
    ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase, ToTitleCase,
    ToUpperCamelCase,
};

use crate::util::{build_strings, function, str_out, Strs};

/// One case conversion, as plain data.
struct CaseFn {
    name: &'static str,
    /// What the words become, for the docs.
    what: &'static str,
    example: &'static str,
    convert: fn(&str) -> String,
}

fn case_fn(f: &'static CaseFn) -> FunctionDef {
    let doc = format!(
        r#"
Each string's words {what}.

Words break at spaces, punctuation and where a lowercase letter is followed
by an uppercase one; the punctuation between them is dropped.

Args:
    expr: A string expression.

Returns:
    Expression: Strings; null stays null.

Example:
    >>> df = daft.from_pydict({{"s": ["hello World_foo-bar", "camelCase", None]}})
    >>> df.select(daft.functions.{name}(daft.col("s")))  # {example}
"#,
        what = f.what,
        name = f.name,
        example = f.example,
    );
    function(
        f.name,
        &doc,
        vec![Param::expr("expr", TypeClass::String)],
        |args, _| Ok(str_out(args[0].data_type())),
        move |args, _, n| {
            let s = Strs::new(&args[0], "expr")?;
            build_strings(args[0].data_type(), n, |i, buf| {
                Ok(s.get(i).map(|v| buf.push_str(&(f.convert)(v))).is_some())
            })
        },
    )
}

macro_rules! case {
    ($konst:ident, $name:literal, $what:literal, $example:literal, $convert:expr) => {
        const $konst: CaseFn = CaseFn {
            name: $name,
            what: $what,
            example: $example,
            convert: $convert,
        };
        inventory::submit! { BuiltinFunction(|| case_fn(&$konst)) }
    };
}

case!(
    SNAKE,
    "to_snake_case",
    "in lowercase, joined by `_`",
    "hello_world_foo_bar",
    |s| s.to_snake_case()
);
case!(
    UPPER_SNAKE,
    "to_upper_snake_case",
    "in uppercase, joined by `_`",
    "HELLO_WORLD_FOO_BAR",
    |s| s.to_shouty_snake_case()
);
case!(
    KEBAB,
    "to_kebab_case",
    "in lowercase, joined by `-`",
    "hello-world-foo-bar",
    |s| s.to_kebab_case()
);
case!(
    UPPER_KEBAB,
    "to_upper_kebab_case",
    "in uppercase, joined by `-`",
    "HELLO-WORLD-FOO-BAR",
    |s| s.to_shouty_kebab_case()
);
case!(
    CAMEL,
    "to_camel_case",
    "capitalized and joined, the first in lowercase",
    "helloWorldFooBar",
    |s| s.to_lower_camel_case()
);
case!(
    UPPER_CAMEL,
    "to_upper_camel_case",
    "capitalized and joined",
    "HelloWorldFooBar",
    |s| s.to_upper_camel_case()
);
case!(
    TITLE,
    "to_title_case",
    "capitalized, joined by spaces",
    "Hello World Foo Bar",
    |s| s.to_title_case()
);
