"""Question 9: hot scalar kernels (date parts, list_sum, string similarity, hashing) in
this engine against the real Daft, Polars and DuckDB, on the same in-memory data.

The data sets are generated once with numpy and pyarrow from a fixed seed and written as
Arrow IPC files under `target/bench/kernels`; each tool's worker (`kernels_worker.py`, in
that tool's environment) reads them into its own memory before anything is timed, so a
run is the evaluation of the kernel's expression and the materialisation of its result.
Before timing, every tool's results are compared (`check`): with an independent
reference computed here where one is cheap (pyarrow's date parts, numpy's sums, a
pure-Python Levenshtein and Jaro-Winkler on a sample) and with this engine's on every row.
A tool whose results differ is not timed on that kernel, and the report says why.
"""

from __future__ import annotations

import datetime
import os
import statistics
from pathlib import Path
from typing import TYPE_CHECKING

from common import WORK, Worker, interleave, log
from report import Report, fmt3, machine, ms, ratio_str, stats, versions

if TYPE_CHECKING:
    from run import Setup, Sizes

WORKER = Path(__file__).with_name("kernels_worker.py")
HEADING = "## 9. Function kernels"

# The data: a seed, and a version bumped whenever a generator changes (it is part of the
# cached files' names, so a changed generator never reuses an old file).
SEED = 11
GENERATOR_VERSION = 1
# Record batches of the files, kept as the in-memory chunks in every tool.
BATCH_ROWS = 1 << 17
# Rows compared with the pure-Python string-similarity references (all rows are compared
# across tools; Python would take minutes over a million pairs).
SAMPLE_ROWS = 3000
# Jaro-Winkler similarities are compared to this absolute tolerance: implementations sum
# the same fractions in different orders.
TOLERANCE = 1e-12
# The target: this engine's time at most this multiple of the fastest peer's.
TARGET = 1.2

# (tool, label); the first is the one the others are checked against and judged by.
TOOLS = [
    ("ours", "this engine"),
    ("daft", "Daft 0.7.26"),
    ("polars", "Polars"),
    ("duckdb", "DuckDB"),
]
LABEL = dict(TOOLS)

# (task, data set, what it computes, {tool: the call})
KERNELS = [
    (
        "date_parts",
        "dates",
        "year, month, day and hour of a Timestamp[us] column, in one select",
        {
            "ours": "`col.year()`, `.month()`, `.day()`, `.hour()`",
            "daft": "the same",
            "polars": "`.dt.year()`, `.dt.month()`, `.dt.day()`, `.dt.hour()`",
            "duckdb": "`year(ts), month(ts), day(ts), hour(ts)`",
        },
    ),
    (
        "list_sum",
        "lists",
        "sum of each list of a List<Int64> column",
        {
            "ours": "`col.list_sum()`",
            "daft": "the same",
            "polars": "`.list.sum()`",
            "duckdb": "`list_sum(l)` (a HUGEINT, so a Decimal128 in Arrow)",
        },
    ),
    (
        "levenshtein",
        "words",
        "Levenshtein distance of two string columns",
        {
            "ours": "`daft.functions.levenshtein_distance(a, b)`",
            "daft": "the same",
            "polars": "none built in",
            "duckdb": "`levenshtein(a, b)`",
        },
    ),
    (
        "jaro_winkler",
        "words",
        "Jaro-Winkler similarity of two string columns",
        {
            "ours": "`daft.functions.jaro_winkler_similarity(a, b)`",
            "daft": "the same",
            "polars": "none built in",
            "duckdb": "`jaro_winkler_similarity(a, b)`",
        },
    ),
    (
        "hash_int",
        "hashes",
        "64-bit hash of an Int64 column",
        {
            "ours": "`col.hash()`",
            "daft": "the same",
            "polars": "`.hash()`",
            "duckdb": "`hash(x)`",
        },
    ),
    (
        "hash_str",
        "hashes",
        "64-bit hash of a string column",
        {
            "ours": "`col.hash()`",
            "daft": "the same",
            "polars": "`.hash()`",
            "duckdb": "`hash(s)`",
        },
    ),
]
TASKS = [k for k, *_ in KERNELS]
DATA_OF = {k: d for k, d, *_ in KERNELS}

