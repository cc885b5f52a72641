"""The inputs the checks generate (Arrow types and values) and the outcome of a call."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

_EXTENSION_NAME = b"ARROW:extension:name"


# ---- input types --------------------------------------------------------------------------

_INTEGERS = [pa.int8(), pa.int16(), pa.int32(), pa.int64()] + [
    pa.uint8(),
    pa.uint16(),
    pa.uint32(),
    pa.uint64(),
]
_FLOATS = [pa.float32(), pa.float64()]
_LISTS = [pa.list_(pa.int64()), pa.list_(pa.string())]
_ANY = [
    pa.int64(),
    pa.float64(),
    pa.string(),
    pa.bool_(),
    pa.binary(),
    pa.int32(),
    pa.uint8(),
    pa.float32(),
    pa.date32(),
    pa.list_(pa.int64()),
    pa.struct([("a", pa.int64()), ("b", pa.string())]),
]

# `accepts` of a parameter, as the registry describes its type class.
_CLASSES = {
    "any type": _ANY,
    "a numeric type (integer or float)": _INTEGERS + _FLOATS,
    "an integer type": _INTEGERS,
    "a string": [pa.string()],
    "a boolean": [pa.bool_()],
    "a string or binary": [pa.string(), pa.binary()],
    "a list": _LISTS,
}

_INT_RANGES = {
    pa.int8(): (-(2**7), 2**7 - 1),
    pa.int16(): (-(2**15), 2**15 - 1),
    pa.int32(): (-(2**31), 2**31 - 1),
    pa.int64(): (-(2**63), 2**63 - 1),
    pa.uint8(): (0, 2**8 - 1),
    pa.uint16(): (0, 2**16 - 1),
    pa.uint32(): (0, 2**32 - 1),
    pa.uint64(): (0, 2**64 - 1),
}


def _type_name(f: pa.Field) -> str:
    meta = f.metadata or {}
    name = meta[_EXTENSION_NAME].decode() if _EXTENSION_NAME in meta else str(f.type)
    return name if f.nullable else f"{name} not null"


def _values(t: pa.DataType, nullable: bool = True) -> st.SearchStrategy:
    """Python values of Arrow type ``t`` (``None`` included when ``nullable``)."""
    if pa.types.is_null(t):
        return st.none()
    if t in _INT_RANGES:
        lo, hi = _INT_RANGES[t]
        base = st.integers(lo, hi)
    elif pa.types.is_float32(t):
        base = st.floats(width=32)
    elif pa.types.is_floating(t):
        base = st.floats()
    elif pa.types.is_boolean(t):
        base = st.booleans()
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        base = st.text(max_size=12)
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
        base = st.binary(max_size=12)
    elif pa.types.is_date32(t):
        base = st.dates()
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        item = t.value_field
        base = st.lists(_values(item.type, item.nullable), max_size=4)
    elif pa.types.is_struct(t):
        base = st.fixed_dictionaries(
            {
                t.field(i).name: _values(t.field(i).type, t.field(i).nullable)
                for i in range(t.num_fields)
            }
        )
    else:
        raise NotImplementedError(f"daft.testing cannot generate values of type {t}")
    return st.none() | base if nullable else base


def _can_generate(t: pa.DataType) -> bool:
    try:
        _values(t)
        return True
    except NotImplementedError:
        return False


# ---- inputs and outcomes ------------------------------------------------------------------


@dataclass
class _Input:
    """One call: a column per argument (``offset`` rows are sliced off each), options."""

    fields: list[pa.Field]
    columns: list[pa.Array]
    offset: int
    options: dict[str, Any]
    # Rows after slicing (also for a function of no arguments, which still gets a row count).
    rows: int

    def batch(self) -> pa.RecordBatch:
        if not self.fields:
            rows = pa.array(range(self.rows + self.offset), pa.int64())
            return pa.RecordBatch.from_arrays([rows], names=["_rows"]).slice(self.offset)
        arrays = [c.slice(self.offset) if self.offset else c for c in self.columns]
        return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(self.fields))

    def source(self) -> pa.RecordBatchReader:
        """The input as one batch in a stream. A table would drop a batch of no rows, but
        a plugin must handle one: the engine's sorts and aggregations of no rows make them."""
        batch = self.batch()
        return pa.RecordBatchReader.from_batches(batch.schema, [batch])

    def compact(self) -> _Input:
        """The same values in fresh arrays, at offset 0."""
        columns = [pa.array(c.slice(self.offset).to_pylist(), c.type) for c in self.columns]
        return _Input(self.fields, columns, 0, self.options, self.rows)

    def describe(self, limit: int = 8) -> str:
        def listing(values: list[Any]) -> str:
            shown = ", ".join(_short(v) for v in values[:limit])
            more = f", ... ({len(values)} rows)" if len(values) > limit else ""
            return f"[{shown}{more}]"

        parts = []
        for f, c in zip(self.fields, self.columns):
            text = f"{f.name}: {_type_name(f)} = {listing(c.slice(self.offset).to_pylist())}"
            if self.offset:
                text += f" sliced at offset {self.offset} from {listing(c.to_pylist())}"
            parts.append(text)
        if not self.fields:
            parts.append(f"no arguments, {self.rows} rows")
        if self.options:
            parts.append(", ".join(f"{k}={v!r}" for k, v in self.options.items()))
        return "; ".join(parts)


