"""A Redis that restarts empty (run without persistence, as the docs suggest): the view says so to its clients."""

import asyncio

import pytest

from hayhooks.dashboard import flusher as flusher_module
from hayhooks.dashboard import redis_store
from hayhooks.dashboard.redis_store import RedisTraceStore
from tests.flushing import make, run_op, settle

pytestmark = pytest.mark.integration


async def restart_empty(own_redis, store: RedisTraceStore) -> None:
    own_redis.stop()
    own_redis.start()
    for _ in range(5):  # pooled connections died with the server: each fails once, then is replaced
        if await store.ping():
            return
    raise AssertionError("Redis did not come back")


def trace(n: int) -> dict:
    return {"trace_id": f"{n:032x}", "entrypoint": "p", "duration_ms": 1.0, "kind": "run"}


async def test_an_emptied_redis_never_answers_a_generation_seen_before(own_redis):
    store = RedisTraceStore(own_redis.url, prefix="e:", worker="h:1")
    try:
        seen = {(await store.page()).generation, await store.clear()}
        await restart_empty(own_redis, store)
        after = [(await store.page()).generation, (await store.stats()).generation, await store.generation()]
        assert len(set(after)) == 1 and after[0] not in seen | {0} and after[0] > max(seen)
        assert await store.clear() > after[0]
    finally:
        await store.aclose()


async def test_followers_are_told_when_redis_restarted_empty_and_then_get_the_new_traces(own_redis, monkeypatch):
    monkeypatch.setattr(redis_store, "GENERATION_CHECK_S", 0.1)
    store = RedisTraceStore(own_redis.url, prefix="e:", worker="h:1")
    events = []
    following = asyncio.Event()

    async def follow() -> None:
        subscription = store.follow()
        subscription.ready((await store.page()).next_after)
        following.set()
        async for event in subscription:
            events.append(event)
            if event.trace is not None and event.trace["trace_id"] == f"{2:032x}":
                return

    try:
        await store.heartbeat()
        task = asyncio.create_task(follow())
        await asyncio.wait_for(following.wait(), 10)  # its snapshot's end read: trace 1 comes after it
        await store.append([trace(1)], await store.generation())
        async with asyncio.timeout(10):  # followed before Redis loses it
            while not events:
                await asyncio.sleep(0.01)
        await restart_empty(own_redis, store)
        await store.heartbeat()
        await store.append([trace(2)], await store.generation())
        await asyncio.wait_for(task, 15)
    finally:
        await store.aclose()

    kinds = ["trace" if e.trace is not None else "clear" for e in events]
    assert kinds[0] == "trace" and "clear" in kinds and kinds[-1] == "trace"
    assert kinds.index("clear") < len(kinds) - 1  # told before the first trace of the new content


async def test_a_worker_lists_itself_again_as_soon_as_it_finds_redis_emptied(own_redis, monkeypatch):
    monkeypatch.setattr(flusher_module, "HEARTBEAT_S", 600.0)  # no regular heartbeat comes during this test
    store = RedisTraceStore(own_redis.url, prefix="e:", worker="h:1")
    tracer, flusher = make(store)

    await flusher.start()
    try:
        assert await settle(store.workers, 5) == ["h:1"]  # the first heartbeat, at start
        await restart_empty(own_redis, store)
        assert await store.workers() == []
        run_op(tracer)
        assert await settle(store.workers, 5) == ["h:1"]
    finally:
        await flusher.aclose()
        await store.aclose()