# Which hash each tool computes: the values differ across algorithms, so only this
# engine and Daft (the same algorithm) are compared value by value.
HASHES = {
    "ours": "XXH3-64 with seed 0 (nulls hash as XXH3 of no bytes, as in Daft)",
    "daft": "XXH3-64 with seed 0 (`hash_function='xxhash'`, the default)",
    "polars": "Polars' own seeded 64-bit hash, documented as stable only within one Polars version",
    "duckdb": "DuckDB's own hash: an xor-shift-multiply finaliser (`MurmurHash64` in its "
    "source) for integers, its own hash of the bytes for strings",
}


# ---------------------------------------------------------------------------
# Data


def _strings(r, lengths, alphabet: bytes) -> tuple:
    """Random strings of the given lengths over `alphabet`, as Arrow's buffers: (offsets,
    bytes) numpy arrays (a Python string per row would take seconds at 10 M rows)."""
    import numpy as np

    letters = np.frombuffer(alphabet, dtype=np.uint8)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return offsets, letters[r.integers(0, len(letters), int(offsets[-1]))]


def _string_array(offsets, data):
    import pyarrow as pa

    return pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))


def _chunk(name: str, r, n: int):
    """`n` rows of data set `name`, drawn from the generator `r`."""
    import numpy as np
    import pyarrow as pa

    if name == "dates":
        # 1900-01-01 to 2100-01-01: negative values too, where a date part computed by
        # truncating division instead of flooring would be wrong.
        lo, hi = -2_208_988_800 * 10**6, 4_102_444_800 * 10**6
        return pa.table({"ts": pa.array(r.integers(lo, hi, n), pa.timestamp("us"))})
    if name == "lists":
        lengths = r.integers(0, 11, n)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        total = int(offsets[-1])
        values = pa.array(r.integers(-1000, 1001, total), mask=r.random(total) < 0.02)
        lists = pa.ListArray.from_arrays(
            pa.array(offsets), values, mask=pa.array(r.random(n) < 0.05)
        )
        return pa.table({"l": lists})
    if name == "words":
        # `a` random lower-case words; `b` half unrelated words, half copies of `a` with
        # up to two letters replaced (near matches exercise the similarity paths).
        alphabet = b"abcdefghijklmnopqrstuvwxyz"
        letters = np.frombuffer(alphabet, dtype=np.uint8)
        a_off, a_data = _strings(r, r.integers(5, 16, n), alphabet)
        a_len = np.diff(a_off)
        related = r.random(n) < 0.5
        b_len = np.where(related, a_len, r.integers(5, 16, n))
        b_off, b_data = _strings(r, b_len, alphabet)
        row = np.repeat(np.arange(n), b_len)
        pos = np.arange(len(b_data)) - b_off[row]
        copy = related[row]
        b_data[copy] = a_data[a_off[row[copy]] + pos[copy]]
        for _ in range(2):
            at = b_off[:-1] + r.integers(0, b_len)
            change = related & (r.random(n) < 0.7)
            b_data[at[change]] = letters[r.integers(0, 26, int(change.sum()))]
        a, b = _string_array(a_off, a_data), _string_array(b_off, b_data)
        return pa.table({"a": a, "b": b})
    if name == "hashes":
        i64 = np.iinfo(np.int64)
        x = r.integers(i64.min, i64.max, n, dtype=np.int64, endpoint=True)
        s = _string_array(
            *_strings(r, r.integers(1, 21, n), b"abcdefghijklmnopqrstuvwxyz0123456789")
        )
        return pa.table({"x": x, "s": s})
    raise ValueError(name)


