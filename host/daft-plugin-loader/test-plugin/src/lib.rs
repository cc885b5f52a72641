//! A plugin that misbehaves on purpose, for daft-plugin-loader's tests:
//! panics in its return-type rule, its kernel and (on request) its
//! manifest, errors, an extension type, a name that clashes with the hello
//! plugin, a pass-through kernel and a variadic function with options; and,
//! for the memory and round-trip tests, copies of its argument made by the
//! plugin (one on buffers whose releases it counts, one rebuilt by arrow).

use std::ptr::NonNull;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use daft_plugin_api::arrow::array::{
    make_array, Array, ArrayData, ArrayRef, Float64Array, Int32Array, Int64Array, MutableArrayData,
    StructArray,
};
use daft_plugin_api::arrow::buffer::{BooleanBuffer, Buffer, NullBuffer};
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::inventory::submit;
use daft_plugin_api::{
    downcast, DefaultValue, ExtensionType, OptionKind, Options, Param, ScalarFunction, TypeClass,
};

/// Set to make the manifest panic while it builds an extension type.
const PANIC_AT_LOAD_VAR: &str = "DAFT_TEST_FIXTURE_PANIC_AT_LOAD";

fn int64_field(args: &[Field], _: &Options) -> Result<Field, String> {
    Ok(Field::new(
        "out",
        DataType::Int64,
        args.first().is_none_or(|a| a.is_nullable()),
    ))
}

fn identity(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    Ok(args[0].clone())
}

fn same_field(args: &[Field], _: &Options) -> Result<Field, String> {
    Ok(args[0].clone())
}

submit! {
    ScalarFunction {
        name: "fixture_identity",
        doc: "Returns its argument (the plugin hands back the host's own buffers).",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: same_field,
        call: identity,
    }
}

fn panicking_rule(_: &[Field], _: &Options) -> Result<Field, String> {
    panic!("rule exploded")
}

submit! {
    ScalarFunction {
        name: "fixture_panic_rule",
        doc: "Its return-type rule panics.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: panicking_rule,
        call: identity,
    }
}

fn panicking_kernel(_: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    panic!("kernel exploded")
}

submit! {
    ScalarFunction {
        name: "fixture_panic_kernel",
        doc: "Its kernel panics.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: same_field,
        call: panicking_kernel,
    }
}

fn failing_kernel(_: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    Err("bad input value".into())
}

submit! {
    ScalarFunction {
        name: "fixture_err_kernel",
        doc: "Its kernel returns an error.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: same_field,
        call: failing_kernel,
    }
}

fn rejecting_rule(args: &[Field], _: &Options) -> Result<Field, String> {
    Err(format!("cannot use a column named {:?}", args[0].name()))
}

submit! {
    ScalarFunction {
        name: "fixture_reject",
        doc: "Its return-type rule rejects every call.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: rejecting_rule,
        call: identity,
    }
}

fn fake_greet(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    Ok(args[0].clone())
}

submit! {
    ScalarFunction {
        name: "hello_greet",
        doc: "Clashes with the hello plugin's function of the same name.",
        params: &[Param::expr("name", TypeClass::String)],
        return_field: same_field,
        call: fake_greet,
    }
}

// ---- an extension type ------------------------------------------------------

const POINT: ExtensionType = ExtensionType {
    name: "fixture.point",
    storage: || DataType::Int64,
    metadata: "{\"unit\":\"m\"}",
};

submit! { POINT }

fn boom_storage() -> DataType {
    if std::env::var_os(PANIC_AT_LOAD_VAR).is_some() {
        panic!("manifest exploded");
    }
    DataType::Utf8
}

submit! {
    ExtensionType { name: "fixture.boom", storage: boom_storage, metadata: "" }
}

fn point_field(_: &[Field], _: &Options) -> Result<Field, String> {
    // Nullable whatever the input: the cast makes a float too large for
    // Int64 (inf) null.
    Ok(POINT.field("p", true))
}

fn to_point(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    cast(&args[0], &DataType::Int64).map_err(|e| e.to_string())
}

