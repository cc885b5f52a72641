"""daft.sql and daft.sql_expr: queries over DataFrames against DuckDB, table
resolution from the caller's variables, registry and plugin functions by name,
and the error messages for bad SQL."""

from __future__ import annotations

import random

import daft
import duckdb
import pyarrow as pa
import pytest
from daft import col


def _rows(table: pa.Table) -> list[tuple]:
    rows = [tuple(r.values()) for r in table.to_pylist()]
    return sorted(rows, key=lambda r: [(v is None, v if v is not None else 0) for v in r])


@pytest.fixture(scope="module")
def data():
    rnd = random.Random(11)
    n = 200
    orders = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "cust": pa.array([rnd.randrange(20) if rnd.random() > 0.1 else None for _ in range(n)]),
            "amount": pa.array(
                [rnd.randrange(1, 500) if rnd.random() > 0.1 else None for _ in range(n)]
            ),
            "city": pa.array([rnd.choice(["Oslo", "Lima", "Pune", None]) for _ in range(n)]),
        }
    )
    customers = pa.table(
        {
            "cust": pa.array(list(range(15)) + [None], pa.int64()),
            "name": pa.array([f"c{i}" for i in range(15)] + ["nobody"]),
            "tier": pa.array([rnd.choice([1, 2, 3]) for _ in range(16)], pa.int64()),
        }
    )
    return orders, customers


QUERIES = [
    "SELECT id, amount * 2 AS twice, city FROM orders WHERE amount > 100",
    "SELECT city, count(*) AS n, sum(amount) AS total, avg(amount) AS mean, "
    "min(amount) AS lo, max(amount) AS hi FROM orders GROUP BY city",
    "SELECT city, count(amount) AS n FROM orders GROUP BY city HAVING count(amount) > 40",
    "SELECT o.id, c.name, o.amount FROM orders o JOIN customers c ON o.cust = c.cust",
    "SELECT o.id, c.name, c.cust FROM orders o LEFT JOIN customers c ON o.cust = c.cust",
    "SELECT o.id, c.name FROM orders o RIGHT JOIN customers c ON o.cust = c.cust",
    "SELECT o.id, c.cust FROM orders o FULL OUTER JOIN customers c ON o.cust = c.cust",
    "SELECT c.tier, count(*) AS n, sum(o.amount) AS total FROM orders o "
    "JOIN customers c ON o.cust = c.cust WHERE o.amount IS NOT NULL GROUP BY c.tier",
    "SELECT DISTINCT city FROM orders",
    "SELECT id, CASE WHEN amount > 250 THEN 'big' WHEN amount > 100 THEN 'mid' ELSE 'small' END "
    "AS size FROM orders",
    "SELECT id FROM orders WHERE city IN ('Oslo', 'Lima') AND amount BETWEEN 10 AND 300",
    "SELECT id, CAST(amount AS DOUBLE) / 3 AS third FROM orders WHERE city LIKE 'P%'",
    "SELECT cust FROM orders UNION SELECT cust FROM customers",
    "SELECT cust FROM orders INTERSECT SELECT cust FROM customers",
    "SELECT cust FROM orders EXCEPT SELECT cust FROM customers",
    "SELECT cust FROM customers UNION ALL SELECT cust FROM orders",
    "WITH big AS (SELECT * FROM orders WHERE amount > 200) SELECT city, count(*) AS n FROM big "
    "GROUP BY city",
    "SELECT t.city, t.n FROM (SELECT city, count(*) AS n FROM orders GROUP BY city) AS t "
    "WHERE t.n > 10",
    "SELECT id, sum(amount) OVER (PARTITION BY city ORDER BY id) AS running FROM orders",
    "SELECT id, rank() OVER (PARTITION BY city ORDER BY amount DESC NULLS FIRST) AS r FROM orders",
    "SELECT id, amount FROM orders o SEMI JOIN customers c ON o.cust = c.cust",
    "SELECT id, amount FROM orders o ANTI JOIN customers c ON o.cust = c.cust",
    "SELECT o.id, c.name FROM orders o JOIN customers c USING (cust)",
    "SELECT count(DISTINCT city) AS n FROM orders",
]


