//! Unit tests calling the kernels and return-type rules directly.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{
    Array, ArrayRef, Float64Array, LargeStringArray, NullArray, StringArray, UInt64Array,
};
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{Options, ScalarFunction, Value};

use super::*;

fn strs(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(values.iter().copied().collect::<StringArray>())
}

fn no_options() -> Options {
    Options::default()
}

fn form(name: &str) -> Options {
    Options::from_pairs([("form".to_string(), Value::Str(name.to_string()))])
}

fn as_u64(a: &ArrayRef) -> Vec<Option<u64>> {
    downcast::<UInt64Array>(a).unwrap().iter().collect()
}

fn as_f64(a: &ArrayRef) -> Vec<Option<f64>> {
    downcast::<Float64Array>(a).unwrap().iter().collect()
}

fn as_str(a: &ArrayRef) -> Vec<Option<String>> {
    downcast::<StringArray>(a)
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    slugify_into(s, &mut out);
    out
}

fn registered(name: &str) -> &'static ScalarFunction {
    daft_plugin_api::inventory::iter::<ScalarFunction>
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} is not registered"))
}

// ---- registration -----------------------------------------------------------

#[test]
fn every_function_is_registered_with_a_full_docstring() {
    for name in [
        "levenshtein",
        "jaro_winkler",
        "slugify",
        "normalize",
        "token_count",
    ] {
        let f = registered(name);
        for section in ["Args:", "Returns:", "Example:"] {
            assert!(f.doc.contains(section), "{name}: docstring lacks {section}");
        }
        assert!(
            f.doc.contains(&format!("daft.functions.{name}(")),
            "{name}: example"
        );
    }
}

// ---- levenshtein --------------------------------------------------------------

#[test]
fn levenshtein_known_values_and_nulls() {
    let a = strs(&[
        Some("kitten"),
        Some(""),
        Some("abc"),
        None,
        Some("x"),
        Some("flaw"),
    ]);
    let b = strs(&[
        Some("sitting"),
        Some(""),
        Some(""),
        Some("a"),
        None,
        Some("lawn"),
    ]);
    let out = levenshtein(&[a, b], &no_options(), 6).unwrap();
    assert_eq!(
        as_u64(&out),
        [Some(3), Some(0), Some(3), None, None, Some(2)]
    );
}

#[test]
fn levenshtein_counts_unicode_characters_not_bytes() {
    // "é" is two bytes but one character; emoji are four bytes.
    let a = strs(&[Some("héllo"), Some("😀😀"), Some("e\u{301}")]);
    let b = strs(&[Some("hello"), Some("😀"), Some("é")]);
    let out = levenshtein(&[a, b], &no_options(), 3).unwrap();
    // NFD "e" + U+0301 vs NFC "é": no normalization, two edits.
    assert_eq!(as_u64(&out), [Some(1), Some(1), Some(2)]);
}

#[test]
fn levenshtein_empty_and_all_null_inputs() {
    let out = levenshtein(&[strs(&[]), strs(&[])], &no_options(), 0).unwrap();
    assert_eq!(out.len(), 0);
    assert_eq!(out.data_type(), &DataType::UInt64);

    let nulls: ArrayRef = Arc::new(NullArray::new(2));
    let out = levenshtein(&[nulls, strs(&[Some("a"), None])], &no_options(), 2).unwrap();
    assert_eq!(as_u64(&out), [None, None]);
}

#[test]
fn levenshtein_reads_sliced_and_large_string_inputs() {
    let a = strs(&[Some("zzz"), Some("kitten"), None, Some("book")]).slice(1, 3);
    let b: ArrayRef = Arc::new(
        [Some("q"), Some("sitting"), Some("a"), Some("back")]
            .into_iter()
            .collect::<LargeStringArray>(),
    );
    let b = b.slice(1, 3);
    let out = levenshtein(&[a, b], &no_options(), 3).unwrap();
    assert_eq!(as_u64(&out), [Some(3), None, Some(2)]);
}

#[test]
fn kernels_reject_a_row_count_mismatch() {
    let e = levenshtein(
        &[strs(&[Some("a")]), strs(&[Some("a"), Some("b")])],
        &no_options(),
        2,
    )
    .unwrap_err();
    assert!(e.contains("argument 0 has 1 rows, expected 2"), "{e}");
}

// ---- jaro_winkler -------------------------------------------------------------

