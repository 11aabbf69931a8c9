"""DashboardSpanProcessor: groups spans by operation, hands over complete traces, bounds everything."""

import time

import pytest
from opentelemetry.sdk.trace import TracerProvider

from hayhooks.dashboard.processor import DashboardSpanProcessor
from hayhooks.dashboard.record import NAME


@pytest.fixture
def setup():
    processor = DashboardSpanProcessor(grace_s=0.0, queue_size=3)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    yield processor, provider.get_tracer("t")
    provider.shutdown()


def operation(tracer, children: int = 2):
    with tracer.start_as_current_span("hayhooks.pipeline.run", attributes={"hayhooks.kind": "run"}) as root:
        for i in range(children):
            with tracer.start_as_current_span(f"child{i}"):
                pass
    return root


def test_a_finished_operation_is_handed_over_with_its_spans(setup):
    processor, tracer = setup
    root = operation(tracer)
    [finished], _ = processor.take_ready(time.monotonic() + 1)
    assert finished.trace_id == root.get_span_context().trace_id
    assert sorted(s[NAME] for s in finished.spans) == ["child0", "child1"]
    assert processor._open == {}


def test_nothing_is_handed_over_before_the_grace(setup):
    processor, tracer = setup
    processor.grace_s = 10
    operation(tracer)
    ready, next_due = processor.take_ready()
    assert ready == [] and next_due is not None


def test_traces_not_rooted_in_an_operation_are_ignored(setup):
    processor, tracer = setup
    with tracer.start_as_current_span("someone.elses.span"), tracer.start_as_current_span("child"):
        pass
    assert processor.take_ready(time.monotonic() + 1)[0] == []
    assert processor.stats.foreign == 1


def test_full_queue_drops_the_oldest_and_counts(setup):
    processor, tracer = setup
    roots = [operation(tracer, 0) for _ in range(5)]
    ready, _ = processor.take_ready(time.monotonic() + 1)
    assert [f.trace_id for f in ready] == [r.get_span_context().trace_id for r in roots[2:]]
    assert processor.stats.dropped == 2


def test_span_ending_after_hand_over_is_counted_as_straggler(setup):
    processor, tracer = setup
    root = tracer.start_span("hayhooks.pipeline.run", attributes={"hayhooks.kind": "run"})
    from opentelemetry import trace

    late = tracer.start_span("late", context=trace.set_span_in_context(root))
    root.end()
    processor.take_ready(time.monotonic() + 1)
    late.end()
    assert processor.take_ready(time.monotonic() + 1)[0] == []  # the flusher's next look sorts it out
    assert processor.stats.stragglers == 1


def test_span_ending_within_the_grace_joins_its_trace(setup):
    processor, tracer = setup
    processor.grace_s = 10
    from opentelemetry import trace

    root = tracer.start_span("hayhooks.pipeline.run", attributes={"hayhooks.kind": "run"})
    late = tracer.start_span("late", context=trace.set_span_in_context(root))
    root.end()
    late.end()
    [finished], _ = processor.take_ready(time.monotonic() + 11)
    assert [s[NAME] for s in finished.spans] == ["late"]


def test_long_running_operation_is_announced_once(setup):
    processor, tracer = setup
    root = tracer.start_span("hayhooks.pipeline.run", attributes={"hayhooks.kind": "run"})
    assert processor.take_running(older_than_s=10) == []
    [running] = processor.take_running(older_than_s=0)
    assert running.root is root
    assert processor.take_running(older_than_s=0) == []
    root.end()


def test_unsampled_spans_never_reach_the_processor():
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    processor = DashboardSpanProcessor(grace_s=0)
    provider = TracerProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(processor)
    operation(provider.get_tracer("t"))
    assert processor.take_ready(time.monotonic() + 1)[0] == []


def test_errors_inside_the_processor_never_reach_the_caller(setup):
    processor, tracer = setup
    processor._ended = None  # type: ignore[assignment]  # any use now fails
    operation(tracer)
    assert processor.stats.errors > 0


def test_traces_waiting_for_their_grace_hold_no_sdk_span_objects():
    """Spans are packed as they end: the SDK's span objects are freed at once, not walked by the collector."""
    import gc
    import weakref

    from opentelemetry.sdk.trace import SpanProcessor

    ended = []

    class Watch(SpanProcessor):
        def on_end(self, span):
            ended.append(weakref.ref(span))

    processor = DashboardSpanProcessor(grace_s=10)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    provider.add_span_processor(Watch())
    operation(provider.get_tracer("t"))
    gc.collect()
    assert len(ended) == 3 and processor.pending() == 1
    assert [ref() for ref in ended] == [None, None, None]
    [finished], _ = processor.take_ready(time.monotonic() + 11)
    assert finished.root[NAME] == "hayhooks.pipeline.run"
    assert sorted(s[NAME] for s in finished.spans) == ["child0", "child1"]


