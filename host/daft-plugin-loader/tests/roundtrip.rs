//! Round-trip fuzzing of the plugin boundary: random arrays of every Arrow
//! type the C Data Interface carries, nested included, with random nulls,
//! lengths (0 included) and slice offsets at every level, go through the
//! test fixture's functions via the registry and the adapter, as the engine
//! calls them, and must come back unchanged:
//!
//! - `fixture_identity` returns the host's own buffers (zero copy): equal
//!   as `ArrayData` *and* byte for byte in every visible byte (values,
//!   offsets, views, type ids, validity bits; see [`visible`]);
//! - `fixture_counted_copy` returns the same layout on buffers the plugin
//!   allocated: equal, and byte for byte;
//! - `fixture_copy` returns a copy arrow rebuilt in the plugin
//!   (`MutableArrayData`, new offsets): logically equal.
//!
//! The type of each argument also goes through the plugin's return-type
//! rule as a schema and must come back equal (field names, nullability,
//! union type ids, map key order flag, time zones, decimal precision).
//!
//! The random generator is written here rather than taken from arrow's
//! `util::data_gen`: that one reseeds with a fixed seed on every call (its
//! values never vary), covers no FixedSizeList, ListView, Union, Interval
//! or Duration, and needs arrow's `test_utils` feature, which would change
//! the features of the arrow crate the whole workspace is built with under
//! `cargo test`. Every generated array passes `ArrayData::validate_full`
//! before it is used, so a generator mistake cannot pass for a boundary bug.
//!
//! `PROPTEST_CASES` sets the number of random cases (default
//! [`DEFAULT_CASES`]; `make fuzz` runs 50,000).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use arrow::array::{make_array, Array, ArrayData, ArrayRef, StringViewBuilder};
use arrow::array::{BinaryViewBuilder, BufferSpec};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow::datatypes::{
    ArrowNativeType, DataType, Field, Fields, IntervalUnit, TimeUnit, UnionFields, UnionMode,
};
use arrow::util::bit_util;
use daft_core::options::FunctionOptions;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

mod common;
use common::{load_plugins, plugin_fn};

// ---------------------------------------------------------------------------
// Random types
// ---------------------------------------------------------------------------

/// Every non-nested type, each time unit, a few time zones, widths,
/// precisions and scales.
fn leaves() -> Vec<DataType> {
    use DataType::*;
    let mut leaves = vec![
        Null,
        Boolean,
        Int8,
        Int16,
        Int32,
        Int64,
        UInt8,
        UInt16,
        UInt32,
        UInt64,
        Float16,
        Float32,
        Float64,
        Date32,
        Date64,
        Time32(TimeUnit::Second),
        Time32(TimeUnit::Millisecond),
        Time64(TimeUnit::Microsecond),
        Time64(TimeUnit::Nanosecond),
        Interval(IntervalUnit::YearMonth),
        Interval(IntervalUnit::DayTime),
        Interval(IntervalUnit::MonthDayNano),
        Binary,
        LargeBinary,
        BinaryView,
        Utf8,
        LargeUtf8,
        Utf8View,
        FixedSizeBinary(0),
        FixedSizeBinary(1),
        FixedSizeBinary(5),
        FixedSizeBinary(16),
        Decimal32(9, 2),
        Decimal32(1, 0),
        Decimal64(18, -3),
        Decimal128(38, 10),
        Decimal128(5, 5),
        Decimal256(76, 20),
        Decimal256(40, 0),
    ];
    for unit in [
        TimeUnit::Second,
        TimeUnit::Millisecond,
        TimeUnit::Microsecond,
        TimeUnit::Nanosecond,
    ] {
        leaves.push(Duration(unit));
        for tz in [None, Some("UTC"), Some("+05:30"), Some("Europe/Paris")] {
            leaves.push(Timestamp(unit, tz.map(Arc::from)));
        }
    }
    leaves
}

/// A random non-nested type: one of [`leaves`], or a decimal of random
/// precision and scale.
fn leaf_type() -> impl Strategy<Value = DataType> {
    use DataType::*;
    prop_oneof![
        12 => prop::sample::select(leaves()),
        1 => (1u8..=9).prop_flat_map(|p| (Just(p), -2i8..=p as i8)).prop_map(|(p, s)| Decimal32(p, s)),
        1 => (1u8..=18).prop_flat_map(|p| (Just(p), -2i8..=p as i8)).prop_map(|(p, s)| Decimal64(p, s)),
        1 => (1u8..=38).prop_flat_map(|p| (Just(p), -2i8..=p as i8)).prop_map(|(p, s)| Decimal128(p, s)),
        1 => (1u8..=76).prop_flat_map(|p| (Just(p), -2i8..=p as i8)).prop_map(|(p, s)| Decimal256(p, s)),
    ]
}

