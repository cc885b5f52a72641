"""The conformance kit for daft plugins.

``check_plugin("text")`` runs every function a plugin declares through the engine, the way
users call it (``df.select(fn(col(...)))``), on inputs built with pyarrow, and checks each
call. ``assert_plugin_conforms`` is the same for a test suite, and
``python -m daft.testing <plugin>`` prints the report and exits non-zero on a failure.

The checks, per function (see ``docs/plugins.md``, "Check it with the conformance kit",
for how to read the report):

``signatures``
    Which combinations of input types, generated from each parameter's type class (and the
    plugin's own extension types), the function accepts at plan time. A rejection (a
    ``DaftTypeError``) only means the input type is not accepted; a return-type rule that
    panics or returns a bad field is a failure.
``empty``, ``all-null``
    Every accepted input type, with no rows and with rows that are all null. These inputs
    hold no value a function could reject, so any error is a failure.
``random``
    Property-based inputs (``hypothesis``, seeded): random values of each accepted type,
    with nulls, at random offsets. An ordinary error (``DaftCoreException``) is allowed and
    counted; a panic, an invalid array, a wrong length or type is a failure.
``sliced``
    The same values passed as an array sliced at a non-zero offset and as a fresh array must
    give the same result.
``determinism``
    The same input twice must give the same result.
``large``
    ``large_rows`` rows (the engine cuts them into morsels of 128Ki rows, at non-zero
    offsets) made of rows the function accepted in the random inputs; the result must be
    those rows' results, in order.
``concurrency``
    ``threads`` Python threads run the large query at once (``collect`` releases the GIL, and
    the engine runs the morsels in parallel too); every result must equal the
    single-threaded one.

In every call the result must have one row per input row, the type the return-type rule
declared at plan time, no nulls if it was declared non-nullable, and pass full Arrow
validation (``daft.daft.set_plugin_strict_validation(True)`` is on during the checks, and
``pyarrow``'s ``validate(full=True)`` runs on the output). A panic must come back as a
``DaftPluginError`` (it does, when the plugin uses the SDK); it is reported as a failure
anyway, and the kit then checks that daft still works.

By default the checks run in a child interpreter (``isolate=True``), so a plugin that
aborts or segfaults fails the check that was running (naming the function, the check and
the input) instead of killing the caller; the child is then restarted for the remaining
functions.

This module needs ``hypothesis`` (the ``testing`` extra of the ``daft-engine`` package);
``import daft`` does not import it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

try:
    import hypothesis
    from hypothesis import strategies as st
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "daft.testing needs the `hypothesis` package; install the `testing` extra "
        "(pip install 'daft-engine[testing]') or `pip install hypothesis`"
    ) from _e

import pyarrow as pa

import daft
from daft import _registry, col
from daft import daft as _native
from daft.exceptions import DaftCoreException, DaftPluginError

# Not `from daft import plugins`: that name is the function daft.plugins().
from daft.plugins import _discover_entry_points, _resolve_module

__all__ = [
    "CHECKS",
    "CheckResult",
    "FunctionReport",
    "PluginReport",
    "assert_plugin_conforms",
    "check_plugin",
    "main",
]

#: The checks run on every function, in the order they run.
CHECKS = (
    "signatures",
    "empty",
    "all-null",
    "random",
    "sliced",
    "determinism",
    "large",
    "concurrency",
)

_MORSEL_ROWS = 128 * 1024
_EXTENSION_NAME = b"ARROW:extension:name"


# ---- the report ---------------------------------------------------------------------------


@dataclass
class CheckResult:
    """The outcome of one check of one function.

    ``status`` is ``"PASS"``, ``"FAIL"`` or ``"SKIP"``; ``detail`` says what was run or
    what went wrong; ``input`` is the (shrunk) input of a failure, as text.
    """

    check: str
    status: str
    detail: str
    input: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "FAIL"


@dataclass
class FunctionReport:
    """Every check of one function; ``name`` is ``plugin.function``."""

    name: str
    signature: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, name: str) -> CheckResult | None:
        """The result of the check called ``name``, if it ran."""
        return next((c for c in self.checks if c.check == name), None)


@dataclass
class PluginReport:
    """What :func:`check_plugin` found; ``str(report)`` is the readable report.

    ``error`` is set when the plugin could not be checked at all (it could not be found or
    loaded); ``ok`` is true when nothing failed.
    """

    target: str
    plugin: str | None = None
    version: str | None = None
    path: str | None = None
    functions: list[FunctionReport] = field(default_factory=list)
    error: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and all(f.ok for f in self.functions)

    @property
    def failures(self) -> list[tuple[str, CheckResult]]:
        """``(function, result)`` of every failed check."""
        return [(f.name, c) for f in self.functions for c in f.checks if not c.ok]

    def function(self, name: str) -> FunctionReport | None:
        """The report of ``name`` (``"fn"`` or ``"plugin.fn"``)."""
        for f in self.functions:
            if f.name == name or f.name.split(".", 1)[-1] == name:
                return f
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PluginReport:
        functions = [
            FunctionReport(f["name"], f["signature"], [CheckResult(**c) for c in f["checks"]])
            for f in d.get("functions", [])
        ]
        return cls(**{**d, "functions": functions})

    def __str__(self) -> str:
        lines = []
        if self.plugin is None:
            lines.append(f"daft.testing: {self.target}")
        else:
            lines.append(
                f"daft.testing: plugin {self.plugin} {self.version or ''} ({self.path}), "
                f"{_plural(len(self.functions), 'function')}"
            )
        if self.settings:
            lines.append("  " + ", ".join(f"{k}={v}" for k, v in self.settings.items()))
        width = max(len(c) for c in CHECKS)
        for f in self.functions:
            lines.append(f"{f.name}{f.signature}")
            for c in f.checks:
                lines.append(f"  {c.status:<4}  {c.check:<{width}}  {c.detail}")
                if c.input is not None:
                    lines.append(f"  {'':<4}  {'':<{width}}  input: {c.input}")
        if self.error is not None:
            lines.append(f"ERROR: {self.error}")
        else:
            n = sum(len(f.checks) for f in self.functions)
            failed = self.failures
            if failed:
                names = sorted({name for name, _ in failed})
                lines.append(
                    f"FAIL: {len(failed)} of {_plural(n, 'check')} failed, in {len(names)} of "
                    f"{_plural(len(self.functions), 'function')}: {', '.join(names)}"
                )
            else:
                lines.append(
                    f"PASS: {_plural(n, 'check')} of {_plural(len(self.functions), 'function')}"
                )
        return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
    "a string (Utf8)": [pa.string()],
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
        }.get(self.kind, self.kind)
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


# ---- finding the plugin -------------------------------------------------------------------

_LIB_SUFFIXES = (".so", ".dylib", ".dll")


class _CannotCheck(Exception):
    pass


def _looks_like_path(target: str) -> bool:
    return os.sep in target or target.endswith(_LIB_SUFFIXES) or os.path.exists(target)


def _loaded_statuses() -> list[dict[str, Any]]:
    return [s for s in _native.plugin_statuses() if s["status"] == "loaded"]


def _status_at(path: str) -> dict[str, Any] | None:
    real = os.path.realpath(path)
    for s in _loaded_statuses():
        if os.path.realpath(s["path"]) == real:
            return s
    return None


def _load(path: str) -> dict[str, Any]:
    found = _status_at(path)
    if found is not None:
        return found
    try:
        return daft.load_plugin(path)
    except (DaftPluginError, FileNotFoundError) as e:
        raise _CannotCheck(f"cannot load {path}: {e}") from None


def _resolve(target: str) -> dict[str, Any]:
    """The status of the plugin ``target`` names, loading it if needed.

    ``target`` is a library path, a loaded plugin's name, the name of an entry point in the
    group ``daft.plugins``, or an installed plugin package's module name.
    """
    if _looks_like_path(target):
        return _load(target)
    for s in _loaded_statuses():
        if s["name"] == target:
            return s
    for name, ep in _discover_entry_points():
        if name == target:
            try:
                getter = ep.load()
                path = os.fspath(getter() if callable(getter) else getter)
            except Exception as e:
                raise _CannotCheck(f"entry point {name!r} ({ep.value}) is broken: {e}") from None
            return _load(path)
    try:
        path = _resolve_module(target)
    except ImportError:
        raise _CannotCheck(
            f"no plugin {target!r}: it is neither a loaded plugin, an entry point in the "
            "group daft.plugins, an importable plugin package nor a library path"
        ) from None
    except DaftPluginError as e:
        raise _CannotCheck(str(e)) from None
    return _load(path)


def _extension_fields(type_names: list[str]) -> list[pa.Field]:
    """A field (storage type and extension metadata) per extension type named."""
    declared = pa.schema(_native.plugin_extension_types())
    out = []
    for name in type_names:
        i = declared.get_field_index(name)
        if i >= 0 and _can_generate(declared.field(i).type):
            out.append(declared.field(i))
    return out


# ---- the checks ---------------------------------------------------------------------------

_PLAIN_OPTION = {"Int": 1, "Float": 1.0, "Bool": False, "Str": "a"}


def _option_values(kind: str) -> st.SearchStrategy:
    return {
        "Int": st.integers(-(2**63), 2**63 - 1),
        "Float": st.floats(),
        "Bool": st.booleans(),
        "Str": st.text(max_size=8),
    }.get(kind, st.just(None))


class _FunctionChecker:
    """Runs every check of one plugin function; ``emit`` receives the events."""

    def __init__(
        self,
        pyfn: Any,
        plugin: str,
        extension_fields: list[pa.Field],
        emit: Callable[[dict[str, Any]], None],
        *,
        max_examples: int,
        large_rows: int,
        threads: int,
        seed: int,
    ):
        self.qualname = f"{plugin}.{pyfn.name}"
        self.call = _registry.make_function(pyfn, self.qualname)
        self.params = pyfn.params
        self.signature = pyfn.signature
        self.extension_fields = extension_fields
        self.emit = emit
        self.max_examples = max_examples
        self.large_rows = large_rows
        self.threads = threads
        self.seed = seed
        self.rng = random.Random(f"{seed}:{self.qualname}")
        self.accepted: list[tuple[list[pa.Field], dict[str, Any]]] = []
        # Inputs that succeeded in `random`, with their results, by input types.
        self.successes: dict[str, list[tuple[_Input, pa.Array]]] = {}
        self.determinism_failed = False
        # The large input and its result, once the large check passed.
        self.large: tuple[_Input, pa.Array] | None = None

    # -- plumbing

    def progress(self, check: str, inp: _Input | None) -> None:
        self.emit(
            {
                "event": "running",
                "function": self.qualname,
                "check": check,
                "input": inp.describe() if inp is not None else None,
            }
        )

    def result(self, check: str, status: str, detail: str, inp: str | None = None) -> None:
        self.emit(
            {
                "event": "check",
                "function": self.qualname,
                **asdict(CheckResult(check, status, detail, inp)),
            }
        )

    def candidate_types(self, accepts: str) -> list[pa.DataType | pa.Field]:
        base = list(_CLASSES.get(accepts, _ANY))
        if accepts == "any type" or accepts not in _CLASSES:
            base = base + list(self.extension_fields)
        return base + [pa.null()]

    def arities(self) -> list[list[tuple[str, str]]]:
        """The argument lists to try: ``[(column name, accepts), ...]``."""
        fixed = [(n, a) for n, k, _, _, a in self.params if k == "expr"]
        variadic = [(n, a) for n, k, _, _, a in self.params if k == "variadic"]
        if not variadic:
            return [fixed]
        name, accepts = variadic[0]
        return [fixed + [(f"{name}_{i}", accepts) for i in range(r)] for r in (1, 2)]

    def plain_options(self) -> dict[str, Any]:
        return {
            n: _PLAIN_OPTION.get(a)
            for n, k, has_default, _, a in self.params
            if k == "option" and not has_default
        }

    def draw_options(self, data: st.DataObject) -> dict[str, Any]:
        """Values of the declared kind for required options; optional ones keep their
        default or get such a value (a value the rule rejects only skips the input)."""
        out = {}
        for n, k, has_default, _, a in self.params:
            if k != "option":
                continue
            if not has_default:
                out[n] = data.draw(_option_values(a), label=n)
            elif data.draw(st.booleans(), label=f"set {n}"):
                out[n] = data.draw(_option_values(a), label=n)
        return out

    def evaluate(self, inp: _Input) -> _Outcome:
        """Runs the call on ``inp`` through the engine and checks the result."""
        df = daft.from_arrow(inp.source())
        try:
            expr = self.call(*[col(f.name) for f in inp.fields], **inp.options)
            planned = df.select(expr.alias("out"))
        except TypeError as e:  # a Python-level call shape (e.g. a variadic's minimum)
            return _Outcome("rejected", str(e))
        except DaftPluginError as e:  # the rule panicked or returned a field that is wrong
            return _Outcome("plan-bug", str(e))
        except (DaftCoreException, ValueError, OverflowError) as e:
            return _Outcome("rejected", f"{type(e).__name__}: {e}")
        declared = pa.schema(planned.schema()).field(0)
        try:
            table = planned.to_arrow()
        except DaftPluginError as e:
            kind = "panic" if "panicked" in str(e) else "plugin-error"
            return _Outcome(kind, f"{type(e).__name__}: {e}", declared=declared)
        except DaftCoreException as e:
            text = str(e)
            if " rows for an input of " in text:
                return _Outcome("wrong-length", text, declared=declared)
            if "returned type " in text and " but declared " in text:
                return _Outcome("wrong-type", text, declared=declared)
            return _Outcome("error", f"{type(e).__name__}: {text}", declared=declared)
        except Exception as e:
            return _Outcome("broken", f"{type(e).__name__}: {e}", declared=declared)
        column = table.column(0)
        if len(column) != inp.rows:
            return _Outcome(
                "wrong-length", f"{len(column)} rows for {inp.rows} input rows", declared=declared
            )
        for chunk in column.chunks:
            if chunk.type != declared.type:
                return _Outcome(
                    "wrong-type", f"{chunk.type}, declared {declared.type}", declared=declared
                )
            try:
                chunk.validate(full=True)
            except pa.ArrowInvalid as e:
                return _Outcome("invalid", str(e), declared=declared)
        if not declared.nullable and column.null_count:
            return _Outcome(
                "non-nullable",
                f"{column.null_count} nulls in a column declared non-nullable ({declared})",
                declared=declared,
            )
        values = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        return _Outcome("ok", values=values, declared=declared)

    def raise_finding(self, outcome: _Outcome, inp: _Input, prefix: str = "") -> None:
        message = prefix + outcome.explain()
        if outcome.kind == "panic":
            message += self.after_panic()
        raise _Finding(message, inp.describe())

    def after_panic(self) -> str:
        """Whether daft still works after a panic (it must)."""
        try:
            df = daft.from_pydict({"v": [4.0]})
            got = df.select(daft.functions.sqrt(col("v"))).to_pydict()["v"]
            if got == [2.0]:
                return " (it surfaced as an exception and daft kept working)"
            return f" (and afterwards the built-in sqrt(4.0) gave {got})"
        except Exception as e:  # pragma: no cover - would be an engine bug
            return f" (and afterwards daft failed: {type(e).__name__}: {e})"

    def make_input(
        self,
        fields: list[pa.Field],
        values: list[list[Any]],
        offset: int,
        options: dict[str, Any],
        rows: int,
    ) -> _Input:
        columns = [pa.array(v, f.type) for f, v in zip(fields, values)]
        return _Input(fields, columns, offset, options, rows)

    def fields_of(self, names: list[tuple[str, str]], types: list[Any]) -> list[pa.Field]:
        out = []
        for (name, _), t in zip(names, types):
            if isinstance(t, pa.Field):  # an extension type: keep its metadata
                out.append(pa.field(name, t.type, True, t.metadata))
            else:
                out.append(pa.field(name, t))
        return out

    def explore(self, body: Callable[[st.DataObject, Counter], None]) -> Counter:
        """Runs ``body`` on ``max_examples`` hypothesis inputs; raises the minimal finding."""
        counts: Counter = Counter()

        @hypothesis.settings(
            max_examples=self.max_examples,
            database=None,
            deadline=None,
            derandomize=False,
            report_multiple_bugs=False,
            suppress_health_check=list(hypothesis.HealthCheck),
            verbosity=hypothesis.Verbosity.quiet,
            phases=(hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink),
        )
        @hypothesis.seed(self.seed)
        @hypothesis.given(st.data())
        def run(data: st.DataObject) -> None:
            body(data, counts)

        try:
            run()
        except _Finding:
            raise
        except hypothesis.errors.HypothesisException as e:
            raise _Finding(f"{type(e).__name__}: {e}", None) from None
        return counts

    def draw_input(self, data: st.DataObject, min_offset: int = 0) -> _Input:
        fields, options = data.draw(st.sampled_from(self.accepted), label="types")
        rows = data.draw(st.integers(0, 24), label="rows")
        offset = data.draw(st.integers(min_offset, min_offset + 3), label="offset")
        # Some columns are declared non-nullable (as Parquet's required columns are).
        fields = [
            f.with_nullable(False)
            if not pa.types.is_null(f.type) and data.draw(st.booleans(), label=f"{f.name} required")
            else f
            for f in fields
        ]
        values = [
            data.draw(
                st.lists(
                    _values(f.type, f.nullable), min_size=rows + offset, max_size=rows + offset
                ),
                label=f.name,
            )
            for f in fields
        ]
        options = {**options, **self.draw_options(data)}
        return self.make_input(fields, values, offset, options, rows)

    # -- the checks, in order

    def run(self) -> None:
        self.emit({"event": "function", "function": self.qualname, "signature": self.signature})
        steps = [
            ("signatures", self.check_signatures),
            ("empty", self.check_empty),
            ("all-null", self.check_all_null),
            ("random", self.check_random),
            ("sliced", self.check_sliced),
            ("determinism", self.check_determinism),
            ("large", self.check_large),
            ("concurrency", self.check_concurrency),
        ]
        for check, step in steps:
            if check != "signatures" and not self.accepted:
                self.result(check, "SKIP", "no input type is accepted")
                continue
            self.progress(check, None)
            try:
                status, detail = step()
                self.result(check, status, detail)
            except _Finding as f:
                self.result(check, "FAIL", f.message, f.input)
            except Exception as e:
                self.result(
                    check,
                    "FAIL",
                    f"the check itself failed (please report it as a daft.testing bug): "
                    f"{type(e).__name__}: {e}",
                )

    def check_signatures(self) -> tuple[str, str]:
        tried, rejected = [], []
        for names in self.arities():
            for types in self.type_combinations(names):
                fields = self.fields_of(names, types)
                inp = self.make_input(fields, [[] for _ in fields], 0, self.plain_options(), 0)
                label = "(" + ", ".join(f"{f.name}: {_type_name(f)}" for f in fields) + ")"
                tried.append(label)
                self.progress("signatures", inp)
                out = self.evaluate(inp)
                if out.kind == "plan-bug":
                    raise _Finding(out.explain(), inp.describe())
                if out.kind == "rejected":
                    rejected.append(label)
                    continue
                self.accepted.append((fields, self.plain_options()))
        accepted = [t for t in tried if t not in rejected]
        if not accepted:
            return (
                "SKIP",
                f"rejects every input type tried at plan time ({len(tried)}, e.g. {tried[0]}); "
                "nothing else to check",
            )
        shown = ", ".join(accepted[:4]) + (
            f" and {len(accepted) - 4} more" if len(accepted) > 4 else ""
        )
        return "PASS", f"accepts {len(accepted)} of {len(tried)} input types tried: {shown}"

    def type_combinations(self, names: list[tuple[str, str]]) -> list[list[Any]]:
        candidates = [self.candidate_types(accepts) for _, accepts in names]
        if not candidates:
            return [[]]
        if math.prod(len(c) for c in candidates) <= 16:
            return [list(combo) for combo in itertools.product(*candidates)]
        combos: list[list[Any]] = []
        # The same position in every parameter's list (the same type when the classes agree),
        # then a few mixed ones.
        for i in range(max(len(c) for c in candidates)):
            combos.append([c[i % len(c)] for c in candidates])
        for _ in range(8):
            combos.append([self.rng.choice(c) for c in candidates])
        unique, seen = [], set()
        for combo in combos:
            key = tuple(str(t) for t in combo)
            if key not in seen:
                seen.add(key)
                unique.append(combo)
        return unique

    def must_succeed(self, check: str, inputs: Iterator[_Input]) -> tuple[str, str]:
        n = 0
        for inp in inputs:
            self.progress(check, inp)
            out = self.evaluate(inp)
            if out.finding:
                self.raise_finding(out, inp)
            if out.kind != "ok":
                raise _Finding(
                    f"failed on an input without values: {out.message}; only a value can be "
                    "invalid, so this input must not fail",
                    inp.describe(),
                )
            n += 1
        return "PASS", _plural(n, "input type")

    def check_empty(self) -> tuple[str, str]:
        def inputs() -> Iterator[_Input]:
            for fields, options in self.accepted:
                yield self.make_input(fields, [[] for _ in fields], 0, options, 0)

        return self.must_succeed("empty", inputs())

    def check_all_null(self) -> tuple[str, str]:
        def inputs() -> Iterator[_Input]:
            for fields, options in self.accepted:
                yield self.make_input(fields, [[None] * 3 for _ in fields], 0, options, 3)

        return self.must_succeed("all-null", inputs())

    def check_random(self) -> tuple[str, str]:
        def body(data: st.DataObject, counts: Counter) -> None:
            inp = self.draw_input(data)
            self.progress("random", inp)
            out = self.evaluate(inp)
            counts[out.kind] += 1
            if out.finding:
                self.raise_finding(out, inp)
            if out.kind == "ok" and inp.rows > 0:
                self.successes.setdefault(_key(inp), []).append((inp, out.values))

        counts = self.explore(body)
        return "PASS", _counts_text(counts)

    def check_sliced(self) -> tuple[str, str]:
        def body(data: st.DataObject, counts: Counter) -> None:
            inp = self.draw_input(data, min_offset=1)
            self.progress("sliced", inp)
            at_offset = self.evaluate(inp)
            fresh = self.evaluate(inp.compact())
            counts[at_offset.kind] += 1
            for out in (at_offset, fresh):
                if out.finding:
                    self.raise_finding(out, inp)
            if (at_offset.kind == "ok") != (fresh.kind == "ok"):
                raise _Finding(
                    "the result depends on the array's offset: sliced at "
                    f"{inp.offset} it gave {at_offset.kind} {at_offset.message}, at offset 0 "
                    f"{fresh.kind} {fresh.message}",
                    inp.describe(),
                )
            if at_offset.kind == "ok":
                diff = _same(
                    at_offset.values, fresh.values, f"sliced at {inp.offset}", "at offset 0"
                )
                if diff is not None:
                    raise _Finding(
                        f"the result depends on the array's offset: {diff}; read arrays "
                        "through their offsets (arrow's typed accessors do)",
                        inp.describe(),
                    )

        counts = self.explore(body)
        return "PASS", _counts_text(counts) + ", each sliced and fresh"

    def check_determinism(self) -> tuple[str, str]:
        def body(data: st.DataObject, counts: Counter) -> None:
            inp = self.draw_input(data)
            self.progress("determinism", inp)
            first = self.evaluate(inp)
            second = self.evaluate(inp)
            counts[first.kind] += 1
            for out in (first, second):
                if out.finding:
                    self.raise_finding(out, inp)
            if first.kind != second.kind:
                raise _Finding(
                    f"the same input gave {first.kind} {first.message}, then {second.kind} "
                    f"{second.message}",
                    inp.describe(),
                )
            if first.kind == "ok":
                diff = _same(first.values, second.values, "the first time", "the second")
                if diff is not None:
                    self.determinism_failed = True
                    raise _Finding(
                        f"the same input twice gave different results: {diff}", inp.describe()
                    )

        counts = self.explore(body)
        return "PASS", _counts_text(counts) + ", each run twice"

    def large_input(self) -> tuple[_Input, pa.Array | None]:
        """``large_rows`` rows tiled from the random inputs that succeeded, with the
        expected result; or all-null rows (no expected result) when none did."""
        if self.successes:
            # The input types with most rows, preferring real values to untyped nulls.
            def weight(k: str) -> tuple[int, int]:
                first = self.successes[k][0][0]
                typed = sum(not pa.types.is_null(f.type) for f in first.fields)
                return typed, sum(i.rows for i, _ in self.successes[k])

            key = max(self.successes, key=weight)
            pool = self.successes[key]
            first = pool[0][0]
            columns = [
                pa.concat_arrays([inp.columns[j].slice(inp.offset) for inp, _ in pool])
                for j in range(len(first.fields))
            ]
            expected = pa.concat_arrays([values for _, values in pool])
            unit = len(expected)
        else:
            fields, options = self.accepted[0]
            first = self.make_input(fields, [[None] for _ in fields], 0, options, 1)
            columns, expected, unit = first.columns, None, 1
        want = self.large_rows + 1  # one more row, sliced off to start at an offset
        repeat = -(-want // unit)
        # One contiguous array per column, so the engine cuts it into morsels itself.
        columns = [pa.concat_arrays([c] * repeat).slice(0, want) for c in columns]
        inp = _Input(first.fields, columns, 1, first.options, self.large_rows)
        if expected is not None:
            expected = pa.concat_arrays([expected] * repeat).slice(1, self.large_rows)
        return inp, expected

    def check_large(self) -> tuple[str, str]:
        inp, expected = self.large_input()
        self.progress("large", inp)
        out = self.evaluate(inp)
        if out.finding:
            self.raise_finding(out, inp)
        morsels = -(-self.large_rows // _MORSEL_ROWS)
        what = f"{self.large_rows} rows ({morsels} morsels) of {_key(inp)}"
        if out.kind != "ok":
            origin = "rows it accepted in smaller inputs" if expected is not None else "nulls"
            raise _Finding(f"failed on {what}, made of {origin}: {out.message}", inp.describe())
        if expected is not None:
            diff = _same(out.values, expected, "in the large input", "alone")
            if diff is not None:
                raise _Finding(
                    f"on {what} the result is not the same rows' results in smaller inputs: "
                    f"{diff}; the result must not depend on how the engine batches rows",
                    inp.describe(),
                )
        self.large = (inp, out.values)
        return "PASS", what + ("" if expected is not None else " (all null)")

    def check_concurrency(self) -> tuple[str, str]:
        if self.determinism_failed:
            return "SKIP", "not deterministic (see determinism)"
        if self.large is None:
            return "SKIP", "the large check did not pass"
        inp, reference = self.large
        self.progress("concurrency", inp)
        barrier = threading.Barrier(self.threads)
        outcomes: list[_Outcome | None] = [None] * self.threads

        def worker(i: int) -> None:
            barrier.wait()
            try:
                outcomes[i] = self.evaluate(inp)
            except Exception as e:  # pragma: no cover - evaluate catches what it expects
                outcomes[i] = _Outcome("broken", f"{type(e).__name__}: {e}")

        pool = [threading.Thread(target=worker, args=(i,)) for i in range(self.threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        for i, out in enumerate(outcomes):
            assert out is not None
            if out.finding:
                self.raise_finding(out, inp, prefix=f"in thread {i} of {self.threads}: ")
            if out.kind != "ok":
                raise _Finding(
                    f"in thread {i} of {self.threads} it failed, alone it did not: {out.message}",
                    inp.describe(),
                )
            diff = _same(out.values, reference, f"in thread {i}", "in a single thread")
            if diff is not None:
                raise _Finding(
                    f"{self.threads} threads at once got another result than one: {diff}",
                    inp.describe(),
                )
        return "PASS", f"{self.threads} threads at once, each {inp.rows} rows"


def _key(inp: _Input) -> str:
    types = ", ".join(f"{f.name}: {_type_name(f)}" for f in inp.fields)
    options = ", ".join(f"{k}={v!r}" for k, v in inp.options.items())
    return f"({types}; {options})" if options else f"({types})"


def _counts_text(counts: Counter) -> str:
    n = sum(counts.values())
    parts = [_plural(n, "input")]
    if counts["error"]:
        parts.append(f"{counts['error']} failed with an error (allowed)")
    if counts["rejected"]:
        parts.append(f"{counts['rejected']} rejected at plan time")
    return ", ".join(parts)


# ---- running the checks -------------------------------------------------------------------


def _run_checks(
    target: str,
    emit: Callable[[dict[str, Any]], None],
    *,
    max_examples: int,
    large_rows: int,
    threads: int,
    seed: int,
    functions: list[str] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Checks the plugin ``target`` in this process, reporting through ``emit``."""
    try:
        status = _resolve(target)
    except _CannotCheck as e:
        emit({"event": "error", "message": str(e)})
        return
    name = status["name"]
    fns = dict(_native.list_functions()[1]).get(name, [])
    emit(
        {
            "event": "plugin",
            "plugin": name,
            "version": status["version"],
            "path": status["path"],
            "functions": [f"{name}.{f.name}" for f in fns],
        }
    )
    extension_fields = _extension_fields(status["types"])
    _native.set_plugin_strict_validation(True)
    try:
        for pyfn in fns:
            qualname = f"{name}.{pyfn.name}"
            if qualname in skip:
                continue
            if functions and pyfn.name not in functions and qualname not in functions:
                continue
            _FunctionChecker(
                pyfn,
                name,
                extension_fields,
                emit,
                max_examples=max_examples,
                large_rows=large_rows,
                threads=threads,
                seed=seed,
            ).run()
    finally:
        _native.set_plugin_strict_validation(
            os.environ.get("DAFT_PLUGIN_VALIDATION", "").strip().lower() == "full"
        )
    emit({"event": "done"})


