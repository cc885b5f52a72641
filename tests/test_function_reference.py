"""docs/functions.md is the registry's reference as it is: written by
`make functions-reference` (python -m daft._reference) and compared here, so it
is never out of date."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import daft

DOC = pathlib.Path(__file__).parent.parent / "docs" / "functions.md"
FIRST_PARTY = {"hello", "text", "geo", "image"}


def test_function_reference_matches_the_registry():
    # A fresh interpreter: plugins other tests load by path are not in its registry.
    written = subprocess.run(
        [sys.executable, "-m", "daft._reference"], capture_output=True, text=True, check=True
    ).stdout
    loaded = {p for p in daft.plugins().to_pydict()["name"]}
    assert FIRST_PARTY <= loaded, "the reference is written with the first-party packs installed"
    assert DOC.read_text() == written, (
        "docs/functions.md is out of date: run make functions-reference"
    )


def test_function_reference_lists_every_function_with_its_provider():
    text = DOC.read_text()
    for name in daft.functions.__all__:
        if callable(getattr(daft.functions, name)):
            assert f"\n## {name}\n" in text, name
    assert "| [`resize`](#resize) | plugin `image` (wheel `daft-plugin-image`) |" in text
    assert "| [`list_sum`](#list_sum) | built-in |" in text
