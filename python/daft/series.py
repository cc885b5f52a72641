"""``daft.Series``: one named column of values, held as Arrow data.

A Series is what batch UDFs receive and return. Its functions are the engine's:
``s.sqrt()`` runs the registry's ``sqrt`` over the Series' Arrow data through the
same engine as ``col("x").sqrt()`` in a query, so a Series has every function an
Expression has (built-in or from a plugin), with the same types and errors.
"""

from __future__ import annotations

import builtins
import functools
from typing import TYPE_CHECKING, Any

from daft.datatype import DataType

if TYPE_CHECKING:
    import numpy
    import pandas

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

__all__ = ["Series"]


class Series:
    """A named column of values of one :class:`DataType`, backed by an Arrow array.

    Build one with :meth:`from_pylist`, :meth:`from_arrow`, :meth:`from_numpy` or
    :meth:`from_pandas`; read it with :meth:`to_pylist` and :meth:`to_arrow`.
    """

    __slots__ = ("_array", "_name")

    def __init__(self) -> None:
        raise NotImplementedError(
            "build a Series with Series.from_pylist, from_arrow, from_numpy or from_pandas"
        )

    @classmethod
    def _of(cls, array: pa.Array | pa.ChunkedArray, name: str) -> Series:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
        s = cls.__new__(cls)
        s._array = array
        s._name = name
        return s

    # --- building ------------------------------------------------------------
    @staticmethod
    def from_pylist(
        data: builtins.list[Any],
        name: str = "list_series",
        dtype: DataType | None = None,
        pyobj: str = "allow",
    ) -> Series:
        """A Series of Python values, typed as ``from_pydict`` types a column, or as
        ``dtype``. ``pyobj="force"`` keeps every value as a Python object;
        ``"disallow"`` refuses values that would need the Python type."""
        from daft import _infer

        if pyobj not in ("allow", "disallow", "force"):
            raise ValueError(f"pyobj must be 'allow', 'disallow' or 'force', got {pyobj!r}")
        if not isinstance(data, builtins.list):
            raise TypeError(f"Series.from_pylist takes a list, got {type(data).__name__}")
        if pyobj == "force":
            dtype = DataType.python()
        array = _infer.column(data, f"Series {name!r}", dtype)
        if pyobj == "disallow" and DataType.from_arrow_type(array.type).is_python():
            raise TypeError(
                f"Series {name!r}: the values need the Python type, and pyobj='disallow'"
            )
        return Series._of(array, name)

    @staticmethod
    def from_arrow(
        array: pa.Array | pa.ChunkedArray, name: str = "arrow_series", dtype: DataType | None = None
    ) -> Series:
        """A Series over an Arrow array (no copy), cast to ``dtype`` if given."""
        if not isinstance(array, (pa.Array, pa.ChunkedArray)):
            if hasattr(array, "__arrow_c_array__") or hasattr(array, "__arrow_c_stream__"):
                array = pa.array(array)
            else:
                raise TypeError(
                    f"Series.from_arrow takes a pyarrow Array, got {type(array).__name__}"
                )
        if dtype is not None:
            array = array.cast(dtype.to_arrow_dtype())
        return Series._of(array, name)

    @classmethod
    def from_numpy(
        cls, data: numpy.ndarray, name: str = "numpy_series", dtype: DataType | None = None
    ) -> Series:
        """A Series of a numpy array: its values, or its rows as tensors when it has
        more than one dimension."""
        from daft import _infer

        return Series._of(_infer.column(data, f"Series {name!r}", dtype), name)

    @classmethod
    def from_pandas(
        cls, data: pandas.Series, name: str = "pd_series", dtype: DataType | None = None
    ) -> Series:
        """A Series of a pandas Series."""
        array = pa.Array.from_pandas(data)
        return cls.from_arrow(array, name, dtype)

    @staticmethod
    def concat(series: builtins.list[Series]) -> Series:
        """The Series one after another (the first one's name)."""
        if not series:
            raise ValueError("Series.concat needs at least one Series")
        first = series[0].datatype()
        for s in series[1:]:
            if s.datatype() != first:
                raise TypeError(
                    f"Series.concat: every Series must have one type; {first} and {s.datatype()}"
                )
        arrays = [s._array.cast(series[0]._array.type) for s in series]
        return Series._of(pa.chunked_array(arrays), series[0]._name)

    # --- reading -------------------------------------------------------------
    def to_arrow(self) -> pa.Array:
        """The values as a pyarrow Array (no copy)."""
        return self._array

    def to_pylist(self, maps_as_pydicts: str | None = None) -> builtins.list[Any]:
        """The values as Python objects (tensors and images as numpy arrays, Python
        values as the objects themselves, maps as pairs or, with ``maps_as_pydicts``,
        dicts)."""
        from daft._logical import to_pylist

        return to_pylist(self._array, maps_as_pydicts)

    def __arrow_c_array__(self, requested_schema: object | None = None) -> object:
        return self._array.__arrow_c_array__(requested_schema)

    def name(self) -> str:
        """The Series' name."""
        return self._name

    def rename(self, name: str) -> Series:
        """The same values under another name."""
        return Series._of(self._array, name)

    def datatype(self) -> DataType:
        """The values' type."""
        return DataType.from_arrow_type(self._array.type)

    def __len__(self) -> int:
        return len(self._array)

    def size_bytes(self) -> int:
        """Bytes of the Arrow buffers the Series holds (whole buffers, also where
        the Series is a slice of them)."""
        return self._array.get_total_buffer_size()

    def __iter__(self) -> Any:
        return iter(self.to_pylist())

    def __getitem__(self, index: int | builtins.slice) -> Any:
        if isinstance(index, builtins.slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return Series._of(self._array.take(pa.array(range(start, stop, step))), self._name)
            return Series._of(self._array.slice(start, builtins.max(0, stop - start)), self._name)
        if not isinstance(index, int):
            raise TypeError(
                f"Series indices must be integers or slices, got {type(index).__name__}"
            )
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"Series index {index} is out of range for {n} values")
        return Series._of(self._array.slice(index % n, 1), self._name).to_pylist()[0]

    def __repr__(self) -> str:
        from daft.io import from_arrow

        return repr(from_arrow(pa.table({self._name: self._array})).collect())

    def __bool__(self) -> bool:
        raise TypeError(
            "a Series has no truth value; use .to_pylist() or compare element-wise with & | ~"
        )

    # --- computing -----------------------------------------------------------
    def _apply(self, build: Any, *others: Any) -> Series:
        """Runs ``build(col, *other_cols)`` over this Series and the other Series
        (or scalars) in ``others``, through the engine; the result keeps this
        Series' name. A Series of one value is repeated to the others' length, as
        in Daft."""
        from daft.expressions import col
        from daft.io import from_arrow

        series = [self] + [o for o in others if isinstance(o, Series)]
        n = builtins.max(len(s) for s in series)
        for s in series:
            if len(s) not in (1, n):
                longest = next(x for x in series if len(x) == n)
                raise ValueError(
                    f"Series {s._name!r} has {len(s)} values and {longest._name!r} {n}; "
                    "they must have the same length (or one value)"
                )
        columns = {"__self": _repeated(self._array, n)}
        args: builtins.list[Any] = []
        for i, o in enumerate(others):
            if isinstance(o, Series):
                columns[f"__arg{i}"] = _repeated(o._array, n)
                args.append(col(f"__arg{i}"))
            else:
                args.append(o)
        expr = build(col("__self"), *args)
        out = from_arrow(pa.table(columns)).select(expr.alias(self._name)).to_arrow()
        return Series._of(out.column(0), self._name)

    def _fn(self, method: str, *args: Any, **kwargs: Any) -> Series:
        return self._apply(lambda c, *a: getattr(c, method)(*a, **kwargs), *args)

    # Daft's name for the same, used by code written against Daft's Series.
    _eval_expressions = _fn

    def __getattr__(self, name: str) -> Any:
        # Every Expression function (the registry's, built in or from a plugin, and
        # the aggregations) is a Series method too.
        from daft.expressions import Expression

        if (
            name.startswith("_")
            or name in _NOT_SERIES
            or not callable(getattr(Expression, name, None))
        ):
            raise AttributeError(f"'Series' object has no attribute {name!r}")
        return functools.partial(self._fn, name)

    def __dir__(self) -> builtins.list[str]:
        from daft.expressions import Expression

        functions = {
            n
            for n in dir(Expression)
            if not n.startswith("_") and n not in _NOT_SERIES and callable(getattr(Expression, n))
        }
        return sorted(set(super().__dir__()) | functions)

    def cast(self, dtype: DataType) -> Series:
        """The values converted to ``dtype`` (null where a value does not convert).

        A Series converts to and from the Python type too (the engine cannot look
        into Python objects, so a query cannot): to Python it keeps each value as
        :meth:`to_pylist` gives it; from Python each object must fit ``dtype``."""
        target = DataType._infer(dtype)
        if target.is_python() or self.datatype().is_python():
            return Series.from_pylist(self.to_pylist(), self._name, dtype=target)
        return self._apply(lambda c: c.cast(target))

    def try_cast(self, dtype: DataType) -> Series:
        """As :meth:`cast` (a value that does not convert is null in both)."""
        return self.cast(dtype)

    def filter(self, mask: Series) -> Series:
        """The values where ``mask`` (a Boolean Series of the same length, or of one
        value for all) is true."""
        if len(mask) not in (1, len(self)):
            raise ValueError(
                f"Series.filter: the mask has {len(mask)} values, the Series {len(self)}"
            )
        return Series._of(self._array.filter(_repeated(mask._array, len(self))), self._name)

    def take(self, idx: Series) -> Series:
        """The values at the positions in ``idx`` (null for a null position)."""
        return Series._of(self._array.take(idx._array), self._name)

    def argsort(self, descending: bool = False, nulls_first: bool | None = None) -> Series:
        """The positions that sort the values (nulls last unless ``nulls_first``)."""
        from daft.io import from_arrow

        nulls_first = descending if nulls_first is None else nulls_first
        table = pa.table({"v": self._array, "i": pa.array(range(len(self)), pa.uint64())})
        df = from_arrow(table).sort("v", desc=descending, nulls_first=nulls_first)
        return Series._of(df.to_arrow().column("i"), self._name)

    def sort(self, descending: bool = False, nulls_first: bool | None = None) -> Series:
        """The values sorted (nulls last unless ``nulls_first``)."""
        return self.take(self.argsort(descending, nulls_first))

    def slice(self, start: int, end: int) -> Series:
        """The values from ``start`` to ``end`` (exclusive)."""
        return self[start:end]

    def if_else(self, if_true: Any, if_false: Any) -> Series:
        """``if_true`` where this Boolean Series is true, else ``if_false``."""
        return self._apply(lambda c, t, f: c.if_else(t, f), if_true, if_false)

    def count(self, mode: str = "valid") -> Series:
        """How many values are not null (``mode="all"``: all, ``"null"``: null)."""
        if mode not in ("valid", "all", "null"):
            raise ValueError(f"count: mode must be 'valid', 'all' or 'null', got {mode!r}")
        n = len(self) if mode == "all" else self._array.null_count
        if mode == "valid":
            n = len(self) - n
        return Series._of(pa.array([n], pa.uint64()), self._name)

    def stddev(self, ddof: int = 1) -> Series:
        """The standard deviation (sample with ``ddof=1``)."""
        return self._apply(lambda c: c.stddev(ddof=ddof))

    # --- operators ----------------------------------------------------------
    def _op(self, op: str, other: Any) -> Series:
        return self._apply(lambda c, o: getattr(c, op)(o), other)

    def __add__(self, other: Any) -> Series:
        return self._op("__add__", other)

    def __radd__(self, other: Any) -> Series:
        return self._op("__radd__", other)

    def __sub__(self, other: Any) -> Series:
        return self._op("__sub__", other)

    def __rsub__(self, other: Any) -> Series:
        return self._op("__rsub__", other)

    def __mul__(self, other: Any) -> Series:
        return self._op("__mul__", other)

    def __rmul__(self, other: Any) -> Series:
        return self._op("__rmul__", other)

    def __truediv__(self, other: Any) -> Series:
        return self._op("__truediv__", other)

    def __rtruediv__(self, other: Any) -> Series:
        return self._op("__rtruediv__", other)

    def __floordiv__(self, other: Any) -> Series:
        return self._op("__floordiv__", other)

    def __rfloordiv__(self, other: Any) -> Series:
        return self._op("__rfloordiv__", other)

    def __mod__(self, other: Any) -> Series:
        return self._op("__mod__", other)

    def __rmod__(self, other: Any) -> Series:
        return self._op("__rmod__", other)

    def __pow__(self, other: Any) -> Series:
        return self._op("__pow__", other)

    def __eq__(self, other: Any) -> Series:  # type: ignore[override]
        return self._op("__eq__", other)

    def __ne__(self, other: Any) -> Series:  # type: ignore[override]
        return self._op("__ne__", other)

    def __lt__(self, other: Any) -> Series:
        return self._op("__lt__", other)

    def __le__(self, other: Any) -> Series:
        return self._op("__le__", other)

    def __gt__(self, other: Any) -> Series:
        return self._op("__gt__", other)

    def __ge__(self, other: Any) -> Series:
        return self._op("__ge__", other)

    def __and__(self, other: Any) -> Series:
        return self._op("__and__", other)

    def __or__(self, other: Any) -> Series:
        return self._op("__or__", other)

    def __xor__(self, other: Any) -> Series:
        return self._op("__xor__", other)

    def __lshift__(self, other: Any) -> Series:
        return self._op("__lshift__", other)

    def __rshift__(self, other: Any) -> Series:
        return self._op("__rshift__", other)

    def __invert__(self) -> Series:
        return self._apply(lambda c: ~c)

    def __neg__(self) -> Series:
        return self._apply(lambda c: -c)

    def __abs__(self) -> Series:
        return self._apply(lambda c: abs(c))

    __hash__ = None  # type: ignore[assignment]

    # --- namespaces, as Daft groups some functions --------------------------
    @property
    def str(self) -> _Namespace:
        """String functions: ``s.str.upper()``."""
        return _Namespace(self, ("str_", ""))

    @property
    def dt(self) -> _Namespace:
        """Temporal functions: ``s.dt.year()``."""
        return _Namespace(self, ("dt_", ""))

    @property
    def list(self) -> _Namespace:
        """List functions: ``s.list.get(0)`` (the registry's ``list_get``)."""
        return _Namespace(self, ("list_", ""))

    @property
    def float(self) -> _Namespace:
        """Float functions: ``s.float.is_nan()``."""
        return _Namespace(self, ("float_", ""))

    @property
    def map(self) -> _Namespace:
        """Map functions: ``s.map.get(key)`` (the registry's ``map_get``)."""
        return _Namespace(self, ("map_", ""))

    @property
    def image(self) -> _Namespace:
        """Image functions, from the image plugin pack when it is installed."""
        return _Namespace(self, ("image_", ""))

    @property
    def partitioning(self) -> _Namespace:
        """Partition transforms: ``s.partitioning.days()``."""
        return _Namespace(self, ("partitioning_", ""))


class _Namespace:
    """A group of Series functions, each the registry function named
    ``<prefix><name>`` or ``<name>``."""

    __slots__ = ("_prefixes", "_series")

    def __init__(self, series: Series, prefixes: tuple[str, ...]) -> None:
        self._series = series
        self._prefixes = prefixes

    def __getattr__(self, name: str) -> Any:
        from daft.expressions import Expression

        for prefix in self._prefixes:
            if callable(getattr(Expression, prefix + name, None)):
                return functools.partial(self._series._fn, prefix + name)
        raise AttributeError(
            f"Series.{self._prefixes[0].rstrip('_')}.{name}: this engine has no function "
            f"{name!r} (see daft.functions for the functions it has)"
        )


def _repeated(array: pa.Array, n: int) -> pa.Array:
    """``array``, or its one value repeated ``n`` times (type kept)."""
    if len(array) == n:
        return array
    return array.take(pa.array([0] * n, pa.int64()))


# Expression methods that build query structure rather than compute values.
_NOT_SERIES = frozenset({"alias", "over", "name", "apply", "explode", "unnest"})
