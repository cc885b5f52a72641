"""Reading and writing object stores: every reader and writer against a real
S3-compatible server on 127.0.0.1 (moto's server mode, checking signatures), and
Parquet over plain HTTP; pyarrow's readers of the same bytes are the oracle."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import time
import uuid

import daft
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from daft import col
from daft.exceptions import DaftTransientError, ReadTimeoutError, SocketError
from daft.io import HTTPConfig, IOConfig, S3Config
from servers import CountingProxy, RangeFileServer, StallingServer, ThrottlingServer


@pytest.fixture
def s3(s3_server):
    """A fresh bucket on the session's server, its client, and an IOConfig for it."""
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    client = s3_server.client()
    client.create_bucket(Bucket=bucket)
    cfg = _config(s3_server, s3_server.endpoint, num_tries=2, retry_initial_backoff_ms=50)
    return bucket, client, cfg


def _config(s3_server, endpoint: str, **settings) -> IOConfig:
    """The IOConfig of the session's server, reached at `endpoint` (the server's own or a
    proxy's), with the server's credentials."""
    return IOConfig(
        s3=S3Config(
            endpoint_url=endpoint,
            key_id=s3_server.key_id,
            access_key=s3_server.access_key,
            region_name="us-east-1",
            **settings,
        )
    )


def _keys(client, bucket: str, prefix: str = "") -> list[str]:
    out = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in out)


def _parquet_bytes(table: pa.Table, **kw) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, **kw)
    return buf.getvalue()


def _sorted(table: pa.Table, by: str) -> pa.Table:
    return table.sort_by(by)


def test_parquet_csv_and_json_objects_read_as_pyarrow_reads_their_bytes(s3, mixed_table):
    bucket, client, cfg = s3
    flat = mixed_table.drop(["l", "d"])
    client.put_object(Bucket=bucket, Key="t/x.parquet", Body=_parquet_bytes(mixed_table))
    csv = io.BytesIO()
    pacsv.write_csv(flat, csv)
    client.put_object(Bucket=bucket, Key="t/x.csv", Body=csv.getvalue())
    lines = "\n".join(
        json.dumps({"i": i, "s": f"v{i}" if i else None}) for i in flat.column("i").to_pylist()
    )
    client.put_object(Bucket=bucket, Key="t/x.json", Body=lines.encode())

    got = daft.read_parquet(f"s3://{bucket}/t/x.parquet", io_config=cfg).to_arrow()
    assert got.equals(mixed_table)
    got = daft.read_csv(f"s3://{bucket}/t/x.csv", io_config=cfg).to_arrow()
    expected = pacsv.read_csv(io.BytesIO(csv.getvalue()))
    assert got.to_pydict() == expected.to_pydict()
    got = daft.read_json(f"s3://{bucket}/t/x.json", io_config=cfg).to_pydict()
    assert got["i"] == flat.column("i").to_pylist()


def test_globs_prefixes_and_lists_of_many_objects(s3):
    bucket, client, cfg = s3
    for i in range(40):
        t = pa.table({"k": [i], "v": [i * 10]})
        client.put_object(Bucket=bucket, Key=f"many/p{i:02d}.parquet", Body=_parquet_bytes(t))
    client.put_object(
        Bucket=bucket,
        Key="many/sub/deep.parquet",
        Body=_parquet_bytes(pa.table({"k": [99], "v": [990]})),
    )
    # Hidden objects (in-progress writes, markers) are skipped by wildcards and prefixes.
    client.put_object(Bucket=bucket, Key="many/_SUCCESS", Body=b"")
    client.put_object(Bucket=bucket, Key="many/.p00.parquet.daft-tmp", Body=b"junk")

    def ks(path):
        return daft.read_parquet(path, io_config=cfg).sort("k").to_pydict()["k"]

    assert ks(f"s3://{bucket}/many/*.parquet") == list(range(40))
    assert ks(f"s3://{bucket}/many/p1?.parquet") == list(range(10, 20))
    assert ks(f"s3://{bucket}/many/**/*.parquet") == [*range(40), 99]
    assert ks(f"s3://{bucket}/many") == list(range(40))
    assert ks(f"s3://{bucket}/many/") == list(range(40))
    both = [f"s3://{bucket}/many/p03.parquet", f"s3://{bucket}/many/sub/deep.parquet"]
    assert ks(both) == [3, 99]
    listed = daft.from_glob_path(f"s3://{bucket}/many/p0*.parquet", io_config=cfg).to_pydict()
    assert listed["path"] == [f"s3://{bucket}/many/p{i:02d}.parquet" for i in range(10)]
    sizes = {
        k: client.head_object(Bucket=bucket, Key=k)["ContentLength"]
        for k in _keys(client, bucket, "many/p0")
    }
    assert listed["size"] == [sizes[f"many/p{i:02d}.parquet"] for i in range(10)]


