"""Differential query fuzzing: random queries over random typed data with
nulls, run on daft and on DuckDB (the oracle), results compared.

Modules: datagen (tables), exprs and plan (the query tree and its three
renderings: daft DataFrame API, DuckDB SQL, daft.sql), querygen (random
queries), compare (the result comparer), engines (running both), shrink
(reducing a mismatch), repro (standalone reproduction scripts), runner (the
command line, `python -m tests.fuzz_queries`).

Semantic differences between the engine (which follows Daft) and DuckDB,
each checked on both engines, and what the fuzzer does about it:

* `/` is true division (Float64) in both. Integer `//` and `%` truncate
  toward zero in both. Float `//` is `floor(a / b)` in the engine: written so
  for DuckDB. Float `%` is C's fmod in the engine and for DuckDB's `%`
  operator, but not for DuckDB's `fmod()` function (`fmod(-2.5, 2.0)` is 1.5):
  the operator is used.
* Integer division by zero: an error in the engine, NULL in DuckDB. Integers
  are only divided by non-zero literals.
* Integer overflow raises in both, except that DuckDB sums BIGINT into
  HUGEINT and multiplies `product` in DOUBLE: integer `sum` and `product` are
  cast back to BIGINT in the SQL, so DuckDB raises where the engine does.
  Both raising counts as agreement.
* `round` rounds half to even in the engine (pyarrow's default, as in Daft),
  half away from zero in DuckDB: DuckDB's `round_even` is used, spelled
  `round_even(x * 10^d, 0) / 10^d` as the engine computes it (DuckDB's
  `round_even(x, d)` differs in the last bit for large x).
* Float comparisons and `between` follow Arrow's total order in the engine
  (as in Daft), except that -0.0 equals 0.0: a NaN with its sign bit set
  (`inf - inf`, `0 / 0`, `-nan` on x86) is below -inf and unequal to NaN.
  DuckDB has every NaN equal and above +inf: the SQL compares
  `daft_fkey(x)`, a DuckDB macro with the engine's order (`DUCKDB_MACROS`).
* `is_in` on floats compares bit patterns in the engine (as in Daft): -0.0
  is not in `[0.0]`. DuckDB's `IN` uses `=`: the SQL compares
  `daft_fbits(x)`. (The engine's `==` has -0.0 equal to 0.0.)
* The engine evaluates every argument of `coalesce`, `fill_null` and
  `if_else` (raising on an overflow in any), DuckDB only the ones it needs;
  and the engine folds literal-only arithmetic when planning, where DuckDB
  evaluates it per row (none on an empty input). Deliberate overflows are
  placed only where both must evaluate them: over a column, outside those
  functions.
* A `mean` of integers is a Float64 sum in the engine (as in Daft), exact in
  DuckDB: past 2**53 it is compared as inexact; a float `product` of more
  than 30 rows (which may reach inf) is not generated.
* `sign` of a float is a float in the engine with `sign(NaN) = NaN`; DuckDB
  returns an integer with `sign(NaN) = 0`: `sign` is generated for integers
  only.
* `if_else` with a null condition gives null in the engine (as in Daft);
  SQL's CASE takes the ELSE branch: the CASE gets a `WHEN NOT cond` branch.
* `mean` is `avg`; `count(x)` skips nulls in both, `count(mode="all")` is
  `count(*)`, `count(mode="null")` is `count(*) - count(x)`; `stddev`/`var`
  with ddof 1/0 are `*_samp`/`*_pop`; `list_agg_distinct` is
  `list_distinct(list(x))`. Population skewness (Daft's `skew`) has no DuckDB
  equivalent (`skewness` is the sample one): not generated.
* An aggregated list of no rows (a global `agg_list` over an empty input) is
  `[]` in the engine, NULL in DuckDB: the SQL coalesces it with `[]`.
* Counts and ranks are UInt64 in the engine (as in Daft), BIGINT in DuckDB.
  Values are compared, not types; UInt64 with Int64 arithmetic gives Float64
  in the engine (compared by value too), and a UInt64 is never negated (an
  error in the engine).
* Sort nulls: last ascending and first descending by default in the engine,
  always last in DuckDB: the SQL states NULLS FIRST/LAST.
* Floats in an order (sort keys, window order keys): every NaN last
  ascending, -0.0 a peer of 0.0, in both (the engine sorts by the canonical
  key, as Daft does).
* Floats as keys (grouping, distinct, count_distinct, joins, set operations,
  partitions): every NaN one value, -0.0 equal to 0.0 in both. The value a
  group keeps may be -0.0 or 0.0: the comparer treats them as equal.
* An aggregation over a window with an order and no frame covers the whole
  partition in the engine (Daft), a running frame in SQL: the SQL states
  `ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING`.
* Strings: `length` counts characters in both; `upper`/`lower` of the pool's
  non-ASCII strings (including "straße") agree; `reverse` works on grapheme
  clusters in DuckDB, so the pool has no combining marks. String `||`
  propagates nulls in DuckDB like the engine's `concat`.
* After a join the engine merges the key `k` (the left's for inner, left,
  semi and anti joins, the right's for right joins, coalesce for outer): the
  SQL selects that expression; the daft program `select`s the columns in the
  SQL's order.
* daft.sql: `lag`/`lead` defaults must be plain literals, so numbers are
  written plainly there (`CAST(... AS DOUBLE)` for DuckDB, whose `1.5` is a
  DECIMAL).
"""
