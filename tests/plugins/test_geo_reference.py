"""Reference checks of the ``geo`` plugin (wheel ``daft-plugin-geo``).

Runs through ``import daft`` on seeded random points with nulls and compares with plain
Python ``math`` (the haversine and initial-bearing formulas, mean Earth radius 6371.0088 km)
and, when installed, the ``haversine`` package. The module is skipped when the plugin is not
installed.
"""

from __future__ import annotations

import math
import os
import random

import daft
import pytest
from daft.exceptions import DaftCoreException, DaftTypeError

if not hasattr(daft.functions, "haversine"):
    if os.environ.get("CI"):
        # `make test` installs the plugin wheels; in CI a missing plugin is a failure.
        raise ImportError("the geo plugin (daft-plugin-geo) is not installed")
    pytest.skip("the geo plugin (daft-plugin-geo) is not installed", allow_module_level=True)

N = 600
NULL_RATE = 0.15
EARTH_RADIUS_KM = 6371.0088


def fn(name: str):
    """The plugin's function, through its namespace when the registry has one (so a later
    built-in of the same name cannot shadow it), else the plain ``daft.functions`` name."""
    namespace = getattr(daft.functions, "geo", None)
    return getattr(namespace, name, None) or getattr(daft.functions, name)


def ref_haversine(a: tuple, b: tuple) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def ref_bearing(a: tuple, b: tuple) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_lambda = math.radians(lon2 - lon1)
    y = math.sin(d_lambda) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(d_lambda)
    return math.degrees(math.atan2(y, x)) % 360.0


def random_points(seed: int) -> dict:
    """Columns lat1, lon1, lat2, lon2 of random coordinates (with the range ends, the poles
    and the antimeridian mixed in) and nulls in every column."""
    rng = random.Random(seed)
    special_lat = [-90.0, 90.0, 0.0]
    special_lon = [-180.0, 180.0, 0.0]

    def coordinate(limit: float, special: list) -> float | None:
        r = rng.random()
        if r < 0.1:
            return None
        if r < 0.15:
            return rng.choice(special)
        return rng.uniform(-limit, limit)

    return {
        "lat1": [coordinate(90.0, special_lat) for _ in range(N)],
        "lon1": [coordinate(180.0, special_lon) for _ in range(N)],
        "lat2": [coordinate(90.0, special_lat) for _ in range(N)],
        "lon2": [coordinate(180.0, special_lon) for _ in range(N)],
    }


def pairs(data: dict) -> list:
    """(a, b) per row, None where any coordinate of either point is null."""
    out = []
    for lat1, lon1, lat2, lon2 in zip(data["lat1"], data["lon1"], data["lat2"], data["lon2"]):
        if None in (lat1, lon1, lat2, lon2):
            out.append(None)
        else:
            out.append(((lat1, lon1), (lat2, lon2)))
    return out


def points_ab():
    a = fn("point")(daft.col("lat1"), daft.col("lon1"))
    b = fn("point")(daft.col("lat2"), daft.col("lon2"))
    return a, b


def compute(data: dict, **exprs) -> dict:
    df = daft.from_pydict(data)
    return df.select(*(e.alias(name) for name, e in exprs.items())).to_pydict()


# ---- haversine ----------------------------------------------------------------------


def test_haversine_matches_math_reference():
    data = random_points(11)
    a, b = points_ab()
    got = compute(data, km=fn("haversine")(a, b))["km"]
    for i, (g, p) in enumerate(zip(got, pairs(data))):
        if p is None:
            assert g is None, f"row {i}"
        else:
            assert g == pytest.approx(ref_haversine(*p), rel=1e-9, abs=1e-9), f"row {i}: {p}"


def test_haversine_matches_haversine_package():
    haversine = pytest.importorskip("haversine").haversine
    data = random_points(12)
    a, b = points_ab()
    got = compute(data, km=fn("haversine")(a, b))["km"]
    for i, (g, p) in enumerate(zip(got, pairs(data))):
        if p is None:
            assert g is None, f"row {i}"
        else:
            assert g == pytest.approx(haversine(*p), rel=1e-9, abs=1e-9), f"row {i}: {p}"


def test_haversine_known_values():
    data = {
        "lat1": [45.7597, 0.0, 0.0, 10.0],
        "lon1": [4.8422, 0.0, 0.0, 20.0],
        "lat2": [48.8567, 0.0, 90.0, 10.0],
        "lon2": [2.3508, 180.0, 0.0, 20.0],
    }
    a, b = points_ab()
    got = compute(data, km=fn("haversine")(a, b))["km"]
    # Lyon -> Paris is the haversine package's documented example.
    expected = [392.2172595594006, math.pi * EARTH_RADIUS_KM, math.pi / 2 * EARTH_RADIUS_KM, 0.0]
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


