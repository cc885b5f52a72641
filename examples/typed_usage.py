"""A script that uses the API the way a typed code base would.

`tests/test_typing.py` checks it with `mypy --strict` and with pyright (basedpyright's
build of it, which runs without a download) in strict mode, and runs it, so that the
types the package declares (`py.typed`, `daft/daft.pyi`, the generated stubs of
`daft.functions` and `Expression`) agree with what it does.
"""

from __future__ import annotations

import os
import tempfile

import daft
import daft.functions as F
from daft import DataFrame, DataType, Expression, Schema, Series, Window, col, lit


@daft.func
def shout(text: str) -> str:
    return text.upper() + "!"


@daft.func(return_dtype=DataType.int64())
def twice(x: int) -> int:
    return 2 * x


@daft.func.batch(return_dtype=DataType.float64())
def halves(x: Series) -> Series:
    return Series.from_pylist([None if v is None else v / 2 for v in x.to_pylist()])


def people() -> DataFrame:
    return daft.from_pydict(
        {
            "name": ["ann", "bob", "cid", "dee"],
            "team": ["x", "y", "x", "y"],
            "age": [31, 25, 40, 25],
            "lat": [52.52, 48.86, 40.71, 35.68],
            "lon": [13.40, 2.35, -74.01, 139.69],
        }
    )


def queries(df: DataFrame) -> dict[str, list[object]]:
    adults: DataFrame = df.where(col("age") > 26).select(
        col("name").upper().alias("upper"),  # a registry function as a method
        F.lower(col("name")).alias("lower"),  # and as a function
        shout(col("name")).alias("shout"),
        twice(col("age")).alias("twice"),
        halves(col("age")).alias("half"),
        (col("age") + lit(1)).cast(DataType.float64()).alias("next"),
    )
    by_team = df.groupby("team").agg(col("age").mean().alias("mean"), col("name").count())
    ranked = df.select(
        "name",
        F.rank().over(Window().partition_by("team").order_by("age")).alias("rank"),
    )
    joined = df.join(by_team, on="team").sort("name", desc=True).limit(3)
    out: dict[str, list[object]] = {}
    for name, frame in (("adults", adults), ("ranked", ranked), ("joined", joined)):
        for column, values in frame.to_pydict().items():
            out[f"{name}.{column}"] = list(values)
    return out


def plugin_functions(df: DataFrame) -> list[object]:
    # A function of the first-party `geo` plugin pack, typed like a built-in.
    here = F.point(col("lat"), col("lon"))
    london = F.point(lit(51.5), lit(-0.13))
    distance: Expression = F.haversine(here, london)
    return df.select(distance.alias("km")).to_pydict()["km"]


def files(df: DataFrame) -> int:
    with tempfile.TemporaryDirectory() as root:
        written = df.write_parquet(os.path.join(root, "people"))
        assert written.count_rows() >= 1
        back = daft.read_parquet(os.path.join(root, "people", "*.parquet"))
        schema: Schema = back.schema()
        assert "age" in schema.column_names()
        return back.count_rows()


def sql(df: DataFrame) -> list[object]:
    result = daft.sql("SELECT team, max(age) AS oldest FROM df GROUP BY team ORDER BY team")
    return result.to_pydict()["oldest"]


def main() -> None:
    df = people()
    print(queries(df))
    print(plugin_functions(df))
    print(files(df))
    print(sql(df))
    table = df.to_arrow()
    print(table.num_rows, daft.plugins().count_rows())


if __name__ == "__main__":
    main()