/// A field of type `dt`; `Null` fields are always nullable.
fn field_of(name: &str, dt: DataType, nullable: bool) -> Field {
    let nullable = nullable || dt == DataType::Null;
    Field::new(name, dt, nullable)
}

fn child_field(inner: BoxedStrategy<DataType>) -> impl Strategy<Value = Field> {
    (
        inner,
        any::<bool>(),
        prop::sample::select(vec!["item", "element", "x"]),
    )
        .prop_map(|(dt, nullable, name)| field_of(name, dt, nullable))
}

fn dictionary_key() -> impl Strategy<Value = DataType> {
    use DataType::*;
    prop::sample::select(vec![
        Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64,
    ])
}

/// Random type trees: leaves, and every nested type over them.
fn data_type() -> impl Strategy<Value = DataType> {
    any_data_type()
}

fn any_data_type() -> impl Strategy<Value = DataType> {
    leaf_type().prop_recursive(3, 24, 4, |inner| {
        let inner = inner.boxed();
        prop_oneof![
            child_field(inner.clone()).prop_map(|f| DataType::List(Arc::new(f))),
            child_field(inner.clone()).prop_map(|f| DataType::LargeList(Arc::new(f))),
            child_field(inner.clone()).prop_map(|f| DataType::ListView(Arc::new(f))),
            child_field(inner.clone()).prop_map(|f| DataType::LargeListView(Arc::new(f))),
            (child_field(inner.clone()), 0i32..4)
                .prop_map(|(f, n)| DataType::FixedSizeList(Arc::new(f), n)),
            prop::collection::vec((inner.clone(), any::<bool>()), 0..4).prop_map(|children| {
                DataType::Struct(
                    children
                        .into_iter()
                        .enumerate()
                        .map(|(i, (dt, nullable))| field_of(&format!("f{i}"), dt, nullable))
                        .collect(),
                )
            }),
            (
                leaf_type().prop_filter("map keys cannot be null", |t| *t != DataType::Null),
                inner.clone(),
                any::<bool>(),
                any::<bool>()
            )
                .prop_map(|(key, value, value_nullable, sorted)| map_type(
                    key,
                    value,
                    value_nullable,
                    sorted
                )),
            (
                prop::collection::vec(inner.clone(), 1..4),
                any::<bool>(),
                prop::sample::subsequence((0i8..=127).collect::<Vec<_>>(), 4).prop_shuffle()
            )
                .prop_map(|(children, dense, ids)| union_type(children, dense, ids)),
            (dictionary_key(), inner.clone())
                .prop_map(|(k, v)| DataType::Dictionary(Box::new(k), Box::new(v))),
            (
                prop::sample::select(vec![DataType::Int16, DataType::Int32, DataType::Int64]),
                inner
            )
                .prop_map(|(run_ends, values)| DataType::RunEndEncoded(
                    Arc::new(Field::new("run_ends", run_ends, false)),
                    Arc::new(Field::new("values", values, true)),
                )),
        ]
    })
}

fn map_type(key: DataType, value: DataType, value_nullable: bool, sorted: bool) -> DataType {
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", key, false),
            field_of("value", value, value_nullable),
        ])),
        false,
    );
    DataType::Map(Arc::new(entries), sorted)
}

fn union_type(children: Vec<DataType>, dense: bool, ids: Vec<i8>) -> DataType {
    let fields: Vec<Field> = children
        .into_iter()
        .enumerate()
        .map(|(i, dt)| field_of(&format!("u{i}"), dt, true))
        .collect();
    let ids = ids[..fields.len()].to_vec();
    let mode = if dense {
        UnionMode::Dense
    } else {
        UnionMode::Sparse
    };
    DataType::Union(UnionFields::try_new(ids, fields).unwrap(), mode)
}

// ---------------------------------------------------------------------------
// Random arrays of a given type
// ---------------------------------------------------------------------------

/// A small deterministic generator (splitmix64), seeded by proptest, so a
/// failing case is reproduced and shrunk from its seed.
struct Gen {
    state: u64,
    /// Probability that a slot of a nullable array is null.
    null_density: f64,
}

