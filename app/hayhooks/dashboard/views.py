"""Expanded trace records as the API serves them, cached: each stored trace is expanded once per worker."""

from __future__ import annotations

import time
from collections import OrderedDict

import orjson

from hayhooks.dashboard.record import Limits, expand
from hayhooks.dashboard.store import Page, Payload

_KEY = 100  # the cursor and trace id lead every payload: enough to tell any two apart
CLOCK_SKEW_MS = 2000  # between the hosts sharing a store: an operation's start is read from its own host's clock


class TraceViews:
    """Turns stored (packed) payloads into API records; an LRU of bytes, invisible to the garbage collector."""

    def __init__(self, limits: Limits, capacity: int = 4096) -> None:
        self.limits = limits
        self.capacity = capacity
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()
        # Workers sharing the store and alive, and when that was read (ms; ``None``: not known). A running
        # operation of any other worker will never finish, the worker having been killed or lost mid-request.
        self.live_workers: tuple[frozenset[str], float] | None = None

    def record(self, payload: Payload) -> bytes:
        key = payload[:_KEY]
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        compact = orjson.loads(payload)
        record = expand(compact, self.limits, time.time_ns())
        if compact.get("running") and self._worker_gone(compact.get("worker"), record["start_time_ms"]):
            _lost(record)
        expanded = orjson.dumps(record)
        if not compact.get("running"):  # a running record changes with the clock: not cached
            self._cache[key] = expanded
            if len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return expanded

    def _worker_gone(self, worker: str | None, started_ms: float) -> bool:
        """Whether ``worker`` is known to be gone. A worker writes its first heartbeat before it serves, and one
        every few seconds: one that made an operation before the live set was read, and is not in it, has not
        been heard of for the whole heartbeat TTL. One that started after the read may simply be new."""
        if self.live_workers is None:
            return False
        live, read_at_ms = self.live_workers
        return worker not in live and started_ms < read_at_ms - CLOCK_SKEW_MS

    def page_json(self, page: Page) -> bytes:
        """``{traces, next_after_seq, has_more, generation}`` (and ``next_before_seq`` for a page of older traces),
        spliced from the expanded records."""
        fields: dict[str, object] = {
            "next_after_seq": str(page.next_after) if page.next_after is not None else None,
            "has_more": page.has_more,
            "generation": page.generation,
        }
        if page.next_before is not None:
            fields["next_before_seq"] = str(page.next_before)
        tail = orjson.dumps(fields)
        return b'{"traces":[' + b",".join(self.record(p) for p in page.traces) + b"]," + tail[1:]


def _lost(record: dict) -> None:
    """A running operation whose worker is gone: shown as failed and over, not as running for ever."""
    worker = record.get("worker")
    record["running"] = False
    record["status"] = "error"
    record["error"] = {"type": "WorkerLost", "message": f"Worker {worker} stopped before this operation finished "
                       "(killed, or cut off from the trace store)", "stack": None}
    root = record.get("root_span")
    if isinstance(root, dict):
        root["running"] = False
