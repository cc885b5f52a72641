"""A tour of the engine on real data: the source files of Python's own standard library.

Run with `make demo` (which builds and installs the wheels first).
"""

from __future__ import annotations

import os
import sysconfig
import tempfile
import time

import daft
from daft import col, lit
from daft import functions as F


def stdlib_files() -> daft.DataFrame:
    root = sysconfig.get_paths()["stdlib"]
    rows = []
    for dirpath, _dirs, files in os.walk(root):
        if "site-packages" in dirpath:
            continue
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(dirpath, name)
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            rows.append(
                {
                    "path": os.path.relpath(path, root),
                    "bytes": len(text.encode()),
                    "lines": text.count("\n"),
                    "first_line": text.split("\n", 1)[0],
                }
            )
    return daft.from_pylist(rows)


def stdlib_images() -> daft.DataFrame:
    """The image files shipped with the standard library (IDLE's icons, the test suite's
    Python logo saved in several formats), as bytes."""
    root = sysconfig.get_paths()["stdlib"]
    rows = []
    for dirpath, _dirs, files in os.walk(root):
        if "site-packages" in dirpath:
            continue
        for name in files:
            if name.lower().endswith((".png", ".gif", ".jpg", ".bmp", ".tiff", ".webp")):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    rows.append({"path": os.path.relpath(path, root), "file": f.read()})
    return daft.from_pylist(rows)


# Real coordinates (latitude, longitude) of a few of the places Python's
# core developers have met for sprints and conferences.
CITIES = {
    "city": ["Amsterdam", "Pittsburgh", "Salt Lake City", "Prague", "Dublin", "Long Beach"],
    "lat": [52.3676, 40.4406, 40.7608, 50.0755, 53.3498, 33.7701],
    "lon": [4.9041, -79.9959, -111.8910, 14.4378, -6.2603, -118.1937],
}


def main() -> None:
    info = daft.daft.build_info()
    print(f"daft {daft.__version__} (arrow {info['arrow_version']}, {info['allocator']})")
    print(f"{len(F.__all__)} functions in daft.functions")
    for row in daft.plugins().to_pylist():
        n = len(row["functions"])
        print(f"  plugin {row['name']} {row['version']}: {row['status']}, {n} functions")
    print()

    files = stdlib_files()
    with tempfile.TemporaryDirectory() as tmp:
        # Round-trip through Parquet so the query below reads from a file.
        files.write_parquet(tmp)
        df = daft.read_parquet(tmp)
        print(f"Read {df.count_rows()} standard-library files back from Parquet:")
        print(df.schema())

        start = time.perf_counter()
        by_package = (
            df.with_column("package", col("path").regexp_extract(r"^([^/]+)/", 1))
            .where(col("package").not_null() & (col("lines") > 0))
            .groupby("package")
            .agg(
                col("path").count().alias("files"),
                col("lines").sum().alias("lines"),
                (col("bytes") / col("lines")).mean().alias("bytes_per_line"),
            )
            .with_column("bytes_per_line", col("bytes_per_line").round(1))
            .sort(["lines", "package"], desc=[True, False])
            .collect()
        )
        elapsed = (time.perf_counter() - start) * 1e3
        print(f"\nLargest packages by lines of code ({elapsed:.1f} ms):")
        by_package.show(8)

        print("\nModules whose first line is a docstring, with a shouted name:")
        (
            df.where(col("first_line").startswith('"""') & ~col("path").contains("/"))
            .select(
                col("path").regexp_replace(r"\.py$", "").upper().alias("module"),
                col("first_line").strip().substr(3, 40).alias("summary"),
                col("lines"),
            )
            .sort("lines", desc=True)
            .limit(5)
            .show()
        )

        print("\nModules with near-identical names (edit distance <= 2), and their slugs:")
        top_level = (
            df.select(col("path").regexp_replace(r"\.py$", "").alias("name"))
            .where(~col("name").contains("/"))
            .to_pydict()["name"]
        )
        pairs = [(a, b) for a in top_level for b in top_level if a < b]
        near = daft.from_pydict({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]})
        (
            near.with_column("distance", F.levenshtein(col("a"), col("b")))
            .where((col("distance") <= 2) & (col("a").length() > 4))
            .with_column("slug", F.slugify(col("a") + lit(" & ") + col("b")))
            .sort(["a", "b"])
            .show(6)
        )

        print("\nGreat-circle distances from Amsterdam (a plugin type, geo.point):")
        cities = daft.from_pydict(CITIES).select(
            col("city"), F.point(col("lat"), col("lon")).alias("location")
        )
        print(cities.schema())
        amsterdam = F.point(lit(CITIES["lat"][0]), lit(CITIES["lon"][0]))
        (
            cities.with_column(
                "km_from_amsterdam", F.haversine(col("location"), amsterdam).round(0)
            )
            .sort("km_from_amsterdam")
            .select("city", "km_from_amsterdam")
            .show()
        )

        print("\nImages in the standard library, decoded, measured and perceptually hashed:")
        pictures = (
            stdlib_images()
            .with_column("image", F.decode_image(col("file"), on_error="null"))
            .where(col("image").not_null())
            .select(
                col("path"),
                F.image_width(col("image")).alias("width"),
                F.image_height(col("image")).alias("height"),
                F.image_hash(F.resize(col("image"), 64, 64), method="dhash").alias("dhash"),
            )
        )
        pictures.sort("path").show(4)
        print("The same picture saved in several formats has the same hash:")
        (
            pictures.groupby("dhash")
            .agg(col("path").count().alias("files"))
            .where(col("files") > 1)
            .sort(["files", "dhash"], desc=[True, False])
            .show(3)
        )

        print("\nThe plan of a lazy query:")
        df.where(col("bytes") > 10_000).select(
            col("path"), F.if_else(col("lines") > 1000, lit("big"), lit("small")).alias("size")
        ).explain()


if __name__ == "__main__":
    main()
