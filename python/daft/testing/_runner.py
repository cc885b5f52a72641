"""Runs the checks of a plugin, in this process or a child, and the command line."""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Any, Callable

from daft import daft as _native
from daft.testing._aggregate_checks import _AggregateChecker
from daft.testing._checks import _FunctionChecker
from daft.testing._locate import _CannotCheck, _extension_fields, _looks_like_path, _resolve
from daft.testing._report import CHECKS, CheckResult, FunctionReport, PluginReport

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
    option_values: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Checks the plugin ``target`` in this process, reporting through ``emit``."""
    try:
        status = _resolve(target)
    except _CannotCheck as e:
        emit({"event": "error", "message": str(e)})
        return
    except Exception as e:
        emit(
            {
                "event": "error",
                "message": f"cannot check {target}: finding or loading the plugin failed: "
                f"{type(e).__name__}: {e}",
            }
        )
        return
    name = status["name"]
    fns = dict(_native.list_functions()[1]).get(name, [])
    known = {pyfn.name for pyfn in fns} | {f"{name}.{pyfn.name}" for pyfn in fns}
    unknown = [f for f in functions or [] if f not in known]
    if unknown:
        emit(
            {
                "event": "error",
                "message": f"plugin {name} has no function {', '.join(map(repr, unknown))} "
                f"(it has: {', '.join(pyfn.name for pyfn in fns) or 'no function'})",
            }
        )
        return
    unknown = [f for f in option_values or {} if f not in known]
    if unknown:
        emit(
            {
                "event": "error",
                "message": f"option_values names {', '.join(map(repr, unknown))}, but plugin "
                f"{name} has no such function",
            }
        )
        return
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
            # An aggregate gets the same checks on the same inputs, aggregated.
            kind = _AggregateChecker if pyfn.is_aggregate else _FunctionChecker
            try:
                checker = kind(
                    pyfn,
                    name,
                    extension_fields,
                    emit,
                    max_examples=max_examples,
                    large_rows=large_rows,
                    threads=threads,
                    seed=seed,
                    fixed_options={
                        **(option_values or {}).get(pyfn.name, {}),
                        **(option_values or {}).get(qualname, {}),
                    },
                )
            except Exception as e:
                _emit_unchecked(emit, qualname, f"{type(e).__name__}: {e}")
                continue
            checker.run()
    finally:
        _native.set_plugin_strict_validation(
            os.environ.get("DAFT_PLUGIN_VALIDATION", "").strip().lower() == "full"
        )
    emit({"event": "done"})


def _emit_unchecked(emit: Callable[[dict[str, Any]], None], qualname: str, why: str) -> None:
    """The events of a function the kit could not even start checking."""
    emit({"event": "function", "function": qualname, "signature": "(?)"})
    for i, check in enumerate(CHECKS):
        emit(
            {
                "event": "check",
                "function": qualname,
                "check": check,
                **(
                    {
                        "status": "FAIL",
                        "detail": "the kit could not prepare a call of it (please report it "
                        f"as a daft.testing bug): {why}",
                    }
                    if i == 0
                    else {"status": "SKIP", "detail": "not run: the function could not be called"}
                ),
                "input": None,
            }
        )


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
        """Records a dead child; returns the function it was checking, if any (the run then
        goes on with the other functions in a new child).

        Wherever it died, the report says why, naming the function and the check when there
        was one."""
        running = self.running
        r = self.report
        unfinished = [f for f in r.functions if f.name not in self.finished]
        if running is not None:
            fn = next(f for f in r.functions if f.name == running["function"])
            check = running["check"]
            detail = f"the process {how} during this check"
            inp = running["input"]
        elif unfinished:
            # Between two checks of a function: the next one fails.
            fn = unfinished[-1]
            done = [c.check for c in fn.checks]
            check = next((c for c in CHECKS if c not in done), CHECKS[-1])
            when = (
                f"after the {done[-1]} check, before this check began"
                if done
                else "before this check, the function's first, began"
            )
            detail = f"the process {how} {when}"
            inp = None
        else:
            if r.plugin is None:
                where = f"while finding or loading the plugin {r.target}, before any check"
            elif r.functions:
                where = f"after checking {r.functions[-1].name}, before the next function"
            else:
                where = f"after loading the plugin {r.plugin}, before checking any function"
            r.error = f"the checking process {how} {where}{stderr_tail}"
            return None
        fn.checks.append(
            CheckResult(
                check,
                "FAIL",
                f"{detail}; a plugin must never abort or crash the process: return an error "
                f"instead{stderr_tail}",
                inp,
            )
        )
        after = CHECKS[CHECKS.index(check) + 1 :]
        for later in after:
            fn.checks.append(CheckResult(later, "SKIP", "not run: the process died before"))
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
    option_values: dict[str, dict[str, Any]] | None = None,
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
        if option_values:
            args += ["--option-values", json.dumps(option_values)]
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
    option_values: dict[str, dict[str, Any]] | None = None,
) -> PluginReport:
    """Runs the conformance checks on every function of a plugin.

    Args:
        name_or_path: a loaded plugin's name (``"text"``), an entry point name in the group
            ``daft.plugins``, an installed plugin package's module name
            (``"daft_plugin_text"``), or the path of a plugin library. A string is a path
            only if it has a path separator or ends in ``.so``, ``.dylib`` or ``.dll``: a
            bare name always means a plugin, even when a file or folder of that name is in
            the working directory (write ``"./name"`` for it); an :class:`os.PathLike` is
            always a path.
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
        option_values: per function (plain or ``plugin.name``), option values to use on
            every call instead of generated ones: for an option only some values make
            sense for, such as the file a stateful function reads,
            ``{"in_wordlist": {"path": "words.txt"}}``. Values must be JSON-serializable.

    Returns:
        The :class:`PluginReport`; ``report.ok`` tells whether everything passed,
        ``report.reason`` says why not in one line naming the function and the check (it is
        never empty when ``ok`` is false), and ``print(report)`` shows one line per function
        and check.
    """
    target = os.fspath(name_or_path)
    if not isinstance(name_or_path, str) and not _looks_like_path(target):
        # A PathLike is a file even without a folder in it; as text that needs `./`.
        target = os.path.join(os.curdir, target)
    options = {
        "max_examples": max_examples,
        "large_rows": large_rows,
        "threads": threads,
        "seed": seed,
    }
    builder = _ReportBuilder(target, options)
    if isolate:
        _run_isolated(target, builder, options, functions, timeout, option_values)
    else:
        _run_checks(target, builder, functions=functions, option_values=option_values, **options)
    return builder.report


def assert_plugin_conforms(name_or_path: str | os.PathLike, **kwargs: Any) -> PluginReport:
    """:func:`check_plugin` for a test suite: raises ``AssertionError`` with the first
    failure's reason (``report.reason``) and the report's text when a check fails (or the
    plugin cannot be checked); returns the report.

    Example::

        def test_my_plugin_conforms():
            daft.testing.assert_plugin_conforms("my_plugin", max_examples=25)
    """
    report = check_plugin(name_or_path, **kwargs)
    if not report.ok:
        raise AssertionError(f"the plugin does not conform: {report.reason}\n{report}")
    return report


def main(argv: list[str] | None = None) -> int:
    """``python -m daft.testing <plugin>``: prints the report; exits 1 on a failure, 2 when
    the plugin cannot be checked."""
    parser = argparse.ArgumentParser(
        prog="python -m daft.testing",
        description="Runs the daft plugin conformance checks and prints a report.",
    )
    parser.add_argument(
        "plugin",
        help="plugin name, plugin package module, or library path (with a separator or a "
        "library suffix: ./name for a file in this folder)",
    )
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
    parser.add_argument(
        "--option-values",
        type=json.loads,
        default=None,
        metavar="JSON",
        help='option values per function, e.g. \'{"in_wordlist": {"path": "words.txt"}}\'',
    )
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
        return _worker(args.plugin, options, args.function, set(args.skip), args.option_values)
    report = check_plugin(
        args.plugin,
        functions=args.function,
        isolate=not args.in_process,
        timeout=args.timeout,
        option_values=args.option_values,
        **options,
    )
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    if report.error is not None:
        return 2
    return 0 if report.ok else 1


def _worker(
    target: str,
    options: dict[str, Any],
    functions: list[str] | None,
    skip: set[str],
    option_values: dict[str, dict[str, Any]] | None = None,
) -> int:
    # Events go to the original stdout; anything else printing to stdout (a plugin,
    # a library) lands on stderr instead of corrupting the stream.
    events = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)

    def emit(event: dict[str, Any]) -> None:
        events.write(json.dumps(event) + "\n")
        events.flush()

    _run_checks(
        target, emit, functions=functions, skip=skip, option_values=option_values, **options
    )
    events.close()
    return 0
