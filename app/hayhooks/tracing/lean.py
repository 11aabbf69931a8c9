"""A lean tracer for the spans this server makes: the same spans as the SDK's tracer, at a fifth of the cost.

The SDK's ``Tracer`` spends most of a span's ~10-20 µs on machinery a server's hot path does not need per span:
a ``BoundedAttributes`` mapping that validates every value under a lock, a lock per span, a tracer self-metric,
and a second ``ReadableSpan`` copied from the span when it ends. A run request makes four spans (operation,
pipeline, two components), so that machinery cost more than the pipeline itself.

``LeanTracer`` makes ``LeanSpan``s: SDK ``Span`` objects (every processor and exporter takes them as they are)
whose attributes are a plain dict checked on the way in, with the provider's sampler, id generator, resource,
span limits and span processors — so sampling, OTLP export and the dashboard see exactly what they saw before.
An ended span is frozen (setters are ignored, as the SDK's are), so it is handed to ``on_end`` itself instead
of a copy. Anything out of the ordinary (links) is left to the SDK's own tracer.

It is used on the SDK's own ``TracerProvider``, the one this server builds from ``OTEL_*`` or one the user
installed (its sampler, processors and exporters are used as they are). A subclass of it, which may make its
spans its own way, is used through its own tracers. Not carried over: the SDK's experimental self-metrics
(spans started and live), which only a configured meter provider would record.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from time import time_ns
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.attributes import _clean_attribute_value, _is_non_custom_str
from opentelemetry.context import _RUNTIME_CONTEXT
from opentelemetry.context.contextvars_context import ContextVarsRuntimeContext
from opentelemetry.sdk.trace import (
    Event,
    Span,
    SpanLimits,
    SpanProcessor,
    SynchronousMultiSpanProcessor,
    TracerProvider,
    sampling,
)
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import SpanKind, TraceFlags
from opentelemetry.trace.propagation import _SPAN_KEY
from opentelemetry.trace.span import DEFAULT_TRACE_STATE
from opentelemetry.trace.status import Status, StatusCode
from opentelemetry.util import types
from opentelemetry.util._decorator import _agnosticcontextmanager

_SAMPLED_FLAGS = {
    (True, True): TraceFlags(TraceFlags.SAMPLED | TraceFlags.RANDOM_TRACE_ID),
    (True, False): TraceFlags(TraceFlags.SAMPLED),
    (False, True): TraceFlags(TraceFlags.RANDOM_TRACE_ID),
    (False, False): TraceFlags(TraceFlags.DEFAULT),
}
_UNSET = Status(StatusCode.UNSET)
_OK = Status(StatusCode.OK)
_PLAIN = frozenset({str, bool, int, float})
_NO_EVENTS: tuple[Event, ...] = ()
_MAX_TRACE_ID = 2**128 - 1
_MAX_SPAN_ID = 2**64 - 1
_new_tuple = tuple.__new__


class _Processors:
    """The provider's span processors, called one by one as its ``SynchronousMultiSpanProcessor`` calls them,
    minus the Python frame of its loop on every call, and without calling the ``_on_ending`` that processors
    inherit and do nothing in: ~2 500 instructions less per span with one processor.

    The SDK replaces its tuple of processors whenever one is added: callers compare ``seen`` with
    ``source._span_processors`` by identity (inline: a method call per span would cost what this saves) and
    ``refresh()`` when they differ. Another kind of active processor (a concurrent one, say) is called itself.
    """

    __slots__ = ("_span_processors", "endings", "ends", "seen", "source", "starts")

    def __init__(self, active: SpanProcessor) -> None:
        self._span_processors = ()  # what ``source`` offers when the active processor is not the SDK's multi
        self.source: Any = active if type(active) is SynchronousMultiSpanProcessor else self
        self.seen: tuple[SpanProcessor, ...] | None = None
        self.starts: tuple[Any, ...] = (active.on_start,)
        self.endings: tuple[Any, ...] = (active._on_ending,)
        self.ends: tuple[Any, ...] = (active.on_end,)
        if self.source is self:
            self.seen = self._span_processors
        else:
            self.refresh()

    def refresh(self) -> None:
        processors = self.source._span_processors
        self.starts = tuple(p.on_start for p in processors)
        self.endings = tuple(p._on_ending for p in processors if type(p)._on_ending is not SpanProcessor._on_ending)
        self.ends = tuple(p.on_end for p in processors)
        self.seen = processors


class LeanSpan(Span):
    """An SDK ``Span`` with a plain attribute dict and no per-span lock or copy; see the module docstring."""

    # The SDK's methods we inherit (``set_status``, ``update_name``) hold it for a moment; one for all spans
    # spares a lock per span, and nothing holding it waits on anything else.
    _lock = threading.Lock()
    # What every new span starts with, read from the class until a span sets its own: fewer stores per span.
    _start_time: int | None = None
    _end_time: int | None = None
    _events: Any = _NO_EVENTS
    _links: Any = ()
    _status = _UNSET
    _trace_config = None
    _record_end_metrics = None

    def __init__(
        self,
        tracer: LeanTracer,
        name: str,
        context: trace_api.SpanContext,
        parent: trace_api.SpanContext | None,
        kind: SpanKind,
        attributes: dict[str, Any],
        dropped_attributes: int,
        record_exception: bool,
        set_status_on_exception: bool,
        start_time: int,
    ) -> None:
        self._name = name
        self._context = context
        self._kind = kind
        self._parent = parent
        self._attributes = attributes
        self._dropped_attributes = dropped_attributes
        self._record_exception = record_exception
        self._set_status_on_exception = set_status_on_exception
        self._start_time = start_time
        self._instrumentation_info = tracer.instrumentation_info
        self._instrumentation_scope = tracer.instrumentation_scope
        self._resource = tracer.resource
        self._sampler = tracer.sampler
        self._span_processor = tracer.span_processor
        self._processors = tracer.processors
        self._limits = tracer.limits

    def succeed(self) -> None:
        """Status OK unless one is set (an ERROR stays): what ``set_status`` would do for a span still running,
        without its decorator, lock and checks (~10 k instructions), since every operation ends with it."""
        if self._status is _UNSET and self._end_time is None:  # set_status never sets UNSET: still the default
            self._status = _OK

    @property
    def dropped_attributes(self) -> int:
        return self._dropped_attributes

    def set_attribute(self, key: str, value: types.AnyValue) -> None:
        if self._end_time is None:
            self._dropped_attributes += _store(self._attributes, key, value, self._limits)

    def set_attributes(self, attributes: Mapping[str, types.AnyValue]) -> None:
        for key, value in attributes.items():
            self.set_attribute(key, value)

    def _add_event(self, event: Any) -> None:
        if self._end_time is not None:
            return
        if self._events is _NO_EVENTS:
            self._events = BoundedList(self._limits.max_events)
        self._events.append(event)

    def _add_link(self, link: trace_api.Link) -> None:
        if self._end_time is not None:
            return
        if not isinstance(self._links, BoundedList):
            self._links = BoundedList(self._limits.max_links)
        self._links.append(link)

    def end(self, end_time: int | None = None) -> None:
        if self._end_time is not None:
            return
        self._end_time = end_time if end_time is not None else time_ns()
        processors = self._processors
        if processors.seen is not processors.source._span_processors:
            processors.refresh()
        for on_ending in processors.endings:
            on_ending(self)
        for on_end in processors.ends:
            on_end(self)  # frozen from here on: no copy needed

    def is_recording(self) -> bool:
        return self._end_time is None


# ``trace.get_current_span()`` walks three Python calls into the runtime context and an ABC ``isinstance`` check
# (~0.8 µs); a span starts with one and Haystack's spans ask for another. With the default runtime context
# (contextvars), the current span is read from its variable directly (~0.15 µs) when it is of a known span type.
_CONTEXT_VAR = _RUNTIME_CONTEXT._current_context if type(_RUNTIME_CONTEXT) is ContextVarsRuntimeContext else None
_SPAN_TYPES = frozenset({LeanSpan, Span, trace_api.NonRecordingSpan})


def current_span(context: context_api.Context | None = None) -> trace_api.Span:
    """``opentelemetry.trace.get_current_span``, faster for the current context."""
    if context is None and _CONTEXT_VAR is not None:
        span = _CONTEXT_VAR.get().get(_SPAN_KEY)
        if type(span) in _SPAN_TYPES:
            return span
    return trace_api.get_current_span(context)


class LeanTracer(trace_api.Tracer):
    """The SDK ``Tracer``'s contract on ``LeanSpan``s, for the SDK's own ``TracerProvider`` (see ``lean_tracer``)."""

    def __init__(self, provider: TracerProvider, name: str) -> None:
        self.sdk = provider.get_tracer(name)
        self.sampler = provider.sampler
        self.resource = provider.resource
        self.span_processor = provider._active_span_processor
        self.processors = _Processors(self.span_processor)
        self.id_generator = provider.id_generator
        self.limits = provider._span_limits
        # A span's first attributes fit without evicting any when there are no more of them than this.
        self.roomy = self.limits.max_span_attributes if self.limits.max_span_attributes is not None else 2**62
        self.instrumentation_scope = self.sdk._instrumentation_scope
        self.instrumentation_info = self.sdk.instrumentation_info
        # A tracer switched off by the provider's (experimental) tracer configurator makes no spans.
        self._enabled = getattr(self.sdk, "_is_enabled", lambda: True)
        # The default sampler (parent-based, always on) decided inline: it samples a root and follows its parent.
        self._default_sampler = self.sampler is sampling.DEFAULT_ON
        # Any parent-based sampler (``parentbased_traceidratio``, say) decides a span with a local parent by that
        # parent alone, unless told otherwise: decided inline too, the sampler asked only about roots.
        self._local_parent_decides = isinstance(self.sampler, sampling.ParentBased) and (
            getattr(self.sampler, "_local_parent_sampled", None) is sampling.ALWAYS_ON
            and getattr(self.sampler, "_local_parent_not_sampled", None) is sampling.ALWAYS_OFF
        )

    def start_span(
        self,
        name: str,
        context: context_api.Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[trace_api.Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace_api.Span:
        if links:
            return self.sdk.start_span(
                name, context, kind, attributes, links, start_time, record_exception, set_status_on_exception
            )
        parent = current_span(context).get_span_context()
        if not self._enabled():
            return trace_api.NonRecordingSpan(parent)
        if parent is None or not parent.is_valid:
            parent = None
            trace_id = self.id_generator.generate_trace_id()
            random_id = self.id_generator.is_trace_id_random()
        else:
            trace_id = parent.trace_id
            random_id = parent.trace_flags.random_trace_id
        if self._default_sampler or (self._local_parent_decides and parent is not None and not parent.is_remote):
            sampled = parent is None or parent.trace_flags.sampled
            trace_state = parent.trace_state if parent is not None else None
            kept = attributes if sampled else None
            recording = sampled
        else:
            result = self.sampler.should_sample(context, trace_id, name, kind, attributes, links)
            sampled = result.decision.is_sampled()
            recording = result.decision.is_recording()
            trace_state = result.trace_state
            kept = result.attributes
        span_id = self.id_generator.generate_span_id()
        # ``SpanContext(...)`` builds this very tuple, validity included, after its keyword handling (~1 µs).
        span_context = _new_tuple(
            trace_api.SpanContext,
            (
                trace_id,
                span_id,
                False,
                _SAMPLED_FLAGS[sampled, bool(random_id)],
                DEFAULT_TRACE_STATE if trace_state is None else trace_state,
                0 < trace_id <= _MAX_TRACE_ID and 0 < span_id <= _MAX_SPAN_ID,
            ),
        )
        if not recording:
            return trace_api.NonRecordingSpan(span_context)
        stored: dict[str, Any] = {}
        dropped = 0
        if kept:
            limits = self.limits
            if len(kept) <= self.roomy:
                # Nothing to evict and no key twice: strings within the length limit and numbers go in as they
                # are, as ``_store`` would put them (a call per attribute saved: ~20 attributes a run request).
                longest = limits.max_span_attribute_length
                for key, value in kept.items():
                    of = type(value)
                    if of in _PLAIN and (of is not str or longest is None or len(value) <= longest) and (
                        type(key) is str and key
                    ):
                        stored[key] = value
                    else:
                        dropped += _store(stored, _start_key(key), value, limits)
            else:
                for key, value in kept.items():
                    dropped += _store(stored, _start_key(key), value, limits)
        span = LeanSpan(
            self,
            name,
            span_context,
            parent,
            kind,
            stored,
            dropped,
            record_exception,
            set_status_on_exception,
            start_time if start_time is not None else time_ns(),
        )
        processors = self.processors
        if processors.seen is not processors.source._span_processors:
            processors.refresh()
        for on_start in processors.starts:
            on_start(span, parent_context=context)
        return span

    @_agnosticcontextmanager
    def start_as_current_span(
        self,
        name: str,
        context: context_api.Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[trace_api.Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[trace_api.Span]:
        span = self.start_span(
            name, context, kind, attributes, links, start_time, record_exception, set_status_on_exception
        )
        with trace_api.use_span(
            span,
            end_on_exit=end_on_exit,
            record_exception=record_exception,
            set_status_on_exception=set_status_on_exception,
        ) as current:
            yield current


def _store(attributes: dict[str, Any], key: str, value: Any, limits: SpanLimits) -> int:
    """Put one attribute as the SDK's ``BoundedAttributes`` would; the number dropped (0 or 1).

    Strings, numbers and booleans, the values nearly every span carries, are checked inline; anything else goes
    through the SDK's own cleaning (sequences to tuples, other objects to text)."""
    if not key or (type(key) is not str and not isinstance(key, str)):
        return 1
    kind = type(value)
    if kind is str:
        limit = limits.max_span_attribute_length
        if limit is not None and len(value) > limit:
            value = value[:limit]
    elif kind not in _PLAIN:
        value = _clean_attribute_value(value, limits.max_span_attribute_length)
    dropped = 0
    if key in attributes:
        del attributes[key]
    elif limits.max_span_attributes is not None and len(attributes) >= limits.max_span_attributes:
        if not limits.max_span_attributes:
            return 1
        del attributes[next(iter(attributes))]  # the SDK drops the oldest to make room
        dropped = 1
    attributes[key] = value
    return dropped


