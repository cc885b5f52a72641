//! Plugin aggregates (ABI 1.1) through the registry, and ABI compatibility:
//! a plugin built with the frozen 1.0 SDK (tests/fixtures/abi-1.0) loads
//! and runs in this 1.1 host, and the 1.0 loader refuses a 1.1 plugin.

mod common;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field};
use daft_core::aggregate::{Emit, GroupsAccumulator};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{self, FunctionDef};
use daft_core::DaftError;

use common::{build_cdylib, call, load_plugins, plugin_fn};

fn text_path() -> std::path::PathBuf {
    build_cdylib("daft-plugin-text", "daft_plugin_text")
}

fn load_text() -> Arc<FunctionDef> {
    static LOADED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| {
        daft_plugin_loader::load_plugin(text_path()).expect("load text");
    });
    plugin_fn("text", "checksum")
}

/// The reference: wrapping sum of FNV-1a hashes per group, null when empty.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A small deterministic generator (no dependency needed for test data).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// An accumulator, created as the engine creates one: with the output and
/// state fields resolved first, at plan time.
fn accumulator_with(
    def: &FunctionDef,
    args: &[Field],
    options: &FunctionOptions,
) -> Result<Box<dyn GroupsAccumulator>, DaftError> {
    let aggregate = def.implementation.aggregate().expect("an aggregate");
    let output = def.resolve(args, options)?;
    let state = aggregate.state_fields(args, options)?;
    aggregate.accumulator(args, options, &output, &state)
}

fn accumulator(def: &FunctionDef, args: &[Field]) -> Box<dyn GroupsAccumulator> {
    accumulator_with(def, args, &FunctionOptions::default()).expect("create an accumulator")
}

#[test]
fn plugin_aggregate_is_registered_as_an_aggregate() {
    let def = load_text();
    assert!(def.is_aggregate());
    assert!(def.scalar().is_err(), "an aggregate has no row kernel");
    let field = def
        .resolve(
            &[Field::new("s", DataType::Utf8, true)],
            &FunctionOptions::default(),
        )
        .unwrap();
    assert_eq!(field.data_type(), &DataType::UInt64);
    assert_eq!(field.name(), "s");
    // The declared type class is checked before the plugin's rule runs.
    let err = def
        .resolve(
            &[Field::new("n", DataType::Int64, true)],
            &FunctionOptions::default(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("text.checksum"), "{err}");
}

#[test]
fn checksum_equals_the_reference_per_group_across_batches_and_merged_partitions() {
    let def = load_text();
    let fields = [Field::new("s", DataType::Utf8, true)];
    let mut rng = Lcg(7);
    let groups_n = 37;
    let rows = 5_000;
    let values: Vec<Option<String>> = (0..rows)
        .map(|_| match rng.next() % 5 {
            0 => None,
            k => Some(format!("v{}-{}", k, rng.next() % 100)),
        })
        .collect();
    let groups: Vec<usize> = (0..rows)
        .map(|_| (rng.next() % groups_n) as usize)
        .collect();

    let mut expected: Vec<Option<u64>> = vec![None; groups_n as usize];
    for (v, g) in values.iter().zip(&groups) {
        if let Some(v) = v {
            let h = fnv1a64(v.as_bytes());
            expected[*g] = Some(expected[*g].unwrap_or(0).wrapping_add(h));
        }
    }

    // Three partitions, each fed in uneven batches; groups a partition
    // never saw still exist (total_groups covers them all).
    let mut partials = Vec::new();
    let cuts = [0, 1, 700, 701, 2_000, 3_333, 4_100, rows];
    for p in 0..3 {
        let mut acc = accumulator(&def, &fields);
        for w in cuts.windows(2).skip(p).step_by(3) {
            let (a, b) = (w[0], w[1]);
            let batch: ArrayRef = Arc::new(StringArray::from(values[a..b].to_vec()));
            acc.update(&[batch], &groups[a..b], groups_n as usize)
                .unwrap();
        }
        partials.push(acc.state(Emit::All).unwrap());
    }
    let mut last = accumulator(&def, &fields);
    for state in &partials {
        let all: Vec<usize> = (0..groups_n as usize).collect();
        let rows_in_state = state[0].len();
        last.merge(state, &all[..rows_in_state], groups_n as usize)
            .unwrap();
    }
    // Emit the first 10 groups, then the rest (which shift down).
    let first = last.evaluate(Emit::First(10)).unwrap();
    let rest = last.evaluate(Emit::All).unwrap();
    let got: Vec<Option<u64>> = [first, rest]
        .iter()
        .flat_map(|a| {
            let a = a.as_any().downcast_ref::<UInt64Array>().unwrap();
            a.iter().collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(got, expected);
}

fn fixture_count(mode: &str) -> (Arc<FunctionDef>, FunctionOptions) {
    load_plugins();
    let def = plugin_fn("fixture", "fixture_count");
    let options = def
        .bind_options([("mode".to_string(), OptionValue::Str(mode.into()))].into())
        .unwrap();
    (def, options)
}

fn run(mode: &str) -> Result<ArrayRef, DaftError> {
    let (def, options) = fixture_count(mode);
    let fields = [Field::new("x", DataType::Int64, true)];
    let mut acc = accumulator_with(&def, &fields, &options)?;
    let x: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3)]));
    acc.update(&[x], &[0, 1, 1], 2)?;
    acc.evaluate(Emit::All)
}