def test_an_operation_continuing_a_remote_trace_is_a_root_of_its_own(setup):
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    from hayhooks.dashboard.record import PARENT_ID, SPAN_ID

    processor, tracer = setup
    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    with trace.use_span(NonRecordingSpan(remote)):
        root = operation(tracer, children=1)
    [finished], _ = processor.take_ready(time.monotonic() + 1)
    assert finished.trace_id == 0xABC
    assert (finished.root[SPAN_ID], finished.root[PARENT_ID]) == (root.get_span_context().span_id, 0)
    assert finished.spans[0][PARENT_ID] == root.get_span_context().span_id


def test_an_operation_that_ended_before_the_flusher_looked_is_never_announced_as_running(setup):
    processor, tracer = setup
    operation(tracer)
    assert processor.take_running(older_than_s=0) == []
    [_finished], _ = processor.take_ready(time.monotonic() + 1)
    assert processor.take_running(older_than_s=0) == []


def test_an_ending_operation_wakes_the_flusher_once_until_it_looks(setup):
    processor, tracer = setup
    wakes = []
    processor.set_waker(lambda: wakes.append(1))
    operation(tracer)
    operation(tracer)
    assert wakes == [1]
    processor.take_ready(time.monotonic() + 1)
    operation(tracer)
    assert wakes == [1, 1]


def test_spans_of_other_instrumentation_do_not_wake_the_flusher(setup):
    processor, tracer = setup
    wakes = []
    processor.set_waker(lambda: wakes.append(1))
    with tracer.start_as_current_span("someone.elses.span"):
        pass
    assert wakes == []


def test_a_full_inbox_refuses_spans_and_counts_them():
    processor = DashboardSpanProcessor(grace_s=0, queue_size=1, max_open=1)  # an inbox of 10 spans
    provider = TracerProvider()
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("t")
    for _ in range(4):
        operation(tracer)  # 3 spans each, and nobody takes them
    assert processor.stats.dropped == 2
    [_finished], _ = processor.take_ready(time.monotonic() + 1)
    assert processor.stats.dropped == 2 + 2  # of the 3 complete operations the queue of 1 keeps the newest


def _callers_context(trace_id: int = 0xABC):
    """The context of a caller that sends one ``traceparent`` on each of its calls."""
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    caller = SpanContext(trace_id, 0xDEF, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return trace.set_span_in_context(NonRecordingSpan(caller))


def _children(finished) -> list[str]:
    return sorted(s[NAME] for s in finished.spans)


@pytest.mark.parametrize("look_between", [True, False])
def test_calls_sharing_a_callers_trace_id_are_operations_of_their_own(setup, look_between):
    from opentelemetry import context

    processor, tracer = setup
    ready = []
    for _ in range(3):
        token = context.attach(_callers_context())
        try:
            operation(tracer, children=2)
        finally:
            context.detach(token)
        if look_between:
            ready += processor.take_ready(time.monotonic() + 1)[0]
    ready += processor.take_ready(time.monotonic() + 1)[0]
    assert len(ready) == 3 and len({f.root[0] for f in ready}) == 3
    assert [_children(f) for f in ready] == [["child0", "child1"]] * 3
    assert processor.stats.stragglers == 0
    assert processor._open == {}


def test_concurrent_calls_sharing_a_trace_id_each_keep_their_own_spans(setup):
    from opentelemetry import trace

    processor, tracer = setup
    parent = _callers_context()
    first = tracer.start_span("hayhooks.pipeline.run", context=parent, attributes={"hayhooks.kind": "run"})
    second = tracer.start_span("hayhooks.pipeline.run", context=parent, attributes={"hayhooks.kind": "run"})
    assert len(processor.take_running(older_than_s=0)) == 2  # both announced while they run
    for root, name in ((first, "a"), (second, "b"), (first, "a2")):
        tracer.start_span(name, context=trace.set_span_in_context(root)).end()
    first.end()
    tracer.start_span("b2", context=trace.set_span_in_context(second)).end()
    second.end()
    ready, _ = processor.take_ready(time.monotonic() + 1)
    assert [_children(f) for f in ready] == [["a", "a2"], ["b", "b2"]]
    assert processor._open == {}


def test_calls_sharing_a_trace_id_that_all_ended_before_the_flusher_looked_keep_their_own_spans(setup):
    from opentelemetry import trace

    processor, tracer = setup
    parent = _callers_context()
    roots = [tracer.start_span("hayhooks.pipeline.run", context=parent, attributes={"hayhooks.kind": "run"})
             for _ in range(3)]
    children = [tracer.start_span(f"child-of-{n}", context=trace.set_span_in_context(root))
                for n, root in enumerate(roots)]
    for span in (*children, *roots):  # every child first, then every root, before the flusher sorts any
        span.end()
    ready, _ = processor.take_ready(time.monotonic() + 1)
    assert sorted(_children(f) for f in ready) == [["child-of-0"], ["child-of-1"], ["child-of-2"]]
    assert processor._open == {}  # nothing left behind