class _ReportBuilder:
    """Builds a :class:`PluginReport` from the events of one or more runs."""

    def __init__(self, target: str, settings: dict[str, Any]):
        self.report = PluginReport(target, settings=settings)
        self.running: dict[str, Any] | None = None
        self.done = False
        self.finished: set[str] = set()

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        r = self.report
        if kind == "plugin":
            r.plugin, r.version, r.path = event["plugin"], event["version"], event["path"]
            self.all_functions = event["functions"]
        elif kind == "function":
            r.functions.append(FunctionReport(event["function"], event["signature"]))
            self.running = None
        elif kind == "running":
            self.running = event
        elif kind == "check":
            fn = r.functions[-1]
            fn.checks.append(
                CheckResult(event["check"], event["status"], event["detail"], event["input"])
            )
            if event["check"] == CHECKS[-1]:
                self.finished.add(fn.name)
            self.running = None
        elif kind == "error":
            r.error = event["message"]
        elif kind == "done":
            self.done = True

    def crashed(self, how: str, stderr_tail: str) -> str | None:
        """Records a dead child; returns the function it was checking, if any."""
        running = self.running
        if running is None:
            self.report.error = f"the checking process {how} outside any check{stderr_tail}"
            return None
        fn = next(f for f in self.report.functions if f.name == running["function"])
        fn.checks.append(
            CheckResult(
                running["check"],
                "FAIL",
                f"the process {how} during this check; a plugin must never abort or crash "
                f"the process: return an error instead{stderr_tail}",
                running["input"],
            )
        )
        after = CHECKS[CHECKS.index(running["check"]) + 1 :]
        for check in after:
            fn.checks.append(CheckResult(check, "SKIP", "not run: the process died before"))
        self.finished.add(fn.name)
        self.running = None
        return fn.name


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _child_env(target: str) -> dict[str, str]:
    env = dict(os.environ)
    env["RUST_BACKTRACE"] = "0"
    env["DAFT_PLUGIN_VALIDATION"] = "full"
    if _looks_like_path(target):
        # Only the library under test, not another copy of it from an installed wheel.
        env["DAFT_PLUGINS_DISABLE"] = "1"
    return env