def data_file(name: str, rows: int) -> Path:
    """Data set `name` of `rows` rows, written once and reused (keyed by size, seed and
    generator version). Each batch has its own seed, so a smaller file is a prefix of a
    larger one."""
    import numpy as np
    import pyarrow.ipc as ipc

    d = WORK / "kernels"
    path = d / f"{name}-{rows}-seed{SEED}-v{GENERATOR_VERSION}.arrow"
    if path.exists():
        return path
    d.mkdir(parents=True, exist_ok=True)
    log(f"generating {path.name}")
    salt = ["dates", "lists", "words", "hashes"].index(name)
    tmp = path.with_name(path.name + ".tmp")
    writer = None
    for i, start in enumerate(range(0, rows, BATCH_ROWS)):
        table = _chunk(name, np.random.default_rng([SEED, salt, i]), min(BATCH_ROWS, rows - start))
        if writer is None:
            writer = ipc.new_file(str(tmp), table.schema)
        writer.write_table(table)
    writer.close()
    os.replace(tmp, path)
    return path


def prepare(sizes: Sizes) -> dict:
    """Data set -> path of its file: 10 M rows for the cheap kernels, fewer pairs of words
    for string similarity (a run of about a second at most)."""
    rows = {
        "dates": sizes.kernel_rows,
        "lists": sizes.kernel_rows,
        "words": sizes.kernel_word_rows,
        "hashes": sizes.kernel_rows,
    }
    return {name: str(data_file(name, n)) for name, n in rows.items()}


# ---------------------------------------------------------------------------
# Checking


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def jaro_winkler(a: str, b: str, daft_0_7: bool = False) -> float:
    """Jaro similarity with Winkler's prefix boost (scale 0.1, at most 4 characters), as
    strsim and DuckDB define them: half the out-of-order matches rounded down (3 count 1)
    and the boost only above a Jaro similarity of 0.7. With `daft_0_7`, Daft 0.7.26's
    variant: not rounded down (3 count 1.5), and the boost whatever the similarity."""
    if not a and not b:
        return 1.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    used = [False] * len(b)
    matched_a = []
    for i, ca in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not used[j] and b[j] == ca:
                used[j] = True
                matched_a.append(ca)
                break
    m = len(matched_a)
    if m == 0:
        return 0.0
    matched_b = [cb for j, cb in enumerate(b) if used[j]]
    out_of_order = sum(x != y for x, y in zip(matched_a, matched_b))
    t = out_of_order / 2 if daft_0_7 else out_of_order // 2
    jaro = (m / len(a) + m / len(b) + (m - t) / m) / 3
    if jaro <= 0.7 and not daft_0_7:
        return jaro
    prefix = 0
    for x, y in zip(a[:4], b[:4]):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _columns(table, kind: str) -> list:
    """The result's columns as (values, valid) numpy pairs of one type per kind, so tools
    that return Int32, UInt32, Int8 or Decimal128 for the same numbers compare equal."""
    import numpy as np
    import pyarrow as pa

    out = []
    for c in table.columns:
        arr = c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c
        if kind == "float":
            arr = arr.cast(pa.float64())
        elif kind == "hash":
            if arr.type != pa.uint64():
                raise ValueError(f"a hash of type {arr.type}, not UInt64")
        else:
            arr = arr.cast(pa.int64())
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        out.append((arr.fill_null(0).to_numpy(zero_copy_only=False), valid))
    return out


def _difference(got: list, want: list, rows=None, tol: float = 0.0) -> str | None:
    """Where two results (lists of (values, valid)) first differ, or None; `rows`
    limits the comparison to the first rows (a sampled reference)."""
    import numpy as np

    if len(got) != len(want):
        return f"{len(got)} columns, expected {len(want)}"
    for k, ((gv, gm), (wv, wm)) in enumerate(zip(got, want)):
        if rows is not None:
            gv, gm = gv[:rows], gm[:rows]
        if len(gv) != len(wv):
            return f"{len(gv):,} rows, expected {len(wv):,}"
        close = np.abs(gv - wv) <= tol if tol else gv == wv
        bad = (gm != wm) | (gm & wm & ~close)
        if bad.any():
            i = int(np.argmax(bad))
            got_i = repr(gv[i].item()) if gm[i] else "null"
            want_i = repr(wv[i].item()) if wm[i] else "null"
            return f"column {k}, row {i:,}: {got_i}, expected {want_i}"
    return None


