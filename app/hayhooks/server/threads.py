"""Run sync code (pipelines, deploys, wrapper setup) off the event loop, on this worker's own thread pool.

Starlette's ``run_in_threadpool`` goes through anyio (capacity limiter, cancel scope, backend lookup): about
25 µs more per call than handing the function to a ``ThreadPoolExecutor`` directly, on a request that costs
~300 µs in all. The pool is created on first use, so each worker (after fork) has its own. The caller's
context (the current span, the current operation) is copied into the thread, as anyio does.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# anyio's default capacity: a pool this size lets slow pipelines wait on I/O side by side.
MAX_THREADS = 40

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(MAX_THREADS, thread_name_prefix="hayhooks-run")
    return _pool


async def run_sync(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in the pool. If the awaiting task is cancelled (the client went away), the
    call is left to finish before the cancellation goes on, so its spans still end inside the operation."""
    context = contextvars.copy_context()
    future = _executor().submit(context.run, functools.partial(func, *args, **kwargs))
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        if not future.cancelled():
            with contextlib.suppress(BaseException):
                await asyncio.shield(asyncio.wrap_future(future))
        raise
