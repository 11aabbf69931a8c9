"""One worker's dashboard: the span processor, the store, the flusher, and the view the API reads from."""

from __future__ import annotations

import contextlib
import time

from hayhooks.dashboard.flusher import STORE_ERRORS, Flusher
from hayhooks.dashboard.memory_store import MemoryTraceStore
from hayhooks.dashboard.processor import DashboardSpanProcessor
from hayhooks.dashboard.record import Limits
from hayhooks.dashboard.redis_store import RedisTraceStore
from hayhooks.dashboard.store import TraceStore, fresh_generation
from hayhooks.dashboard.views import TraceViews
from hayhooks.logger import log
from hayhooks.settings import AppSettings
from hayhooks.tracing.provider import Tracing
from hayhooks.urls import redact_url


class Dashboard:
    """Built with the app (so the processor sees the first span); the store and flusher start in the lifespan."""

    def __init__(self, settings: AppSettings, tracing: Tracing, worker: str) -> None:
        self.settings = settings
        self.worker = worker
        self.limits = Limits(
            max_spans=settings.dashboard_trace_max_spans,
            max_tags=settings.dashboard_trace_max_tags,
            max_tag_length=settings.dashboard_trace_tag_max_length,
            include_haystack=settings.dashboard_trace_include_haystack_spans,
            slow_component_ms=float(settings.dashboard_ui_slow_component_min_duration_ms),
        )
        self.processor = DashboardSpanProcessor(
            grace_s=settings.dashboard_trace_grace_ms / 1000,
            max_spans=settings.dashboard_trace_max_spans,
        )
        self.capturing = tracing.enabled
        self.sampling = tracing.sampling()
        if tracing.enabled:
            tracing.add_processor(self.processor)
        else:
            log.warning("OTEL_SDK_DISABLED=true: the dashboard is on but no trace will be captured")
        # One process: its generation is its start, so a page open across a restart (--reload) drops what it
        # listed. Several workers each keep their own traces: one generation for all, or views would flicker.
        started = fresh_generation() if settings.workers == 1 else 0
        self.store: TraceStore = MemoryTraceStore(settings.dashboard_trace_buffer_capacity, generation=started)
        # Expanded traces as the API serves them; never more than the store can hold (~7 kB each).
        views = min(max(4096, 2 * settings.dashboard_ui_list_cap), settings.dashboard_trace_buffer_capacity)
        self.views = TraceViews(self.limits, capacity=views)
        self.flusher: Flusher | None = None

    @property
    def consistent(self) -> bool:
        """Whether every worker serves the same view: a shared store within reach, or a single worker. While the
        store is unreachable each worker serves its own traces, so the answer depends on the worker that gives it."""
        return (self.store.shared and not self.degraded) or self.settings.workers == 1

    @property
    def degraded(self) -> bool:
        return self.flusher is not None and self.flusher.degraded

    def view(self) -> TraceStore:
        """The store to read from: the shared one, or this worker's traces while it is unreachable."""
        if self.flusher is not None and self.flusher.degraded:
            return self.flusher.local
        return self.store

    async def start(self) -> None:
        settings = self.settings
        if settings.redis_url is not None:
            url = settings.redis_url.get_secret_value()
            store = RedisTraceStore(
                url,
                prefix=settings.redis_key_prefix,
                capacity=settings.dashboard_trace_buffer_capacity,
                worker=self.worker,
                cluster=settings.redis_cluster,
            )
            self.store = store
            log.info("Dashboard traces are shared through Redis at {}", redact_url(url))
        elif settings.workers > 1:
            log.warning(
                "{} workers without HAYHOOKS_REDIS_URL: each worker's dashboard shows only its own traces and "
                "clear empties one worker. Set HAYHOOKS_REDIS_URL (or --redis-url) for one shared view.",
                settings.workers,
            )
        self.flusher = Flusher(
            self.processor,
            self.store,
            worker=self.worker,
            limits=self.limits,
            local_capacity=settings.dashboard_local_buffer_capacity,
            running_after_s=settings.dashboard_running_after_ms / 1000,
            min_interval_s=settings.dashboard_flush_interval_ms / 1000,
            on_live_workers=self._saw_workers,
        )
        await self.flusher.start()
        if isinstance(self.store, RedisTraceStore):
            with contextlib.suppress(*STORE_ERRORS):
                await self.store.heartbeat()

    def _saw_workers(self, live: frozenset[str]) -> None:
        self.views.live_workers = (live | {self.worker}, time.time() * 1000)

    async def aclose(self) -> None:
        if self.flusher is not None:
            await self.flusher.aclose()
        await self.store.aclose()