impl Gen {
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// A validity bitmap for `len` slots, or none. Non-nullable data gets
    /// none, or sometimes an all-valid one (both are legal).
    fn nulls(&mut self, len: usize, nullable: bool) -> Option<NullBuffer> {
        if !nullable || self.null_density == 0.0 {
            return self
                .chance(0.2)
                .then(|| NullBuffer::new(BooleanBuffer::new_set(len)));
        }
        let valid: Vec<bool> = (0..len).map(|_| !self.chance(self.null_density)).collect();
        Some(NullBuffer::new(BooleanBuffer::from(valid)))
    }

    fn string(&mut self, max_chars: usize) -> String {
        const CHARS: [char; 8] = ['a', 'b', 'z', '0', ' ', 'é', '字', '😀'];
        (0..self.below(max_chars + 1))
            .map(|_| CHARS[self.below(CHARS.len())])
            .collect()
    }
}

/// The bytes of `values` as one buffer.
fn buffer_of<T: ArrowNativeType>(values: &[T]) -> Buffer {
    Buffer::from_slice_ref(values)
}

/// Offsets for `len` slots of random sizes (below `max_size`) starting at a
/// random first offset; returns them and the child length they need.
fn random_offsets(g: &mut Gen, len: usize, max_size: usize) -> (Vec<i64>, usize) {
    let mut offsets = Vec::with_capacity(len + 1);
    let mut at = g.below(3);
    offsets.push(at as i64);
    for _ in 0..len {
        at += g.below(max_size);
        offsets.push(at as i64);
    }
    (offsets, at + g.below(3))
}

fn offsets_buffer(offsets: &[i64], large: bool) -> Buffer {
    if large {
        buffer_of(offsets)
    } else {
        buffer_of(&offsets.iter().map(|&o| o as i32).collect::<Vec<_>>())
    }
}

/// A random array of type `dt` and length `len`, sometimes cut out of a
/// longer one so that it starts at a non-zero offset.
fn random_array(g: &mut Gen, dt: &DataType, len: usize, nullable: bool) -> ArrayData {
    let head = if g.chance(0.35) { 1 + g.below(9) } else { 0 };
    let tail = if g.chance(0.25) { 1 + g.below(3) } else { 0 };
    let full = random_exact(g, dt, head + len + tail, nullable);
    if head + tail == 0 {
        full
    } else if slices_struct_children(dt) {
        // arrow 59's `ArrayData::slice` of a struct slices its children
        // *and* keeps the offset, which `StructArray` then applies to the
        // children a second time (and panics: "end <= self.len()"); a fixed
        // size list or sparse union with an offset slices its children so
        // on import. The array-level slice moves the offset into the
        // children instead, which arrow 59 reads correctly. arrow 60 fixed
        // `ArrayData::slice`; see docs/reliability.md for what this means
        // for plugin results.
        make_array(full).slice(head, len).into_data()
    } else {
        full.slice(head, len)
    }
}

/// Whether arrow 59 would slice a struct through `ArrayData::slice` when
/// it reads an array of type `dt` that has an offset.
fn slices_struct_children(dt: &DataType) -> bool {
    fn has_struct(dt: &DataType) -> bool {
        matches!(dt, DataType::Struct(_)) || child_types(dt).into_iter().flatten().any(has_struct)
    }
    match dt {
        DataType::Struct(_) => true,
        DataType::FixedSizeList(f, _) => has_struct(f.data_type()),
        DataType::Union(fields, UnionMode::Sparse) => {
            fields.iter().any(|(_, f)| has_struct(f.data_type()))
        }
        _ => false,
    }
}

