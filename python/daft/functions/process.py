"""``run_process``: an external command per row, its standard output as a
column, as in Daft 0.7.26 (a row-wise Python UDF over ``subprocess.run``)."""

from __future__ import annotations

from typing import Any

from daft.datatype import DataType
from daft.expressions import Expression, lit


def run_process(
    args: Any,
    *,
    shell: bool = False,
    on_error: str = "log",
    return_dtype: Any = None,
) -> Expression:
    """Runs a command for each row and gives its standard output.

    Args:
        args: The command. With ``shell=False`` (the default) a list of
            arguments, each an expression or a value (``["ls", "-a",
            daft.col("path")]``), run without a shell; with ``shell=True`` one
            string expression (or a list, joined with spaces) run by the shell.
        shell: Run through the system shell (pipes, redirection; beware of
            injection from the data).
        on_error: A command that fails (a non-zero exit, a missing program):
            ``"log"`` (the default, as in Daft) gives null and logs a warning,
            ``"ignore"`` gives null, ``"raise"`` fails the query.
        return_dtype: The result's type (default: a string); for any other
            type the output is stripped of surrounding whitespace, then cast.

    Returns:
        Expression: The standard output of each row's command.

    Example:
        >>> df = daft.from_pydict({"a": ["hello"], "b": ["world"]})
        >>> df.select(daft.functions.run_process(["echo", daft.col("a"), daft.col("b")]))
    """
    from daft._udf import Func

    target = DataType.string() if return_dtype is None else DataType._infer(return_dtype)
    tokens = list(args) if isinstance(args, (list, tuple)) else [args]
    if not tokens:
        raise ValueError("run_process: give the command (at least one argument)")

    import subprocess  # here, not at import: `import daft` does not pay for it

    def run(*argv: Any) -> str | None:
        if any(a is None for a in argv):
            return None
        if shell:
            command: Any = " ".join(str(a) for a in argv)
        else:
            command = [str(a) for a in argv]
        done = subprocess.run(command, shell=shell, stdout=subprocess.PIPE, text=True, check=True)
        return done.stdout

    udf = Func(
        run, batch=False, return_dtype=DataType.string(), name="run_process", on_error=on_error
    )
    out = udf(*(t if isinstance(t, Expression) else lit(t) for t in tokens))
    if target == DataType.string():
        return out
    from daft.functions import strip  # type: ignore[attr-defined]

    return strip(out).cast(target)


__all__ = ["run_process"]
