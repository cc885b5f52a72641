"""Stateful plugin functions (plugin ABI 1.1): the text pack's ``in_wordlist`` used like any
function, checked against Python's set membership, and the life of a state — built once per
call site and query before the first batch, shared by every batch and partition, released when
the query ends — observed through the test fixture's counters in a fresh interpreter."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap

import daft
import pytest
from daft import col
from daft.exceptions import DaftCoreException
from fixture_libs import lib

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="fixtures are built as .so")


def needs_text() -> None:
    if not hasattr(daft.functions, "in_wordlist"):
        if os.environ.get("CI"):
            raise AssertionError("the text plugin is not installed (make install)")
        pytest.skip("the text plugin is not installed")


@pytest.fixture(scope="module")
def words(tmp_path_factory) -> tuple[str, list[str]]:
    rng = random.Random(5)
    vocabulary = sorted({f"w{rng.randrange(3000)}" for _ in range(800)})
    path = tmp_path_factory.mktemp("words") / "words.txt"
    # Blank lines and surrounding spaces are ignored; case is kept.
    path.write_text("\n".join(f"  {w} " for w in vocabulary) + "\n\nMixed\n")
    return str(path), vocabulary + ["Mixed"]


def test_in_wordlist_equals_python_set_membership_across_partitions(words):
    needs_text()
    path, vocabulary = words
    rng = random.Random(9)
    values = [None if rng.random() < 0.1 else f"w{rng.randrange(4000)}" for _ in range(20_000)]
    values += ["Mixed", "mixed"]
    df = daft.from_pydict({"s": values}).repartition(6)
    out = df.select(
        col("s"), daft.functions.in_wordlist(col("s"), path=path).alias("hit")
    ).to_pydict()
    vocab = set(vocabulary)
    assert sorted(out["s"], key=str) == sorted(values, key=str)
    assert out["hit"] == [None if v is None else v in vocab for v in out["s"]]


def test_in_wordlist_ignoring_case(words):
    needs_text()
    path, _ = words
    values = ["MIXED", "W1", "nope", None, *words[1][:3]]
    df = daft.from_pydict({"s": values})
    out = df.select(
        daft.functions.in_wordlist(col("s"), path=path, case_sensitive=False)
    ).to_pydict()["s"]
    vocab = {w.lower() for w in words[1]}
    assert out == [v.lower() in vocab if v is not None else None for v in values]


def test_a_missing_word_list_fails_the_query_naming_function_and_file(tmp_path):
    needs_text()
    missing = tmp_path / "nope.txt"
    df = daft.from_pydict({"s": ["a"]}).select(
        daft.functions.in_wordlist(col("s"), path=str(missing))
    )
    with pytest.raises(DaftCoreException) as info:
        df.collect()
    text = str(info.value)
    assert "in_wordlist" in text and str(missing) in text and "cannot read the word list" in text
    # The session is unharmed.
    assert daft.from_pydict({"x": [1]}).to_pydict() == {"x": [1]}


def test_a_required_option_is_checked_when_the_expression_is_built():
    needs_text()
    with pytest.raises(Exception, match="path"):
        daft.functions.in_wordlist(col("s"))


LIFECYCLE = """
import json, daft
from daft import col
import daft.functions as F

daft.load_plugin({fixture!r})

def counts():
    df = daft.from_pydict({{"x": [0]}})
    row = df.select(
        F.fixture_state_counts(col("x"), what="built").alias("built"),
        F.fixture_state_counts(col("x"), what="live").alias("live"),
    ).to_pydict()
    return row["built"][0], row["live"][0]

df = daft.from_pydict({{"s": ["a", "b", None, "c"] * 5000}}).repartition(8)
query = df.select(F.fixture_in_words(col("s"), words="a,c").alias("hit"))
start = counts()
query.explain()
after_explain = counts()
hits = query.to_pydict()["hit"]
after_one = counts()
df.select(F.fixture_in_words(col("s"), words="a,c").alias("hit")).to_pydict()
after_two = counts()
two_sites = df.select(
    col("s"),
    F.fixture_in_words(col("s"), words="a").alias("p"),
    F.fixture_in_words(col("s"), words="b").alias("q"),
).to_pydict()
def agrees(column, word):
    return all(
        (s is None and v is None) or v == (s == word)
        for s, v in zip(two_sites["s"], two_sites[column])
    )
after_sites = counts()
errors = []
for words in ["", "panic"]:
    try:
        df.select(F.fixture_in_words(col("s"), words=words)).collect()
    except Exception as e:
        errors.append([type(e).__name__, str(e)])
after_errors = counts()
print(json.dumps(dict(after_errors=after_errors, 
    start=start, after_explain=after_explain, after_one=after_one, after_two=after_two,
    after_sites=after_sites, hits=[hits.count(True), hits.count(False), hits.count(None)],
    p=agrees("p", "a"), q=agrees("q", "b"), errors=errors,
)))
"""


@linux_only
def test_a_state_is_built_once_per_call_site_and_query_and_released_after_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAFT_")}
    env.update(DAFT_PLUGINS_DISABLE="1", RUST_BACKTRACE="0")
    code = textwrap.dedent(LIFECYCLE.format(fixture=lib("daft_plugin_test_fixture")))
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    built, live = seen["start"]
    assert seen["after_explain"] == [built, live], "explain builds no state"
    # One state for the query's one call site, whatever the 8 partitions; none left after.
    assert seen["after_one"] == [built + 1, live]
    assert seen["after_two"] == [built + 2, live], "the same query built again is a second query"
    assert seen["after_sites"] == [built + 4, live], "one state per call site"
    assert seen["hits"] == [10_000, 5_000, 5_000]
    assert seen["p"] and seen["q"], "each call site uses its own words"
    (err_cls, err), (panic_cls, panic) = seen["errors"]
    assert "fixture_in_words" in err and "no words given" in err, err
    assert err_cls == "DaftCoreException", err_cls
    assert "initializer panicked: initializer exploded" in panic and "fixture" in panic, panic
    assert panic_cls == "DaftPluginError", panic_cls
    assert seen["after_errors"] == [built + 4, live], "a failed initializer leaves no state"


@linux_only
def test_plugins_report_the_allocator_they_use():
    rows = {r["name"]: r for r in daft.plugins().to_pylist() if r["status"] == "loaded"}
    for name in ["hello", "text", "geo"]:
        if name in rows:
            assert rows[name]["allocator"] == "host", rows[name]
