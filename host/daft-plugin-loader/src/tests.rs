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
    let schema = crate::ffi::export_type(data.data_type()).unwrap();
    (crate::ffi::export_array_only(&data), schema)
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

// ---- precise parameter types (ABI 1.1) ---------------------------------------

fn described(name: &str, params: Vec<(String, ParamSpec)>) -> DescribedFunction {
    struct Nothing;
    impl registry::ScalarFunction for Nothing {
        fn return_field(
            &self,
            _: &[arrow::datatypes::Field],
            _: &daft_core::options::FunctionOptions,
        ) -> DaftResult<arrow::datatypes::Field> {
            unreachable!()
        }
        fn call(
            &self,
            _: &[arrow::array::ArrayRef],
            _: &daft_core::options::FunctionOptions,
            _: usize,
        ) -> DaftResult<arrow::array::ArrayRef> {
            unreachable!()
        }
    }
    DescribedFunction::new(
        name.to_string(),
        String::new(),
        params,
        registry::Implementation::Scalar(Arc::new(Nothing)),
    )
}

fn spec(function: &str, param: &str, constraint: abi::TypeConstraint) -> abi::ParamTypeSpec {
    abi::ParamTypeSpec {
        function: function.to_string(),
        param: param.to_string(),
        constraint,
    }
}

fn refine_one(constraint: abi::TypeConstraint, param: &str) -> Result<TypeClass, String> {
    let mut fns = [described(
        "f",
        vec![expr("x"), expr("y"), opt("k", K::Int, Some(V::Int(1)))],
    )];
    let own = [ExtensionTypeInfo {
        name: "mine.point".into(),
        plugin: "mine".into(),
        storage: DataType::Int64,
        metadata: String::new(),
    }];
    signature::refine(&mut fns, vec![spec("f", param, constraint)], &own)?;
    Ok(fns[0].refined[0].1)
}

#[test]
fn precise_types_refine_the_named_parameter() {
    use abi::TypeConstraint as T;
    assert_eq!(refine_one(T::SameAs(0), "y").unwrap(), TypeClass::SameAs(0));
    static INT64: DataType = DataType::Int64;
    assert_eq!(
        refine_one(T::Extension("mine.point".into()), "x").unwrap(),
        TypeClass::Extension("mine.point", &INT64)
    );
}

#[test]
fn bad_precise_types_are_refused_naming_the_function_and_parameter() {
    use abi::TypeConstraint as T;
    let e = refine_one(T::SameAs(1), "y").unwrap_err();
    assert!(
        e.contains("function f: parameter `y` takes the type of expression parameter 1"),
        "{e}"
    );
    let e = refine_one(T::SameAs(5), "x").unwrap_err();
    assert!(
        e.contains("the function has 2 expression parameters"),
        "{e}"
    );
    let e = refine_one(T::Extension("nobody.type".into()), "x").unwrap_err();
    assert!(
        e.contains("extension type \"nobody.type\", which neither this plugin"),
        "{e}"
    );
    let e = refine_one(T::SameAs(0), "k").unwrap_err();
    assert!(e.contains("no expression parameter `k`"), "{e}");
    let mut fns = [described("f", vec![expr("x")])];
    let e = signature::refine(&mut fns, vec![spec("g", "x", T::SameAs(0))], &[]).unwrap_err();
    assert!(e.contains("unknown function \"g\""), "{e}");
}

#[test]
fn a_data_type_option_is_marked_and_its_default_read_as_a_type() {
    let mut fns = [described(
        "f",
        vec![
            expr("x"),
            opt("to", K::Str, Some(V::Str("Int32".into()))),
            opt("bad", K::Str, Some(V::Str("Nope".into()))),
        ],
    )];
    signature::refine(
        &mut fns,
        vec![spec("f", "to", abi::TypeConstraint::DataTypeOption)],
        &[],
    )
    .unwrap();
    assert_eq!(
        fns[0].data_type_options,
        [(
            "to".to_string(),
            Some(OptionValue::data_type(DataType::Int32))
        )]
    );
    let e = signature::refine(
        &mut fns,
        vec![spec("f", "bad", abi::TypeConstraint::DataTypeOption)],
        &[],
    )
    .unwrap_err();
    assert!(
        e.contains("option `bad`: its default \"Nope\" is not a type"),
        "{e}"
    );
    let e = signature::refine(
        &mut fns,
        vec![spec("f", "x", abi::TypeConstraint::DataTypeOption)],
        &[],
    )
    .unwrap_err();
    assert!(e.contains("no option `x` to declare a DataType"), "{e}");
}
