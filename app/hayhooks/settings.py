"""Every ``HAYHOOKS_*`` variable, in one place.

Nothing here is read at import: ``AppSettings()`` is built by the CLI or by ``create_app`` and passed down, so
tests (and each gunicorn worker) build their own. ``hayhooks.settings.settings`` (Hayhooks' module-level object,
for programmatic use) is built on first access.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hayhooks.durable.context import NOT_PROVIDED

# Hayhooks 2.1's names for settings this server has under the dashboard's (its local trace API is this dashboard),
# read when the name of this server is not set: a trace API protected with HAYHOOKS_TRACING_TOKEN there stays
# protected here.
HAYHOOKS_2_NAMES = {
    "HAYHOOKS_TRACING_ENABLED": "dashboard_enabled",
    "HAYHOOKS_TRACING_TOKEN": "dashboard_token",
    "HAYHOOKS_TRACING_BUFFER_CAPACITY": "dashboard_trace_buffer_capacity",
    "HAYHOOKS_TRACING_INCLUDE_PAYLOAD_VALUES": "dashboard_trace_include_payload_values",
    "HAYHOOKS_TRACING_INCLUDE_HAYSTACK_SPANS": "dashboard_trace_include_haystack_spans",
    "HAYHOOKS_TRACING_SLOW_COMPONENT_MS": "dashboard_ui_slow_component_min_duration_ms",
}
_URL_PATH = re.compile(r"[A-Za-z0-9_.~/-]+")
# Read by the command-line client, not the server.
_CLIENT_VARIABLES = frozenset({"HAYHOOKS_CLI_TIMEOUT", "HAYHOOKS_URL"})


class _Hayhooks2Names(PydanticBaseSettingsSource):
    """The variables of ``HAYHOOKS_2_NAMES``, below this server's own in priority."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {field: os.environ[name] for name, field in HAYHOOKS_2_NAMES.items() if name in os.environ}


