"""Python data in: the Daft type of Python types and values, and columns of Python
values as Arrow arrays of that type.

The rules follow Daft 0.7.26 (``from_pydict``, ``DataType.infer_from_type``):
numpy arrays are tensors, tuples are structs with fields ``_0, _1, ...``, dicts with
string keys are structs and other dicts maps, and values Arrow has no type for
(sets, arbitrary objects) make a Python column that keeps them as objects. One
deliberate difference: where Daft turns values of different kinds into strings or
Python objects without a word (``[1, "a"]``, ``[b"x", "y"]``), this module raises an
error naming the column, the row and both types, because a column that silently
changed type gives wrong answers later. See docs/user-guide.md, "Types".
"""

from __future__ import annotations

import datetime
import decimal
import pickle
import types
import typing
import uuid
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from daft.datatype import DataType

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

# Values pyarrow types as Daft does; a column of only these skips the slow path.
_PLAIN = (
    type(None),
    bool,
    int,
    float,
    str,
    bytes,
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
)


class _Conflict(Exception):
    """Two values of a column have no common type."""


# --- types of Python types -------------------------------------------------------


def infer_from_type(t: Any) -> DataType:
    """The Daft type of a Python type or annotation."""
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    base = origin if origin is not None else t
    if origin is typing.Union or _is_union_type(t):
        inner = {infer_from_type(a) for a in args}
        inner.discard(DataType.null())
        if len(inner) == 1:
            return inner.pop()
        return DataType.python()
    if not isinstance(base, type):
        raise TypeError(f"infer_from_type takes a Python type, got {t!r}")
    if base is type(None):
        return DataType.null()
    simple = _simple_type(base)
    if simple is not None:
        return simple
    if issubclass(base, list):
        if len(args) > 1:
            raise TypeError(f"a list type has one type argument, got {t}")
        return DataType.list(infer_from_type(args[0]) if args else DataType.python())
    if _is_typeddict(base):
        hints = typing.get_type_hints(base)
        return DataType.struct({k: infer_from_type(v) for k, v in hints.items()})
    if issubclass(base, dict):
        if args and len(args) != 2:
            raise TypeError(f"a dict type has two type arguments, got {t}")
        key, value = (infer_from_type(a) for a in args) if args else (DataType.python(),) * 2
        return DataType.map(key, value)
    if issubclass(base, tuple):
        if not args:
            return DataType.list(DataType.python())
        if len(args) == 2 and args[1] is Ellipsis:
            return DataType.list(infer_from_type(args[0]))
        return DataType.struct({f"_{i}": infer_from_type(a) for i, a in enumerate(args)})
    if issubclass(base, decimal.Decimal):
        warnings.warn(
            "the precision and scale of decimal.Decimal cannot be derived from the type; "
            "using DataType.python()",
            stacklevel=3,
        )
        return DataType.python()
    np = _numpy()
    if np is not None:
        if issubclass(base, np.ndarray):
            element = None
            if len(args) == 2:
                dtype_args = typing.get_args(args[1])
                if len(dtype_args) == 1:
                    element = infer_from_type(dtype_args[0])
            if element is None:
                warnings.warn(
                    f"the element type of {t} cannot be derived; using DataType.python()",
                    stacklevel=3,
                )
                element = DataType.python()
            return DataType.tensor(element)
        if issubclass(base, np.generic):
            return DataType.from_numpy_dtype(np.dtype(base))
    return DataType.python()


def _is_typeddict(t: type) -> bool:
    check = getattr(typing, "is_typeddict", None)  # Python 3.10+
    if check is not None:
        return check(t)
    return issubclass(t, dict) and hasattr(t, "__total__") and hasattr(t, "__annotations__")


def _is_union_type(t: Any) -> bool:
    # `int | None` (types.UnionType) exists from Python 3.10.
    union_type = getattr(types, "UnionType", None)
    return union_type is not None and isinstance(t, union_type)