def references(files: dict) -> dict:
    """Task -> list of (convention, expected columns, rows compared or None): the results
    computed here independently of the tools. A tool matching a later entry follows
    another convention for the same answer, which the report states."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.ipc as ipc

    def read(name):
        with pa.OSFile(files[name]) as f:
            return ipc.open_file(f).read_all()

    refs: dict = {}
    ts = read("dates").column("ts")
    parts = pa.table({p: getattr(pc, p)(ts) for p in ("year", "month", "day", "hour")})
    refs["date_parts"] = [(None, _columns(parts, "int"), None)]

    lists = read("lists").column("l").combine_chunks()
    offsets = np.asarray(lists.offsets)
    values = lists.values
    filled = np.concatenate([[0], np.cumsum(values.fill_null(0).to_numpy())])
    counted = np.concatenate([[0], np.cumsum(values.is_valid().to_numpy(zero_copy_only=False))])
    sums = filled[offsets[1:]] - filled[offsets[:-1]]
    n_values = counted[offsets[1:]] - counted[offsets[:-1]]
    is_list = np.asarray(lists.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    refs["list_sum"] = [
        (None, [(sums, is_list & (n_values > 0))], None),
        (
            "the sum of a list without values (empty or all null) is 0, not null",
            [(sums, is_list)],
            None,
        ),
    ]

    words = read("words").slice(0, SAMPLE_ROWS).to_pydict()
    pairs = list(zip(words["a"], words["b"]))
    ok = np.ones(len(pairs), dtype=bool)
    lev = np.array([levenshtein(a, b) for a, b in pairs])
    jw = np.array([jaro_winkler(a, b) for a, b in pairs])
    jw_daft = np.array([jaro_winkler(a, b, daft_0_7=True) for a, b in pairs])
    refs["levenshtein"] = [(None, [(lev, ok)], len(pairs))]
    refs["jaro_winkler"] = [
        (None, [(jw, ok)], len(pairs)),
        (
            "another variant of Jaro-Winkler: half the out-of-order matches not rounded "
            "down (3 count 1.5 where strsim, DuckDB and the reference count 1) and the "
            "prefix boost applied whatever the Jaro similarity (the others: above 0.7); "
            f"checked against a reference of that variant on the first {len(pairs):,} pairs",
            [(jw_daft, ok)],
            len(pairs),
        ),
    ]
    return refs


def _hash_check(result, files: dict, task: str, distinct: dict) -> str | None:
    """Hashes of different algorithms cannot be compared value by value: each tool's must
    be UInt64, without nulls, and take as many distinct values as the input has (a hash is
    a function of the value; a 64-bit collision among 10 M values has a chance of about
    1 in 370,000)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.ipc as ipc

    column = "x" if task == "hash_int" else "s"
    if column not in distinct:
        with pa.OSFile(files["hashes"]) as f:
            distinct[column] = pc.count_distinct(ipc.open_file(f).read_all().column(column)).as_py()
    h = result.column(0)
    if h.type != pa.uint64():
        return f"a hash of type {h.type}, not UInt64"
    if h.null_count:
        return f"{h.null_count:,} null hashes"
    n = pc.count_distinct(h).as_py()
    if n != distinct[column]:
        return f"{n:,} distinct hashes of {distinct[column]:,} distinct values"
    return None


