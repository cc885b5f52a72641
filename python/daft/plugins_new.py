"""Writes a new daft plugin project: ``python -m daft.plugins new NAME [--path DIR]``.

The project is complete and builds as it is: a Rust crate (``native/``) with a scalar
and an aggregate function, written against ``daft-plugin-api`` (by version, from
crates.io), the Python package and ``pyproject.toml`` that make it a wheel (built with
maturin, helped by the no-op binding generator in ``no-bindings/``), tests that call the
plugin through daft and run daft's conformance kit (:mod:`daft.testing`), a README, a
``.gitignore``, and a GitHub Actions workflow that builds wheels for Linux, macOS and
Windows and the sdist, and publishes them to PyPI on a tag. ``docs/plugins.md`` explains
every piece.

From Python::

    from daft.plugins_new import new_plugin

    project = new_plugin("shout")              # writes ./daft-plugin-shout
    project = new_plugin("shout", "plugins/shout")
"""

from __future__ import annotations

import argparse
import builtins
import keyword
import os
import re
import sys
from pathlib import Path

__all__ = ["main", "new_plugin"]

_TEMPLATES = Path(__file__).resolve().parent / "_scaffold"

# The project's files: where each is written, from which template.
_FILES = (
    ("Cargo.toml", "Cargo.toml.tmpl"),
    ("native/Cargo.toml", "native_Cargo.toml.tmpl"),
    ("native/src/lib.rs", "lib.rs.tmpl"),
    ("no-bindings/Cargo.toml", "no_bindings_Cargo.toml.tmpl"),
    ("no-bindings/src/main.rs", "no_bindings_main.rs.tmpl"),
    ("no-bindings/src/lib.rs", "no_bindings_lib.rs.tmpl"),
    ("pyproject.toml", "pyproject.toml.tmpl"),
    ("README.md", "README.md.tmpl"),
    (".gitignore", "gitignore.tmpl"),
    ("python/{module}/__init__.py", "package_init.py.tmpl"),
    ("tests/test_{name}.py", "test_plugin.py.tmpl"),
    (".github/workflows/wheels.yml", "wheels.yml.tmpl"),
)

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_MAX_NAME = 40


def _check_name(name: object) -> str:
    """``name`` if it can name a plugin, else a ``ValueError`` saying why not."""
    if not isinstance(name, str):
        raise ValueError(f"the plugin name must be a string, got {type(name).__name__}")
    why = None
    if not _NAME.fullmatch(name):
        why = (
            "use lowercase letters, digits and underscores, starting with a letter "
            "(it names the Python package, the entry point and the functions' prefix)"
        )
    elif len(name) > _MAX_NAME:
        why = f"use at most {_MAX_NAME} characters"
    elif name.endswith("_") or "__" in name:
        why = "no trailing or doubled underscore"
    elif keyword.iskeyword(name) or keyword.issoftkeyword(name):
        why = "it is a Python keyword"
    elif name in dir(builtins):
        why = "it is the name of a Python builtin"
    if why is not None:
        raise ValueError(f"invalid plugin name {name!r}: {why}")
    return name


def _names(name: str) -> dict[str, str]:
    return {
        "name": name,
        # The distribution (PyPI) and crate name; the Python package and Rust library name.
        "dist": "daft-plugin-" + name.replace("_", "-"),
        "module": "daft_plugin_" + name,
    }


def _render(template: str, names: dict[str, str]) -> str:
    text = (_TEMPLATES / template).read_text(encoding="utf-8")
    for key, value in names.items():
        text = text.replace(f"@{key}@", value)
    return text


def new_plugin(name: str, path: str | os.PathLike[str] | None = None) -> Path:
    """Writes a new daft plugin project and returns its folder.

    Args:
        name: the plugin's name: lowercase letters, digits and underscores, starting with a
            letter, not a Python keyword or builtin. It names the entry point (what
            ``daft.plugins()`` shows), the Python package ``daft_plugin_<name>``, the crate
            and wheel ``daft-plugin-<name>`` (underscores become hyphens) and the example
            function ``<name>_shout``.
        path: the project folder to create; ``./daft-plugin-<name>`` by default. It may
            exist if it is empty.

    Returns:
        The project folder. Build it with ``maturin build --release --out dist`` there
        (its README says how to test and publish it).

    Raises:
        ValueError: ``name`` cannot name a plugin (the message says why).
        FileExistsError: ``path`` is a file, or a folder that is not empty.
    """
    names = _names(_check_name(name))
    root = Path(path) if path is not None else Path.cwd() / names["dist"]
    if root.exists() and not root.is_dir():
        raise FileExistsError(f"cannot write the plugin project to {root}: it is a file")
    if root.is_dir() and any(root.iterdir()):
        raise FileExistsError(
            f"cannot write the plugin project to {root}: the folder is not empty "
            "(choose another with --path, or empty it)"
        )
    rendered = [
        (root / target.format(**names), _render(template, names)) for target, template in _FILES
    ]
    for file, text in rendered:
        file.parent.mkdir(parents=True, exist_ok=True)
        with open(file, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return root


def main(argv: list[str] | None = None) -> int:
    """``python -m daft.plugins new NAME [--path DIR]``: writes a new plugin project
    (:func:`new_plugin`); exits with 2 and a message on a bad name or a non-empty folder."""
    parser = argparse.ArgumentParser(
        prog="python -m daft.plugins",
        description="Tools for daft plugin authors.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    new = commands.add_parser(
        "new",
        help="write a new plugin project (crate, wheel, tests, CI workflow)",
        description="Writes a complete daft plugin project: a Rust crate with one "
        "function, the pyproject.toml and Python package of its wheel, tests that run "
        "daft's conformance kit, a README and a CI workflow that builds and publishes "
        "wheels for Linux, macOS and Windows.",
    )
    new.add_argument("name", help="the plugin's name, e.g. shout (lowercase, a-z 0-9 _)")
    new.add_argument("--path", help="the project folder to create (default: ./daft-plugin-NAME)")
    args = parser.parse_args(argv)
    try:
        root = new_plugin(args.name, args.path)
    except (ValueError, FileExistsError) as e:
        parser.exit(2, f"{parser.prog} new: error: {e}\n")
    names = _names(args.name)
    print(f"Wrote the daft plugin project {names['dist']} to {root}")
    print("Build and test it (see its README.md):")
    print(f"  cd {root}")
    print("  maturin build --release --out dist")
    print(f"  pip install --force-reinstall --no-deps dist/{names['module']}-*.whl")
    print("  pytest -q tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
