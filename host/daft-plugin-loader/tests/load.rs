//! Loads real plugin libraries (the hello plugin and a misbehaving test
//! fixture), built on demand with cargo, and calls their functions through
//! the registry exactly as the engine does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use arrow::array::{Array, ArrayRef, Float64Array, Int32Array, Int64Array, ListArray, StringArray};
use arrow::datatypes::{DataType, Field, Int32Type};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{self, FunctionDef, Provider, Registration};
use daft_core::types::{EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY};
use daft_core::DaftError;
use daft_plugin_loader::{load_plugin, statuses, LoadRecord, PluginStatus};

mod common;
use common::{build_cdylib, fixture_path, hello_path};

/// Loads the hello plugin once for the whole test binary.
fn hello() -> &'static PluginStatus {
    static STATUS: OnceLock<PluginStatus> = OnceLock::new();
    STATUS.get_or_init(|| load_plugin(hello_path()).expect("load hello"))
}

/// Loads the fixture once (after hello, so its `hello_greet` clashes).
fn fixture() -> &'static PluginStatus {
    static STATUS: OnceLock<PluginStatus> = OnceLock::new();
    STATUS.get_or_init(|| {
        hello();
        let _env = env_lock();
        load_plugin(fixture_path()).expect("load fixture")
    })
}

/// Serializes loads of fixture libraries with the environment variable
/// that makes the fixture's manifest panic.
fn env_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fresh directory under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "daft-plugin-loader-test-{}-{tag}-{n}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // The loader reports canonical paths.
    std::fs::canonicalize(dir).unwrap()
}

fn plugin_fn(provider: &str, name: &str) -> Arc<FunctionDef> {
    registry::global()
        .get_from(provider, name)
        .unwrap_or_else(|| panic!("{provider}.{name} is not registered"))
}

fn options(def: &FunctionDef, given: &[(&str, OptionValue)]) -> FunctionOptions {
    let given = given
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect::<BTreeMap<_, _>>();
    def.bind_options(given).expect("bind options")
}

fn call(
    def: &FunctionDef,
    args: &[ArrayRef],
    opts: &FunctionOptions,
) -> Result<ArrayRef, DaftError> {
    let num_rows = args.first().map(|a| a.len()).unwrap_or(3);
    // Plan time first, as the engine does.
    let fields: Vec<Field> = args
        .iter()
        .enumerate()
        .map(|(i, a)| Field::new(format!("a{i}"), a.data_type().clone(), true))
        .collect();
    def.resolve(&fields, opts)?;
    def.scalar().unwrap().call(args, opts, num_rows)
}

fn plugin_message(e: &DaftError) -> (&str, &str) {
    match e {
        DaftError::Plugin { plugin, message } => (plugin, message),
        other => panic!("expected a plugin error, got {other:?}"),
    }
}

#[test]
fn hello_loads_and_registers_its_functions() {
    let status = hello();
    assert_eq!(status.name, "hello");
    assert_eq!(status.version, "0.1.0");
    assert_eq!(status.abi_version, (1, 1));
    assert_eq!(status.path, std::fs::canonicalize(hello_path()).unwrap());
    let names: Vec<_> = status.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["hello_add_one", "hello_greet"]);
    assert!(status
        .functions
        .iter()
        .all(|f| f.registration == Registration::Global));

    let greet = registry::global().lookup("hello_greet").unwrap();
    assert_eq!(greet.provider, Provider::Plugin("hello".into()));
    assert_eq!(greet.signature_text(), "(name, *, greeting=\"hello\")");
    assert!(greet.doc.contains("Greets each name"));
    // Reachable under the plugin's namespace too.
    assert!(registry::global().lookup("hello.hello_greet").is_ok());
}

