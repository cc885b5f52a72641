"""Hive-style partitioned files, as Daft writes and reads them.

Writing with ``partition_cols``: one directory level per partition column,
``<column>=<value>`` (the value URL-quoted, a null as
``__HIVE_DEFAULT_PARTITION__``), each holding the rows of that partition
without the partition columns. Reading with ``hive_partitioning=True``: the
``<column>=<value>`` parts of each file's path become string columns after
the file's own columns.
"""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote, unquote

from daft._io_config import is_remote
from daft.daft import find_files
from daft.expressions import Expression, col, lit

if TYPE_CHECKING:
    from daft.dataframe import DataFrame

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# Files an overwrite leaves in place, as the unpartitioned writer does.
_MARKERS = ("_SUCCESS", "_metadata", "_common_metadata")


def _text(value: Any) -> str:
    if value is None:
        return NULL_PARTITION
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return quote(str(value), safe="")


def write_partitioned(
    df: DataFrame,
    root_dir: str,
    partition_cols: list[str | Expression],
    write_mode: str,
    write: Callable[[DataFrame, str], DataFrame],
    extension: str,
    config: str = "{}",
) -> DataFrame:
    """Writes each partition of ``df`` under its directory with ``write(part,
    dir)`` (an append); returns the paths and each file's partition values.
    ``config`` is the storage settings of an object-store ``root_dir``."""
    from daft.io import from_pydict

    if write_mode not in ("append", "overwrite", "overwrite-partitions"):
        raise ValueError(
            "write_mode must be 'append', 'overwrite' or 'overwrite-partitions' with "
            f"partition_cols, got {write_mode!r}"
        )
    keys = [col(c) if isinstance(c, str) else c for c in partition_cols]
    if not keys:
        raise ValueError("partition_cols must name at least one column")
    names = [k.name() for k in keys]
    if len(set(names)) != len(names):
        raise ValueError(f"partition_cols names a column twice: {names}")
    computed = {k.name(): k for k in keys if repr(k) != f"col({k.name()})"}
    base = df.with_columns(computed) if computed else df
    for n in names:
        if n not in base.column_names:
            from daft.exceptions import DaftFieldNotFoundError

            raise DaftFieldNotFoundError(
                f"partition_cols: column {n!r} not found; available columns: {base.column_names}"
            )
    if len(names) == len(base.column_names):
        raise ValueError("partition_cols cannot be every column: the files would have none")
    base = base.collect()  # computed once, then split by partition
    combos = base.select(*names).distinct().to_pylist()
    written: list[str] = []
    part_dirs: list[str] = []
    values: dict[str, list] = {n: [] for n in names}
    for combo in combos:
        cond = None
        for n in names:
            v = combo[n]
            c = col(n).is_null() if v is None else (col(n) == lit(v)).fill_null(False)  # type: ignore[attr-defined]
            cond = c if cond is None else cond & c
        parts = [f"{n}={_text(combo[n])}" for n in names]
        if is_remote(root_dir):
            part_dir = "/".join([root_dir.rstrip("/"), *parts])
        else:
            part_dir = os.path.join(root_dir, *parts)
        part_dirs.append(part_dir)
        paths = write(base.where(cond).exclude(*names), part_dir).to_pydict()["path"]
        written.extend(paths)
        for n in names:
            values[n].extend([combo[n]] * len(paths))
    # Old files go only once every new one is written: "overwrite" removes
    # them under the whole root, "overwrite-partitions" in the partitions
    # written (the others keep their files, as in Daft).
    replaced = {"overwrite": [root_dir], "overwrite-partitions": part_dirs}.get(write_mode, [])
    if is_remote(root_dir):
        from daft.daft import remove_other_objects

        for top in replaced:
            remove_other_objects(top, written, config)
        return from_pydict({"path": written, **values})
    keep = {os.path.abspath(p) for p in written}
    for top in replaced:
        for dirpath, _dirs, files in os.walk(top):
            for f in files:
                p = os.path.abspath(os.path.join(dirpath, f))
                marker = f in _MARKERS or f.startswith(("_started", "_committed", "."))
                if p in keep or marker or f.endswith(".crc"):
                    continue
                os.remove(p)
    return from_pydict({"path": written, **values})


def _partition_values(path: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    # An object's key is split on "/" whatever the local separator is.
    sep = "/" if is_remote(path) else os.sep
    for part in path.rsplit(sep, 1)[0].split(sep):
        if "=" in part:
            k, v = part.split("=", 1)
            out[unquote(k)] = None if v == NULL_PARTITION else unquote(v)
    return out


def _remote_files(p: str, extension: str, config: str) -> list[str]:
    """The objects of a hive-partitioned read of `p`: a glob's matches, else the
    `extension` files at any depth under the prefix `p`, else `p` itself."""
    if any(c in p for c in "*?["):
        return [f for f, _ in find_files([p], extension, config)]
    try:
        return [f for f, _ in find_files([p.rstrip("/") + f"/**/*.{extension}"], extension, config)]
    except FileNotFoundError:
        return [p]


def read_hive(
    paths: list[str],
    extension: str,
    read: Callable[[list[str]], DataFrame],
    config: str | None = None,
) -> DataFrame:
    """Reads ``paths`` (files, directories searched recursively, globs; object-store
    URLs listed with the storage settings ``config``) with their ``<column>=<value>``
    path parts as string columns."""
    import glob

    files: list[str] = []
    for p in paths:
        if is_remote(p):
            files.extend(_remote_files(p, extension, config or "{}"))
            continue
        if os.path.isdir(p):
            found = glob.glob(os.path.join(p, "**", f"*.{extension}"), recursive=True)
        else:
            found = glob.glob(p, recursive=True) if any(c in p for c in "*?[") else [p]
        files.extend(sorted(f for f in found if os.path.isfile(f)))
    if not files:
        raise FileNotFoundError(f"no {extension} files under {paths}")
    groups: dict[tuple, list[str]] = {}
    keys: list[str] = []
    for f in files:
        pv = _partition_values(f)
        for k in pv:
            if k not in keys:
                keys.append(k)
        groups.setdefault(tuple(sorted(pv.items(), key=lambda kv: kv[0])), []).append(f)
    from daft.datatype import DataType

    out = None
    for combo, group in groups.items():
        given = dict(combo)
        part = read(group).with_columns(
            {k: lit(given.get(k)).cast(DataType.string()) for k in keys}  # type: ignore[attr-defined]
        )
        out = part if out is None else out.union_all_by_name(part)
    assert out is not None
    return out
