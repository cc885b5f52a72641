//! Unit tests calling the kernels and return-type rules directly.

use std::collections::HashMap;
use std::f64::consts::PI;
use std::sync::Arc;

use daft_plugin_api::arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, NullArray, StructArray,
};
use daft_plugin_api::arrow::datatypes::{DataType, Field};
use daft_plugin_api::{ExtensionType, Options, ScalarFunction, EXTENSION_METADATA_KEY};

use super::*;

fn opts() -> Options {
    Options::default()
}

fn f64s(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(values.iter().copied().collect::<Float64Array>())
}

/// A point column made by the `point` kernel.
fn points(values: &[Option<(f64, f64)>]) -> ArrayRef {
    let lat = f64s(&values.iter().map(|p| p.map(|p| p.0)).collect::<Vec<_>>());
    let lon = f64s(&values.iter().map(|p| p.map(|p| p.1)).collect::<Vec<_>>());
    point(&[lat, lon], &opts(), values.len()).unwrap()
}

fn floats_of(a: &ArrayRef) -> Vec<Option<f64>> {
    downcast::<Float64Array>(a).unwrap().iter().collect()
}

fn assert_close(got: &[Option<f64>], want: &[Option<f64>], tol: f64) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match (g, w) {
            (Some(g), Some(w)) => assert!(
                (g - w).abs() <= tol * w.abs().max(1.0),
                "row {i}: {g} != {w}"
            ),
            (g, w) => assert_eq!(g, w, "row {i}"),
        }
    }
}

fn point_arg(name: &str) -> Field {
    POINT.field(name, true)
}

const LYON: (f64, f64) = (45.7597, 4.8422);
const PARIS: (f64, f64) = (48.8567, 2.3508);

// ---- registration -----------------------------------------------------------

#[test]
fn functions_and_the_extension_type_are_registered() {
    let names: Vec<&str> = daft_plugin_api::inventory::iter::<ScalarFunction>
        .into_iter()
        .map(|f| f.name)
        .collect();
    for name in ["point", "haversine", "bearing", "point_lat", "point_lon"] {
        let f = daft_plugin_api::inventory::iter::<ScalarFunction>
            .into_iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} missing from {names:?}"));
        for section in ["Args:", "Returns:", "Example:"] {
            assert!(f.doc.contains(section), "{name}: docstring lacks {section}");
        }
        assert!(
            f.doc.contains(&format!("daft.functions.{name}(")),
            "{name}: example"
        );
    }
    let types: Vec<&ExtensionType> = daft_plugin_api::inventory::iter::<ExtensionType>
        .into_iter()
        .collect();
    assert_eq!(types.len(), 1);
    assert_eq!(types[0].name, "geo.point");
    assert_eq!(types[0].metadata, r#"{"crs":"WGS84"}"#);
    assert_eq!((types[0].storage)(), point_storage());
}

// ---- point --------------------------------------------------------------------

#[test]
fn point_builds_the_storage_struct_with_nulls() {
    let lat = f64s(&[Some(1.5), None, Some(-90.0), Some(3.0)]);
    let lon = f64s(&[Some(2.5), Some(0.0), Some(180.0), None]);
    let out = point(&[lat, lon], &opts(), 4).unwrap();
    assert_eq!(out.data_type(), &point_storage());
    let s = downcast::<StructArray>(&out).unwrap();
    assert_eq!(
        (0..4).map(|i| s.is_valid(i)).collect::<Vec<_>>(),
        [true, false, true, false]
    );
    let p = Points::new(&out, "p").unwrap();
    assert_eq!(
        (0..4).map(|i| p.get(i)).collect::<Vec<_>>(),
        [Some((1.5, 2.5)), None, Some((-90.0, 180.0)), None]
    );
    // The result must pass arrow's full validation, as the host's strict mode runs it.
    out.to_data().validate_full().unwrap();
}

#[test]
fn point_accepts_integers_empty_and_null_inputs() {
    let lat: ArrayRef = Arc::new(Int64Array::from(vec![Some(10), None]));
    let lon: ArrayRef = Arc::new(Int64Array::from(vec![Some(-20), Some(5)]));
    let out = point(&[lat, lon], &opts(), 2).unwrap();
    let p = Points::new(&out, "p").unwrap();
    assert_eq!((p.get(0), p.get(1)), (Some((10.0, -20.0)), None));

    let out = point(&[f64s(&[]), f64s(&[])], &opts(), 0).unwrap();
    assert_eq!((out.len(), out.data_type()), (0, &point_storage()));

    let nulls: ArrayRef = Arc::new(NullArray::new(3));
    let out = point(&[nulls, f64s(&[Some(1.0), None, Some(2.0)])], &opts(), 3).unwrap();
    assert_eq!(out.null_count(), 3);
    assert_eq!(out.data_type(), &point_storage());
}