#[test]
fn hello_greet_uses_its_option() {
    hello();
    let greet = plugin_fn("hello", "hello_greet");
    let names: ArrayRef = Arc::new(StringArray::from(vec![Some("world"), None, Some("daft")]));

    let opts = options(&greet, &[]);
    let field = greet
        .resolve(&[Field::new("name", DataType::Utf8, true)], &opts)
        .unwrap();
    assert_eq!(field, Field::new("name", DataType::Utf8, true));
    let out = call(&greet, std::slice::from_ref(&names), &opts).unwrap();
    let out = out.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(
        out.iter().collect::<Vec<_>>(),
        [Some("hello, world"), None, Some("hello, daft")]
    );

    let opts = options(&greet, &[("greeting", OptionValue::Str("hi".into()))]);
    let out = call(&greet, &[names], &opts).unwrap();
    let out = out.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(out.value(0), "hi, world");

    // A wrongly typed option is refused when the call is built.
    let e = greet
        .bind_options(BTreeMap::from([(
            "greeting".to_string(),
            OptionValue::Int(1),
        )]))
        .unwrap_err();
    assert!(e.to_string().contains("option `greeting` got a int"), "{e}");
}

#[test]
fn hello_add_one_adds_and_reports_overflow() {
    hello();
    let add = plugin_fn("hello", "hello_add_one");
    let opts = options(&add, &[]);
    let x: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(41)]));
    let out = call(&add, &[x], &opts).unwrap();
    let out = out.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(out.iter().collect::<Vec<_>>(), [Some(2), None, Some(42)]);

    // Other integer widths are accepted (the plugin casts).
    let x: ArrayRef = Arc::new(Int32Array::from(vec![7]));
    let out = call(&add, &[x], &opts).unwrap();
    assert_eq!(
        out.as_any().downcast_ref::<Int64Array>().unwrap().value(0),
        8
    );

    // The declared type class is checked before the plugin runs.
    let e = add
        .resolve(&[Field::new("s", DataType::Utf8, true)], &opts)
        .unwrap_err();
    assert!(matches!(e, DaftError::TypeError(_)), "{e:?}");

    let x: ArrayRef = Arc::new(Int64Array::from(vec![i64::MAX]));
    let e = call(&add, &[x], &opts).unwrap_err();
    assert!(matches!(e, DaftError::ComputeError(_)), "{e:?}");
    assert!(e.to_string().contains("overflows Int64"), "{e}");
}

#[test]
fn loading_the_same_plugin_twice_is_an_error() {
    let first = hello();
    let before = registry::global().get("hello_greet").unwrap();

    // The same file again.
    let e = load_plugin(hello_path()).unwrap_err();
    let (plugin, message) = plugin_message(&e);
    assert_eq!(plugin, "hello");
    assert!(message.contains("already loaded"), "{message}");
    assert!(message.contains("this file is already loaded"), "{message}");

    // A second copy at another path (as a second installed version would be).
    let dir = temp_dir("twice");
    let copy = dir.join(hello_path().file_name().unwrap());
    std::fs::copy(hello_path(), &copy).unwrap();
    let e = load_plugin(&copy).unwrap_err();
    let (plugin, message) = plugin_message(&e);
    assert_eq!(plugin, "hello");
    assert!(message.contains(&copy.display().to_string()), "{message}");
    assert!(
        message.contains(&first.path.display().to_string()),
        "{message}"
    );
    assert!(message.contains("version 0.1.0"), "{message}");

    // Nothing was replaced.
    let after = registry::global().get("hello_greet").unwrap();
    assert!(Arc::ptr_eq(&before, &after));
    let records = statuses();
    assert!(records
        .iter()
        .any(|r| matches!(r, LoadRecord::Failed(f) if f.path == copy)));
    assert_eq!(
        records
            .iter()
            .filter(|r| matches!(r, LoadRecord::Loaded(s) if s.name == "hello"))
            .count(),
        1
    );
}

#[test]
fn missing_and_non_plugin_files_give_clear_errors() {
    let e = load_plugin("/definitely/not/here/libnothing.so").unwrap_err();
    let (plugin, message) = plugin_message(&e);
    assert_eq!(plugin, "libnothing.so");
    assert!(
        message.contains("/definitely/not/here/libnothing.so"),
        "{message}"
    );
    assert!(message.contains("no such file"), "{message}");

    let dir = temp_dir("junk");
    let junk = dir.join("libjunk.so");
    std::fs::write(&junk, "this is not a shared library").unwrap();
    let e = load_plugin(&junk).unwrap_err();
    let (plugin, message) = plugin_message(&e);
    assert_eq!(plugin, "libjunk.so");
    assert!(message.contains(&junk.display().to_string()), "{message}");
    assert!(
        message.contains("not a shared library: the file does not start with an ELF header"),
        "{message}"
    );

    let e = load_plugin(&dir).unwrap_err();
    assert!(e.to_string().contains("is a directory"), "{e}");

    // A real shared library that is not a daft plugin.
    let libm = Path::new("/lib/x86_64-linux-gnu/libm.so.6");
    if libm.exists() {
        let e = load_plugin(libm).unwrap_err();
        assert!(e.to_string().contains("not a daft plugin"), "{e}");
    }

    let failures = statuses()
        .into_iter()
        .filter(|r| matches!(r, LoadRecord::Failed(f) if f.path == junk))
        .count();
    assert_eq!(failures, 1);
}

