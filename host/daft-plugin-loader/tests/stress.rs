//! Plugin functions called from many threads at once (more threads than
//! cores), over many batches, through the registry as the engine calls
//! them; every row of every result is checked against a value computed
//! here, and the plugin's counted buffers are all released at the end.

use std::sync::{Arc, Barrier};

use arrow::array::{
    Array, ArrayRef, Float64Array, Int32Array, Int64Array, ListArray, StringArray, StructArray,
};
use arrow::datatypes::Int32Type;
use daft_core::options::OptionValue;
use daft_core::DaftError;

mod common;
use common::{call, call_with_options, load_plugins, plugin_fn};

const THREADS: usize = 8;
const BATCHES_PER_THREAD: usize = 400;

/// One batch: its rows depend on the thread and batch number, so a result
/// handed to the wrong caller (or computed from another caller's buffers)
/// fails the check.
fn run_batch(thread: usize, batch: usize) {
    let rows = 500 + (thread * 131 + batch * 37) % 1500;
    let base = (thread * 1_000_000 + batch * 1000) as i64;
    let ints: ArrayRef = Arc::new(Int64Array::from_iter(
        (0..rows as i64).map(|i| (i % 11 != 5).then_some(base + i)),
    ));
    let names: ArrayRef =
        Arc::new(StringArray::from_iter((0..rows).map(|i| {
            (i % 13 != 7).then(|| format!("t{thread}b{batch}r{i}"))
        })));
    let what = format!("thread {thread} batch {batch}");
    match batch % 7 {
        0 => {
            let out = call(
                &plugin_fn("hello", "hello_add_one"),
                std::slice::from_ref(&ints),
                rows,
            )
            .unwrap();
            let out = out.as_any().downcast_ref::<Int64Array>().unwrap();
            let ints = ints.as_any().downcast_ref::<Int64Array>().unwrap();
            for (got, x) in out.iter().zip(ints.iter()) {
                assert_eq!(got, x.map(|x| x + 1), "{what}");
            }
        }
        1 => {
            let greeting = format!("hi{thread}");
            let out = call_with_options(
                &plugin_fn("hello", "hello_greet"),
                std::slice::from_ref(&names),
                rows,
                &[("greeting", OptionValue::Str(greeting.clone()))],
            )
            .unwrap();
            let out = out.as_any().downcast_ref::<StringArray>().unwrap();
            let names = names.as_any().downcast_ref::<StringArray>().unwrap();
            for (got, name) in out.iter().zip(names.iter()) {
                assert_eq!(
                    got,
                    name.map(|n| format!("{greeting}, {n}")).as_deref(),
                    "{what}"
                );
            }
        }
        2 => {
            // Zero copy, on a slice: the plugin hands back the host's buffers.
            let sliced = names.slice(3, rows - 5);
            let out = call(
                &plugin_fn("fixture", "fixture_identity"),
                std::slice::from_ref(&sliced),
                rows - 5,
            )
            .unwrap();
            assert_eq!(out.to_data(), sliced.to_data(), "{what}");
        }
        3 => {
            let lists: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(
                (0..rows).map(|i| {
                    (i % 9 != 4)
                        .then(move || (0..i % 4).map(move |j| Some((base as i32) ^ (i + j) as i32)))
                }),
            ));
            let structs: ArrayRef = Arc::new(StructArray::from(vec![
                (
                    Arc::new(arrow::datatypes::Field::new(
                        "l",
                        lists.data_type().clone(),
                        true,
                    )),
                    lists,
                ),
                (
                    Arc::new(arrow::datatypes::Field::new(
                        "s",
                        arrow::datatypes::DataType::Utf8,
                        true,
                    )),
                    names.clone(),
                ),
            ]));
            for f in ["fixture_counted_copy", "fixture_copy"] {
                let out = call(
                    &plugin_fn("fixture", f),
                    std::slice::from_ref(&structs),
                    rows,
                )
                .unwrap();
                assert_eq!(out.to_data(), structs.to_data(), "{what}: {f}");
            }
        }
        4 => {
            let small: ArrayRef = Arc::new(Int32Array::from_iter_values(
                (0..rows as i32).map(|i| i % 100),
            ));
            let out = call_with_options(
                &plugin_fn("fixture", "fixture_sum"),
                &[ints.clone(), small.clone()],
                rows,
                &[
                    ("offset", OptionValue::Int(thread as i64)),
                    ("scale", OptionValue::Float(0.5)),
                ],
            )
            .unwrap();
            let out = out.as_any().downcast_ref::<Float64Array>().unwrap();
            let ints = ints.as_any().downcast_ref::<Int64Array>().unwrap();
            let small = small.as_any().downcast_ref::<Int32Array>().unwrap();
            for i in 0..rows {
                let expected = ints
                    .is_valid(i)
                    .then(|| (thread as i64 + ints.value(i) + small.value(i) as i64) as f64 * 0.5);
                assert_eq!(out.is_valid(i).then(|| out.value(i)), expected, "{what}");
            }
        }
        5 => {
            let e = call(&plugin_fn("fixture", "fixture_err_kernel"), &[ints], rows).unwrap_err();
            assert!(
                matches!(&e, DaftError::ComputeError(m) if m == "bad input value"),
                "{what}: {e:?}"
            );
        }
        _ => {
            // Panics caught on the plugin side, concurrently with the other
            // calls; rare, since the plugin's panic hook prints each one.
            if batch % 100 == 6 {
                let e =
                    call(&plugin_fn("fixture", "fixture_panic_kernel"), &[ints], rows).unwrap_err();
                assert!(e.to_string().contains("kernel exploded"), "{what}: {e}");
            } else {
                let out = call(
                    &plugin_fn("fixture", "fixture_counted_copy"),
                    std::slice::from_ref(&ints),
                    rows,
                )
                .unwrap();
                assert_eq!(out.to_data(), ints.to_data(), "{what}");
            }
        }
    }
}

#[test]
fn many_threads_call_plugin_functions_at_once() {
    load_plugins();
    let start = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                for b in 0..BATCHES_PER_THREAD {
                    run_batch(t, b);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a calling thread failed");
    }
    // Every plugin-allocated buffer of those calls has been released.
    let counts = call(&plugin_fn("fixture", "fixture_buffer_counts"), &[], 1).unwrap();
    let counts = counts.as_any().downcast_ref::<StructArray>().unwrap();
    let get = |i: usize| {
        counts
            .column(i)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(0)
    };
    assert!(get(0) > 0);
    assert_eq!(get(0), get(1), "plugin buffers allocated vs released");
}
