"""Fan one stream of store events out to every live subscriber (SSE clients) of this worker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hayhooks.dashboard.store import Cursor, StoreEvent

QUEUE_SIZE = 1000


class Subscription:
    """Events published after it was made (registered at once, so nothing falls between a snapshot and it).

    Iterate it with ``async for``; it ends when the broadcaster closes, or once a subscriber that fell
    ``QUEUE_SIZE`` events behind has taken what was queued. Ending is the signal: an SSE stream closes and the
    browser reconnects with ``Last-Event-ID``, which pages through what it missed.

    ``pipeline``: only that pipeline's traces (and every clear). They are picked where events are published,
    so the subscriber's task is not woken for each trace of the others, and a store reads nothing for a
    pipeline no one follows.
    """

    def __init__(self, broadcaster: Broadcaster, after: Cursor | None, pipeline: str | None = None) -> None:
        self._broadcaster = broadcaster
        self._queue: asyncio.Queue[StoreEvent | None] = asyncio.Queue(QUEUE_SIZE)
        self._lagged = False
        self.after = after
        self.pipeline = pipeline
        broadcaster._add(self)

    def _offer(self, event: StoreEvent | None) -> bool:
        if (self.pipeline is not None and event is not None and event.payload is not None
                and event.entrypoint != self.pipeline):
            return True
        try:
            self._queue.put_nowait(event)
            return True
        except asyncio.QueueFull:
            return False

    def ready(self, position: Cursor | None) -> None:
        """Say that the caller's snapshot ends at ``position``: a store that reads lazily starts there."""
        if self._broadcaster._on_ready is not None:
            self._broadcaster._on_ready(position)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> StoreEvent:
        while True:
            if self._lagged and self._queue.empty():  # nothing more will come: no waiting forever
                raise StopAsyncIteration
            event = await self._queue.get()
            if event is None:
                self.close()
                raise StopAsyncIteration
            if self.after is None or event.payload is None or event.cursor > self.after:
                return event

    def close(self) -> None:
        self._broadcaster._discard(self)

    def end(self) -> None:
        """Stop the iteration after the events already queued (the server is shutting down)."""
        self.close()
        while not self._offer(None):
            self._queue.get_nowait()

    def _cut_off(self) -> None:
        self._lagged = True
        self.close()


class Broadcaster:
    """Each subscriber has its own bounded queue; one too slow to keep up is cut off, never waited for."""

    def __init__(self, on_ready: Callable[[Cursor | None], None] | None = None) -> None:
        self._subscribers: set[Subscription] = set()
        self._on_ready = on_ready
        self._everything = False
        self._pipelines: set[str | None] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def subscribe(self, after: Cursor | None = None, pipeline: str | None = None) -> Subscription:
        return Subscription(self, after, pipeline)

    def wants(self, pipeline: str | None) -> bool:
        """Whether any subscriber takes a trace of ``pipeline``: if not, there is no event to make."""
        return self._everything or pipeline in self._pipelines

    def _add(self, subscription: Subscription) -> None:
        self._subscribers.add(subscription)
        self._recount()

    def _discard(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)
        self._recount()

    def _recount(self) -> None:
        self._pipelines = {s.pipeline for s in self._subscribers}
        self._everything = None in self._pipelines

    def publish(self, event: StoreEvent) -> None:
        for subscription in list(self._subscribers):
            if not subscription._offer(event):
                subscription._cut_off()

    def close(self) -> None:
        for subscription in list(self._subscribers):
            subscription.end()
