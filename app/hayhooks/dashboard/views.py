"""Expanded trace records as the API serves them, cached: each stored trace is expanded once per worker."""

from __future__ import annotations

import time
from collections import OrderedDict

import orjson

from hayhooks.dashboard.record import Limits, expand
from hayhooks.dashboard.store import Page, Payload

_KEY = 100  # the cursor and trace id lead every payload: enough to tell any two apart


class TraceViews:
    """Turns stored (packed) payloads into API records; an LRU of bytes, invisible to the garbage collector."""

    def __init__(self, limits: Limits, capacity: int = 4096) -> None:
        self.limits = limits
        self.capacity = capacity
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()

    def record(self, payload: Payload) -> bytes:
        key = payload[:_KEY]
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        compact = orjson.loads(payload)
        expanded = orjson.dumps(expand(compact, self.limits, time.time_ns()))
        if not compact.get("running"):  # a running record changes with the clock: not cached
            self._cache[key] = expanded
            if len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return expanded

    def page_json(self, page: Page) -> bytes:
        """``{traces, next_after_seq, has_more, generation}``, spliced from the expanded records."""
        tail = orjson.dumps(
            {
                "next_after_seq": str(page.next_after) if page.next_after is not None else None,
                "has_more": page.has_more,
                "generation": page.generation,
            }
        )
        return b'{"traces":[' + b",".join(self.record(p) for p in page.traces) + b"]," + tail[1:]