def _start_key(key: Any) -> Any:
    """A key given at a span's start as the SDK takes it there: other types than ``str`` by their text if they
    have one of their own (``7`` becomes ``"7"``), else not at all (``set_attribute`` takes no such key)."""
    if type(key) is str or isinstance(key, str):
        return key
    return str(key) if _is_non_custom_str(key) else None


def children_follow_parent(sampler: Any) -> bool:
    """Whether ``sampler`` never samples a span whose parent was not sampled.

    True of parent-based samplers (``parentbased_*``, the default) unless told otherwise for an unsampled parent,
    and of ``always_off``. Not of a bare ratio sampler: it ignores the parent, whose verdict may have come from
    elsewhere (a remote caller). Unknown samplers may look at anything, so they are asked about every span.
    """
    if isinstance(sampler, sampling.ParentBased):
        return all(
            getattr(sampler, delegate, None) is sampling.ALWAYS_OFF
            for delegate in ("_local_parent_not_sampled", "_remote_parent_not_sampled")
        )
    return sampler is sampling.ALWAYS_OFF


def lean_tracer(provider: trace_api.TracerProvider, name: str) -> trace_api.Tracer:
    """A ``LeanTracer`` on the SDK's own ``TracerProvider``; any other provider's (a subclass too) own tracer."""
    if type(provider) is TracerProvider and not provider._disabled:
        return LeanTracer(provider, name)
    return provider.get_tracer(name)
