"""Daft 0.7.26's public names, held as data (tests/fixtures/daft-0.7.26/public_names.json,
written by make_public_names.py beside it): every one is implemented here, out of scope
for a stated reason, or pending in the open issue that builds it.

The test fails on a name in none of the three, on a pending name that is implemented
already (move it out of PENDING), and on an out-of-scope or pending name Daft does not
have (a typo would hide a real gap).
"""

from __future__ import annotations

import json
import pathlib

import daft
import daft.functions
import pytest

NAMES = json.loads(
    (pathlib.Path(__file__).parent / "fixtures" / "daft-0.7.26" / "public_names.json").read_text()
)


def _names(text: str) -> set[str]:
    return set(text.split())


# Out of scope for this engine, each group with why. Keep this short.
OUT_OF_SCOPE: dict[str, tuple[str, dict[str, set[str]]]] = {
    "catalogs and sessions": (
        "Daft's catalog, table and session registry (Iceberg/Unity/Glue catalogs, named "
        "tables, session-scoped functions) is a product of its own; this engine reads "
        "and writes files and takes tables as DataFrames or daft.sql(**tables).",
        {
            "daft": _names(
                """Catalog Identifier Session Table attach attach_catalog attach_function
                attach_table attach_view catalog create_namespace
                create_namespace_if_not_exists create_table create_table_if_not_exists
                create_temp_table create_temp_view current_catalog current_namespace
                current_session detach_catalog detach_function detach_table drop_namespace
                drop_table get_aggregate_function get_catalog get_function get_table
                has_catalog has_namespace has_table list_catalogs list_tables read_table
                session set_catalog set_namespace set_session write_table"""
            ),
        },
    ),
    "AI providers": (
        "Model providers (OpenAI, transformers, ...) and the functions that call them are "
        "an integration layer over UDFs, not engine surface.",
        {
            "daft": _names(
                """ai attach_provider current_model current_provider detach_provider
                get_provider has_provider set_model set_provider"""
            ),
            "Expression": _names("tokenize_encode tokenize_decode"),
            "functions": _names(
                """classify_image classify_text embed_image embed_text llm_generate prompt
                tokenize_decode tokenize_encode"""
            ),
        },
    ),
    "external systems": (
        "Readers and writers of other systems (lakehouse formats, databases, message "
        "queues, vector stores, ML framework loaders); this engine covers files (Parquet, "
        "CSV, JSON) and Arrow, pandas, Polars and DuckDB through Arrow.",
        {
            "daft": _names(
                """read_deltalake read_hudi read_iceberg read_kafka read_mcap read_paimon
                read_sql read_huggingface read_warc read_webdataset from_dask_dataframe"""
            ),
            "DataFrame": _names(
                """to_dask_dataframe to_torch_dataloader to_torch_iter_dataset
                to_torch_map_dataset write_bigtable write_clickhouse write_deltalake
                write_huggingface write_iceberg write_lance write_paimon write_sink
                write_sql write_turbopuffer"""
            ),
        },
    ),
    "video and audio": (
        "Decoding video and audio needs codec libraries this engine does not ship.",
        {
            "daft": _names("AudioFile VideoFile read_video_frames"),
            "Expression": _names("video_frames video_keyframes video_metadata"),
            "functions": _names(
                """audio_file audio_metadata resample video_file video_frames
                video_keyframes video_metadata"""
            ),
        },
    ),
    "files as values": (
        "daft.File values (lazy references to files read through Daft's own I/O layer) "
        "and the functions on them; from_glob_path lists files here.",
        {
            "daft": _names("File ImageFile Hdf5File MediaType file from_files open_file"),
            "DataType": _names("file is_file"),
            "Expression": _names(
                """as_file file_exists file_path file_size hdf5_attrs hdf5_keys
                hdf5_metadata decode_image_file image_file_metadata"""
            ),
            "functions": _names(
                """decode_image_file file file_exists file_path file_size guess_mime_type
                hdf5_attrs hdf5_file hdf5_keys hdf5_metadata image_file image_file_metadata"""
            ),
        },
    ),
    "Daft's own extension ABI": (
        "Daft's native extensions (daft-ext) have their own loader; this engine's plugins "
        "load with daft.load_plugin and are listed by daft.plugins().",
        {"daft": _names("load_extension get_loaded_extension_paths")},
    ),
    "observability and checkpoints": (
        "Daft's query-event subscribers, visualisation hooks and checkpointed writes; "
        "this engine logs through Python logging and writes files atomically.",
        {
            "daft": _names(
                """attach_subscriber detach_subscriber with_subscriber event_log_ctx
                set_event_log_config metrics viz register_viz_hook checkpoint
                CheckpointConfig CheckpointStore IdempotentCommit KeyFilteringSettings"""
            ),
            "DataFrame": _names("metrics skip_existing"),
        },
    ),
    "Daft's internal modules": (
        "Module names Daft's package exposes from its own layout (telemetry, lazy "
        "imports, utilities, sample datasets), not API.",
        {
            "daft": _names(
                """api_annotations convert datasets dependencies event_loop execution
                filesystem lazy_import logical runners scarf_telemetry
                track_import_on_scarf utils"""
            ),
            "Expression": _names("to_arrow_expr"),
        },
    ),
    "Daft's internal UDF plumbing": (
        "Expression.udf is the static constructor Daft's legacy @daft.udf builds its "
        "expressions with (an uninitialized UDF object, bound arguments, init args); users "
        "write @daft.udf, @daft.func or Expression.apply, which are all here.",
        {"Expression": _names("udf")},
    ),
}

