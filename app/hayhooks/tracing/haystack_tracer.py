"""Haystack's spans on OpenTelemetry, with our tag policy applied where Haystack sets the tags.

Haystack puts the pipeline's raw input on ``haystack.pipeline.input_data`` with a plain ``set_tag``, and
everything else it considers content with ``set_content_tag``: components' inputs and outputs, an agent's
messages, its LLM steps' inputs and outputs, its tool calls' arguments and results. Unless raw capture is on,
those carry only the shape of the data; when it is on they are redacted. Every tag value is length-capped, so
a component that tags megabytes of text cannot bloat a span.
"""

from __future__ import annotations

from typing import Any

import orjson
from haystack import tracing as haystack_tracing
from haystack.tracing.tracer import ProxyTracer
from haystack_integrations.tracing.opentelemetry import OpenTelemetryTracer
from haystack_integrations.tracing.opentelemetry.tracer import OpenTelemetrySpan
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from hayhooks.tracing.lean import children_follow_parent, current_span
from hayhooks.tracing.payload import cap, redact, shape, to_text

CONTENT_KEYS = frozenset(
    {
        "haystack.pipeline.input_data",
        "haystack.pipeline.output_data",
        "haystack.component.input",
        "haystack.component.output",
    }
)
_USAGE_KEYS = frozenset({"haystack.component.output", "haystack.agent.step.llm.output"})  # where replies carry usage
_PRIMITIVES = (str, bool, int, float)  # a tuple: an ``X | Y`` union would be rebuilt at every call


def _shapes(value: Any) -> str:
    """``text=str(11), options={top_k=int}``: the shape of each value, nested dicts opened."""
    if not isinstance(value, dict):
        return shape(value)
    parts = []
    for k, v in value.items():
        if type(v) is str:  # most values: inline, a call saved
            parts.append(f"{k}=str({len(v)})")
        elif isinstance(v, dict):
            parts.append(f"{k}={{{_shapes(v)}}}")
        else:
            parts.append(f"{k}={shape(v)}")
    return ", ".join(parts)


