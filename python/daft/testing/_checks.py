"""The checks of one plugin function, run through the engine."""

from __future__ import annotations

import inspect
import itertools
import math
import random
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from types import ModuleType
from typing import Any, Callable

import hypothesis
import pyarrow as pa
from hypothesis import strategies as st

import daft
from daft import _registry, col
from daft.exceptions import DaftCoreException, DaftPluginError
from daft.testing._inputs import (
    _ANY,
    _CLASSES,
    _INTEGERS,
    _digests,
    _Finding,
    _Input,
    _Outcome,
    _same,
    _type_name,
    _values,
    _written,
)
from daft.testing._report import CheckResult, _plural

_MORSEL_ROWS = 128 * 1024


# ---- the checks ---------------------------------------------------------------------------

_PLAIN_OPTION = {
    "Int": 1,
    "Float": 1.0,
    "Bool": False,
    "Str": "a",
    "DataType": daft.DataType.int64(),
}

# The input type of an "exactly <type>" parameter, by daft's name of the type (others are
# tried with the spread of types of "any type").
_EXACT = {
    **{str(t).capitalize().replace("Uint", "UInt"): t for t in _INTEGERS},
    "Float32": pa.float32(),
    "Float64": pa.float64(),
    "String": pa.string(),
    "Bool": pa.bool_(),
    "Binary": pa.binary(),
    "Date": pa.date32(),
    "List[Int64]": pa.list_(pa.int64()),
    "List[String]": pa.list_(pa.string()),
}
_EXT_KEY = b"ARROW:extension:name"


