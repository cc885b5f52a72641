"""Reference checks of the ``image`` plugin pack (wheel ``daft-plugin-image``).

Each function runs through ``import daft`` on seeded random images (several sizes, modes L,
LA, RGB and RGBA, nulls) and is compared with the Python tool users would compare against:

* ``decode_image`` / ``encode_image`` — Pillow reading and writing the same files
* ``resize``        — Pillow's ``Image.resize(size, Image.BILINEAR)``, bit for bit
* ``crop``          — Pillow's ``Image.crop``, bit for bit (boxes inside the image)
* ``convert_image`` — Pillow's ``Image.convert``, bit for bit
* ``image_hash``    — the ``imagehash`` package, bit for bit

The module is skipped when the plugin is not installed, and the oracle tests when Pillow or
imagehash is missing.
"""

from __future__ import annotations

import io
import json
import os

import daft
import numpy as np
import pyarrow as pa
import pytest
from daft import col
from daft.exceptions import DaftTypeError

if not hasattr(daft.functions, "decode_image"):
    if os.environ.get("CI"):
        # `make test` installs the plugin wheels; in CI a missing plugin is a failure.
        raise ImportError("the image plugin (daft-plugin-image) is not installed")
    pytest.skip("the image plugin (daft-plugin-image) is not installed", allow_module_level=True)

Image = pytest.importorskip("PIL.Image", reason="the image tests compare with Pillow")

MODE_CODES = {
    "L": 1,
    "LA": 2,
    "RGB": 3,
    "RGBA": 4,
    "L16": 5,
    "LA16": 6,
    "RGB16": 7,
    "RGBA16": 8,
    "RGB32F": 9,
    "RGBA32F": 10,
}
EIGHT_BIT = ["L", "LA", "RGB", "RGBA"]
CHANNELS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}


def fn(name: str):
    """The pack's function, through its namespace when the registry has one (so that a later
    built-in of the same name cannot shadow it), else the plain ``daft.functions`` name."""
    namespace = getattr(daft.functions, "image", None)
    return getattr(namespace, name, None) or getattr(daft.functions, name)


def mode_of(a: np.ndarray) -> str:
    """Daft's mode of a (height, width, channels) array, from its channels and dtype."""
    base = ["L", "LA", "RGB", "RGBA"][a.shape[2] - 1]
    if a.dtype == np.uint16:
        return base + "16"
    if a.dtype == np.float32:
        return base + "32F"
    return base


def image_array(values: list, mode: str | None) -> pa.ExtensionArray:
    """An ``Image[mode]`` column (``Image[MIXED]`` for None) in Daft's layout, one
    (height, width, channels) array or None per row."""
    t = daft.DataType.image(mode).to_arrow_dtype()
    item = t.storage_type.field("data").type.value_type
    null = [v is None for v in values]

    def part(f, typ):
        return pa.array([None if v is None else f(v) for v in values], typ)

    storage = pa.StructArray.from_arrays(
        [
            part(lambda v: v.ravel().tolist(), pa.large_list(item)),
            part(lambda v: v.shape[2], pa.uint16()),
            part(lambda v: v.shape[0], pa.uint32()),
            part(lambda v: v.shape[1], pa.uint32()),
            part(lambda v: MODE_CODES[mode_of(v)], pa.uint8()),
        ],
        names=["data", "channel", "height", "width", "mode"],
        mask=pa.array(null, pa.bool_()),
    )
    return pa.ExtensionArray.from_storage(t, storage)


def frame(values: list, mode: str | None = "RGB", **columns) -> daft.DataFrame:
    return daft.from_arrow(pa.table({"img": image_array(values, mode), **columns}))


def run(df: daft.DataFrame, expr) -> list:
    return df.select(expr.alias("out")).to_pydict()["out"]


def out_type(df: daft.DataFrame, expr) -> daft.DataType:
    return df.select(expr.alias("out")).schema()["out"].dtype


def to_pil(a: np.ndarray, mode: str):
    return Image.fromarray(a[..., 0] if a.shape[2] == 1 else a, mode)


