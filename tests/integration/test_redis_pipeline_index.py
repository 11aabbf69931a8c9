"""One pipeline's page on the Redis store reads that pipeline's index, not the whole stream, and still finds every
trace: those written before the index existed, and those of pipelines beyond the index's limit."""

import pytest
import redis.asyncio as aioredis

from hayhooks.dashboard.redis_store import RedisTraceStore
from hayhooks.dashboard.store import Cursor

pytestmark = pytest.mark.integration

PADDING = "x" * 2000  # a record of ~2 kB, as a traced run's is


def trace(n: int, pipeline: str, **extra) -> dict:
    return {"trace_id": f"{n:032x}", "entrypoint": pipeline, "kind": "run", "padding": PADDING, **extra}


async def append(store: RedisTraceStore, numbers, pipeline: str) -> None:
    result = await store.append([trace(n, pipeline) for n in numbers], await store.generation())
    assert not result.stale


async def bytes_sent(client: aioredis.Redis) -> int:
    return int((await client.info("stats"))["total_net_output_bytes"])


def ids(page) -> list[int]:
    return [int(t["trace_id"], 16) for t in page.records()]


@pytest.fixture
async def raw(redis_url):
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis_url):
    made = RedisTraceStore(redis_url, prefix="ix:", capacity=1000, worker="host:1")
    yield made
    await made.aclose()


async def test_a_rare_pipelines_page_reads_its_own_entries_not_every_pipelines(store, raw):
    await append(store, range(3), "rare")
    for start in range(100, 600, 100):
        await append(store, range(start, start + 100), "busy")
    sent = await bytes_sent(raw)
    page = await store.page(limit=50, pipeline="rare")
    read = await bytes_sent(raw) - sent
    assert ids(page) == [2, 1, 0]
    assert read < 20_000, f"{read} bytes read for 3 traces: the stream (~1 MB) was scanned"


async def test_a_poll_of_one_pipeline_from_an_old_cursor_reads_its_own_entries(store, raw):
    await append(store, [1], "rare")
    await append(store, range(100, 200), "busy")
    await append(store, [2], "rare")
    await append(store, range(200, 300), "busy")
    sent = await bytes_sent(raw)
    page = await store.page(after=Cursor(0, 0), limit=50, pipeline="rare")
    read = await bytes_sent(raw) - sent
    assert (ids(page), page.has_more) == ([2, 1], False)
    assert read < 20_000, f"{read} bytes read for 2 traces: the stream (~400 kB) was scanned"
    newest = (await store.page(limit=1)).next_after
    assert page.next_after == newest  # past the other pipelines' entries, so the next poll reads none of them


async def test_a_pipeline_with_no_trace_pages_nothing_without_reading_the_stream(store, raw):
    for start in range(0, 500, 100):
        await append(store, range(start, start + 100), "busy")
    sent = await bytes_sent(raw)
    page = await store.page(limit=50, pipeline="never-called")
    poll = await store.page(after=Cursor(0, 0), limit=50, pipeline="never-called")
    # Each read takes the stream's newest entry (~2 kB), for its ID; a scan would take all of it (~1 MB).
    assert (page.traces, poll.traces, await bytes_sent(raw) - sent < 10_000) == ([], [], True)


async def test_traces_written_before_the_index_existed_are_still_found(store, raw):
    # As a stream written by an earlier version: entries with no index beside them.
    for n in range(4):
        await raw.xadd("ix:traces", {"p": "a", "i": f"old{n}", "t": f'{{"trace_id":"{n:032x}","entrypoint":"a"}}'})
    await raw.xadd("ix:traces", {"p": "b", "i": "oldb", "t": f'{{"trace_id":"{50:032x}","entrypoint":"b"}}'})
    await append(store, [10, 11], "a")
    await append(store, [60], "b")
    assert ids(await store.page(limit=50, pipeline="a")) == [11, 10, 3, 2, 1, 0]
    first = await store.page(limit=3, pipeline="a")
    older = await store.page(before=Cursor.parse(first.records()[-1]["cursor"]), limit=3, pipeline="a")
    assert (ids(first), ids(older), older.has_more) == ([11, 10, 3], [2, 1, 0], False)
    assert ids(await store.page(after=Cursor(0, 0), limit=50, pipeline="a")) == [11, 10, 3, 2, 1, 0]


async def test_pipelines_beyond_the_index_limit_are_paged_by_reading_the_stream(redis_url, raw):
    store = RedisTraceStore(redis_url, prefix="lim:", capacity=1000, worker="host:1", index_limit=2)
    try:
        for name, start in (("a", 0), ("b", 10), ("c", 20), ("a", 30), ("c", 40)):
            await append(store, range(start, start + 2), name)
        assert await raw.smembers("lim:indexed") == {b"a", b"b"}
        assert not await raw.exists("lim:by:c")
        assert ids(await store.page(pipeline="never-called")) == []
        assert ids(await store.page(pipeline="c")) == [41, 40, 21, 20]
        assert ids(await store.page(pipeline="a")) == [31, 30, 1, 0]
    finally:
        await store.aclose()


async def test_indexes_are_trimmed_with_the_stream_even_for_a_pipeline_no_longer_called(redis_url, raw):
    store = RedisTraceStore(redis_url, prefix="trim:", capacity=100, worker="host:1")
    try:
        await append(store, range(300), "gone")
        for start in range(1000, 4000, 20):  # 150 appends: each trims the index of one indexed pipeline
            await append(store, range(start, start + 20), "busy")
        assert await raw.xlen("trim:by:busy") < 400
        oldest = (await raw.xrange("trim:traces", count=1))[0][0]
        assert await raw.xrange("trim:by:gone", max=b"(" + oldest) == []
        assert ids(await store.page(pipeline="gone")) == []
    finally:
        await store.aclose()


async def test_a_clear_removes_every_index(store, raw):
    await append(store, range(3), "a")
    await append(store, range(10, 13), "b")
    await store.clear()
    assert not await raw.exists("ix:by:a", "ix:by:b", "ix:indexed")
    await append(store, [20], "a")
    assert ids(await store.page(pipeline="a")) == [20]
    assert await raw.xlen("ix:by:a") == 1


async def test_an_index_that_cannot_be_written_fails_no_append_and_hides_no_trace(store, raw):
    await raw.set("ix:by:a", "not a stream")
    await append(store, [1, 2], "a")
    assert ids(await store.page()) == [2, 1]
    assert ids(await store.page(pipeline="a")) == [2, 1]


async def test_a_lost_index_is_never_trusted_again_until_a_clear(store, raw):
    await append(store, range(3), "a")
    await raw.delete("ix:by:a")  # evicted by a maxmemory policy, or deleted by hand
    assert ids(await store.page(pipeline="a")) == [2, 1, 0]
    await append(store, [10], "a")  # would start an index holding only this one
    assert ids(await store.page(pipeline="a")) == [10, 2, 1, 0]
    await append(store, [20], "b")  # and no new index while one is missing
    assert (ids(await store.page(pipeline="b")), await raw.exists("ix:by:b")) == ([20], 0)
    await store.clear()
    await append(store, [30], "b")
    assert (ids(await store.page(pipeline="b")), await raw.exists("ix:by:b")) == ([30], 1)
