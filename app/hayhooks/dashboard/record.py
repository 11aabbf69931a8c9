"""Compact spans and the trace record the dashboard API serves (Hayhooks' shape, plus what we add).

``compact`` runs in ``SpanProcessor.on_end`` on whatever thread ended the span, so it only copies what the
record needs, capped; ``build`` runs later on the flusher and assembles the tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from hayhooks.tracing.payload import cap

HAYSTACK_PREFIX = "haystack."
_KIND_BY_NAME = {
    "hayhooks.pipeline.run": "run",
    "hayhooks.openai.run": "openai",
    "hayhooks.pipeline.deploy": "deploy",
    "hayhooks.pipeline.undeploy": "undeploy",
}
# Root attributes that describe the whole trace, shown on the collapsed card (Hayhooks' "summary tags").
TRACE_TAG_KEYS = (
    "hayhooks.pipeline.name",
    "hayhooks.transport",
    "hayhooks.kind",
    "hayhooks.streaming",
    "hayhooks.payload.values",
    "http.route",
    "http.response.status_code",
)
_USAGE_KEYS = {
    "gen_ai.usage.input_tokens": "prompt_tokens",
    "gen_ai.usage.output_tokens": "completion_tokens",
}


@dataclass(frozen=True, slots=True)
class Limits:
    max_spans: int = 500
    max_tags: int = 48
    max_tag_length: int = 2048
    include_haystack: bool = True
    slow_component_ms: float = 1000.0


@dataclass(slots=True)
class SpanRecord:
    span_id: str
    parent_id: str | None
    name: str
    start_ns: int
    end_ns: int | None
    tags: dict[str, Any]
    error: dict[str, str] | None
    failed: bool
    status_description: str | None


def _tag_text(value: Any, limit: int) -> str:
    if isinstance(value, tuple | list):
        value = ", ".join(str(v) for v in value)
    text = value if isinstance(value, str) else str(value)
    return cap(text, limit) if len(text) > limit else text


def compact(span: ReadableSpan, limits: Limits) -> SpanRecord:
    """What the record needs of a finished (or running) span: ids, times, capped tags, error."""
    context = span.context
    parent = span.parent
    attributes = span.attributes or {}
    tags = {}
    for index, (key, value) in enumerate(attributes.items()):
        if index >= limits.max_tags:
            tags["…"] = f"+{len(attributes) - limits.max_tags} more tags"
            break
        tags[key] = value if isinstance(value, bool | int | float) else _tag_text(value, limits.max_tag_length)
    error = None
    for event in span.events:
        if event.name == "exception":
            attrs = event.attributes or {}
            error = {
                "type": _tag_text(attrs.get("exception.type", "Error"), 256),
                "message": _tag_text(attrs.get("exception.message", ""), limits.max_tag_length),
                "stack": _tag_text(attrs.get("exception.stacktrace", ""), 16_384),
            }
    status = span.status
    return SpanRecord(
        span_id=format(context.span_id, "016x"),
        parent_id=format(parent.span_id, "016x") if parent is not None and not parent.is_remote else None,
        name=span.name,
        start_ns=span.start_time or 0,
        end_ns=span.end_time,
        tags=tags,
        error=error,
        failed=status.status_code is StatusCode.ERROR,
        status_description=status.description,
    )


def _ms(ns: int) -> float:
    return round(ns / 1e6, 3)


def _node(span: SpanRecord, children: dict[str | None, list[SpanRecord]], now_ns: int) -> dict[str, Any]:
    end = span.end_ns if span.end_ns is not None else now_ns
    kids = sorted(children.get(span.span_id, []), key=lambda s: s.start_ns)
    return {
        "span_id": span.span_id,
        "name": span.name,
        "start_time_ms": _ms(span.start_ns),
        "duration_ms": round((end - span.start_ns) / 1e6, 3),
        "running": span.end_ns is None,
        "tags": [{"key": k, "value": _str(v)} for k, v in span.tags.items()],
        "children": [_node(child, children, now_ns) for child in kids],
    }


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def build(
    trace_id: str, root: SpanRecord, spans: list[SpanRecord], *, worker: str, limits: Limits, now_ns: int
) -> dict[str, Any]:
    """The trace record of ``root`` with the spans collected for its trace (root itself may be running)."""
    kept = [s for s in spans if s.span_id != root.span_id]
    if not limits.include_haystack:
        kept = [s for s in kept if not s.name.startswith(HAYSTACK_PREFIX)]
    dropped = max(0, len(kept) + 1 - limits.max_spans)
    if dropped:
        kept = sorted(kept, key=lambda s: s.start_ns)[: limits.max_spans - 1]
    children: dict[str | None, list[SpanRecord]] = {}
    ids = {s.span_id for s in kept} | {root.span_id}
    for span in kept:
        parent = span.parent_id if span.parent_id in ids else root.span_id
        children.setdefault(parent, []).append(span)
    tree = _node(root, children, now_ns)

    running = root.end_ns is None
    error = None
    if root.failed:
        error = root.error or next((s.error for s in kept if s.error), None)
        error = error or {"type": "Error", "message": root.status_description or "failed", "stack": ""}

    components = [s for s in kept if s.name == "haystack.component.run" and s.end_ns is not None]
    slowest = max(components, key=lambda s: s.end_ns - s.start_ns, default=None)  # type: ignore[operator]
    slowest_record = None
    if slowest is not None:
        duration = (slowest.end_ns - slowest.start_ns) / 1e6  # type: ignore[operator]
        if duration >= limits.slow_component_ms:
            slowest_record = {
                "span_id": slowest.span_id,
                "name": _str(slowest.tags.get("haystack.component.name", slowest.name)),
                "type": _str(slowest.tags.get("haystack.component.type", "")),
                "duration_ms": round(duration, 3),
            }

    usage: dict[str, int] = {}
    for span in kept:
        for key, name in _USAGE_KEYS.items():
            value = span.tags.get(key)
            if isinstance(value, int | float):
                usage[name] = usage.get(name, 0) + int(value)
    if usage:
        usage["total_tokens"] = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)

    tags = root.tags
    end = root.end_ns if root.end_ns is not None else now_ns
    record = {
        "trace_id": trace_id,
        "start_time_ms": _ms(root.start_ns),
        "duration_ms": round((end - root.start_ns) / 1e6, 3),
        "entrypoint": tags.get("hayhooks.pipeline.name") or None,
        "tags": [{"key": k, "value": _str(tags[k])} for k in TRACE_TAG_KEYS if k in tags],
        "span_count": len(kept) + 1,
        "root_span": tree,
        "kind": tags.get("hayhooks.kind") or _KIND_BY_NAME.get(root.name, "run"),
        "status": "running" if running else ("error" if root.failed else "ok"),
        "running": running,
        "streaming": bool(tags.get("hayhooks.streaming", False)),
        "worker": worker,
        "error": error,
        "slowest_component": slowest_record,
        "usage": usage or None,
        "dropped_spans": dropped,
        "finished_at_ms": _ms(root.end_ns) if root.end_ns is not None else None,
    }
    return record