def test_filters_and_projections_run_over_remote_files(s3):
    bucket, client, cfg = s3
    t = pa.table({"a": list(range(1000)), "b": [str(i % 7) for i in range(1000)]})
    client.put_object(Bucket=bucket, Key="f/x.parquet", Body=_parquet_bytes(t, row_group_size=100))
    df = daft.read_parquet(f"s3://{bucket}/f/x.parquet", io_config=cfg)
    got = df.where(col("a") >= 990).select("b").to_pydict()
    assert got["b"] == [str(i % 7) for i in range(990, 1000)]
    counts = df.groupby("b").count("a").sort("b").to_pydict()
    assert counts["a"] == [
        sum(1 for i in range(1000) if str(i % 7) == k)
        for k in sorted({str(i % 7) for i in range(1000)})
    ]


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_every_writer_writes_objects_that_read_back(s3, fmt, tmp_path):
    bucket, client, cfg = s3
    df = daft.from_pydict({"a": [1, 2, 3], "s": ["x", None, "z"]})
    out = getattr(df, f"write_{fmt}")(f"s3://{bucket}/out/{fmt}", io_config=cfg).to_pydict()
    assert len(out["path"]) == 1 and out["path"][0].startswith(f"s3://{bucket}/out/{fmt}/")
    assert out["path"][0].endswith(f".{fmt}")
    assert _keys(client, bucket) == [out["path"][0][len(f"s3://{bucket}/") :]]
    back = getattr(daft, f"read_{fmt}")(f"s3://{bucket}/out/{fmt}", io_config=cfg)
    # The same as a local write read back (CSV has no null string: it reads as "").
    getattr(df, f"write_{fmt}")(str(tmp_path / "out"))
    local = getattr(daft, f"read_{fmt}")(str(tmp_path / "out"))
    assert back.sort("a").to_pydict() == local.sort("a").to_pydict()
    body = client.get_object(Bucket=bucket, Key=_keys(client, bucket)[0])["Body"].read()
    (local_file,) = (tmp_path / "out").iterdir()
    if fmt != "parquet":  # Parquet files differ in their writer's timestamps
        assert body == local_file.read_bytes()


def test_overwrite_replaces_the_objects_and_append_adds(s3):
    bucket, client, cfg = s3
    root = f"s3://{bucket}/ds"
    client.put_object(Bucket=bucket, Key="ds/old/stale.parquet", Body=b"x")
    client.put_object(Bucket=bucket, Key="ds/_SUCCESS", Body=b"")
    daft.from_pydict({"a": [1]}).write_parquet(root, io_config=cfg)
    daft.from_pydict({"a": [2]}).write_parquet(root, io_config=cfg, write_mode="append")
    assert len(_keys(client, bucket, "ds/")) == 4
    out = daft.from_pydict({"a": [3]}).write_parquet(root, io_config=cfg, write_mode="overwrite")
    (new,) = out.to_pydict()["path"]
    # Daft's overwrite: only the new file and the markers Daft's listing ignores.
    assert _keys(client, bucket, "ds/") == sorted(["ds/_SUCCESS", new[len(f"s3://{bucket}/") :]])
    assert daft.read_parquet(root, io_config=cfg).to_pydict() == {"a": [3]}