def check(workers: dict, files: dict) -> dict:
    """(task, tool) -> {"ok": bool, "why": text or None, "convention": text or None}, or
    absent when the tool has no built-in for the task. Only the tools marked ok are
    timed."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    refs = references(files)
    distinct: dict = {}
    out: dict = {}
    for task in TASKS:
        kind = "float" if task == "jaro_winkler" else "hash" if task.startswith("hash") else "int"
        tables = {}
        for tool, w in workers.items():
            res = w.ask({"task": task, "check": True})["result"]
            if res.get("absent"):
                continue
            with pa.OSFile(res["path"]) as f:
                tables[tool] = ipc.open_file(f).read_all()
            os.unlink(res["path"])
        cols = {}
        for tool, table in tables.items():
            verdict = {"ok": True, "why": None, "convention": None}
            try:
                cols[tool] = _columns(table, kind)
            except (ValueError, pa.ArrowInvalid) as e:
                verdict.update(ok=False, why=str(e))
            if verdict["ok"] and kind == "hash":
                why = _hash_check(table, files, task, distinct)
                if why:
                    verdict.update(ok=False, why=why)
            if verdict["ok"] and task in refs:
                tol = TOLERANCE if kind == "float" else 0.0
                misses = []
                for convention, want, rows in refs[task]:
                    why = _difference(cols[tool], want, rows, tol)
                    if why is None:
                        verdict["convention"] = convention
                        break
                    misses.append(why)
                else:
                    verdict.update(ok=False, why=f"differs from the reference: {misses[0]}")
            out[(task, tool)] = verdict
        # Every row against this engine's where both compute the same function (all but
        # the hashes of other algorithms); a tool on another convention is not compared.
        ref = out.get((task, "ours"))
        for tool in cols:
            v = out[(task, tool)]
            if tool == "ours" or not (ref and ref["ok"] and v["ok"]) or v["convention"]:
                continue
            if kind == "hash" and tool != "daft":
                continue
            tol = TOLERANCE if kind == "float" else 0.0
            why = _difference(cols[tool], cols["ours"], None, tol)
            if why:
                v.update(ok=False, why=f"differs from this engine: {why}")
        rows = len(next(iter(tables.values())))
        for tool in tables:
            v = out[(task, tool)]
            state = "ok" if v["ok"] else f"NOT TIMED ({v['why']})"
            log(f"checked {task} in {LABEL[tool]}: {rows:,} rows, {state}")
    return out


# ---------------------------------------------------------------------------
# The section


def run(rep: Report, setup: Setup, sizes: Sizes, files: dict, command: str) -> None:
    tools = [t for t, _ in TOOLS if t in setup.pythons and not (t == "daft" and setup.smoke)]
    if tools[0] != "ours":
        raise SystemExit("kernels: this engine is not set up")
    started = datetime.datetime.now()
    load_start = os.getloadavg()
    check_dir = WORK / "kernels" / "check"
    check_dir.mkdir(parents=True, exist_ok=True)
    config = {"files": files, "check_dir": str(check_dir)}
    workers: dict = {}
    times: dict = {}
    try:
        for t in tools:
            log(f"kernels: {LABEL[t]} loads the data")
            workers[t] = Worker(t, setup, config, script=WORKER)
        verdicts = check(workers, files)
        for task in TASKS:
            timed = [t for t in tools if verdicts.get((task, t), {}).get("ok")]
            if "ours" not in timed:
                continue
            log(f"kernels {task}")
            contenders = [(t, workers[t], task) for t in timed]
            # The same select without the kernel, in the same rounds: what this engine
            # spends on the select and collect around any kernel.
            contenders.append(("ours:base", workers["ours"], f"{task}:base"))
            times[task] = interleave(contenders, sizes.kernel_runs)
    finally:
        for w in workers.values():
            w.close()
    rows = {name: _rows(path) for name, path in files.items()}
    made = provenance(setup, command, started, load_start)
    _section(rep, tools, sizes, rows, verdicts, times, made)


def _rows(path: str) -> int:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with pa.memory_map(path) as f:
        return ipc.open_file(f).read_all().num_rows


def provenance(setup: Setup, command: str, started, load_start) -> str:
    """The line saying which command made a section, when, on what machine and load,
    with which versions (also used by the UDF section)."""
    m = machine()
    v = versions(setup)
    load_end = os.getloadavg()
    load = lambda x: " / ".join(f"{y:.2f}" for y in x)  # noqa: E731
    return (
        f"Produced by `{command}` on {started.strftime('%Y-%m-%d %H:%M')}: {m['cpu']}, "
        f"{m['cores']} cores, {m['memory']} RAM; load average (1 / 5 / 15 min) "
        f"{load(load_start)} at the start of the section and {load(load_end)} at its end "
        "(a shared machine: other builds may have run meanwhile, which the interleaved "
        "rounds share out). Versions: " + ", ".join(f"{k} {x}" for k, x in v.items()) + "."
    )


def _section(rep, tools, sizes, rows, verdicts, times, provenance) -> None:
    med = {
        task: {t: statistics.median(x["ns"] for x in times[task][t]) for t in times[task]}
        for task in times
    }
    head = "| kernel | " + " | ".join(LABEL[t] for t in tools) + " |"
    rule = "|---|" + "---|" * len(tools)
    wall = [head, rule]
    cpu = [head, rule]
    ratio_rows = [
        "| kernel | fastest peer | this engine ÷ fastest peer, median (min – max) "
        f"| ≤ {TARGET:g} | this engine ÷ each peer (median) | this engine, the select "
        "without the kernel, ms | kernel's share of this engine's time |",
        "|---|---|---|---|---|---|---|",
    ]
    notes = []
    for task in TASKS:
        cells, cpu_cells = [], []
        for t in tools:
            v = verdicts.get((task, t))
            if v is None:
                cells.append("absent")
                cpu_cells.append("–")
            elif not v["ok"]:
                cells.append("not timed (results differ)")
                cpu_cells.append("–")
                notes.append(f"{LABEL[t]}, `{task}`: not timed, {v['why']}.")
            elif task not in times:
                cells.append("not timed")
                cpu_cells.append("–")
            else:
                cells.append(fmt3(stats([x["ns"] for x in times[task][t]])))
                c = statistics.median(x["cpu_ns"] / x["ns"] for x in times[task][t])
                cpu_cells.append(f"{c:.2f}")
            if v and v["ok"] and v["convention"]:
                notes.append(f"{LABEL[t]}, `{task}`: {v['convention']}.")
        wall.append(f"| `{task}` | " + " | ".join(cells) + " |")
        cpu.append(f"| `{task}` | " + " | ".join(cpu_cells) + " |")
        if task not in times:
            ratio_rows.append(f"| `{task}` | – | not timed | – | – | – | – |")
            continue
        peers = [t for t in med[task] if t not in ("ours", "ours:base")]
        base = statistics.median(x["ns"] for x in times[task]["ours:base"])
        share = 1 - base / med[task]["ours"]
        if not peers:
            ratio_rows.append(f"| `{task}` | none timed | – | – | – | {ms(base)} | {share:.0%} |")
            continue
        fastest = min(peers, key=lambda t: med[task][t])
        per_round = {
            t: [x["ns"] / y["ns"] for x, y in zip(times[task]["ours"], times[task][t])]
            for t in peers
        }
        r = per_round[fastest]
        each = ", ".join(f"{LABEL[t]} {ratio_str(statistics.median(per_round[t]))}" for t in peers)
        met = statistics.median(r) <= TARGET
        ratio_rows.append(
            f"| `{task}` | {LABEL[fastest]} | {fmt3(stats(r), ratio_str)} | "
            f"{'yes' if met else '**no**'} | {each} | {ms(base)} | {share:.0%} |"
        )
        rep.target(
            "9",
            f"this engine / fastest peer ({LABEL[fastest]}), `{task}`",
            f"≤ {TARGET:g}",
            ratio_str(statistics.median(r)),
            met,
        )

    kernels = ["| kernel | data | computes | " + " | ".join(LABEL[t] for t in tools) + " |"]
    kernels.append("|---|---|---|" + "---|" * len(tools))
    for task, data, what, calls in KERNELS:
        kernels.append(
            f"| `{task}` | {rows[data]:,} rows of `{data}` | {what} | "
            + " | ".join(calls[t] for t in tools)
            + " |"
        )
    hashes = "\n".join(f"- {LABEL[t]}: {HASHES[t]}" for t in tools)
    text = (
        f"{HEADING}\n\n"
        + provenance
        + "\n\nHot scalar kernels over in-memory data, each tool in its own process"
        + " and virtual environment with its default threads. The data sets are generated"
        f" with numpy and pyarrow (seed {SEED}, generator version {GENERATOR_VERSION}) and"
        " written once as Arrow IPC files of record batches of"
        f" {BATCH_ROWS:,} rows under `target/bench/kernels`: `dates` a Timestamp[us] column"
        " `ts` uniform over 1900–2100 (negative values included); `lists` a List<Int64>"
        " column `l` of 0–10 items in −1000..1000, 5 % of the lists null and 2 % of the items"
        " null; `words` two string columns `a` and `b` of 5–15 lower-case letters, half the"
        " rows unrelated and half with `b` a copy of `a` with up to two letters replaced;"
        " `hashes` an Int64 column `x` over the whole range and a string column `s` of 1–20"
        " letters and digits. Each worker reads the files into its own memory before"
        " anything is timed (this engine and Daft: `daft.from_arrow(table).collect()`;"
        " Polars: `read_ipc` of the file's bytes; DuckDB: the pyarrow tables registered with"
        " `register`). A run is the kernel's evaluation and its result materialised:"
        " `df.select(...).collect()` in this engine and Daft, the eager `df.select(...)` in"
        " Polars, the SQL query fetched with `to_arrow_table()` in DuckDB (which scans the"
        " registered Arrow table, converting it to its own vectors as it goes)."
        " The workers' code is `benchmarks/workloads/kernels_worker.py`.\n\n"
        + "\n".join(kernels)
        + "\n\n### Checks before timing\n\n"
        "Every tool's result is written to a file and compared here: the date parts with"
        " pyarrow's `year`/`month`/`day`/`hour`, `list_sum` with numpy's sums (null for a"
        " null list and for a list without values), the string similarities with"
        f" pure-Python Levenshtein and Jaro-Winkler (strsim's and DuckDB's definition) on the"
        f" first {SAMPLE_ROWS:,} pairs, and every row with this engine's (Jaro-Winkler"
        f" within {TOLERANCE:g}). A tool that gives the same answer under another convention"
        " (listed below) is checked against a reference of that convention instead, and"
        " timed. Hashes of different algorithms cannot be compared value by"
        " value: each tool's must be UInt64 without nulls and take as many distinct values"
        " as the input column; this engine's and Daft's, the same algorithm, must be equal."
        " A tool whose result differs is not timed on that kernel.\n\n"
        + ("\n".join(f"- {n}" for n in notes) if notes else "- Every result agreed.")
        + "\n\nThe hashes:\n\n"
        + hashes
        + f"\n\n### Wall time, ms: median (min – max) over {sizes.kernel_runs} rounds\n\n"
        "Interleaved rounds, the tools' order rotated each round, after one warm-up run"
        " each.\n\n" + "\n".join(wall) + "\n\n### This engine against the fastest peer\n\n"
        "The ratio is taken within each round, then summarised; the fastest peer is the"
        " one with the lowest median. The select without the kernel (`select` of the input"
        " columns, unchanged, then `collect()`) runs in the same rounds; the kernel's share"
        " is 1 − that time ÷ the kernel's.\n\n"
        + "\n".join(ratio_rows)
        + "\n\n### CPU time / wall time during a run (median)\n\n"
        f"The worker process's user + system time (all threads) over the run's wall time;"
        f" {os.cpu_count()} cores.\n\n" + "\n".join(cpu)
    )
    rep.add(text)


def splice(path: Path, section: str, method: str | None) -> None:
    """Puts `section` into the report at `path` in place of its earlier kernels section
    (or before the method), and the method's text in place of the report's copy, so
    `--only kernels` refreshes its part of `docs/benchmarks.md` and nothing else."""
    splice_section(path, HEADING, section, method)


def splice_section(path: Path, heading: str, section: str, method: str | None) -> None:
    """`section` (headed `heading`) into the report at `path` in place of its earlier
    version, or before the method; the method's text in place of the report's copy."""
    doc = path.read_text() if path.exists() else "# Benchmarks\n\n"

    def block(heading: str) -> tuple:
        start = doc.find(heading + "\n")
        if start != 0 and start != -1 and doc[start - 1] != "\n":
            start = -1
        if start == -1:
            return -1, -1
        end = doc.find("\n## ", start + 1)
        return start, len(doc) if end == -1 else end + 1

    start, end = block(heading)
    method_start = block("## How this is measured (decisions)")[0]
    if start == -1:
        start = end = method_start if method_start != -1 else len(doc)
    doc = doc[:start] + section.rstrip() + "\n\n" + doc[end:]
    if method:
        m_start, m_end = block("## How this is measured (decisions)")
        if m_start != -1:
            doc = doc[:m_start] + method.rstrip() + "\n\n" + doc[m_end:]
    path.write_text(doc)
