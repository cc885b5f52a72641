//! Every Arrow array handed across the plugin boundary is released exactly
//! once, on the side that allocated it.
//!
//! - Host side: argument arrays are built on buffers whose owner counts its
//!   release, so a test sees each host buffer come back to the host's own
//!   release path after the call (or after the result that still shares it
//!   is dropped): released == allocated, never more (a second release of
//!   the same C struct would drop its owner twice: released > allocated, or
//!   a crash in the allocator).
//! - Plugin side: the test fixture's `fixture_counted_copy` returns arrays
//!   on buffers the plugin counts, and `fixture_buffer_counts` reports them,
//!   so a test sees every buffer the plugin handed to the host released by
//!   the plugin's release callback once the host drops it.
//! - A loop of 10,000 calls on 1 MiB inputs leaves the memory in use by the
//!   process where it started (glibc's `mallinfo2`, which covers the host
//!   and the plugin libraries: all of them allocate through the system
//!   allocator in this test binary).
//!
//! `make leak-check` runs `leak_check_loop_under_valgrind` under valgrind.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use arrow::array::{
    make_array, Array, ArrayData, ArrayRef, DictionaryArray, Int64Array, ListArray, StringArray,
    StructArray,
};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow::datatypes::{DataType, Field, Int32Type, Int8Type};
use daft_core::DaftError;

mod common;
use common::{call, load_plugins, plugin_fn};

/// The tests of this binary share the plugin's counters and the process's
/// allocation statistics: they run one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts the host's buffers of one test: how many were made, how many
/// released.
#[derive(Default)]
struct HostCounter {
    allocated: AtomicI64,
    released: AtomicI64,
}

impl HostCounter {
    fn live(&self) -> i64 {
        self.allocated.load(Ordering::SeqCst) - self.released.load(Ordering::SeqCst)
    }

    /// Every buffer made was released, and none more than once.
    fn assert_all_released_once(&self, what: &str) {
        let allocated = self.allocated.load(Ordering::SeqCst);
        let released = self.released.load(Ordering::SeqCst);
        assert!(allocated > 0, "{what}: no counted buffer was made");
        assert!(
            released <= allocated,
            "{what}: {released} releases for {allocated} buffers: a buffer was released twice"
        );
        assert_eq!(
            released,
            allocated,
            "{what}: {} host buffers were never released",
            allocated - released
        );
    }
}

/// The owner of one counted host buffer; dropping it is the release.
struct HostOwned {
    _buffer: Buffer,
    counter: Arc<HostCounter>,
}

impl Drop for HostOwned {
    fn drop(&mut self) {
        self.counter.released.fetch_add(1, Ordering::SeqCst);
    }
}

fn counted_buffer(counter: &Arc<HostCounter>, bytes: &[u8]) -> Buffer {
    let copy = Buffer::from_slice_ref(bytes);
    let ptr = std::ptr::NonNull::new(copy.as_ptr() as *mut u8).unwrap();
    let len = copy.len();
    counter.allocated.fetch_add(1, Ordering::SeqCst);
    let owner = Arc::new(HostOwned {
        _buffer: copy,
        counter: counter.clone(),
    });
    // SAFETY: `ptr` points to `len` bytes owned by the buffer that `owner`
    // keeps alive, unmodified, for as long as any clone of the result lives.
    unsafe { Buffer::from_custom_allocation(ptr, len, owner) }
}

/// `data` with every buffer (bitmaps included, children included) copied
/// into a counted host allocation; offsets and lengths are kept.
fn counted_data(counter: &Arc<HostCounter>, data: &ArrayData) -> ArrayData {
    let nulls = data.nulls().map(|n| {
        let bits = n.inner();
        NullBuffer::new(BooleanBuffer::new(
            counted_buffer(counter, bits.inner().as_slice()),
            bits.offset(),
            bits.len(),
        ))
    });
    ArrayData::builder(data.data_type().clone())
        .len(data.len())
        .offset(data.offset())
        .nulls(nulls)
        .buffers(
            data.buffers()
                .iter()
                .map(|b| counted_buffer(counter, b.as_slice()))
                .collect(),
        )
        .child_data(
            data.child_data()
                .iter()
                .map(|c| counted_data(counter, c))
                .collect(),
        )
        .build()
        .unwrap()
}

