"""Lean spans are SDK spans in every way a processor, an exporter or a caller can see; only cheaper to make."""

from collections.abc import Callable

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, SpanProcessor, TracerProvider, sampling
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from hayhooks.tracing.lean import LeanSpan, LeanTracer, children_follow_parent, lean_tracer
from hayhooks.tracing.provider import build_tracing

Scenario = Callable[[trace.Tracer], None]


def exported(make_tracer: Callable[[TracerProvider], trace.Tracer], scenario: Scenario, **provider_args) -> list:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(**provider_args)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    scenario(make_tracer(provider))
    return list(exporter.get_finished_spans())


def sdk(provider: TracerProvider) -> trace.Tracer:
    return provider.get_tracer("t")


def lean(provider: TracerProvider) -> trace.Tracer:
    return LeanTracer(provider, "t")


def comparable(spans: list[ReadableSpan]) -> list[dict]:
    """What an exporter reads of each span, with ids replaced by their position (ids are random)."""
    ids = {s.context.span_id: i for i, s in enumerate(spans)}
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "parent": ids.get(s.parent.span_id) if s.parent else None,
            "same_trace": s.context.trace_id == spans[0].context.trace_id,
            "sampled": s.context.trace_flags.sampled,
            "attributes": dict(s.attributes),
            "dropped_attributes": s.dropped_attributes,
            "status": (s.status.status_code, s.status.description),
            "events": [(e.name, sorted(dict(e.attributes))) for e in s.events],
            "resource": dict(s.resource.attributes),
            "scope": s.instrumentation_scope.name,
            "timed": 0 < s.start_time <= s.end_time,
        }
        for s in spans
    ]


def nested_operation(tracer: trace.Tracer) -> None:
    with tracer.start_as_current_span("op", kind=SpanKind.SERVER, attributes={"hayhooks.kind": "run", "n": 3}) as op:
        op.set_attribute("http.response.status_code", 200)
        with tracer.start_as_current_span("pipeline", attributes={"flag": True, "ratio": 0.5}):
            child = tracer.start_span("component", attributes={"name": "upper"})
            child.set_attributes({"types": ["str", "int"], "visits": 1})
            child.end()


def failing_operation(tracer: trace.Tracer) -> None:
    with pytest.raises(ValueError), tracer.start_as_current_span("op"):
        raise ValueError("bad input")


def odd_attributes(tracer: trace.Tracer) -> None:
    span = tracer.start_span("odd", attributes={"long": "x" * 50, "": "no key", "none": None})
    span.set_attribute("bytes", b"\x00\x01")
    span.set_attribute("object", object())
    span.set_attribute("nested", {"a": [1, 2], "b": {"c": "y" * 40}})
    span.set_attribute(42, "not a str key")  # type: ignore[arg-type]
    for i in range(6):
        span.set_attribute(f"k{i}", i)
    span.end()


def many_attributes_at_start(tracer: trace.Tracer) -> None:
    class Name(str):
        pass

    first = {f"k{i}": i for i in range(10)}
    tracer.start_span("crowded", attributes=first).end()
    mixed = {"flag": False, "ratio": 1.5, "short": "y" * 20, "long": "z" * 21, "sub": Name("n")}
    mixed |= {7: "int key", Name("k"): 1}
    span = tracer.start_span("mixed", attributes=mixed)
    span.set_attribute(Name("later"), 2)
    span.end()


def set_after_end(tracer: trace.Tracer) -> None:
    span = tracer.start_span("late")
    span.end()
    span.set_attribute("after", 1)
    span.set_status(Status(StatusCode.ERROR, "after"))
    span.update_name("renamed")
    span.add_event("after")
    span.end()


@pytest.mark.parametrize("scenario", [nested_operation, failing_operation, set_after_end])
def test_lean_spans_export_exactly_what_sdk_spans_export(scenario):
    assert comparable(exported(lean, scenario)) == comparable(exported(sdk, scenario))


def test_succeed_sets_ok_as_set_status_would_and_leaves_an_error_or_an_ended_span_alone():
    tracer = lean_tracer(TracerProvider(), "t")
    fresh, failed, ended = (tracer.start_span(name) for name in ("fresh", "failed", "ended"))
    failed.set_status(Status(StatusCode.ERROR, "boom"))
    ended.end()
    for span in (fresh, failed, ended):
        span.succeed()
    assert fresh.status.status_code is StatusCode.OK
    assert failed.status.status_code is StatusCode.ERROR
    assert ended.status.status_code is StatusCode.UNSET