@pytest.mark.parametrize("query", QUERIES)
def test_queries_match_duckdb(data, query):
    orders_t, customers_t = data
    orders = daft.from_arrow(orders_t)  # noqa: F841  (found by daft.sql in this frame)
    customers = daft.from_arrow(customers_t)  # noqa: F841
    got = daft.sql(query).to_arrow()
    con = duckdb.connect()
    con.register("orders", orders_t)
    con.register("customers", customers_t)
    want = con.sql(query).to_arrow_table()
    assert got.column_names == want.column_names
    got_rows, want_rows = _rows(got), _rows(want)
    assert len(got_rows) == len(want_rows)
    for g, w in zip(got_rows, want_rows):
        assert g == pytest.approx(w) if any(isinstance(v, float) for v in w) else g == w


def test_order_by_limit_offset_keep_sql_order(data):
    orders = daft.from_arrow(data[0])  # noqa: F841
    q = (
        "SELECT id, amount FROM orders WHERE amount IS NOT NULL "
        "ORDER BY amount DESC, id LIMIT 5 OFFSET 2"
    )
    con = duckdb.connect()
    con.register("orders", data[0])
    assert daft.sql(q).to_pydict() == con.sql(q).to_arrow_table().to_pydict()
    # An ORDER BY key the SELECT does not keep, and a position.
    q = "SELECT id FROM orders WHERE amount IS NOT NULL ORDER BY amount, id LIMIT 4"
    assert daft.sql(q).to_pydict() == con.sql(q).to_arrow_table().to_pydict()
    assert daft.sql("SELECT id, amount FROM orders ORDER BY 1 DESC LIMIT 2").to_pydict()["id"] == [
        199,
        198,
    ]


def test_tables_resolve_from_keyword_bindings_first_then_locals():
    t = daft.from_pydict({"x": [1, 2]})  # noqa: F841  (found by daft.sql in this frame)
    other = daft.from_pydict({"x": [10]})
    assert daft.sql("SELECT x FROM t").to_pydict() == {"x": [1, 2]}
    assert daft.sql("SELECT x FROM t", t=other).to_pydict() == {"x": [10]}
    with pytest.raises(ValueError, match=r"no table named nope \(line 1, column 15\)"):
        daft.sql("SELECT x FROM nope")
    with pytest.raises(ValueError, match="no table named t"):
        daft.sql("SELECT x FROM t", register_globals=False)
    with pytest.raises(TypeError, match="must be a DataFrame"):
        daft.sql("SELECT 1 FROM t", t={"x": [1]})


def test_sql_calls_registry_and_plugin_functions_with_their_type_checks():
    people = daft.from_pydict({"name": ["Ada", "bob", None], "n": [-1, 2, 3]})  # noqa: F841
    out = daft.sql("SELECT upper(name) AS u, abs(n) AS a, round(n / 3, 2) AS r FROM people")
    assert out.to_pydict() == {"u": ["ADA", "BOB", None], "a": [1, 2, 3], "r": [-0.33, 0.67, 1.0]}
    with pytest.raises(daft.exceptions.DaftTypeError, match="upper"):
        daft.sql("SELECT upper(n) FROM people")
    with pytest.raises(ValueError, match="no function named"):
        daft.sql("SELECT nosuchfn(n) FROM people")


def test_sql_over_two_joined_dataframes_calling_a_plugin_function():
    loaded = daft.plugins().where(col("status") == "loaded").to_pydict()["name"]
    if "text" not in loaded:
        pytest.skip("the text plugin pack is not installed")
    a = daft.from_pydict({"id": [1, 2, 3], "word": ["kitten", "flaw", "gumbo"]})  # noqa: F841
    b = daft.from_pydict({"id": [1, 2, 4], "other": ["sitting", "lawn", "x"]})  # noqa: F841
    q = "SELECT a.id, levenshtein(a.word, b.other) AS d FROM a JOIN b ON a.id = b.id ORDER BY a.id"
    assert daft.sql(q).to_pydict() == {"id": [1, 2], "d": [3, 2]}
    q = "SELECT a.id, text.levenshtein(word, other) AS d FROM a JOIN b ON a.id = b.id ORDER BY 1"
    assert daft.sql(q).to_pydict() == {"id": [1, 2], "d": [3, 2]}