def _simple_type(base: type) -> DataType | None:
    # bool before int, datetime before date: each is a subclass of the next.
    if issubclass(base, bool):
        return DataType.bool()
    if issubclass(base, str):
        return DataType.string()
    if issubclass(base, bytes):
        return DataType.binary()
    if issubclass(base, int):
        return DataType.int64()
    if issubclass(base, float):
        return DataType.float64()
    if issubclass(base, datetime.datetime):
        return DataType.timestamp("us")
    if issubclass(base, datetime.date):
        return DataType.date()
    if issubclass(base, datetime.time):
        return DataType.time("us")
    if issubclass(base, datetime.timedelta):
        return DataType.duration("us")
    if issubclass(base, uuid.UUID):
        return DataType.uuid()
    return None


def _numpy() -> Any:
    import sys

    return sys.modules.get("numpy")


# --- types of Python values ------------------------------------------------------


def infer_from_object(obj: Any) -> DataType:
    """The Daft type of one Python value."""
    return _value_type(obj)


def _value_type(v: Any) -> DataType:
    if v is None:
        return DataType.null()
    if isinstance(v, bool):
        return DataType.bool()
    if isinstance(v, int):
        if -(2**63) <= v < 2**63:
            return DataType.int64()
        if 0 <= v < 2**64:
            return DataType.uint64()
        raise _Conflict(f"{v} is too large for a 64-bit integer")
    if isinstance(v, float):
        return DataType.float64()
    if isinstance(v, str):
        return DataType.string()
    if isinstance(v, bytes):
        return DataType.binary()
    if isinstance(v, datetime.datetime):
        return DataType.timestamp("us", _tz_name(v))
    if isinstance(v, datetime.date):
        return DataType.date()
    if isinstance(v, datetime.time):
        return DataType.time("us")
    if isinstance(v, datetime.timedelta):
        return DataType.duration("us")
    if isinstance(v, decimal.Decimal):
        exponent = v.as_tuple().exponent
        scale = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return DataType.decimal128(38, min(scale, 38))
    if isinstance(v, uuid.UUID):
        return DataType.uuid()
    np = _numpy()
    if np is not None:
        if isinstance(v, np.ndarray):
            if v.dtype.kind == "O":
                return DataType.python()
            return DataType.tensor(DataType.from_numpy_dtype(v.dtype))
        if isinstance(v, np.generic):
            return DataType.from_numpy_dtype(v.dtype)
    if isinstance(v, tuple):
        return DataType.struct({f"_{i}": _value_type(x) for i, x in enumerate(v)})
    if isinstance(v, list):
        return DataType.list(_common((_value_type(x) for x in v), v, "an element"))
    if isinstance(v, Mapping):
        if all(isinstance(k, str) for k in v):
            return DataType.struct({k: _value_type(x) for k, x in v.items()})
        key = _common((_value_type(k) for k in v), list(v), "a key")
        value = _common((_value_type(x) for x in v.values()), list(v.values()), "a value")
        return DataType.map(key, value)
    return DataType.python()


def _tz_name(v: datetime.datetime) -> str | None:
    if v.tzinfo is None:
        return None
    # pyarrow's own name for the zone, so the type matches the array it builds.
    return pa.array([v]).type.tz


def _common(types: Any, values: list, what: str) -> DataType:
    out = DataType.null()
    for i, t in enumerate(types):
        try:
            out = _unify(out, t)
        except _Conflict:
            raise _Conflict(
                f"{what} {values[i]!r} ({t}) does not share a type with those before it ({out})"
            ) from None
    return out


