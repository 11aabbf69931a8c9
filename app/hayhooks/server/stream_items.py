"""What the items a wrapper streams carry, read the same way by the chat, Responses and run routes.

A wrapper streams text, Haystack ``StreamingChunk``s (text, reasoning, tool calls) and UI events (anything with
``to_event_dict()``, a ``PipelineEvent``); each route decides what to send of them.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio

from hayhooks.logger import log
from hayhooks.server.threads import run_sync


def is_event(item: Any) -> bool:
    """A UI event: its ``to_event_dict()`` is what goes out."""
    return callable(getattr(item, "to_event_dict", None))


def text_of(item: Any) -> str:
    """The text an item adds to the answer ('' for an event, or a chunk with none)."""
    if is_event(item):
        return ""
    content = getattr(item, "content", item)
    return content if isinstance(content, str) else ("" if content is None else str(content))


def reasoning_of(item: Any) -> str | None:
    """A chunk's reasoning text, or ``None`` when it carries none."""
    reasoning = getattr(item, "reasoning", None)
    if reasoning is None:
        return None
    text = getattr(reasoning, "reasoning_text", None)
    return (text if isinstance(text, str) else str(reasoning)) or None


def tool_name_of(call: Any) -> str | None:
    """The tool a streamed tool call names: Haystack's ``tool_name`` (``ToolCallDelta``, ``ToolCall``), else a
    ``name`` (OpenAI-style objects); ``None`` in the deltas that only carry more arguments."""
    return getattr(call, "tool_name", None) or getattr(call, "name", None)


def items_of(result: Any) -> AsyncIterator[Any]:
    """A wrapper's answer as an async stream: its async generator, its sync one (iterated in the thread pool, never
    on the loop), or the answer itself as the only item."""
    if inspect.isasyncgen(result) or hasattr(result, "__aiter__"):
        return result  # type: ignore[no-any-return]
    if inspect.isgenerator(result) or isinstance(result, Iterator):
        return _in_threads(result)

    async def single() -> AsyncIterator[Any]:
        yield result

    return single()


_END = object()
_CLOSE_WAIT_S = 60.0


async def _in_threads(iterator: Iterator[Any]) -> AsyncIterator[Any]:
    """``iterator``'s items, each made on a pool thread. A stream that stops early (the client went away) closes
    the iterator there too, and waits for it: a ``streaming_generator`` then waits for its pipeline run, so the
    run's spans end inside the operation instead of after it, where they would be lost."""
    finished = False
    try:
        while (item := await run_sync(next, iterator, _END)) is not _END:
            yield item
        finished = True
    finally:
        if not finished:
            with anyio.CancelScope(shield=True):
                await run_sync(_close, iterator)


def _close(iterator: Iterator[Any]) -> None:
    close = getattr(iterator, "close", None)
    if close is None:
        return
    deadline = time.monotonic() + _CLOSE_WAIT_S
    while True:
        try:
            close()
            return
        except ValueError as exc:
            # Still making an item on another thread (a cancelled wait stopped waiting for it): close once done.
            if "already executing" not in str(exc) or time.monotonic() > deadline:
                log.opt(exception=exc).warning("A stream could not be closed: {}", exc)
                return
            time.sleep(0.01)
        except Exception as exc:
            log.opt(exception=exc).warning("A stream failed while it was closed: {}", exc)
            return
