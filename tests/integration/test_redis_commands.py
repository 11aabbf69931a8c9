"""The Redis store uses only core commands that Redis ≥ 6.2, Valkey and Redis Cluster all have."""

import asyncio
import threading

import pytest
import redis

from hayhooks.dashboard.redis_store import RedisTraceStore

pytestmark = pytest.mark.integration

# Core stream, string, set, hash, scripting and connection commands (Redis 6.2 / Valkey 7.2), nothing
# vendor-specific.
PORTABLE = {
    "XADD", "XRANGE", "XREVRANGE", "XREAD", "XTRIM", "XLEN", "XDEL", "GET", "SET", "DEL", "EXISTS", "INCR", "SISMEMBER",
    "SCARD", "SADD", "SREM", "SMEMBERS", "SRANDMEMBER", "HSET", "HGETALL", "HDEL", "EVAL", "EVALSHA", "SCRIPT", "PING",
    "CLIENT", "HELLO", "SELECT", "AUTH", "INFO",
}


def test_every_command_the_store_sends_is_portable(redis_url):
    seen: list[str] = []
    ready = threading.Event()

    def monitor() -> None:
        with redis.Redis.from_url(redis_url).monitor() as m:
            ready.set()
            for command in m.listen():
                text = command["command"]
                seen.append(text.split()[0].upper())
                if text.startswith("ECHO done"):
                    return

    thread = threading.Thread(target=monitor, daemon=True)
    thread.start()
    ready.wait(5)

    async def exercise() -> None:
        store = RedisTraceStore(redis_url, prefix="{portable}:", capacity=10, worker="h:1")
        await store.append([{"trace_id": "a" * 32, "entrypoint": "p"}], 0)
        await store.page()
        page = await store.page(after=None, limit=5, pipeline="p")
        await store.page(after=page.next_after, since_ms=0)
        subscription = store.follow()
        subscription.ready(page.next_after)
        await store.append([{"trace_id": "b" * 32, "entrypoint": "p"}], await store.generation())
        await asyncio.wait_for(subscription.__anext__(), 5)
        await store.clear()
        await store.heartbeat()
        await store.stats()
        await store.aclose()

    asyncio.run(exercise())
    redis.Redis.from_url(redis_url).echo("done")
    thread.join(5)
    lua = {"TIME"}  # what the scripts call inside EVALSHA, besides the commands above
    assert set(seen) - {"ECHO"} <= PORTABLE | lua, set(seen) - PORTABLE - lua
    assert {"EVALSHA", "XREVRANGE", "XREAD"} & set(seen)
