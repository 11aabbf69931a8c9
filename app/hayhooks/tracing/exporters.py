"""The OTLP span exporters, writing their requests with ``otlp_wire`` instead of the SDK's message encoder.

Everything else is the SDK's: endpoints and headers from ``OTEL_*``, compression, timeouts, retries. The gRPC
exporter asks a method of its own for the request (``_translate_data``), so a subclass parses our bytes into
the message it sends. The HTTP exporter calls its module's ``encode_spans`` and serialises the result; that
name is pointed at ours, which hands back the bytes it wrote. It is replaced only while it is still the SDK's
own function, so a different SDK (or someone else's replacement) is left as it is.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as sdk_encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from hayhooks.logger import log
from hayhooks.tracing.otlp_wire import encode_request
from hayhooks.urls import redact_url


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


def _traces_or_general(name: str) -> tuple[str, str] | None:
    """The variable that sets ``name`` for traces (``OTEL_EXPORTER_OTLP_TRACES_<name>``, else the general one),
    and its value; None when neither is set."""
    for variable in (f"OTEL_EXPORTER_OTLP_TRACES_{name}", f"OTEL_EXPORTER_OTLP_{name}"):
        if variable in os.environ:
            return variable, os.environ[variable]
    return None


MAX_TIMEOUT_S = 3600  # an export request that may take longer than an hour is a mistake (milliseconds, meant)


def _grpc_settings() -> tuple[dict[str, Any], list[str]]:
    """The timeout and compression for the gRPC exporter, where the SDK would raise at start on a bad value (the
    HTTP exporter warns and uses its default): a bad value is said once, naming its variable, and the default
    used. Compression ``none`` and ``deflate``, which the specification allows, are passed on as gRPC's.
    Also the variables the SDK must not read (it parses the traces timeout even when given one)."""
    import grpc

    settings: dict[str, Any] = {}
    hidden: list[str] = []
    if (timeout := _traces_or_general("TIMEOUT")) is not None:
        variable, value = timeout
        try:
            if not 0 < float(value) <= MAX_TIMEOUT_S:  # also refuses nan and inf, which gRPC's deadline cannot take
                raise ValueError(value)
        except ValueError:
            log.warning("{}={!r} is not a number of seconds above 0 and up to {}; using 10", variable, value,
                        MAX_TIMEOUT_S)
            settings["timeout"] = 10.0
            hidden.append(variable)
    if (compression := _traces_or_general("COMPRESSION")) is not None:
        variable, value = compression
        known = {"": grpc.Compression.NoCompression, "none": grpc.Compression.NoCompression,
                 "gzip": grpc.Compression.Gzip, "deflate": grpc.Compression.Deflate}
        if value.strip().lower() not in known:
            log.warning("{}={!r} is not one of none, gzip, deflate; sending uncompressed", variable, value)
        settings["compression"] = known.get(value.strip().lower(), grpc.Compression.NoCompression)
    return settings, hidden


def grpc_exporter() -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    class GrpcSpanExporter(OTLPSpanExporter):
        def _translate_data(self, data: Sequence[ReadableSpan]) -> ExportTraceServiceRequest:
            return ExportTraceServiceRequest.FromString(encode_request(data))

    settings, hidden = _grpc_settings()
    saved = {variable: os.environ.pop(variable) for variable in hidden}
    try:
        return GrpcSpanExporter(**settings)
    finally:
        os.environ.update(saved)


# The SDK exporters' loggers: they log every failed batch (every few seconds while a collector is away).
_SDK_LOGGERS = (
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",  # the HTTP exporter hands its logger to its client
    "opentelemetry.exporter.otlp.common.http",
    "opentelemetry.exporter.otlp.proto.grpc.exporter",
)
_PER_BATCH = ("Failed to export", "Transient error")


class _PerBatchLines(logging.Filter):
    """Keeps the SDK's per-batch failure lines out of the log, remembering the last one for ``Reported``."""

    def __init__(self) -> None:
        super().__init__()
        self.failure = ""  # how the last batch failed ("due to timeout, max retries...": the retries' cause)
        self.cause = ""  # the last retried error (a refused connection, say)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith(_PER_BATCH):
            return True
        if message.startswith("Transient error"):
            self.cause = message
        else:
            self.failure = message
        return False

    @property
    def last(self) -> str:
        return "; ".join(line for line in (self.failure, self.cause) if line)