class AppSettings(BaseSettings):
    """Server configuration read from ``HAYHOOKS_*`` environment variables (and a ``.env`` file if present)."""

    model_config = SettingsConfigDict(
        env_prefix="HAYHOOKS_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    host: str = Field(default="127.0.0.1", description="Interface the server binds to.")
    port: int = Field(default=1416, ge=0, le=65535, description="TCP port of the REST server.")
    root_path: str = Field(
        default="", description="ASGI root path when the server sits behind a proxy under a path prefix."
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are trusted: comma-separated "
        "addresses or networks, or `*`. A request from any other address is taken as from that address. The "
        "dashboard login throttle counts wrong tokens per client address: behind a proxy on another host, name it "
        "here, or every client counts as the proxy. Unset: uvicorn's `FORWARDED_ALLOW_IPS`, else `127.0.0.1`, which "
        "trusts a proxy on this host (and so any local client that sends the header).",
    )
    workers: int = Field(
        default=1, ge=1, le=64, description="Worker processes; above 1 the server runs under gunicorn."
    )
    worker_cpu_affinity: Literal["auto", "off"] = Field(
        default="auto",
        description="`auto` pins each of several workers to a CPU of its own when the server may use exactly as "
        "many CPUs as it has workers; `off` leaves placement to the kernel.",
    )
    pipelines_dir: Path = Field(
        default=Path("pipelines"),
        description="Folder of pipelines deployed at start: sub-folders with pipeline_wrapper.py and YAML files.",
    )
    additional_python_path: str = Field(
        default="", description="Extra folder added to sys.path so wrappers can import shared modules."
    )
    streaming_components: str = Field(
        default="",
        description="Components that stream in `streaming_generator` when a wrapper does not say: empty for the "
        "last streaming-capable one, `all`, or names separated by commas.",
    )
    show_tracebacks: bool = Field(
        default=False, description="Include the Python traceback in the body of a 500 answer of a failed run."
    )
    disable_http_deploy: bool = Field(
        default=False, description="Refuse deploy and undeploy over HTTP (they run code sent by the caller)."
    )
    max_request_body_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="Largest request body accepted; larger ones get 413."
    )
    cors_allow_origins: list[str] = Field(
        default=[],
        description='Origins allowed by CORS, as a JSON list (e.g. \'["https://app.example.com"]\'); none by default.',
    )
    cors_allow_origin_regex: str | None = Field(
        default=None, description="A regular expression of further allowed origins (e.g. `https://.*\\.example\\.com`)."
    )
    cors_allow_methods: list[str] = Field(default=["*"], description="Methods allowed by CORS, as a JSON list.")
    cors_allow_headers: list[str] = Field(default=["*"], description="Request headers allowed by CORS, as a JSON list.")
    cors_allow_credentials: bool = Field(default=False, description="Allow credentials (cookies) in CORS requests.")
    cors_expose_headers: list[str] = Field(
        default=["X-Hayhooks-Trace-Cursor", "X-Hayhooks-Trace-Id", "X-Hayhooks-Worker"],
        description="Response headers a browser page may read, as a JSON list.",
    )
    cors_max_age: int = Field(default=600, ge=0, description="Seconds a browser may cache a CORS preflight answer.")
    use_https: bool = Field(default=False, description="The command line reaches the server over https.")
    disable_ssl: bool = Field(
        default=False, description="The command line does not verify the server's TLS certificate (self-signed)."
    )
    graceful_shutdown_timeout: int = Field(
        default=10, ge=0, le=300, description="Seconds a worker has to stop after SIGTERM: in-flight requests are "
        "drained until the last few seconds (up to 4, kept to flush captured traces), then cancelled, their traces "
        "kept as failed."
    )
    gc_threshold: int = Field(
        default=10_000,
        ge=100,
        le=2**31 - 1,  # gc.set_threshold takes a C int
        description="Allocations between two young-generation collections of Python's garbage collector, in each "
        "worker (Python's own default is 700). A request frees nearly all it allocates by reference counting; at 700 "
        "a collection ran every ~10 requests and found nothing.",
    )
    log_level: str = Field(default="INFO", description="Log level of the server and of hayhooks.log.")
    access_log: bool = Field(
        default=False,
        description="Log one line per request with the worker and trace id (instead of uvicorn's access log).",
    )
    access_log_excluded_path_prefixes: list[str] = Field(
        default=["{dashboard}/api/config", "{dashboard}/api/entrypoints", "{dashboard}/api/traces"],
        description="Paths left out of the access log (either kind), as a JSON list of prefixes; `{dashboard}` "
        "stands for HAYHOOKS_DASHBOARD_PATH. By default the dashboard's own reads, which a page open makes "
        "every few seconds.",
    )

    mcp_mount: bool = Field(
        default=False, description="Also serve the pipelines as MCP tools on this server (/mcp and /sse)."
    )
    mcp_host: str = Field(default="127.0.0.1", description="Interface of `hayhooks mcp run`.")
    mcp_port: int = Field(default=1417, ge=0, le=65535, description="Port of `hayhooks mcp run`.")
    mcp_json_response: bool = Field(
        default=False, description="Streamable HTTP answers MCP requests with plain JSON instead of an event stream."
    )

    tracing_excluded_spans: list[Literal["send", "receive"]] = Field(
        default=["send", "receive"],
        description='HTTP instrumentation sub-spans to leave out, as a JSON list (e.g. \'["send"]\' or \'[]\').',
    )
    tracing_tag_max_length: int = Field(
        default=4096, ge=64, le=1_000_000, description="Longest span tag value, in characters; longer ones are cut."
    )
    dashboard_trace_include_payload_values: bool = Field(
        default=False,
        description="Record raw request values in traces (secrets still redacted); by default only their shapes.",
    )

    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis (or Valkey) URL of the shared trace store, e.g. redis://user:pass@host:6379/0 or "
        "rediss:// for TLS. Unset: traces stay in this process's memory.",
    )
    redis_key_prefix: str = Field(
        default="hayhooks:",
        description="Prefix of every Redis key, so deployments can share a Redis.",
    )
    redis_cluster: bool = Field(
        default=False,
        description="HAYHOOKS_REDIS_URL names one node of a Redis Cluster; the prefix then gets a {hash tag} if it "
        "has none (hayhooks: becomes {hayhooks}:), so that every key lands in one slot.",
    )
    dashboard_enabled: bool = Field(default=False, description="Capture traces and serve the dashboard and its API.")
    dashboard_path: str = Field(default="/dashboard", description="Where the dashboard and its API are mounted.")
    dashboard_dist_dir: Path | None = Field(
        default=None, description="A prebuilt dashboard (the output of npm run build) to serve instead of building it."
    )
    dashboard_token: SecretStr | None = Field(
        default=None, description="Token that the dashboard and its API require (bearer header or login cookie)."
    )
    dashboard_trace_buffer_capacity: int = Field(
        default=200, ge=1, le=1_000_000, description="How many traces the store keeps (newest first)."
    )
    dashboard_trace_include_haystack_spans: bool = Field(
        default=True, description="Keep Haystack's pipeline and component spans in stored traces."
    )
    dashboard_trace_max_spans: int = Field(default=500, ge=1, le=100_000, description="Spans kept per trace.")
    dashboard_trace_max_tags: int = Field(default=48, ge=1, le=1000, description="Tags kept per span.")
    dashboard_trace_tag_max_length: int = Field(
        default=2048, ge=16, le=1_000_000, description="Longest tag value kept in a stored trace."
    )
    dashboard_trace_default_limit: int = Field(default=50, ge=1, le=1000, description="Traces per page by default.")
    dashboard_trace_max_limit: int = Field(default=500, ge=1, le=5000, description="Most traces one page may ask for.")
    dashboard_trace_grace_ms: int = Field(
        default=5, ge=0, le=10_000, description="Wait after an operation ends for its late spans before storing it."
    )
    dashboard_flush_interval_ms: int = Field(
        default=20, ge=0, le=10_000, description="Shortest time between two writes to the store (batches under load)."
    )
    dashboard_running_after_ms: int = Field(
        default=250, ge=0, le=60_000, description="Operations running longer than this are shown as running."
    )
    dashboard_local_buffer_capacity: int = Field(
        default=10_000, ge=1, le=1_000_000,
        description="Traces a worker keeps while the shared store is unreachable, to replay when it returns.",
    )
    dashboard_stream_enabled: bool = Field(default=True, description="Serve the live SSE stream of traces.")
    dashboard_stream_heartbeat_ms: int = Field(
        default=15_000, ge=1000, le=120_000, description="Keep-alive comment interval on the SSE stream."
    )
    dashboard_ui_poll_ms: int = Field(
        default=2500, ge=250, le=60_000, description="UI: polling interval when the live stream is unavailable."
    )
    dashboard_ui_list_cap: int = Field(default=100, ge=1, le=5000, description="UI: most traces kept in the list.")
    dashboard_ui_fetch_limit: int = Field(default=50, ge=1, le=5000, description="UI: traces fetched per request.")
    dashboard_ui_fresh_ms: int = Field(
        default=6000, ge=0, le=600_000, description="UI: how long a new trace keeps its NEW highlight."
    )
    dashboard_ui_slow_component_min_duration_ms: int = Field(
        default=1000, ge=0, description="Flag a trace's slowest component when it took at least this long."
    )

    durable_mode: bool = Field(
        default=False,
        description="Hayhooks 2.1's durable execution mode (run_durable wrappers). Not provided by this server: "
        "true is refused at start rather than served as the default mode.",
    )

    @field_validator("durable_mode")
    @classmethod
    def _no_durable_mode(cls, value: bool) -> bool:
        if value:
            raise ValueError(f"{NOT_PROVIDED}: unset it, or serve durable wrappers with Hayhooks 2.1")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        """Refused at start, in one line, rather than by each worker's Redis client after the server started."""
        if value is None:
            return value
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must start with redis://, rediss:// (TLS) or unix://")
        try:
            parts.port  # noqa: B018 - the property is what checks it
        except ValueError:
            raise ValueError("its port must be a number") from None
        return value

    @field_validator("redis_cluster")
    @classmethod
    def _cluster_over_tcp(cls, value: bool, info: ValidationInfo) -> bool:
        url = info.data.get("redis_url")
        if value and url is not None and urlsplit(url.get_secret_value()).scheme == "unix":
            raise ValueError("a Redis Cluster is reached over TCP: use a redis:// or rediss:// URL of one of its nodes")
        return value

    @model_validator(mode="after")
    def _keys_in_one_slot(self) -> AppSettings:
        if self.redis_cluster:
            from hayhooks.redis_clients import hash_tagged

            self.redis_key_prefix = hash_tagged(self.redis_key_prefix)
        return self

    @field_validator("root_path")
    @classmethod
    def _normalise_root_path(cls, value: str) -> str:
        value = value.strip()
        if value in ("", "/"):
            return ""
        return "/" + value.strip("/")

    @field_validator("dashboard_path")
    @classmethod
    def _normalise_dashboard_path(cls, value: str) -> str:
        value = "/" + value.strip().strip("/")
        if value == "/":
            raise ValueError("must be a path below the root, such as /dashboard")
        if not _URL_PATH.fullmatch(value):
            raise ValueError("must be a URL path of letters, digits and - _ . ~ /, such as /dashboard")
        return value

    @field_validator("cors_allow_origin_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        """Refused at start: CORS compiles it for the first request, which would answer 500, and every one after."""
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc})") from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, dotenv_settings, _Hayhooks2Names(settings_cls), file_secret_settings

    @property
    def local_host(self) -> str:
        """The host a client on this machine reaches the server at: the bound one, or loopback for "every
        interface" (0.0.0.0 and :: are not addresses to connect to)."""
        return "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host

    @property
    def loopback(self) -> bool:
        """Whether the server only listens on this machine."""
        return self.host in {"127.0.0.1", "localhost", "::1"} or self.host.startswith("127.")

    @field_validator("workers")
    @classmethod
    def _fixed_port_for_workers(cls, value: int, info: ValidationInfo) -> int:
        # Each worker binds its own socket (SO_REUSEPORT): with port 0 each would get a different random port.
        if value > 1 and info.data.get("port") == 0:
            raise ValueError("several workers need a fixed port: set --port (HAYHOOKS_PORT) to a number other than 0")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"}:
            msg = f"must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got {value!r})"
            raise ValueError(msg)
        return upper


def __getattr__(name: str) -> AppSettings:
    """``from hayhooks.settings import settings``, as Hayhooks' programmatic examples write it: the environment's
    settings, read on first use (not at import), then the same object."""
    if name != "settings":
        raise AttributeError(f"module 'hayhooks.settings' has no attribute {name!r}")
    value = AppSettings()
    globals()["settings"] = value
    return value


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``HAYHOOKS_*`` variables set in ``environ`` that nothing here reads (a typo, or a setting of another
    Hayhooks version): worth a warning, since they change nothing."""
    known = {f"HAYHOOKS_{name.upper()}" for name in AppSettings.model_fields}
    known |= set(HAYHOOKS_2_NAMES) | _CLIENT_VARIABLES
    return sorted(name for name in environ if name.upper().startswith("HAYHOOKS_") and name.upper() not in known)


def excluded_access_paths(settings: AppSettings) -> tuple[str, ...]:
    """``HAYHOOKS_ACCESS_LOG_EXCLUDED_PATH_PREFIXES`` with the dashboard's path filled in."""
    return tuple(prefix.replace("{dashboard}", settings.dashboard_path)
                 for prefix in settings.access_log_excluded_path_prefixes)