def _run_isolated(
    target: str,
    builder: _ReportBuilder,
    options: dict[str, Any],
    functions: list[str] | None,
    timeout: float,
) -> None:
    skip: set[str] = set()
    while True:
        args = [sys.executable, "-m", "daft.testing", target, "--worker"]
        for k, v in options.items():
            args += [f"--{k.replace('_', '-')}", str(v)]
        for f in functions or []:
            args += ["--function", f]
        for f in sorted(skip):
            args += ["--skip", f]
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
            proc = subprocess.Popen(
                args,
                stdout=subprocess.PIPE,
                stderr=err,
                env=_child_env(target),
                text=True,
                encoding="utf-8",
            )
            lines: queue.Queue = queue.Queue()

            def pump(stream: Any, sink: queue.Queue) -> None:
                for line in stream:
                    sink.put(line)
                sink.put(None)

            threading.Thread(target=pump, args=(proc.stdout, lines), daemon=True).start()
            hung = False
            since = 0
            while True:
                try:
                    line = lines.get(timeout=timeout)
                except queue.Empty:
                    hung = True
                    proc.kill()
                    break
                if line is None:
                    break
                if line.startswith("{"):
                    event = json.loads(line)
                    if event["event"] == "running":
                        # What the child prints from here on is about this check.
                        err.flush()
                        since = os.fstat(err.fileno()).st_size
                    builder(event)
            code = proc.wait()
            err.seek(since)
            tail = err.read()[-2000:].strip().splitlines()[-6:]
        if builder.done or builder.report.error is not None:
            return
        how = f"made no progress for {timeout:g} s and was killed" if hung else _describe_exit(code)
        stderr_tail = ("; its last output: " + " | ".join(tail)) if tail else ""
        crashed = builder.crashed(how, stderr_tail)
        if crashed is None:
            return
        skip |= builder.finished


