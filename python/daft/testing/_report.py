"""The report of a run: each check's result, per function and for the plugin."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

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

    def __post_init__(self) -> None:
        # One line each, and a failure always says why.
        self.detail = _one_line(self.detail)
        if self.status == "FAIL" and not self.detail:
            self.detail = (
                f"the {self.check} check failed without saying why (please report it as a "
                "daft.testing bug)"
            )

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
    loaded, a function asked for does not exist, or the checking process died outside any
    function's check); ``ok`` is true when nothing failed, and otherwise ``reason`` says why
    in one line.
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

    @property
    def reasons(self) -> list[str]:
        """Why ``ok`` is false: one line per failed check, ``"plugin.fn: check: detail"``,
        or the one line saying why the plugin could not be checked; empty when ``ok``."""
        if self.error is not None:
            return [
                _one_line(self.error)
                or f"{self.target}: the plugin could not be checked (no reason was given)"
            ]
        return [f"{name}: {c.check}: {c.detail}" for name, c in self.failures]

    @property
    def reason(self) -> str | None:
        """The first of :attr:`reasons` (with how many more there are), ``None`` when
        ``ok``."""
        reasons = self.reasons
        if not reasons:
            return None
        more = len(reasons) - 1
        return reasons[0] + (f" (and {_plural(more, 'more failed check')})" if more else "")

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
            lines.append(f"ERROR: {self.reasons[0]}")
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


def _one_line(text: str) -> str:
    """``text`` on one line: its lines joined with `` | ``."""
    return " | ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
