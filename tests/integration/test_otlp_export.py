"""The server exports its traces over OTLP to real receivers, configured only by standard ``OTEL_*``."""

import httpx
import pytest

from tests.conftest import EXAMPLES
from tests.otlp_receivers import GrpcReceiver, HangingCollector, HttpReceiver

pytestmark = pytest.mark.integration

FAST_EXPORT = {"OTEL_BSP_SCHEDULE_DELAY": "50", "OTEL_SERVICE_NAME": "hayhooks-under-test"}


@pytest.fixture
def http_receiver():
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def grpc_receiver():
    receiver = GrpcReceiver()
    yield receiver
    receiver.close()


def assert_one_well_formed_run_trace(received) -> None:
    [root] = received.wait_for("hayhooks.pipeline.run")
    received.wait_for("haystack.component.run", count=2)
    assert root.service == "hayhooks-under-test"
    assert root.parent_span_id == ""
    assert root.attributes["hayhooks.kind"] == "run"
    assert root.attributes["hayhooks.pipeline.name"] == "shout"
    trace = [s for s in received.spans if s.trace_id == root.trace_id]
    by_id = {s.span_id: s for s in trace}
    [pipeline] = [s for s in trace if s.name == "haystack.pipeline.run"]
    components = [s for s in trace if s.name == "haystack.component.run"]
    assert {c.parent_span_id for c in components} == {pipeline.span_id}
    ancestor = by_id[pipeline.parent_span_id]
    while ancestor.parent_span_id:
        ancestor = by_id[ancestor.parent_span_id]
    assert ancestor == root
    assert sorted(c.attributes["haystack.component.name"] for c in components) == ["exclaim", "upper"]


def test_http_protobuf_export_with_base_endpoint_appends_v1_traces(server_factory, http_receiver):
    env = {**FAST_EXPORT, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{http_receiver.port}"}
    server = server_factory("--pipelines-dir", str(EXAMPLES), env=env)
    assert httpx.post(f"{server.url}/shout/run", json={"text": "hi"}).status_code == 200
    assert_one_well_formed_run_trace(http_receiver.received)
    assert set(http_receiver.received.paths) == {"/v1/traces"}


def test_traces_endpoint_is_used_as_is(server_factory, http_receiver):
    env = {**FAST_EXPORT, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://127.0.0.1:{http_receiver.port}/custom/path"}
    server = server_factory("--pipelines-dir", str(EXAMPLES), env=env)
    httpx.post(f"{server.url}/shout/run", json={"text": "hi"})
    http_receiver.received.wait_for("hayhooks.pipeline.run")
    assert set(http_receiver.received.paths) == {"/custom/path"}


def test_grpc_export(server_factory, grpc_receiver):
    env = {
        **FAST_EXPORT,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{grpc_receiver.port}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
    }
    server = server_factory("--pipelines-dir", str(EXAMPLES), env=env)
    assert httpx.post(f"{server.url}/shout/run", json={"text": "hi"}).status_code == 200
    assert_one_well_formed_run_trace(grpc_receiver.received)


def test_traces_protocol_variable_wins_over_the_general_one(server_factory, grpc_receiver):
    env = {
        **FAST_EXPORT,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{grpc_receiver.port}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
    }
    server = server_factory("--pipelines-dir", str(EXAMPLES), env=env)
    httpx.post(f"{server.url}/shout/run", json={"text": "hi"})
    grpc_receiver.received.wait_for("hayhooks.pipeline.run")


def test_sampler_from_the_environment_is_honoured(server_factory, http_receiver):
    env = {
        **FAST_EXPORT,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{http_receiver.port}",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0",
    }
    server = server_factory("--pipelines-dir", str(EXAMPLES), env=env)
    for _ in range(5):
        assert httpx.post(f"{server.url}/shout/run", json={"text": "hi"}).status_code == 200
    sampled_parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    httpx.post(f"{server.url}/shout/run", json={"text": "hi"}, headers={"traceparent": sampled_parent})
    [root] = http_receiver.received.wait_for("hayhooks.pipeline.run")
    server.stop()
    assert root.trace_id == "0af7651916cd43dd8448eb211c80319c"
    spans = http_receiver.received.spans
    assert len(spans) == len([s for s in spans if s.trace_id == root.trace_id])
    # The kept trace is whole: its Haystack spans carry their tags, though most traces were sampled out.
    components = [s for s in spans if s.name == "haystack.component.run"]
    assert len(components) == 2
    assert all(s.attributes["haystack.component.input"] == "text=str(2)" for s in components)  # "hi", then "HI"
    assert all("haystack.component.output_spec" in s.attributes for s in components)


def test_every_worker_exports_after_fork(server_factory, http_receiver):
    env = {**FAST_EXPORT, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{http_receiver.port}"}
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2", env=env)
    workers = set()
    for i in range(30):
        with httpx.Client() as client:
            workers.add(client.post(f"{server.url}/shout/run", json={"text": str(i)}).headers["x-hayhooks-worker"])
    roots = http_receiver.received.wait_for("hayhooks.pipeline.run", count=30)
    assert len(workers) == 2
    assert len({s.trace_id for s in roots}) == 30


@pytest.mark.parametrize("collector", ["refusing", "hanging"])
def test_a_dead_collector_never_fails_a_request(server_factory, collector):
    hanging = HangingCollector() if collector == "hanging" else None
    port = hanging.port if hanging else 9  # nothing listens on the discard port
    env = {**FAST_EXPORT, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}", "OTEL_EXPORTER_OTLP_TIMEOUT": "30"}
    try:
        server = server_factory("--pipelines-dir", str(EXAMPLES), env=env)
        with httpx.Client(timeout=5) as client:  # far below the exporter's 30 s timeout
            for i in range(50):
                response = client.post(f"{server.url}/shout/run", json={"text": str(i)})
                assert response.json() == {"result": f"{i}!"}
    finally:
        if hanging:
            hanging.close()
