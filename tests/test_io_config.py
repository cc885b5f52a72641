"""Daft 0.7.26's storage settings (`daft.io.IOConfig` and the per-store configs) and the
readers' and writers' handling of URLs while object stores are not implemented.

The defaults below were read off real Daft 0.7.26 (`S3Config().num_tries` and so on, in
a scratch venv); the readers' refusal of remote URLs is this engine's own behaviour
(Daft reads them), checked so that a remote path never ends as "no such file"."""

from __future__ import annotations

import pickle

import daft
import pytest
from daft.io import AzureConfig, GCSConfig, HTTPConfig, IOConfig, S3Config

SECRETS = {
    "s3": S3Config(key_id="AKIDPUBLIC", access_key="s3-secret-key", session_token="s3-token"),
    "gcs": GCSConfig(credentials="gcs-secret-json", token="gcs-token"),
    "azure": AzureConfig(
        storage_account="acct",
        access_key="az-secret-key",
        sas_token="az-sas",
        bearer_token="az-bearer",
        client_secret="az-client-secret",
    ),
    "http": HTTPConfig(bearer_token="http-bearer"),
}
SECRET_VALUES = [
    "s3-secret-key",
    "s3-token",
    "gcs-secret-json",
    "gcs-token",
    "az-secret-key",
    "az-sas",
    "az-bearer",
    "az-client-secret",
    "http-bearer",
]


def test_defaults_are_daft_0_7_26s():
    s3 = S3Config()
    assert (s3.num_tries, s3.connect_timeout_ms, s3.read_timeout_ms) == (25, 30_000, 30_000)
    assert (s3.max_connections, s3.retry_initial_backoff_ms, s3.retry_mode) == (8, 1000, "adaptive")
    assert (s3.anonymous, s3.use_ssl, s3.verify_ssl, s3.force_virtual_addressing) == (
        False,
        True,
        True,
        False,
    )
    assert s3.region_name is None and s3.key_id is None and s3.custom_retry_msgs == []
    gcs = GCSConfig()
    assert (gcs.num_tries, gcs.max_connections, gcs.anonymous) == (5, 8, False)
    az = AzureConfig()
    assert (az.use_ssl, az.max_connections, az.use_fabric_endpoint) == (True, 8, False)
    io = IOConfig()
    assert io.s3 == S3Config() and io.gcs == GCSConfig() and io.azure == AzureConfig()
    assert io.http == HTTPConfig()
    assert daft.IOConfig is IOConfig


def test_secrets_never_appear_in_repr_or_str():
    io = IOConfig(**SECRETS)
    for text in (repr(io), str(io), *(repr(c) for c in SECRETS.values())):
        for secret in SECRET_VALUES:
            assert secret not in text, text
    # What is not secret is shown, and the secrets' presence is.
    assert "AKIDPUBLIC" in repr(io) and "acct" in repr(io)
    assert "access_key=** redacted **" in repr(SECRETS["s3"])
    # Only the settings given are shown.
    assert repr(S3Config(region_name="eu-west-1")) == "S3Config(region_name='eu-west-1')"
    assert repr(IOConfig()) == "IOConfig()"


def test_configs_are_values_replace_compare_hash_and_pickle():
    s3 = S3Config(region_name="us-east-1", num_tries=3)
    other = s3.replace(num_tries=4)
    assert other.num_tries == 4 and other.region_name == "us-east-1" and s3.num_tries == 3
    assert s3 == S3Config(region_name="us-east-1", num_tries=3) != other
    assert hash(s3) == hash(S3Config(region_name="us-east-1", num_tries=3))
    io = IOConfig(**SECRETS)
    back = pickle.loads(pickle.dumps(io))
    assert back == io and back.s3.access_key == "s3-secret-key"
    assert io.replace(s3=s3).s3 == s3 and io.replace(s3=s3).http == io.http
    with pytest.raises(AttributeError, match=r"immutable; use \.replace\(num_tries=\.\.\.\)"):
        s3.num_tries = 5


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: S3Config(num_tries="3"), r"S3Config\(num_tries=\.\.\.\): expected int, got str"),
        (lambda: S3Config(anonymous=1), r"S3Config\(anonymous=\.\.\.\): expected bool, got int"),
        (lambda: S3Config(num_tries=True), r"expected int, got bool"),
        (lambda: GCSConfig(project_id=7), r"GCSConfig\(project_id=\.\.\.\): expected str"),
        (lambda: IOConfig(s3=GCSConfig()), r"IOConfig\(s3=\.\.\.\): expected S3Config"),
        (lambda: S3Config().replace(regoin="x"), r"unexpected settings: \['regoin'\]"),
        (lambda: S3Config(custom_retry_msgs="slow"), r"expected a list of str"),
    ],
)
def test_a_wrong_setting_is_refused_by_class_and_name(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_a_negative_count_or_time_is_refused():
    with pytest.raises(ValueError, match=r"S3Config\(read_timeout_ms=-1\): must not be negative"):
        S3Config(read_timeout_ms=-1)


def test_s3_from_env_reads_the_aws_variables_before_the_shared_files(tmp_path, monkeypatch):
    creds = tmp_path / "credentials"
    creds.write_text(
        "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n"
        "[work]\naws_access_key_id = WORKKEY\naws_secret_access_key = worksecret\n"
    )
    conf = tmp_path / "config"
    conf.write_text("[default]\nregion = eu-north-1\n[profile work]\nregion = ap-south-1\n")
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(conf))
    s3 = S3Config.from_env()
    assert (s3.key_id, s3.access_key, s3.region_name) == ("FILEKEY", "filesecret", "eu-north-1")
    work = S3Config.from_env(profile_name="work")
    assert (work.key_id, work.region_name, work.profile_name) == ("WORKKEY", "ap-south-1", "work")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    s3 = S3Config.from_env()
    assert (s3.key_id, s3.access_key, s3.region_name) == ("ENVKEY", "envsecret", "us-west-2")
    assert s3.endpoint_url == "http://127.0.0.1:9000"
    assert "envsecret" not in repr(s3)