def from_pil(im) -> np.ndarray:
    a = np.asarray(im)
    return a[..., None] if a.ndim == 2 else a


def random_images(seed: int, mode: str, n: int = 8, low: int = 1, high: int = 40) -> list:
    rng = np.random.default_rng(seed)
    shapes = rng.integers(low, high, (n, 2))
    return [
        rng.integers(0, 256, (int(h), int(w), CHANNELS[mode]), dtype=np.uint8) for h, w in shapes
    ]


def encoded(a: np.ndarray, mode: str, fmt: str, **save) -> bytes:
    out = io.BytesIO()
    to_pil(a, mode).save(out, fmt, **save)
    return out.getvalue()


def png16(a: np.ndarray) -> bytes:
    """A 16-bit grayscale PNG of a (height, width) uint16 array."""
    out = io.BytesIO()
    Image.fromarray(a).save(out, "PNG")
    return out.getvalue()


def assert_same_images(got: list, expected: list) -> None:
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        if e is None:
            assert g is None, f"row {i}"
        else:
            assert g is not None, f"row {i}"
            assert g.shape == e.shape, f"row {i}: {g.shape} != {e.shape}"
            assert g.dtype == e.dtype, f"row {i}"
            assert np.array_equal(g, e), f"row {i}: {np.abs(g.astype(int) - e).max()} off"


# ---- decode_image -----------------------------------------------------------------------------


@pytest.mark.parametrize("target", EIGHT_BIT)
@pytest.mark.parametrize("source", EIGHT_BIT)
def test_decode_image_matches_pillow_for_each_file_mode_and_target_mode(source, target):
    images = random_images(1, source, n=6)
    files = [encoded(a, source, "PNG") for a in images] + [None]
    df = daft.from_pydict({"file": files})
    got = run(df, fn("decode_image")(col("file"), mode=target))
    expected = [from_pil(Image.open(io.BytesIO(f)).convert(target)) for f in files[:-1]]
    assert_same_images(got, expected + [None])
    assert out_type(df, fn("decode_image")(col("file"), mode=target)) == daft.DataType.image(target)


def test_decode_image_converts_to_rgb_by_default():
    a = random_images(2, "RGBA", n=1)[0]
    df = daft.from_pydict({"file": [encoded(a, "RGBA", "PNG")]})
    assert out_type(df, fn("decode_image")(col("file"))) == daft.DataType.image("RGB")
    (got,) = run(df, fn("decode_image")(col("file")))
    assert np.array_equal(got, a[..., :3])


def test_decode_image_mode_none_keeps_each_files_mode_in_a_mixed_column():
    images = [random_images(3, m, n=1)[0] for m in EIGHT_BIT]
    files = [encoded(a, m, "PNG") for a, m in zip(images, EIGHT_BIT)] + [None]
    df = daft.from_pydict({"file": files})
    decoded = df.select(fn("decode_image")(col("file"), mode=None).alias("img"))
    assert decoded.schema()["img"].dtype == daft.DataType.image()
    assert_same_images(decoded.to_pydict()["img"], images + [None])
    modes = run(decoded, fn("image_mode")(col("img")))
    assert modes == [1, 2, 3, 4, None]


def test_decode_image_mode_none_reduces_a_16_bit_file_to_8_bits():
    # Image[MIXED] stores bytes (Daft's layout), so a 16-bit file becomes 8-bit there.
    a = np.random.default_rng(4).integers(0, 65536, (5, 7), dtype=np.uint16)
    df = daft.from_pydict({"file": [png16(a)]})
    (got,) = run(df, fn("decode_image")(col("file"), mode=None))
    assert got.dtype == np.uint8
    assert np.array_equal(got[..., 0], np.round(a / 257).astype(np.uint8))


def test_decode_image_reads_16_bit_files_exactly_into_a_16_bit_mode():
    a = np.random.default_rng(5).integers(0, 65536, (5, 7), dtype=np.uint16)
    df = daft.from_pydict({"file": [png16(a)]})
    expr = fn("decode_image")(col("file"), mode="L16")
    assert out_type(df, expr) == daft.DataType.image("L16")
    (got,) = run(df, expr)
    assert got.dtype == np.uint16 and np.array_equal(got[..., 0], a)


