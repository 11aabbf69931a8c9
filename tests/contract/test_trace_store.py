"""One contract, two stores: every test runs on MemoryTraceStore and on RedisTraceStore (a real redis-server, and a
real two-node Redis Cluster)."""

import asyncio
import itertools
import time

import pytest

from hayhooks.dashboard.memory_store import MemoryTraceStore
from hayhooks.dashboard.redis_store import RedisTraceStore
from hayhooks.dashboard.store import Cursor

_ids = itertools.count()


@pytest.fixture(params=["memory", "redis", "redis-cluster"])
async def store(request):
    if request.param == "memory":
        made = MemoryTraceStore(capacity=50)
    elif request.param == "redis":
        url = request.getfixturevalue("redis_url")
        made = RedisTraceStore(url, prefix=f"test{next(_ids)}:", capacity=50, worker="host:1")
    else:  # reached through the node that does not hold the keys: the client must follow the cluster
        prefix = f"{{test{next(_ids)}}}:"
        url = request.getfixturevalue("redis_cluster").url_away_from(f"{prefix}traces")
        made = RedisTraceStore(url, prefix=prefix, capacity=50, worker="host:1", cluster=True)
    yield made
    await made.aclose()


def trace(n: int, pipeline: str = "p", **extra) -> dict:
    return {"trace_id": f"{n:032x}", "entrypoint": pipeline, "duration_ms": float(n), "kind": "run", **extra}


async def fill(store, count: int, start: int = 0, pipeline: str = "p") -> list[Cursor]:
    result = await store.append([trace(n, pipeline) for n in range(start, start + count)], await store.generation())
    assert not result.stale
    return list(result.cursors)


async def test_empty_store_pages_nothing(store):
    page = await store.page()
    assert (page.traces, page.has_more, page.generation) == ([], False, await store.generation())


async def test_newest_page_is_newest_first_with_cursors(store):
    cursors = await fill(store, 5)
    page = await store.page(limit=3)
    assert [t["trace_id"] for t in page.records()] == [f"{n:032x}" for n in (4, 3, 2)]
    assert [t["cursor"] for t in page.records()] == [str(c) for c in cursors[4:1:-1]]


async def test_cursors_increase(store):
    cursors = await fill(store, 10)
    assert cursors == sorted(cursors) and len(set(cursors)) == 10


async def test_an_append_gives_one_cursor_per_trace_that_can_be_indexed_and_sliced(store):
    result = await store.append([trace(n) for n in range(4)], await store.generation())
    cursors = list(result.cursors)
    assert len(result.cursors) == 4 and result.cursors[-1] == cursors[3] and result.cursors[1:3] == cursors[1:3]
    assert [t["cursor"] for t in (await store.page()).records()] == [str(c) for c in reversed(cursors)]


async def test_cursor_is_the_last_trace_returned_so_bursts_lose_nothing(store):
    first = await store.page(limit=10)
    await fill(store, 25)  # a burst larger than the page between two polls
    seen, cursor = [], first.next_after
    while True:
        page = await store.page(after=cursor, limit=10)
        seen += [t["trace_id"] for t in page.records()]
        cursor = page.next_after
        if not page.has_more:
            break
    assert sorted(seen) == sorted(f"{n:032x}" for n in range(25))


async def test_after_returns_only_newer_traces(store):
    cursors = await fill(store, 6)
    page = await store.page(after=cursors[3])
    assert [t["trace_id"] for t in page.records()] == [f"{n:032x}" for n in (5, 4)]
    assert page.next_after == cursors[5]


async def test_after_the_newest_returns_nothing_and_keeps_the_cursor(store):
    cursors = await fill(store, 3)
    page = await store.page(after=cursors[-1])
    assert (page.traces, page.next_after, page.has_more) == ([], cursors[-1], False)


async def test_pipeline_filter(store):
    await fill(store, 3, pipeline="a")
    await fill(store, 2, start=10, pipeline="b")
    page = await store.page(pipeline="a")
    assert [t["entrypoint"] for t in page.records()] == ["a", "a", "a"]