submit! {
    ScalarFunction {
        name: "fixture_point",
        doc: "Returns the extension type fixture.point.",
        params: &[Param::expr("x", TypeClass::Numeric)],
        return_field: point_field,
        call: to_point,
    }
}

fn bad_point_field(_: &[Field], _: &Options) -> Result<Field, String> {
    // Claims the extension type with the wrong storage type.
    Ok(Field::new("p", DataType::Utf8, true).with_metadata(
        [(
            "ARROW:extension:name".to_string(),
            "fixture.point".to_string(),
        )]
        .into_iter()
        .collect::<std::collections::HashMap<_, _>>(),
    ))
}

submit! {
    ScalarFunction {
        name: "fixture_bad_point",
        doc: "Declares fixture.point with the wrong storage type.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: bad_point_field,
        call: identity,
    }
}

// ---- precise parameter types (ABI 1.1) --------------------------------------

fn scale(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    let x = downcast::<Float64Array>(&args[0])?;
    let factor = downcast::<Float64Array>(&args[1])?;
    Ok(Arc::new(
        x.iter()
            .zip(factor)
            .map(|(x, f)| Some(x? * f?))
            .collect::<Float64Array>(),
    ))
}

submit! {
    ScalarFunction {
        name: "fixture_scale",
        doc: "x * factor: x exactly Float64, factor of x's type.",
        params: &[
            Param::expr("x", TypeClass::Exact("Float64")),
            Param::expr("factor", TypeClass::SameAs(0)),
        ],
        return_field: daft_plugin_api::returns::same_as_first,
        call: scale,
    }
}

fn point_meters(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    cast(&args[0], &DataType::Float64).map_err(|e| e.to_string())
}

submit! {
    ScalarFunction {
        name: "fixture_point_meters",
        doc: "A fixture.point as a Float64 number of meters.",
        params: &[Param::expr("p", TypeClass::Extension("fixture.point"))],
        return_field: daft_plugin_api::returns::float64,
        call: point_meters,
    }
}

fn cast_field(args: &[Field], options: &Options) -> Result<Field, String> {
    let to = options.data_type("to").ok_or("option `to` is missing")??;
    Ok(Field::new("out", to, args[0].is_nullable()))
}

fn cast_to(args: &[ArrayRef], options: &Options, _: usize) -> Result<ArrayRef, String> {
    let to = options.data_type("to").ok_or("option `to` is missing")??;
    cast(&args[0], &to).map_err(|e| e.to_string())
}

submit! {
    ScalarFunction {
        name: "fixture_cast",
        doc: "Casts x to the DataType option `to` (Int64 by default).",
        params: &[
            Param::expr("x", TypeClass::Any),
            Param::option("to", OptionKind::DataType, DefaultValue::Str("Int64")),
        ],
        return_field: cast_field,
        call: cast_to,
    }
}

// ---- variadic with options --------------------------------------------------

fn sum_field(_: &[Field], _: &Options) -> Result<Field, String> {
    Ok(Field::new("sum", DataType::Float64, true))
}

fn sum(args: &[ArrayRef], options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    let scale = options.float("scale").ok_or("missing option scale")?;
    let negate = options.bool("negate").ok_or("missing option negate")?;
    let offset = options.int("offset").ok_or("missing option offset")?;
    let label = options.str("label").ok_or("missing option label")?;
    if label.is_empty() {
        return Err("label must not be empty".into());
    }
    let mut acc = vec![Some(offset as f64); num_rows];
    for a in args {
        let a = cast(a, &DataType::Int64).map_err(|e| e.to_string())?;
        let a = downcast::<Int64Array>(&a)?;
        for (slot, v) in acc.iter_mut().zip(a.iter()) {
            *slot = match (*slot, v) {
                (Some(s), Some(v)) => Some(s + v as f64),
                _ => None,
            };
        }
    }
    let sign = if negate { -1.0 } else { 1.0 };
    Ok(Arc::new(
        acc.into_iter()
            .map(|v| v.map(|v| v * scale * sign))
            .collect::<Float64Array>(),
    ))
}

