"""The environment-variable reference (docs/environment.md), generated from ``AppSettings`` so it cannot drift.

Regenerate with ``.venv/bin/python -m hayhooks.settings_reference > docs/environment.md``.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticUndefined

from hayhooks.settings import HAYHOOKS_2_NAMES, AppSettings

OTEL_VARIABLES = [
    ("OTEL_SDK_DISABLED", "false", "`true` turns tracing off entirely (no spans, no dashboard capture)."),
    ("OTEL_SERVICE_NAME", "hayhooks",
     "Service name of the exported spans (else `service.name` of OTEL_RESOURCE_ATTRIBUTES)."),
    ("OTEL_RESOURCE_ATTRIBUTES", "",
     "More resource attributes, `key=value,key=value`, e.g. `deployment.environment=prod`."),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "", "Base OTLP endpoint; `/v1/traces` is appended for http/protobuf."),
    ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", "OTLP traces endpoint, used as is."),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "`http/protobuf` or `grpc`."),
    ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "", "Overrides OTEL_EXPORTER_OTLP_PROTOCOL for traces."),
    ("OTEL_TRACES_SAMPLER", "parentbased_always_on", "Sampler, e.g. `parentbased_traceidratio`."),
    ("OTEL_TRACES_SAMPLER_ARG", "", "Sampler argument, e.g. `0.1`."),
    ("OTEL_EXPORTER_OTLP_HEADERS", "", "Headers of every export request, `key=value,key=value` (values URL-encoded), "
     "e.g. `Authorization=Bearer%20token`. Never logged."),
    ("OTEL_EXPORTER_OTLP_TIMEOUT", "10", "Seconds an export request may take: the Python SDK reads **seconds** (the "
     "specification says milliseconds, so `10000` means 10 000 s here). A bad value is said and 10 used."),
    ("OTEL_EXPORTER_OTLP_COMPRESSION", "none", "`gzip`, `deflate` or `none`. A bad value is said and nothing is "
     "compressed."),
    ("OTEL_EXPORTER_OTLP_CERTIFICATE", "", "CA certificate (PEM file) to trust for an `https://` collector, e.g. a "
     "self-signed one. For http/protobuf, `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE` in the environment take "
     "precedence over it (the `requests` library's rule): unset them if the collector's CA is not in that bundle."),
    ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "", "Client certificate (PEM file) for a collector that asks for "
     "mutual TLS, with OTEL_EXPORTER_OTLP_CLIENT_KEY."),
    ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "", "The client certificate's key (PEM file)."),
    ("OTEL_EXPORTER_OTLP_INSECURE", "false", "grpc only: `true` sends in plaintext to an endpoint given without a "
     "scheme (`collector:4317`); an `http://` endpoint is plaintext anyway."),
]
# Said under the table: every exporter variable has a traces-only form.
OTEL_NOTE = ("Each `OTEL_EXPORTER_OTLP_*` variable above also has an `OTEL_EXPORTER_OTLP_TRACES_*` form, which wins "
             "over it for traces. The exporters are the SDK's: they read these variables as the OpenTelemetry Python "
             "SDK documents them.")


def _default(value: Any) -> str:
    if value is PydanticUndefined or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        import json

        return json.dumps(value)
    return str(value)


def render() -> str:
    lines = [
        "# Environment variables",
        "",
        "Generated from `hayhooks.settings.AppSettings` by `python -m hayhooks.settings_reference`; a test checks",
        "that this file matches the code. A bad value stops the server with one line naming the variable (or the",
        "option, or Hayhooks 2.1's name when that is what was set). Two paths only warn, as Hayhooks does: a",
        "pipelines dir that does not exist (the server starts with no pipelines) and a dashboard dist dir without",
        "`index.html` (the dashboard then answers 503 saying what is missing).",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    for name, field in AppSettings.model_fields.items():
        description = (field.description or "").replace("|", "\\|")
        default = _default(field.default)
        lines.append(f"| `HAYHOOKS_{name.upper()}` | {f'`{default}`' if default else '(unset)'} | {description} |")
    lines += ["", "## Standard OpenTelemetry variables honoured", "", "| variable | default | meaning |",
              "| --- | --- | --- |"]
    lines += [f"| `{name}` | {f'`{default}`' if default else '(unset)'} | {meaning} |"
              for name, default, meaning in OTEL_VARIABLES]
    lines += ["", OTEL_NOTE]
    lines += ["", "## Hayhooks 2.1's names", "",
              "Read when this server's own name is not set; any other `HAYHOOKS_*` variable that no setting reads "
              "is named in a warning at start.", "", "| Hayhooks 2.1 | here |", "| --- | --- |"]
    lines += [f"| `{old}` | `HAYHOOKS_{field.upper()}` |" for old, field in HAYHOOKS_2_NAMES.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