@pytest.mark.parametrize(
    "fmt, save",
    [("PNG", {}), ("BMP", {}), ("TIFF", {}), ("WEBP", {"lossless": True}), ("GIF", {})],
)
def test_decode_image_reads_lossless_formats_exactly_as_pillow(fmt, save):
    images = random_images(6, "RGB", n=4)
    files = [encoded(a, "RGB", fmt, **save) for a in images]
    got = run(daft.from_pydict({"file": files}), fn("decode_image")(col("file")))
    expected = [from_pil(Image.open(io.BytesIO(f)).convert("RGB")) for f in files]
    assert_same_images(got, expected)


def test_decode_image_reads_jpeg_within_decoder_rounding_of_pillow():
    # Two JPEG decoders differ by their IDCT and upsampling rounding, not more.
    y, x = np.mgrid[0:40, 0:50]
    smooth = np.stack([(x * 5) % 256, (y * 6) % 256, ((x + y) * 3) % 256], -1).astype(np.uint8)
    file = encoded(smooth, "RGB", "JPEG")
    (got,) = run(daft.from_pydict({"file": [file]}), fn("decode_image")(col("file")))
    expected = from_pil(Image.open(io.BytesIO(file)).convert("RGB"))
    assert got.shape == expected.shape
    assert np.abs(got.astype(int) - expected).max() <= 4


def test_decode_image_raises_by_default_naming_the_function_and_the_way_out():
    df = daft.from_pydict({"file": [b"not an image", None]})
    with pytest.raises(Exception, match=r"decode_image.*12 bytes.*on_error=\"null\""):
        df.select(fn("decode_image")(col("file"))).to_pydict()


def test_decode_image_on_error_null_gives_null_for_undecodable_values():
    good = encoded(random_images(7, "RGB", n=1)[0], "RGB", "PNG")
    truncated = good[: len(good) // 2]
    df = daft.from_pydict({"file": [b"garbage", good, truncated, b"", None]})
    got = run(df, fn("decode_image")(col("file"), on_error="null"))
    assert [g is None for g in got] == [True, False, True, True, True]


def test_decode_image_refuses_a_string_column_at_plan_time():
    df = daft.from_pydict({"s": ["abc"]})
    with pytest.raises(DaftTypeError, match=r"decode_image.*`bytes` has type Utf8.*Binary"):
        df.select(fn("decode_image")(col("s")))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"on_error": "warn"}, r"on_error.*\"raise\" or \"null\""),
        ({"mode": "CMYK"}, r"\"CMYK\".*not an image mode.*RGBA32F"),
    ],
)
def test_decode_image_refuses_unknown_option_values_at_plan_time(options, message):
    df = daft.from_pydict({"file": [b""]})
    with pytest.raises(DaftTypeError, match=message):
        df.select(fn("decode_image")(col("file"), **options))


# ---- encode_image -----------------------------------------------------------------------------

LOSSLESS = {
    "png": ["L", "LA", "RGB", "RGBA"],
    "tiff": ["L", "RGB", "RGBA"],
    "bmp": ["L", "RGB", "RGBA"],
    "webp": ["L", "LA", "RGB", "RGBA"],
}


@pytest.mark.parametrize(
    "fmt, mode", [(f, m) for f, modes in LOSSLESS.items() for m in modes], ids=str
)
def test_encode_image_lossless_formats_round_trip_through_pillow(fmt, mode):
    images = random_images(8, mode, n=4) + [None]
    got = run(frame(images, mode), fn("encode_image")(col("img"), fmt))
    assert got[-1] is None
    for a, data in zip(images[:-1], got[:-1]):
        opened = Image.open(io.BytesIO(data))
        assert opened.format == {"webp": "WEBP", "tiff": "TIFF"}.get(fmt, fmt.upper())
        assert np.array_equal(from_pil(opened.convert(mode)), a)


