//! `geo`: a point type on the WGS84 ellipsoid's mean sphere, great-circle
//! distances and bearings.
//!
//! - extension type `geo.point`: storage `Struct{lat: Float64, lon: Float64}`
//!   (degrees), metadata `{"crs":"WGS84"}`.
//! - `point(lat, lon) -> geo.point`: checks the ranges.
//! - `haversine(a, b) -> Float64`: great-circle distance in km.
//! - `bearing(a, b) -> Float64`: initial bearing in degrees, in [0, 360).
//! - `point_lat(p)`, `point_lon(p) -> Float64`.
//!
//! Functions that take points accept only `geo.point` columns (or an
//! untyped null): their return-type rules check the field's extension
//! name, so a plain struct or a number is rejected when the expression is
//! built, with a message naming what was given.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{Array, ArrayRef, Float64Array, StructArray};
use daft_plugin_api::arrow::buffer::NullBuffer;
use daft_plugin_api::arrow::compute::cast;
use daft_plugin_api::arrow::datatypes::{DataType, Field, Fields};
use daft_plugin_api::{
    downcast, ExtensionType, Options, Param, ScalarFunction, TypeClass, EXTENSION_NAME_KEY,
};

#[cfg(test)]
mod tests;

/// The mean Earth radius in km (IUGG's R1 for WGS84), as the `haversine`
/// Python package and most references use.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The extension name of points.
const POINT_NAME: &str = "geo.point";

/// The `geo.point` extension type.
const POINT: ExtensionType = ExtensionType {
    name: POINT_NAME,
    storage: point_storage,
    metadata: r#"{"crs":"WGS84"}"#,
};

daft_plugin_api::inventory::submit! { POINT }

/// The children of a point's storage struct. They are not nullable: a
/// point has both coordinates or is null as a whole.
fn point_fields() -> Fields {
    Fields::from(vec![
        Field::new("lat", DataType::Float64, false),
        Field::new("lon", DataType::Float64, false),
    ])
}

fn point_storage() -> DataType {
    DataType::Struct(point_fields())
}

// ---- reading point arguments ------------------------------------------------

/// How errors and schemas show a field's type: the extension name when it
/// has one, else the Arrow type.
fn display_type(field: &Field) -> String {
    match field.metadata().get(EXTENSION_NAME_KEY) {
        Some(name) => name.clone(),
        None => display_data_type(field.data_type()),
    }
}

fn display_data_type(dt: &DataType) -> String {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "Utf8".into(),
        DataType::Struct(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.name(), display_type(f)))
                .collect();
            format!("Struct[{}]", inner.join(", "))
        }
        other => other.to_string(),
    }
}

/// Whether `dt` has the shape of a point's storage: a struct of exactly
/// `lat` and `lon`, both Float64 (nullability aside).
fn is_point_storage(dt: &DataType) -> bool {
    match dt {
        DataType::Struct(fields) => {
            fields.len() == 2
                && ["lat", "lon"].iter().all(|name| {
                    fields
                        .find(name)
                        .is_some_and(|(_, f)| f.data_type() == &DataType::Float64)
                })
        }
        _ => false,
    }
}

/// The check a point-taking function's return-type rule makes on argument
/// `param`: a `geo.point` field, or an untyped null.
fn expect_point(field: &Field, param: &str) -> Result<(), String> {
    if field.data_type() == &DataType::Null {
        return Ok(());
    }
    let is_point = field
        .metadata()
        .get(EXTENSION_NAME_KEY)
        .is_some_and(|name| name == POINT_NAME);
    if !is_point {
        return Err(format!(
            "argument `{param}` (column {:?}) has type {}; expected {POINT_NAME} \
             (make points with point(lat, lon))",
            field.name(),
            display_type(field)
        ));
    }
    if !is_point_storage(field.data_type()) {
        return Err(format!(
            "argument `{param}` (column {:?}) is labelled {POINT_NAME} but is stored as {}; \
             expected {}",
            field.name(),
            display_data_type(field.data_type()),
            display_data_type(&point_storage())
        ));
    }
    Ok(())
}

