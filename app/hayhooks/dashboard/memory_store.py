"""``MemoryTraceStore``: a ring buffer in this process — the embedded default, one worker's view."""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections import deque
from collections.abc import Sequence

from hayhooks.dashboard.broadcast import Broadcaster, Subscription
from hayhooks.dashboard.record import operation_key
from hayhooks.dashboard.store import (
    Appended,
    Cursor,
    LazyCursors,
    Page,
    Payload,
    StoreEvent,
    StoreStats,
    TraceRecord,
    encode,
    newest_per_trace,
    next_generation,
    note_running,
)

Entry = tuple[int, int, str, str | None, Payload]  # ms, seq, operation key, pipeline, payload with its cursor


class MemoryTraceStore:
    """Keeps the newest ``capacity`` traces; cursors are issued like Redis stream IDs."""

    kind = "memory"
    shared = False

    def __init__(self, capacity: int = 200, *, generation: int = 0) -> None:
        """``generation``: where it starts; a server of one process gives the time it started, so that a page
        still open on its predecessor (a ``--reload``) sees that the traces it lists are gone."""
        self.capacity = capacity
        # (ms, seq, operation key, pipeline, payload with cursor): only atomic values, so the garbage collector stops
        # tracking these tuples. With Cursor objects inside, 100 000 stored traces were 200 000 objects that
        # every full collection walked: 100 ms pauses and a fifth of the throughput gone.
        self._entries: deque[Entry] = deque(maxlen=capacity)
        # Each pipeline's entries (the same tuples), so that one pipeline's page reads its own, not the whole buffer
        # (27 ms for a page of a rare pipeline among 100 000 traces, the event loop held all along).
        self._by_pipeline: dict[str, deque[Entry]] = {}
        # Operation → position of its "running" snapshot, dropped when its final record comes: capacity counts
        # traces, and a long operation does not hold two places.
        self._running: dict[str, tuple[int, int]] = {}
        self._last_ms, self._last_seq = 0, 0
        self._generation = generation
        self._cleared_at_ms = 0.0
        self._broadcaster = Broadcaster()

    def _next_position(self) -> tuple[int, int]:
        now = time.time_ns() // 1_000_000  # integer arithmetic: one of these per trace appended
        if now > self._last_ms:
            self._last_ms, self._last_seq = now, 0
        else:
            self._last_seq += 1
        return self._last_ms, self._last_seq

    async def append(self, traces: Sequence[TraceRecord], generation: int) -> Appended:
        if generation != self._generation:
            return Appended(generation=self._generation, stale=True, cleared_at_ms=self._cleared_at_ms)
        positions = []
        entries, broadcaster, running, by_pipeline = self._entries, self._broadcaster, self._running, self._by_pipeline
        for record in traces:
            ms, seq = position = self._next_position()
            # The cursor goes in before encoding, not spliced in after: one copy of the record's JSON, not two.
            payload = encode({"cursor": f"{ms}-{seq}", **record})
            pipeline = record.get("entrypoint")
            key = operation_key(record)
            if record.get("running"):
                note_running(running, key, position, self.capacity)
            elif running and key in running:
                self._drop(running.pop(key))
            entry = (ms, seq, key, pipeline, payload)
            if len(entries) == self.capacity:  # the oldest is pushed out
                self._unindex_oldest(entries[0][3])
            entries.append(entry)
            if pipeline is not None:
                own = by_pipeline.get(pipeline)
                if own is None:  # not setdefault: that would make a deque for every trace, to throw it away
                    own = by_pipeline[pipeline] = deque()
                own.append(entry)
            positions.append(position)
            if broadcaster.wants(pipeline):  # events are made only for someone to take them
                broadcaster.publish(StoreEvent(Cursor(ms, seq), payload, self._generation, pipeline))
        return Appended(cursors=LazyCursors(positions, Cursor._make), generation=self._generation)

    def _unindex_oldest(self, pipeline: str | None) -> None:
        """The buffer's oldest entry is going: it is also the oldest of its pipeline's."""
        if pipeline is not None:
            own = self._by_pipeline[pipeline]
            own.popleft()
            if not own:
                del self._by_pipeline[pipeline]

    def _drop(self, position: tuple[int, int]) -> None:
        entries = self._entries
        index = _find(entries, position)
        if index is not None:
            pipeline = entries[index][3]
            del entries[index]  # near the end (a snapshot of an operation that just finished): quick in a deque
            own = self._by_pipeline.get(pipeline) if pipeline is not None else None
            if own is not None and (own_index := _find(own, position)) is not None:
                del own[own_index]
                if not own:
                    del self._by_pipeline[pipeline]

    async def page(
        self,
        *,
        after: Cursor | None = None,
        since_ms: int | None = None,
        limit: int = 50,
        pipeline: str | None = None,
        before: Cursor | None = None,
    ) -> Page:
        entries = self._entries
        # One pipeline's page reads only its own entries.
        source: Sequence[Entry] = entries if pipeline is None else self._by_pipeline.get(pipeline, ())
        if before is not None:
            end = bisect.bisect_left(source, (before.ms, before.seq), key=lambda e: (e[0], e[1]))
            picked, has_more = _backwards(source, end, since_ms, limit, look_ahead=True)
            oldest = picked[-1][0] if picked else before
            return Page([p for _, p in picked], None, has_more, self._generation, next_before=oldest)
        if after is None:
            picked, _ = _backwards(source, len(source), since_ms, limit, look_ahead=False)
            # Go on from the buffer's newest entry, not the page's newest trace: only other pipelines' lie between.
            head = Cursor(entries[-1][0], entries[-1][1]) if entries else Cursor(self._last_ms, self._last_seq)
            return Page([p for _, p in picked], head, False, self._generation)

        chosen: list[tuple[Cursor, str, Payload]] = []
        scanned, has_more = after, False
        start = bisect.bisect_right(source, (after.ms, after.seq), key=lambda e: (e[0], e[1]))
        for index in range(start, len(source)):  # indexing a deque near its end is quick; islice walks from the start
            ms, seq, trace_id, _pipeline, payload = source[index]
            if len(chosen) == limit:
                has_more = True
                break
            scanned = Cursor(ms, seq)
            if since_ms is None or ms >= since_ms:
                chosen.append((scanned, trace_id, payload))
        if pipeline is not None and not has_more and entries:  # past the other pipelines' newer entries too
            scanned = max(scanned, Cursor(entries[-1][0], entries[-1][1]))
        return Page(newest_per_trace(chosen), scanned, has_more, self._generation)

    def follow(self, after: Cursor | None = None, pipeline: str | None = None) -> Subscription:
        """Events after ``after`` from now on (the subscription is registered before this returns)."""
        return self._broadcaster.subscribe(after, pipeline)

    async def clear(self) -> int:
        self._entries.clear()
        self._by_pipeline.clear()
        self._running.clear()
        self._generation = next_generation(self._generation)
        self._cleared_at_ms = time.time() * 1000
        cursor = Cursor(*self._next_position())  # clears take a position too, so cursors never go backwards
        self._broadcaster.publish(StoreEvent(cursor, None, self._generation))
        await asyncio.sleep(0)
        return self._generation

    async def generation(self) -> int:
        return self._generation

    async def stats(self) -> StoreStats:
        return StoreStats(kind=self.kind, stored=len(self._entries), capacity=self.capacity,
                          generation=self._generation)

    async def aclose(self) -> None:
        self._broadcaster.close()


def _find(entries: deque[Entry], position: tuple[int, int]) -> int | None:
    index = bisect.bisect_left(entries, position, key=lambda e: (e[0], e[1]))
    if index < len(entries) and (entries[index][0], entries[index][1]) == position:
        return index
    return None


def _backwards(
    entries: Sequence[Entry], end: int, since_ms: int | None, limit: int, *, look_ahead: bool
) -> tuple[list[tuple[Cursor, Payload]], bool]:
    """Up to ``limit`` traces of ``entries`` (the buffer or one pipeline's) before position ``end``, newest first
    (one entry per trace: a finished record and its running snapshot are one), and, with ``look_ahead``, whether
    an older one exists."""
    picked: list[tuple[Cursor, Payload]] = []
    seen: set[str] = set()
    # A reversed iterator, not indexing: a deque's index walks from its nearer end, and a page may scan it all.
    for ms, seq, trace_id, _pipeline, payload in itertools.islice(reversed(entries), len(entries) - end, None):
        if since_ms is not None and ms < since_ms:
            break
        if trace_id not in seen:
            if len(picked) == limit:
                return picked, True
            seen.add(trace_id)
            picked.append((Cursor(ms, seq), payload))
            if len(picked) == limit and not look_ahead:
                break
    return picked, False