def test_encode_image_jpeg_stays_close_to_the_original():
    y, x = np.mgrid[0:32, 0:48]
    smooth = np.stack([x * 5, y * 7, (x + y) * 3], -1).astype(np.uint8)
    (data,) = run(frame([smooth]), fn("encode_image")(col("img"), "jpg"))
    opened = Image.open(io.BytesIO(data))
    assert opened.format == "JPEG" and opened.size == (48, 32)
    assert np.abs(from_pil(opened).astype(int) - smooth).mean() < 3


def test_encode_image_gif_opens_in_pillow_with_the_same_size():
    (data,) = run(frame(random_images(9, "RGB", n=1)), fn("encode_image")(col("img"), "GIF"))
    opened = Image.open(io.BytesIO(data))
    assert opened.format == "GIF"


def test_encode_image_writes_16_bit_png_exactly():
    a = np.random.default_rng(10).integers(0, 65536, (4, 6, 1), dtype=np.uint16)
    (data,) = run(frame([a], "L16"), fn("encode_image")(col("img"), "png"))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), a[..., 0])


def test_encode_image_refuses_an_unknown_format_listing_the_supported_ones():
    with pytest.raises(DaftTypeError, match=r"encode_image.*\"avif\".*png, jpeg, tiff, bmp"):
        frame(random_images(11, "RGB", n=1)).select(fn("encode_image")(col("img"), "avif"))


def test_encode_image_refuses_a_mode_the_format_cannot_store_at_plan_time():
    df = frame(random_images(12, "RGBA", n=1), "RGBA")
    with pytest.raises(DaftTypeError, match=r"encode_image: JPEG cannot store RGBA.*L, RGB"):
        df.select(fn("encode_image")(col("img"), "jpeg"))


def test_encode_image_refuses_such_a_row_of_a_mixed_column_when_run():
    df = frame(random_images(13, "RGB", n=1) + random_images(13, "LA", n=1), None)
    with pytest.raises(Exception, match=r"encode_image: JPEG cannot store LA"):
        df.select(fn("encode_image")(col("img"), "jpeg")).to_pydict()


# ---- resize -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", EIGHT_BIT)
def test_resize_matches_pillow_bilinear_bit_for_bit(mode):
    rng = np.random.default_rng(14)
    images = random_images(14, mode, n=12, high=50)
    for a in images:
        w, h = (int(v) for v in rng.integers(1, 60, 2))
        (got,) = run(frame([a], mode), fn("resize")(col("img"), w, h))
        expected = from_pil(to_pil(a, mode).resize((w, h), Image.BILINEAR))
        assert np.array_equal(got, expected), (a.shape, (h, w))


def test_resize_keeps_the_mode_and_nulls():
    df = frame(random_images(15, "LA", n=2) + [None], "LA")
    expr = fn("resize")(col("img"), 7, 3)
    assert out_type(df, expr) == daft.DataType.image("LA")
    assert [None if g is None else g.shape for g in run(df, expr)] == [(3, 7, 2), (3, 7, 2), None]


@pytest.mark.parametrize(
    "mode, dtype, channels, value",
    [
        ("L16", np.uint16, 1, 40000),
        ("RGBA16", np.uint16, 4, 65535),
        ("RGB32F", np.float32, 3, 0.25),
    ],
)
def test_resize_keeps_16_bit_and_float_modes(mode, dtype, channels, value):
    flat = np.full((6, 9, channels), value, dtype)
    df = frame([flat], mode)
    (got,) = run(df, fn("resize")(col("img"), 4, 5))
    assert out_type(df, fn("resize")(col("img"), 4, 5)) == daft.DataType.image(mode)
    assert got.dtype == dtype and got.shape == (5, 4, flat.shape[2])
    assert np.allclose(got, value)


@pytest.mark.parametrize("w, h", [(0, 5), (5, -1), (70000, 5)])
def test_resize_refuses_sizes_out_of_range_at_plan_time(w, h):
    with pytest.raises(DaftTypeError, match=r"resize: option `[wh]` is -?\d+; .* between 1 and"):
        frame(random_images(16, "RGB", n=1)).select(fn("resize")(col("img"), w, h))