_per_batch = _PerBatchLines()

# The batch processor's logger: one "Queue full, dropping Span." per span it drops while its queue is full (a
# collector that hangs), which its own duplicate filter mostly hides: counted here instead.
_QUEUE_LOGGERS = ("opentelemetry.sdk._shared_internal", "opentelemetry.sdk.trace.export")
_QUEUE_FULL = ("Queue full", "Queue is full")
QUIET_S = 5.0  # no span dropped from a full queue for this long: the export keeps up again


class _QueueFull(logging.Filter):
    """Counts the spans the batch processor drops from its full queue, keeping its per-span line out of the log:
    the first drop of an episode is said once, the count when export keeps up again (``Reported``)."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0
        self.last_drop = 0.0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(_QUEUE_FULL):
            return True
        with self._lock:
            first = not self.dropped
            self.dropped += 1
            self.last_drop = time.monotonic()
        if first:  # said outside the span that happened to overflow the queue: its request did not fail
            token = otel_context.attach(otel_context.Context())
            try:
                log.warning("OTLP export cannot keep up: its queue is full and spans are dropped (said once, counted)")
            finally:
                otel_context.detach(token)
        return False

    def take(self, *, quiet_s: float = QUIET_S) -> int:
        """The spans dropped so far, once none was dropped for ``quiet_s``; else 0 (the episode goes on)."""
        with self._lock:
            if not self.dropped or time.monotonic() - self.last_drop < quiet_s:
                return 0
            dropped, self.dropped = self.dropped, 0
            return dropped


_queue_full = _QueueFull()


class Reported(SpanExporter):
    """``exporter``, saying once that export fails (where to, and why) and once that it works again, with how many
    spans were dropped meanwhile: the SDK says it for every batch, ~720 lines an hour while a collector is away.
    The count includes the spans the batch processor dropped because its queue was full."""

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter
        self.endpoint = redact_url(str(getattr(exporter, "_endpoint", "the collector")))
        self.dropped = 0
        for name in _SDK_LOGGERS:
            if _per_batch not in logging.getLogger(name).filters:
                logging.getLogger(name).addFilter(_per_batch)
        for name in _QUEUE_LOGGERS:  # ahead of the SDK's duplicate filter, which would hide most drops from it
            if _queue_full not in logging.getLogger(name).filters:
                logging.getLogger(name).filters.insert(0, _queue_full)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = self.exporter.export(spans)
        if result is SpanExportResult.SUCCESS:
            failed = self.dropped
            from_queue = _queue_full.take(quiet_s=0.0 if failed else QUIET_S)
            if failed or from_queue:
                log.info("OTLP export to {} works again; {} spans were dropped meanwhile{}", self.endpoint,
                         failed + from_queue, f" ({from_queue} from its full queue)" if from_queue else "")
                self.dropped = 0
        else:
            if not self.dropped:
                log.warning("OTLP export to {} fails ({}); spans are dropped until it works again (said once)",
                            self.endpoint, _per_batch.last or "no answer")
            self.dropped += len(spans)
        return result

    def shutdown(self) -> None:
        """Also says what was dropped and not yet said: the count waits for an export that succeeds, which may
        never come (traffic stopped, or the server stops)."""
        pending = self.dropped + _queue_full.take(quiet_s=0.0)
        if pending:
            log.warning("OTLP export to {}: {} spans were dropped since it last worked", self.endpoint, pending)
            self.dropped = 0
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.exporter.force_flush(timeout_millis)