def check_plugin(
    name_or_path: str | os.PathLike,
    *,
    max_examples: int = 50,
    large_rows: int = 300_000,
    threads: int = 4,
    seed: int = 0,
    functions: list[str] | None = None,
    isolate: bool = True,
    timeout: float = 300.0,
) -> PluginReport:
    """Runs the conformance checks on every function of a plugin.

    Args:
        name_or_path: a loaded plugin's name (``"text"``), an entry point name in the group
            ``daft.plugins``, an installed plugin package's module name
            (``"daft_plugin_text"``), or the path of a plugin library.
        max_examples: random inputs per property-based check (``random``, ``sliced``,
            ``determinism``), per function.
        large_rows: rows of the ``large`` and ``concurrency`` inputs.
        threads: Python threads running the same query at once in ``concurrency``.
        seed: the seed of every random choice; the same seed gives the same inputs.
        functions: check only these functions (plain or ``plugin.name``).
        isolate: run the checks in a child interpreter, so a plugin that crashes the
            process fails a check instead of killing the caller. With ``isolate=False``
            they run in this process (and the plugin is loaded here if it is not yet).
        timeout: with ``isolate``, seconds without progress after which the child is
            killed and the running check fails.

    Returns:
        The :class:`PluginReport`; ``report.ok`` tells whether everything passed and
        ``print(report)`` shows one line per function and check.
    """
    target = os.fspath(name_or_path)
    options = {
        "max_examples": max_examples,
        "large_rows": large_rows,
        "threads": threads,
        "seed": seed,
    }
    builder = _ReportBuilder(target, options)
    if isolate:
        _run_isolated(target, builder, options, functions, timeout)
    else:
        _run_checks(target, builder, functions=functions, **options)
    return builder.report