fn random_exact(g: &mut Gen, dt: &DataType, len: usize, nullable: bool) -> ArrayData {
    use DataType::*;
    let builder = ArrayData::builder(dt.clone()).len(len);
    let data = match dt {
        Null => return ArrayData::new_null(dt, len),
        Boolean => builder
            .nulls(g.nulls(len, nullable))
            .add_buffer(Buffer::from_slice_ref(g.bytes(len.div_ceil(8)))),
        Utf8 | LargeUtf8 | Binary | LargeBinary => {
            let large = matches!(dt, LargeUtf8 | LargeBinary);
            let text = matches!(dt, Utf8 | LargeUtf8);
            // Values before the first offset and after the last are junk
            // the reader must not see.
            let mut values = "#".repeat(g.below(3)).into_bytes();
            let mut offsets = vec![values.len() as i64];
            for _ in 0..len {
                if text {
                    values.extend_from_slice(g.string(6).as_bytes());
                } else {
                    let n = g.below(7);
                    values.extend(g.bytes(n));
                }
                offsets.push(values.len() as i64);
            }
            values.extend_from_slice(&b"~~"[..g.below(3)]);
            builder
                .nulls(g.nulls(len, nullable))
                .add_buffer(offsets_buffer(&offsets, large))
                .add_buffer(Buffer::from_slice_ref(values))
        }
        Utf8View | BinaryView => {
            // arrow's builder lays out the views; small blocks give several
            // data buffers. Short values are inlined, long ones are not.
            let block = 16 + g.below(48) as u32;
            let strings: Vec<Option<String>> = (0..len)
                .map(|_| {
                    let valid = !(nullable && g.null_density > 0.0 && g.chance(g.null_density));
                    let max_chars = if g.chance(0.5) { 4 } else { 20 };
                    valid.then(|| g.string(max_chars))
                })
                .collect();
            return if *dt == Utf8View {
                let mut b = StringViewBuilder::new().with_fixed_block_size(block);
                strings.iter().for_each(|s| b.append_option(s.as_deref()));
                b.finish().into_data()
            } else {
                let mut b = BinaryViewBuilder::new().with_fixed_block_size(block);
                strings.iter().for_each(|s| b.append_option(s.as_deref()));
                b.finish().into_data()
            };
        }
        List(f) | LargeList(f) | Map(f, _) => {
            let (offsets, child_len) = random_offsets(g, len, 4);
            let child = random_array(g, f.data_type(), child_len, f.is_nullable());
            builder
                .nulls(g.nulls(len, nullable))
                .add_buffer(offsets_buffer(&offsets, matches!(dt, LargeList(_))))
                .add_child_data(child)
        }
        ListView(f) | LargeListView(f) => {
            // Views may overlap, leave gaps and come in any order.
            let child_len = g.below(3 * len + 3);
            let mut offsets = Vec::with_capacity(len);
            let mut sizes = Vec::with_capacity(len);
            for _ in 0..len {
                let size = g.below(child_len.min(4) + 1);
                offsets.push(g.below(child_len - size + 1) as i64);
                sizes.push(size as i64);
            }
            let child = random_array(g, f.data_type(), child_len, f.is_nullable());
            let large = matches!(dt, LargeListView(_));
            builder
                .nulls(g.nulls(len, nullable))
                .add_buffer(offsets_buffer(&offsets, large))
                .add_buffer(offsets_buffer(&sizes, large))
                .add_child_data(child)
        }
        FixedSizeList(f, n) => {
            let child = random_array(g, f.data_type(), len * *n as usize, f.is_nullable());
            builder.nulls(g.nulls(len, nullable)).add_child_data(child)
        }
        Struct(fields) => {
            let children = fields
                .iter()
                .map(|f| random_array(g, f.data_type(), len, f.is_nullable()))
                .collect();
            builder.nulls(g.nulls(len, nullable)).child_data(children)
        }
        Union(fields, mode) => {
            let ids: Vec<i8> = fields.iter().map(|(id, _)| id).collect();
            let type_ids: Vec<i8> = (0..len).map(|_| ids[g.below(ids.len())]).collect();
            let builder = builder.add_buffer(buffer_of(&type_ids));
            match mode {
                UnionMode::Sparse => builder.child_data(
                    fields
                        .iter()
                        .map(|(_, f)| random_array(g, f.data_type(), len, f.is_nullable()))
                        .collect(),
                ),
                UnionMode::Dense => {
                    // Offsets into each child increase; children may be
                    // longer than what the slots use.
                    let mut next = vec![0i32; ids.len()];
                    let mut offsets = Vec::with_capacity(len);
                    for t in &type_ids {
                        let c = ids.iter().position(|id| id == t).unwrap();
                        next[c] += g.below(2) as i32;
                        offsets.push(next[c]);
                        next[c] += 1;
                    }
                    let children = fields
                        .iter()
                        .zip(&next)
                        .map(|((_, f), &used)| {
                            let n = used as usize + g.below(2);
                            random_array(g, f.data_type(), n, f.is_nullable())
                        })
                        .collect();
                    builder.add_buffer(buffer_of(&offsets)).child_data(children)
                }
            }
        }
        Dictionary(key, value) => {
            let values_len = if len == 0 { g.below(3) } else { 1 + g.below(6) };
            let values = random_array(g, value, values_len, nullable);
            let keys: Vec<usize> = (0..len).map(|_| g.below(values_len)).collect();
            let keys = match key.as_ref() {
                Int8 => buffer_of(&keys.iter().map(|&k| k as i8).collect::<Vec<_>>()),
                Int16 => buffer_of(&keys.iter().map(|&k| k as i16).collect::<Vec<_>>()),
                Int32 => buffer_of(&keys.iter().map(|&k| k as i32).collect::<Vec<_>>()),
                Int64 => buffer_of(&keys.iter().map(|&k| k as i64).collect::<Vec<_>>()),
                UInt8 => buffer_of(&keys.iter().map(|&k| k as u8).collect::<Vec<_>>()),
                UInt16 => buffer_of(&keys.iter().map(|&k| k as u16).collect::<Vec<_>>()),
                UInt32 => buffer_of(&keys.iter().map(|&k| k as u32).collect::<Vec<_>>()),
                UInt64 => buffer_of(&keys.iter().map(|&k| k as u64).collect::<Vec<_>>()),
                other => panic!("generator: dictionary key type {other}"),
            };
            builder
                .nulls(g.nulls(len, nullable))
                .add_buffer(keys)
                .add_child_data(values)
        }
        RunEndEncoded(run_ends, values) => {
            let mut ends = Vec::new();
            let mut at = 0;
            while at < len {
                at = (at + 1 + g.below(5)).min(len);
                ends.push(at as i64);
            }
            let run_ends_data = match run_ends.data_type() {
                Int16 => ArrayData::builder(Int16)
                    .len(ends.len())
                    .add_buffer(buffer_of(
                        &ends.iter().map(|&e| e as i16).collect::<Vec<_>>(),
                    )),
                Int32 => ArrayData::builder(Int32)
                    .len(ends.len())
                    .add_buffer(buffer_of(
                        &ends.iter().map(|&e| e as i32).collect::<Vec<_>>(),
                    )),
                _ => ArrayData::builder(Int64)
                    .len(ends.len())
                    .add_buffer(buffer_of(&ends)),
            }
            .build()
            .unwrap();
            let values = random_array(g, values.data_type(), ends.len(), nullable);
            builder.add_child_data(run_ends_data).add_child_data(values)
        }
        // Everything else is fixed width: random bytes, any value.
        other => {
            let width = other
                .primitive_width()
                .or(match other {
                    FixedSizeBinary(w) => Some(*w as usize),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("generator: no case for {other}"));
            builder
                .nulls(g.nulls(len, nullable))
                .add_buffer(Buffer::from_slice_ref(g.bytes(len * width)))
        }
    };
    data.build()
        .unwrap_or_else(|e| panic!("generator built an invalid {dt} array: {e}"))
}

// ---------------------------------------------------------------------------
// Byte-for-byte comparison
// ---------------------------------------------------------------------------

fn bits(buffer: &Buffer, offset: usize, len: usize) -> Vec<u8> {
    (offset..offset + len)
        .map(|i| u8::from(bit_util::get_bit(buffer.as_slice(), i)))
        .collect()
}

fn bytes(buffer: &Buffer, from: usize, to: usize) -> Vec<u8> {
    buffer.as_slice()[from..to].to_vec()
}

fn offsets_at(buffer: &Buffer, large: bool, i: usize) -> usize {
    if large {
        buffer.typed_data::<i64>()[i] as usize
    } else {
        buffer.typed_data::<i32>()[i] as usize
    }
}

/// Everything a reader of `data` can see, as labelled byte strings: the
/// type and length, the validity bit of every slot (an absent bitmap reads
/// as all valid), the visible part of every buffer (values under null
/// slots included) and, recursively, of every child and dictionary. Two
/// arrays with equal `visible` hold the same bytes wherever they can be
/// read, whatever offsets or buffer addresses they use.
fn visible(data: &ArrayData, path: &str, out: &mut Vec<(String, Vec<u8>)>) {
    use DataType::*;
    let (off, len) = (data.offset(), data.len());
    let dt = data.data_type();
    let mut push = |what: &str, b: Vec<u8>| out.push((format!("{path} {what}"), b));
    push(
        "header",
        format!("{dt:?} len={len} null_count={}", data.null_count()).into_bytes(),
    );
    if arrow::array::layout(dt).can_contain_null_mask {
        let validity = (0..len)
            .map(|i| u8::from(data.nulls().is_none_or(|n| n.is_valid(i))))
            .collect();
        push("validity", validity);
    }
    let buffers = data.buffers();
    match dt {
        Null => {}
        Boolean => push("values", bits(&buffers[0], off, len)),
        Utf8 | LargeUtf8 | Binary | LargeBinary | List(_) | LargeList(_) | Map(_, _) => {
            let large = matches!(dt, LargeUtf8 | LargeBinary | LargeList(_));
            let width = if large { 8 } else { 4 };
            if len == 0 {
                // No slot, so no value the single offset could delimit: it
                // may be absent, or any number (arrow's importer makes the
                // values of an empty array at offset 0 empty whatever it
                // says, and the loader then sets it to 0).
            } else {
                push(
                    "offsets",
                    bytes(&buffers[0], off * width, (off + len + 1) * width),
                );
                if buffers.len() > 1 {
                    let (start, end) = (
                        offsets_at(&buffers[0], large, off),
                        offsets_at(&buffers[0], large, off + len),
                    );
                    push("values", bytes(&buffers[1], start, end));
                }
            }
        }
        ListView(_) | LargeListView(_) => {
            let width = if matches!(dt, LargeListView(_)) { 8 } else { 4 };
            push(
                "offsets",
                bytes(&buffers[0], off * width, (off + len) * width),
            );
            push(
                "sizes",
                bytes(&buffers[1], off * width, (off + len) * width),
            );
        }
        Utf8View | BinaryView => {
            push("views", bytes(&buffers[0], off * 16, (off + len) * 16));
            for (i, b) in buffers[1..].iter().enumerate() {
                push(&format!("data buffer {i}"), b.as_slice().to_vec());
            }
        }
        Union(_, mode) => {
            push("type ids", bytes(&buffers[0], off, off + len));
            if *mode == UnionMode::Dense {
                push("offsets", bytes(&buffers[1], off * 4, (off + len) * 4));
            }
        }
        FixedSizeList(_, _) | Struct(_) | RunEndEncoded(_, _) => {}
        Dictionary(key, _) => {
            let w = key.primitive_width().unwrap();
            push("keys", bytes(&buffers[0], off * w, (off + len) * w));
        }
        _ => {
            let spec = &arrow::array::layout(dt).buffers;
            let [BufferSpec::FixedWidth { byte_width, .. }] = spec[..] else {
                panic!("no byte-for-byte comparison for {dt}");
            };
            push(
                "values",
                bytes(&buffers[0], off * byte_width, (off + len) * byte_width),
            );
        }
    }
    for (i, child) in data.child_data().iter().enumerate() {
        visible(child, &format!("{path}.{i}"), out);
    }
}

fn visible_of(array: &ArrayRef) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    visible(&array.to_data(), "$", &mut out);
    out
}