#[test]
fn jaro_winkler_known_values_and_nulls() {
    let a = strs(&[
        Some("martha"),
        Some("dwayne"),
        Some(""),
        Some("abc"),
        Some("abc"),
        None,
    ]);
    let b = strs(&[
        Some("marhta"),
        Some("duane"),
        Some(""),
        Some(""),
        Some("abc"),
        Some("x"),
    ]);
    let out = as_f64(&jaro_winkler(&[a, b], &no_options(), 6).unwrap());
    let expected = [
        Some(0.961_111_111_111_111_1),
        Some(0.84),
        Some(1.0),
        Some(0.0),
        Some(1.0),
        None,
    ];
    for (i, (got, want)) in out.iter().zip(expected).enumerate() {
        match (got, want) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "row {i}: {g} != {w}"),
            (g, w) => assert_eq!(*g, w, "row {i}"),
        }
    }
}

#[test]
fn jaro_winkler_sliced_input_and_empty_batch() {
    let a = strs(&[None, Some("martha"), Some("dixon")]).slice(1, 2);
    let b = strs(&[Some("marhta"), Some("dicksonx")]);
    let out = as_f64(&jaro_winkler(&[a, b], &no_options(), 2).unwrap());
    assert!((out[0].unwrap() - 0.961_111_111_111_111_1).abs() < 1e-12);
    assert!((out[1].unwrap() - 0.813_333_333_333_333_3).abs() < 1e-12);

    let out = jaro_winkler(&[strs(&[]), strs(&[])], &no_options(), 0).unwrap();
    assert_eq!((out.len(), out.data_type()), (0, &DataType::Float64));
}

// ---- slugify --------------------------------------------------------------------

#[test]
fn slugify_examples() {
    assert_eq!(slug("Héllo Wörld!"), "hello-world");
    assert_eq!(slug("  --Hello,   World--  "), "hello-world");
    assert_eq!(slug("ÀÉÎÕÜ çñ ß"), "aeiou-cn-ss");
    assert_eq!(slug("Crème brûlée: 2 × €5"), "creme-brulee-2-x-eur5");
    assert_eq!(slug("it's a \"test\""), "it-s-a-test");
    assert_eq!(slug("北京"), "bei-jing");
    assert_eq!(slug("Æsir Øresund Łódź"), "aesir-oresund-lodz");
    assert_eq!(slug("snake_case-and.dots"), "snake-case-and-dots");
    assert_eq!(slug(""), "");
    assert_eq!(slug("!!! ... ???"), "");
    // Combining marks transliterate to nothing and do not split a word.
    assert_eq!(slug("Cafe\u{301} noir"), "cafe-noir");
    // Characters without a transliteration are dropped.
    assert_eq!(slug("a\u{e000}b"), "ab");
}

