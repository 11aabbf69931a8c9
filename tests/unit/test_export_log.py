"""A collector that fails is said once (where to, and why), and its recovery once, not once per batch."""

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExportResult

from hayhooks.logger import log
from hayhooks.tracing.exporters import Reported


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that refuses (401) while ``down`` is set on its server."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(401 if self.server.down else 200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(autouse=True)
def no_drops_yet():
    """The count of spans dropped from the queue is the process's: each test starts from none."""
    from hayhooks.tracing import exporters

    exporters._queue_full.dropped = 0
    yield
    exporters._queue_full.dropped = 0


@pytest.fixture
def collector():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    server.down = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def lines():
    said: list[str] = []
    sink = log.add(lambda message: said.append(message.record["message"]), level="INFO")
    root = logging.getLogger()
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    root.addHandler(handler)
    yield said
    root.removeHandler(handler)
    log.remove(sink)


def spans(count: int) -> list:
    tracer = TracerProvider().get_tracer("t")
    made = []
    for _ in range(count):
        with tracer.start_as_current_span("s") as span:
            made.append(span)
    return made


def test_an_outage_is_said_once_with_its_cause_and_the_recovery_once_with_what_was_dropped(collector, lines):
    endpoint = f"http://127.0.0.1:{collector.server_port}/v1/traces"
    exporter = Reported(OTLPSpanExporter(endpoint=endpoint))
    for _ in range(5):
        assert exporter.export(spans(3)) is SpanExportResult.FAILURE
    collector.down = False
    assert exporter.export(spans(1)) is SpanExportResult.SUCCESS
    exporter.export(spans(1))
    exporter.shutdown()

    assert [line for line in lines if "export" in line.lower()] == [
        f"OTLP export to {endpoint} fails (Failed to export spans batch code: 401, reason: Unauthorized); spans "
        "are dropped until it works again (said once)",
        f"OTLP export to {endpoint} works again; 15 spans were dropped meanwhile",
    ]


def test_other_lines_of_the_sdk_exporter_still_reach_the_log(collector, lines):
    exporter = Reported(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{collector.server_port}/v1/traces"))
    exporter.shutdown()
    exporter.export(spans(1))
    assert "Exporter already shutdown, ignoring batch" in lines


def test_a_password_in_the_endpoint_never_reaches_the_log():
    exporter = Reported(OTLPSpanExporter(endpoint="http://user:s3cret@127.0.0.1:9/v1/traces"))
    exporter.shutdown()
    assert exporter.endpoint == "http://user:***@127.0.0.1:9/v1/traces"


def test_spans_dropped_from_the_full_queue_are_counted_in_the_recovery_line(collector, lines):
    endpoint = f"http://127.0.0.1:{collector.server_port}/v1/traces"
    exporter = Reported(OTLPSpanExporter(endpoint=endpoint))
    batch_processor_log = logging.getLogger("opentelemetry.sdk._shared_internal")
    for _ in range(6):  # what the SDK's batch processor says for each span it drops from its full queue
        batch_processor_log.warning("Queue full, dropping %s.", "Span")
    assert exporter.export(spans(4)) is SpanExportResult.FAILURE
    collector.down = False
    assert exporter.export(spans(1)) is SpanExportResult.SUCCESS
    exporter.shutdown()

    said = [line for line in lines if "export" in line.lower() or "queue" in line.lower()]
    assert said[0] == "OTLP export cannot keep up: its queue is full and spans are dropped (said once, counted)"
    assert said[-1] == f"OTLP export to {endpoint} works again; 10 spans were dropped meanwhile (6 from its full queue)"
    assert not any(line.startswith("Queue full") for line in said)


def test_the_batch_processors_own_drop_lines_are_counted_not_logged(lines):
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

    from hayhooks.tracing import exporters

    class Stuck(SpanExporter):
        def export(self, spans):
            return SpanExportResult.FAILURE

    processor = BatchSpanProcessor(Reported(Stuck()), max_queue_size=2, max_export_batch_size=2,
                                   schedule_delay_millis=60_000)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    for _ in range(50):
        provider.get_tracer("t").start_span("s").end()
    assert exporters._queue_full.dropped > 0
    processor.shutdown()
    assert not any(line.startswith("Queue full") for line in lines)
    assert "spans were dropped since it last worked" in lines[-1]


def test_drops_not_yet_said_are_said_at_shutdown(collector, lines):
    endpoint = f"http://127.0.0.1:{collector.server_port}/v1/traces"
    exporter = Reported(OTLPSpanExporter(endpoint=endpoint))
    logging.getLogger("opentelemetry.sdk._shared_internal").warning("Queue full, dropping %s.", "Span")
    assert exporter.export(spans(2)) is SpanExportResult.FAILURE  # the collector refuses; nothing works again
    exporter.shutdown()
    assert lines[-1] == f"OTLP export to {endpoint}: 3 spans were dropped since it last worked"