submit! {
    ScalarFunction {
        name: "fixture_sum",
        doc: "offset + sum of its arguments, times scale, negated if asked.",
        params: &[
            Param::variadic("xs", TypeClass::Integer, 1),
            Param::option("scale", OptionKind::Float, DefaultValue::Int(1)),
            Param::option("negate", OptionKind::Bool, DefaultValue::Bool(false)),
            Param::required_option("offset", OptionKind::Int),
            Param::option("label", OptionKind::Str, DefaultValue::Str("sum")),
        ],
        return_field: sum_field,
        call: sum,
    }
}

// A function with no arguments at all, checked against a declared Int64.
fn zero_rows(_: &[ArrayRef], _: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    Ok(Arc::new(Int64Array::from(vec![0i64; num_rows])))
}

submit! {
    ScalarFunction {
        name: "fixture_zeros",
        doc: "num_rows zeros.",
        params: &[],
        return_field: int64_field,
        call: zero_rows,
    }
}

// ---- memory accounting and copies -------------------------------------------
//
// `fixture_counted_copy` returns a copy of its argument, with the same layout
// (offsets, slices, children), in which every buffer is a custom allocation of
// this plugin that counts its creation and its release.
// `fixture_buffer_counts` reports both counters, so the host's tests can see
// that every buffer the plugin handed over was released exactly once, by the
// plugin's own release callback: `released` reaching `allocated` means none
// leaked; `released` exceeding it (or a crash) would be a double release.

static ALLOCATED: AtomicI64 = AtomicI64::new(0);
static RELEASED: AtomicI64 = AtomicI64::new(0);

/// The owner of one counted buffer: its drop is the buffer's release.
struct Counted {
    _buffer: Buffer,
}

impl Drop for Counted {
    fn drop(&mut self) {
        RELEASED.fetch_add(1, Ordering::SeqCst);
    }
}

/// A copy of `bytes` in a counted allocation (64-byte aligned, as arrow's own).
fn counted_buffer(bytes: &[u8]) -> Buffer {
    let copy = Buffer::from_slice_ref(bytes);
    let ptr = NonNull::new(copy.as_ptr() as *mut u8).expect("arrow buffers are never null");
    let len = copy.len();
    ALLOCATED.fetch_add(1, Ordering::SeqCst);
    // SAFETY: `ptr` points to `len` initialised bytes owned by `copy`, which
    // the owner keeps alive (and never mutates) until the last clone of the
    // returned buffer is dropped.
    unsafe { Buffer::from_custom_allocation(ptr, len, Arc::new(Counted { _buffer: copy })) }
}

/// Copies every buffer (validity bitmaps included) of `data` and of its
/// children into counted allocations, keeping offsets and lengths.
fn counted_copy_data(data: &ArrayData) -> Result<ArrayData, String> {
    let nulls = data.nulls().map(|n| {
        let bits = n.inner();
        NullBuffer::new(BooleanBuffer::new(
            counted_buffer(bits.inner().as_slice()),
            bits.offset(),
            bits.len(),
        ))
    });
    let children = data
        .child_data()
        .iter()
        .map(counted_copy_data)
        .collect::<Result<Vec<_>, _>>()?;
    ArrayData::builder(data.data_type().clone())
        .len(data.len())
        .offset(data.offset())
        .nulls(nulls)
        .buffers(
            data.buffers()
                .iter()
                .map(|b| counted_buffer(b.as_slice()))
                .collect(),
        )
        .child_data(children)
        .build()
        .map_err(|e| format!("cannot rebuild the copy: {e}"))
}

fn counted_copy(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    Ok(make_array(counted_copy_data(&args[0].to_data())?))
}

submit! {
    ScalarFunction {
        name: "fixture_counted_copy",
        doc: "A copy of its argument, same layout, on buffers whose releases the plugin counts.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: same_field,
        call: counted_copy,
    }
}

fn counts_field(_: &[Field], _: &Options) -> Result<Field, String> {
    Ok(Field::new(
        "counts",
        DataType::Struct(
            vec![
                Field::new("allocated", DataType::Int64, false),
                Field::new("released", DataType::Int64, false),
            ]
            .into(),
        ),
        false,
    ))
}