def _unify(a: DataType, b: DataType) -> DataType:
    """The type two values' types share, or _Conflict."""
    if a == b:
        return a
    if a.is_null():
        return b
    if b.is_null():
        return a
    if a.is_python() or b.is_python():
        return DataType.python()
    if a.is_boolean() and b.is_integer():
        return b
    if b.is_boolean() and a.is_integer():
        return a
    if a.is_numeric() and b.is_numeric():
        return _numeric(a, b)
    if a.is_decimal128() and (b.is_decimal128() or b.is_integer()):
        return b if b.is_decimal128() and b.scale > a.scale else a
    if b.is_decimal128() and a.is_integer():
        return b
    if a.is_list() and b.is_list():
        return DataType.list(_unify(a.dtype, b.dtype))
    if a.is_tensor() and b.is_tensor():
        return DataType.tensor(_unify(a.dtype, b.dtype))
    if a.is_struct() and b.is_struct():
        fields = dict(a.fields)
        for name, t in b.fields.items():
            fields[name] = _unify(fields[name], t) if name in fields else t
        return DataType.struct(fields)
    # An empty dict has no keys to tell a struct from a map.
    if a.is_map() and b.is_struct() and not b.fields:
        return a
    if b.is_map() and a.is_struct() and not a.fields:
        return b
    if a.is_map() and b.is_map():
        return DataType.map(_unify(a.key_type, b.key_type), _unify(a.value_type, b.value_type))
    raise _Conflict(f"{a} and {b}")


def _numeric(a: DataType, b: DataType) -> DataType:
    """The engine's numeric supertype (host/daft-core/src/types.rs), except that
    Int64 with UInt64 is a conflict: a float would round the large values."""
    (fa, wa, sa), (fb, wb, sb) = _rank(a), _rank(b)
    if fa or fb:
        fits32 = all(w <= 32 if f else w <= 16 for f, w in ((fa, wa), (fb, wb)))
        return DataType.float32() if fits32 else DataType.float64()
    if sa == sb:
        return _int(max(wa, wb), sa)
    signed_w, unsigned_w = (wa, wb) if sa else (wb, wa)
    if signed_w > unsigned_w:
        return _int(signed_w, True)
    if unsigned_w < 64:
        return _int(unsigned_w * 2, True)
    raise _Conflict(f"{a} and {b}")


def _rank(t: DataType) -> tuple[bool, int, bool]:
    """(is float, bit width, signed) of a numeric type."""
    arrow = t.to_arrow_dtype()
    return pa.types.is_floating(arrow), arrow.bit_width, not pa.types.is_unsigned_integer(arrow)


def _int(bits: int, signed: bool) -> DataType:
    return getattr(DataType, f"{'int' if signed else 'uint'}{bits}")()


# --- columns of Python values ----------------------------------------------------


def column(values: Any, where: str, dtype: DataType | None = None) -> pa.Array | pa.ChunkedArray:
    """``values`` (a list, a numpy array, an Arrow array, a daft.Series) as Arrow
    data; ``where`` names the column in errors (``from_pydict: column 'x'``)."""
    from daft.series import Series

    if isinstance(values, Series):
        values = values.to_arrow()
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values if dtype is None else values.cast(dtype.to_arrow_dtype())
    np = _numpy()
    if np is not None and isinstance(values, np.ndarray):
        if values.ndim > 1 and dtype is None:
            return _tensor_rows(values)
        if values.ndim == 1 and values.dtype.kind != "O" and dtype is None:
            return pa.array(values)
        values = list(values)
    elif hasattr(values, "__arrow_c_array__") or hasattr(values, "__arrow_c_stream__"):
        return pa.array(values) if dtype is None else pa.array(values).cast(dtype.to_arrow_dtype())
    elif not isinstance(values, list):
        try:
            values = list(values)
        except TypeError:
            raise TypeError(
                f"{where}: expected a list, numpy array or Arrow array, got {type(values).__name__}"
            ) from None
    if dtype is None and _plain_column(values):
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass  # the slow path below finds the row and says what is wrong
    target = dtype if dtype is not None else _column_type(values, where)
    try:
        return build(target, values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, ValueError, TypeError) as e:
        raise ValueError(f"{where}: cannot convert the values to {target}: {e}") from None


