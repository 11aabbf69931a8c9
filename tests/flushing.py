"""A flusher with its span processor on a tracer of its own, and an operation to end on it: for the flusher's tests."""

import asyncio
import inspect
import time

from opentelemetry.sdk.trace import TracerProvider

from hayhooks.dashboard.flusher import Flusher
from hayhooks.dashboard.processor import DashboardSpanProcessor
from hayhooks.dashboard.record import Limits


def make(store, min_interval_s: float = 0.0):
    processor = DashboardSpanProcessor(grace_s=0.0)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    flusher = Flusher(processor, store, worker="h:1", limits=Limits(), local_capacity=5,
                      min_interval_s=min_interval_s)
    return provider.get_tracer("t"), flusher


def run_op(tracer, name: str = "p") -> None:
    with tracer.start_as_current_span(
        "hayhooks.pipeline.run", attributes={"hayhooks.kind": "run", "hayhooks.pipeline.name": name}
    ):
        pass


async def settle(condition, timeout: float = 3):
    """``condition()``'s first true value (it may return an awaitable); fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)