#[test]
fn slugify_output_is_always_a_clean_slug() {
    let inputs = [
        "x",
        "-x-",
        "a  b",
        "Ünïcödé—dash",
        "tab\tand\nnewline",
        "123 ABC",
    ];
    for s in inputs {
        let out = slug(s);
        assert!(
            !out.starts_with('-') && !out.ends_with('-'),
            "{s:?} -> {out:?}"
        );
        assert!(!out.contains("--"), "{s:?} -> {out:?}");
        assert!(
            out.chars()
                .all(|c| c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{s:?} -> {out:?}"
        );
    }
}

#[test]
fn slugify_kernel_nulls_slices_and_empty() {
    let input = strs(&[Some("skip me"), Some("Héllo Wörld!"), None, Some("")]).slice(1, 3);
    let out = slugify(&[input], &no_options(), 3).unwrap();
    assert_eq!(
        as_str(&out),
        [Some("hello-world".to_string()), None, Some(String::new())]
    );
    let out = slugify(&[strs(&[])], &no_options(), 0).unwrap();
    assert_eq!((out.len(), out.data_type()), (0, &DataType::Utf8));
    let out = slugify(&[Arc::new(NullArray::new(2))], &no_options(), 2).unwrap();
    assert_eq!(as_str(&out), [None, None]);
}

// ---- normalize --------------------------------------------------------------------

#[test]
fn normalize_each_form() {
    let input = strs(&[Some("e\u{301}"), Some("é"), Some("ﬁ²"), None, Some("plain")]);
    let run =
        |name: &str| as_str(&normalize(std::slice::from_ref(&input), &form(name), 5).unwrap());
    let s = |v: &str| Some(v.to_string());
    assert_eq!(run("NFC"), [s("é"), s("é"), s("ﬁ²"), None, s("plain")]);
    assert_eq!(
        run("NFD"),
        [s("e\u{301}"), s("e\u{301}"), s("ﬁ²"), None, s("plain")]
    );
    assert_eq!(run("NFKC"), [s("é"), s("é"), s("fi2"), None, s("plain")]);
    assert_eq!(
        run("nfkd"),
        [s("e\u{301}"), s("e\u{301}"), s("fi2"), None, s("plain")]
    );
}

#[test]
fn normalize_sliced_and_empty() {
    let input = strs(&[Some("e\u{301}"), Some("A\u{30a}"), None]).slice(1, 2);
    let out = normalize(&[input], &form("NFC"), 2).unwrap();
    assert_eq!(as_str(&out), [Some("Å".to_string()), None]);
    let out = normalize(&[strs(&[])], &form("NFD"), 0).unwrap();
    assert_eq!(out.len(), 0);
}

#[test]
fn normalize_rule_rejects_an_unknown_form_at_plan_time() {
    let args = [Field::new("s", DataType::Utf8, true)];
    let e = normalize_field(&args, &form("NFX")).unwrap_err();
    assert!(e.contains("option `form`"), "{e}");
    assert!(e.contains("\"NFX\""), "{e}");
    assert!(e.contains("\"NFC\", \"NFD\", \"NFKC\", \"NFKD\""), "{e}");

    let bad_kind = Options::from_pairs([("form".to_string(), Value::Int(3))]);
    let e = normalize_field(&args, &bad_kind).unwrap_err();
    assert!(e.contains("option `form`") && e.contains("got 3"), "{e}");

    let field = normalize_field(&args, &form("nfkc")).unwrap();
    assert_eq!(
        (field.data_type(), field.is_nullable()),
        (&DataType::Utf8, true)
    );
    // The kernel checks too, in case it is called without the rule.
    assert!(normalize(&[strs(&[Some("a")])], &form("x"), 1).is_err());
}

// ---- token_count --------------------------------------------------------------------

#[test]
fn token_count_matches_python_split() {
    let cases = [
        ("the quick  brown fox", 4),
        ("", 0),
        ("   ", 0),
        ("  lead and trail  ", 3),
        ("tab\tnew\nline\r\nend", 4),
        // NBSP, ideographic space, line separator: Unicode whitespace.
        ("a\u{a0}b\u{3000}c\u{2028}d", 4),
        // Python's str.split() also splits at U+001C..U+001F.
        ("a\u{1c}b\u{1f}c", 3),
        // Zero-width space is not whitespace, in Python or here.
        ("a\u{200b}b", 1),
    ];
    for (s, n) in cases {
        assert_eq!(count_tokens(s), n, "{s:?}");
    }
}

#[test]
fn token_count_kernel_nulls_slices_and_empty() {
    let input = strs(&[Some("one two"), None, Some("a b c"), Some("")]).slice(1, 3);
    let out = token_count(&[input], &no_options(), 3).unwrap();
    assert_eq!(as_u64(&out), [None, Some(3), Some(0)]);
    let out = token_count(&[strs(&[])], &no_options(), 0).unwrap();
    assert_eq!((out.len(), out.data_type()), (0, &DataType::UInt64));
}

// ---- return fields --------------------------------------------------------------------

#[test]
fn return_fields_follow_input_nullability() {
    let nullable = Field::new("a", DataType::Utf8, true);
    let required = Field::new("b", DataType::Utf8, false);
    let two = [required.clone(), required.clone()];
    assert!(!levenshtein_field(&two, &no_options())
        .unwrap()
        .is_nullable());
    let mixed = [required.clone(), nullable.clone()];
    let f = jaro_winkler_field(&mixed, &no_options()).unwrap();
    assert_eq!((f.data_type(), f.is_nullable()), (&DataType::Float64, true));
    let f = levenshtein_field(&mixed, &no_options()).unwrap();
    assert_eq!(f.data_type(), &DataType::UInt64);
    assert!(
        !slugify_field(std::slice::from_ref(&required), &no_options())
            .unwrap()
            .is_nullable()
    );
    let f = token_count_field(&[nullable], &no_options()).unwrap();
    assert_eq!((f.data_type(), f.is_nullable()), (&DataType::UInt64, true));
}