def _article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _plain_column(values: list) -> bool:
    """Whether pyarrow's own inference gives the column Daft's type: values of
    one plain Python type (ints and floats mix). pyarrow would also turn str into
    bytes or bool into int without a word, so mixed kinds take the slow path."""
    kinds = {type(v) for v in values if v is not None}
    return kinds <= {int, float} or (len(kinds) == 1 and next(iter(kinds)) in _PLAIN)


def _column_type(values: list, where: str) -> DataType:
    out = DataType.null()
    for row, v in enumerate(values):
        shown = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
        try:
            t = _value_type(v)
        except _Conflict as e:
            raise ValueError(f"{where}: row {row} holds {shown}, which has no type: {e}") from None
        try:
            out = _unify(out, t)
        except _Conflict:
            raise ValueError(
                f"{where}: row {row} holds {shown}, {_article(type(v).__name__)} ({t}), "
                f"which does not share a type with the rows before it ({out}). Make the "
                "values one type, or pass "
                "daft.Series.from_pylist(values, dtype=daft.DataType.python()) to keep them "
                "as Python objects"
            ) from None
    return out


def _tensor_rows(arr: Any) -> pa.Array:
    """An n-dimensional numpy array as a Tensor column of its rows, as Daft reads
    ``from_pydict({"x": np.zeros((n, a, b))})``."""
    element = DataType.from_numpy_dtype(arr.dtype)
    n = arr.shape[0]
    per_row = int(arr[0].size) if n else 0
    flat = pa.array(arr.reshape(-1))
    offsets = pa.array([i * per_row for i in range(n + 1)], pa.int64())
    data = pa.LargeListArray.from_arrays(offsets, flat)
    shape = list(arr.shape[1:])
    shapes = pa.array([shape] * n, pa.large_list(pa.uint64()))
    t = DataType.tensor(element).to_arrow_dtype()
    storage = pa.StructArray.from_arrays([data, shapes], fields=list(t.storage_type))
    return pa.ExtensionArray.from_storage(t, storage)


def build(t: DataType, values: list) -> pa.Array:
    """An Arrow array of type ``t`` from Python values already known to fit it."""
    arrow = t.to_arrow_dtype()
    if pa.types.is_union(arrow):
        return _union(t, values)
    if not _has_extension(arrow):
        return pa.array([_plain(v, arrow) for v in values], type=arrow)
    mask = pa.array([v is None for v in values], pa.bool_())
    if t.is_extension():
        storage = build(DataType.from_arrow_type(arrow.storage_type), values)
        return pa.ExtensionArray.from_storage(arrow, storage)
    if t.is_python():
        storage = pa.array(
            [None if v is None else pickle.dumps(v) for v in values], arrow.storage_type
        )
        return pa.ExtensionArray.from_storage(arrow, storage)
    if t.is_uuid():
        storage = pa.array([None if v is None else v.bytes for v in values], arrow.storage_type)
        return pa.ExtensionArray.from_storage(arrow, storage)
    if t.is_tensor():
        np = _numpy()
        arrays = [None if v is None else np.asarray(v) for v in values]
        element = t.dtype
        data = build(
            DataType.list(element), [None if a is None else a.reshape(-1).tolist() for a in arrays]
        )
        shapes = pa.array(
            [None if a is None else list(a.shape) for a in arrays], pa.large_list(pa.uint64())
        )
        storage = pa.StructArray.from_arrays(
            [data.cast(pa.large_list(element.to_arrow_dtype())), shapes],
            fields=list(arrow.storage_type),
            mask=mask,
        )
        return pa.ExtensionArray.from_storage(arrow, storage)
    if t.is_embedding() or t.is_fixed_shape_tensor() or t.is_fixed_shape_image():
        np = _numpy()
        arrays = [None if v is None else np.asarray(v) for v in values]
        if t.is_fixed_shape_tensor() or t.is_fixed_shape_image():
            want = t.shape
            for row, a in enumerate(arrays):
                if a is not None and tuple(a.shape[: len(want)]) != tuple(want):
                    raise ValueError(f"row {row} has shape {a.shape}, but {t} needs {want}")
        flat = [None if a is None else a.reshape(-1).tolist() for a in arrays]
        storage = pa.array(flat, arrow.storage_type)
        return pa.ExtensionArray.from_storage(arrow, storage)
    if t.is_image():
        return _images(t, values, mask)
    if t.is_sparse_tensor() or t.is_fixed_shape_sparse_tensor():
        return _sparse(t, values, mask)
    if t.is_struct():
        rows = [_struct_row(v) for v in values]
        children = [
            build(ft, [None if r is None else r.get(name) for r in rows])
            for name, ft in t.fields.items()
        ]
        return pa.StructArray.from_arrays(children, names=list(t.fields), mask=mask)
    if t.is_list():
        items = [x for v in values if v is not None for x in v]
        child = build(t.dtype, items)
        offsets = [0]
        for v in values:
            offsets.append(offsets[-1] + (0 if v is None else len(v)))
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), child, mask=mask)
    raise TypeError(f"building a column of {t} from Python values is not supported")


