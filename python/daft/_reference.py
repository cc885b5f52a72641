"""The function reference (docs/functions.md), written from the function
registry, so that it lists exactly the functions a query can call, built-in
or from a plugin, with the documentation ``help()`` shows.

Run ``python -m daft._reference > docs/functions.md`` (``make functions-reference``)
with the first-party plugin packs installed; tests/test_function_reference.py fails
when the committed file differs from what this writes.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

HEADER = """# Function reference

Every function of `daft.functions`, each also a method of `daft.Expression`
(`daft.col("s").lower()` is `daft.functions.lower(daft.col("s"))`). Written from the
function registry by `make functions-reference`, with the first-party plugin packs
installed; do not edit by hand. A plugin's functions are listed with it as their
provider; they are called exactly like built-ins.

"""


def _provider(name: str, registry: dict[str, str]) -> str:
    provider = registry.get(name)
    # Functions written in Python over the engine's expressions (aggregations,
    # `when`, Daft's other names) are built-ins to their users too.
    if provider is None or provider == "builtin":
        return "built-in"
    return f"plugin `{provider}` (wheel `daft-plugin-{provider}`)"


def _entries() -> list[tuple[str, str, Any]]:
    import daft.functions as F
    from daft import daft as _native

    plain, by_provider = _native.list_functions()
    registry = {f.name: f.provider for f in plain}
    names = set(F.__all__)
    out = []
    for name in sorted(names):
        fn = getattr(F, name)
        if not callable(fn) or isinstance(fn, type):
            continue
        out.append((name, _provider(name, registry), fn))
    # Plugin functions reachable only through their plugin's namespace.
    for provider, fns in by_provider:
        for f in fns:
            if f.name not in names or registry.get(f.name) != provider:
                qual = f"{provider}.{f.name}"
                fn = getattr(getattr(F, provider), f.name)
                out.append((qual, _provider(f.name, {f.name: provider}), fn))
    return out


def markdown() -> str:
    """The reference as Markdown: an index, then each function's signature,
    provider and docstring."""
    entries = _entries()
    lines = [HEADER.rstrip() + "\n", "| Function | Provider |", "| --- | --- |"]
    for name, provider, _fn in entries:
        lines.append(f"| [`{name}`](#{name.replace('.', '')}) | {provider} |")
    lines.append("")
    for name, provider, fn in entries:
        try:
            sig = str(inspect.signature(fn))
        except (TypeError, ValueError):
            sig = "(...)"
        doc = inspect.cleandoc(fn.__doc__ or "").strip()
        lines += [
            f"## {name}",
            "",
            f"`daft.functions.{name}{sig}` — {provider}",
            "",
            "```text",
            doc,
            "```",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
