"""Run sync code (pipelines, deploys, wrapper setup) off the event loop, on this worker's own threads.

Every run of a sync pipeline crosses to a thread and back, so the crossing is kept to the minimum: the call
goes on a queue that idle threads wait on, and its result is set on the caller's asyncio future with one
``call_soon_threadsafe``. Starlette's ``run_in_threadpool`` (anyio: capacity limiter, cancel scope, backend
lookup) cost ~25 µs more per call, and a ``ThreadPoolExecutor`` with ``wrap_future`` ~10 µs more (a
``concurrent.futures.Future`` with its lock and condition, a work item, and a second future chained to the
first). Threads start on demand up to ``MAX_THREADS`` and stay; each worker (after fork) has its own. The
caller's context (the current span, the current operation) is copied into the thread, as anyio does.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio

T = TypeVar("T")

# anyio's default capacity: this many threads let slow pipelines wait on I/O side by side.
MAX_THREADS = 40

_Call = tuple[asyncio.AbstractEventLoop, asyncio.Future, contextvars.Context, Callable[[], Any]]


def _deliver(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class _Threads:
    """Threads that take calls from one queue; a new one starts only when no thread is idle."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._started = 0

    def submit(self, call: _Call) -> None:
        self._calls.put(call)
        with self._lock:
            if self._idle > 0:
                self._idle -= 1  # that thread is taken: the next call must not count on it
                return
            if self._started >= self.limit:
                return
            self._started += 1
            number = self._started
        threading.Thread(target=self._serve, name=f"hayhooks-run_{number}", daemon=True).start()

    def _serve(self) -> None:
        calls = self._calls
        while True:
            loop, future, context, func = calls.get()
            try:
                result, error = context.run(func), None
            except BaseException as exc:  # handed to the awaiting task, raised there
                result, error = None, exc
            with self._lock:  # idle before the result is out: a caller's next call then reuses this thread
                self._idle += 1
            try:  # noqa: SIM105 (a plain try costs nothing here; suppress() is a context manager per call)
                loop.call_soon_threadsafe(_deliver, future, result, error)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass
            del loop, future, context, func, result, error


_threads: _Threads | None = None


def _pool() -> _Threads:
    global _threads
    if _threads is None:
        _threads = _Threads(MAX_THREADS)
    return _threads


def _forget_pool() -> None:
    """A forked child has none of its parent's threads: it starts its own pool on first use."""
    global _threads
    _threads = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


# What uvicorn says when it cancels the requests still running at the end of a shutdown's drain.
_DRAIN_OVER = "graceful shutdown exceeded"


async def run_sync(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` on a pool thread. If the awaiting task is cancelled (the client went away), the
    call is left to finish before the cancellation goes on, so its spans still end inside the operation; unless
    the server is stopping and its drain is over: the worker would be killed before the call ends, so the
    operation ends now, failed, and its trace is flushed with the others."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    call = functools.partial(func, *args, **kwargs) if args or kwargs else func
    _pool().submit((loop, future, contextvars.copy_context(), call))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError as cancelled:
        if _DRAIN_OVER not in str(cancelled):
            # Shielded: in an anyio cancel scope (an MCP call's), every await of a cancelled task is cancelled again.
            with contextlib.suppress(BaseException), anyio.CancelScope(shield=True):
                await future
        raise