def test_resize_refuses_a_size_that_would_take_gigabytes_at_plan_time():
    with pytest.raises(DaftTypeError, match=r"resize: resizing to 10000 x 10000 .* the most is"):
        frame(random_images(16, "RGB", n=1)).select(fn("resize")(col("img"), 10000, 10000))


# ---- crop -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", EIGHT_BIT)
def test_crop_matches_pillow_inside_the_image(mode):
    rng = np.random.default_rng(17)
    for a in random_images(17, mode, n=8, low=2):
        h, w = a.shape[:2]
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        bw, bh = int(rng.integers(1, w - x + 1)), int(rng.integers(1, h - y + 1))
        (got,) = run(frame([a], mode), fn("crop")(col("img"), (x, y, bw, bh)))
        expected = from_pil(to_pil(a, mode).crop((x, y, x + bw, y + bh)))
        assert np.array_equal(got, expected)


def test_crop_clips_a_box_that_reaches_past_the_edges():
    a = np.random.default_rng(18).integers(0, 256, (5, 8, 3), dtype=np.uint8)
    (got,) = run(frame([a]), fn("crop")(col("img"), (6, 3, 10, 10)))
    assert np.array_equal(got, a[3:, 6:])
    (outside,) = run(frame([a]), fn("crop")(col("img"), (20, 20, 2, 2)))
    assert outside.shape == (0, 0, 3)


def test_crop_takes_one_box_per_row_from_a_list_column():
    images = random_images(19, "L", n=3, low=6)
    boxes = [[0, 0, 2, 3], None, [1, 2, 3, 1]]
    df = frame(images, "L", box=pa.array(boxes, pa.list_(pa.int32())))
    got = run(df, fn("crop")(col("img"), col("box")))
    assert np.array_equal(got[0], images[0][0:3, 0:2])
    assert got[1] is None
    assert np.array_equal(got[2], images[2][2:3, 1:4])


@pytest.mark.parametrize(
    "box, message",
    [
        ([1, 2, 3], r"has 3 values; expected 4 \(x, y, width, height\)"),
        ([0, -1, 2, 2], r"has y -1"),
    ],
)
def test_crop_refuses_a_malformed_box_when_run(box, message):
    df = frame(random_images(20, "RGB", n=1), box=pa.array([box], pa.list_(pa.int64())))
    with pytest.raises(Exception, match=f"crop: .*{message}"):
        df.select(fn("crop")(col("img"), col("box"))).to_pydict()


def test_crop_refuses_a_bbox_that_is_not_a_list_of_integers_at_plan_time():
    df = frame(random_images(21, "RGB", n=1), box=pa.array([["a", "b"]]))
    with pytest.raises(DaftTypeError, match=r"crop: argument `bbox` has type .*list of 4 integers"):
        df.select(fn("crop")(col("img"), col("box")))


# ---- convert_image ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", EIGHT_BIT)
@pytest.mark.parametrize("source", EIGHT_BIT)
def test_convert_image_matches_pillow_between_8_bit_modes(source, target):
    images = random_images(22, source, n=4) + [None]
    df = frame(images, source)
    expr = fn("convert_image")(col("img"), target)
    assert out_type(df, expr) == daft.DataType.image(target)
    expected = [from_pil(to_pil(a, source).convert(target)) for a in images[:-1]]
    assert_same_images(run(df, expr), expected + [None])


def test_convert_image_scales_full_intensity_between_depths():
    a = np.array([[[0], [1], [128], [255]]], np.uint8)
    (deep,) = run(frame([a], "L"), fn("convert_image")(col("img"), "L16"))
    assert deep.dtype == np.uint16 and deep.ravel().tolist() == [0, 257, 128 * 257, 65535]
    (back,) = run(frame([deep], "L16"), fn("convert_image")(col("img"), "L"))
    assert np.array_equal(back, a)
    (floats,) = run(frame([a], "L"), fn("convert_image")(col("img"), "RGBA32F"))
    assert floats.dtype == np.float32 and floats.shape == (1, 4, 4)
    assert np.allclose(floats[..., 0].ravel(), a.ravel() / 255) and np.all(floats[..., 3] == 1)


