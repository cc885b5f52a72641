//! Pins the ABI: a change of any type that crosses the boundary fails
//! these tests until `ABI_VERSION` is bumped and the snapshot updated.

use std::collections::BTreeSet;
use std::mem::{align_of, offset_of, size_of};

use abi_stable::std_types::{RResult, RString, RVec};
use abi_stable::type_layout::TypeLayout;
use abi_stable::StableAbi;

use super::export::guard;
use super::load::{checked, lossy, manifest_from_ffi};
use super::version::ABI_VERSION_STRING;
use super::*;

/// The checked-in rendering of every type layout reachable from the root
/// module. Regenerate with `UPDATE_ABI_SNAPSHOT=1 cargo test -p daft-plugin-api`.
const SNAPSHOT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/abi/layout.snap");

/// Renders type layouts and everything they refer to, one block per type,
/// sorted: names, sizes, alignments, fields, variants and
/// function signatures, but no source lines or crate versions, so only a
/// change of the ABI changes the text.
fn render(roots: &[&'static TypeLayout]) -> String {
    // Keyed by the whole block: generic instances share a name (`RResult`)
    // but differ in their fields.
    let mut blocks = BTreeSet::new();
    let mut stack = roots.to_vec();
    let mut seen = std::collections::HashSet::new();
    while let Some(layout) = stack.pop() {
        if !seen.insert(layout.get_utypeid()) {
            continue;
        }
        let name = layout.full_type().to_string();
        // abi_stable prints the crate and version each field's type comes
        // from; versions change without the layout changing, so drop them.
        let data = layout
            .data()
            .to_string()
            .lines()
            .map(|line| match line.find(" version:'") {
                Some(i) if line.trim_start().starts_with("package:") => &line[..i],
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let block = format!(
            "## {name}\nsize={} align={}\n{data}",
            layout.size(),
            layout.alignment(),
        );
        blocks.insert(block);
        for nested in layout.shared_vars().type_layouts() {
            stack.push(nested());
        }
    }
    let mut out = format!("ABI_VERSION {ABI_VERSION}\n\n");
    for block in &blocks {
        out.push_str(block.trim_end());
        out.push_str("\n\n");
    }
    out
}

#[test]
fn layout_matches_the_snapshot() {
    // Everything that crosses: the root module and the tables of later minors.
    let current = render(&[
        <PluginRootRef as StableAbi>::LAYOUT,
        <PluginExtensions1_1 as StableAbi>::LAYOUT,
    ]);
    if std::env::var_os("UPDATE_ABI_SNAPSHOT").is_some() {
        std::fs::write(SNAPSHOT_PATH, &current).unwrap();
        return;
    }
    let saved = std::fs::read_to_string(SNAPSHOT_PATH).unwrap_or_default();
    if saved == current {
        return;
    }
    let saved_version = saved.lines().next().unwrap_or("").to_string();
    let current_version = current.lines().next().unwrap_or("").to_string();
    let first_diff = saved
        .lines()
        .zip(current.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| format!("line {}: snapshot {a:?}, now {b:?}", i + 1))
        .unwrap_or_else(|| "one text is a prefix of the other".into());
    if saved_version == current_version {
        panic!(
            "the plugin ABI layout changed but ABI_VERSION ({ABI_VERSION}) did not.\n\
             Bump ABI_VERSION in plugin-api/src/abi/version.rs (major for a changed type, minor \
             for a new table beside PluginRoot, as PluginExtensions1_1), then run \
             UPDATE_ABI_SNAPSHOT=1 cargo test -p daft-plugin-api.\nFirst difference: {first_diff}"
        );
    }
    panic!(
        "ABI_VERSION is now {ABI_VERSION} (snapshot: {saved_version:?}); update the snapshot with \
         UPDATE_ABI_SNAPSHOT=1 cargo test -p daft-plugin-api.\nFirst difference: {first_diff}"
    );
}

#[test]
fn arrow_structs_follow_the_c_data_interface() {
    // Offsets of the spec's C structs on a platform with 8-byte pointers
    // and 8-byte int64 alignment (every platform daft ships for).
    if size_of::<usize>() != 8 {
        return;
    }
    assert_eq!(size_of::<ArrowSchema>(), 72);
    assert_eq!(align_of::<ArrowSchema>(), 8);
    assert_eq!(offset_of!(ArrowSchema, format), 0);
    assert_eq!(offset_of!(ArrowSchema, name), 8);
    assert_eq!(offset_of!(ArrowSchema, metadata), 16);
    assert_eq!(offset_of!(ArrowSchema, flags), 24);
    assert_eq!(offset_of!(ArrowSchema, n_children), 32);
    assert_eq!(offset_of!(ArrowSchema, children), 40);
    assert_eq!(offset_of!(ArrowSchema, dictionary), 48);
    assert_eq!(offset_of!(ArrowSchema, release), 56);
    assert_eq!(offset_of!(ArrowSchema, private_data), 64);

    assert_eq!(size_of::<ArrowArray>(), 80);
    assert_eq!(align_of::<ArrowArray>(), 8);
    assert_eq!(offset_of!(ArrowArray, length), 0);
    assert_eq!(offset_of!(ArrowArray, null_count), 8);
    assert_eq!(offset_of!(ArrowArray, offset), 16);
    assert_eq!(offset_of!(ArrowArray, n_buffers), 24);
    assert_eq!(offset_of!(ArrowArray, n_children), 32);
    assert_eq!(offset_of!(ArrowArray, buffers), 40);
    assert_eq!(offset_of!(ArrowArray, children), 48);
    assert_eq!(offset_of!(ArrowArray, dictionary), 56);
    assert_eq!(offset_of!(ArrowArray, release), 64);
    assert_eq!(offset_of!(ArrowArray, private_data), 72);
}

#[test]
fn abi_structs_have_pinned_sizes() {
    if size_of::<usize>() != 8 {
        return;
    }
    // (size, align) of every by-value ABI struct; the snapshot covers the
    // fields, this catches padding changes a rename-free edit could cause.
    assert_eq!((size_of::<AbiVersion>(), align_of::<AbiVersion>()), (8, 4));
    assert_eq!(offset_of!(AbiVersion, minor), 4);
    assert_eq!((size_of::<FfiValue>(), align_of::<FfiValue>()), (40, 8));
    assert_eq!((size_of::<FfiOption>(), align_of::<FfiOption>()), (72, 8));
    assert_eq!(
        (size_of::<FfiParamKind>(), align_of::<FfiParamKind>()),
        (56, 8)
    );
    assert_eq!((size_of::<FfiParam>(), align_of::<FfiParam>()), (88, 8));
    assert_eq!(
        (size_of::<FfiFunction>(), align_of::<FfiFunction>()),
        (120, 8)
    );
    assert_eq!(
        (
            size_of::<FfiExtensionType>(),
            align_of::<FfiExtensionType>()
        ),
        (136, 8)
    );
    assert_eq!(
        (size_of::<FfiManifest>(), align_of::<FfiManifest>()),
        (128, 8)
    );
    assert_eq!((size_of::<PluginRoot>(), align_of::<PluginRoot>()), (16, 8));
    assert_eq!(offset_of!(PluginRoot, manifest), 8);
    // ABI 1.1: its own table, beside the root module (which keeps 1.0's layout).
    assert_eq!(
        (
            size_of::<PluginExtensions1_1>(),
            align_of::<PluginExtensions1_1>()
        ),
        (32, 8)
    );
    assert_eq!(
        (size_of::<FfiAllocator>(), align_of::<FfiAllocator>()),
        (32, 8)
    );
    assert_eq!(
        (
            size_of::<FfiFunctionState>(),
            align_of::<FfiFunctionState>()
        ),
        (24, 8)
    );
    assert_eq!(
        (
            size_of::<FfiStatefulFunction>(),
            align_of::<FfiStatefulFunction>()
        ),
        (120, 8)
    );
    assert_eq!((size_of::<FfiColumn>(), align_of::<FfiColumn>()), (152, 8));
    assert_eq!(
        (size_of::<FfiAccumulator>(), align_of::<FfiAccumulator>()),
        (56, 8)
    );
    assert_eq!(
        (size_of::<FfiAggregate>(), align_of::<FfiAggregate>()),
        (128, 8)
    );
}

#[test]
fn version_rules() {
    let host = AbiVersion { major: 1, minor: 2 };
    assert!(host.can_load(AbiVersion { major: 1, minor: 0 }));
    assert!(host.can_load(AbiVersion { major: 1, minor: 2 }));
    assert!(!host.can_load(AbiVersion { major: 1, minor: 3 }));
    assert!(!host.can_load(AbiVersion { major: 2, minor: 0 }));
    assert!(!host.can_load(AbiVersion { major: 0, minor: 2 }));
    assert_eq!(
        AbiVersion::parse("1.2.3"),
        Some(AbiVersion { major: 1, minor: 2 })
    );
    assert_eq!(AbiVersion::parse("1"), None);
    assert_eq!(
        AbiVersion::parse(ABI_VERSION_STRING),
        Some(ABI_VERSION),
        "ABI_VERSION_STRING must spell ABI_VERSION"
    );
}

#[test]
fn guard_turns_panics_into_errors() {
    let r: RResult<(), RString> = guard(|| panic!("boom {}", 42));
    assert_eq!(r, RResult::RErr(RString::from("panicked: boom 42")));
    let r: RResult<u8, RString> = guard(|| Err("plain".into()));
    assert_eq!(r, RResult::RErr(RString::from("plain")));
    let r: RResult<u8, RString> = guard(|| Ok(7));
    assert_eq!(r, RResult::ROk(7));
}

/// A string with the given bytes, UTF-8 or not, as a plugin's own `unsafe`
/// code could make one.
fn raw_rstring(bytes: &[u8]) -> RString {
    // SAFETY: deliberately not upheld: the tests check that the host reads
    // such strings as bytes and refuses them, never as text.
    unsafe { RString::from_utf8_unchecked(RVec::from(bytes.to_vec())) }
}

#[test]
fn plugin_texts_that_are_not_utf8_are_refused_or_replaced() {
    assert_eq!(checked(&raw_rstring(b"ok"), || "x".into()), Ok("ok".into()));
    assert_eq!(
        checked(&raw_rstring(b"caf\xe9"), || "the plugin name".into()),
        Err("the plugin name is not valid UTF-8: \"caf\u{fffd}\"".into())
    );
    // Error messages are shown anyway, with the bad bytes replaced.
    assert_eq!(lossy(&raw_rstring(b"bad \xff")), "bad \u{fffd}");
}

#[test]
fn a_manifest_with_a_non_utf8_name_is_refused() {
    let manifest = FfiManifest {
        name: raw_rstring(b"caf\xe9"),
        version: "0.0.1".into(),
        functions: RVec::new(),
        types: RVec::new(),
    };
    let err = manifest_from_ffi(ABI_VERSION, manifest).unwrap_err();
    assert_eq!(err, "the plugin name is not valid UTF-8: \"caf\u{fffd}\"");
}

#[test]
fn a_type_text_arrow_cannot_read_names_the_function_and_parameter() {
    let bad = crate::Param::expr("x", crate::TypeClass::Exact("Flaot64"));
    let e = super::signature::constraint_of_for_tests("f", &bad).unwrap_err();
    assert!(
        e.starts_with("function f: parameter `x`: cannot read the type \"Flaot64\""),
        "{e}"
    );
    let good = crate::Param::expr("x", crate::TypeClass::Exact("List(Int64)"));
    assert!(super::signature::constraint_of_for_tests("f", &good)
        .unwrap()
        .is_some());
    let coarse = crate::Param::expr("x", crate::TypeClass::Numeric);
    assert!(super::signature::constraint_of_for_tests("f", &coarse)
        .unwrap()
        .is_none());
}
