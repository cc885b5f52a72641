//! Stateful plugin functions (ABI 1.1) through the registry, and the
//! host's allocator offered to plugins.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::FunctionDef;
use daft_core::DaftError;

use common::{call_with_options, load_plugins, plugin_fn};

fn in_words() -> Arc<FunctionDef> {
    load_plugins();
    plugin_fn("fixture", "fixture_in_words")
}

fn options(def: &FunctionDef, words: &str) -> FunctionOptions {
    def.bind_options(BTreeMap::from([(
        "words".to_string(),
        OptionValue::Str(words.to_string()),
    )]))
    .unwrap()
}

/// The fixture's count of states built or alive, read through the plugin.
fn state_count(what: &str) -> i64 {
    let def = plugin_fn("fixture", "fixture_state_counts");
    let x: ArrayRef = Arc::new(Int64Array::from(vec![0]));
    let out = call_with_options(&def, &[x], 1, &[("what", OptionValue::Str(what.into()))]).unwrap();
    out.as_any().downcast_ref::<Int64Array>().unwrap().value(0)
}

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

// The counters are process-wide, so one test walks through the whole life
// of a state rather than several tests racing on them.
#[test]
fn a_state_is_built_once_per_call_site_used_by_every_batch_and_released_on_drop() {
    let def = in_words();
    let scalar = def.scalar().unwrap();
    let opts = options(&def, "a,b");
    let args = [Field::new("s", DataType::Utf8, true)];
    let out_field = def.resolve(&args, &opts).unwrap();
    assert_eq!(out_field.data_type(), &DataType::Boolean);

    let (built, live) = (state_count("built"), state_count("live"));
    let kernel = scalar
        .prepare(&args, &opts, &out_field)
        .unwrap()
        .expect("a state");
    assert_eq!(
        (state_count("built"), state_count("live")),
        (built + 1, live + 1)
    );

    // Many batches, from several threads at once, through the one state.
    std::thread::scope(|scope| {
        for t in 0..4 {
            let kernel = &kernel;
            scope.spawn(move || {
                for i in 0..50 {
                    let s = strings(&[
                        Some("a"),
                        None,
                        Some("c"),
                        Some(if (t + i) % 2 == 0 { "b" } else { "z" }),
                    ]);
                    let out = kernel.call(&[s], 4).unwrap();
                    let out = out.as_any().downcast_ref::<BooleanArray>().unwrap();
                    let want = [Some(true), None, Some(false), Some((t + i) % 2 == 0)];
                    assert_eq!(out.iter().collect::<Vec<_>>(), want);
                }
            });
        }
    });
    assert_eq!(state_count("built"), built + 1, "built once, not per batch");

    drop(kernel);
    assert_eq!(
        state_count("live"),
        live,
        "dropping the kernel releases the state"
    );
}

#[test]
fn an_initializer_error_is_a_compute_error_with_its_message() {
    let def = in_words();
    let opts = options(&def, "");
    let args = [Field::new("s", DataType::Utf8, true)];
    let out = def.resolve(&args, &opts).unwrap();
    let Err(e) = def.scalar().unwrap().prepare(&args, &opts, &out) else {
        panic!("an empty word list must fail")
    };
    assert!(matches!(e, DaftError::ComputeError(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("initializing its state: no words given"),
        "{e}"
    );
}

#[test]
fn a_panic_in_an_initializer_is_a_plugin_error_naming_the_function() {
    let def = in_words();
    let opts = options(&def, "panic");
    let args = [Field::new("s", DataType::Utf8, true)];
    let out = def.resolve(&args, &opts).unwrap();
    let Err(e) = def.scalar().unwrap().prepare(&args, &opts, &out) else {
        panic!("a panicking initializer must fail")
    };
    let text = e.to_string();
    assert!(matches!(e, DaftError::Plugin { .. }), "{e:?}");
    assert!(
        text.contains("fixture_in_words")
            && text.contains("initializer panicked: initializer exploded"),
        "{text}"
    );
}

#[test]
fn a_stateful_function_has_no_stateless_kernel() {
    let def = in_words();
    let opts = options(&def, "a");
    let e = def
        .scalar()
        .unwrap()
        .call(&[strings(&[Some("a")])], &opts, 1)
        .unwrap_err();
    assert!(e.to_string().contains("called without its state"), "{e}");
}

#[test]
fn plugins_of_abi_1_1_allocate_with_the_host_allocator() {
    load_plugins();
    let statuses = daft_plugin_loader::statuses();
    let loaded: Vec<_> = statuses
        .iter()
        .filter_map(|r| match r {
            daft_plugin_loader::LoadRecord::Loaded(s) => Some(s),
            _ => None,
        })
        .collect();
    assert!(loaded.len() >= 2);
    for status in loaded {
        assert!(
            status.host_allocator,
            "{} keeps its own allocator",
            status.name
        );
    }
}
