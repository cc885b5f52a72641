"""Daft's legacy ``@daft.udf``: a batch function, or a class whose ``__call__``
is one, with ``override_options``, ``with_init_args`` and ``with_concurrency``
as Daft 0.7.26 has them. New code uses ``@daft.func.batch`` and ``@daft.cls``;
both paths run on the same :class:`~daft._udf.Func`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

from daft._udf import Func, _no_gpus
from daft._udf.cls import _bound, _Instance
from daft._udf.resources import ResourceRequest

_UNSET: Any = object()


@dataclasses.dataclass(frozen=True)
class UDF:
    """A legacy UDF (what ``@daft.udf`` returns). Call it with expressions to
    build an expression; each expression argument reaches the function as a
    :class:`daft.Series` of one batch."""

    inner: Any
    return_dtype: Any
    batch_size: int | None = None
    concurrency: int | None = None
    use_process: bool | None = None
    init_args: tuple[tuple[Any, ...], dict[str, Any]] | None = None
    resource_request: ResourceRequest | None = None
    ray_options: dict[str, Any] | None = None
    # The Func, built on first call and shared by later calls (so a class's
    # instance is built once); never compared or copied.
    _func: list = dataclasses.field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.init_args is not None and not isinstance(self.inner, type):
            raise ValueError("Function UDFs cannot have init args.")

    @property
    def name(self) -> str:
        """The function's (or class's) name."""
        return getattr(self.inner, "__name__", "udf")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._built()(*args, **kwargs)

    def _built(self) -> Func:
        if not self._func:
            self._func.append(self._make())
        return self._func[0]

    def _make(self) -> Func:
        fn: Callable[..., Any] = self.inner
        if isinstance(self.inner, type):
            init = inspect.signature(self.inner.__init__)
            required = [
                p.name
                for p in list(init.parameters.values())[1:]
                if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            ]
            if required and self.init_args is None:
                raise ValueError(
                    f"UDF {self.name}: its __init__ needs {required}; give them with "
                    f"{self.name}.with_init_args(...)"
                )
            a, k = self.init_args or ((), {})
            fn = _bound(self.inner.__call__, _Instance(self.inner, a, k))
        return Func(
            fn,
            batch=True,
            return_dtype=self.return_dtype,
            batch_size=self.batch_size,
            max_concurrency=self.concurrency,
            use_process=self.use_process,
            name=self.name,
        )

    def override_options(
        self,
        *,
        num_cpus: float | None = _UNSET,
        num_gpus: float | None = _UNSET,
        memory_bytes: int | None = _UNSET,
        ray_options: dict[str, Any] | None = None,
        batch_size: int | None = _UNSET,
    ) -> UDF:
        """A copy with other resources or ``batch_size``; resources are recorded
        for Daft compatibility (they apply on Ray).

        Args:
            num_cpus: CPUs per instance.
            num_gpus: GPUs per instance (0 or None here).
            memory_bytes: Memory per instance.
            ray_options: Ray options.
            batch_size: The most rows one call receives.

        Returns:
            UDF: The copy.
        """
        request = self.resource_request or ResourceRequest()
        if num_cpus is not _UNSET:
            request = request.with_num_cpus(num_cpus)
        if num_gpus is not _UNSET:
            _no_gpus(num_gpus)
            request = request.with_num_gpus(num_gpus)
        if memory_bytes is not _UNSET:
            request = request.with_memory_bytes(memory_bytes)
        return self._copy(
            resource_request=request,
            ray_options=self.ray_options if ray_options is None else ray_options,
            batch_size=self.batch_size if batch_size is _UNSET else batch_size,
        )

    def with_init_args(self, *args: Any, **kwargs: Any) -> UDF:
        """A copy of a class UDF whose instance is built as ``cls(*args, **kwargs)``.

        Returns:
            UDF: The copy.
        """
        if not isinstance(self.inner, type):
            raise ValueError("Function UDFs cannot have init args.")
        return self._copy(init_args=(args, kwargs))

    def with_concurrency(self, concurrency: int) -> UDF:
        """A copy running at most ``concurrency`` instances (worker processes,
        with ``use_process``).

        Returns:
            UDF: The copy.
        """
        return self._copy(concurrency=concurrency)

    def _copy(self, **changes: Any) -> UDF:
        return dataclasses.replace(self, _func=[], **changes)

    def __repr__(self) -> str:
        return f"<daft.udf {self.name} -> {self.return_dtype}>"


def udf(
    *,
    return_dtype: Any,
    num_cpus: float | None = None,
    num_gpus: float | None = None,
    memory_bytes: int | None = None,
    ray_options: dict[str, Any] | None = None,
    batch_size: int | None = None,
    concurrency: int | None = None,
    use_process: bool | None = None,
) -> Callable[[Any], UDF]:
    """Daft's legacy batch UDF decorator: ``@daft.udf(return_dtype=...)``, on a
    function or on a class (built once, its ``__call__`` the UDF).

    Expression arguments reach the function as :class:`daft.Series`; it returns
    one value per row (a Series, an Arrow or numpy array, or a list), like
    :meth:`daft.func.batch`, which new code should use (and ``@daft.cls`` for
    classes).

    Args:
        return_dtype: The result's type.
        num_cpus: Recorded for Daft compatibility; resources apply on Ray.
        num_gpus: Recorded for Daft compatibility; must be 0 or None here.
        memory_bytes: Recorded for Daft compatibility.
        ray_options: Recorded for Daft compatibility.
        batch_size: The most rows one call receives.
        concurrency: With ``use_process``, the number of worker processes.
        use_process: Run the batches in worker processes (see ``daft.func``).

    Returns:
        A decorator making a :class:`UDF`.

    Example:
        >>> @daft.udf(return_dtype=daft.DataType.int64())
        ... def twice(x):
        ...     return [None if v is None else 2 * v for v in x.to_pylist()]
        >>> @daft.udf(return_dtype=daft.DataType.int64())
        ... class Offset:
        ...     def __init__(self, k):
        ...         self.k = k
        ...     def __call__(self, x):
        ...         return [None if v is None else v + self.k for v in x.to_pylist()]
        >>> df.select(Offset.with_init_args(10)(daft.col("x")))
    """
    _no_gpus(num_gpus)
    request = None
    if num_cpus is not None or memory_bytes is not None:
        request = ResourceRequest(num_cpus=num_cpus, memory_bytes=memory_bytes)

    def wrap(f: Any) -> UDF:
        if not callable(f):
            raise TypeError(f"@daft.udf decorates a function or a class, got {f!r}")
        return UDF(
            f,
            return_dtype,
            batch_size=batch_size,
            concurrency=concurrency,
            use_process=use_process,
            resource_request=request,
            ray_options=ray_options,
        )

    return wrap


__all__ = ["UDF", "udf"]
