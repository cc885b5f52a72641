//! A plugin built against another arrow major than the host's loads and
//! computes correctly: arrays cross as C Data Interface structs only.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field};
use daft_core::options::FunctionOptions;
use daft_core::registry;

/// Builds `tests/fixtures/plugin-arrow55` (its own workspace, its own
/// target dir) and returns its library path.
fn build_arrow55_plugin() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest = root.join("tests/fixtures/plugin-arrow55/Cargo.toml");
    let target_dir = root.join("target/plugin-arrow55");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "building the arrow-55 plugin failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lib = format!(
        "{}daft_plugin_arrow55{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    target_dir.join("debug").join(lib)
}

#[test]
fn plugin_built_with_arrow_55_runs_in_the_arrow_59_host() {
    // The host uses the arrow of DataFusion; the first-party plugins use 60.
    assert!(arrow::ARROW_VERSION.starts_with("59."));
    let path = build_arrow55_plugin();
    let status = daft_plugin_loader::load_plugin(&path).expect("load the arrow-55 plugin");
    assert_eq!(status.name, "arrow55");

    let reg = registry::global();
    let version = reg.get("arrow55_version").expect("registered");
    let x: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(41)]));
    let field = Field::new("x", DataType::Int64, true);
    let opts = FunctionOptions::default();
    version
        .resolve(std::slice::from_ref(&field), &opts)
        .unwrap();
    let v = version
        .scalar()
        .unwrap()
        .call(std::slice::from_ref(&x), &opts, 3)
        .unwrap();
    let v = v.as_any().downcast_ref::<StringArray>().unwrap();
    assert!(
        v.value(0).starts_with("55."),
        "plugin reports arrow {}",
        v.value(0)
    );

    let add_one = reg.get("arrow55_add_one").expect("registered");
    let out = add_one
        .scalar()
        .unwrap()
        .call(&[x.slice(1, 2)], &opts, 2)
        .unwrap();
    let out = out.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(out.iter().collect::<Vec<_>>(), [None, Some(42)]);
}
