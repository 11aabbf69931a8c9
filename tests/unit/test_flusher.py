"""The flusher: batches into the store, survives a failing store, never resurrects cleared traces."""

import asyncio
import time

from hayhooks.dashboard.memory_store import MemoryTraceStore
from tests.flushing import make, run_op, settle


class FlakyStore(MemoryTraceStore):
    """A memory store that fails while ``down`` is set, like Redis going away."""

    def __init__(self) -> None:
        super().__init__(capacity=100)
        self.down = False
        self.calls = 0

    async def append(self, traces, generation):
        self.calls += 1
        if self.down:
            raise ConnectionError("store is down")
        return await super().append(traces, generation)

    async def generation(self):
        if self.down:
            raise ConnectionError("store is down")
        return await super().generation()


async def test_finished_traces_reach_the_store_in_batches():
    store = FlakyStore()
    tracer, flusher = make(store)
    await flusher.start()
    for _ in range(20):
        run_op(tracer)
    await settle(lambda: len(store._entries) == 20)
    assert store.calls < 20
    await flusher.aclose()


class TimedStore(MemoryTraceStore):
    """A memory store that notes when each append came."""

    def __init__(self) -> None:
        super().__init__(capacity=100)
        self.appends: list[float] = []

    async def append(self, traces, generation):
        self.appends.append(time.monotonic())
        return await super().append(traces, generation)


async def test_writes_are_at_least_the_flush_interval_apart_even_when_it_is_longer_than_a_tick():
    store = TimedStore()
    tracer, flusher = make(store, min_interval_s=0.4)
    await flusher.start()
    for _ in range(12):  # one trace every 0.1 s for 1.2 s
        run_op(tracer)
        await asyncio.sleep(0.1)
    await settle(lambda: len(store._entries) == 12)
    gaps = [b - a for a, b in zip(store.appends, store.appends[1:], strict=False)]
    assert len(store.appends) <= 5 and min(gaps) >= 0.39, gaps
    await flusher.aclose()


async def test_failing_store_degrades_keeps_traces_locally_and_replays_them():
    store = FlakyStore()
    tracer, flusher = make(store)
    await flusher.start()
    store.down = True
    for _ in range(3):
        run_op(tracer)
    await settle(lambda: flusher.degraded and len(flusher.local._entries) == 3)
    assert len(store._entries) == 0
    store.down = False
    await settle(lambda: not flusher.degraded, timeout=5)
    assert len(store._entries) == 3
    assert len(flusher.local._entries) == 0
    await flusher.aclose()


async def test_the_local_view_of_a_degraded_worker_has_a_generation_no_client_saw():
    store = FlakyStore()
    tracer, flusher = make(store)
    await flusher.start()
    seen = {await store.generation(), await flusher.local.generation()}
    assert await flusher.local.generation() > 0  # the local view's own from the start: never the 0 of a new store
    store.down = True
    run_op(tracer)
    await settle(lambda: flusher.degraded)
    assert await flusher.local.generation() not in seen
    await flusher.aclose()


async def test_local_buffer_is_bounded_and_counts_drops():
    store = FlakyStore()
    tracer, flusher = make(store)
    await flusher.start()
    store.down = True
    for _ in range(8):
        run_op(tracer)
    await settle(lambda: flusher.backlog_dropped == 3)
    assert len(flusher.backlog) == 5
    await flusher.aclose()


async def test_trace_finished_before_a_clear_does_not_come_back():
    store = FlakyStore()
    tracer, flusher = make(store)
    await flusher.start()
    store.down = True
    run_op(tracer, "before")
    await settle(lambda: len(flusher.backlog) == 1)
    store.down = False
    await store.clear()  # another worker clears while this one still holds the trace
    await settle(lambda: not flusher.degraded, timeout=5)
    run_op(tracer, "after")
    await settle(lambda: len(store._entries) == 1)
    assert [record["entrypoint"] for record in (await store.page()).records()] == ["after"]
    assert flusher.stale_dropped == 1
    await flusher.aclose()


async def test_close_flushes_what_is_finished():
    store = FlakyStore()
    tracer, flusher = make(store)
    flusher.processor.grace_s = 60
    await flusher.start()
    run_op(tracer)
    await flusher.aclose()
    assert len(store._entries) == 1