async def test_filtered_paging_reaches_every_trace_past_other_pipelines(store):
    # Pages fill up exactly at a chunk's end when other pipelines' entries are skipped: has_more must stay true.
    await fill(store, 12, pipeline="a")
    await fill(store, 1, start=100, pipeline="b")
    await fill(store, 12, start=200, pipeline="a")
    seen, cursor = [], Cursor(0, 0)
    for _ in range(20):
        page = await store.page(after=cursor, limit=4, pipeline="a")
        seen += [t["trace_id"] for t in page.records()]
        cursor = page.next_after
        if not page.has_more:
            break
    assert sorted(seen) == sorted(f"{n:032x}" for n in [*range(12), *range(200, 212)])


async def test_before_pages_back_through_every_older_trace_newest_first(store):
    await fill(store, 12)
    page = await store.page(limit=5)
    seen = [t["trace_id"] for t in page.records()]
    before = Cursor.parse(page.records()[-1]["cursor"])
    more = []
    while True:
        page = await store.page(before=before, limit=5)
        seen += [t["trace_id"] for t in page.records()]
        more.append(page.has_more)
        before = page.next_before
        if not page.has_more:
            break
    assert seen == [f"{n:032x}" for n in range(11, -1, -1)]
    assert more == [True, False]


async def test_before_says_no_more_when_the_page_takes_the_last_older_trace(store):
    cursors = await fill(store, 10)
    page = await store.page(before=cursors[5], limit=5)
    assert [t["trace_id"] for t in page.records()] == [f"{n:032x}" for n in (4, 3, 2, 1, 0)]
    assert (page.has_more, page.next_before) == (False, cursors[0])


async def test_before_the_oldest_trace_returns_nothing(store):
    cursors = await fill(store, 3)
    page = await store.page(before=cursors[0])
    assert (page.traces, page.has_more) == ([], False)


async def test_before_the_very_start_returns_nothing(store):
    await fill(store, 3)
    page = await store.page(before=Cursor(0, 0))
    assert (page.traces, page.has_more, page.generation) == ([], False, await store.generation())


async def test_before_with_a_pipeline_skips_other_pipelines(store):
    await fill(store, 4, pipeline="a")
    await fill(store, 30, start=100, pipeline="b")
    newest_a = await fill(store, 1, start=200, pipeline="a")
    page = await store.page(before=newest_a[0], limit=3, pipeline="a")
    assert [t["trace_id"] for t in page.records()] == [f"{n:032x}" for n in (3, 2, 1)]
    assert page.has_more
    rest = await store.page(before=page.next_before, limit=3, pipeline="a")
    assert ([t["trace_id"] for t in rest.records()], rest.has_more) == ([f"{0:032x}"], False)


async def test_a_pipelines_page_lists_only_its_traces_still_stored(store):
    await fill(store, 10, pipeline="a")
    await fill(store, 300, start=100, pipeline="b")  # pushes every "a" out, on Redis' approximate trim too
    await fill(store, 5, start=1000, pipeline="a")
    page = await store.page(limit=50, pipeline="a")
    assert [t["trace_id"] for t in page.records()] == [f"{n:032x}" for n in range(1004, 999, -1)]
    older = await store.page(before=Cursor.parse(page.records()[-1]["cursor"]), limit=50, pipeline="a")
    assert (older.traces, older.has_more) == ([], False)


async def test_a_pipelines_page_lists_a_finished_operation_once_until_it_is_pushed_out(store):
    gen = await store.generation()
    await store.append([trace(1, "a", status="running", running=True)], gen)
    await fill(store, 20, start=100, pipeline="b")
    await store.append([trace(1, "a", status="ok", running=False)], gen)
    for page in (await store.page(pipeline="a"), await store.page(before=Cursor(2**60, 0), pipeline="a")):
        assert [(t["trace_id"], t["status"]) for t in page.records()] == [(f"{1:032x}", "ok")]
    await fill(store, 300, start=200, pipeline="b")  # and once it is pushed out, it is gone from the pipeline's page
    assert (await store.page(pipeline="a")).traces == []