fn counted(counter: &Arc<HostCounter>, array: &ArrayRef) -> ArrayRef {
    make_array(counted_data(counter, &array.to_data()))
}

/// How many buffers (validity bitmaps included) `data` holds, recursively.
fn buffer_count(data: &ArrayData) -> i64 {
    data.buffers().len() as i64
        + i64::from(data.nulls().is_some())
        + data.child_data().iter().map(buffer_count).sum::<i64>()
}

/// The plugin's counters: `(allocated, released)`.
fn plugin_counts() -> (i64, i64) {
    let out = call(&plugin_fn("fixture", "fixture_buffer_counts"), &[], 1).unwrap();
    let out = out.as_any().downcast_ref::<StructArray>().unwrap();
    let get = |i: usize| {
        out.column(i)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(0)
    };
    (get(0), get(1))
}

fn int64s(rows: usize) -> ArrayRef {
    Arc::new(Int64Array::from_iter(
        (0..rows as i64).map(|i| (i % 7 != 3).then_some(i)),
    ))
}

fn strings(rows: usize) -> ArrayRef {
    Arc::new(StringArray::from_iter(
        (0..rows).map(|i| (i % 5 != 1).then(|| format!("row number {i:>6}"))),
    ))
}

/// A few shapes of argument: flat, sliced, nested, dictionary.
fn sample_inputs() -> Vec<(&'static str, ArrayRef)> {
    let list: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(
        (0..50).map(|i| (i % 4 != 0).then(|| vec![Some(i), None, Some(i * 2)])),
    ));
    let structs: ArrayRef = Arc::new(StructArray::from(vec![
        (Arc::new(Field::new("s", DataType::Utf8, true)), strings(50)),
        (
            Arc::new(Field::new("l", list.data_type().clone(), true)),
            list.clone(),
        ),
    ]));
    let dict: ArrayRef = Arc::new(
        DictionaryArray::<Int8Type>::try_new(
            arrow::array::Int8Array::from_iter((0..50).map(|i| (i % 3 != 0).then_some(i % 4))),
            strings(4),
        )
        .unwrap(),
    );
    vec![
        ("int64", int64s(100)),
        ("sliced utf8", strings(100).slice(7, 60)),
        ("list", list.slice(3, 40)),
        ("struct", structs.slice(1, 45)),
        ("dictionary", dict),
        ("empty", int64s(0)),
    ]
}

#[test]
fn host_buffers_are_released_once_whatever_the_plugin_does() {
    let _serial = serial();
    load_plugins();
    for (kind, input) in sample_inputs() {
        for function in [
            "fixture_identity",
            "fixture_counted_copy",
            "fixture_copy",
            "fixture_err_kernel",
            "fixture_panic_kernel",
        ] {
            let what = format!("{function} on {kind}");
            let def = plugin_fn("fixture", function);
            let counter = Arc::new(HostCounter::default());
            let arg = counted(&counter, &input);
            assert_eq!(counter.live(), buffer_count(&arg.to_data()), "{what}");
            let result = call(&def, std::slice::from_ref(&arg), arg.len());
            drop(arg);
            match function {
                // Zero copy: the result the plugin returned shares the
                // host's buffers, so they live until it is dropped, and then
                // come back through the plugin's release callback to the
                // host's.
                // (An empty array references no memory: arrow's importer
                // then keeps nothing of it and releases it at once.)
                "fixture_identity" => {
                    let result = result.unwrap();
                    assert_eq!(result.to_data(), input.to_data(), "{what}");
                    if !input.is_empty() {
                        assert!(counter.live() > 0, "{what}: released too early");
                    }
                    drop(result);
                }
                // The plugin copied, then released the host's arguments
                // before returning: nothing of the host's is left while the
                // result is still alive.
                "fixture_counted_copy" => {
                    let result = result.unwrap();
                    assert_eq!(counter.live(), 0, "{what}");
                    assert_eq!(result.to_data(), input.to_data(), "{what}");
                }
                // Arrow's copy keeps a dictionary's values as they are, so
                // the result may still share some host buffers.
                "fixture_copy" => {
                    let result = result.unwrap();
                    if !matches!(input.data_type(), DataType::Dictionary(_, _)) {
                        assert_eq!(counter.live(), 0, "{what}");
                    }
                    assert_eq!(result.to_data(), input.to_data(), "{what}");
                }
                _ => {
                    let e = result.unwrap_err();
                    assert!(
                        matches!(e, DaftError::ComputeError(_) | DaftError::Plugin { .. }),
                        "{what}: {e:?}"
                    );
                }
            }
            counter.assert_all_released_once(&what);
        }
    }
}