def test_hive_partitioned_writes_and_reads(s3):
    bucket, client, cfg = s3
    df = daft.from_pydict({"k": ["x", "y", "x", None], "v": [1, 2, 3, 4]})
    root = f"s3://{bucket}/hive"
    out = df.write_parquet(root, partition_cols=["k"], io_config=cfg, write_success_file=True)
    paths = out.to_pydict()["path"]
    assert all(p.startswith(f"{root}/k=") for p in paths)
    assert "hive/_SUCCESS" in _keys(client, bucket)
    back = daft.read_parquet(f"{root}/**/*.parquet", hive_partitioning=True, io_config=cfg)
    got = back.sort("v").to_pydict()
    assert got == {"v": [1, 2, 3, 4], "k": ["x", "y", "x", None]}
    back = daft.read_parquet(root, hive_partitioning=True, io_config=cfg)
    assert back.sort("v").to_pydict() == got
    # Overwriting one partition keeps the others.
    daft.from_pydict({"k": ["y"], "v": [20]}).write_parquet(
        root, partition_cols=["k"], write_mode="overwrite-partitions", io_config=cfg
    )
    again = daft.read_parquet(root, hive_partitioning=True, io_config=cfg).sort("v").to_pydict()
    assert again == {"v": [1, 3, 4, 20], "k": ["x", "x", None, "y"]}


def test_a_two_column_query_of_a_ten_column_file_fetches_under_half_of_it(s3_server, s3):
    bucket, client, _ = s3
    n = 200_000
    t = pa.table({f"c{i}": pa.array(range(i, i + n), pa.int64()) for i in range(10)})
    body = _parquet_bytes(t, compression="none")
    client.put_object(Bucket=bucket, Key="wide.parquet", Body=body)
    proxy = CountingProxy(s3_server.port)
    try:
        cfg = _config(s3_server, proxy.endpoint)
        df = daft.read_parquet(f"s3://{bucket}/wide.parquet", io_config=cfg)
        planned = proxy.received
        got = df.select("c3", "c7").sum("c3", "c7").to_pydict()
        fetched = proxy.received
    finally:
        proxy.stop()
    assert got == {"c3": [sum(range(3, 3 + n))], "c7": [sum(range(7, 7 + n))]}
    # Planning reads the footer only; the query the two columns' chunks only.
    assert planned < len(body) / 10, (planned, len(body))
    assert fetched < len(body) / 2, (fetched, len(body))  # measured: 23 %
    assert fetched > 2 * n * 8 * 0.9, "the two columns' data must have been fetched"


