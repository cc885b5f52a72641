"""The ``daft.plugins`` entry points of the installed distributions, found without
importing ``importlib.metadata``.

Discovery runs on every ``import daft``. ``importlib.metadata`` gives the same answer,
but importing it (with ``email``, ``zipfile``, ``pathlib`` and ``csv`` behind it) costs
about 20 ms, more than the rest of the discovery and loading together. In the layout pip,
uv and conda install into (``<name>-<version>.dist-info`` or ``.egg-info`` folders in the folders on
``sys.path``), the entry points are plain files that this module reads itself, with
``importlib.metadata``'s rules: the first distribution of a name on ``sys.path`` wins,
and its ``entry_points.txt`` is an INI file whose ``[daft.plugins]`` section maps a name
to ``module:attribute``.

Anything else on the path (a zip file or egg, a finder on ``sys.meta_path`` that
provides distributions of its own) sends discovery to ``importlib.metadata``, so that no
plugin is missed for the sake of speed. ``tests/test_import_time.py`` checks that both
ways find the same entry points.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

GROUP = "daft.plugins"
# Folders of installed distributions: wheels' and (setuptools, some conda packages) eggs'.
_SUFFIXES = (".dist-info", ".egg-info")


class EntryPoint:
    """One entry point: ``name = value`` of the distribution ``dist``."""

    __slots__ = ("dist", "group", "name", "value")

    def __init__(self, name: str, value: str, group: str, dist: _Dist) -> None:
        self.name = name
        self.value = value
        self.group = group
        self.dist = dist

    def load(self) -> Any:
        """The object the entry point names (imports its module)."""
        target = self.value.split("[", 1)[0].strip()  # drop "[extras]"
        module_name, _, attrs = target.partition(":")
        obj: Any = importlib.import_module(module_name.strip())
        for attr in filter(None, attrs.strip().split(".")):
            obj = getattr(obj, attr)
        return obj

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"


class _Dist:
    """What discovery needs of a distribution: its name, as the folder spells it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def discover(group: str = GROUP) -> list[EntryPoint]:
    """The entry points of ``group``, from the first distribution of each name on
    ``sys.path`` (``importlib.metadata.entry_points(group=...)``, faster)."""
    if not _plain_layout():
        return _with_importlib(group)
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for entry in sys.path:
        folder = entry or "."
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(_SUFFIXES))
        except OSError:
            continue  # a folder that does not exist (yet) holds no distributions
        for dist_folder in names:
            dist = os.path.splitext(dist_folder)[0].split("-", 1)[0]
            key = _canonical(dist)
            if key in seen:
                continue
            seen.add(key)
            try:
                with open(
                    os.path.join(folder, dist_folder, "entry_points.txt"), encoding="utf-8"
                ) as f:
                    text = f.read()
            except OSError:
                continue
            found.extend(_parse(text, group, _Dist(dist)))
    return found


def _plain_layout() -> bool:
    """Whether every distribution is a folder in a folder of ``sys.path``."""
    from importlib.machinery import PathFinder

    for entry in sys.path:
        if entry and os.path.isfile(entry):
            return False  # a zip file or an egg
        if entry.endswith(".egg"):
            return False
    for finder in sys.meta_path:
        if finder is not PathFinder and hasattr(finder, "find_distributions"):
            return False
    return True


def _parse(text: str, group: str, dist: _Dist) -> list[EntryPoint]:
    """The entries of ``[group]`` in an ``entry_points.txt``."""
    out: list[EntryPoint] = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section != group:
            continue
        name, sep, value = line.partition("=")
        if sep:
            out.append(EntryPoint(name.strip(), value.strip(), group, dist))
    return out


def _canonical(name: str) -> str:
    # importlib.metadata's key for "the same distribution" (PEP 503 normalization).
    out = name.lower()
    for ch in "-.":
        out = out.replace(ch, "_")
    while "__" in out:
        out = out.replace("__", "_")
    return out


def _with_importlib(group: str) -> list[Any]:
    import importlib.metadata

    return list(importlib.metadata.entry_points(group=group))
