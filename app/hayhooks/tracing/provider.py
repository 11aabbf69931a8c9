"""Build this worker's ``TracerProvider`` from the standard ``OTEL_*`` variables.

- ``OTEL_SDK_DISABLED=true``: no tracing at all (a no-op provider).
- A provider the user installed before starting the server (an SDK ``TracerProvider`` set globally) is used
  as it is: we add our processors to it and never replace it.
- Otherwise a new provider, with ``OTEL_SERVICE_NAME`` (else ``service.name`` of ``OTEL_RESOURCE_ATTRIBUTES``, else
  ``hayhooks``) and the sampler from
  ``OTEL_TRACES_SAMPLER(_ARG)``; when ``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is
  set it exports over OTLP with a ``BatchSpanProcessor`` (a background thread: a slow or dead collector never
  blocks a request; a full queue drops spans instead).

Bad values follow OpenTelemetry's convention: log and fall back to the default.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanLimits, SpanProcessor, TracerProvider, sampling
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from hayhooks.logger import log
from hayhooks.tracing.lean import lean_tracer

PROTOCOLS = ("http/protobuf", "grpc")


@dataclass
class Tracing:
    """The provider this worker traces with, and whether this module made it (and so must shut it down)."""

    provider: trace.TracerProvider
    owned: bool
    exporter: str | None = None
    processors: list[SpanProcessor] = field(default_factory=list)
    _tracers: dict[str, trace.Tracer] = field(default_factory=dict, repr=False)

    @property
    def enabled(self) -> bool:
        return isinstance(self.provider, TracerProvider)

    def tracer(self, name: str = "hayhooks") -> trace.Tracer:
        """This worker's tracer for ``name``: lean spans on an SDK provider (see ``hayhooks.tracing.lean``)."""
        tracer = self._tracers.get(name)
        if tracer is None:
            tracer = self._tracers[name] = lean_tracer(self.provider, name)
        return tracer

    def sampling(self) -> dict[str, Any] | None:
        """What share of new traces the sampler keeps (``rate``: ``None`` when it cannot say) and its own
        description; ``None`` with tracing off. Shown by the dashboard: a sampled-out trace leaves no record."""
        if not isinstance(self.provider, TracerProvider):
            return None
        sampler = self.provider.sampler
        root = sampler._root if isinstance(sampler, sampling.ParentBased) else sampler
        rate: float | None = None
        if isinstance(root, sampling.TraceIdRatioBased):
            rate = root.rate
        elif root is sampling.ALWAYS_ON:
            rate = 1.0
        elif root is sampling.ALWAYS_OFF:
            rate = 0.0
        return {"rate": rate, "description": sampler.get_description()}

    def add_processor(self, processor: SpanProcessor) -> None:
        if isinstance(self.provider, TracerProvider):
            self.provider.add_span_processor(processor)
            self.processors.append(processor)

    def shutdown(self, timeout_s: float = 3.0) -> None:
        """Flush and stop what this worker added, waiting at most ``timeout_s``.

        An exporter stuck on a dead collector retries for up to its own timeout (10 s by default); a worker
        that is shutting down does not wait for that: what is not flushed by then is dropped, with a warning.
        """
        if self.owned and isinstance(self.provider, TracerProvider):
            stop = self.provider.shutdown
        else:
            processors = list(self.processors)

            def stop() -> None:
                for processor in processors:
                    processor.shutdown()

        worker = threading.Thread(target=stop, name="hayhooks-tracing-shutdown", daemon=True)
        worker.start()
        worker.join(timeout_s)
        if worker.is_alive():
            log.warning("Trace export did not finish within {}s of shutdown; unsent spans are dropped", timeout_s)


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def otlp_protocol() -> str:
    protocol = (_env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or _env("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf")
    if protocol not in PROTOCOLS:
        log.warning("OTEL_EXPORTER_OTLP_PROTOCOL={!r} is not one of {}; using http/protobuf", protocol, PROTOCOLS)
        return "http/protobuf"
    return protocol


def otlp_exporter() -> SpanExporter | None:
    """The OTLP span exporter the environment asks for, or ``None`` when no endpoint is set.

    The exporters read the endpoint variables themselves: the base endpoint gets ``/v1/traces`` appended for
    HTTP, the traces endpoint is used as is. They write their requests with ``hayhooks.tracing.otlp_wire``.
    """
    if not (_env("OTEL_EXPORTER_OTLP_ENDPOINT") or _env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return None
    from hayhooks.tracing import exporters

    return exporters.grpc_exporter() if otlp_protocol() == "grpc" else exporters.http_exporter()


def sdk_disabled() -> bool:
    return _env("OTEL_SDK_DISABLED").lower() == "true"


def build_tracing(provider: trace.TracerProvider | None = None, *, max_attribute_length: int | None = None) -> Tracing:
    """The provider to trace with in this worker (call it after fork: the exporter starts a thread)."""
    if provider is not None:
        return Tracing(provider=provider, owned=False)
    if sdk_disabled():
        return Tracing(provider=trace.NoOpTracerProvider(), owned=False)
    installed = trace.get_tracer_provider()
    if isinstance(installed, TracerProvider):
        log.info("Using the TracerProvider installed before the server started")
        return Tracing(provider=installed, owned=False)

    # OTEL_SERVICE_NAME, else service.name of OTEL_RESOURCE_ATTRIBUTES (the SDK reads both), else ours.
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: "hayhooks"}))
    # We shut it down ourselves, with a bound; the SDK's atexit hook would wait for a dead collector.
    # Span attribute values are capped by the SDK itself (exception events keep their whole stack).
    limits = SpanLimits(max_span_attribute_length=max_attribute_length) if max_attribute_length else None
    sdk_provider = TracerProvider(resource=resource, shutdown_on_exit=False, span_limits=limits)
    tracing = Tracing(provider=sdk_provider, owned=True)
    exporter = otlp_exporter()
    if exporter is not None:
        from hayhooks.tracing.exporters import Reported

        sdk_provider.add_span_processor(BatchSpanProcessor(Reported(exporter)))
        tracing.exporter = otlp_protocol()
        log.info("Exporting traces over OTLP ({})", tracing.exporter)
    trace.set_tracer_provider(sdk_provider)
    return tracing