async def test_a_pipeline_with_no_trace_stored_pages_nothing(store):
    await fill(store, 5, pipeline="a")
    page = await store.page(pipeline="never-called")
    assert (page.traces, page.has_more) == ([], False)
    assert page.next_after is not None  # a poll from it gets the pipeline's first trace, when it comes


async def test_a_pipelines_newest_page_goes_on_from_the_newest_trace_stored_not_its_own(store):
    await fill(store, 3, pipeline="a")
    others = await fill(store, 30, start=100, pipeline="b")
    page = await store.page(limit=10, pipeline="a")
    assert page.next_after == others[-1]  # a poll from here does not read the 30 "b" traces again
    newer = await fill(store, 1, start=200, pipeline="a")
    poll = await store.page(after=page.next_after, pipeline="a")
    assert ([t["trace_id"] for t in poll.records()], poll.next_after) == ([f"{200:032x}"], newer[0])


async def test_a_pipelines_poll_goes_on_from_the_newest_trace_stored_once_it_has_all_of_its_own(store):
    first = await fill(store, 2, pipeline="a")
    others = await fill(store, 30, start=100, pipeline="b")
    poll = await store.page(after=first[0], limit=10, pipeline="a")
    assert ([t["trace_id"] for t in poll.records()], poll.has_more) == ([f"{1:032x}"], False)
    assert poll.next_after == others[-1]


async def test_since_ms_filters_by_time(store):
    cursors = await fill(store, 3)
    page = await store.page(since_ms=cursors[-1].ms + 1)
    assert page.traces == []
    assert len((await store.page(since_ms=cursors[0].ms)).traces) == 3


async def test_capacity_keeps_the_newest(store):
    await fill(store, 120)
    page = await store.page(limit=500)
    ids = [t["trace_id"] for t in page.records()]
    assert ids[0] == f"{119:032x}"
    assert 50 <= len(ids) < 120  # Redis trims approximately (MAXLEN ~), never below capacity


async def test_finished_record_replaces_its_running_one_in_a_page(store):
    gen = await store.generation()
    await store.append([trace(1, status="running", running=True)], gen)
    await store.append([trace(1, status="ok", running=False)], gen)
    page = await store.page()
    assert [(t["trace_id"], t["status"]) for t in page.records()] == [(f"{1:032x}", "ok")]


async def test_a_final_record_takes_the_place_of_its_running_snapshot(store):
    gen = await store.generation()
    await fill(store, 3)
    await store.append([trace(100, status="running", running=True)], gen)
    assert (await store.stats()).stored == 4
    await store.append([trace(100, status="ok", running=False)], gen)
    assert (await store.stats()).stored == 4
    from_start = await store.page(after=Cursor(0, 0), limit=50)
    statuses = {t["trace_id"]: t.get("status") for t in from_start.records()}
    assert len(from_start.traces) == len(statuses) == 4
    assert statuses[f"{100:032x}"] == "ok"


async def test_clear_empties_and_bumps_generation(store):
    await fill(store, 5)
    before = await store.generation()
    generation = await store.clear()
    assert generation > before
    page = await store.page()
    assert (page.traces, page.generation) == ([], generation)


async def test_a_clear_gives_a_generation_never_seen_before_even_by_clients_of_a_store_that_forgot_it(store):
    # Generations come from the clock: a Redis that restarted empty (generation 0 again) cannot hand out values
    # that clients still hold from before it restarted.
    generation = await store.clear()
    assert generation >= time.time() * 1000 - 60_000
    assert await store.clear() > generation


async def test_cursor_never_goes_backwards_after_a_clear(store):
    before = (await fill(store, 3))[-1]
    await store.clear()
    after = (await fill(store, 1))[0]
    assert after > before


async def test_append_for_an_old_generation_is_refused_with_the_clear_time(store):
    await store.clear()
    result = await store.append([trace(1)], generation=0)
    assert result.stale and result.generation == await store.generation() and result.cleared_at_ms > 0
    assert (await store.page()).traces == []