def test_a_selective_filter_fetches_only_the_row_groups_it_needs(s3_server, s3):
    bucket, client, _ = s3
    n = 400_000
    t = pa.table({"a": pa.array(range(n), pa.int64()), "b": pa.array(range(n), pa.float64())})
    body = _parquet_bytes(t, compression="none", row_group_size=n // 20)
    client.put_object(Bucket=bucket, Key="sorted.parquet", Body=body)
    proxy = CountingProxy(s3_server.port)
    try:
        cfg = _config(s3_server, proxy.endpoint)
        df = daft.read_parquet(f"s3://{bucket}/sorted.parquet", io_config=cfg)
        proxy.reset()
        got = df.where(col("a") >= n - 100).select("b").to_pydict()
        fetched = proxy.received
    finally:
        proxy.stop()
    assert got["b"] == [float(i) for i in range(n - 100, n)]
    # One of 20 row groups is needed: the statistics rule out the others. (Measured: 12 %
    # of the file, the footer and page index reads included; all of it without pruning.)
    assert fetched < len(body) / 5, (fetched, len(body))


def test_credentials_come_from_the_environment_when_io_config_has_none(s3_server, s3, monkeypatch):
    bucket, client, _ = s3
    client.put_object(Bucket=bucket, Key="e.csv", Body=b"a\n1\n2\n")
    for var, value in {
        "AWS_ACCESS_KEY_ID": s3_server.key_id,
        "AWS_SECRET_ACCESS_KEY": s3_server.access_key,
        "AWS_ENDPOINT_URL": s3_server.endpoint,
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert daft.read_csv(f"s3://{bucket}/e.csv").to_pydict() == {"a": [1, 2]}
    # The environment is read again for each call: a wrong secret there is refused.
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    with pytest.raises(Exception, match="(?i)signature|denied|authenticat|403"):
        daft.read_csv(f"s3://{bucket}/e.csv").collect()


def test_credentials_from_the_aws_shared_files(s3_server, s3, tmp_path, monkeypatch):
    bucket, client, _ = s3
    client.put_object(Bucket=bucket, Key="f.csv", Body=b"a\n7\n")
    creds = tmp_path / "credentials"
    creds.write_text(
        f"[team]\naws_access_key_id = {s3_server.key_id}\n"
        f"aws_secret_access_key = {s3_server.access_key}\n"
    )
    conf = tmp_path / "config"
    conf.write_text(f"[profile team]\nregion = us-east-1\nendpoint_url = {s3_server.endpoint}\n")
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(conf))
    monkeypatch.setenv("AWS_PROFILE", "team")
    assert daft.read_csv(f"s3://{bucket}/f.csv").to_pydict() == {"a": [7]}


def test_wrong_credentials_are_an_error_naming_the_url_without_the_secret(s3_server, s3):
    bucket, client, cfg = s3
    client.put_object(Bucket=bucket, Key="x.csv", Body=b"a\n1\n")
    bad = IOConfig(s3=cfg.s3.replace(access_key="TOPSECRETVALUE", num_tries=1))
    with pytest.raises(Exception) as info:
        daft.read_csv(f"s3://{bucket}/x.csv", io_config=bad)
    text = str(info.value)
    assert f"s3://{bucket}/x.csv" in text
    assert "TOPSECRETVALUE" not in text
    assert "403" in text or "denied" in text.lower() or "signature" in text.lower()
    good = daft.read_csv(f"s3://{bucket}/x.csv", io_config=cfg)
    assert "TOPSECRETVALUE" not in good._builder.explain()
    assert cfg.s3.access_key not in good._builder.explain()


def test_missing_objects_and_buckets_are_errors_naming_them(s3):
    bucket, _, cfg = s3
    with pytest.raises(FileNotFoundError, match=f"s3://{bucket}/nope.parquet"):
        daft.read_parquet(f"s3://{bucket}/nope.parquet", io_config=cfg)
    with pytest.raises(FileNotFoundError, match=f"s3://{bucket}/none/\\*.csv"):
        daft.read_csv(f"s3://{bucket}/none/*.csv", io_config=cfg)
    with pytest.raises(Exception, match="s3://no-such-bucket-here"):
        daft.read_csv("s3://no-such-bucket-here/x.csv", io_config=cfg)


def test_no_credentials_anywhere_is_a_prompt_error_not_a_hang(s3_server, monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    cfg = IOConfig(s3=S3Config(endpoint_url=s3_server.endpoint))
    start = time.monotonic()
    with pytest.raises(Exception, match="no credentials.*anonymous=True"):
        daft.read_parquet("s3://somebucket/x.parquet", io_config=cfg)
    assert time.monotonic() - start < 30


def test_a_stalled_server_times_out_with_an_error():
    server = StallingServer()
    try:
        cfg = IOConfig(
            s3=S3Config(
                endpoint_url=server.endpoint,
                key_id="k",
                access_key="s",
                read_timeout_ms=500,
                connect_timeout_ms=500,
                num_tries=1,
            )
        )
        start = time.monotonic()
        # Daft's class for it, a transient error naming the URL.
        with pytest.raises(ReadTimeoutError, match="(?i)s3://bucket/x.parquet.*timed out"):
            daft.read_parquet("s3://bucket/x.parquet", io_config=cfg)
        assert time.monotonic() - start < 30
    finally:
        server.stop()


def test_a_throttling_store_is_an_error_after_the_configured_tries():
    server = ThrottlingServer()
    try:
        cfg = IOConfig(
            s3=S3Config(
                endpoint_url=server.endpoint,
                key_id="k",
                access_key="s",
                num_tries=3,
                retry_initial_backoff_ms=10,
            )
        )
        with pytest.raises(DaftTransientError) as info:
            daft.read_csv("s3://bucket/data/x.csv", io_config=cfg)
        # num_tries counts the first attempt, as in Daft.
        assert server.requests == 3
        with pytest.raises(Exception, match=r"after 2 retries.*throttled: SlowDown"):
            daft.read_csv("s3://bucket/data/*.csv", io_config=cfg)
    finally:
        server.stop()
    text = str(info.value)
    assert "s3://bucket/data/x.csv" in text, text
    assert "after 2 retries" in text and "throttled" in text, text


def test_a_refused_connection_is_a_socket_error_naming_the_url():
    cfg = IOConfig(
        s3=S3Config(
            endpoint_url="http://127.0.0.1:1",
            key_id="k",
            access_key="s",
            num_tries=2,
            retry_initial_backoff_ms=10,
        )
    )
    with pytest.raises(SocketError, match="s3://bucket/x.csv.*after 1 retries"):
        daft.read_csv("s3://bucket/x.csv", io_config=cfg)


def test_a_failing_write_leaves_no_object(s3):
    bucket, client, cfg = s3

    @daft.func(return_dtype=daft.DataType.int64())
    def boom(x: int) -> int:
        if x == 40_000:
            raise ValueError("boom at 40000")
        return x

    df = daft.from_pydict({"a": list(range(100_000))}).select(boom(col("a")).alias("a"))
    with pytest.raises(Exception, match="boom at 40000"):
        df.write_parquet(f"s3://{bucket}/broken", io_config=cfg)
    assert _keys(client, bucket) == []


def test_a_write_killed_mid_upload_leaves_no_object(s3_server, s3, tmp_path):
    bucket, client, _ = s3
    # Through a slow uplink, so that the writer is killed while its upload is under way.
    proxy = CountingProxy(s3_server.port, upload_delay=0.005)
    script = tmp_path / "writer.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import numpy as np, daft
            from daft.io import IOConfig, S3Config
            cfg = IOConfig(s3=S3Config(endpoint_url={proxy.endpoint!r},
                key_id={s3_server.key_id!r}, access_key={s3_server.access_key!r}))
            rng = np.random.default_rng(0)
            df = daft.from_pydict({{"x": rng.random(6_000_000)}})
            print("writing", flush=True)
            df.write_parquet("s3://{bucket}/big", io_config=cfg, compression="none")
            print("done", flush=True)
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        # Wait for the multipart upload to have started, then kill the writer.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ups = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
            if ups:
                break
            time.sleep(0.02)
        assert ups, "the write never started a multipart upload"
        proc.kill()
    finally:
        proc.kill()
        proc.wait()
        proxy.stop()
    assert _keys(client, bucket) == []


def test_parquet_over_http_reads_with_ranged_requests(tmp_path):
    t = pa.table({f"c{i}": pa.array(range(50_000), pa.int64()) for i in range(6)})
    pq.write_table(t, tmp_path / "d.parquet", compression="none")
    size = (tmp_path / "d.parquet").stat().st_size
    server = RangeFileServer(tmp_path)
    try:
        url = f"{server.url}/d.parquet"
        df = daft.read_parquet(url, io_config=IOConfig(http=HTTPConfig(num_tries=1)))
        assert df.to_arrow().equals(t)
        server.received = 0
        got = daft.read_parquet(url).select("c1").to_pydict()
        assert got["c1"] == list(range(50_000))
        assert server.received < size / 2
        with pytest.raises(ValueError, match="http.*cannot be listed"):
            daft.read_parquet(f"{server.url}/*.parquet")
        with pytest.raises(ValueError, match="read-only"):
            daft.from_pydict({"a": [1]}).write_parquet(f"{server.url}/out")
        with pytest.raises(FileNotFoundError, match="missing.parquet"):
            daft.read_parquet(f"{server.url}/missing.parquet")
        # A query string is refused rather than dropped (it could name another resource).
        with pytest.raises(ValueError, match=r"d\.parquet\?v=2: URLs with a query string"):
            daft.read_parquet(f"{url}?v=2")
    finally:
        server.stop()


def test_an_object_rewritten_after_planning_is_noticed(s3):
    bucket, client, cfg = s3
    client.put_object(Bucket=bucket, Key="r.parquet", Body=_parquet_bytes(pa.table({"a": [1]})))
    df = daft.read_parquet(f"s3://{bucket}/r.parquet", io_config=cfg)
    client.put_object(Bucket=bucket, Key="r.parquet", Body=_parquet_bytes(pa.table({"b": ["x"]})))
    with pytest.raises(Exception, match="changed after the query was planned"):
        df.collect()