/// A point argument as the kernel reads it.
struct Points {
    /// `lat` and `lon`, aligned with the argument; `None` for an untyped
    /// null argument, whose rows are all null.
    coordinates: Option<(Float64Array, Float64Array)>,
    /// The validity of the points themselves.
    nulls: Option<NullBuffer>,
}

impl Points {
    fn new(arg: &ArrayRef, param: &str) -> Result<Points, String> {
        if arg.data_type() == &DataType::Null {
            return Ok(Points {
                coordinates: None,
                nulls: None,
            });
        }
        let s = downcast::<StructArray>(arg).map_err(|_| {
            format!(
                "argument `{param}` is not a {POINT_NAME}: {}",
                arg.data_type()
            )
        })?;
        let coordinate = |name: &str| -> Result<Float64Array, String> {
            let child = s.column_by_name(name).ok_or_else(|| {
                format!("argument `{param}` is not a {POINT_NAME}: it has no field `{name}`")
            })?;
            let child = cast(child, &DataType::Float64).map_err(|e| e.to_string())?;
            Ok(downcast::<Float64Array>(&child)?.clone())
        };
        Ok(Points {
            coordinates: Some((coordinate("lat")?, coordinate("lon")?)),
            nulls: s.nulls().cloned(),
        })
    }

    /// Row `i` as `(lat, lon)` in degrees, or `None` when it is null.
    fn get(&self, i: usize) -> Option<(f64, f64)> {
        let (lat, lon) = self.coordinates.as_ref()?;
        let valid =
            self.nulls.as_ref().is_none_or(|n| n.is_valid(i)) && lat.is_valid(i) && lon.is_valid(i);
        valid.then(|| (lat.value(i), lon.value(i)))
    }
}

/// Checks that every argument has `num_rows` rows (the host promises it).
fn check_rows(args: &[ArrayRef], num_rows: usize) -> Result<(), String> {
    match args.iter().position(|a| a.len() != num_rows) {
        Some(i) => Err(format!(
            "argument {i} has {} rows, expected {num_rows}",
            args[i].len()
        )),
        None => Ok(()),
    }
}

/// Applies `f` to each pair of non-null points of two point arguments.
fn map_point_pairs(
    args: &[ArrayRef],
    num_rows: usize,
    f: impl Fn((f64, f64), (f64, f64)) -> f64,
) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let a = Points::new(&args[0], "a")?;
    let b = Points::new(&args[1], "b")?;
    let out: Float64Array = (0..num_rows)
        .map(|i| Some(f(a.get(i)?, b.get(i)?)))
        .collect();
    Ok(Arc::new(out))
}

fn float_field(name: &str, args: &[Field]) -> Field {
    Field::new(name, DataType::Float64, args.iter().any(Field::is_nullable))
}

// ---- point(lat, lon) -> geo.point -------------------------------------------

fn point_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    Ok(POINT.field("point", args.iter().any(Field::is_nullable)))
}

/// An argument as Float64 values.
fn floats(arg: &ArrayRef) -> Result<Float64Array, String> {
    let cast = cast(arg, &DataType::Float64).map_err(|e| e.to_string())?;
    Ok(downcast::<Float64Array>(&cast)?.clone())
}

/// Checks one coordinate: within `[-limit, limit]` (so not NaN).
fn check_range(what: &str, value: f64, limit: f64, row: usize) -> Result<(), String> {
    if (-limit..=limit).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{what} {value} in row {row} is out of range: it must be within [-{limit}, {limit}] degrees"
        ))
    }
}