#[test]
fn point_reads_sliced_inputs() {
    let lat = f64s(&[Some(99.0), Some(1.0), Some(2.0), None]).slice(1, 3);
    let lon = f64s(&[Some(3.0), Some(4.0), Some(999.0)]).slice(0, 3);
    // Row 1 of the slice has lon 4.0; row 2 of the slice has lon 999 but a null latitude.
    let e = point(&[lat.clone(), lon], &opts(), 3).unwrap_err();
    assert!(e.contains("longitude 999 in row 2"), "{e}");
    let lon = f64s(&[Some(3.0), Some(4.0), Some(5.0)]);
    let out = point(&[lat, lon], &opts(), 3).unwrap();
    let p = Points::new(&out, "p").unwrap();
    assert_eq!(
        (0..3).map(|i| p.get(i)).collect::<Vec<_>>(),
        [Some((1.0, 3.0)), Some((2.0, 4.0)), None]
    );
}

#[test]
fn point_rejects_out_of_range_values_naming_value_and_row() {
    let cases = [
        (
            vec![Some(0.0), Some(90.5)],
            vec![Some(0.0), Some(0.0)],
            "latitude 90.5 in row 1",
        ),
        (vec![Some(-91.0)], vec![Some(0.0)], "latitude -91 in row 0"),
        (
            vec![Some(0.0), Some(0.0), Some(0.0)],
            vec![None, Some(1.0), Some(-180.25)],
            "longitude -180.25 in row 2",
        ),
        (
            vec![Some(f64::NAN)],
            vec![Some(0.0)],
            "latitude NaN in row 0",
        ),
        (
            vec![Some(0.0)],
            vec![Some(f64::INFINITY)],
            "longitude inf in row 0",
        ),
    ];
    for (lat, lon, want) in cases {
        let n = lat.len();
        let e = point(&[f64s(&lat), f64s(&lon)], &opts(), n).unwrap_err();
        assert!(e.contains(want), "{e}");
        assert!(e.contains("out of range"), "{e}");
    }
    // The bounds themselves are valid.
    let out = point(
        &[
            f64s(&[Some(-90.0), Some(90.0)]),
            f64s(&[Some(-180.0), Some(180.0)]),
        ],
        &opts(),
        2,
    );
    assert!(out.is_ok());
}

