//! Helpers shared by the loader's integration tests: finding (or building)
//! the plugin libraries, loading them once, and calling a plugin function
//! the way the engine does.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use arrow::array::ArrayRef;
use arrow::datatypes::Field;
use daft_core::options::OptionValue;
use daft_core::registry::{self, FunctionDef};
use daft_core::DaftResult;

/// Builds package `package` (of the root workspace or the plugin packs') with cargo and returns the path of
/// its cdylib (the artifact whose target is named `lib_name`), as cargo
/// reports it with `--message-format=json`.
///
/// When `DAFT_TEST_PLUGIN_DIR` is set (the Makefile sets it after
/// `cargo build --workspace`), the library is taken from that directory
/// instead: a build of one package alone unifies features differently from
/// the workspace build and would recompile arrow a second time.
pub fn build_cdylib(package: &str, lib_name: &str) -> PathBuf {
    if let Ok(dir) = std::env::var("DAFT_TEST_PLUGIN_DIR") {
        let path = Path::new(&dir).join(format!(
            "{}{lib_name}{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        ));
        assert!(
            path.is_file(),
            "DAFT_TEST_PLUGIN_DIR is set but {} does not exist (package {package}); `make test-rust` builds it",
            path.display()
        );
        return path;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The first-party plugin packs (plugins/NAME, package daft-plugin-NAME)
    // are a workspace of their own; the test plugins are in the root's.
    let pack = package
        .strip_prefix("daft-plugin-")
        .filter(|name| root.join("plugins").join(name).join("Cargo.toml").is_file());
    let manifest = match pack {
        Some(_) => root.join("plugins/Cargo.toml"),
        None => root.join("Cargo.toml"),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["-p", package, "--message-format=json"]);
    // Build with the profile this test binary was built with (it lives in
    // <target>/<profile dir>/deps/), so `cargo test --release` reuses the
    // release artifacts instead of compiling everything a second time.
    let profile_dir = std::env::current_exe().ok().and_then(|exe| {
        let dir = exe.parent()?.parent()?.file_name()?.to_str()?.to_string();
        Some(dir)
    });
    match profile_dir.as_deref() {
        None | Some("debug") => {}
        Some(profile) => {
            cmd.args(["--profile", profile]);
        }
    }
    let out = cmd.output().expect("run cargo");
    assert!(
        out.status.success(),
        "cargo build -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8 cargo output");
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" || msg["target"]["name"] != lib_name {
            continue;
        }
        let files = msg["filenames"].as_array().into_iter().flatten();
        for f in files.filter_map(|f| f.as_str()) {
            if f.ends_with(std::env::consts::DLL_SUFFIX) {
                return PathBuf::from(f);
            }
        }
    }
    panic!("cargo build -p {package} reported no cdylib for {lib_name}");
}

pub fn hello_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| build_cdylib("daft-plugin-hello", "daft_plugin_hello"))
}

pub fn fixture_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| build_cdylib("daft-plugin-test-fixture", "daft_plugin_test_fixture"))
}

/// Loads the hello plugin, then the test fixture, once per test binary.
pub fn load_plugins() {
    static LOADED: OnceLock<()> = OnceLock::new();
    LOADED.get_or_init(|| {
        daft_plugin_loader::load_plugin(hello_path()).expect("load hello");
        daft_plugin_loader::load_plugin(fixture_path()).expect("load the test fixture");
    });
}

/// The registry entry `provider.name` (the plugins must be loaded).
pub fn plugin_fn(provider: &str, name: &str) -> Arc<FunctionDef> {
    registry::global()
        .get_from(provider, name)
        .unwrap_or_else(|| panic!("{provider}.{name} is not registered"))
}

/// Calls `def` as the engine does: the return field is resolved first (at
/// plan time, from the arguments' fields), then the kernel runs through the
/// registry's implementation (the plugin adapter) on `num_rows` rows, and
/// the result must have that many rows and the resolved type.
pub fn call(def: &FunctionDef, args: &[ArrayRef], num_rows: usize) -> DaftResult<ArrayRef> {
    call_with_options(def, args, num_rows, &[])
}

/// [`call`] with options, bound (checked, defaults filled in) as the
/// engine binds them when the expression is built.
pub fn call_with_options(
    def: &FunctionDef,
    args: &[ArrayRef],
    num_rows: usize,
    options: &[(&str, OptionValue)],
) -> DaftResult<ArrayRef> {
    let options = def.bind_options(
        options
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )?;
    let fields: Vec<Field> = args
        .iter()
        .enumerate()
        .map(|(i, a)| Field::new(format!("a{i}"), a.data_type().clone(), true))
        .collect();
    let field = def.resolve(&fields, &options)?;
    let out = def.scalar().unwrap().call(args, &options, num_rows)?;
    assert_eq!(
        out.len(),
        num_rows,
        "{} returned a wrong row count",
        def.name
    );
    assert_eq!(
        out.data_type(),
        field.data_type(),
        "{} returned another type than it declared",
        def.name
    );
    Ok(out)
}
