"""``run_sync``: sync code (pipelines, deploys) runs on the worker's own threads, never on the event loop."""

import asyncio
import contextvars
import threading

import anyio
import pytest

from hayhooks.server import threads
from hayhooks.server.threads import run_sync

current = contextvars.ContextVar("current", default="none")


async def test_the_call_runs_on_another_thread_and_its_result_comes_back():
    loop_thread = threading.get_ident()
    result, thread = await run_sync(lambda a, b=0: (a + b, threading.get_ident()), 2, b=3)
    assert result == 5
    assert thread != loop_thread


async def test_an_exception_is_raised_in_the_caller():
    def fail() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        await run_sync(fail)


async def test_the_callers_context_is_seen_by_the_call():
    current.set("operation-1")  # e.g. the current span
    assert await run_sync(current.get) == "operation-1"


class HeldCall:
    """A call that starts, then waits until the test releases it."""

    def __init__(self) -> None:
        self.started, self.release, self.ended = threading.Event(), threading.Event(), threading.Event()

    def __call__(self) -> None:
        self.started.set()
        self.release.wait(5)
        self.ended.set()


async def test_a_cancelled_caller_waits_for_the_call_to_end_before_it_is_cancelled():
    held = HeldCall()
    task = asyncio.ensure_future(run_sync(held))
    await asyncio.to_thread(held.started.wait, 5)
    task.cancel()
    await asyncio.sleep(0.05)
    assert not task.done()  # still waiting for the call
    held.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert held.ended.is_set()


async def test_a_caller_cancelled_by_an_anyio_scope_waits_for_the_call_too():
    """An MCP call is cancelled through an anyio cancel scope, which cancels every later await of the task."""
    held = HeldCall()

    async def call_then_cancel() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(run_sync, held)
            await asyncio.to_thread(held.started.wait, 5)
            group.cancel_scope.cancel()

    caller = asyncio.ensure_future(call_then_cancel())
    await asyncio.to_thread(held.started.wait, 5)
    await asyncio.sleep(0.1)
    assert not caller.done()  # still waiting for the call
    held.release.set()
    await asyncio.wait_for(caller, 5)
    assert held.ended.is_set()


async def test_a_caller_cancelled_when_the_servers_drain_is_over_stops_waiting_at_once():
    held = HeldCall()
    task = asyncio.ensure_future(run_sync(held))
    await asyncio.to_thread(held.started.wait, 5)
    task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")  # uvicorn's words
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1)  # the worker is about to be stopped: the call is not waited for
    held.release.set()


async def test_calls_that_block_run_side_by_side():
    barrier = threading.Barrier(6, timeout=5)  # each call waits until all six are running (or breaks after 5 s)
    arrivals = await asyncio.gather(*(run_sync(barrier.wait) for _ in range(6)))
    assert sorted(arrivals) == list(range(6))


async def test_calls_one_after_another_reuse_one_thread(monkeypatch):
    monkeypatch.setattr(threads, "_threads", None)  # a fresh pool for this test
    names = {await run_sync(lambda: threading.current_thread().name) for _ in range(50)}
    assert len(names) == 1