def _images(t: DataType, values: list, mask: pa.Array) -> pa.Array:
    """An Image column of numpy arrays (height, width[, channels]); the mode is
    the type's, or (for Image[MIXED]) read off each array's channels."""
    from daft.datatype import ImageMode

    np = _numpy()
    modes = list(ImageMode)
    fixed = t.image_mode
    data, channel, height, width, mode = [], [], [], [], []
    for row, v in enumerate(values):
        if v is None:
            for column in (data, channel, height, width, mode):
                column.append(None)
            continue
        a = np.asarray(v)
        if a.ndim == 2:
            a = a[:, :, None]
        if a.ndim != 3:
            raise ValueError(f"row {row}: an image is (height, width[, channels]), got {a.shape}")
        m = fixed or _mode_of(a, row)
        if a.shape[2] != m.num_channels:
            raise ValueError(f"row {row}: {m} has {m.num_channels} channels, got {a.shape[2]}")
        data.append(a.reshape(-1).tolist())
        channel.append(a.shape[2])
        height.append(a.shape[0])
        width.append(a.shape[1])
        mode.append(modes.index(m) + 1)  # Daft numbers the modes from 1, in this order
    storage_type = t.to_arrow_dtype().storage_type
    children = [
        pa.array(col, storage_type.field(i).type)
        for i, col in enumerate((data, channel, height, width, mode))
    ]
    storage = pa.StructArray.from_arrays(children, fields=list(storage_type), mask=mask)
    return pa.ExtensionArray.from_storage(t.to_arrow_dtype(), storage)


def _mode_of(a: Any, row: int) -> Any:
    from daft.datatype import ImageMode

    names = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
    if a.dtype.name != "uint8" or a.shape[2] not in names:
        raise ValueError(
            f"row {row}: an Image[MIXED] value must be uint8 with 1 to 4 channels, got "
            f"{a.dtype} with shape {a.shape}; give the column a mode (DataType.image('RGB16'))"
        )
    return ImageMode(names[a.shape[2]])