def test_convert_image_refuses_an_unknown_mode_at_plan_time():
    with pytest.raises(DaftTypeError, match=r"convert_image: option `mode` is \"HSV\""):
        frame(random_images(23, "RGB", n=1)).select(fn("convert_image")(col("img"), "HSV"))


# ---- attributes and tensors ---------------------------------------------------------------------


def test_attributes_give_uint32_width_height_channel_and_mode_code():
    images = [random_images(24, m, n=1)[0] for m in EIGHT_BIT] + [None]
    df = frame(images, None)
    expected = {
        "image_width": [a.shape[1] for a in images[:-1]],
        "image_height": [a.shape[0] for a in images[:-1]],
        "image_channel": [1, 2, 3, 4],
        "image_mode": [1, 2, 3, 4],
    }
    for name, values in expected.items():
        assert out_type(df, fn(name)(col("img"))) == daft.DataType.uint32()
        assert run(df, fn(name)(col("img"))) == values + [None], name
        attribute = name.removeprefix("image_")
        assert run(df, fn("image_attribute")(col("img"), attribute)) == values + [None]
        # Daft's enum names the property too.
        prop = daft.ImageProperty.from_property_string(attribute)
        assert run(df, fn("image_attribute")(col("img"), prop)) == values + [None]


def test_image_attribute_refuses_an_unknown_property_at_plan_time():
    with pytest.raises(DaftTypeError, match=r"image_attribute: .*\"size\".*width, height"):
        frame(random_images(25, "RGB", n=1)).select(fn("image_attribute")(col("img"), "size"))


def test_image_to_tensor_gives_height_width_channels_arrays_of_the_sample_type():
    images = random_images(26, "RGBA", n=3) + [None]
    df = frame(images, "RGBA")
    expr = fn("image_to_tensor")(col("img"))
    assert out_type(df, expr) == daft.DataType.tensor(daft.DataType.uint8())
    assert_same_images(run(df, expr), images)
    deep = np.arange(12, dtype=np.uint16).reshape(2, 2, 3)
    df16 = frame([deep], "RGB16")
    assert out_type(df16, expr) == daft.DataType.tensor(daft.DataType.uint16())
    assert_same_images(run(df16, expr), [deep])


# ---- image_hash ---------------------------------------------------------------------------------

try:
    import imagehash
except ImportError:  # only the hash oracles need it
    imagehash = None
needs_imagehash = pytest.mark.skipif(imagehash is None, reason="compared with imagehash")
HASH_METHODS = ["ahash", "dhash", "dhash_vertical", "phash", "phash_simple"]


def reference_hash(method: str, image, hash_size: int = 8) -> bytes:
    """imagehash's hash, packed as image_hash packs it (numpy.packbits, row by row)."""
    hasher = {
        "ahash": imagehash.average_hash,
        "dhash": imagehash.dhash,
        "dhash_vertical": imagehash.dhash_vertical,
        "phash": imagehash.phash,
        "phash_simple": imagehash.phash_simple,
    }[method]
    return np.packbits(hasher(image, hash_size=hash_size).hash.flatten()).tobytes()


@needs_imagehash
@pytest.mark.parametrize("hash_size", [8, 5])
@pytest.mark.parametrize("mode", EIGHT_BIT)
@pytest.mark.parametrize("method", HASH_METHODS)
def test_image_hash_matches_imagehash_bit_for_bit(method, mode, hash_size):
    # At least 3 x 3: the thumbnail of an image one or two pixels wide (or tall) is
    # symmetric, so half of its DCT coefficients are zero in exact arithmetic, and scipy's
    # rounding noise then decides phash's bits.
    images = random_images(27, mode, n=10, low=3, high=70) + [None]
    got = run(frame(images, mode), fn("image_hash")(col("img"), method, hash_size))
    expected = [reference_hash(method, to_pil(a, mode), hash_size) for a in images[:-1]]
    assert got == expected + [None]