#[test]
fn record_failure_is_listed() {
    daft_plugin_loader::record_failure("entry point daft_plugin_x", "ImportError: no module");
    assert!(statuses().iter().any(|r| matches!(
        r,
        LoadRecord::Failed(f) if f.path == Path::new("entry point daft_plugin_x")
            && f.reason == "ImportError: no module"
    )));
}

#[test]
fn a_clashing_name_stays_reachable_under_the_plugin() {
    let status = fixture();
    let clash = status
        .functions
        .iter()
        .find(|f| f.name == "hello_greet")
        .unwrap();
    assert_eq!(
        clash.registration,
        Registration::NamespacedOnly {
            taken_by: Provider::Plugin("hello".into())
        }
    );
    assert!(status
        .functions
        .iter()
        .filter(|f| f.name != "hello_greet")
        .all(|f| f.registration == Registration::Global));
    let global = registry::global().get("hello_greet").unwrap();
    assert_eq!(global.provider, Provider::Plugin("hello".into()));
    let namespaced = registry::global().lookup("fixture.hello_greet").unwrap();
    assert_eq!(namespaced.provider, Provider::Plugin("fixture".into()));
}

#[test]
fn panics_and_errors_in_plugins_come_back_as_errors() {
    fixture();
    let x: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
    let field = [Field::new("x", DataType::Int64, true)];
    let none = FunctionOptions::default();

    let def = plugin_fn("fixture", "fixture_panic_rule");
    let e = def.resolve(&field, &none).unwrap_err();
    let (plugin, message) = plugin_message(&e);
    assert_eq!(plugin, "fixture");
    assert!(message.contains("fixture_panic_rule"), "{message}");
    assert!(
        message.contains("return-type rule panicked: rule exploded"),
        "{message}"
    );

    let def = plugin_fn("fixture", "fixture_panic_kernel");
    let e = def
        .scalar()
        .unwrap()
        .call(std::slice::from_ref(&x), &none, 3)
        .unwrap_err();
    let (_, message) = plugin_message(&e);
    assert!(
        message.contains("kernel panicked: kernel exploded"),
        "{message}"
    );
    // The function still works after a panic (nothing was poisoned).
    let e = def
        .scalar()
        .unwrap()
        .call(std::slice::from_ref(&x), &none, 3)
        .unwrap_err();
    assert!(e.to_string().contains("kernel exploded"));

    let def = plugin_fn("fixture", "fixture_err_kernel");
    let e = def
        .scalar()
        .unwrap()
        .call(std::slice::from_ref(&x), &none, 3)
        .unwrap_err();
    assert!(
        matches!(&e, DaftError::ComputeError(m) if m == "bad input value"),
        "{e:?}"
    );

    let def = plugin_fn("fixture", "fixture_reject");
    let e = def.resolve(&field, &none).unwrap_err();
    assert!(matches!(&e, DaftError::TypeError(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("function fixture.fixture_reject: cannot use a column named \"x\""),
        "{e}"
    );
}

#[test]
fn a_panicking_manifest_is_an_error_and_registers_nothing() {
    fixture();
    let dir = temp_dir("boom");
    let copy = dir.join("libfixture_boom.so");
    std::fs::copy(fixture_path(), &copy).unwrap();
    let before = registry::global().providers().len();
    let e = {
        let _env = env_lock();
        std::env::set_var("DAFT_TEST_FIXTURE_PANIC_AT_LOAD", "1");
        let result = load_plugin(&copy);
        std::env::remove_var("DAFT_TEST_FIXTURE_PANIC_AT_LOAD");
        result.unwrap_err()
    };
    let (plugin, message) = plugin_message(&e);
    assert_eq!(plugin, "libfixture_boom.so");
    assert!(message.contains(&copy.display().to_string()), "{message}");
    assert!(
        message.contains("manifest entry point failed: panicked: "),
        "{message}"
    );
    assert!(message.contains("manifest exploded"), "{message}");
    assert_eq!(registry::global().providers().len(), before);
}

#[test]
fn extension_types_are_registered_and_tagged() {
    let status = fixture();
    let names: Vec<_> = status.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["fixture.boom", "fixture.point"]);
    let point = daft_plugin_loader::extension_type("fixture.point").unwrap();
    assert_eq!(point.storage, DataType::Int64);
    assert_eq!(point.plugin, "fixture");
    assert_eq!(point.metadata, "{\"unit\":\"m\"}");
    assert!(daft_plugin_loader::extension_types()
        .iter()
        .any(|t| t.name == "fixture.boom" && t.storage == DataType::Utf8));

    let def = plugin_fn("fixture", "fixture_point");
    let none = FunctionOptions::default();
    let field = def
        .resolve(&[Field::new("x", DataType::Int32, true)], &none)
        .unwrap();
    assert_eq!(field.name(), "x");
    assert_eq!(field.data_type(), &DataType::Int64);
    assert_eq!(
        field.metadata().get(EXTENSION_NAME_KEY).map(String::as_str),
        Some("fixture.point")
    );
    assert_eq!(
        field
            .metadata()
            .get(EXTENSION_METADATA_KEY)
            .map(String::as_str),
        Some("{\"unit\":\"m\"}")
    );
    assert_eq!(daft_core::types::display_type(&field), "fixture.point");

    let def = plugin_fn("fixture", "fixture_bad_point");
    let e = def
        .resolve(&[Field::new("x", DataType::Int32, true)], &none)
        .unwrap_err();
    let (_, message) = plugin_message(&e);
    assert!(message.contains("storage Utf8"), "{message}");
}

#[test]
fn arrays_round_trip_through_a_plugin() {
    fixture();
    let def = plugin_fn("fixture", "fixture_identity");
    let none = FunctionOptions::default();
    let strings: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("ccc")]));
    let sliced = strings.slice(1, 2);
    let lists: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1), None]),
        None,
        Some(vec![]),
    ]));
    for input in [strings, sliced, lists] {
        let out = def
            .scalar()
            .unwrap()
            .call(std::slice::from_ref(&input), &none, input.len())
            .unwrap();
        assert_eq!(out.to_data(), input.to_data());
    }

    daft_plugin_loader::set_strict_validation(true);
    let out = def
        .scalar()
        .unwrap()
        .call(&[Arc::new(Int64Array::from(vec![5]))], &none, 1);
    daft_plugin_loader::set_strict_validation(false);
    assert_eq!(out.unwrap().len(), 1);
}

