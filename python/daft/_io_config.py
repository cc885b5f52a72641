"""Daft 0.7.26's storage settings, ``IOConfig`` and one config class per store
(``S3Config``, ``GCSConfig``, ``AzureConfig``, ``HTTPConfig``), with the same names,
arguments and defaults, and the check every reader and writer makes of its paths.

The configs are plain values: keyword arguments checked for their types when built,
``replace(**changes)`` for a modified copy, equality and hashing by value (Daft's compare
by identity), pickling, and a ``repr`` that shows only the settings given and never a
secret (keys, tokens and passwords read ``** redacted **``, as in Daft). Readers and
writers turn their paths and config into what the engine takes with ``storage_paths``.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

REDACTED = "** redacted **"

# URL schemes of the object stores this engine reads (through the `object_store` crate);
# any other `scheme://` (Daft's `hf://`, `s3n://`, ...) is refused by name.
ENGINE_SCHEMES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "http", "https")


class _Field:
    """One setting: its name, default, the Python type it takes, and whether it is a
    secret (never shown)."""

    def __init__(self, name: str, default: Any, kind: type, secret: bool = False) -> None:
        self.name, self.default, self.kind, self.secret = name, default, kind, secret


class _Config:
    """A store's settings as keyword arguments, each checked against its field."""

    FIELDS: ClassVar[tuple[_Field, ...]] = ()

    def __init__(self, **kwargs: Any) -> None:
        # Only the subclasses' own signatures and `replace` (which checks names) call
        # this, so every key is a field.
        for f in self.FIELDS:
            value = kwargs.get(f.name)
            object.__setattr__(self, f.name, f.default if value is None else self._check(f, value))

    def _check(self, f: _Field, value: Any) -> Any:
        if f.kind is list:
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"{type(self).__name__}({f.name}=...): expected a list of str")
            return list(value)
        # A bool is an int to Python, but True is not a number of tries.
        ok = isinstance(value, f.kind) and not (f.kind is int and isinstance(value, bool))
        if not ok:
            raise TypeError(
                f"{type(self).__name__}({f.name}=...): expected {f.kind.__name__}, "
                f"got {type(value).__name__}"
            )
        if f.kind is int and value < 0:
            raise ValueError(f"{type(self).__name__}({f.name}={value}): must not be negative")
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"{type(self).__name__} is immutable; use .replace({name}=...) for a changed copy"
        )

    def _values(self) -> tuple:
        return tuple(
            tuple(v) if isinstance(v, list) else v
            for v in (getattr(self, f.name) for f in self.FIELDS)
        )

    def replace(self, **changes: Any) -> Any:
        """A copy with the settings in ``changes`` replaced (``None`` keeps a setting)."""
        given = {f.name: getattr(self, f.name) for f in self.FIELDS}
        unknown = set(changes) - set(given)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.replace() got unexpected settings: {sorted(unknown)}"
            )
        given.update({k: v for k, v in changes.items() if v is not None})
        return type(self)(**given)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._values() == self._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __reduce__(self) -> tuple:
        return (_rebuild, (type(self), {f.name: getattr(self, f.name) for f in self.FIELDS}))

    def _shown(self) -> list[str]:
        """The settings that differ from their defaults, secrets redacted."""
        out = []
        for f in self.FIELDS:
            value = getattr(self, f.name)
            if value != f.default:
                out.append(f"{f.name}={REDACTED if f.secret else repr(value)}")
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._shown())})"


def _arguments(scope: dict[str, Any]) -> dict[str, Any]:
    """A config's `__init__` arguments from its `locals()`: explicit parameters give
    editors and `help()` Daft's signature; the checks are in `_Config.__init__`."""
    return {k: v for k, v in scope.items() if k not in ("self", "__class__")}


def _rebuild(cls: type, values: dict[str, Any]) -> Any:
    return cls(**values)