def test_bad_sql_points_at_the_offending_token_or_name():
    t = daft.from_pydict({"x": [1], "y": ["a"]})  # noqa: F841
    with pytest.raises(ValueError, match="SQL syntax error.*Line: 1, Column: 1"):
        daft.sql("SELEC x FROM t")
    with pytest.raises(ValueError, match="SELECT needs at least one column"):
        daft.sql("SELECT FROM t")
    with pytest.raises(ValueError, match=r"column zz \(line 1, column 8\) not found.*t\.x"):
        daft.sql("SELECT zz FROM t")
    with pytest.raises(ValueError, match="must appear in GROUP BY"):
        daft.sql("SELECT x, y FROM t GROUP BY x")
    with pytest.raises(ValueError, match="not allowed in WHERE"):
        daft.sql("SELECT x FROM t WHERE sum(x) > 1")
    with pytest.raises(ValueError, match="offset must be a positive number of rows, got -1"):
        daft.sql("SELECT lag(x, -1) OVER (ORDER BY x) AS p FROM t")
    with pytest.raises(ValueError, match="only queries"):
        daft.sql("DROP TABLE t")
    u = daft.from_pydict({"x": [1]})  # noqa: F841
    with pytest.raises(ValueError, match="ambiguous"):
        daft.sql("SELECT x FROM t JOIN u ON t.x = u.x")


def test_sql_expr_and_string_predicates():
    df = daft.from_pydict({"x": [1, 2, 3], "s": ["ab", "b", None]})
    assert df.select(daft.sql_expr("x * 2 + 1").alias("y")).to_pydict() == {"y": [3, 5, 7]}
    assert df.where("x >= 2 AND s IS NOT NULL").to_pydict() == {"x": [2], "s": ["b"]}
    assert df.where("s LIKE 'a%'").to_pydict()["x"] == [1]
    assert df.agg(daft.sql_expr("sum(x)")).to_pydict() == {"x": [6]}
    with pytest.raises(daft.exceptions.DaftFieldNotFoundError, match="nope"):
        df.where("nope > 1")
    with pytest.raises(ValueError, match="SQL syntax error"):
        daft.sql_expr("x >")
    # The same predicate as an expression and as SQL.
    assert df.where(col("x") > 1).to_pydict() == df.where("x > 1").to_pydict()


def test_ceil_and_floor_are_the_registry_functions_in_sql():
    # sqlparser parses them as nodes of their own, which were refused.
    df = daft.from_pydict({"x": [1.5, -1.5, None]})
    got = daft.sql("SELECT CEIL(x) AS c, floor(x) AS f FROM df", df=df).to_pydict()
    assert got == {"c": [2.0, -1.0, None], "f": [1.0, -2.0, None]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT count(*) FILTER (WHERE x < 0) FROM t", r"FILTER \(WHERE x < 0\) is not supported"),
        (
            "SELECT sum(x) FILTER (WHERE x > 1) AS s FROM t",
            r"FILTER \(WHERE x > 1\) is not supported",
        ),
        (
            "SELECT lag(x) IGNORE NULLS OVER (ORDER BY x) FROM t",
            "IGNORE NULLS is not supported",
        ),
    ],
)
def test_sql_refuses_function_clauses_it_would_otherwise_ignore(query: str, message: str) -> None:
    # Before: the clause was dropped and count(*) FILTER (WHERE x < 0) counted all 3 rows.
    t = daft.from_pydict({"x": [1, 2, 3]})
    with pytest.raises(ValueError, match=message):
        daft.sql(query, t=t).to_pydict()