/// The first difference between two `visible` listings.
fn first_difference(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) -> String {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return format!("{}: {:?}\n   vs {}: {:?}", x.0, x.1, y.0, y.1);
        }
    }
    format!("{} parts vs {} parts", a.len(), b.len())
}

// ---------------------------------------------------------------------------
// The round trip
// ---------------------------------------------------------------------------

/// Every type name seen in an argument, for the coverage check.
static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn record_types(dt: &DataType) {
    let name = format!("{dt:?}");
    let name = name.split(['(', ' ']).next().unwrap().to_string();
    SEEN.lock().unwrap().insert(name);
    match dt {
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _) => record_types(f.data_type()),
        DataType::Struct(fs) => fs.iter().for_each(|f| record_types(f.data_type())),
        DataType::Union(fs, _) => fs.iter().for_each(|(_, f)| record_types(f.data_type())),
        DataType::Dictionary(_, v) => record_types(v),
        DataType::RunEndEncoded(r, v) => {
            record_types(r.data_type());
            record_types(v.data_type());
        }
        _ => {}
    }
}

/// Sends `input` through the three fixture functions and checks what comes back.
fn round_trip(input: &ArrayRef) -> Result<(), TestCaseError> {
    let options = FunctionOptions::default();
    let dt = input.data_type();
    record_types(dt);
    let expected = visible_of(input);
    for name in ["fixture_identity", "fixture_counted_copy", "fixture_copy"] {
        let def = plugin_fn("fixture", name);
        // Plan time: the type crosses as a schema, both ways.
        let field = def
            .resolve(&[Field::new("x", dt.clone(), true)], &options)
            .map_err(|e| TestCaseError::fail(format!("{name}: resolving {dt}: {e}")))?;
        prop_assert_eq!(field.data_type(), dt, "{}: the type changed", name);
        let out = def
            .scalar()
            .unwrap()
            .call(std::slice::from_ref(input), &options, input.len())
            .map_err(|e| TestCaseError::fail(format!("{name}: {dt}: {e}")))?;
        prop_assert_eq!(out.data_type(), dt, "{}", name);
        prop_assert_eq!(out.len(), input.len(), "{}", name);
        prop_assert_eq!(out.null_count(), input.null_count(), "{}", name);
        prop_assert!(
            out.to_data() == input.to_data(),
            "{name}: {dt}: not equal\n input: {input:?}\noutput: {out:?}"
        );
        out.to_data()
            .validate_full()
            .map_err(|e| TestCaseError::fail(format!("{name}: {dt}: invalid result: {e}")))?;
        if name != "fixture_copy" {
            let got = visible_of(&out);
            prop_assert!(
                got == expected,
                "{name}: {dt}: not the same bytes: {}",
                first_difference(&expected, &got)
            );
        }
    }
    Ok(())
}