def _sparse(t: DataType, values: list, mask: pa.Array) -> pa.Array:
    """A sparse tensor column from dense numpy arrays or from dicts of ``values``
    and ``indices`` (and ``shape``), as Daft gives them back."""
    np = _numpy()
    offsets = t.use_offset_indices
    fixed = t.is_fixed_shape_sparse_tensor()
    vals, idxs, shapes = [], [], []
    for row, v in enumerate(values):
        if v is None:
            vals.append(None)
            idxs.append(None)
            shapes.append(None)
            continue
        if isinstance(v, Mapping):
            nz = np.asarray(v["values"])
            index = np.asarray(v["indices"], dtype=np.uint64)
            shape = list(t.shape) if fixed else [int(d) for d in v["shape"]]
        else:
            a = np.asarray(v)
            if fixed and tuple(a.shape) != t.shape:
                raise ValueError(f"row {row} has shape {a.shape}, but {t} needs {t.shape}")
            flat = a.reshape(-1)
            index = np.flatnonzero(flat).astype(np.uint64)
            nz = flat[index]
            if offsets and len(index):
                index = np.concatenate([index[:1], np.diff(index)])
            shape = list(a.shape)
        vals.append(nz.tolist())
        idxs.append(index.tolist())
        shapes.append(shape)
    storage_type = t.to_arrow_dtype().storage_type
    columns = [vals, idxs] if fixed else [vals, idxs, shapes]
    children = [pa.array(c, storage_type.field(i).type) for i, c in enumerate(columns)]
    storage = pa.StructArray.from_arrays(children, fields=list(storage_type), mask=mask)
    return pa.ExtensionArray.from_storage(t.to_arrow_dtype(), storage)


def _struct_row(v: Any) -> Mapping | None:
    if v is None or isinstance(v, Mapping):
        return v
    if isinstance(v, tuple):
        return {f"_{i}": x for i, x in enumerate(v)}
    raise TypeError(f"{v!r} is not a struct value (a dict or tuple)")


def _has_extension(t: pa.DataType) -> bool:
    if isinstance(t, pa.BaseExtensionType):
        return True
    return any(_has_extension(t.field(i).type) for i in range(t.num_fields))


def _plain(v: Any, t: pa.DataType) -> Any:
    """A value as pyarrow takes it for type ``t`` (which has no extension types):
    tuples as structs, dicts as maps where ``t`` is a map, numpy values as Python
    ones."""
    if v is None:
        return None
    np = _numpy()
    if np is not None and isinstance(v, (np.ndarray, np.generic)):
        v = v.tolist()
    if isinstance(v, bool) and pa.types.is_integer(t):
        return int(v)
    if pa.types.is_struct(t):
        row = _struct_row(v)
        return {f.name: _plain(row.get(f.name), f.type) for f in t}
    if pa.types.is_map(t):
        pairs = v.items() if isinstance(v, Mapping) else v
        return [(_plain(k, t.key_type), _plain(x, t.item_type)) for k, x in pairs]
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return [_plain(x, t.value_type) for x in v]
    return v


def _union(t: DataType, values: list) -> pa.Array:
    """A union column: each value goes to the first member whose type it has
    (a null to the first member)."""
    arrow = t.to_arrow_dtype()
    members = [DataType._from_field(arrow.field(i)) for i in range(arrow.num_fields)]
    codes = list(arrow.type_codes)
    chosen = []
    for row, v in enumerate(values):
        if v is None:
            chosen.append(0)
            continue
        vt = _value_type(v)
        for i, m in enumerate(members):
            try:
                if _unify(m, vt) == m:
                    chosen.append(i)
                    break
            except _Conflict:
                pass
        else:
            raise ValueError(f"row {row}: {v!r} ({vt}) is none of the union's types")
    types = pa.array([codes[i] for i in chosen], pa.int8())
    names = [arrow.field(i).name for i in range(arrow.num_fields)]
    if arrow.mode == "sparse":
        children = [
            build(m, [v if c == i else None for v, c in zip(values, chosen)])
            for i, m in enumerate(members)
        ]
        return pa.UnionArray.from_sparse(types, children, names, codes)
    children = [
        build(m, [v for v, c in zip(values, chosen) if c == i]) for i, m in enumerate(members)
    ]
    seen = [0] * len(members)
    offsets = []
    for c in chosen:
        offsets.append(seen[c])
        seen[c] += 1
    return pa.UnionArray.from_dense(types, pa.array(offsets, pa.int32()), children, names, codes)