#[test]
fn variadic_functions_and_typed_options() {
    fixture();
    let def = plugin_fn("fixture", "fixture_sum");
    assert_eq!(
        def.signature_text(),
        "(*xs, scale=1.0, negate=False, offset, label=\"sum\")"
    );
    let e = def.bind_options(BTreeMap::new()).unwrap_err();
    assert!(
        e.to_string().contains("missing required option `offset`"),
        "{e}"
    );

    let opts = options(
        &def,
        &[
            ("offset", OptionValue::Int(10)),
            ("scale", OptionValue::Int(2)),
        ],
    );
    assert_eq!(opts.get("scale"), Some(&OptionValue::Float(2.0)));
    let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), Some(2), None]));
    let b: ArrayRef = Arc::new(Int32Array::from(vec![100, 200, 300]));
    let out = call(&def, &[a.clone(), b], &opts).unwrap();
    let out = out.as_any().downcast_ref::<Float64Array>().unwrap();
    assert_eq!(
        out.iter().collect::<Vec<_>>(),
        [Some(222.0), Some(424.0), None]
    );

    let opts = options(
        &def,
        &[
            ("offset", OptionValue::Int(0)),
            ("negate", OptionValue::Bool(true)),
            ("label", OptionValue::Str(String::new())),
        ],
    );
    let e = call(&def, std::slice::from_ref(&a), &opts).unwrap_err();
    assert!(e.to_string().contains("label must not be empty"), "{e}");

    // Arity is checked by the registry before the plugin is asked.
    let e = def.resolve(&[], &opts).unwrap_err();
    assert!(e.to_string().contains("at least 1"), "{e}");

    let zeros = plugin_fn("fixture", "fixture_zeros");
    let out = zeros
        .scalar()
        .unwrap()
        .call(&[], &none_options(), 4)
        .unwrap();
    assert_eq!(out.len(), 4);
    assert_eq!(
        zeros.resolve(&[], &none_options()).unwrap().name(),
        "fixture_zeros"
    );
}

