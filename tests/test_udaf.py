"""``@daft.udaf`` (issue 12): Python aggregates with Daft 0.7.26's
aggregate / combine / finalize shape, in ``agg``, ``groupby().agg`` and over
windows, compared with plain Python over the same data (nulls, empty input,
many partitions, whose partial states the engine combines)."""

from __future__ import annotations

import random
import threading

import daft
import pytest
from daft import DataType, Window, col
from daft.exceptions import DaftCoreException


@daft.udaf(return_dtype=DataType.int64(), state=DataType.int64())
class Total:
    def aggregate(self, values):
        return sum(v for v in values.to_pylist() if v is not None)

    def combine(self, states):
        return sum(states.to_pylist())

    def finalize(self, state):
        return state


@daft.udaf(
    return_dtype=DataType.float64(),
    state={"sum": DataType.float64(), "count": DataType.int64()},
)
class Mean:
    def aggregate(self, values):
        present = [v for v in values.to_pylist() if v is not None]
        return {"sum": float(sum(present)), "count": len(present)}

    def combine(self, states):
        return {
            "sum": float(sum(states["sum"].to_pylist())),
            "count": int(sum(states["count"].to_pylist())),
        }

    def finalize(self, state):
        return state["sum"] / state["count"] if state["count"] else None


@daft.udaf(return_dtype=DataType.string(), state=DataType.list(DataType.string()))
class JoinSorted:
    """Two expression arguments and a constant: ``sep`` joins ``a:b`` pairs."""

    def __init__(self, sep: str) -> None:
        self.sep = sep

    def aggregate(self, a, b, *, prefix):
        return [f"{prefix}{x}:{y}" for x, y in zip(a.to_pylist(), b.to_pylist())]

    def combine(self, states):
        return [v for part in states.to_pylist() for v in part]

    def finalize(self, state):
        return self.sep.join(sorted(state))


def data(n: int = 5000, groups: int = 97, seed: int = 3) -> dict:
    rng = random.Random(seed)
    return {
        "k": [rng.randrange(groups) for _ in range(n)],
        "x": [None if rng.random() < 0.1 else rng.randint(-50, 50) for _ in range(n)],
    }


def by_key(d: dict) -> dict:
    groups: dict = {}
    for k, x in zip(d["k"], d["x"]):
        groups.setdefault(k, []).append(x)
    return groups


def mean_of(xs: list) -> float | None:
    present = [x for x in xs if x is not None]
    return sum(present) / len(present) if present else None


def test_groupby_over_many_partitions_combines_partial_states():
    d = data()
    df = daft.from_pydict(d).into_partitions(5)
    got = df.groupby("k").agg(Total()(col("x")), Mean()(col("x")).alias("m")).sort("k")
    groups = by_key(d)
    keys = sorted(groups)
    assert got.to_pydict() == {
        "k": keys,
        "x": [sum(x for x in groups[k] if x is not None) for k in keys],
        "m": pytest.approx([mean_of(groups[k]) for k in keys]),
    }


def test_global_agg_beside_built_in_aggregations():
    d = data(n=3000)
    df = daft.from_pydict(d).into_partitions(3)
    got = df.agg(Mean()(col("x")), col("x").mean().alias("builtin"), Total()(col("x")).alias("t"))
    got = got.to_pydict()
    assert got["x"] == pytest.approx([mean_of(d["x"])])
    assert got["builtin"] == pytest.approx([mean_of(d["x"])])
    assert got["t"] == [sum(x for x in d["x"] if x is not None)]


def test_empty_input_aggregates_no_rows_globally_and_makes_no_groups():
    df = daft.from_pydict({"k": [1], "x": [5]}).where(col("x") > 100)
    assert df.agg(Total()(col("x"))).to_pydict() == {"x": [0]}
    assert df.agg(Mean()(col("x"))).to_pydict() == {"x": [None]}
    assert df.groupby("k").agg(Total()(col("x"))).to_pydict() == {"k": [], "x": []}


