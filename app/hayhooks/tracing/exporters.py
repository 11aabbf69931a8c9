"""The OTLP span exporters, writing their requests with ``otlp_wire`` instead of the SDK's message encoder.

Everything else is the SDK's: endpoints and headers from ``OTEL_*``, compression, timeouts, retries. The gRPC
exporter asks a method of its own for the request (``_translate_data``), so a subclass parses our bytes into
the message it sends. The HTTP exporter calls its module's ``encode_spans`` and serialises the result; that
name is pointed at ours, which hands back the bytes it wrote. It is replaced only while it is still the SDK's
own function, so a different SDK (or someone else's replacement) is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as sdk_encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter

from hayhooks.tracing.otlp_wire import encode_request


class _Encoded:
    """What the HTTP exporter serialises: the request, already written."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def SerializePartialToString(self) -> bytes:
        return self.data

    SerializeToString = SerializePartialToString


def encode_spans(spans: Sequence[ReadableSpan]) -> _Encoded:
    return _Encoded(encode_request(spans))


def http_exporter() -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http import trace_exporter

    if getattr(trace_exporter, "encode_spans", None) is sdk_encode_spans:
        trace_exporter.encode_spans = encode_spans
    return trace_exporter.OTLPSpanExporter()


def grpc_exporter() -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    class GrpcSpanExporter(OTLPSpanExporter):
        def _translate_data(self, data: Sequence[ReadableSpan]) -> ExportTraceServiceRequest:
            return ExportTraceServiceRequest.FromString(encode_request(data))

    return GrpcSpanExporter()