def test_attribute_values_are_cleaned_and_limited_like_the_sdk():
    limits = SpanLimits(max_span_attributes=8, max_span_attribute_length=20)
    assert comparable(exported(lean, odd_attributes, span_limits=limits)) == comparable(
        exported(sdk, odd_attributes, span_limits=limits)
    )
    (span,) = exported(lean, odd_attributes, span_limits=limits)
    assert len(span.attributes) == 8
    assert span.dropped_attributes > 0


def test_attributes_given_at_start_are_cleaned_and_limited_like_the_sdk():
    limits = SpanLimits(max_span_attributes=8, max_span_attribute_length=20)
    lean_spans = exported(lean, many_attributes_at_start, span_limits=limits)
    assert comparable(lean_spans) == comparable(exported(sdk, many_attributes_at_start, span_limits=limits))
    crowded, mixed = lean_spans
    assert len(crowded.attributes) == 8 and crowded.dropped_attributes == 2
    assert mixed.attributes["long"] == "z" * 20


def test_the_providers_sampler_decides():
    def root(tracer: trace.Tracer) -> None:
        span = tracer.start_span("root")
        assert isinstance(span, NonRecordingSpan) and not span.is_recording()
        span.end()

    assert exported(lean, root, sampler=sampling.ALWAYS_OFF) == []


def test_an_unsampled_remote_parent_is_followed_and_a_sampled_one_continued():
    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(TraceFlags.DEFAULT))
    sampled = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))

    def under(parent: SpanContext) -> Scenario:
        def scenario(tracer: trace.Tracer) -> None:
            tracer.start_span("child", context=trace.set_span_in_context(NonRecordingSpan(parent))).end()

        return scenario

    assert exported(lean, under(remote)) == []
    (span,) = exported(lean, under(sampled))
    assert span.context.trace_id == 0xABC and span.parent.span_id == 0xDEF and span.parent.is_remote


def test_a_ratio_sampler_gets_the_same_decision_for_the_same_trace():
    ratio = sampling.TraceIdRatioBased(0.5)

    def scenario(tracer: trace.Tracer) -> None:
        for trace_id in range(1, 2**64, 2**58):
            parent = SpanContext(trace_id, 0x1, is_remote=True, trace_flags=TraceFlags(TraceFlags.DEFAULT))
            context = trace.set_span_in_context(NonRecordingSpan(parent))
            tracer.start_span("s", context=context).end()

    lean_ids = [s.context.trace_id for s in exported(lean, scenario, sampler=ratio)]
    sdk_ids = [s.context.trace_id for s in exported(sdk, scenario, sampler=ratio)]
    assert lean_ids == sdk_ids and 0 < len(lean_ids) < 64


def test_a_parent_based_ratio_sampler_keeps_whole_traces_as_the_sdk_does():
    from opentelemetry.sdk.trace.id_generator import IdGenerator

    class Counting(IdGenerator):
        """Ids in a fixed order, spread over the trace-id range: both tracers see the same traces."""

        def __init__(self) -> None:
            self.spans = 0
            self.traces = 0

        def generate_span_id(self) -> int:
            self.spans += 1
            return self.spans

        def generate_trace_id(self) -> int:
            self.traces += 1
            return self.traces * 2**58 + 1

    def traces(tracer: trace.Tracer) -> None:
        for _ in range(60):
            with tracer.start_as_current_span("root"), tracer.start_as_current_span("pipeline"):
                tracer.start_span("component", attributes={"n": 1}).end()

    sampler = sampling.ParentBasedTraceIdRatio(0.5)
    lean_spans = exported(lean, traces, sampler=sampler, id_generator=Counting())
    sdk_spans = exported(sdk, traces, sampler=sampler, id_generator=Counting())
    assert comparable(lean_spans) == comparable(sdk_spans)
    assert [s.context.trace_id for s in lean_spans] == [s.context.trace_id for s in sdk_spans]
    assert 0 < len(lean_spans) < 180 and len(lean_spans) % 3 == 0


def test_processors_see_start_and_the_ended_span_itself_frozen():
    seen: list[tuple[str, object]] = []

    class Recorder(SpanProcessor):
        def on_start(self, span, parent_context=None):
            seen.append(("start", span))

        def on_end(self, span):
            seen.append(("end", span))

    provider = TracerProvider()
    provider.add_span_processor(Recorder())
    span = LeanTracer(provider, "t").start_span("s", attributes={"a": 1})
    span.end()
    span.set_attribute("b", 2)
    assert [kind for kind, _ in seen] == ["start", "end"]
    assert seen[0][1] is span and seen[1][1] is span
    assert dict(span.attributes) == {"a": 1}