#[test]
fn hello_releases_host_arguments_once() {
    let _serial = serial();
    load_plugins();
    let counter = Arc::new(HostCounter::default());
    let x = counted(&counter, &int64s(1000));
    let out = call(&plugin_fn("hello", "hello_add_one"), &[x], 1000).unwrap();
    assert_eq!(counter.live(), 0);
    assert_eq!(
        out.as_any().downcast_ref::<Int64Array>().unwrap().value(1),
        2
    );
    let names = counted(&counter, &strings(1000).slice(10, 900));
    let out = call(&plugin_fn("hello", "hello_greet"), &[names], 900).unwrap();
    assert_eq!(
        out.as_any().downcast_ref::<StringArray>().unwrap().value(0),
        "hello, row number     10"
    );
    counter.assert_all_released_once("hello");
}

#[test]
fn plugin_buffers_are_released_once_by_the_plugin() {
    let _serial = serial();
    load_plugins();
    let copy = plugin_fn("fixture", "fixture_counted_copy");
    let identity = plugin_fn("fixture", "fixture_identity");
    for (kind, input) in sample_inputs() {
        let (allocated0, released0) = plugin_counts();
        assert_eq!(allocated0, released0, "{kind}: plugin buffers alive before");

        let out = call(&copy, std::slice::from_ref(&input), input.len()).unwrap();
        assert_eq!(out.to_data(), input.to_data(), "{kind}");
        let made = buffer_count(&out.to_data());
        let (allocated1, released1) = plugin_counts();
        assert_eq!(allocated1 - allocated0, made, "{kind}");
        if !input.is_empty() {
            assert_eq!(
                released1, released0,
                "{kind}: released while the host holds it"
            );
        }

        // Plugin buffers crossing back into the plugin as an argument (a
        // slice of them, to a zero-copy function) come back out shared and
        // are still released once.
        let again = call(&identity, &[out.slice(0, out.len() / 2)], out.len() / 2).unwrap();
        // And a copy of a copy: the plugin's buffers as its own argument.
        let copy_of_copy = call(&copy, std::slice::from_ref(&again), again.len()).unwrap();
        drop(out);
        if input.len() > 1 {
            let (_, released) = plugin_counts();
            assert_eq!(
                released, released0,
                "{kind}: released while `again` shares it"
            );
        }
        drop(again);
        drop(copy_of_copy);

        let (allocated2, released2) = plugin_counts();
        assert!(
            released2 <= allocated2,
            "{kind}: the plugin saw {released2} releases for {allocated2} buffers"
        );
        assert_eq!(
            released2,
            allocated2,
            "{kind}: {} plugin buffers were never released",
            allocated2 - released2
        );
    }
}

/// One pass of the leak-check loop: `calls` plugin calls on arguments of
/// about `bytes` bytes, over zero-copy, copying, computing, failing and
/// panicking functions, every result checked, everything dropped.
fn call_loop(calls: usize, bytes: usize) {
    let identity = plugin_fn("fixture", "fixture_identity");
    let counted_copy = plugin_fn("fixture", "fixture_counted_copy");
    let copy = plugin_fn("fixture", "fixture_copy");
    let add_one = plugin_fn("hello", "hello_add_one");
    let failing = plugin_fn("fixture", "fixture_err_kernel");
    let panicking = plugin_fn("fixture", "fixture_panic_kernel");
    let rows = bytes / 8;
    let small = int64s(1000);
    let mut input = int64s(rows);
    for i in 0..calls {
        if i % 100 == 0 {
            // A fresh 1 MiB argument now and then, so host allocations churn too.
            input = Arc::new(Int64Array::from_iter_values((i as i64)..(i + rows) as i64));
        }
        let check = |out: ArrayRef| {
            let out = out.as_any().downcast_ref::<Int64Array>().unwrap();
            assert_eq!(out.len(), rows);
            out.value(rows - 1)
        };
        let last = input
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(rows - 1);
        match i % 16 {
            0 => assert_eq!(
                check(call(&add_one, &[input.clone()], rows).unwrap()),
                last + 1
            ),
            1 => assert_eq!(check(call(&copy, &[input.clone()], rows).unwrap()), last),
            2..=5 => assert_eq!(
                check(call(&counted_copy, &[input.clone()], rows).unwrap()),
                last
            ),
            6 => {
                call(&failing, &[input.clone()], rows).unwrap_err();
            }
            // A panic is slow (the plugin's hook prints it): rarely, on a
            // small argument.
            7 if i % 1024 == 7 => {
                call(&panicking, std::slice::from_ref(&small), 1000).unwrap_err();
            }
            _ => assert_eq!(
                check(call(&identity, &[input.clone()], rows).unwrap()),
                last
            ),
        }
    }
}