async def following(store, pipeline: str | None = None):
    """A subscription to ``store`` from its current end (its snapshot's end read, as the SSE endpoint does)."""
    subscription = store.follow(pipeline=pipeline)
    subscription.ready((await store.page()).next_after)
    return subscription


async def next_events(subscription, count: int) -> list:
    return [await asyncio.wait_for(anext(subscription), 5) for _ in range(count)]


async def test_follow_yields_new_traces_in_order(store):
    subscription = await following(store)
    cursors = await fill(store, 3)
    events = await next_events(subscription, 3)
    assert [e.cursor for e in events] == cursors
    assert [e.trace["trace_id"] for e in events] == [f"{n:032x}" for n in range(3)]
    subscription.close()


async def test_follow_announces_clears(store):
    subscription = await following(store)
    generation = await store.clear()
    [event] = await next_events(subscription, 1)
    assert event.trace is None and event.generation == generation
    subscription.close()


async def test_following_one_pipeline_yields_only_its_traces_and_every_clear(store):
    subscription = await following(store, pipeline="b")
    await fill(store, 2, pipeline="a")
    wanted = await fill(store, 2, start=10, pipeline="b")
    await fill(store, 2, start=20, pipeline="a")
    events = await next_events(subscription, 2)
    assert [e.cursor for e in events] == wanted and {e.entrypoint for e in events} == {"b"}
    generation = await store.clear()
    [cleared] = await next_events(subscription, 1)
    assert cleared.trace is None and cleared.generation == generation
    subscription.close()


async def test_stats_count_and_kind(store):
    await fill(store, 4)
    stats = await store.stats()
    assert (stats.kind, stats.stored, stats.capacity) == (store.kind, 4, 50)


async def test_nothing_falls_between_a_snapshot_and_the_stream(store):
    await fill(store, 2)
    subscription = store.follow()
    snapshot = await store.page()
    late = await fill(store, 3, start=10)  # lands after the snapshot, before following starts
    subscription.ready(snapshot.next_after)
    received = []
    async for event in subscription:
        if event.cursor > snapshot.next_after:
            received.append(event.cursor)
        if len(received) == 3:
            break
    assert received == late


async def test_a_lone_surrogate_in_a_tag_is_kept_as_text_and_loses_no_trace_of_its_batch(store):
    # Such strings come from surrogateescape decoding (file names, subprocess output) in any component.
    odd = trace(1, tags=[{"key": "file\udcff", "value": "name \udcff\ud800"}])
    result = await store.append([trace(0), odd, trace(2)], await store.generation())
    assert not result.stale and len(result.cursors) == 3
    records = (await store.page()).records()
    assert [t["trace_id"] for t in records] == [f"{n:032x}" for n in (2, 1, 0)]
    assert records[1]["tags"] == [{"key": "file\\udcff", "value": "name \\udcff\\ud800"}]


def operation(n: int, root_span: str, **extra) -> dict:
    return trace(n, root_span={"span_id": root_span, "name": "hayhooks.pipeline.run"}, **extra)


async def test_operations_sharing_a_callers_trace_id_are_records_of_their_own(store):
    # A caller instrumented with OpenTelemetry sends one traceparent on several calls: one trace id, two roots.
    gen = await store.generation()
    await store.append([operation(7, "a1"), operation(7, "b2")], gen)
    records = (await store.page()).records()
    assert [t["root_span"]["span_id"] for t in records] == ["b2", "a1"]
    assert [t["root_span"]["span_id"] for t in (await store.page(after=Cursor(0, 0))).records()] == ["b2", "a1"]


async def test_a_final_record_replaces_only_the_snapshot_of_its_own_operation(store):
    gen = await store.generation()
    await store.append([operation(7, "a1", status="running", running=True),
                        operation(7, "b2", status="running", running=True)], gen)
    await store.append([operation(7, "a1", status="ok", running=False)], gen)
    records = (await store.page()).records()
    assert sorted((t["root_span"]["span_id"], t["status"]) for t in records) == [("a1", "ok"), ("b2", "running")]
    assert (await store.stats()).stored == 2
