"""``@daft.udaf``: a Python aggregate function, as Daft 0.7.26 has it: a class
with ``aggregate`` (a group's rows to a partial state), ``combine`` (partial
states to one; associative and commutative) and ``finalize`` (a state to
the group's value), with typed state.

The engine runs it as any aggregation (``agg``, ``groupby().agg``), partial
and final across partitions: ``aggregate`` may see a group's rows in several
parts, whose states ``combine`` merges (see
``host/daft-lowering/src/user_agg.rs``). The class is built once per process,
on first use.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from daft._udf import _arrow_field
from daft._udf._runner import Layout, UdfContractError, _import
from daft._udf.cls import _Instance
from daft.datatype import DataType
from daft.expressions import Expression

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

__all__ = ["udaf"]

# Daft's name for the one field of a single (non-dict) state.
_SINGLE = "_state"


class Steps:
    """What the engine calls for one UDAF call site: each step takes Arrow
    capsule pairs and returns pyarrow arrays (a state: one per field)."""

    def __init__(
        self,
        name: str,
        instance: _Instance,
        layout: Layout,
        dtype: DataType,
        state: dict[str, DataType],
    ) -> None:
        self.name = name
        self.instance = instance
        self.layout = layout
        self.dtype = dtype
        self.state = state
        self.single = list(state) == [_SINGLE]

    def aggregate(self, capsules: list[tuple[Any, Any]]) -> list[pa.Array]:
        from daft.series import Series

        series = [Series.from_arrow(_import(c)) for c in capsules]
        args, kwargs = self.layout.bind(series, None)
        return self._pack("aggregate", self.instance.get().aggregate(*args, **kwargs))

    def combine(self, capsules: list[tuple[Any, Any]]) -> list[pa.Array]:
        from daft.series import Series

        states = [Series.from_arrow(_import(c)) for c in capsules]
        arg = states[0] if self.single else dict(zip(self.state, states))
        return self._pack("combine", self.instance.get().combine(arg))

    def finalize(self, capsules: list[tuple[Any, Any]]) -> list[pa.Array]:
        values = [_import(c).to_pylist()[0] for c in capsules]
        arg = values[0] if self.single else dict(zip(self.state, values))
        value = self.instance.get().finalize(arg)
        return [self._one(value, self.dtype, "finalize", "its result")]

    def _pack(self, step: str, result: Any) -> list[pa.Array]:
        if self.single:
            return [self._one(result, self.state[_SINGLE], step, "its state")]
        if not isinstance(result, dict) or set(result) != set(self.state):
            got = sorted(result) if isinstance(result, dict) else type(result).__name__
            raise UdfContractError(
                f"UDAF {self.name}: {step} returned {got}; it returns a dict with the state "
                f"fields {sorted(self.state)}"
            )
        return [self._one(result[k], t, step, f"state field {k!r}") for k, t in self.state.items()]

    def _one(self, value: Any, dtype: DataType, step: str, what: str) -> pa.Array:
        from daft import _infer
        from daft.series import Series

        if isinstance(value, Series):
            value = value.to_pylist()
            if len(value) != 1:
                raise UdfContractError(
                    f"UDAF {self.name}: {step} returned a Series of {len(value)} values for "
                    f"{what}; it returns one value"
                )
            value = value[0]
        try:
            out = _infer.column([value], f"UDAF {self.name}", dtype)
        except (ValueError, TypeError):
            raise UdfContractError(
                f"UDAF {self.name}: {step} returned {value!r} ({type(value).__name__}) for "
                f"{what}, which does not fit its type {dtype}"
            ) from None
        return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def udaf(
    cls: type | None = None,
    *,
    return_dtype: Any,
    state: Any,
) -> Any:
    """A Python aggregate function from a class: ``@daft.udaf(return_dtype=..., state=...)``.

    The class defines ``aggregate(*inputs)`` (some of a group's rows, one
    :class:`daft.Series` per expression argument, to a partial state),
    ``combine(states)`` (a Series of partial states, or a dict of Series per
    state field, to one state; it must be associative and commutative, since
    a group's rows may arrive in several parts, in any order) and
    ``finalize(state)`` (the merged state, a Python value or a dict of
    them, to the group's value). ``state`` declares the state's type, or a
    dict of types for a state of several fields.

    ``MyAgg(*args)`` records constructor arguments (the instance is built on
    first use, once per process); calling that with expressions gives an
    aggregation for ``agg`` / ``groupby().agg``, named after its first
    expression argument.

    Args:
        cls: The class (when used without arguments).
        return_dtype: The type of the aggregate's value.
        state: The state's type, or ``{field: type}`` for several fields.

    Returns:
        The wrapped class.

    Example:
        >>> @daft.udaf(return_dtype=daft.DataType.float64(), state=daft.DataType.float64())
        ... class Total:
        ...     def aggregate(self, values):
        ...         return float(sum(v for v in values.to_pylist() if v is not None))
        ...     def combine(self, states):
        ...         return float(sum(states.to_pylist()))
        ...     def finalize(self, state):
        ...         return state
        >>> df.groupby("k").agg(Total()(daft.col("x")))
    """
    dtype = DataType._infer(return_dtype)
    if isinstance(state, dict):
        if not state:
            raise ValueError("daft.udaf: state={} declares no state field")
        state_types = {str(k): DataType._infer(v) for k, v in state.items()}
    else:
        state_types = {_SINGLE: DataType._infer(state)}

    def wrap(klass: type) -> type:
        if not isinstance(klass, type):
            raise TypeError(f"@daft.udaf decorates a class, got {klass!r}")
        for method in ("aggregate", "combine", "finalize"):
            if not inspect.isfunction(inspect.getattr_static(klass, method, None)):
                raise ValueError(f"UDAF class {klass.__name__} must define a {method!r} method")
        label = klass.__name__

        class Udaf:
            __doc__ = klass.__doc__

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self._daft_instance = _Instance(klass, args, kwargs)

            def __call__(self, *args: Any, **kwargs: Any) -> Expression:
                return _call(label, self._daft_instance, dtype, state_types, args, kwargs)

            def __repr__(self) -> str:
                return f"<daft.udaf {label}>"

        Udaf.__name__ = klass.__name__
        Udaf.__qualname__ = klass.__qualname__
        Udaf.__module__ = klass.__module__
        return Udaf

    return wrap if cls is None else wrap(cls)


def _call(
    name: str,
    instance: _Instance,
    dtype: DataType,
    state: dict[str, DataType],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Expression:
    from daft.daft import PyExpr
    from daft.expressions import _py
    from daft.functions import to_struct

    layout, exprs = Layout.of(args, kwargs)
    if not exprs:
        raise ValueError(
            f"UDAF {name} needs at least one expression argument, as in "
            f"df.groupby('k').agg({name}()(daft.col('x')))"
        )
    # The arguments travel as one struct, a field each (the engine's
    # aggregations take one input); the result is named after the first.
    packed = to_struct(**{f"arg{i}": e for i, e in enumerate(exprs)}).alias(exprs[0].name())
    steps = Steps(name, instance, layout, dtype, state)
    fields = [_arrow_field(k, t) for k, t in state.items()]
    return Expression._from_pyexpr(
        PyExpr.python_udaf(name, steps, _arrow_field(name, dtype), fields, _py(packed))
    )
