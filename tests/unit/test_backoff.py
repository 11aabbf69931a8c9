"""Back-off for loops reading Redis: capped exponential waits, one warning per outage."""

import asyncio

import pytest

from hayhooks.backoff import Backoff
from hayhooks.logger import log


@pytest.fixture
def warnings():
    lines: list[str] = []
    sink = log.add(lambda message: lines.append(message.record["message"]), level="WARNING")
    yield lines
    log.remove(sink)


def test_waits_double_after_each_failure_up_to_the_cap(monkeypatch):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    backoff = Backoff("Redis gone", base_s=0.1, cap_s=1.0)

    async def fail(times: int) -> None:
        for _ in range(times):
            await backoff.failed(ConnectionError())

    asyncio.run(fail(6))
    assert waits == [0.2, 0.4, 0.8, 1.0, 1.0, 1.0]


def test_warns_once_per_outage_and_again_after_a_recovery(monkeypatch, warnings):
    async def sleep(seconds: float) -> None:
        return None

    monkeypatch.setattr(asyncio, "sleep", sleep)
    backoff = Backoff("Live trace follow lost Redis")

    async def outages() -> None:
        for _ in range(5):
            await backoff.failed(ConnectionError("refused"))
        backoff.succeeded()
        await backoff.failed(TimeoutError())

    asyncio.run(outages())
    assert warnings == ["Live trace follow lost Redis (ConnectionError); retrying",
                        "Live trace follow lost Redis (TimeoutError); retrying"]
