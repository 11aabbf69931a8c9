"""Haystack's spans on OpenTelemetry, with our tag policy applied where Haystack sets the tags.

Haystack puts the pipeline's raw input on ``haystack.pipeline.input_data`` with a plain ``set_tag`` and the
components' inputs and outputs with ``set_content_tag``. Unless raw capture is on, those content keys carry
only the shape of the data; when it is on they are redacted. Every tag value is length-capped, so a component
that tags megabytes of text cannot bloat a span.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from haystack import tracing as haystack_tracing
from haystack.tracing import utils as haystack_tracing_utils
from haystack_integrations.tracing.opentelemetry import OpenTelemetryTracer
from haystack_integrations.tracing.opentelemetry.tracer import OpenTelemetrySpan
from opentelemetry import trace

from hayhooks.tracing.payload import cap, redact, shape, to_text

CONTENT_KEYS = frozenset(
    {
        "haystack.pipeline.input_data",
        "haystack.pipeline.output_data",
        "haystack.component.input",
        "haystack.component.output",
    }
)


def _shapes(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(
            f"{k}={{{_shapes(v)}}}" if isinstance(v, dict) else f"{k}={shape(v)}" for k, v in value.items()
        )
        return inner
    return shape(value)


class _PolicySpan(OpenTelemetrySpan):
    def __init__(self, span: trace.Span, *, raw: bool, max_length: int) -> None:
        super().__init__(span)
        self._raw = raw
        self._max_length = max_length

    def set_tag(self, key: str, value: Any) -> None:
        if key in CONTENT_KEYS:
            value = to_text(redact(value)) if self._raw else _shapes(value)
        else:
            value = haystack_tracing_utils.coerce_tag_value(value)
        if isinstance(value, str):
            value = cap(value, self._max_length)
        self._span.set_attribute(key, value)

    def set_content_tag(self, key: str, value: Any) -> None:
        # Content goes through set_tag's policy whatever HAYSTACK_CONTENT_TRACING_ENABLED says.
        self.set_tag(key, value)


class PolicyTracer(OpenTelemetryTracer):
    """``OpenTelemetryTracer`` whose spans apply the payload policy (shapes unless ``raw``; always redacted)."""

    def __init__(self, tracer: trace.Tracer, *, raw: bool = False, max_length: int = 4096) -> None:
        super().__init__(tracer)
        self._raw = raw
        self._max_length = max_length

    @contextlib.contextmanager
    def trace(
        self, operation_name: str, tags: dict[str, Any] | None = None, parent_span: Any = None
    ) -> Iterator[Any]:
        with self._tracer.start_as_current_span(operation_name) as raw_span:
            span = _PolicySpan(raw_span, raw=self._raw, max_length=self._max_length)
            if tags:
                span.set_tags(tags)
            yield span

    def current_span(self) -> Any:
        current = trace.get_current_span()
        if not current.is_recording():
            return None
        return _PolicySpan(current, raw=self._raw, max_length=self._max_length)


def enable_haystack_tracing(tracer: trace.Tracer, *, raw: bool, max_length: int) -> None:
    """Route Haystack's spans to ``tracer`` (process-wide: Haystack has one global tracer)."""
    haystack_tracing.enable_tracing(PolicyTracer(tracer, raw=raw, max_length=max_length))


def disable_haystack_tracing() -> None:
    haystack_tracing.disable_tracing()
