"""``daft.ResourceRequest``: what one UDF call asks of a worker (CPUs, GPUs,
memory), as in Daft 0.7.26. Only recorded here; the Ray runner uses it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ResourceRequest:
    """CPUs, GPUs and memory a UDF needs per worker; ``None`` asks for nothing.

    Unlike Daft 0.7.26, a negative amount is refused: it would schedule
    nothing sensible.

    Example:
        >>> daft.ResourceRequest(num_cpus=2, memory_bytes=4 << 30).with_num_gpus(1)
    """

    num_cpus: float | None = None
    num_gpus: float | None = None
    memory_bytes: int | None = None

    def __post_init__(self) -> None:
        for name in ("num_cpus", "num_gpus", "memory_bytes"):
            v = getattr(self, name)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"ResourceRequest: {name} must be a number, got {v!r}")
            if v < 0:
                raise ValueError(f"ResourceRequest: {name} must not be negative, got {v}")
        if self.num_cpus is not None:
            object.__setattr__(self, "num_cpus", float(self.num_cpus))
        if self.num_gpus is not None:
            object.__setattr__(self, "num_gpus", float(self.num_gpus))
        if self.memory_bytes is not None:
            object.__setattr__(self, "memory_bytes", int(self.memory_bytes))

    def with_num_cpus(self, num_cpus: float | None) -> ResourceRequest:
        """A copy asking for ``num_cpus`` CPUs."""
        return replace(self, num_cpus=num_cpus)

    def with_num_gpus(self, num_gpus: float | None) -> ResourceRequest:
        """A copy asking for ``num_gpus`` GPUs."""
        return replace(self, num_gpus=num_gpus)

    def with_memory_bytes(self, memory_bytes: int | None) -> ResourceRequest:
        """A copy asking for ``memory_bytes`` bytes of memory."""
        return replace(self, memory_bytes=memory_bytes)

    @staticmethod
    def max_resources(requests: Iterable[ResourceRequest]) -> ResourceRequest:
        """The largest amount of each resource among ``requests`` (what one worker
        running any of them needs)."""

        def top(values: list) -> float | int | None:
            given = [v for v in values if v is not None]
            return max(given) if given else None

        reqs = list(requests)
        return ResourceRequest(
            num_cpus=top([r.num_cpus for r in reqs]),
            num_gpus=top([r.num_gpus for r in reqs]),
            memory_bytes=top([r.memory_bytes for r in reqs]),
        )

    def __repr__(self) -> str:
        def show(v: object) -> str:
            return "None" if v is None else f"Some({v})"

        return (
            f"ResourceRequest {{ num_cpus: {show(self.num_cpus)}, num_gpus: "
            f"{show(self.num_gpus)}, memory_bytes: {show(self.memory_bytes)} }}"
        )
