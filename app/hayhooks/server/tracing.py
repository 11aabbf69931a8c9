"""Hayhooks' helpers for a wrapper's own spans (``from hayhooks.server.tracing import trace_operation``).

``trace_operation`` opens a span through Haystack's tracer, which this server routes to OpenTelemetry: the span
nests under whatever is current (the operation, a component), goes to the dashboard and to OTLP like every
other span, and carries Hayhooks' outcome tags. With tracing off it costs nothing and records nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException
from haystack import tracing as haystack_tracing
from opentelemetry import trace

SPAN_PIPELINE_DEPLOY = "hayhooks.pipeline.deploy"
SPAN_PIPELINE_UNDEPLOY = "hayhooks.pipeline.undeploy"
SPAN_PIPELINE_RUN = "hayhooks.pipeline.run"
SPAN_OPENAI_RUN = "hayhooks.openai.run"
SPAN_MCP_LIST_TOOLS = "hayhooks.mcp.list_tools"
SPAN_MCP_CALL_TOOL = "hayhooks.mcp.call_tool"


def build_trace_tags(tags: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """``tags`` and ``kwargs`` merged (``kwargs`` win), without the ``None`` values."""
    return {key: value for key, value in {**(tags or {}), **kwargs}.items() if value is not None}


def build_streaming_trace_tags(tags: Mapping[str, Any] | None = None, *, stream_type: str) -> dict[str, Any]:
    return build_trace_tags(tags, **{"hayhooks.response.streaming": True, "hayhooks.response.stream_type": stream_type})


def get_trace_log_context() -> dict[str, str]:
    """``trace_id`` and ``span_id`` of the current span (for ``log.contextualize``), or nothing outside one."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}


@contextmanager
def trace_operation(operation_name: str, *, tags: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """A span around the block, tagged on exit with ``hayhooks.success``, ``hayhooks.elapsed_ms`` and, when the
    block raises, ``hayhooks.error.type`` / ``.message`` (and ``hayhooks.http.status_code`` for an
    ``HTTPException``); the exception is recorded on the span and raised on."""
    started = time.monotonic()
    with haystack_tracing.tracer.trace(operation_name, tags=build_trace_tags(tags)) as span:
        try:
            yield span
        except BaseException as exc:
            outcome: dict[str, Any] = {"hayhooks.success": False, "hayhooks.error.type": type(exc).__name__,
                                       "hayhooks.error.message": str(exc)}
            if isinstance(exc, HTTPException):
                outcome["hayhooks.http.status_code"] = exc.status_code
            span.set_tags({**outcome, "hayhooks.elapsed_ms": int((time.monotonic() - started) * 1000)})
            raise
        span.set_tags({"hayhooks.success": True, "hayhooks.elapsed_ms": int((time.monotonic() - started) * 1000)})


__all__ = [
    "SPAN_MCP_CALL_TOOL",
    "SPAN_MCP_LIST_TOOLS",
    "SPAN_OPENAI_RUN",
    "SPAN_PIPELINE_DEPLOY",
    "SPAN_PIPELINE_RUN",
    "SPAN_PIPELINE_UNDEPLOY",
    "build_streaming_trace_tags",
    "build_trace_tags",
    "get_trace_log_context",
    "trace_operation",
]
