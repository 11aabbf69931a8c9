"""The trace record: packed cheaply when a trace finishes, expanded when someone reads it.

Capture runs on the request path's CPU, reading runs when a dashboard asks; so ``pack_span`` copies only what
the record needs of each span as it ends (a tuple; attributes as the span's own frozen dict), ``pack`` puts a
trace's tuples into a compact dict that orjson encodes in C, and ``expand`` builds the API's record —
Hayhooks' shape: ``trace_id``, ``start_time_ms``, ``duration_ms``, ``entrypoint``, ``tags``, ``span_count``,
``root_span`` tree, plus ``cursor``, ``kind``, ``status``, ``running``, ``streaming``, ``worker``, ``error``,
``slowest_component``, ``usage`` — applying the caps on tags and spans. A trace no one looks at is never expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from hayhooks.tracing.payload import cap

HAYSTACK_PREFIX = "haystack."
_AGENT_STEPS = frozenset({"haystack.agent.step.llm", "haystack.agent.step.tool"})
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
_USAGE_KEYS = {"gen_ai.usage.input_tokens": "prompt_tokens", "gen_ai.usage.output_tokens": "completion_tokens"}
_ERROR = StatusCode.ERROR.value
_ERROR_CODE = StatusCode.ERROR
# A ``SpanContext`` is a tuple: its fields by index, without the property call (this runs for every span).
CONTEXT_TRACE_ID, CONTEXT_SPAN_ID, CONTEXT_IS_REMOTE = 0, 1, 2
# Indexes into a packed span.
SPAN_ID, PARENT_ID, NAME, START, END, ATTRS, STATUS, DESCRIPTION, ERROR = range(9)
# Tuples, not ``X | Y`` unions, which are rebuilt at every call: these checks run for every tag a page expands.
_LISTS = (list, tuple)
_NUMBERS = (int, float)


@dataclass(frozen=True, slots=True)
class Limits:
    max_spans: int = 500
    max_tags: int = 48
    max_tag_length: int = 2048
    include_haystack: bool = True
    slow_component_ms: float = 1000.0


PackedSpan = tuple[Any, ...]
"""A span as the record keeps it: the fields at ``SPAN_ID`` … ``ERROR``, nothing that holds the SDK's objects."""


def _attributes(span: ReadableSpan, live: bool) -> dict[str, Any]:
    attributes = span._attributes  # a plain dict (our lean spans) or the SDK's BoundedAttributes
    inner = attributes if type(attributes) is dict else getattr(attributes, "_dict", None)
    if inner is None:
        return dict(attributes or {})
    # An ended span's attributes are frozen: its plain dict is kept as it is. A live one may still change.
    return dict(inner) if live else inner


def pack_span(span: ReadableSpan, *, live: bool = False) -> PackedSpan:
    """What the record needs of a span, taken when it ends so the SDK's span objects are freed at once.

    ``live``: the span is still running (an in-flight operation being announced), so its attributes are copied.
    It reads the fields every SDK ``ReadableSpan`` sets in its constructor, not its properties: those wrap or
    copy (attributes in a proxy, events in a tuple), and this runs for every span a request makes.
    """
    parent = span._parent
    status = span._status
    code = status._status_code
    error = None
    if code is _ERROR_CODE:
        for event in span._events:
            if event.name == "exception":
                error = dict(event.attributes or {})
    attributes = span._attributes
    return (
        span._context[CONTEXT_SPAN_ID],
        parent[CONTEXT_SPAN_ID] if parent is not None and not parent[CONTEXT_IS_REMOTE] else 0,
        span._name,
        span._start_time or 0,
        span._end_time,
        attributes if type(attributes) is dict and not live else _attributes(span, live),
        code._value_,  # what ``.value`` returns, without the Enum's property
        status._description,
        error,
    )


def pack(
    trace_id: int, root: PackedSpan, spans: list[PackedSpan], *, worker: str, limits: Limits
) -> dict[str, Any]:
    """The compact record of a trace (its root may still be running): cheap, and enough to expand later."""
    if not limits.include_haystack:
        spans = [s for s in spans if not s[NAME].startswith(HAYSTACK_PREFIX)]
    dropped = 0
    if len(spans) >= limits.max_spans:
        dropped = len(spans) + 1 - limits.max_spans
        spans = spans[: limits.max_spans - 1]
    attributes = root[ATTRS]
    end = root[END]
    return {
        "trace_id": "%032x" % trace_id,  # noqa: UP031 - half the instructions of format() or an f-string
        "entrypoint": attributes.get("hayhooks.pipeline.name") or None,
        "kind": attributes.get("hayhooks.kind") or _KIND_BY_NAME.get(root[NAME], "run"),
        "status": "running" if end is None else ("error" if root[STATUS] == _ERROR else "ok"),
        "running": end is None,
        "worker": worker,
        "finished_at_ms": None if end is None else end / 1e6,
        "dropped_spans": dropped,
        "spans": [root, *spans],
    }


def operation_key(record: dict[str, Any]) -> str:
    """What a record is the record of: an operation, its trace id and root span id. Several operations share a
    trace id when a caller sends the same ``traceparent`` on several calls; an operation's "running" snapshot and
    its final record share both. Read from a compact record (``pack``) or an expanded one (``expand``)."""
    spans = record.get("spans")
    if spans:
        root_id = spans[0][SPAN_ID]
    else:
        root = record.get("root_span")
        root_id = root.get("span_id", "") if isinstance(root, dict) else ""
    return f"{record.get('trace_id', '')}:{root_id}"


