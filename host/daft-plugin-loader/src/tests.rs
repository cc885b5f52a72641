//! Unit tests of manifest validation (loading is tested in `tests/`).

use super::*;
use daft_plugin_api::{OptionKind as K, TypeClass as C, Value as V};

fn expr(n: &str) -> (String, ParamSpec) {
    (n.to_string(), ParamSpec::Expr(C::Any))
}

fn opt(n: &str, kind: K, default: Option<V>) -> (String, ParamSpec) {
    (n.to_string(), ParamSpec::Option { kind, default })
}

fn check(
    plugin: &str,
    fns: &[(&str, Vec<(String, ParamSpec)>)],
    types: &[&str],
) -> Result<(), String> {
    validate_parts(
        plugin,
        fns.iter().map(|(n, p)| (*n, p.as_slice())),
        types.iter().copied(),
    )
}

#[test]
fn accepts_a_good_manifest() {
    let fns = [
        ("f", vec![expr("x"), opt("k", K::Float, Some(V::Int(1)))]),
        ("g", vec![]),
    ];
    check("my_plugin", &fns, &["my.type"]).unwrap();
}

#[test]
fn rejects_bad_names() {
    assert!(check("", &[], &[])
        .unwrap_err()
        .contains("invalid plugin name"));
    assert!(check("9lives", &[], &[]).is_err());
    assert!(check("a-b", &[], &[]).is_err());
    let e = check("p", &[("", vec![])], &[]).unwrap_err();
    assert!(e.contains("invalid function name"), "{e}");
    let e = check("p", &[("f", vec![expr("a b")])], &[]).unwrap_err();
    assert!(e.contains("invalid parameter name"), "{e}");
    let e = check("p", &[], &[" "]).unwrap_err();
    assert!(e.contains("invalid extension type name"), "{e}");
}

#[test]
fn rejects_duplicates() {
    let e = check("p", &[("f", vec![]), ("f", vec![])], &[]).unwrap_err();
    assert!(e.contains("declares function \"f\" more than once"), "{e}");
    let e = check("p", &[("f", vec![expr("x"), expr("x")])], &[]).unwrap_err();
    assert!(e.contains("declared twice"), "{e}");
    let e = check("p", &[], &["t", "t"]).unwrap_err();
    assert!(e.contains("more than once"), "{e}");
}

#[test]
fn rejects_bad_parameter_order_and_defaults() {
    let variadic = || {
        (
            "v".to_string(),
            ParamSpec::Variadic {
                accepts: C::Any,
                min: 0,
            },
        )
    };
    let e = check("p", &[("f", vec![opt("k", K::Int, None), expr("x")])], &[]).unwrap_err();
    assert!(e.contains("comes after"), "{e}");
    let mut second = variadic();
    second.0 = "w".into();
    let e = check("p", &[("f", vec![variadic(), second])], &[]).unwrap_err();
    assert!(e.contains("variadic"), "{e}");
    let e = check(
        "p",
        &[("f", vec![opt("k", K::Int, Some(V::Str("x".into())))])],
        &[],
    )
    .unwrap_err();
    assert!(e.contains("default"), "{e}");
}

#[test]
fn identifiers() {
    assert!(is_identifier("_a1"));
    assert!(!is_identifier("1a"));
    assert!(!is_identifier("é"));
    assert!(!is_identifier(""));
}

// ---- invalid arrays handed back by a plugin ---------------------------------
// What a plugin's kernel could leave in its output slots if it bypassed the
// SDK: each must be an error before arrow reads anything.

fn int64_export() -> (abi::ArrowArray, abi::ArrowSchema) {
    let data = arrow::array::Array::into_data(arrow::array::Int64Array::from(vec![1i64, 2, 3]));
    crate::ffi::export_array(&data).unwrap()
}

#[test]
fn an_array_without_a_release_callback_is_refused() {
    let (mut array, schema) = int64_export();
    // Its exporter's private data leaks: nobody may free it without `release`.
    array.release = None;
    let e = crate::ffi::import_array(array, schema).unwrap_err();
    assert_eq!(e, "returned an array without a release callback");
}

#[test]
fn an_array_with_a_null_buffers_pointer_is_refused() {
    let (mut array, schema) = int64_export();
    // arrow's release callback frees its private data, not through `buffers`.
    array.buffers = std::ptr::null_mut();
    let e = crate::ffi::import_array(array, schema).unwrap_err();
    assert_eq!(
        e,
        "returned an array with buffers but a null buffers pointer"
    );
}

#[test]
fn an_array_with_a_null_data_buffer_is_refused() {
    let (array, schema) = int64_export();
    // SAFETY: the exporter's buffer-pointer list has `n_buffers` (2) slots.
    unsafe { *array.buffers.add(1) = std::ptr::null() };
    let e = crate::ffi::import_array(array, schema).unwrap_err();
    assert!(
        e.starts_with("returned an array arrow cannot import"),
        "{e}"
    );
}

#[test]
fn a_schema_without_a_release_callback_is_refused() {
    let (array, mut schema) = int64_export();
    schema.release = None;
    let e = crate::ffi::import_array(array, schema).unwrap_err();
    assert_eq!(e, "returned a schema without a release callback");
}