#[test]
fn a_well_behaved_fixture_aggregate_counts() {
    let out = run("ok").unwrap();
    let out = out.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(out.values(), &[1, 1]);
}

#[test]
fn a_panic_in_an_accumulator_is_a_plugin_error_naming_the_function() {
    let e = run("panic").unwrap_err().to_string();
    assert!(e.contains("fixture_count"), "{e}");
    assert!(
        e.contains("update panicked: fixture_count was told to panic"),
        "{e}"
    );
}

#[test]
fn an_error_from_an_accumulator_names_the_aggregate() {
    let e = run("err").unwrap_err().to_string();
    assert!(
        e.contains("aggregate fixture.fixture_count: fixture_count was told to fail"),
        "{e}"
    );
}

#[test]
fn an_emitted_array_of_the_wrong_type_or_length_is_refused() {
    let e = run("wrong_type").unwrap_err().to_string();
    assert!(
        e.contains("the result has type Int32 but Int64 was declared"),
        "{e}"
    );
    let e = run("wrong_rows").unwrap_err().to_string();
    assert!(
        e.contains("the result has 3 rows for 2 emitted groups"),
        "{e}"
    );
}

/// A file the ABI 1.0 fixture workspace (tests/fixtures/abi-1.0) built
/// into the shared target directory (the Makefile builds it before the
/// tests; so does this, when run on its own).
fn abi10_artifact(file: &str) -> std::path::PathBuf {
    let dir = std::env::var("DAFT_TEST_PLUGIN_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| text_path().parent().unwrap().to_path_buf());
    let path = dir.join(file);
    if !path.exists() {
        let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .current_dir(&workspace)
            .args(["build", "--release", "--manifest-path"])
            .arg("tests/fixtures/abi-1.0/Cargo.toml")
            .status()
            .expect("run cargo");
        assert!(status.success(), "building tests/fixtures/abi-1.0 failed");
    }
    assert!(path.exists(), "{} is missing", path.display());
    path
}

#[test]
fn a_plugin_built_with_the_1_0_sdk_loads_and_runs_in_this_host() {
    let path = abi10_artifact("libdaft_plugin_hello_abi10.so");
    let status = daft_plugin_loader::load_plugin(&path).expect("load the 1.0 plugin");
    assert_eq!(status.abi_version, (1, 0));
    assert_eq!(status.name, "hello_abi10");
    assert!(
        !status.host_allocator,
        "a 1.0 plugin keeps its own allocator"
    );
    let def = registry::global()
        .get_from("hello_abi10", "abi10_add_one")
        .unwrap();
    let x: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(41)]));
    let out = call(&def, &[x], 3).unwrap();
    let out = out.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(out.iter().collect::<Vec<_>>(), [Some(2), None, Some(42)]);
    let greet = registry::global()
        .get_from("hello_abi10", "abi10_greet")
        .unwrap();
    let names: ArrayRef = Arc::new(StringArray::from(vec!["world"]));
    let out = call(&greet, &[names], 1).unwrap();
    let out = out.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(out.value(0), "hello, world");
}

#[test]
fn the_1_0_loader_refuses_a_1_1_plugin_with_the_version_message() {
    let loader = abi10_artifact("abi10-load");
    let out = std::process::Command::new(loader)
        .arg(text_path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "ABI version mismatch: the plugin was built for plugin ABI 1.1, but this daft \
             loads plugin ABI 1.0 to 1.0"
        ),
        "{text}"
    );
    // And the 1.0 loader still loads its own plugins (the fixture is sound).
    let own = std::process::Command::new(abi10_artifact("abi10-load"))
        .arg(abi10_artifact("libdaft_plugin_hello_abi10.so"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&own.stdout).trim(),
        "loaded hello_abi10 1.0"
    );
}