class S3Config(_Config):
    """Settings for ``s3://`` paths (AWS S3 and S3-compatible servers), as Daft 0.7.26
    names them. ``key_id``, ``access_key`` and ``session_token`` are credentials; unset,
    they come from the environment (``S3Config.from_env``). ``num_tries`` counts the
    first attempt; times are in milliseconds. Secrets never appear in ``repr``."""

    FIELDS = (
        _Field("region_name", None, str),
        _Field("endpoint_url", None, str),
        _Field("key_id", None, str),
        _Field("session_token", None, str, secret=True),
        _Field("access_key", None, str, secret=True),
        _Field("credentials_provider", None, object),
        _Field("buffer_time", None, int),
        _Field("max_connections", 8, int),
        _Field("retry_initial_backoff_ms", 1000, int),
        _Field("connect_timeout_ms", 30_000, int),
        _Field("read_timeout_ms", 30_000, int),
        _Field("num_tries", 25, int),
        _Field("retry_mode", "adaptive", str),
        _Field("anonymous", False, bool),
        _Field("use_ssl", True, bool),
        _Field("verify_ssl", True, bool),
        _Field("check_hostname_ssl", True, bool),
        _Field("requester_pays", False, bool),
        _Field("force_virtual_addressing", False, bool),
        _Field("profile_name", None, str),
        _Field("custom_retry_msgs", [], list),
    )

    def __init__(
        self,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        key_id: str | None = None,
        session_token: str | None = None,
        access_key: str | None = None,
        credentials_provider: Any = None,
        buffer_time: int | None = None,
        max_connections: int | None = None,
        retry_initial_backoff_ms: int | None = None,
        connect_timeout_ms: int | None = None,
        read_timeout_ms: int | None = None,
        num_tries: int | None = None,
        retry_mode: str | None = None,
        anonymous: bool | None = None,
        use_ssl: bool | None = None,
        verify_ssl: bool | None = None,
        check_hostname_ssl: bool | None = None,
        requester_pays: bool | None = None,
        force_virtual_addressing: bool | None = None,
        profile_name: str | None = None,
        custom_retry_msgs: list[str] | None = None,
    ) -> None:
        super().__init__(**_arguments(locals()))

    @staticmethod
    def from_env(profile_name: str | None = None) -> S3Config:
        """The settings the AWS tools would use here: the ``AWS_*`` environment variables
        (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
        ``AWS_REGION`` or ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL_S3`` or
        ``AWS_ENDPOINT_URL``), then the profile (``profile_name``, else ``AWS_PROFILE``,
        else ``default``) of the shared files ``~/.aws/credentials`` and ``~/.aws/config``
        (or ``AWS_SHARED_CREDENTIALS_FILE`` and ``AWS_CONFIG_FILE``); the environment wins,
        as in the AWS tools."""
        env = os.environ
        profile = profile_name or env.get("AWS_PROFILE") or "default"
        creds = _ini(env.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"), profile)
        # In the config file every profile but the default one is "profile NAME".
        section = profile if profile == "default" else f"profile {profile}"
        conf = _ini(env.get("AWS_CONFIG_FILE", "~/.aws/config"), section)

        def pick(var: str | None, key: str, *sources: dict) -> str | None:
            if var and env.get(var):
                return env[var]
            for s in sources:
                if s.get(key):
                    return s[key]
            return None

        return S3Config(
            key_id=pick("AWS_ACCESS_KEY_ID", "aws_access_key_id", creds, conf),
            access_key=pick("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", creds, conf),
            session_token=pick("AWS_SESSION_TOKEN", "aws_session_token", creds, conf),
            region_name=pick("AWS_REGION", "region", conf)
            or pick("AWS_DEFAULT_REGION", "region", conf),
            endpoint_url=pick("AWS_ENDPOINT_URL_S3", "endpoint_url", conf)
            or pick("AWS_ENDPOINT_URL", "endpoint_url", conf),
            profile_name=profile_name or env.get("AWS_PROFILE"),
        )


def _ini(path: str, section: str) -> dict[str, str]:
    """The keys of `section` in the INI file at `path`, or nothing if either is absent."""
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(os.path.expanduser(path))
    except configparser.Error as e:
        raise ValueError(f"S3Config.from_env: cannot read {path}: {e}") from None
    return dict(parser.items(section)) if parser.has_section(section) else {}


class GCSConfig(_Config):
    """Settings for ``gs://`` paths (Google Cloud Storage), as Daft 0.7.26 names them.
    ``credentials`` is a service-account key (its JSON text or a file path) and ``token``
    an OAuth2 token; both are secrets, never shown in ``repr``."""

    FIELDS = (
        _Field("project_id", None, str),
        _Field("credentials", None, str, secret=True),
        _Field("token", None, str, secret=True),
        _Field("anonymous", False, bool),
        _Field("max_connections", 8, int),
        _Field("retry_initial_backoff_ms", 1000, int),
        _Field("connect_timeout_ms", 30_000, int),
        _Field("read_timeout_ms", 30_000, int),
        _Field("num_tries", 5, int),
    )

    def __init__(
        self,
        project_id: str | None = None,
        credentials: str | None = None,
        token: str | None = None,
        anonymous: bool | None = None,
        max_connections: int | None = None,
        retry_initial_backoff_ms: int | None = None,
        connect_timeout_ms: int | None = None,
        read_timeout_ms: int | None = None,
        num_tries: int | None = None,
    ) -> None:
        super().__init__(**_arguments(locals()))


class AzureConfig(_Config):
    """Settings for ``az://`` and ``abfs[s]://`` paths (Azure Blob Storage and Data Lake),
    as Daft 0.7.26 names them. ``access_key``, ``sas_token``, ``bearer_token`` and
    ``client_secret`` are secrets, never shown in ``repr``."""

    FIELDS = (
        _Field("storage_account", None, str),
        _Field("access_key", None, str, secret=True),
        _Field("sas_token", None, str, secret=True),
        _Field("bearer_token", None, str, secret=True),
        _Field("tenant_id", None, str),
        _Field("client_id", None, str),
        _Field("client_secret", None, str, secret=True),
        _Field("use_fabric_endpoint", False, bool),
        _Field("anonymous", False, bool),
        _Field("endpoint_url", None, str),
        _Field("use_ssl", True, bool),
        _Field("max_connections", 8, int),
    )

    def __init__(
        self,
        storage_account: str | None = None,
        access_key: str | None = None,
        sas_token: str | None = None,
        bearer_token: str | None = None,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        use_fabric_endpoint: bool | None = None,
        anonymous: bool | None = None,
        endpoint_url: str | None = None,
        use_ssl: bool | None = None,
        max_connections: int | None = None,
    ) -> None:
        super().__init__(**_arguments(locals()))


class HTTPConfig(_Config):
    """Settings for ``http(s)://`` paths (read-only), as Daft 0.7.26 names them.
    ``bearer_token`` is sent as ``Authorization: Bearer ...`` and never shown in
    ``repr``. (Daft's HTTPConfig hides its settings; here they read as attributes.)"""

    FIELDS = (
        _Field("bearer_token", None, str, secret=True),
        _Field("retry_initial_backoff_ms", 1000, int),
        _Field("connect_timeout_ms", 30_000, int),
        _Field("read_timeout_ms", 30_000, int),
        _Field("num_tries", 5, int),
    )

    def __init__(
        self,
        bearer_token: str | None = None,
        retry_initial_backoff_ms: int | None = None,
        connect_timeout_ms: int | None = None,
        read_timeout_ms: int | None = None,
        num_tries: int | None = None,
    ) -> None:
        super().__init__(**_arguments(locals()))


class IOConfig(_Config):
    """The storage settings of a read or write (``io_config=``) or of the session
    (``daft.set_planning_config(default_io_config=...)``): one config per store, each
    its class's defaults when not given."""

    FIELDS = (
        _Field("s3", None, S3Config),
        _Field("gcs", None, GCSConfig),
        _Field("azure", None, AzureConfig),
        _Field("http", None, HTTPConfig),
    )

    def __init__(
        self,
        s3: S3Config | None = None,
        azure: AzureConfig | None = None,
        gcs: GCSConfig | None = None,
        http: HTTPConfig | None = None,
    ) -> None:
        super().__init__(
            s3=s3 if s3 is not None else S3Config(),
            azure=azure if azure is not None else AzureConfig(),
            gcs=gcs if gcs is not None else GCSConfig(),
            http=http if http is not None else HTTPConfig(),
        )

    def _shown(self) -> list[str]:
        # Each store's config shows itself (secrets redacted); defaults are left out.
        return [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in self.FIELDS
            if getattr(self, f.name) != f.kind()
        ]


def io_config_of(fn: str, io_config: Any) -> IOConfig | None:
    """`io_config` if it is an IOConfig or None, else a TypeError naming `fn`."""
    if io_config is None or isinstance(io_config, IOConfig):
        return io_config
    raise TypeError(f"{fn}: io_config must be a daft.io.IOConfig, got {type(io_config).__name__}")


def _effective_s3(s3: S3Config) -> S3Config:
    """`s3` with what it leaves unset (credentials, region, endpoint) from the
    environment and the AWS files (``S3Config.from_env``), as the AWS tools fill them."""
    if s3.credentials_provider is not None:
        raise NotImplementedError(
            "S3Config(credentials_provider=...) is not supported by this engine yet; pass "
            "key_id/access_key/session_token, or set them in the environment"
        )
    env = S3Config.from_env(s3.profile_name)
    fill: dict[str, Any] = {}
    if not s3.anonymous and s3.key_id is None and s3.access_key is None:
        fill.update(key_id=env.key_id, access_key=env.access_key, session_token=env.session_token)
    if s3.region_name is None:
        fill["region_name"] = env.region_name
    if s3.endpoint_url is None:
        fill["endpoint_url"] = env.endpoint_url
    return s3.replace(**fill)


def config_json(io_config: IOConfig | None) -> str:
    """The settings the engine builds its storage clients from, as JSON (plain values;
    secrets included, so it is never shown): ``io_config``, else the session's default,
    else the defaults, with S3 settings it leaves unset from the environment."""
    import json

    if io_config is None:
        from daft.context import get_context

        io_config = get_context().daft_planning_config.default_io_config or IOConfig()
    out: dict[str, dict[str, Any]] = {}
    for f in IOConfig.FIELDS:
        store = getattr(io_config, f.name)
        if f.name == "s3":
            store = _effective_s3(store)
        out[f.name] = {g.name: getattr(store, g.name) for g in store.FIELDS if g.kind is not object}
    return json.dumps(out)


def storage_paths(fn: str, paths: list[str], io_config: Any = None) -> tuple[list[str], str]:
    """`paths` for `fn` as the engine takes them, and the storage settings (JSON) to read
    or write them with: ``file://`` URLs become local paths, object-store URLs
    (``s3://``, ``gs://``, ``az://``/``abfs(s)://``, ``http(s)://``) stay as they are, and
    any other scheme is refused by name instead of being looked up as a local file.
    `io_config` (the session's default when None) is checked for its type."""
    io_config = io_config_of(fn, io_config)
    out = []
    for p in paths:
        scheme, sep, rest = p.partition("://")
        if not sep or not scheme.isidentifier():
            out.append(p)
        elif scheme == "file":
            out.append(rest)
        elif scheme.lower() in ENGINE_SCHEMES:
            out.append(p)
        else:
            raise NotImplementedError(
                f"{fn}: {p} is a {scheme}:// URL, which this engine does not read; it reads "
                "local paths and s3://, gs://, az://, abfs(s):// and http(s):// URLs"
            )
    return out, config_json(io_config)


def is_remote(path: str) -> bool:
    """Whether `path` is an object-store URL (see `storage_paths`)."""
    scheme, sep, _ = path.partition("://")
    return bool(sep) and scheme.lower() in ENGINE_SCHEMES