fn point(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let lat = floats(&args[0])?;
    let lon = floats(&args[1])?;
    let mut lats = Vec::with_capacity(num_rows);
    let mut lons = Vec::with_capacity(num_rows);
    let mut valid = Vec::with_capacity(num_rows);
    for row in 0..num_rows {
        let y = lat.is_valid(row).then(|| lat.value(row));
        let x = lon.is_valid(row).then(|| lon.value(row));
        // Every non-null coordinate is checked, even where the other is null.
        if let Some(y) = y {
            check_range("latitude", y, 90.0, row)?;
        }
        if let Some(x) = x {
            check_range("longitude", x, 180.0, row)?;
        }
        let (y, x, ok) = match (y, x) {
            (Some(y), Some(x)) => (y, x, true),
            _ => (0.0, 0.0, false),
        };
        lats.push(y);
        lons.push(x);
        valid.push(ok);
    }
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    let out = StructArray::try_new(
        point_fields(),
        vec![
            Arc::new(Float64Array::from(lats)),
            Arc::new(Float64Array::from(lons)),
        ],
        nulls,
    )
    .map_err(|e| e.to_string())?;
    Ok(Arc::new(out))
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "point",
        doc: "Makes a geo.point from a latitude and a longitude, in degrees (WGS84).\n\n\
              Every non-null latitude must be within [-90, 90] and every non-null\n\
              longitude within [-180, 180]; anything else (NaN included) is an error\n\
              naming the value and its row in the batch.\n\n\
              Args:\n    lat: a numeric column of latitudes (cast to Float64).\n    \
              lon: a numeric column of longitudes (cast to Float64).\n\n\
              Returns:\n    a geo.point column (stored as Struct[lat: Float64, lon: Float64]);\n    \
              null where `lat` or `lon` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"lat\": [48.8567, None], \"lon\": [2.3508, 0.0]})\n    \
              >>> df.select(daft.functions.point(daft.col(\"lat\"), daft.col(\"lon\"))).to_pydict()\n    \
              {'lat': [{'lat': 48.8567, 'lon': 2.3508}, None]}",
        params: &[
            Param::expr("lat", TypeClass::Numeric),
            Param::expr("lon", TypeClass::Numeric),
        ],
        return_field: point_field,
        call: point,
    }
}

// ---- haversine(a, b) -> Float64 ---------------------------------------------

/// The great-circle distance in km between two `(lat, lon)` points in
/// degrees, by the haversine formula on a sphere of [`EARTH_RADIUS_KM`].
fn haversine_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = phi2 - phi1;
    let d_lambda = (lon2 - lon1).to_radians();
    let h = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    // Rounding can push `h` a hair above 1 for antipodal points.
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The return-type rule of functions of two points.
fn point_pair_field(name: &str, args: &[Field]) -> Result<Field, String> {
    expect_point(&args[0], "a")?;
    expect_point(&args[1], "b")?;
    Ok(float_field(name, args))
}

fn haversine_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    point_pair_field("haversine", args)
}

fn haversine(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    map_point_pairs(args, num_rows, haversine_km)
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "haversine",
        doc: "Great-circle distance in kilometres between two geo.point columns.\n\n\
              Uses the haversine formula on a sphere of the mean Earth radius,\n\
              6371.0088 km; on the WGS84 ellipsoid the true distance differs by up\n\
              to about 0.5%.\n\n\
              Args:\n    a: a geo.point column (see `point`).\n    b: a geo.point column.\n\n\
              Returns:\n    a Float64 column of kilometres; null where `a` or `b` is null.\n    \
              Other argument types are an error when the expression is built.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"lat1\": [45.7597], \"lon1\": [4.8422], \"lat2\": [48.8567], \"lon2\": [2.3508]})\n    \
              >>> lyon = daft.functions.point(daft.col(\"lat1\"), daft.col(\"lon1\"))\n    \
              >>> paris = daft.functions.point(daft.col(\"lat2\"), daft.col(\"lon2\"))\n    \
              >>> df.select(daft.functions.haversine(lyon, paris).alias(\"km\")).to_pydict()\n    \
              {'km': [392.2172595594006]}",
        params: &[
            Param::expr("a", TypeClass::Any),
            Param::expr("b", TypeClass::Any),
        ],
        return_field: haversine_field,
        call: haversine,
    }
}

// ---- bearing(a, b) -> Float64 -----------------------------------------------

/// The initial bearing (forward azimuth) in degrees, in `[0, 360)`, of the
/// great circle from `(lat1, lon1)` to `(lat2, lon2)`: 0 is north, 90 east.
/// From a point to itself it is 0.
fn bearing_deg((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_lambda = (lon2 - lon1).to_radians();
    let y = d_lambda.sin() * phi2.cos();
    let x = phi1.cos() * phi2.sin() - phi1.sin() * phi2.cos() * d_lambda.cos();
    let deg = y.atan2(x).to_degrees().rem_euclid(360.0);
    // `rem_euclid` of a tiny negative number rounds to exactly 360.
    if deg >= 360.0 {
        0.0
    } else {
        deg
    }
}

fn bearing_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    point_pair_field("bearing", args)
}