fn buffer_counts(_: &[ArrayRef], _: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    // Read `released` first: a buffer released in between is then counted
    // as allocated but not released (live), never the other way round.
    let released = RELEASED.load(Ordering::SeqCst);
    let allocated = ALLOCATED.load(Ordering::SeqCst);
    let column = |v: i64| Arc::new(Int64Array::from(vec![v; num_rows])) as ArrayRef;
    Ok(Arc::new(StructArray::from(vec![
        (
            Arc::new(Field::new("allocated", DataType::Int64, false)),
            column(allocated),
        ),
        (
            Arc::new(Field::new("released", DataType::Int64, false)),
            column(released),
        ),
    ])))
}

submit! {
    ScalarFunction {
        name: "fixture_buffer_counts",
        doc: "How many counted buffers fixture_counted_copy has allocated and how many were released.",
        params: &[],
        return_field: counts_field,
        call: buffer_counts,
    }
}

fn rebuilt_copy(args: &[ArrayRef], _: &Options, _: usize) -> Result<ArrayRef, String> {
    let data = args[0].to_data();
    let mut copy = MutableArrayData::new(vec![&data], false, data.len());
    copy.try_extend(0, 0, data.len())
        .map_err(|e| format!("cannot copy: {e}"))?;
    Ok(make_array(copy.freeze()))
}

submit! {
    ScalarFunction {
        name: "fixture_copy",
        doc: "A copy of its argument rebuilt by arrow (MutableArrayData): new buffers, offsets from 0.",
        params: &[Param::expr("x", TypeClass::Any)],
        return_field: same_field,
        call: rebuilt_copy,
    }
}

// ---- an aggregate that misbehaves on request (option `mode`) ----------------

/// Counts non-null rows per group, correctly (`mode="ok"`) or not: `panic`
/// panics in `update`, `err` returns an error there, `wrong_type` emits
/// Int32 where Int64 is declared, `wrong_rows` emits one row too many,
/// `merge_drops_states` ignores the partial states merged into it.
struct FixtureCount {
    counts: Vec<i64>,
    mode: String,
}

impl daft_plugin_api::GroupsAccumulator for FixtureCount {
    fn update(&mut self, args: &[ArrayRef], groups: &[usize], total: usize) -> Result<(), String> {
        match self.mode.as_str() {
            "panic" => panic!("fixture_count was told to panic"),
            "err" => return Err("fixture_count was told to fail".into()),
            _ => {}
        }
        self.counts.resize(total, 0);
        for (i, g) in groups.iter().enumerate() {
            if args[0].is_valid(i) {
                self.counts[*g] += 1;
            }
        }
        Ok(())
    }

    fn merge(&mut self, states: &[ArrayRef], groups: &[usize], total: usize) -> Result<(), String> {
        self.counts.resize(total, 0);
        if self.mode == "merge_drops_states" {
            return Ok(());
        }
        let partial = downcast::<Int64Array>(&states[0])?;
        for (i, g) in groups.iter().enumerate() {
            self.counts[*g] += partial.value(i);
        }
        Ok(())
    }

    fn evaluate(&mut self, emit: daft_plugin_api::Emit) -> Result<ArrayRef, String> {
        let mut counts = emit.take(&mut self.counts);
        Ok(match self.mode.as_str() {
            "wrong_type" => Arc::new(Int32Array::from_iter_values(
                counts.iter().map(|c| *c as i32),
            )),
            "wrong_rows" => {
                counts.push(0);
                Arc::new(Int64Array::from(counts))
            }
            _ => Arc::new(Int64Array::from(counts)),
        })
    }

    fn state(&mut self, emit: daft_plugin_api::Emit) -> Result<Vec<ArrayRef>, String> {
        Ok(vec![Arc::new(Int64Array::from(
            emit.take(&mut self.counts),
        ))])
    }

    fn size(&self) -> usize {
        self.counts.capacity() * 8
    }
}

fn count_field(_: &[Field], _: &Options) -> Result<Field, String> {
    Ok(Field::new("count", DataType::Int64, false))
}

fn count_state(_: &[Field], _: &Options) -> Result<Vec<Field>, String> {
    Ok(vec![Field::new("count", DataType::Int64, false)])
}