#[test]
fn point_field_is_the_extension_type() {
    let args = [
        Field::new("lat", DataType::Float64, false),
        Field::new("lon", DataType::Int64, false),
    ];
    let f = point_field(&args, &opts()).unwrap();
    assert_eq!(f.data_type(), &point_storage());
    assert!(!f.is_nullable());
    assert_eq!(
        f.metadata().get(EXTENSION_NAME_KEY).map(String::as_str),
        Some("geo.point")
    );
    assert_eq!(
        f.metadata().get(EXTENSION_METADATA_KEY).map(String::as_str),
        Some(r#"{"crs":"WGS84"}"#)
    );
    let args = [args[0].clone(), Field::new("lon", DataType::Float64, true)];
    assert!(point_field(&args, &opts()).unwrap().is_nullable());
}

// ---- return-type rules of point-taking functions ---------------------------------

#[test]
fn point_rules_accept_points_and_untyped_nulls() {
    let a = point_arg("a");
    let null = Field::new("n", DataType::Null, true);
    for rule in [haversine_field, bearing_field] {
        let f = rule(&[a.clone(), a.clone()], &opts()).unwrap();
        assert_eq!(f.data_type(), &DataType::Float64);
        assert!(rule(&[a.clone(), null.clone()], &opts()).is_ok());
    }
    for rule in [point_lat_field, point_lon_field] {
        let f = rule(std::slice::from_ref(&a), &opts()).unwrap();
        assert_eq!(f.data_type(), &DataType::Float64);
    }
    let required = POINT.field("r", false);
    let f = haversine_field(&[required.clone(), required], &opts()).unwrap();
    assert!(!f.is_nullable());
}

#[test]
fn point_rules_reject_other_types_saying_what_they_got() {
    let a = point_arg("a");
    let plain_struct = Field::new("s", point_storage(), true);
    let number = Field::new("x", DataType::Float64, true);
    let other_ext = Field::new("o", point_storage(), true).with_metadata(HashMap::from([(
        EXTENSION_NAME_KEY.to_string(),
        "other.point".to_string(),
    )]));

    let e = haversine_field(&[a.clone(), number.clone()], &opts()).unwrap_err();
    assert!(
        e.contains("argument `b` (column \"x\") has type Float64"),
        "{e}"
    );
    assert!(e.contains("expected geo.point"), "{e}");

    let e = bearing_field(&[plain_struct.clone(), a.clone()], &opts()).unwrap_err();
    assert!(
        e.contains("argument `a` (column \"s\") has type Struct[lat: Float64, lon: Float64]"),
        "{e}"
    );
    assert!(e.contains("expected geo.point"), "{e}");

    let e = point_lat_field(&[other_ext], &opts()).unwrap_err();
    assert!(
        e.contains("has type other.point; expected geo.point"),
        "{e}"
    );

    let e = point_lon_field(&[Field::new("t", DataType::Utf8, true)], &opts()).unwrap_err();
    assert!(
        e.contains("argument `p` (column \"t\") has type Utf8"),
        "{e}"
    );

    // Labelled geo.point but stored as something else.
    let fake = Field::new("f", DataType::Int64, true).with_metadata(HashMap::from([(
        EXTENSION_NAME_KEY.to_string(),
        "geo.point".to_string(),
    )]));
    let e = haversine_field(&[fake, a], &opts()).unwrap_err();
    assert!(
        e.contains("labelled geo.point but is stored as Int64"),
        "{e}"
    );
}

// ---- haversine ------------------------------------------------------------------

#[test]
fn haversine_known_distances() {
    let r = EARTH_RADIUS_KM;
    let a = points(&[
        Some(LYON),
        Some((0.0, 0.0)),
        Some((0.0, 0.0)),
        Some((0.0, 0.0)),
        Some((10.0, 20.0)),
        Some((0.0, 179.5)),
    ]);
    let b = points(&[
        Some(PARIS),
        Some((0.0, 180.0)),
        Some((90.0, 0.0)),
        Some((0.0, 0.0)),
        Some((10.0, 20.0)),
        Some((0.0, -179.5)),
    ]);
    let out = floats_of(&haversine(&[a, b], &opts(), 6).unwrap());
    // The Lyon-Paris value is the `haversine` package's documented example.
    let want = [
        Some(392.217_259_559_400_6),
        Some(PI * r),
        Some(PI / 2.0 * r),
        Some(0.0),
        Some(0.0),
        // Across the antimeridian: one degree of longitude on the equator.
        Some(PI / 180.0 * r),
    ];
    assert_close(&out, &want, 1e-12);
}

#[test]
fn haversine_is_symmetric_and_bounded() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..1000 {
        let p = (next() * 180.0 - 90.0, next() * 360.0 - 180.0);
        let q = (next() * 180.0 - 90.0, next() * 360.0 - 180.0);
        let d = haversine_km(p, q);
        assert!((0.0..=PI * EARTH_RADIUS_KM).contains(&d), "{p:?} {q:?} {d}");
        assert!((d - haversine_km(q, p)).abs() < 1e-9);
        let b = bearing_deg(p, q);
        assert!((0.0..360.0).contains(&b), "{p:?} {q:?} {b}");
    }
}

#[test]
fn haversine_nulls_slices_and_empty() {
    let a = points(&[Some((1.0, 1.0)), Some(LYON), None, Some((5.0, 5.0))]).slice(1, 3);
    let b = points(&[Some(PARIS), Some(PARIS), None]);
    let out = floats_of(&haversine(&[a, b], &opts(), 3).unwrap());
    assert_close(&out, &[Some(392.217_259_559_400_6), None, None], 1e-12);

    let out = haversine(&[points(&[]), points(&[])], &opts(), 0).unwrap();
    assert_eq!((out.len(), out.data_type()), (0, &DataType::Float64));

    let nulls: ArrayRef = Arc::new(NullArray::new(2));
    let out = haversine(&[points(&[Some(LYON), None]), nulls], &opts(), 2).unwrap();
    assert_eq!(floats_of(&out), [None, None]);
}

#[test]
fn point_kernels_reject_a_non_struct_array() {
    let e = haversine(&[f64s(&[Some(1.0)]), points(&[Some(LYON)])], &opts(), 1).unwrap_err();
    assert!(e.contains("argument `a` is not a geo.point"), "{e}");
    let e = point_lat(&[f64s(&[Some(1.0)])], &opts(), 1).unwrap_err();
    assert!(e.contains("argument `p` is not a geo.point"), "{e}");
}