/// Bytes the process has allocated and not freed (small and mmap'ed
/// chunks, all arenas), as glibc counts them.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_in_use() -> usize {
    // SAFETY: `mallinfo2` has no preconditions.
    let info = unsafe { libc::mallinfo2() };
    info.uordblks + info.hblkhd
}

/// Resident set size, from /proc/self/statm.
fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: `sysconf` has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * usize::try_from(page).ok()?)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn memory_in_use_is_flat_over_10000_calls_on_1mib_inputs() {
    const CALLS: usize = 10_000;
    const BYTES: usize = 1 << 20;
    let _serial = serial();
    load_plugins();
    // Warm up: lazily built state (registry caches, thread-locals, the
    // panic machinery) is allocated once and kept; it is not a leak.
    call_loop(300, BYTES);
    let (plugin_allocated0, _) = plugin_counts();
    let (in_use0, rss0) = (malloc_in_use(), rss_bytes());

    let started = std::time::Instant::now();
    call_loop(CALLS, BYTES);
    let elapsed = started.elapsed();

    let (in_use1, rss1) = (malloc_in_use(), rss_bytes());
    let (plugin_allocated1, plugin_released1) = plugin_counts();
    eprintln!(
        "{CALLS} calls on {BYTES}-byte arguments in {elapsed:.1?}: malloc in use {in_use0} -> \
         {in_use1} bytes ({:+}), RSS {rss0:?} -> {rss1:?} bytes; plugin buffers allocated {} \
         released {}",
        in_use1 as i64 - in_use0 as i64,
        plugin_allocated1 - plugin_allocated0,
        plugin_released1 - plugin_allocated0,
    );
    assert_eq!(plugin_allocated1, plugin_released1, "plugin buffers leaked");
    // Tolerance: 256 KiB. Leaking one argument or result buffer in any
    // call would leak at least 1 MiB; leaking only the C structs' private
    // data (~100 bytes a call) would leak about 1 MiB over 10,000 calls.
    // What is allowed is a one-time lazy allocation after the warm-up.
    assert!(
        in_use1 <= in_use0 + (256 << 10),
        "memory in use grew by {} bytes over {CALLS} plugin calls",
        in_use1 - in_use0
    );
    // RSS also depends on what the allocator keeps cached; a leak of the
    // 1 MiB buffers would add gigabytes.
    if let (Some(rss0), Some(rss1)) = (rss0, rss1) {
        assert!(
            rss1 <= rss0 + (64 << 20),
            "RSS grew by {} bytes over {CALLS} plugin calls",
            rss1 - rss0
        );
    }
}

/// The same loop, small, for valgrind (`make leak-check`): a leak is then a
/// "definitely lost" block, a double release an invalid free.
/// `DAFT_LEAK_CHECK_CALLS` sets the number of calls (default 400).
#[test]
#[ignore = "run under valgrind by `make leak-check`"]
fn leak_check_loop_under_valgrind() {
    let _serial = serial();
    load_plugins();
    let calls = std::env::var("DAFT_LEAK_CHECK_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    call_loop(calls, 64 << 10);
    // The nested shapes too, through every kind of function.
    for (_, input) in sample_inputs() {
        for f in ["fixture_identity", "fixture_counted_copy", "fixture_copy"] {
            let out = call(
                &plugin_fn("fixture", f),
                std::slice::from_ref(&input),
                input.len(),
            );
            assert_eq!(out.unwrap().to_data(), input.to_data());
        }
    }
    let (allocated, released) = plugin_counts();
    assert_eq!(allocated, released);
}