@pytest.mark.parametrize(
    "read",
    [
        lambda p, **kw: daft.read_parquet(p, **kw),
        lambda p, **kw: daft.read_csv(p, **kw),
        lambda p, **kw: daft.read_json(p, **kw),
        lambda p, **kw: daft.from_glob_path(p, **kw),
    ],
    ids=["read_parquet", "read_csv", "read_json", "from_glob_path"],
)
def test_a_url_of_a_store_the_engine_lacks_is_refused_by_name(read):
    for url in ("hf://datasets/x/y.parquet", "hdfs://nn/x.csv", "s3n://b/x"):
        with pytest.raises(
            NotImplementedError, match=r"is a \w+:// URL, which this engine does not"
        ):
            read(url, io_config=IOConfig(**SECRETS))
    with pytest.raises(TypeError, match=r"io_config must be a daft\.io\.IOConfig, got dict"):
        read("x.parquet", io_config={"s3": {}})


def test_a_write_to_an_unknown_store_is_refused_and_writes_nothing(tmp_path):
    df = daft.from_pydict({"a": [1, 2]})
    for write in (df.write_parquet, df.write_csv, df.write_json):
        with pytest.raises(NotImplementedError, match=r"write_\w+: hdfs://nn/out is a hdfs://"):
            write("hdfs://nn/out")
        with pytest.raises(TypeError, match=r"write_\w+: io_config must be a daft\.io\.IOConfig"):
            write(str(tmp_path / "out"), io_config="s3")
    assert not (tmp_path / "out").exists()


def test_s3_settings_left_unset_come_from_the_environment(monkeypatch, tmp_path):
    import json

    from daft._io_config import config_json

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    got = json.loads(config_json(IOConfig()))["s3"]
    assert (got["key_id"], got["access_key"], got["region_name"]) == (
        "ENVKEY",
        "envsecret",
        "eu-north-1",
    )
    # What the config gives wins; an anonymous config takes no credentials.
    got = json.loads(config_json(IOConfig(s3=S3Config(key_id="K", access_key="S"))))["s3"]
    assert (got["key_id"], got["access_key"], got["region_name"]) == ("K", "S", "eu-north-1")
    got = json.loads(config_json(IOConfig(s3=S3Config(anonymous=True))))["s3"]
    assert got["key_id"] is None and got["anonymous"] is True
    with pytest.raises(NotImplementedError, match="credentials_provider"):
        config_json(IOConfig(s3=S3Config(credentials_provider=lambda: None)))


def test_file_urls_read_and_write_as_local_paths(tmp_path):
    df = daft.from_pydict({"a": [1, 2, 3]})
    written = df.write_parquet(f"file://{tmp_path}/out", io_config=IOConfig()).to_pydict()
    assert all(p.startswith(str(tmp_path)) for p in written["path"])
    back = daft.read_parquet(f"file://{tmp_path}/out/*.parquet", io_config=IOConfig())
    assert sorted(back.to_pydict()["a"]) == [1, 2, 3]


def test_the_session_default_io_config_is_checked_and_kept():
    with pytest.raises(TypeError, match=r"default_io_config=\.\.\.\): io_config must be"):
        daft.set_planning_config(default_io_config="s3")
    io = IOConfig(s3=S3Config(region_name="eu-west-1"))
    with daft.planning_config_ctx(default_io_config=io):
        assert daft.get_context().daft_planning_config.default_io_config == io
