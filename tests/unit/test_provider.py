"""Which TracerProvider the server traces with, decided from OTEL_* and what the user installed."""

import subprocess
import sys
import textwrap

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

from hayhooks.tracing.provider import otlp_exporter, otlp_protocol
from tests.conftest import ROOT

OTEL_VARS = [
    "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SDK_DISABLED", "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
]


class Said:
    """What the server's log said while a test ran."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def said():
    from hayhooks.logger import log

    lines = Said()
    sink = log.add(lambda message: lines.lines.append(message.record["message"]), level="WARNING")
    yield lines
    log.remove(sink)


@pytest.fixture(autouse=True)
def clean_otel_env(monkeypatch):
    for name in OTEL_VARS:
        monkeypatch.delenv(name, raising=False)


def test_no_endpoint_means_no_exporter():
    assert otlp_exporter() is None


def test_default_protocol_is_http_protobuf(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert otlp_protocol() == "http/protobuf"
    assert isinstance(otlp_exporter(), HttpExporter)


def test_traces_protocol_wins_over_general_protocol(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4317")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")
    assert isinstance(otlp_exporter(), GrpcExporter)


@pytest.mark.parametrize("variable", ["OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"])
@pytest.mark.parametrize("value", ["5s", "0", "inf", "nan", "1e300"])
def test_a_bad_grpc_timeout_is_said_and_the_default_used(monkeypatch, variable, value, said):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    monkeypatch.setenv(variable, value)
    assert otlp_exporter()._timeout == 10.0
    assert f"{variable}={value!r} is not a number of seconds" in said.text


@pytest.mark.parametrize(("value", "expected"), [("brotli", "NoCompression"), ("none", "NoCompression"),
                                                 ("gzip", "Gzip"), ("deflate", "Deflate")])
def test_grpc_compression_takes_what_the_specification_allows_and_says_what_it_does_not(
        monkeypatch, value, expected, said):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", value)
    assert otlp_exporter()._compression.name == expected
    assert ("is not one of none, gzip, deflate" in said.text) == (value == "brotli")


def test_unknown_protocol_falls_back_to_http_protobuf(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")
    assert otlp_protocol() == "http/protobuf"


def run_script(source: str, **env: str) -> str:
    import os

    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_provider_installed_before_import_is_used_not_replaced():
    out = run_script(
        """
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        exporter = InMemorySpanExporter()
        mine = TracerProvider()
        mine.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(mine)

        import tempfile
        from fastapi.testclient import TestClient
        from hayhooks import create_app
        from hayhooks.settings import AppSettings
        app = create_app(AppSettings(pipelines_dir="examples/pipelines"))
        with TestClient(app) as client:
            client.post("/shout/run", json={"text": "a"})
        print(trace.get_tracer_provider() is mine, app.state.tracing.provider is mine)
        print(sorted({s.name for s in exporter.get_finished_spans() if s.name.startswith("hayhooks.pipeline.run")}))
        """,
        HAYSTACK_TELEMETRY_ENABLED="false",
    )
    assert out.splitlines() == ["True True", "['hayhooks.pipeline.run']"]


def test_sdk_disabled_means_no_tracing():
    out = run_script(
        """
        from fastapi.testclient import TestClient
        from hayhooks import create_app
        from hayhooks.settings import AppSettings
        from haystack import tracing
        app = create_app(AppSettings(pipelines_dir="examples/pipelines"))
        with TestClient(app) as client:
            print(client.post("/shout/run", json={"text": "a"}).json())
        print(app.state.tracing.enabled, tracing.is_tracing_enabled())
        """,
        HAYSTACK_TELEMETRY_ENABLED="false", OTEL_SDK_DISABLED="true",
    )
    assert out.splitlines() == ["{'result': 'A!'}", "False False"]


def test_service_name_defaults_to_hayhooks():
    out = run_script(
        """
        from hayhooks.tracing.provider import build_tracing
        print(build_tracing().provider.resource.attributes["service.name"])
        """
    )
    assert out.strip() == "hayhooks"


SERVICE_NAME_SCRIPT = """
    from hayhooks.tracing.provider import build_tracing
    attributes = build_tracing().provider.resource.attributes
    print(attributes["service.name"], attributes.get("team"))
    """


def test_service_name_of_the_resource_attributes_is_used_when_no_service_name_is_set():
    out = run_script(SERVICE_NAME_SCRIPT, OTEL_RESOURCE_ATTRIBUTES="service.name=billing,team=core")
    assert out.strip() == "billing core"


def test_otel_service_name_wins_over_the_resource_attributes():
    out = run_script(SERVICE_NAME_SCRIPT, OTEL_RESOURCE_ATTRIBUTES="service.name=billing,team=core",
                     OTEL_SERVICE_NAME="search")
    assert out.strip() == "search core"