# ---- bearing ------------------------------------------------------------------------


def test_bearing_matches_math_reference():
    data = random_points(21)
    a, b = points_ab()
    got = compute(data, deg=fn("bearing")(a, b))["deg"]
    for i, (g, p) in enumerate(zip(got, pairs(data))):
        if p is None:
            assert g is None, f"row {i}"
            continue
        assert 0.0 <= g < 360.0, f"row {i}: {g}"
        expected = ref_bearing(*p)
        # Compare on the circle: 359.9999999 and 0.0 are neighbours.
        diff = abs(g - expected) % 360.0
        assert min(diff, 360.0 - diff) < 1e-9, f"row {i}: {p}: {g} vs {expected}"


def test_bearing_known_values():
    data = {
        "lat1": [0.0, 0.0, 0.0, 10.0, 5.0],
        "lon1": [0.0, 0.0, 0.0, 0.0, 5.0],
        "lat2": [10.0, 0.0, 0.0, 0.0, 5.0],
        "lon2": [0.0, 10.0, -10.0, 0.0, 5.0],
    }
    a, b = points_ab()
    got = compute(data, deg=fn("bearing")(a, b))["deg"]
    assert got == pytest.approx([0.0, 90.0, 270.0, 180.0, 0.0], abs=1e-12)


# ---- point, point_lat, point_lon ------------------------------------------------------


def test_point_round_trips_coordinates_and_nulls():
    data = random_points(31)
    p = fn("point")(daft.col("lat1"), daft.col("lon1"))
    out = compute(data, p=p, lat=fn("point_lat")(p), lon=fn("point_lon")(p))
    for i, (lat, lon) in enumerate(zip(data["lat1"], data["lon1"])):
        if lat is None or lon is None:
            assert (out["p"][i], out["lat"][i], out["lon"][i]) == (None, None, None), f"row {i}"
        else:
            assert out["p"][i] == {"lat": lat, "lon": lon}, f"row {i}"
            assert (out["lat"][i], out["lon"][i]) == (lat, lon), f"row {i}"


def test_point_accepts_integer_coordinates():
    out = compute(
        {"lat": [10, None], "lon": [-20, 5]}, p=fn("point")(daft.col("lat"), daft.col("lon"))
    )
    assert out["p"] == [{"lat": 10.0, "lon": -20.0}, None]


@pytest.mark.parametrize(
    ("lat", "lon", "needle"),
    [
        ([0.0, 90.5], [0.0, 0.0], "latitude 90.5 in row 1"),
        ([-91.0], [0.0], "latitude -91 in row 0"),
        ([0.0, 0.0, 0.0], [0.0, 1.0, 180.25], "longitude 180.25 in row 2"),
        ([float("nan")], [0.0], "latitude NaN in row 0"),
    ],
)
def test_point_rejects_out_of_range_values_naming_value_and_row(lat, lon, needle):
    df = daft.from_pydict({"lat": lat, "lon": lon})
    with pytest.raises(DaftCoreException, match=needle):
        df.select(fn("point")(daft.col("lat"), daft.col("lon"))).to_pydict()


@pytest.mark.parametrize("name", ["haversine", "bearing"])
def test_point_pair_functions_reject_non_points_when_built(name):
    df = daft.from_pydict({"lat": [1.0], "lon": [2.0], "s": ["x"]})
    p = fn("point")(daft.col("lat"), daft.col("lon"))
    with pytest.raises(DaftTypeError) as info:
        df.select(fn(name)(p, daft.col("lat")))
    message = str(info.value)
    assert "Float64" in message and "geo.point" in message, message
    with pytest.raises(DaftTypeError, match="Utf8.*geo.point"):
        df.select(fn(name)(daft.col("s"), p))


@pytest.mark.parametrize("name", ["point_lat", "point_lon"])
def test_coordinate_functions_reject_non_points_when_built(name):
    df = daft.from_pydict({"x": [1.0]})
    with pytest.raises(DaftTypeError, match="Float64.*geo.point"):
        df.select(fn(name)(daft.col("x")))


def test_empty_and_all_null_inputs():
    a, b = points_ab()
    empty = {"lat1": [], "lon1": [], "lat2": [], "lon2": []}
    out = compute(empty, km=fn("haversine")(a, b), deg=fn("bearing")(a, b))
    assert out == {"km": [], "deg": []}
    nulls = {"lat1": [None, None], "lon1": [1.0, None], "lat2": [1.0, 2.0], "lon2": [3.0, 4.0]}
    out = compute(nulls, km=fn("haversine")(a, b), lat=fn("point_lat")(a))
    assert out == {"km": [None, None], "lat": [None, None]}
