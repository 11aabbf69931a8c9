"""Capped exponential back-off for the loops that keep reading Redis through an outage."""

from __future__ import annotations

import asyncio

from hayhooks.logger import log
from hayhooks.redis_clients import hint


class Backoff:
    """Waits ``base_s * 2**n`` (at most ``cap_s``) after the n-th failure in a row; warns once per outage, so a
    Redis that stays down for minutes leaves one line in the log, not one per retry."""

    def __init__(self, what: str, *, base_s: float = 0.1, cap_s: float = 2.0) -> None:
        self.what = what
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0

    def delay(self) -> float:
        return min(self.cap_s, self.base_s * 2**self.failures)

    def succeeded(self) -> None:
        self.failures = 0

    async def failed(self, exc: BaseException) -> None:
        self.failures += 1
        if self.failures == 1:
            log.warning("{} ({}){}; retrying", self.what, type(exc).__name__, hint(exc))
        await asyncio.sleep(self.delay())