def assert_plugin_conforms(name_or_path: str | os.PathLike, **kwargs: Any) -> PluginReport:
    """:func:`check_plugin` for a test suite: raises ``AssertionError`` with the report's
    text when a check fails (or the plugin cannot be checked); returns the report.

    Example::

        def test_my_plugin_conforms():
            daft.testing.assert_plugin_conforms("my_plugin", max_examples=25)
    """
    report = check_plugin(name_or_path, **kwargs)
    if not report.ok:
        raise AssertionError("the plugin does not conform:\n" + str(report))
    return report


def main(argv: list[str] | None = None) -> int:
    """``python -m daft.testing <plugin>``: prints the report; exits 1 on a failure, 2 when
    the plugin cannot be checked."""
    parser = argparse.ArgumentParser(
        prog="python -m daft.testing",
        description="Runs the daft plugin conformance checks and prints a report.",
    )
    parser.add_argument("plugin", help="plugin name, plugin package module, or library path")
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--large-rows", type=int, default=300_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--function", action="append", help="check only this function (repeatable)")
    parser.add_argument(
        "--in-process", action="store_true", help="no child process (a crash kills the run)"
    )
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    # Internal: the child of an isolated run streams its events as JSON lines.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    options = {
        "max_examples": args.max_examples,
        "large_rows": args.large_rows,
        "threads": args.threads,
        "seed": args.seed,
    }
    if args.worker:
        return _worker(args.plugin, options, args.function, set(args.skip))
    report = check_plugin(
        args.plugin,
        functions=args.function,
        isolate=not args.in_process,
        timeout=args.timeout,
        **options,
    )
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    if report.error is not None:
        return 2
    return 0 if report.ok else 1


def _worker(
    target: str, options: dict[str, Any], functions: list[str] | None, skip: set[str]
) -> int:
    # Events go to the original stdout; anything else printing to stdout (a plugin,
    # a library) lands on stderr instead of corrupting the stream.
    events = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)

    def emit(event: dict[str, Any]) -> None:
        events.write(json.dumps(event) + "\n")
        events.flush()

    _run_checks(target, emit, functions=functions, skip=skip, **options)
    events.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
