"""Running one case on both engines and judging the outcome.

The daft side is run from the very program text a reproduction file contains
(exec of the rendered source), so what is reported is what was run.
"""

from __future__ import annotations

import datetime  # noqa: F401  (used by generated programs)
import math  # noqa: F401
import re
from dataclasses import dataclass

import duckdb

from .compare import Result, compare
from .datagen import Table
from .exprs import DSQL, DUCK, DUCKDB_MACROS
from .plan import Pipeline, final_order, render_daft, render_sql, schema_of

PRELUDE = """\
import datetime

import daft
from daft import DataType, Window, col, lit
import daft.functions as F
"""


def table_schemas(tables: list[Table]) -> dict[str, list[tuple[str, str]]]:
    return {t.name: t.schema() for t in tables}


def daft_program(query: Pipeline, tables: list[Table], mode: str) -> str:
    """The daft side of a case: Python lines that leave the result in `df`
    (the DataFrames `t0`, `t1` must exist)."""
    schemas = table_schemas(tables)
    if mode == "sql":
        sql = render_sql(query, schemas, DSQL)
        used = [t.name for t in tables if t.name in sql]
        binds = ", ".join(f"{n}={n}" for n in used)
        return f"df = daft.sql(\n    {sql!r},\n    {binds},\n)"
    return "\n".join(render_daft(query, schemas))


def duckdb_sql(query: Pipeline, tables: list[Table]) -> str:
    return render_sql(query, table_schemas(tables), DUCK)


_NAMESPACE: dict | None = None
_CON = None


def _namespace() -> dict:
    global _NAMESPACE
    if _NAMESPACE is None:
        ns: dict = {}
        exec(PRELUDE, ns)
        _NAMESPACE = ns
    return _NAMESPACE


def _connection():
    global _CON
    if _CON is None:
        _CON = duckdb.connect()
        _CON.execute("SET threads = 2")
        _CON.execute(DUCKDB_MACROS)
    return _CON


def run_daft(program: str, tables: list[Table]) -> Result:
    import daft

    ns = dict(_namespace())
    try:
        for t in tables:
            ns[t.name] = daft.from_arrow(t.to_arrow())
        exec(program, ns)
        out = ns["df"].to_arrow()
        names = list(out.column_names)
        cols = [c.to_pylist() for c in out.columns]
        return Result(names, list(zip(*cols)) if cols else [])
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001  (a Rust panic is a BaseException)
        return Result(error=e)


def run_duckdb(sql: str, tables: list[Table]) -> Result:
    con = _connection()
    try:
        for t in tables:
            con.register(t.name, t.to_arrow())
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return Result(names, cur.fetchall())
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001
        return Result(error=e)
    finally:
        for t in tables:
            try:
                con.unregister(t.name)
            except Exception:  # noqa: BLE001
                pass


@dataclass
class Outcome:
    reason: str | None  # None: the engines agree
    daft: Result
    duck: Result
    program: str
    sql: str

    @property
    def signature(self):
        """What kind of mismatch this is; the shrinker keeps it fixed (for an
        error: its type and the start of its message without names and
        numbers, so that a shrunk case fails for the same reason)."""
        if self.reason is None:
            return None
        if self.daft.error is not None:
            return ("daft_error", type(self.daft.error).__name__, _message_key(self.daft.error))
        if self.duck.error is not None:
            return ("duckdb_error", type(self.duck.error).__name__, _message_key(self.duck.error))
        return ("diff",)


def _message_key(e: BaseException) -> str:
    text = re.sub(r"(\"[^\"]*\"|'[^']*'|`[^`]*`)", "", str(e))
    return re.sub(r"[0-9]+", "", text)[:40]


def run_case(query: Pipeline, tables: list[Table], mode: str) -> Outcome:
    schemas = table_schemas(tables)
    program = daft_program(query, tables, mode)
    sql = duckdb_sql(query, tables)
    got = run_daft(program, tables)
    want = run_duckdb(sql, tables)
    try:
        schema = schema_of(query, schemas)
    except KeyError:
        schema = []
    hints = [h for _, _, h in schema]
    order = final_order(query)
    order_idx = None
    if order is not None:
        names = [n for n, _, _ in schema]
        order_idx = [names.index(k.name) for k in order.keys if k.name in names]
    return Outcome(compare(got, want, hints, order_idx), got, want, program, sql)