/// One random case: a type, a length, a null density and a seed.
fn case() -> impl Strategy<Value = (DataType, bool, usize, u8, u64)> {
    (
        data_type(),
        any::<bool>(),
        prop_oneof![1 => Just(0usize), 8 => 0usize..40, 1 => 40usize..300],
        prop::sample::select(vec![0u8, 10, 50, 90, 100]),
        any::<u64>(),
    )
}

fn build(dt: &DataType, nullable: bool, len: usize, null_percent: u8, seed: u64) -> ArrayRef {
    let mut g = Gen {
        state: seed,
        null_density: f64::from(null_percent) / 100.0,
    };
    let nullable = nullable || *dt == DataType::Null;
    let data = random_array(&mut g, dt, len, nullable);
    data.validate_full()
        .unwrap_or_else(|e| panic!("generator made an invalid {dt} array: {e}"));
    make_array(data)
}

/// Random cases when `PROPTEST_CASES` is not set: about a second in a
/// debug build.
const DEFAULT_CASES: u32 = 1024;

fn config() -> Config {
    // `Config::default()` reads PROPTEST_CASES (and the other PROPTEST_*
    // variables).
    let mut config = Config {
        // A failing case is reported with its (shrunk) type, length, null
        // density and seed; no regression files are written into the tree.
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = DEFAULT_CASES;
    }
    config
}