@needs_imagehash
@pytest.mark.parametrize("method", HASH_METHODS)
def test_image_hash_of_a_flat_image_matches_imagehash(method):
    flat = np.full((20, 30, 3), 77, np.uint8)
    (got,) = run(frame([flat]), fn("image_hash")(col("img"), method=method))
    assert got == reference_hash(method, to_pil(flat, "RGB"))


def test_image_hash_type_is_fixed_size_binary_of_the_hash_bytes():
    df = frame(random_images(28, "RGB", n=1))
    assert out_type(df, fn("image_hash")(col("img"))) == daft.DataType.fixed_size_binary(8)
    assert out_type(
        df, fn("image_hash")(col("img"), method="dhash", hash_size=5)
    ) == daft.DataType.fixed_size_binary(4)


@pytest.mark.parametrize("method", ["whash", "crop_resistant", "colorhash"])
def test_image_hash_refuses_methods_it_does_not_implement_naming_the_supported_ones(method):
    with pytest.raises(DaftTypeError, match=rf"{method}.*not implemented.*phash, phash_simple"):
        frame(random_images(29, "RGB", n=1)).select(fn("image_hash")(col("img"), method=method))


@pytest.mark.parametrize("hash_size", [1, 65])
def test_image_hash_refuses_a_hash_size_out_of_range(hash_size):
    with pytest.raises(DaftTypeError, match=r"hash_size` is -?\d+; expected 2 to 64"):
        frame(random_images(30, "RGB", n=1)).select(
            fn("image_hash")(col("img"), hash_size=hash_size)
        )


# ---- signatures ---------------------------------------------------------------------------------

# Daft 0.7.26's parameters and defaults (inspect.signature of daft.functions there); its enum
# defaults (ImageMode.RGB) are given here by name.
DAFT_SIGNATURES = {
    "decode_image": [("bytes", None), ("on_error", "raise"), ("mode", "RGB")],
    "encode_image": [("image", None), ("image_format", None)],
    "resize": [("image", None), ("w", None), ("h", None)],
    "crop": [("image", None), ("bbox", None)],
    "convert_image": [("image", None), ("mode", None)],
    "image_to_tensor": [("image", None)],
    "image_attribute": [("image", None), ("name", None)],
    "image_width": [("image", None)],
    "image_height": [("image", None)],
    "image_channel": [("image", None)],
    "image_mode": [("image", None)],
    "image_hash": [
        ("image", None),
        ("method", "phash"),
        ("hash_size", 8),
        ("binbits", 3),
        ("segments", 3),
    ],
}


@pytest.mark.parametrize("name", sorted(DAFT_SIGNATURES))
def test_signatures_follow_daft_and_functions_are_expression_methods(name):
    import inspect

    params = inspect.signature(getattr(daft.functions, name)).parameters.values()
    got = [(p.name, None if p.default is p.empty else p.default) for p in params]
    assert got == DAFT_SIGNATURES[name]
    assert callable(getattr(daft.Expression, name))


# ---- every function -----------------------------------------------------------------------------