def _digest(array: pa.Array) -> bytes:
    """A checksum of every byte of ``array``'s memory: each buffer (validity, offsets, values)
    whole, not only the part its offset and length show, its children's (``buffers()``
    includes them) and a dictionary's values. A kernel that writes into its input, even under
    a null or outside its slice, changes it."""
    h = hashlib.blake2b(digest_size=16)

    def feed(a: pa.Array) -> None:
        if isinstance(a, pa.ExtensionArray):
            a = a.storage
        for i, buf in enumerate(a.buffers()):
            # The position and presence of each buffer count too, not only its bytes.
            h.update(f"{i}:{-1 if buf is None else buf.size};".encode())
            if buf is not None:
                h.update(memoryview(buf))
        if isinstance(a, pa.DictionaryArray):
            feed(a.dictionary)

    feed(array)
    return h.digest()


def _digests(arrays: list[pa.Array]) -> list[bytes]:
    """:func:`_digest` of each argument."""
    return [_digest(a) for a in arrays]


def _written(qualname: str, inp: _Input, before: list[bytes]) -> str | None:
    """The finding's message if the call changed an argument's bytes since ``before``."""
    for i, (was, column) in enumerate(zip(before, inp.columns)):
        if _digest(column) != was:
            f = inp.fields[i]
            return (
                f"function {qualname} wrote into its argument #{i + 1} ({f.name}: "
                f"{_type_name(f)}, {inp.rows} rows): the bytes of the input array the kit "
                "built changed during the call; a kernel must not modify its inputs, which "
                "belong to the caller"
            )
    return None


def _short(v: Any, width: int = 40) -> str:
    text = repr(v)
    return text if len(text) <= width else text[: width - 3] + "..."


# What a call can end in, besides "ok".
_FINDINGS = {
    "panic",
    "plugin-error",
    "wrong-length",
    "wrong-type",
    "invalid",
    "non-nullable",
    "plan-bug",
    "broken",
    "wrote-input",
    "split-dependent",
}


@dataclass
class _Outcome:
    kind: str  # ok, rejected, error, or one of _FINDINGS
    message: str = ""
    values: pa.Array | None = None
    declared: pa.Field | None = None

    @property
    def finding(self) -> bool:
        return self.kind in _FINDINGS

    def explain(self) -> str:
        what = {
            "panic": "panicked; a kernel must return an error instead",
            "plugin-error": "misbehaved",
            "wrong-length": "returned the wrong number of rows",
            "wrong-type": "returned a type other than the one it declared",
            "invalid": "returned an invalid Arrow array",
            "non-nullable": "returned nulls in a result it declared non-nullable",
            "plan-bug": "its return-type rule failed",
            "broken": "the call failed unexpectedly",
            "split-dependent": "an aggregate's result depends on how rows are split",
        }.get(self.kind, self.kind)
        if self.kind == "wrote-input":  # the message says it all
            return self.message or "wrote into its input"
        return f"{what}: {self.message}" if self.message else what


def _same(a: pa.Array, b: pa.Array, a_name: str, b_name: str) -> str | None:
    """``None`` when ``a`` and ``b`` hold the same values (NaN equal to NaN), else the first
    difference, naming the two sides ``a_name`` and ``b_name``."""
    if a.type == b.type and a.equals(b):
        return None
    if len(a) != len(b):
        return f"{a_name} {len(a)} rows, {b_name} {len(b)}"
    if a.type != b.type:
        return f"{a_name} type {a.type}, {b_name} {b.type}"
    for i, (x, y) in enumerate(zip(a.to_pylist(), b.to_pylist())):
        if not _same_value(x, y):
            return f"row {i} is {_short(x)} {a_name} but {_short(y)} {b_name}"
    return None


def _same_value(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_same_value(p, q) for p, q in zip(x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same_value(x[k], y[k]) for k in x)
    return x == y


class _Finding(Exception):
    def __init__(self, message: str, input: str | None):
        super().__init__(message)
        self.message = message
        self.input = input