fn count_accumulator(
    _: &[Field],
    options: &Options,
) -> Result<Box<dyn daft_plugin_api::GroupsAccumulator>, String> {
    Ok(Box::new(FixtureCount {
        counts: Vec::new(),
        mode: options.str("mode").unwrap_or("ok").to_string(),
    }))
}

submit! {
    daft_plugin_api::AggregateFunction {
        name: "fixture_count",
        doc: "Counts non-null values per group; option `mode` makes it misbehave.",
        params: &[
            Param::expr("x", TypeClass::Any),
            Param::option("mode", OptionKind::Str, DefaultValue::Str("ok")),
        ],
        return_field: count_field,
        state_fields: count_state,
        create: count_accumulator,
    }
}

// ---- a stateful function, counting its states ------------------------------

/// States built so far, and states alive now (built minus released).
static STATES_BUILT: AtomicI64 = AtomicI64::new(0);
static STATES_LIVE: AtomicI64 = AtomicI64::new(0);

/// Membership in a word list parsed once per call site and query.
struct WordSet {
    words: std::collections::HashSet<String>,
    /// The output field the host resolved, checked against every result.
    out: Field,
}

impl Drop for WordSet {
    fn drop(&mut self) {
        STATES_LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

impl daft_plugin_api::FunctionState for WordSet {
    fn call(&self, args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef, String> {
        let strings = downcast::<daft_plugin_api::arrow::array::StringArray>(&args[0])?;
        let out: daft_plugin_api::arrow::array::BooleanArray = strings
            .iter()
            .map(|s| s.map(|s| self.words.contains(s)))
            .collect();
        assert_eq!(out.len(), num_rows);
        assert_eq!(out.data_type(), self.out.data_type());
        Ok(Arc::new(out))
    }
}

fn in_words_field(args: &[Field], _: &Options) -> Result<Field, String> {
    Ok(Field::new(
        "in_words",
        DataType::Boolean,
        args[0].is_nullable(),
    ))
}

fn in_words_init(
    setup: &daft_plugin_api::Setup<'_>,
) -> Result<Box<dyn daft_plugin_api::FunctionState>, String> {
    let words = setup.options.str("words").unwrap_or_default();
    match words {
        "" => return Err("no words given".to_string()),
        "panic" => panic!("initializer exploded"),
        _ => {}
    }
    if setup.args[0].data_type() != &DataType::Utf8 {
        return Err(format!("expected Utf8, got {}", setup.args[0].data_type()));
    }
    STATES_BUILT.fetch_add(1, Ordering::SeqCst);
    STATES_LIVE.fetch_add(1, Ordering::SeqCst);
    Ok(Box::new(WordSet {
        words: words.split(',').map(str::to_string).collect(),
        out: setup.return_field.clone(),
    }))
}

submit! {
    daft_plugin_api::StatefulFunction {
        name: "fixture_in_words",
        doc: "Whether each string is one of the comma-separated `words`, parsed once per \
              query; words=\"\" fails and words=\"panic\" panics in the initializer.",
        params: &[
            Param::expr("s", TypeClass::String),
            Param::required_option("words", OptionKind::Str),
        ],
        return_field: in_words_field,
        init: in_words_init,
    }
}

fn state_counts(args: &[ArrayRef], options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    let _ = args;
    let value = match options.str("what").unwrap_or("built") {
        "built" => STATES_BUILT.load(Ordering::SeqCst),
        _ => STATES_LIVE.load(Ordering::SeqCst),
    };
    Ok(Arc::new(Int64Array::from(vec![value; num_rows])))
}

submit! {
    ScalarFunction {
        name: "fixture_state_counts",
        doc: "How many fixture_in_words states were built (what=\"built\") or are alive \
              (what=\"live\").",
        params: &[
            Param::expr("x", TypeClass::Any),
            Param::option("what", OptionKind::Str, DefaultValue::Str("built")),
        ],
        return_field: int64_field,
        call: state_counts,
    }
}

daft_plugin_api::export_plugin!(name = "fixture", version = "0.0.1");
