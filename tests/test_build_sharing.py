"""Each compiled crate is compiled once per cold `make test` (docs/architecture.md,
"Building"): the builds of one package alone (maturin's wheel builds, the ABI 1.0
fixtures) must resolve every shared crate with the same features as the workspace build
that compiled it first, or cargo compiles that crate, and everything above it, again.

These tests compare cargo's resolved features (`cargo tree`, offline: `make test` has
fetched everything) and name the crate and the features that differ, which is where a
new dependency's features show up first. The cost of a miss, measured in a cold CI run:
about 3 minutes per second build of arrow.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = ROOT / "Cargo.toml"
PACKS = ROOT / "plugins" / "Cargo.toml"
ABI10 = ROOT / "tests" / "fixtures" / "abi-1.0" / "Cargo.toml"

pytestmark = pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")


def resolved_features(manifest: Path, *select: str) -> dict[str, set[str]]:
    """Package ("name vX.Y.Z") -> the features cargo turns on for it when building
    `select` (`--workspace` or `-p NAME`) of the workspace of `manifest`."""
    out = subprocess.run(
        ["cargo", "tree", "--locked", "--offline", "--manifest-path", str(manifest)]
        + ["-e", "normal,build", "--prefix", "none", "-f", "{p}|{f}", *select],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    features: dict[str, set[str]] = {}
    for line in out.splitlines():
        line = line.replace(" (*)", "")
        if "|" not in line:
            continue
        package, names = line.split("|", 1)
        key = package.split(" (")[0]  # drop a path package's "(/path)"
        features.setdefault(key, set()).update(n for n in names.split(",") if n)
    return features


def differences(alone: dict[str, set[str]], together: dict[str, set[str]]) -> list[str]:
    return [
        f"{package}: alone {sorted(alone[package])}, in the workspace build "
        f"{sorted(together[package])}"
        for package in sorted(alone.keys() & together.keys())
        if alone[package] != together[package]
    ]


def test_the_core_wheel_build_resolves_like_the_host_workspace_build():
    # `maturin build` of the core builds host/daft-python alone.
    assert (
        differences(
            resolved_features(HOST, "-p", "daft-python"), resolved_features(HOST, "--workspace")
        )
        == []
    )


@pytest.mark.parametrize("pack", ["hello", "text", "geo", "image"])
def test_each_plugin_wheel_build_resolves_like_the_packs_workspace_build(pack):
    # `maturin build -m plugins/NAME/Cargo.toml` builds one pack alone.
    assert (
        differences(
            resolved_features(PACKS, "-p", f"daft-plugin-{pack}"),
            resolved_features(PACKS, "--workspace"),
        )
        == []
    )


def test_the_abi_1_0_fixtures_resolve_like_the_packs_workspace_build():
    # A difference is a pin missing from tests/fixtures/abi-1.0/loader/Cargo.toml.
    assert (
        differences(
            resolved_features(ABI10, "--workspace"), resolved_features(PACKS, "--workspace")
        )
        == []
    )


def test_the_host_workspace_builds_one_arrow_major():
    # Its test plugins speak the host's arrow through the SDK's `arrow-59` feature; a
    # second major would be a second arrow build of several CPU-minutes.
    arrows = {p for p in resolved_features(HOST, "--workspace") if p.startswith("arrow ")}
    assert len(arrows) == 1, arrows
