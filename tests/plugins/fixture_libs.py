"""Where the plugin tests find the libraries the workspace build made: the first-party
plugins and the fixture crates, in ``$DAFT_TEST_PLUGIN_DIR`` (``target/release`` by
default, the profile ``make test`` builds)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIB_DIR = Path(os.environ.get("DAFT_TEST_PLUGIN_DIR", ROOT / "target" / "release"))


def lib(name: str) -> str:
    """The path of ``lib<name>.so``; fails the test, saying how to build it, when missing."""
    path = LIB_DIR / f"lib{name}.so"
    if not path.is_file():
        pytest.fail(f"{path} is missing; run `cargo build --workspace` (make test does)")
    return str(path)


def load_once(path: str) -> None:
    """Loads the plugin library at ``path`` unless this process already has (an earlier
    test in the same worker process may have)."""
    import daft

    loaded = {r["path"] for r in daft.daft.plugin_statuses() if r["status"] == "loaded"}
    if path not in loaded:
        daft.load_plugin(path)
