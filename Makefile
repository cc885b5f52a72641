# Developer entry points. `make demo` and `make test` work on a fresh machine
# with only Rust, Python 3 and pip: everything else is installed into .venv.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
PIP := $(VPY) -m pip
DIST := target/wheels
# First-party plugin packs, each a standalone crate + pyproject built like a third party's.
PLUGINS := hello text geo image
# One target/ for the whole workspace, shared by cargo and maturin builds.
export CARGO_TARGET_DIR := $(CURDIR)/target

.PHONY: demo test venv wheels install functions-reference docs docs-serve test-rust test-python lint fmt clean-wheels bench bench-analytics bench-isolation bench-kernels bench-udfs bench-import bench-progress bench-remote

$(VPY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Installed again whenever requirements-dev.txt changes, so an existing .venv follows it.
REQS := $(VENV)/.requirements-installed
$(REQS): requirements-dev.txt | $(VPY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

venv: $(REQS)

clean-wheels:
	rm -rf $(DIST)

# Builds the core wheel and the plugin wheels (release profile) exactly as users get them.
wheels: $(REQS) clean-wheels
	$(VENV)/bin/maturin build --release --quiet --out $(DIST)
	for p in $(PLUGINS); do \
		$(VENV)/bin/maturin build --release --quiet -m plugins/$$p/Cargo.toml --out $(DIST) || exit 1; \
	done

# Installs the built wheels into .venv the way users install them.
install: wheels
	$(PIP) install --quiet --force-reinstall --no-deps $(DIST)/*.whl

demo: install
	$(VPY) examples/demo.py

# Rewrites docs/functions.md from the function registry (built-ins and the first-party
# plugin packs); tests/test_function_reference.py fails when it is out of date.
functions-reference: install
	$(VPY) -m daft._reference > docs/functions.md

# The workspace build leaves the plugin libraries the loader's tests load
# (and the Python tests' misbehaving fixtures, tests/fixtures/broken-plugins) in
# target/release. Rust tests run on the release profile, the one the wheels use, so
# DataFusion and arrow are compiled once per run, not once per profile.
export DAFT_TEST_PLUGIN_DIR := $(CARGO_TARGET_DIR)/release

# The plugin SDK with the first-party plugin packs (plugins/, arrow 60) and the plugin ABI 1.0
# fixtures (the frozen 1.0 SDK, a plugin built with it, its loader) are workspaces of their
# own, built into the same target/; the 1.0 fixtures reuse the packs' compiled arrow.
PACKS := --manifest-path plugins/Cargo.toml
ABI10 := --manifest-path tests/fixtures/abi-1.0/Cargo.toml

# In CI the host's workspace build also writes cargo's timing report
# (target/cargo-timings/), which shows where a cold build's minutes go.
test-rust:
	cargo build --workspace --release $(if $(CI),--timings)
	cargo build --workspace --release $(PACKS)
	cargo build --release $(ABI10)
	cargo test --workspace --release
	cargo test --workspace --release $(PACKS)

# The Python tests run in PYTEST_WORKERS processes (pytest-xdist; `auto`: one per core),
# each file's tests in one process, in order: fixtures scoped to a module stay shared.
PYTEST_WORKERS ?= auto

# The Ray runner's tests (tests/ray) run in a pytest process of their own: they start Ray
# and load plugins into the test process, which the other tests must not inherit.
test-python: install
	cargo build --release $(ABI10)
	$(VPY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile tests --ignore tests/ray
	RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 $(VPY) -m pytest -q tests/ray

test: test-rust test-python docs

# The documentation site (MkDocs with the Material theme; the API reference by mkdocstrings
# from the package's docstrings), built into target/site. --strict: a broken link, anchor
# or reference fails the build, so `make test` (and CI) checks the docs too.
docs: $(REQS)
	NO_MKDOCS_2_WARNING=1 $(VPY) -m mkdocs build --strict --quiet

# The same site served at http://127.0.0.1:8000, rebuilt on every change.
docs-serve: $(REQS)
	NO_MKDOCS_2_WARNING=1 $(VPY) -m mkdocs serve --dev-addr 127.0.0.1:8000

# Boundary checks beyond `make test` (docs/reliability.md). `leak-check` runs the plugin
# loader's loop of plugin calls (host/daft-plugin-loader/tests/memory.rs) under valgrind and
# fails on a definitely lost block or any memory error; it needs valgrind, which `make test`
# does not. `fuzz` runs the round-trip property test (tests/roundtrip.rs) with FUZZ_CASES
# random arrays (about a minute) instead of the 1,024 of `make test`.
.PHONY: leak-check fuzz
LEAK_CHECK_CALLS ?= 400
FUZZ_CASES ?= 50000

leak-check:
	@command -v valgrind >/dev/null || { echo "make leak-check needs valgrind (apt-get install valgrind)"; exit 1; }
	cargo build --workspace --release
	cargo build --workspace --release $(PACKS)
	bin=$$(cargo test --release -p daft-plugin-loader --test memory --no-run --message-format=json \
		| $(PYTHON) -c 'import json, sys; print(*[m["executable"] for m in map(json.loads, sys.stdin) if m.get("executable")])') && \
	RUST_BACKTRACE=0 DAFT_LEAK_CHECK_CALLS=$(LEAK_CHECK_CALLS) valgrind --leak-check=full \
		--errors-for-leak-kinds=definite --error-exitcode=1 \
		--suppressions=host/daft-plugin-loader/tests/valgrind.supp $$bin --ignored --exact leak_check_loop_under_valgrind --test-threads=1

fuzz:
	cargo build --workspace --release
	cargo build --workspace --release $(PACKS)
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release -p daft-plugin-loader --test roundtrip -- \
		--exact random_arrays_of_random_types_round_trip_unchanged --nocapture

lint: $(REQS)
	cargo fmt --check
	cargo fmt --all --check $(PACKS)
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --workspace --all-targets $(PACKS) -- -D warnings
	$(VENV)/bin/ruff check python tests examples benchmarks
	$(VENV)/bin/ruff format --check python tests examples benchmarks

fmt: $(REQS)
	cargo fmt
	cargo fmt --all $(PACKS)
	$(VENV)/bin/ruff format python tests examples benchmarks

# Benchmarks (never part of `make test`; its smoke mode is, in tests/test_benchmarks_smoke.py).
# Builds the benchmark plugin, the daft-ext twin and ten generated plugins, creates one
# virtual environment per peer under target/bench from PyPI, and writes docs/benchmarks.md.
bench: install
	$(VPY) benchmarks/run.py --command "make bench"

# The analytics section alone (eight query shapes on generated Parquet files against
# DataFusion, DuckDB, Polars and the real Daft); writes docs/benchmarks-analytics.md.
bench-analytics: install
	$(VPY) benchmarks/run.py --only analytics --command "make bench-analytics"

# Only question 9, hot function kernels (date parts, list_sum, string similarity, hash)
# against Daft, Polars and DuckDB; replaces section 9 of docs/benchmarks.md.
bench-kernels: install
	$(VPY) benchmarks/run.py --only kernels --command "make bench-kernels"

# Question 10 alone (Python UDFs against Daft, Polars, pandas and direct pyarrow calls):
# replaces its section of docs/benchmarks.md.
bench-udfs: install
	$(VPY) benchmarks/run.py --only udfs --command "make bench-udfs"

# Question 12 alone: the analytics queries over objects in a local S3 server (moto) against
# Polars' and pyarrow's S3 readers; replaces its section of docs/benchmarks.md.
bench-remote: install
	$(VPY) benchmarks/run.py --only remote --command "make bench-remote"

# Question 4 alone (the wall time of `import daft` with 0 and the 3 first-party plugins,
# against Daft's and Polars' import): replaces its section of docs/benchmarks.md.
bench-import: install
	$(VPY) benchmarks/run.py --only import --command "make bench-import"

# Question 11 alone (what the progress display costs a query): replaces its section of
# docs/benchmarks.md.
bench-progress: install
	$(VPY) benchmarks/run.py --only progress --command "make bench-progress"

# Only question 8, the cost of `isolation="process"` per call and per MiB (the benchmark
# plugin in process against the same plugin isolated); writes docs/benchmarks-isolation.md.
bench-isolation: install
	$(VPY) benchmarks/run.py --only isolation --command "make bench-isolation"

# Differential query fuzzing against DuckDB (tests/fuzz_queries): FUZZ_QUERY_CASES random
# queries over random data from seed FUZZ_QUERY_SEED, on the installed engine (`make install`
# first); each mismatch is shrunk and written to target/fuzz-queries/seed-N.py, a standalone script.
.PHONY: fuzz-queries
FUZZ_QUERY_CASES ?= 100000
FUZZ_QUERY_SEED ?= 0

fuzz-queries:
	$(VPY) -m tests.fuzz_queries --seed-start $(FUZZ_QUERY_SEED) --cases $(FUZZ_QUERY_CASES) \
		--out target/fuzz-queries