# Not implemented yet; each open issue that builds them. A name implemented since must
# leave this table (the test below says so).
PENDING: dict[str, dict[str, set[str]]] = {
    "issue 15 (Ray runner)": {
        "daft": _names("from_ray_dataset get_or_create_runner get_or_infer_runner_type"),
        "DataFrame": _names("to_ray_dataset into_batches shuffle"),
    },
    "issue 18 (remote data)": {
        "daft": _names("read_blob read_text"),
        "DataFrame": _names("skipped_corrupt_files"),
        "Expression": _names("download upload"),
        "functions": _names("download upload"),
    },
    "relational follow-up (not filed yet)": {
        "DataFrame": _names("join_asof"),
    },
}


def _target(kind: str) -> object:
    if kind == "daft":
        return daft
    if kind == "functions":
        return daft.functions
    if kind == "Series":
        # Series methods are the engine's functions, resolved on an instance.
        return daft.Series.from_pylist([1])
    return getattr(daft, kind)


def _listed(table: dict, kind: str) -> set[str]:
    out: set[str] = set()
    for groups in table.values():
        groups = groups[1] if isinstance(groups, tuple) else groups
        out |= groups.get(kind, set())
    return out


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_every_daft_name_is_implemented_out_of_scope_or_pending(kind):
    target = _target(kind)
    missing = {n for n in NAMES[kind] if not hasattr(target, n)}
    unexplained = missing - _listed(OUT_OF_SCOPE, kind) - _listed(PENDING, kind)
    assert not unexplained, f"daft {kind}: neither implemented nor listed: {sorted(unexplained)}"


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_pending_names_are_not_implemented_yet(kind):
    target = _target(kind)
    done = {n for n in _listed(PENDING, kind) if hasattr(target, n)}
    assert not done, f"daft {kind}: implemented now, remove from PENDING: {sorted(done)}"


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_listed_names_are_daft_names(kind):
    listed = _listed(OUT_OF_SCOPE, kind) | _listed(PENDING, kind)
    assert listed <= set(NAMES[kind]), sorted(listed - set(NAMES[kind]))


def test_every_out_of_scope_group_says_why():
    for group, (why, names) in OUT_OF_SCOPE.items():
        assert len(why) > 40, group
        assert names, group


def test_the_types_surface_is_complete():
    # The part of the surface this issue owns has nothing pending.
    for kind in ("DataType", "Schema"):
        assert not _listed(PENDING, kind)