def _ms(ns: int) -> float:
    """Nanoseconds as milliseconds to the microsecond (integer arithmetic: ``round(x, 3)`` costs ten times more, and
    a page expands a dozen of these per trace)."""
    return (ns + 500) // 1000 / 1000


def _text(value: Any, limit: int) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, _LISTS):
        text = ", ".join(str(v) for v in value)
    else:
        text = value if isinstance(value, str) else str(value)
    return cap(text, limit) if len(text) > limit else text


def _tag_value(value: Any, limit: int) -> str:
    kind = type(value)
    if kind is str and len(value) <= limit:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int and -(10**18) < value < 10**18:
        return str(value)
    return _text(value, limit)


def _tags(attributes: dict[str, Any], limits: Limits) -> list[dict[str, str]]:
    limit = limits.max_tag_length
    # Most values are short strings already: taken as they are (this runs for every tag of every trace read).
    tags = [
        {"key": key, "value": value if type(value) is str and len(value) <= limit else _tag_value(value, limit)}
        for key, value in islice(attributes.items(), limits.max_tags)
    ]
    if len(attributes) > limits.max_tags:
        tags.append({"key": "…", "value": f"+{len(attributes) - limits.max_tags} more tags"})
    return tags


def _error(raw: dict[str, Any] | None, description: str | None, limits: Limits) -> dict[str, str]:
    raw = raw or {}
    return {
        "type": _text(raw.get("exception.type", "Error"), 256),
        "message": _text(raw.get("exception.message", description or "failed"), limits.max_tag_length),
        "stack": _text(raw.get("exception.stacktrace", ""), 16_384),
    }


def _component_of(span: PackedSpan) -> tuple[Any, Any]:
    """Name and type of a component span, or of an agent's LLM or tool call."""
    attributes = span[ATTRS]
    if span[NAME] == "haystack.agent.step.llm":
        return "LLM", "agent LLM call"
    if span[NAME] == "haystack.agent.step.tool":
        return attributes.get("haystack.tool.name", "tool"), "agent tool call"
    return attributes.get("haystack.component.name", span[NAME]), attributes.get("haystack.component.type", "")


def expand(compact: dict[str, Any], limits: Limits, now_ns: int) -> dict[str, Any]:
    """The API's trace record from a packed one (``cursor`` kept if present)."""
    spans = compact["spans"]
    root, rest = spans[0], spans[1:]
    ids = {s[SPAN_ID] for s in spans}
    children: dict[int, list[Any]] = {}
    for span in rest:
        parent = span[PARENT_ID] if span[PARENT_ID] in ids else root[SPAN_ID]
        children.setdefault(parent, []).append(span)

    def node(span: Any) -> dict[str, Any]:
        end = span[END] if span[END] is not None else now_ns
        return {
            "span_id": format(span[SPAN_ID], "016x"),
            "name": span[NAME],
            "start_time_ms": _ms(span[START]),
            "duration_ms": _ms(end - span[START]),
            "running": span[END] is None,
            # Which span failed, not only that the trace did: the component that raised, in the waterfall.
            "status": "error" if span[STATUS] == _ERROR else ("running" if span[END] is None else "ok"),
            "tags": _tags(span[ATTRS], limits),
            "children": [node(c) for c in sorted(children.get(span[SPAN_ID], ()), key=lambda s: s[START])],
        }

    error = None
    if root[STATUS] == _ERROR:
        failing = root if root[ERROR] else next((s for s in rest if s[ERROR]), root)
        error = _error(failing[ERROR], root[DESCRIPTION], limits)

    slowest = None
    # A pipeline's components; for an Agent run on its own (no pipeline), its LLM calls and tool calls.
    components = [s for s in rest if s[NAME] == "haystack.component.run" and s[END] is not None] or [
        s for s in rest if s[NAME] in _AGENT_STEPS and s[END] is not None]
    if components:
        worst = max(components, key=lambda s: s[END] - s[START])
        duration_ns = worst[END] - worst[START]
        if duration_ns / 1e6 >= limits.slow_component_ms:
            name, kind = _component_of(worst)
            slowest = {
                "span_id": format(worst[SPAN_ID], "016x"),
                "name": _text(name, 256),
                "type": _text(kind, 256),
                "duration_ms": _ms(duration_ns),
            }

    usage: dict[str, int] = {}
    for span in rest:
        for key, name in _USAGE_KEYS.items():
            value = span[ATTRS].get(key)
            if isinstance(value, _NUMBERS) and not isinstance(value, bool):
                usage[name] = usage.get(name, 0) + int(value)
    if usage:
        usage["total_tokens"] = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)

    attributes = root[ATTRS]
    end = root[END] if root[END] is not None else now_ns
    record = {
        "trace_id": compact["trace_id"],
        "start_time_ms": _ms(root[START]),
        "duration_ms": _ms(end - root[START]),
        "entrypoint": compact.get("entrypoint"),
        "tags": [{"key": k, "value": _tag_value(attributes[k], limits.max_tag_length)} for k in TRACE_TAG_KEYS
                 if k in attributes],
        "span_count": len(spans),
        "root_span": node(root),
        "kind": compact["kind"],
        "status": compact["status"],
        "running": compact["running"],
        "streaming": bool(attributes.get("hayhooks.streaming", False)),
        "worker": compact["worker"],
        "error": error,
        "slowest_component": slowest,
        "usage": usage or None,
        "dropped_spans": compact.get("dropped_spans", 0),
    }
    if "cursor" in compact:
        record = {"cursor": compact["cursor"], **record}
    return record