/// The types nested directly in `dt`, or `None` for a leaf type.
fn child_types(dt: &DataType) -> Option<Vec<&DataType>> {
    Some(match dt {
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _) => vec![f.data_type()],
        DataType::Struct(fs) => fs.iter().map(|f| f.data_type()).collect(),
        DataType::Union(fs, _) => fs.iter().map(|(_, f)| f.data_type()).collect(),
        DataType::Dictionary(_, v) => vec![v.as_ref()],
        DataType::RunEndEncoded(r, v) => vec![r.data_type(), v.data_type()],
        _ => return None,
    })
}

/// How deeply `dt` nests (a leaf is 0).
fn depth(dt: &DataType) -> usize {
    match child_types(dt) {
        None => 0,
        Some(children) => 1 + children.into_iter().map(depth).max().unwrap_or(0),
    }
}

/// Slots in `data` and all its children.
fn slots(data: &ArrayData) -> usize {
    data.len() + data.child_data().iter().map(slots).sum::<usize>()
}

/// Zero-length slices of string and binary arrays keep the offset where
/// they start. arrow's importer keeps that offset but not the values, so
/// before the loader and the SDK set such offsets to 0 on import, the host
/// refused the plugin's result ("First offset 2 of Utf8 is larger than
/// values length 0") and the plugin saw an argument arrow itself calls
/// invalid.
#[test]
fn empty_slices_of_strings_cross_both_ways() {
    use arrow::array::{LargeBinaryArray, ListArray, StringArray, StructArray};
    load_plugins();
    let strings: ArrayRef = Arc::new(StringArray::from(vec!["ab", "cde", "f"]));
    let binary: ArrayRef = Arc::new(LargeBinaryArray::from(vec![&b"xyz"[..], b"w"]));
    // Three empty lists whose child is an empty slice of strings.
    let empty_lists: ArrayRef = Arc::new(ListArray::new(
        Arc::new(Field::new("item", DataType::Utf8, true)),
        arrow::buffer::OffsetBuffer::new(vec![0, 0, 0, 0].into()),
        strings.slice(2, 0),
        None,
    ));
    let structs: ArrayRef = Arc::new(StructArray::from(vec![(
        Arc::new(Field::new("s", DataType::Utf8, true)),
        strings.clone(),
    )]));
    for input in [
        strings.slice(2, 0),
        binary.slice(1, 0),
        empty_lists,
        structs.slice(1, 0),
    ] {
        round_trip(&input).unwrap_or_else(|e| panic!("{}: {e}", input.data_type()));
    }
    // A plugin that computes on one.
    let greet = plugin_fn("hello", "hello_greet");
    let out = common::call(&greet, &[strings.slice(2, 0)], 0).unwrap();
    assert_eq!(out.len(), 0);
}

