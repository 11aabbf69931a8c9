"""Fan-out of store events to a worker's SSE subscribers: in order, bounded, never waiting for a slow one."""

import asyncio

from hayhooks.dashboard.broadcast import QUEUE_SIZE, Broadcaster
from hayhooks.dashboard.store import Cursor, StoreEvent


def event(n: int) -> StoreEvent:
    return StoreEvent(Cursor(n, 0), b"{}", -1)


async def take(subscription, count: int) -> list[int]:
    taken = []
    async for item in subscription:
        taken.append(item.cursor.ms)
        if len(taken) == count:
            break
    return taken


async def drain(subscription) -> list[int]:
    """Everything left, within a second: a subscription that never ends fails here instead of hanging."""

    async def collect() -> list[int]:
        return [item.cursor.ms async for item in subscription]

    return await asyncio.wait_for(collect(), 1)


async def test_every_subscriber_gets_every_event_in_order():
    broadcaster = Broadcaster()
    first, second = broadcaster.subscribe(), broadcaster.subscribe()
    for n in range(1, 4):
        broadcaster.publish(event(n))
    assert await take(first, 3) == [1, 2, 3]
    assert await take(second, 3) == [1, 2, 3]


async def test_a_subscriber_that_falls_too_far_behind_gets_what_was_queued_then_ends():
    broadcaster = Broadcaster()
    slow = broadcaster.subscribe()
    for n in range(1, QUEUE_SIZE + 2):  # one more than fits
        broadcaster.publish(event(n))
    broadcaster.publish(event(QUEUE_SIZE + 2))
    # It ends by itself: the SSE stream closes and the client resumes from its Last-Event-ID.
    assert await drain(slow) == list(range(1, QUEUE_SIZE + 1))
    assert broadcaster.subscribers == 0


async def test_a_slow_subscriber_is_cut_off_without_holding_back_the_others():
    broadcaster = Broadcaster()
    slow, keeping_up = broadcaster.subscribe(), broadcaster.subscribe()
    for n in range(1, 2 * QUEUE_SIZE):
        broadcaster.publish(event(n))
        if n % 100 == 0:
            assert await take(keeping_up, 100) == list(range(n - 99, n + 1))
    assert broadcaster.subscribers == 1
    assert len(await drain(slow)) == QUEUE_SIZE


async def test_closing_the_broadcaster_ends_every_subscription():
    broadcaster = Broadcaster()
    subscription = broadcaster.subscribe()
    waiting = asyncio.ensure_future(take(subscription, 1))
    await asyncio.sleep(0)
    broadcaster.close()
    assert await asyncio.wait_for(waiting, 1) == []


def test_the_broadcaster_knows_which_pipelines_anyone_wants():
    broadcaster = Broadcaster()
    assert not broadcaster.wants("a") and not broadcaster.wants(None)
    only_a = broadcaster.subscribe(pipeline="a")
    assert broadcaster.wants("a") and not broadcaster.wants("b") and not broadcaster.wants(None)
    everything = broadcaster.subscribe()
    assert broadcaster.wants("b") and broadcaster.wants(None)
    everything.close()
    assert not broadcaster.wants("b")
    only_a.close()
    assert not broadcaster.wants("a")


async def test_a_subscriber_for_one_pipeline_is_not_offered_the_others():
    broadcaster = Broadcaster()
    only_a = broadcaster.subscribe(pipeline="a")
    for n, pipeline in enumerate(["b"] * (QUEUE_SIZE + 5) + ["a"], start=1):
        broadcaster.publish(StoreEvent(Cursor(n, 0), b"{}", -1, pipeline))
    assert await take(only_a, 1) == [QUEUE_SIZE + 6]  # not cut off by the others' traffic
