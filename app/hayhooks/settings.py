"""Every ``HAYHOOKS_*`` variable, in one place.

Nothing here is read at import: ``AppSettings()`` is built by the CLI or by ``create_app`` and passed down, so
tests (and each gunicorn worker) build their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    workers: int = Field(
        default=1, ge=1, le=64, description="Worker processes; above 1 the server runs under gunicorn."
    )
    pipelines_dir: Path = Field(
        default=Path("pipelines"),
        description="Folder of pipelines deployed at start: sub-folders with pipeline_wrapper.py and YAML files.",
    )
    additional_python_path: str = Field(
        default="", description="Extra folder added to sys.path so wrappers can import shared modules."
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
    graceful_shutdown_timeout: int = Field(
        default=10, ge=0, le=300, description="Seconds to drain in-flight requests on shutdown."
    )
    log_level: str = Field(default="INFO", description="Log level of the server and of hayhooks.log.")

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

    @field_validator("root_path")
    @classmethod
    def _normalise_root_path(cls, value: str) -> str:
        value = value.strip()
        if value in ("", "/"):
            return ""
        return "/" + value.strip("/")

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"}:
            msg = f"must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got {value!r})"
            raise ValueError(msg)
        return upper