def _plain(value: Any) -> Any:
    """An attribute value: primitives as they are, anything else as compact JSON (orjson: this is the hot path)."""
    if isinstance(value, _PRIMITIVES):
        return value
    if value is None:
        return "None"
    try:
        return orjson.dumps(value, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return repr(value)


def usage_of(output: Any) -> dict[str, int]:
    """Token usage a generator reports in its output (``meta`` dicts or ``replies`` messages), summed.

    Recorded as ``gen_ai.usage.*`` numbers — counts, not content — whatever the capture mode.
    """
    if not isinstance(output, dict) or ("meta" not in output and "replies" not in output):
        return {}
    metas: list[Any] = list(output.get("meta") or []) if isinstance(output.get("meta"), list) else []
    for reply in output.get("replies") or []:
        meta = getattr(reply, "meta", None)
        if isinstance(meta, dict):
            metas.append(meta)
    totals = {"input": 0, "output": 0}
    found = False
    for meta in metas:
        usage = meta.get("usage") if isinstance(meta, dict) else None
        if not isinstance(usage, dict):
            continue
        prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
        completion = usage.get("completion_tokens", usage.get("output_tokens"))
        if isinstance(prompt, int):
            totals["input"] += prompt
            found = True
        if isinstance(completion, int):
            totals["output"] += completion
            found = True
    if not found:
        return {}
    return {"gen_ai.usage.input_tokens": totals["input"], "gen_ai.usage.output_tokens": totals["output"]}


class _Policy:
    """Turns Haystack tags into span attributes: content keys by shape (or redacted), every string capped."""

    def __init__(self, *, raw: bool, max_length: int) -> None:
        self.raw = raw
        self.max_length = max_length

    def value(self, key: str, value: Any) -> Any:
        if type(value) is str and key not in CONTENT_KEYS:  # most tags: names and types
            return value if len(value) <= self.max_length else cap(value, self.max_length)
        if key in CONTENT_KEYS:
            return self.content(value)
        value = _plain(value)
        if isinstance(value, str) and len(value) > self.max_length:
            value = cap(value, self.max_length)
        return value

    def content(self, value: Any) -> str:
        """What a content tag records: the shape of ``value``, or its redacted text when ``raw``."""
        text = to_text(redact(value)) if self.raw else _shapes(value)
        return text if len(text) <= self.max_length else cap(text, self.max_length)

    def attributes(self, tags: dict[str, Any]) -> dict[str, Any]:
        """``value`` of every tag, with the common case (a short plain string) inline: ~20 tags a run request."""
        limit = self.max_length
        out = {}
        for key, value in tags.items():
            if type(value) is str and len(value) <= limit and key not in CONTENT_KEYS:
                out[key] = value
            else:
                out[key] = self.value(key, value)
        return out


class _PolicySpan(OpenTelemetrySpan):
    def __init__(self, span: trace.Span, policy: _Policy) -> None:
        super().__init__(span)
        self._policy = policy

    # A span that records nothing (sampled out) gets no tag converted: nothing would keep it.

    def set_tag(self, key: str, value: Any) -> None:
        if self._span.is_recording():
            self._span.set_attribute(key, self._policy.value(key, value))

    def set_tags(self, tags: dict[str, Any]) -> None:
        if self._span.is_recording():
            self._span.set_attributes(self._policy.attributes(tags))

    def set_content_tag(self, key: str, value: Any) -> None:
        # Whatever Haystack tags as content (a component's input and output, an agent's messages, its tool calls'
        # arguments and results, ...) is content, whatever HAYSTACK_CONTENT_TRACING_ENABLED says.
        if not self._span.is_recording():
            return
        self._span.set_attribute(key, self._policy.content(value))
        if key in _USAGE_KEYS and (usage := usage_of(value)):
            self._span.set_attributes(usage)


class _SpanScope:
    """``start_as_current_span`` for Haystack's spans, as a plain class: the SDK's version nests three
    generator context managers, a noticeable share of a span's cost when a pipeline run makes several."""

    __slots__ = ("_attributes", "_name", "_policy", "_span", "_token", "_tracer")

    def __init__(self, tracer: trace.Tracer, name: str, attributes: dict[str, Any] | None, policy: _Policy) -> None:
        self._tracer = tracer
        self._name = name
        self._attributes = attributes
        self._policy = policy

    def __enter__(self) -> _PolicySpan:
        span = self._tracer.start_span(self._name, attributes=self._attributes)
        self._span = span
        self._token = otel_context.attach(trace.set_span_in_context(span))
        return _PolicySpan(span, self._policy)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        span = self._span
        otel_context.detach(self._token)
        if exc is not None and span.is_recording():
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        span.end()


class PolicyTracer(OpenTelemetryTracer):
    """``OpenTelemetryTracer`` whose spans apply the payload policy (shapes unless ``raw``; always redacted)."""

    def __init__(self, tracer: trace.Tracer, *, raw: bool = False, max_length: int = 4096) -> None:
        super().__init__(tracer)
        self._policy = _Policy(raw=raw, max_length=max_length)
        self._proxy: ProxyTracer | None = None
        self._follows_parent = children_follow_parent(getattr(tracer, "sampler", None))

    def trace(
        self, operation_name: str, tags: dict[str, Any] | None = None, parent_span: Any = None
    ) -> Any:
        proxy = self._proxy
        if proxy is not None and proxy.actual_tracer is not self:  # another tracer was enabled after this one
            return ProxyTracer.trace(proxy, operation_name, tags, parent_span)
        if tags and self._follows_parent and type(parent := current_span()) is trace.NonRecordingSpan:
            context = parent.get_span_context()
            if context.is_valid and not context.trace_flags.sampled:  # sampled out: the tags would not be kept
                tags = None
        attributes = self._policy.attributes(tags) if tags else None
        return _SpanScope(self._tracer, operation_name, attributes, self._policy)

    def current_span(self) -> Any:
        current = current_span()
        if not current.is_recording():
            return None
        return _PolicySpan(current, self._policy)


def enable_haystack_tracing(tracer: trace.Tracer, *, raw: bool, max_length: int) -> None:
    """Route Haystack's spans to ``tracer`` (process-wide: Haystack has one global tracer).

    Haystack opens every span through its global ``ProxyTracer``, whose ``trace`` wraps the actual tracer's in a
    generator context manager of its own (~2.5 µs a span, three spans a two-component run). The proxy's ``trace``
    is pointed straight at ours instead; ours hands back to the proxy's own if another tracer is enabled later.
    """
    policy_tracer = PolicyTracer(tracer, raw=raw, max_length=max_length)
    haystack_tracing.enable_tracing(policy_tracer)
    proxy = haystack_tracing.tracer
    if type(proxy) is ProxyTracer:
        policy_tracer._proxy = proxy
        proxy.trace = policy_tracer.trace  # type: ignore[method-assign]


def disable_haystack_tracing() -> None:
    vars(haystack_tracing.tracer).pop("trace", None)
    haystack_tracing.disable_tracing()