# Each image function with arguments that make it run on an RGB column.
CALLS = {
    "encode_image": lambda e: fn("encode_image")(e, "png"),
    "resize": lambda e: fn("resize")(e, 3, 2),
    "crop": lambda e: fn("crop")(e, (0, 0, 2, 2)),
    "convert_image": lambda e: fn("convert_image")(e, "L"),
    "image_width": lambda e: fn("image_width")(e),
    "image_height": lambda e: fn("image_height")(e),
    "image_channel": lambda e: fn("image_channel")(e),
    "image_mode": lambda e: fn("image_mode")(e),
    "image_attribute": lambda e: fn("image_attribute")(e, "mode"),
    "image_to_tensor": lambda e: fn("image_to_tensor")(e),
    "image_hash": lambda e: fn("image_hash")(e),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_function_maps_nulls_to_nulls_and_accepts_an_empty_column(name):
    df = frame([None, random_images(31, "RGB", n=1)[0], None])
    got = run(df, CALLS[name](col("img")))
    assert [g is None for g in got] == [True, False, True]
    assert run(df.limit(0), CALLS[name](col("img"))) == []
    assert run(frame([]), CALLS[name](col("img"))) == []
    # An untyped all-null column (None literals) is accepted too.
    assert run(df, CALLS[name](daft.lit(None))) == [None, None, None]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_function_reads_a_sliced_column_from_its_offset(name):
    images = random_images(32, "RGB", n=6, low=3)
    whole = pa.table({"img": image_array(images, "RGB")})
    sliced = daft.from_arrow(whole.slice(2, 3))
    fresh = frame(images[2:5])
    got, expected = run(sliced, CALLS[name](col("img"))), run(fresh, CALLS[name](col("img")))
    if isinstance(expected[0], np.ndarray):
        assert_same_images(got, expected)
    else:
        assert got == expected


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_function_rejects_a_non_image_column_naming_itself_and_the_type(name):
    df = daft.from_pydict({"x": [1, 2]})
    with pytest.raises(DaftTypeError, match=rf"image\.{name}: argument `image` has type Int64"):
        df.select(CALLS[name](col("x")))


def test_fixed_shape_images_are_refused_with_the_reason():
    t = daft.DataType.image("RGB", 1, 2).to_arrow_dtype()
    storage = pa.array([list(range(6))], pa.list_(pa.uint8(), 6))
    df = daft.from_arrow(pa.table({"img": pa.ExtensionArray.from_storage(t, storage)}))
    with pytest.raises(DaftTypeError, match=r"Image\[RGB; 1 x 2\].*fixed shape"):
        df.select(fn("image_width")(col("img")))


def test_results_carry_daft_0_7_26_extension_metadata_and_storage():
    files = [encoded(random_images(33, "RGB", n=1)[0], "RGB", "PNG")]
    df = daft.from_pydict({"file": files})
    for mode in ["L", "RGBA16", "RGB32F", None]:
        table = df.select(fn("decode_image")(col("file"), mode=mode).alias("img")).to_arrow()
        field = table.schema.field("img")
        assert field.type.extension_name == "daft.super_extension"
        meta = json.loads(field.type.__arrow_ext_serialize__())
        assert meta["datatype"] == {"Image": mode}
        assert {"daft_version", "daft_build_type"} <= set(meta)
        assert field.type.storage_type == daft.DataType.image(mode).to_arrow_dtype().storage_type
        storage = table.column("img").chunk(0).storage
        assert storage.field("mode").to_pylist() == [MODE_CODES.get(mode, 3)]


def test_decoded_images_survive_a_parquet_round_trip_as_images(tmp_path):
    images = random_images(34, "RGB", n=3)
    files = [encoded(a, "RGB", "PNG") for a in images] + [None]
    df = daft.from_pydict({"file": files})
    df.select(fn("decode_image")(col("file")).alias("img")).write_parquet(str(tmp_path))
    back = daft.read_parquet(str(tmp_path))
    assert back.schema()["img"].dtype == daft.DataType.image("RGB")
    widths = run(back, fn("image_width")(col("img")))
    assert sorted(w for w in widths if w is not None) == sorted(a.shape[1] for a in images)


def test_the_image_pack_conforms():
    testing = pytest.importorskip("daft.testing", reason="daft.testing needs hypothesis")
    report = testing.assert_plugin_conforms("image", max_examples=12, large_rows=140_000, threads=3)
    names = {f.name.removeprefix("image.") for f in report.functions}
    assert names >= set(CALLS) | {"decode_image"}


def test_daft_enum_values_are_accepted_as_options():
    """``daft.ImageMode.L`` and ``daft.ImageFormat.PNG`` mean "L" and "png", as in Daft."""
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    df = frame([rgb])
    png = run(df, fn("encode_image")(col("img"), daft.ImageFormat.PNG))
    assert png == run(df, fn("encode_image")(col("img"), "png"))
    gray = daft.from_pydict({"b": png}).select(
        fn("decode_image")(col("b"), mode=daft.ImageMode.L).alias("out")
    )
    assert gray.schema()["out"].dtype == daft.DataType.image("L")