def _option_values(kind: str) -> st.SearchStrategy:
    return {
        "Int": st.integers(-(2**63), 2**63 - 1),
        "Float": st.floats(),
        "Bool": st.booleans(),
        "Str": st.text(max_size=8),
        "DataType": st.sampled_from(
            [daft.DataType.int64(), daft.DataType.float64(), daft.DataType.string()]
        ),
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
        fixed_options: dict[str, Any] | None = None,
    ):
        self.qualname = f"{plugin}.{pyfn.name}"
        # Options the caller fixed for this function (a file a function reads, say): used
        # on every call instead of generated values.
        self.fixed_options = dict(fixed_options or {})
        self.call = _registry.make_function(pyfn, self.qualname)
        self.params = pyfn.params
        self.signature = _user_signature(plugin, pyfn.name, self.call)
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
        self.large_all_null = False
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
        # Precise declarations (plugin ABI 1.1): exactly one type, one extension type.
        if accepts.startswith("exactly ") and accepts[8:] in _EXACT:
            return [_EXACT[accepts[8:]], pa.null()]
        if accepts.startswith("the extension type "):
            name = accepts[len("the extension type ") :].split(" (stored as ")[0].encode()
            own = [f for f in self.extension_fields if (f.metadata or {}).get(_EXT_KEY) == name]
            if own:
                return [*own, pa.null()]
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
        plain = {
            n: _PLAIN_OPTION.get(a)
            for n, k, has_default, _, a in self.params
            if k == "option" and not has_default
        }
        return {**plain, **self.fixed_options}

    def draw_options(self, data: st.DataObject) -> dict[str, Any]:
        """Values of the declared kind for required options; optional ones keep their
        default or get such a value (a value the rule rejects only skips the input)."""
        out = dict(self.fixed_options)
        for n, k, has_default, _, a in self.params:
            if k != "option" or n in self.fixed_options:
                continue
            if not has_default:
                out[n] = data.draw(_option_values(a), label=n)
            elif data.draw(st.booleans(), label=f"set {n}"):
                out[n] = data.draw(_option_values(a), label=n)
        return out

    def evaluate(self, inp: _Input) -> _Outcome:
        """Runs the call on ``inp`` through the engine and checks the result, and that the
        call left the bytes of the input arrays as they were.

        That check is the kit's own: it holds whether or not the engine's strict mode (which
        hands kernels copies and compares them) is on."""
        before = _digests(inp.columns)
        out = self.evaluate_call(inp)
        written = _written(self.qualname, inp, before)
        if written is not None:
            return _Outcome("wrote-input", written, declared=out.declared)
        return out

    def evaluate_call(self, inp: _Input) -> _Outcome:
        df = daft.from_arrow(inp.source())
        try:
            expr = self.call(*[col(f.name) for f in inp.fields], **inp.options)
            planned = df.select(expr.alias("out"))
        except Exception as e:
            return self.plan_failed(e)
        declared = pa.schema(planned.schema()).field(0)
        try:
            table = planned.to_arrow()
        except Exception as e:
            return self.run_failed(e, declared)
        return self.checked(table.column(0), declared, inp.rows, f"{inp.rows} input rows")

    def plan_failed(self, e: Exception) -> _Outcome:
        """The outcome of a call that failed while the query was built."""
        if isinstance(e, TypeError):  # a Python-level call shape (e.g. a variadic's minimum)
            return _Outcome("rejected", str(e))
        if isinstance(e, DaftPluginError):  # the rule panicked or returned a wrong field
            return _Outcome("plan-bug", str(e))
        if isinstance(e, (DaftCoreException, ValueError, OverflowError)):
            return _Outcome("rejected", f"{type(e).__name__}: {e}")
        raise e

    def run_failed(self, e: Exception, declared: pa.Field) -> _Outcome:
        """The outcome of a query that failed while it ran."""
        if not isinstance(e, DaftCoreException):
            return _Outcome("broken", f"{type(e).__name__}: {e}", declared=declared)
        # The engine checks every result's length, type and nulls against what was declared
        # (reported as a DaftPluginError for a plugin's function).
        text = str(e)
        if " rows for an input of " in text:
            return _Outcome("wrong-length", text, declared=declared)
        if "returned type " in text and " but declared " in text:
            return _Outcome("wrong-type", text, declared=declared)
        if "declared its result non-nullable but returned " in text:
            return _Outcome("non-nullable", text, declared=declared)
        if isinstance(e, DaftPluginError):
            kind = "panic" if "panicked" in text else "plugin-error"
            return _Outcome(kind, f"{type(e).__name__}: {text}", declared=declared)
        return _Outcome("error", f"{type(e).__name__}: {text}", declared=declared)

    def checked(self, column: pa.ChunkedArray, declared: pa.Field, rows: int, of: str) -> _Outcome:
        """The outcome of a result column that should have ``rows`` rows (``of`` says
        why) of the ``declared`` field."""
        if len(column) != rows:
            return _Outcome("wrong-length", f"{len(column)} rows for {of}", declared=declared)
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
            # A finding that went away when hypothesis ran the same input again (a result
            # that depends on timing or partition order) is still the finding.
            inner = _finding_in(e)
            if inner is not None:
                raise _Finding(
                    f"{inner.message} (not on every run of the same input: the result varies "
                    "from run to run)",
                    inner.input,
                ) from None
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
                if out.kind in ("plan-bug", "wrote-input"):
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
        self.large_all_null = not self.successes
        want = self.large_rows + 1  # one more row, sliced off to start at an offset
        # Tiles of input rows: an aggregate's results are not one per row, so count the
        # columns' rows where there are columns.
        tile = len(columns[0]) if columns else unit
        repeat = -(-want // tile)
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
            origin = "nulls" if self.large_all_null else "rows it accepted in smaller inputs"
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
        return "PASS", what + (" (all null)" if self.large_all_null else "")

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


def _finding_in(e: BaseException) -> _Finding | None:
    """The first finding inside a hypothesis error (its flaky-failure group)."""
    if isinstance(e, _Finding):
        return e
    for inner in getattr(e, "exceptions", ()):
        found = _finding_in(inner)
        if found is not None:
            return found
    return None


def _installed_function(plugin: str, name: str) -> Callable[..., Any] | None:
    """The function users call: ``daft.functions.<plugin>.<name>``, else
    ``daft.functions.<name>`` if it is this plugin's (not a built-in or another plugin's)."""
    import daft.functions

    namespace = getattr(daft.functions, plugin, None)
    if isinstance(namespace, ModuleType) and callable(getattr(namespace, name, None)):
        return getattr(namespace, name)
    plain = getattr(daft.functions, name, None)
    if callable(plain) and getattr(plain, "_daft_provider", None) == plugin:
        return plain
    return None


def _user_signature(plugin: str, name: str, fallback: Callable[..., Any]) -> str:
    """The signature the report prints: ``inspect.signature`` of the function as users call
    it, so that it reads exactly as ``help()`` and an editor show it."""
    fn = _installed_function(plugin, name)
    return str(inspect.signature(fn if fn is not None else fallback))


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
