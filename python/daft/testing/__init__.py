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
``pyarrow``'s ``validate(full=True)`` runs on the output), and the call must leave every
byte of its input arrays as it was (the kit checksums each buffer of the arrays it built,
children included, before and after each call: "function F wrote into its argument #i"
otherwise, whether or not the engine's strict mode caught it first). A panic must come back as a
``DaftPluginError`` (it does, when the plugin uses the SDK); it is reported as a failure
anyway, and the kit then checks that daft still works.

When ``report.ok`` is false, ``report.reason`` says why in one line, naming the function
and the check (or why the plugin could not be checked at all). The signature shown for each
function is ``inspect.signature`` of the function users call
(``daft.functions.<plugin>.<name>``).

A target is a library path only if it has a path separator or a library suffix (``.so``,
``.dylib``, ``.dll``); a bare name always means a plugin, even when a file or folder of that
name is in the working directory: write ``./name`` for it.

By default the checks run in a child interpreter (``isolate=True``), so a plugin that
aborts or segfaults fails the check that was running (naming the function, the check and
the input) instead of killing the caller; the child is then restarted for the remaining
functions.

This module needs ``hypothesis`` (the ``testing`` extra of the ``daft-engine`` package);
``import daft`` does not import it.
"""

from __future__ import annotations

# Before the modules below, which import it: this is the message `import daft.testing` gives.
try:
    import hypothesis  # noqa: F401
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "daft.testing needs the `hypothesis` package; install the `testing` extra "
        "(pip install 'daft-engine[testing]') or `pip install hypothesis`"
    ) from _e

from daft.testing._report import CHECKS, CheckResult, FunctionReport, PluginReport
from daft.testing._runner import assert_plugin_conforms, check_plugin, main

__all__ = [
    "CHECKS",
    "CheckResult",
    "FunctionReport",
    "PluginReport",
    "assert_plugin_conforms",
    "check_plugin",
    "main",
]
