"""``streaming_generator`` / ``async_streaming_generator``: run a pipeline and yield its streamed chunks.

The pipeline runs in a thread (``Pipeline.run``) or as a task (``Pipeline.run_async``) with a ``streaming_callback`` injected
into the streaming component — the last one that takes a ``streaming_callback``, unless
``streaming_components`` names others — and the caller iterates the chunks as they come. The run keeps the
caller's context, so its spans nest under the caller's span. An exception in the pipeline is raised from
the iterator, after the chunks that came before it.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

from haystack.dataclasses import StreamingChunk

_DONE = object()


def _streaming_targets(pipeline: Any, streaming_components: list[str] | Literal["all"] | None) -> list[str]:
    capable = [
        name
        for name, component in pipeline.walk()
        if "streaming_callback" in inspect.signature(component.run).parameters
    ]
    if streaming_components == "all":
        return capable
    if streaming_components:
        return [name for name in capable if name in streaming_components]
    return capable[-1:]


def _with_callback(
    pipeline: Any, args: dict[str, Any], callback: Any, which: Any, async_callback: Any = None
) -> dict[str, Any]:
    """Copy of ``args`` with the callback set on each streaming component (the async one where it runs async)."""
    configured = {key: dict(value) if isinstance(value, dict) else value for key, value in args.items()}
    for name in _streaming_targets(pipeline, which):
        component = pipeline.get_component(name)
        chosen = async_callback if async_callback and hasattr(component, "run_async") else callback
        configured.setdefault(name, {})["streaming_callback"] = chosen
    return configured


def streaming_generator(
    pipeline: Any,
    *,
    pipeline_run_args: dict[str, Any] | None = None,
    streaming_components: list[str] | Literal["all"] | None = None,
    include_outputs_from: set[str] | None = None,
) -> Iterator[StreamingChunk]:
    """Run ``pipeline`` in a thread and yield the ``StreamingChunk``s its streaming component emits."""
    chunks: queue.Queue[Any] = queue.Queue()
    args = _with_callback(pipeline, pipeline_run_args or {}, chunks.put, streaming_components)

    def run() -> None:
        try:
            kwargs = {"include_outputs_from": include_outputs_from} if include_outputs_from else {}
            pipeline.run(data=args, **kwargs)
            chunks.put(_DONE)
        except BaseException as exc:
            chunks.put(exc)

    def generate() -> Iterator[StreamingChunk]:
        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(run,), daemon=True, name="hayhooks-stream")
        thread.start()
        try:
            while (item := chunks.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            thread.join(timeout=30)

    return generate()


async def async_streaming_generator(
    pipeline: Any,
    *,
    pipeline_run_args: dict[str, Any] | None = None,
    streaming_components: list[str] | Literal["all"] | None = None,
    include_outputs_from: set[str] | None = None,
) -> AsyncIterator[StreamingChunk]:
    """Async twin of ``streaming_generator``: the pipeline runs as a task with ``run_async``.

    Sync components run in Haystack's executor threads, so their callback hands chunks to the loop
    thread-safely; async components get an async callback.
    """
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[Any] = asyncio.Queue()

    def put_threadsafe(chunk: Any) -> None:
        loop.call_soon_threadsafe(chunks.put_nowait, chunk)

    async def put(chunk: Any) -> None:
        chunks.put_nowait(chunk)

    args = _with_callback(pipeline, pipeline_run_args or {}, put_threadsafe, streaming_components, put)
    kwargs = {"include_outputs_from": include_outputs_from} if include_outputs_from else {}

    async def run() -> None:
        try:
            if hasattr(pipeline, "run_async"):
                await pipeline.run_async(data=args, **kwargs)
            else:
                await asyncio.to_thread(pipeline.run, data=args, **kwargs)  # copies the context
            await chunks.put(_DONE)
        except Exception as exc:
            await chunks.put(exc)

    task = asyncio.create_task(run())
    try:
        while (item := await chunks.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