// ---- bearing ----------------------------------------------------------------------

/// Land's End and John o' Groats, the worked example of the Movable Type
/// Scripts page on great-circle calculations (degrees, minutes, seconds).
const LANDS_END: (f64, f64) = (
    50.0 + 3.0 / 60.0 + 59.0 / 3600.0,
    -(5.0 + 42.0 / 60.0 + 53.0 / 3600.0),
);
const JOHN_O_GROATS: (f64, f64) = (
    58.0 + 38.0 / 60.0 + 38.0 / 3600.0,
    -(3.0 + 4.0 / 60.0 + 12.0 / 3600.0),
);

#[test]
fn bearing_known_values() {
    let origin = Some((0.0, 0.0));
    let a = points(&[
        origin,
        origin,
        origin,
        Some((10.0, 0.0)),
        origin,
        Some(LANDS_END),
    ]);
    let b = points(&[
        Some((10.0, 0.0)),
        Some((0.0, 10.0)),
        Some((0.0, -10.0)),
        origin,
        origin,
        Some(JOHN_O_GROATS),
    ]);
    let out = floats_of(&bearing(&[a, b], &opts(), 6).unwrap());
    assert_close(
        &out[..5],
        &[Some(0.0), Some(90.0), Some(270.0), Some(180.0), Some(0.0)],
        1e-12,
    );
    // Published: 009°07'11", rounded to the second.
    let published = 9.0 + 7.0 / 60.0 + 11.0 / 3600.0;
    assert!(
        (out[5].unwrap() - published).abs() < 0.5 / 3600.0,
        "{:?}",
        out[5]
    );
}

#[test]
fn haversine_matches_a_published_example() {
    // Published: 968.9 km with a 6371 km radius.
    let d = haversine_km(LANDS_END, JOHN_O_GROATS) * 6371.0 / EARTH_RADIUS_KM;
    assert!((d - 968.9).abs() < 0.05, "{d}");
}

#[test]
fn bearing_never_returns_360() {
    // Due north by a hair west: atan2 gives -0.0 or a tiny negative angle.
    assert_eq!(bearing_deg((0.0, 0.0), (10.0, -1e-300)), 0.0);
    assert_eq!(bearing_deg((0.0, 0.0), (10.0, -0.0)), 0.0);
    let b = bearing_deg((-89.9, 0.0), (89.9, -1e-13));
    assert!((0.0..360.0).contains(&b), "{b}");
}

#[test]
fn bearing_nulls_and_slices() {
    let a = points(&[None, Some((0.0, 0.0)), Some((0.0, 0.0))]).slice(1, 2);
    let b = points(&[Some((0.0, 1.0)), None]);
    assert_close(
        &floats_of(&bearing(&[a, b], &opts(), 2).unwrap()),
        &[Some(90.0), None],
        1e-12,
    );
}

// ---- point_lat / point_lon ----------------------------------------------------------

#[test]
fn coordinates_of_points_with_nulls_slices_and_empty() {
    let p = points(&[Some((9.0, 9.0)), Some((1.5, -2.5)), None, Some((-3.0, 4.0))]).slice(1, 3);
    assert_eq!(
        floats_of(&point_lat(std::slice::from_ref(&p), &opts(), 3).unwrap()),
        [Some(1.5), None, Some(-3.0)]
    );
    assert_eq!(
        floats_of(&point_lon(&[p], &opts(), 3).unwrap()),
        [Some(-2.5), None, Some(4.0)]
    );
    assert_eq!(point_lat(&[points(&[])], &opts(), 0).unwrap().len(), 0);
    let nulls: ArrayRef = Arc::new(NullArray::new(2));
    assert_eq!(
        floats_of(&point_lon(&[nulls], &opts(), 2).unwrap()),
        [None, None]
    );
}

#[test]
fn coordinates_read_structs_with_nullable_children() {
    // A struct built elsewhere (nullable children, child nulls under valid parents)
    // still reads correctly: a null coordinate makes the row null.
    let lat: ArrayRef = f64s(&[Some(1.0), None]);
    let lon: ArrayRef = f64s(&[Some(2.0), Some(3.0)]);
    let s: ArrayRef = Arc::new(StructArray::from(vec![
        (Arc::new(Field::new("lat", DataType::Float64, true)), lat),
        (Arc::new(Field::new("lon", DataType::Float64, true)), lon),
    ]));
    assert_eq!(
        floats_of(&point_lon(&[s], &opts(), 2).unwrap()),
        [Some(2.0), None]
    );
}