def test_several_arguments_keywords_and_constructor_arguments():
    d = {"k": [1, 2, 1, 1, 2], "a": ["p", "q", "r", None, "s"], "b": [1, 2, 3, 4, None]}
    df = daft.from_pydict(d).into_partitions(2)
    got = df.groupby("k").agg(JoinSorted("|")(col("a"), col("b"), prefix="#")).sort("k")
    expected = {}
    for k, a, b in zip(d["k"], d["a"], d["b"]):
        expected.setdefault(k, []).append(f"#{a}:{b}")
    # Named after the first expression argument, as in Daft.
    assert got.to_pydict() == {"k": [1, 2], "a": ["|".join(sorted(expected[k])) for k in [1, 2]]}


def test_over_a_window_partition_and_a_growing_frame():
    d = {"k": [1, 1, 2, 1, 2], "o": [3, 1, 2, 2, 1], "x": [10, 20, 30, None, 50]}
    df = daft.from_pydict(d)
    whole = df.select("k", "o", Total()(col("x")).over(Window().partition_by("k")).alias("t"))
    running = (
        Window()
        .partition_by("k")
        .order_by("o")
        .rows_between(Window.unbounded_preceding, Window.current_row)
    )
    grow = df.select("k", "o", Total()(col("x")).over(running).alias("t"))
    totals = {k: sum(x or 0 for kk, x in zip(d["k"], d["x"]) if kk == k) for k in (1, 2)}
    assert sorted(zip(*whole.to_pydict().values())) == sorted(
        (k, o, totals[k]) for k, o in zip(d["k"], d["o"])
    )
    prefix = {
        (k, o): sum(x or 0 for kk, oo, x in zip(d["k"], d["o"], d["x"]) if kk == k and oo <= o)
        for k, o in zip(d["k"], d["o"])
    }
    assert sorted(zip(*grow.to_pydict().values())) == sorted(
        (k, o, prefix[(k, o)]) for k, o in zip(d["k"], d["o"])
    )
    sliding = Window().partition_by("k").order_by("o").rows_between(-1, 1)
    with pytest.raises(DaftCoreException, match="UDAF Total over a window: its frame must start"):
        df.select(Total()(col("x")).over(sliding)).collect()


def test_the_class_is_built_once_per_process():
    built = []
    lock = threading.Lock()

    @daft.udaf(return_dtype=DataType.int64(), state=DataType.int64())
    class Count:
        def __init__(self) -> None:
            with lock:
                built.append(1)

        def aggregate(self, values):
            return len(values)

        def combine(self, states):
            return sum(states.to_pylist())

        def finalize(self, state):
            return state

    df = daft.from_pydict(data(n=2000)).into_partitions(4)
    got = df.groupby("k").agg(Count()(col("x"))).to_pydict()
    assert sum(got["x"]) == 2000 and len(built) == 1


def test_errors_name_the_udaf_the_step_and_what_was_wrong():
    df = daft.from_pydict({"x": [1, 2, 3]})

    @daft.udaf(return_dtype=DataType.int64(), state=DataType.int64())
    class Raises:
        def aggregate(self, values):
            raise KeyError("missing")

        def combine(self, states):
            return 0

        def finalize(self, state):
            return state

    with pytest.raises(DaftCoreException, match="UDAF Raises raised KeyError in aggregate") as e:
        df.agg(Raises()(col("x"))).collect()
    assert isinstance(e.value.__cause__, KeyError)

    @daft.udaf(return_dtype=DataType.int64(), state={"a": DataType.int64()})
    class WrongKeys:
        def aggregate(self, values):
            return {"b": 1}

        def combine(self, states):
            return {"a": 0}

        def finalize(self, state):
            return 0

    with pytest.raises(DaftCoreException, match=r"aggregate returned \['b'\]; it returns a dict"):
        df.agg(WrongKeys()(col("x"))).collect()

    @daft.udaf(return_dtype=DataType.int64(), state=DataType.int64())
    class WrongResult:
        def aggregate(self, values):
            return 1

        def combine(self, states):
            return 1

        def finalize(self, state):
            return "one"

    with pytest.raises(DaftCoreException, match=r"finalize returned 'one' \(str\) for its result"):
        df.agg(WrongResult()(col("x"))).collect()
    with pytest.raises(ValueError, match="UDAF Total needs at least one expression argument"):
        Total()(1)
    with pytest.raises(ValueError, match="must define a 'combine' method"):

        @daft.udaf(return_dtype=DataType.int64(), state=DataType.int64())
        class Incomplete:
            def aggregate(self, values):
                return 0

            def finalize(self, state):
                return state