def test_a_current_span_is_the_parent_and_its_context_is_restored():
    def scenario(tracer: trace.Tracer) -> None:
        before = otel_context.get_current()
        with tracer.start_as_current_span("outer") as outer:
            assert trace.get_current_span() is outer
            tracer.start_span("inner").end()
        assert otel_context.get_current() == before

    inner, outer = exported(lean, scenario)
    assert inner.parent.span_id == outer.context.span_id
    assert inner.context.trace_id == outer.context.trace_id


def test_a_span_with_links_is_made_by_the_sdk():
    link = Link(SpanContext(0xABC, 0xDEF, is_remote=True))
    (span,) = exported(lean, lambda tracer: tracer.start_span("linked", links=[link]).end())
    assert not isinstance(span, LeanSpan)
    assert span.links[0].context.span_id == 0xDEF


def test_links_and_events_added_later_are_kept():
    def scenario(tracer: trace.Tracer) -> None:
        span = tracer.start_span("s")
        span.add_link(SpanContext(0xABC, 0xDEF, is_remote=True))
        span.add_event("checkpoint", {"step": 1})
        span.end()

    (span,) = exported(lean, scenario)
    assert [link.context.span_id for link in span.links] == [0xDEF]
    assert [(e.name, dict(e.attributes)) for e in span.events] == [("checkpoint", {"step": 1})]


def test_only_the_sdks_own_provider_gets_lean_spans():
    class Custom(TracerProvider):
        pass

    assert isinstance(lean_tracer(TracerProvider(), "t"), LeanTracer)
    assert not isinstance(lean_tracer(Custom(), "t"), LeanTracer)
    assert not isinstance(lean_tracer(trace.NoOpTracerProvider(), "t"), LeanTracer)


def test_the_servers_tracers_are_lean_and_shared_per_name():
    tracing = build_tracing(TracerProvider())
    assert isinstance(tracing.tracer(), LeanTracer)
    assert tracing.tracer("haystack") is tracing.tracer("haystack")


class Recording(SpanProcessor):
    def __init__(self, calls: list[str], name: str) -> None:
        self.calls, self.name = calls, name

    def on_start(self, span, parent_context=None) -> None:
        self.calls.append(f"{self.name} start {span.name}")

    def _on_ending(self, span) -> None:
        self.calls.append(f"{self.name} ending {span.name}")

    def on_end(self, span) -> None:
        self.calls.append(f"{self.name} end {span.name}")


def test_processors_are_called_in_order_including_one_added_after_the_tracer_was_made():
    calls: list[str] = []
    provider = TracerProvider()
    provider.add_span_processor(Recording(calls, "a"))
    tracer = LeanTracer(provider, "t")
    tracer.start_span("first").end()
    provider.add_span_processor(Recording(calls, "b"))
    tracer.start_span("second").end()
    assert calls == [
        "a start first", "a ending first", "a end first",
        "a start second", "b start second", "a ending second", "b ending second", "a end second", "b end second",
    ]


def test_a_concurrent_multi_processor_provider_dispatches_its_own_way():
    from opentelemetry.sdk.trace import ConcurrentMultiSpanProcessor

    calls: list[str] = []
    active = ConcurrentMultiSpanProcessor()
    active.add_span_processor(Recording(calls, "a"))
    provider = TracerProvider(active_span_processor=active, shutdown_on_exit=False)
    LeanTracer(provider, "t").start_span("only").end()
    active.shutdown()
    assert calls == ["a start only", "a ending only", "a end only"]


@pytest.mark.parametrize(
    ("sampler", "follows"),
    [
        (sampling.DEFAULT_ON, True),
        (sampling.ParentBasedTraceIdRatio(0.1), True),
        (sampling.TraceIdRatioBased(0.1), False),
        (sampling.ALWAYS_OFF, True),
        (sampling.ALWAYS_ON, False),
        (sampling.ParentBased(sampling.ALWAYS_ON, local_parent_not_sampled=sampling.ALWAYS_ON), False),
        (None, False),
    ],
)
def test_which_samplers_never_sample_the_child_of_an_unsampled_span(sampler, follows):
    assert children_follow_parent(sampler) is follows