fn bearing(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    map_point_pairs(args, num_rows, bearing_deg)
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "bearing",
        doc: "Initial bearing in degrees from each point of `a` to the point of `b`.\n\n\
              The direction to set out in along the great circle: 0 is north, 90 east,\n\
              180 south, 270 west; always in [0, 360). From a point to itself it is 0.\n\n\
              Args:\n    a: a geo.point column, the start (see `point`).\n    \
              b: a geo.point column, the destination.\n\n\
              Returns:\n    a Float64 column of degrees; null where `a` or `b` is null.\n    \
              Other argument types are an error when the expression is built.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"lat\": [0.0, 0.0], \"lon\": [0.0, 0.0], \"lat2\": [10.0, 0.0], \"lon2\": [0.0, -10.0]})\n    \
              >>> a = daft.functions.point(daft.col(\"lat\"), daft.col(\"lon\"))\n    \
              >>> b = daft.functions.point(daft.col(\"lat2\"), daft.col(\"lon2\"))\n    \
              >>> df.select(daft.functions.bearing(a, b).alias(\"deg\")).to_pydict()\n    \
              {'deg': [0.0, 270.0]}",
        params: &[
            Param::expr("a", TypeClass::Any),
            Param::expr("b", TypeClass::Any),
        ],
        return_field: bearing_field,
        call: bearing,
    }
}

// ---- point_lat(p), point_lon(p) -> Float64 ----------------------------------

fn coordinate_field(args: &[Field]) -> Result<Field, String> {
    expect_point(&args[0], "p")?;
    Ok(float_field("coordinate", args))
}

fn point_lat_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    coordinate_field(args)
}

fn point_lon_field(args: &[Field], _options: &Options) -> Result<Field, String> {
    coordinate_field(args)
}

fn map_points(
    args: &[ArrayRef],
    num_rows: usize,
    f: impl Fn((f64, f64)) -> f64,
) -> Result<ArrayRef, String> {
    check_rows(args, num_rows)?;
    let p = Points::new(&args[0], "p")?;
    let out: Float64Array = (0..num_rows).map(|i| p.get(i).map(&f)).collect();
    Ok(Arc::new(out))
}

fn point_lat(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    map_points(args, num_rows, |(lat, _)| lat)
}

fn point_lon(args: &[ArrayRef], _options: &Options, num_rows: usize) -> Result<ArrayRef, String> {
    map_points(args, num_rows, |(_, lon)| lon)
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "point_lat",
        doc: "The latitude of each geo.point, in degrees.\n\n\
              Args:\n    p: a geo.point column (see `point`).\n\n\
              Returns:\n    a Float64 column; null where `p` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"lat\": [48.8567], \"lon\": [2.3508]})\n    \
              >>> p = daft.functions.point(daft.col(\"lat\"), daft.col(\"lon\"))\n    \
              >>> df.select(daft.functions.point_lat(p)).to_pydict()\n    \
              {'lat': [48.8567]}",
        params: &[Param::expr("p", TypeClass::Any)],
        return_field: point_lat_field,
        call: point_lat,
    }
}

daft_plugin_api::inventory::submit! {
    ScalarFunction {
        name: "point_lon",
        doc: "The longitude of each geo.point, in degrees.\n\n\
              Args:\n    p: a geo.point column (see `point`).\n\n\
              Returns:\n    a Float64 column; null where `p` is null.\n\n\
              Example:\n    >>> df = daft.from_pydict({\"lat\": [48.8567], \"lon\": [2.3508]})\n    \
              >>> p = daft.functions.point(daft.col(\"lat\"), daft.col(\"lon\"))\n    \
              >>> df.select(daft.functions.point_lon(p)).to_pydict()\n    \
              {'lat': [2.3508]}",
        params: &[Param::expr("p", TypeClass::Any)],
        return_field: point_lon_field,
        call: point_lon,
    }
}

daft_plugin_api::export_plugin!(name = "geo", version = env!("CARGO_PKG_VERSION"));
