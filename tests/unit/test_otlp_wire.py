"""``otlp_wire`` writes the request the SDK's OTLP encoder would build, byte for byte in meaning."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    TraceState,
)

from hayhooks.tracing.exporters import encode_spans as our_encode_spans
from hayhooks.tracing.lean import lean_tracer
from hayhooks.tracing.otlp_wire import encode_request


class Shouted(str):
    def __str__(self) -> str:
        return self.upper()


def provider(
    resource: Resource | None = None, limits: SpanLimits | None = None
) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    made = TracerProvider(resource=resource or Resource.create({"service.name": "wire"}), span_limits=limits)
    made.add_span_processor(SimpleSpanProcessor(exporter))
    return made, exporter


def assert_same_request(spans) -> None:
    ours = ExportTraceServiceRequest.FromString(encode_request(spans))
    assert ours == encode_spans(spans)


@pytest.fixture(params=["sdk", "lean"])
def traced(request):
    made, exporter = provider()
    tracer = made.get_tracer("wire") if request.param == "sdk" else lean_tracer(made, "wire")
    return tracer, exporter


def test_nested_spans_with_every_kind(traced):
    tracer, exporter = traced
    with tracer.start_as_current_span("root", kind=SpanKind.SERVER):
        for kind in SpanKind:
            with tracer.start_as_current_span(f"child {kind.name}", kind=kind):
                pass
    assert_same_request(exporter.get_finished_spans())


@pytest.mark.parametrize(
    "value",
    [
        "text",
        "",
        "ünïcødé ✓",
        "x" * 127,
        "x" * 128,
        "y" * 20_000,
        True,
        False,
        0,
        -1,
        2**63 - 1,
        -(2**63),
        3.25,
        -0.0,
        float("inf"),
        ("a", "b"),
        (1, 2, -3),
        (True, False),
        (1.5, 2.5),
        (),
        HTTPStatus.OK,
        Shouted("loud"),
    ],
    ids=repr,
)
def test_attribute_values_of_every_type(traced, value):
    tracer, exporter = traced
    with tracer.start_as_current_span("span", attributes={"key": value, "other": "x"}):
        pass
    assert_same_request(exporter.get_finished_spans())


def test_an_integer_beyond_int64_is_skipped_like_the_sdk_skips_it(traced):
    tracer, exporter = traced
    with tracer.start_as_current_span("span", attributes={"huge": 2**70, "kept": 1}):
        pass
    spans = exporter.get_finished_spans()
    assert_same_request(spans)
    kept = ExportTraceServiceRequest.FromString(encode_request(spans)).resource_spans[0].scope_spans[0].spans[0]
    assert [a.key for a in kept.attributes] == ["kept"]


def test_error_status_and_exception_event(traced):
    tracer, exporter = traced
    with pytest.raises(ValueError), tracer.start_as_current_span("failing"):
        raise ValueError("broken <b>")
    with tracer.start_as_current_span("described") as span:
        span.set_status(Status(StatusCode.ERROR, "went wrong"))
    with tracer.start_as_current_span("ok") as span:
        span.set_status(Status(StatusCode.OK))
    assert_same_request(exporter.get_finished_spans())


def test_events_with_attributes(traced):
    tracer, exporter = traced
    with tracer.start_as_current_span("span") as span:
        span.add_event("plain")
        span.add_event("tagged", {"n": 3, "words": ("a", "b")}, timestamp=1_700_000_000_000_000_000)
    assert_same_request(exporter.get_finished_spans())


def test_links_remote_parents_and_trace_state():
    made, exporter = provider()
    tracer = made.get_tracer("wire")
    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1),
                         trace_state=TraceState([("vendor", "value"), ("other", "1")]))
    parent = trace.set_span_in_context(NonRecordingSpan(remote))
    linked = SpanContext(0x123, 0x456, is_remote=False)
    with (
        tracer.start_as_current_span("continued", context=parent, links=[Link(linked, {"why": "batch"})]),
        tracer.start_as_current_span("local child"),
    ):
        pass
    assert_same_request(exporter.get_finished_spans())


def test_dropped_attributes_events_and_links_are_counted():
    made, exporter = provider(limits=SpanLimits(max_span_attributes=2, max_events=1, max_links=1))
    tracer = made.get_tracer("wire")
    links = [Link(SpanContext(i, i, is_remote=False)) for i in range(1, 4)]
    with tracer.start_as_current_span("busy", attributes={"a": 1, "b": 2, "c": 3}, links=links) as span:
        span.add_event("one")
        span.add_event("two")
    spans = exporter.get_finished_spans()
    assert spans[0].dropped_attributes and spans[0].dropped_events and spans[0].dropped_links
    assert_same_request(spans)


def test_scopes_with_version_schema_and_attributes_are_grouped():
    made, exporter = provider(Resource.create({"service.name": "wire"}, schema_url="https://example.com/r"))
    first = made.get_tracer("first", "1.2.3", schema_url="https://example.com/s", attributes={"team": "a"})
    second = made.get_tracer("second")
    for tracer in (first, second, first):
        with tracer.start_as_current_span("span"):
            pass
    assert_same_request(exporter.get_finished_spans())


def test_equal_resources_share_a_group_and_different_ones_do_not():
    spans = []
    for service in ("one", "one", "two"):
        made, exporter = provider(Resource.create({"service.name": service}))
        with made.get_tracer("wire").start_as_current_span(f"from {service}"):
            pass
        spans.extend(exporter.get_finished_spans())
    request = ExportTraceServiceRequest.FromString(encode_request(spans))
    assert len(request.resource_spans) == 2
    assert request == encode_spans(spans)


def test_no_spans_make_an_empty_request():
    assert encode_request([]) == b""
    assert ExportTraceServiceRequest.FromString(b"") == encode_spans([])


def test_the_http_exporter_gets_the_bytes_it_serialises(traced):
    tracer, exporter = traced
    with tracer.start_as_current_span("span", attributes={"k": "v"}):
        pass
    spans = exporter.get_finished_spans()
    assert our_encode_spans(spans).SerializePartialToString() == encode_request(spans)


def test_the_http_exporter_module_encodes_with_ours(monkeypatch):
    from opentelemetry.exporter.otlp.proto.http import trace_exporter

    from hayhooks.tracing import exporters

    monkeypatch.setattr(trace_exporter, "encode_spans", encode_spans)  # the SDK's own, restored afterwards
    exporters.http_exporter()
    assert trace_exporter.encode_spans is our_encode_spans


def test_the_http_exporter_module_keeps_someone_elses_encoder(monkeypatch):
    from opentelemetry.exporter.otlp.proto.http import trace_exporter

    from hayhooks.tracing import exporters

    def theirs(spans):
        return encode_spans(spans)

    monkeypatch.setattr(trace_exporter, "encode_spans", theirs)
    exporters.http_exporter()
    assert trace_exporter.encode_spans is theirs


def test_the_grpc_exporter_sends_our_request(traced, monkeypatch):
    from hayhooks.tracing import exporters

    written: list[bytes] = []

    def spy(spans):
        written.append(encode_request(spans))
        return written[-1]

    monkeypatch.setattr(exporters, "encode_request", spy)
    tracer, exporter = traced
    with tracer.start_as_current_span("span", attributes={"k": "v"}):
        pass
    spans = exporter.get_finished_spans()
    assert exporters.grpc_exporter()._translate_data(spans) == encode_spans(spans)
    assert len(written) == 1