fn none_options() -> FunctionOptions {
    FunctionOptions::default()
}

/// Copies the hello library with the ABI version string in its abi_stable
/// header replaced, as a plugin built against another daft-plugin-api would
/// carry. Returns `None` when the string is not found exactly once (the
/// linker may lay strings out differently).
fn hello_with_abi_version(version: &str) -> Option<PathBuf> {
    let bytes = std::fs::read(hello_path()).unwrap();
    // RootModule::NAME is laid out right before the version string.
    let needle = b"daft plugin1.1.0";
    let hits: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| w == needle)
        .map(|(i, _)| i)
        .collect();
    let [at] = hits[..] else {
        eprintln!(
            "skipping: found the ABI version string {} times",
            hits.len()
        );
        return None;
    };
    let mut patched = bytes;
    let start = at + b"daft plugin".len();
    assert_eq!(version.len(), 5);
    patched[start..start + 5].copy_from_slice(version.as_bytes());
    let dir = temp_dir("abi");
    let path = dir.join(format!("libhello_abi_{}.so", version.replace('.', "_")));
    std::fs::write(&path, patched).unwrap();
    Some(path)
}

#[test]
fn an_abi_version_mismatch_is_an_error_naming_both_versions() {
    hello();
    for (version, shown) in [("2.0.0", "2.0"), ("1.9.0", "1.9")] {
        let Some(path) = hello_with_abi_version(version) else {
            return;
        };
        let e = load_plugin(&path).unwrap_err();
        let (plugin, message) = plugin_message(&e);
        assert_eq!(plugin, path.file_name().unwrap().to_str().unwrap());
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("ABI version mismatch"), "{message}");
        assert!(
            message.contains(&format!(
                "built for plugin ABI {shown}, but this daft loads plugin ABI 1.0 to 1.1"
            )),
            "{message}"
        );
    }
}

#[test]
fn an_allow_list_skips_other_plugins() {
    hello();
    let dir = temp_dir("allow");
    let copy = dir.join("libhello_copy.so");
    std::fs::copy(hello_path(), &copy).unwrap();
    let before = statuses().len();
    let skipped =
        daft_plugin_loader::load_plugin_if_allowed(&copy, Some(&["other".to_string()])).unwrap();
    assert!(skipped.is_none());
    // Skipping is not a failure and registers nothing.
    assert!(statuses()[before..]
        .iter()
        .all(|r| !matches!(r, LoadRecord::Failed(f) if f.path == copy)));
    // Allowed, the copy is loaded (and refused as a second "hello").
    let e = daft_plugin_loader::load_plugin_if_allowed(&copy, Some(&["hello".to_string()]))
        .unwrap_err();
    assert!(e.to_string().contains("already loaded"), "{e}");
}

#[test]
fn an_invalid_plugin_name_is_reported_under_the_file_name() {
    let path = build_cdylib("daft-broken-empty-name", "broken_empty_name");
    let e = load_plugin(&path).unwrap_err();
    let (plugin, message) = plugin_message(&e);
    // Before the fix the label was the empty plugin name itself.
    assert_eq!(plugin, "libbroken_empty_name.so");
    assert!(
        message.ends_with(
            "(version 0.0.1): invalid plugin name \"\": use letters, digits and underscores, \
             not starting with a digit"
        ),
        "{message}"
    );
    assert!(daft_core::registry::global()
        .get("nameless_identity")
        .is_none());
}
