"""``MemoryTraceStore``: a ring buffer in this process — the embedded default, one worker's view."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence

from hayhooks.dashboard.broadcast import Broadcaster, Subscription
from hayhooks.dashboard.store import (
    ZERO,
    Appended,
    Cursor,
    Page,
    StoreEvent,
    StoreStats,
    TraceRecord,
    newest_per_trace,
    with_cursor,
)


class MemoryTraceStore:
    """Keeps the newest ``capacity`` traces; cursors are issued like Redis stream IDs."""

    kind = "memory"
    shared = False

    def __init__(self, capacity: int = 200) -> None:
        self.capacity = capacity
        self._entries: deque[tuple[Cursor, TraceRecord]] = deque(maxlen=capacity)
        self._last = ZERO
        self._generation = 0
        self._cleared_at_ms = 0.0
        self._broadcaster = Broadcaster()

    def _next_cursor(self) -> Cursor:
        now = int(time.time() * 1000)
        last = self._last
        self._last = Cursor(now, 0) if now > last.ms else Cursor(last.ms, last.seq + 1)
        return self._last

    async def append(self, traces: Sequence[TraceRecord], generation: int) -> Appended:
        if generation != self._generation:
            return Appended(generation=self._generation, stale=True, cleared_at_ms=self._cleared_at_ms)
        cursors = []
        for record in traces:
            cursor = self._next_cursor()
            self._entries.append((cursor, record))
            cursors.append(cursor)
            self._broadcaster.publish(StoreEvent(cursor, record, self._generation))
        return Appended(cursors=cursors, generation=self._generation)

    async def page(
        self,
        *,
        after: Cursor | None = None,
        since_ms: int | None = None,
        limit: int = 50,
        pipeline: str | None = None,
    ) -> Page:
        def wanted(cursor: Cursor, record: TraceRecord) -> bool:
            return (since_ms is None or cursor.ms >= since_ms) and (
                pipeline is None or record.get("entrypoint") == pipeline
            )

        entries = list(self._entries)
        if after is None:
            picked: list[tuple[Cursor, TraceRecord]] = []
            seen: set[str] = set()
            for cursor, record in reversed(entries):
                if wanted(cursor, record) and record.get("trace_id") not in seen:
                    seen.add(record.get("trace_id", ""))
                    picked.append((cursor, record))
                    if len(picked) == limit:
                        break
            head = picked[0][0] if picked else (entries[-1][0] if entries else self._last)
            return self._page(picked, head, has_more=False)

        picked, scanned, has_more = [], after, False
        for cursor, record in entries:
            if cursor <= after:
                continue
            if len(picked) == limit:
                has_more = True
                break
            scanned = cursor
            if wanted(cursor, record):
                picked.append((cursor, record))
        return self._page(newest_per_trace(picked), scanned, has_more=has_more)

    def _page(self, picked: list[tuple[Cursor, TraceRecord]], next_after: Cursor, *, has_more: bool) -> Page:
        traces = [with_cursor(c, r) for c, r in sorted(picked, key=lambda e: e[0], reverse=True)]
        return Page(traces=traces, next_after=next_after, has_more=has_more, generation=self._generation)

    def follow(self, after: Cursor | None = None) -> Subscription:
        """Events after ``after`` from now on (the subscription is registered before this returns)."""
        return self._broadcaster.subscribe(after)

    async def clear(self) -> int:
        self._entries.clear()
        self._generation += 1
        self._cleared_at_ms = time.time() * 1000
        cursor = self._next_cursor()  # clears take a position too, so cursors never go backwards
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
