"""``DashboardSpanProcessor``: collect each operation's spans and hand over finished traces.

``on_start`` / ``on_end`` run on whatever thread starts or ends a span, inside the request's time, so they do
as little as they can: pack the span (a tuple; attributes as the span's own frozen dict, so a trace waiting
for its grace holds a handful of objects instead of dozens per span) and append it to an inbox, a deque that
any thread may append to without a lock. The flusher, the inbox's one consumer, sorts the inbox into traces
when it takes them (``take_ready``), on its own thread and without locks. A trace is complete when its local
root — the operation span — ends; it is handed over a short grace later, so spans that end just after the root
still join it. Spans ending under an operation already handed over are counted as stragglers; operations that
share a trace id (a caller's ``traceparent`` sent on several calls) are told apart by their spans' parent
links. Traces whose root is not an operation (someone else's instrumentation on a shared provider) are dropped.
Everything is bounded: the open traces and the hand-over queue drop their oldest entry when full, the inbox
refuses new spans while full (only a stalled flusher lets it fill), and each counts what it dropped.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from hayhooks.dashboard.record import (
    ATTRS,
    CONTEXT_IS_REMOTE,
    CONTEXT_SPAN_ID,
    CONTEXT_TRACE_ID,
    PARENT_ID,
    SPAN_ID,
    PackedSpan,
    pack_span,
)
from hayhooks.tracing.operations import KIND


def _is_local_root(span: ReadableSpan) -> bool:
    parent = span._parent  # the field, not the property: this runs for every span (see ``pack_span``)
    return parent is None or parent[CONTEXT_IS_REMOTE]  # a SpanContext is a tuple; its properties are Python calls


@dataclass(slots=True)
class Finished:
    """A trace whose operation span ended: its root and the other spans collected for it."""

    trace_id: int
    root: PackedSpan
    spans: list[PackedSpan]
    due: float


@dataclass(slots=True)
class Running:
    """An operation still in flight, announced once it has run longer than a threshold."""

    trace_id: int
    root: Span
    spans: list[PackedSpan]


@dataclass
class CaptureStats:
    traces: int = 0
    dropped: int = 0
    stragglers: int = 0
    evicted_open: int = 0
    foreign: int = 0
    errors: int = 0


@dataclass(slots=True)
class _Open:
    """The spans of a trace id not handed over yet, and the operation(s) they belong to.

    Usually one operation: a trace id is made per operation. A caller that sends the same ``traceparent`` on
    several calls makes several operations of one trace id; the others wait in ``more``, and the spans of each
    are told apart by their parent links when it ends (``_descendants``)."""

    root: Span | None = None
    started: float = 0.0
    announced: bool = False
    spans: list[PackedSpan] = field(default_factory=list)
    more: list[_Open] | None = None
    # Operations of this trace id that started and did not end here yet, running or not (an operation may end
    # before the flusher sees it start): more than one, and the spans must be told apart.
    operations: int = 0


_span_id = itemgetter(SPAN_ID)


def _joins(finished: Finished, parent_id: int) -> bool:
    """Whether a span with parent ``parent_id`` belongs under ``finished`` (not another call of its trace id)."""
    return parent_id == finished.root[SPAN_ID] or any(s[SPAN_ID] == parent_id for s in finished.spans)


def _descendants(root_id: int, spans: list[PackedSpan]) -> tuple[list[PackedSpan], list[PackedSpan]]:
    """``spans`` split into those under the span ``root_id`` and the others, each in the order given."""
    children: dict[int, list[PackedSpan]] = {}
    for span in spans:
        children.setdefault(span[PARENT_ID], []).append(span)
    under: set[int] = set()
    stack = [root_id]
    while stack:
        for span in children.get(stack.pop(), ()):
            under.add(span[SPAN_ID])
            stack.append(span[SPAN_ID])
    return [s for s in spans if s[SPAN_ID] in under], [s for s in spans if s[SPAN_ID] not in under]


class DashboardSpanProcessor(SpanProcessor):
    def __init__(
        self,
        *,
        grace_s: float = 0.025,
        queue_size: int = 10_000,
        max_open: int = 10_000,
        max_spans: int = 500,
    ) -> None:
        self.grace_s = grace_s
        self.max_open = max_open
        self.max_spans = max_spans
        self.stats = CaptureStats()
        # Appended by any thread, taken by the consumer: operation roots as they start, spans as they end
        # (a root's with the monotonic time it ended, never 0; other spans' with 0).
        self._started: deque[tuple[Span, float]] = deque()
        self._ended: deque[tuple[int, PackedSpan, float]] = deque()
        self._inbox_size = 10 * max(queue_size, max_open)
        # The consumer's own (no lock: only the flusher's thread touches them).
        self._open: OrderedDict[int, _Open] = OrderedDict()
        self._ready: deque[Finished] = deque()
        self._queue_size = queue_size
        self._by_trace: dict[int, Finished] = {}
        # Trace id → span ids of the operation handed over last: a span ending later under one of them is a
        # straggler; one that is not belongs to another operation of the same trace id, still to end.
        self._handed: OrderedDict[int, tuple[int, ...]] = OrderedDict()  # a few ids: a tuple is quickest to make
        self._wake: Callable[[], None] | None = None
        self._wake_pending = False

    def set_waker(self, wake: Callable[[], None] | None) -> None:
        """``wake`` is called (from any thread) when a trace is ready and the flusher may be asleep."""
        self._wake = wake

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            attributes = span._attributes
            if attributes and KIND in attributes and _is_local_root(span):
                if len(self._started) < self._inbox_size:
                    self._started.append((span, time.monotonic()))
                else:
                    self.stats.dropped += 1
        except Exception:
            self.stats.errors += 1

    def on_end(self, span: ReadableSpan) -> None:
        try:
            ended = self._ended
            if len(ended) >= self._inbox_size:  # before packing: a refused span costs no more than the check
                self.stats.dropped += 1
                return
            packed = pack_span(span)
            if packed[PARENT_ID]:
                ended.append((span._context[CONTEXT_TRACE_ID], packed, 0.0))
                return
            # ``pack_span`` gives a local root (no parent, or a remote one) parent id 0: the end of a trace.
            ended.append((span._context[CONTEXT_TRACE_ID], packed, time.monotonic()))
            if not self._wake_pending and KIND in packed[ATTRS] and (wake := self._wake) is not None:
                self._wake_pending = True
                wake()
        except Exception:
            self.stats.errors += 1

    def _sort_inbox(self) -> None:
        """Move what the inbox holds into open and finished traces (the consumer's side)."""
        started, ended = self._started, self._ended
        while started:
            span, at = started.popleft()
            entry = self._open_entry(span._context[CONTEXT_TRACE_ID])
            entry.operations += 1
            if span._end_time is None:  # one that ended already is in ``ended``, or was sorted before
                if entry.root is None:
                    entry.root, entry.started = span, at
                else:  # another operation of the same trace id (a caller's traceparent, sent twice)
                    (entry.more if entry.more is not None else self._more(entry)).append(_Open(span, at))
        grace, by_trace, handed, open_ = self.grace_s, self._by_trace, self._handed, self._open
        max_kept = self.max_spans * 2
        while ended:
            trace_id, packed, at = ended.popleft()
            if at:
                entry = open_.get(trace_id)
                spans = self._close(trace_id, entry, packed) if entry is not None else []
                if KIND not in packed[ATTRS]:
                    self.stats.foreign += 1
                    continue
                finished = Finished(trace_id, packed, spans, at + grace)
                if len(self._ready) >= self._queue_size:
                    dropped = self._ready.popleft()
                    if by_trace.get(dropped.trace_id) is dropped:
                        del by_trace[dropped.trace_id]
                    self.stats.dropped += 1
                self._ready.append(finished)
                by_trace[trace_id] = finished
            elif (entry := open_.get(trace_id)) is not None:  # the common case first: a trace still open
                if len(entry.spans) < max_kept:
                    entry.spans.append(packed)
            elif (late := by_trace.get(trace_id)) is not None and _joins(late, packed[PARENT_ID]):
                late.spans.append(packed)
            elif packed[PARENT_ID] in handed.get(trace_id, ()):
                self.stats.stragglers += 1
            else:
                self._open_entry(trace_id).spans.append(packed)

    @staticmethod
    def _more(entry: _Open) -> list[_Open]:
        entry.more = []
        return entry.more

    def _close(self, trace_id: int, entry: _Open, root: PackedSpan) -> list[PackedSpan]:
        """The spans of the operation whose root just ended; the entry stays open for others of its trace id."""
        entry.operations -= 1
        ours = entry.root is None or entry.root._context[CONTEXT_SPAN_ID] == root[SPAN_ID]
        if ours and entry.operations <= 0 and not entry.more:  # the one operation of its trace id, as nearly always
            del self._open[trace_id]
            return entry.spans
        mine, entry.spans = _descendants(root[SPAN_ID], entry.spans)
        more = entry.more or []
        if entry.root is not None and ours:
            following = more.pop(0) if more else _Open()
            entry.root, entry.started, entry.announced = following.root, following.started, following.announced
        elif not ours:
            more[:] = [o for o in more if o.root is not None and o.root._context[CONTEXT_SPAN_ID] != root[SPAN_ID]]
        if entry.operations <= 0 and entry.root is None and not entry.spans and not more:
            del self._open[trace_id]
        return mine

    def _open_entry(self, trace_id: int) -> _Open:
        entry = self._open.get(trace_id)
        if entry is None:
            if len(self._open) >= self.max_open:
                self._open.popitem(last=False)
                self.stats.evicted_open += 1
            entry = self._open[trace_id] = _Open()
        return entry

    def take_ready(self, now: float | None = None) -> tuple[list[Finished], float | None]:
        """Traces whose grace is over, and when the next one will be (``None``: nothing waiting)."""
        now = time.monotonic() if now is None else now
        self._wake_pending = False  # from here on, an operation that ends wakes the flusher again
        self._sort_inbox()
        taken: list[Finished] = []
        ready = self._ready
        while ready and ready[0].due <= now:
            finished = ready.popleft()
            if self._by_trace.get(finished.trace_id) is finished:
                del self._by_trace[finished.trace_id]
            self._handed[finished.trace_id] = (finished.root[SPAN_ID], *map(_span_id, finished.spans))
            taken.append(finished)
        while len(self._handed) > self.max_open:
            self._handed.popitem(last=False)
        next_due = ready[0].due if ready else None
        # While traces wait for their grace the flusher comes back by itself: only an idle one needs waking.
        if next_due is not None:
            self._wake_pending = True
        self.stats.traces += len(taken)
        return taken, next_due

    def take_running(self, older_than_s: float, now: float | None = None) -> list[Running]:
        """Operations in flight for longer than ``older_than_s`` that were not announced yet."""
        now = time.monotonic() if now is None else now
        self._sort_inbox()
        found = []
        for trace_id, entry in self._open.items():
            for operation in (entry, *entry.more) if entry.more else (entry,):
                if operation.root is not None and not operation.announced and now - operation.started >= older_than_s:
                    operation.announced = True
                    spans = entry.spans if not entry.more else _descendants(
                        operation.root._context[CONTEXT_SPAN_ID], entry.spans)[0]
                    found.append(Running(trace_id, operation.root, list(spans)))
        return found

    def pending(self) -> int:
        """Finished traces not handed over yet (waiting for their grace, or not sorted yet)."""
        return len(self._ready) + sum(1 for _trace_id, packed, at in list(self._ended) if at and KIND in packed[ATTRS])

    def shutdown(self) -> None:
        self._wake = None

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True
