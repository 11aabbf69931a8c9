"""The flusher: a task on the worker's event loop that writes finished traces to the store in batches.

It sleeps until the processor wakes it (thread-safely) or a tick passes, builds the records of the traces
whose grace is over, and appends them in one call (one Redis round trip). When the store fails it never
raises: the worker turns *degraded*, keeps the traces in a bounded local buffer that the API serves meanwhile,
and replays them when the store answers again. A duplicate-suppressing log says so once, not per batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable

from redis.exceptions import RedisError

from hayhooks.dashboard.memory_store import MemoryTraceStore
from hayhooks.dashboard.processor import DashboardSpanProcessor, Finished, Running
from hayhooks.dashboard.record import Limits, pack, pack_span
from hayhooks.dashboard.store import TraceRecord, TraceStore, fresh_generation
from hayhooks.logger import log
from hayhooks.redis_clients import hint

STORE_ERRORS = (RedisError, OSError, asyncio.TimeoutError)
TICK_S = 0.1
RETRY_S = 1.0
HEARTBEAT_S = 5.0


class Flusher:
    def __init__(
        self,
        processor: DashboardSpanProcessor,
        store: TraceStore,
        *,
        worker: str,
        limits: Limits,
        local_capacity: int = 10_000,
        running_after_s: float = 0.25,
        min_interval_s: float = 0.02,
        on_live_workers: Callable[[frozenset[str]], None] | None = None,
    ) -> None:
        self.processor = processor
        self.store = store
        self.worker = worker
        self.limits = limits
        self.running_after_s = running_after_s
        # Under load, writes wait for one another a little: bigger batches, far fewer round trips.
        self.min_interval_s = min_interval_s
        self._last_write = 0.0
        # While the shared store is down: what this worker captured (served by the API) and what to replay.
        # This worker's own traces, the view while the store is unreachable: a generation of its own, never 0 or a
        # value of the shared view, so that a client switched to it (or back) drops its list.
        self.local = MemoryTraceStore(capacity=local_capacity, generation=fresh_generation())
        self.backlog: deque[TraceRecord] = deque()
        self.backlog_capacity = local_capacity
        self.backlog_dropped = 0
        self.degraded = False
        # Told the workers whose heartbeat the shared store has seen lately, every heartbeat.
        self.on_live_workers = on_live_workers
        self.stale_dropped = 0
        self.generation = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._last_heartbeat = 0.0
        self._last_running_check = 0.0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()

        def wake() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        self.processor.set_waker(wake)
        try:
            self.generation = await self.store.generation()
        except STORE_ERRORS as exc:
            await self._degrade(exc)
        self._task = asyncio.create_task(self._run(), name="hayhooks-trace-flusher")

    async def aclose(self, timeout_s: float = 5.0) -> None:
        """Flush what is finished (bounded by ``timeout_s``), then stop. Safe to call twice."""
        if self._task is None:
            return
        self._closing = True
        self.processor.set_waker(None)
        self._wake.set()
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
        if not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        await self.local.aclose()

    async def _run(self) -> None:
        next_due: float | None = None
        while True:
            if next_due is not None:
                next_due = max(next_due, self._last_write + self.min_interval_s)
            timeout = TICK_S if next_due is None else max(0.0, min(TICK_S, next_due - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):  # no task per wait, unlike wait_for
                    await self._wake.wait()
            self._wake.clear()
            now = time.monotonic()
            finished: list[Finished] = []
            running: list[Running] = []
            if self._closing or now >= self._last_write + self.min_interval_s:
                finished, next_due = self.processor.take_ready(float("inf") if self._closing else now)
                if not self._closing and now - self._last_running_check >= TICK_S:
                    self._last_running_check = now
                    running = self.processor.take_running(self.running_after_s, now)
            else:  # the last write was too recent: what is ready waits, and the next wake is when it may go
                next_due = self._last_write + self.min_interval_s
            records = self._records(finished, running)
            try:
                if records:
                    self._last_write = now
                    await self.write(records)
                await self._housekeeping(now)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.opt(exception=True).error("Trace flusher failed; carrying on")
            if self._closing and not self.processor.pending():
                return

    def _records(self, finished: list[Finished], running: list[Running]) -> list[TraceRecord]:
        records = []
        worker, limits = self.worker, self.limits
        for item in running:
            with contextlib.suppress(RuntimeError):  # attributes changing under us: skip this announcement
                records.append(pack(item.trace_id, pack_span(item.root, live=True), item.spans, worker=worker,
                                    limits=limits))
        for item in finished:
            records.append(pack(item.trace_id, item.root, item.spans, worker=worker, limits=limits))
        return records

    async def write(self, records: list[TraceRecord]) -> None:
        """Append ``records`` to the store; on failure keep them locally (bounded) for the local view and replay."""
        if self.degraded:
            await self._keep_locally(records)
            return
        try:
            await self._append(records)
        except STORE_ERRORS as exc:
            await self._degrade(exc)
            await self._keep_locally(records)

    async def _append(self, records: list[TraceRecord]) -> None:
        result = await self.store.append(records, self.generation)
        if result.stale:
            # A clear happened since this worker last wrote, or Redis restarted empty: what finished before it must
            # not come back.
            self._heartbeat_soon()
            self.generation = result.generation
            kept = [r for r in records if r.get("finished_at_ms") is None or r["finished_at_ms"] > result.cleared_at_ms]
            self.stale_dropped += len(records) - len(kept)
            if kept:
                result = await self.store.append(kept, self.generation)

    async def _keep_locally(self, records: list[TraceRecord]) -> None:
        for record in records:
            if len(self.backlog) >= self.backlog_capacity:
                self.backlog.popleft()
                self.backlog_dropped += 1
            self.backlog.append(record)
        await self.local.append(records, await self.local.generation())

    async def _degrade(self, exc: BaseException) -> None:
        if not self.degraded:
            log.warning(
                "Trace store unreachable ({}: {}){}; serving this worker's traces until it returns",
                type(exc).__name__,
                exc,
                hint(exc),
            )
            await self.local.clear()  # a new generation of its own for this outage
        self.degraded = True

    def _heartbeat_soon(self) -> None:
        """Heartbeat at the next tick, not up to ``HEARTBEAT_S`` later: a Redis that restarted empty (found by a stale
        append, or on coming back after an outage) lost the list of live workers, and the view said "1 worker"."""
        self._last_heartbeat = 0.0

    async def _housekeeping(self, now: float) -> None:
        if self.degraded and now - self._last_heartbeat >= RETRY_S:
            self._last_heartbeat = now
            await self._recover()
        elif not self.degraded and now - self._last_heartbeat >= HEARTBEAT_S:
            self._last_heartbeat = now
            heartbeat = getattr(self.store, "heartbeat", None)
            workers = getattr(self.store, "workers", None)
            if heartbeat is not None and workers is not None:
                try:
                    await heartbeat()
                    if self.on_live_workers is not None:
                        self.on_live_workers(frozenset(await workers()))
                except STORE_ERRORS as exc:
                    await self._degrade(exc)

    async def _recover(self) -> None:
        try:
            # Reachable again? Keep the generation this worker knew: if a clear happened meanwhile, the store
            # refuses the replay as stale and what finished before the clear is dropped.
            await self.store.generation()
            while self.backlog:
                batch = [self.backlog.popleft() for _ in range(min(500, len(self.backlog)))]
                try:
                    await self._append(batch)
                except BaseException:
                    self.backlog.extendleft(reversed(batch))
                    raise
        except STORE_ERRORS:
            return
        self.degraded = False
        self._heartbeat_soon()
        await self.local.clear()
        log.info("Trace store reachable again; replayed this worker's traces into the shared view")