#[test]
fn random_arrays_of_random_types_round_trip_unchanged() {
    load_plugins();
    let config = config();
    let mut runner = TestRunner::new(config.clone());
    let stats = Mutex::new((0usize, [0usize; 5], 0usize));
    runner
        .run(&case(), |(dt, nullable, len, null_percent, seed)| {
            let input = build(&dt, nullable, len, null_percent, seed);
            {
                let mut stats = stats.lock().unwrap();
                stats.0 += 1;
                stats.1[depth(&dt).min(4)] += 1;
                stats.2 += slots(&input.to_data());
            }
            round_trip(&input)
        })
        .unwrap();
    let (cases, by_depth, total_slots) = stats.into_inner().unwrap();
    eprintln!(
        "{cases} random arrays round-tripped ({} cases asked); by nesting depth 0..4+: \
         {by_depth:?}; {total_slots} slots in all",
        config.cases
    );
}

/// Every type, one at a time and as the child of every nested type, with
/// a few lengths and null densities: what the random trees might miss.
#[test]
fn every_type_round_trips_unchanged() {
    load_plugins();
    let leaves = leaves();
    let mut types = leaves.clone();
    for leaf in &leaves {
        let child = |name: &str| Arc::new(field_of(name, leaf.clone(), true));
        types.extend([
            DataType::List(child("item")),
            DataType::LargeList(child("item")),
            DataType::ListView(child("item")),
            DataType::LargeListView(child("item")),
            DataType::FixedSizeList(child("item"), 3),
            DataType::Struct(
                vec![
                    field_of("a", leaf.clone(), true),
                    Field::new("b", DataType::Int32, false),
                ]
                .into(),
            ),
            DataType::Dictionary(Box::new(DataType::Int16), Box::new(leaf.clone())),
            DataType::RunEndEncoded(
                Arc::new(Field::new("run_ends", DataType::Int32, false)),
                child("values"),
            ),
            union_type(vec![leaf.clone(), DataType::Utf8], false, vec![3, 7]),
            union_type(vec![DataType::Int64, leaf.clone()], true, vec![0, 127]),
        ]);
        if *leaf != DataType::Null {
            types.push(map_type(leaf.clone(), DataType::Utf8, true, false));
        }
    }
    let mut cases = 0;
    for dt in &types {
        for (seed, len, null_percent) in [(1, 0, 50), (2, 1, 0), (3, 17, 30), (4, 70, 100)] {
            round_trip(&build(dt, true, len, null_percent, seed))
                .unwrap_or_else(|e| panic!("{dt} (seed {seed}, {len} rows): {e}"));
            cases += 1;
        }
    }
    let seen = SEEN.lock().unwrap().clone();
    eprintln!(
        "{cases} fixed cases over {} types; type kinds seen: {seen:?}",
        types.len()
    );
    for kind in [
        "Null",
        "Boolean",
        "Int8",
        "Int16",
        "Int32",
        "Int64",
        "UInt8",
        "UInt16",
        "UInt32",
        "UInt64",
        "Float16",
        "Float32",
        "Float64",
        "Timestamp",
        "Date32",
        "Date64",
        "Time32",
        "Time64",
        "Duration",
        "Interval",
        "Binary",
        "FixedSizeBinary",
        "LargeBinary",
        "BinaryView",
        "Utf8",
        "LargeUtf8",
        "Utf8View",
        "List",
        "ListView",
        "FixedSizeList",
        "LargeList",
        "LargeListView",
        "Struct",
        "Map",
        "Union",
        "Dictionary",
        "Decimal32",
        "Decimal64",
        "Decimal128",
        "Decimal256",
        "RunEndEncoded",
    ] {
        assert!(seen.contains(kind), "no {kind} array was sent");
    }
}
