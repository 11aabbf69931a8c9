"""``streaming_generator`` / ``async_streaming_generator``: run a pipeline (or an ``Agent``) and yield what it
streams, with Hayhooks' signatures and behaviour.

The run goes to a thread (``Pipeline.run``) or a task (``run_async``) with a ``streaming_callback`` injected into
the components that stream: the last streaming-capable one, unless ``streaming_components`` (or
``HAYHOOKS_STREAMING_COMPONENTS``) names others or says ``all``. An ``Agent`` gets the callback itself. The caller
iterates the chunks as they come; the run keeps the caller's context, so its spans nest under the caller's span.

Around each chunk, optional callbacks turn tool calls, tool results and reasoning into extra items (UI events or
text) yielded before the chunk; ``on_pipeline_end`` turns the run's result into a last chunk. A callback that
fails is logged and skipped: it never breaks the stream. Items put on ``external_event_queue`` are yielded as they
come, between chunks. An exception in the run is raised from the iterator, after the chunks that came before it.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import os
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Literal

from haystack.dataclasses import StreamingChunk

from hayhooks.logger import log
from hayhooks.tracing import operations

ToolCallbackReturn = Any  # a PipelineEvent, a str, a list of those, or None
OnToolCallStart = Callable[[str, dict[str, Any], str | None], ToolCallbackReturn] | None
OnToolCallEnd = Callable[[str, dict[str, Any], str, bool], ToolCallbackReturn] | None
OnReasoning = Callable[[str, dict[str, Any] | None], ToolCallbackReturn] | None
OnPipelineEnd = Callable[[Any], str | None] | None
StreamingComponents = list[str] | Literal["all"] | None

_DONE = object()
_IDLE = object()  # nothing came within the poll interval
_POLL_S = 0.01  # how often an external event queue is looked at while the run is quiet
_default_setting: str | None = None  # HAYHOOKS_STREAMING_COMPONENTS of the server's settings, once it has started
_detached: set[asyncio.Task[Any]] = set()  # shielded runs whose stream closed: kept alive until they finish


def is_streaming_component(component: Any) -> bool:
    """Whether ``component`` takes a ``streaming_callback`` (in ``run``'s signature, or among its input sockets
    for components that wrap others)."""
    run = getattr(component, "run", None)
    if run is None:
        return False
    if "streaming_callback" in inspect.signature(run).parameters:
        return True
    sockets = getattr(getattr(component, "__haystack_input__", None), "_sockets_dict", None)
    return sockets is not None and "streaming_callback" in sockets


def find_all_streaming_components(pipeline: Any) -> list[tuple[Any, str]]:
    """``(component, name)`` of every streaming-capable component, in the pipeline's order."""
    found = [(component, name) for name, component in pipeline.walk() if is_streaming_component(component)]
    if not found:
        raise ValueError("No streaming-capable components found in the pipeline")
    return found


def parse_streaming_components_setting(setting_value: str) -> StreamingComponents:
    """``HAYHOOKS_STREAMING_COMPONENTS``: empty for the default (the last one), ``all``, or names, comma-separated."""
    value = (setting_value or "").strip()
    if not value:
        return None
    if value.lower() == "all":
        return "all"
    return [name.strip() for name in value.split(",") if name.strip()] or None


def set_default_streaming_components(setting_value: str) -> None:
    """The server's ``HAYHOOKS_STREAMING_COMPONENTS`` (set by ``create_app``; the environment's until then)."""
    global _default_setting
    _default_setting = setting_value


def _is_agent(target: Any) -> bool:
    try:
        from haystack.components.agents import Agent
    except ImportError:  # pragma: no cover - every Haystack this server supports has it
        return False
    return isinstance(target, Agent)


def _chosen(pipeline: Any, which: StreamingComponents) -> list[tuple[Any, str]]:
    capable = find_all_streaming_components(pipeline)
    if which is None:
        setting = _default_setting if _default_setting is not None else os.environ.get("HAYHOOKS_STREAMING_COMPONENTS")
        which = parse_streaming_components_setting(setting or "")
    if which == "all":
        return capable
    if which is None:
        return capable[-1:]
    return [(component, name) for component, name in capable if name in which]


def _with_callbacks(
    target: Any, args: dict[str, Any], which: StreamingComponents, sync_callback: Any, async_callback: Any = None
) -> dict[str, Any]:
    """A copy of ``args`` with the streaming callback set: on the agent, or on each chosen component (the async
    callback where the component runs async, when there is one)."""
    configured = dict(args)
    if _is_agent(target):
        configured["streaming_callback"] = async_callback or sync_callback
        return configured
    for component, name in _chosen(target, which):
        chosen = async_callback if async_callback is not None and hasattr(component, "run_async") else sync_callback
        configured[name] = {**configured.get(name, {}), "streaming_callback": chosen}
    return configured


def _as_items(result: Any) -> list[Any]:
    if not result:
        return []
    return list(result) if isinstance(result, list) else [result]


class _Callbacks:
    """The user's callbacks around each chunk and at the end of the run; their failures are logged, not raised."""

    def __init__(self, on_tool_call_start: OnToolCallStart, on_tool_call_end: OnToolCallEnd,
                 on_reasoning: OnReasoning, on_pipeline_end: OnPipelineEnd) -> None:
        self.on_tool_call_start = on_tool_call_start
        self.on_tool_call_end = on_tool_call_end
        self.on_reasoning = on_reasoning
        self.on_pipeline_end = on_pipeline_end

    def _call(self, name: str, callback: Callable[..., Any], *args: Any) -> list[Any]:
        try:
            return _as_items(callback(*args))
        except Exception as exc:
            log.opt(exception=exc).error("The {} callback failed: {}", name, exc)
            return []

    def before(self, chunk: StreamingChunk) -> list[Any]:
        """What the callbacks make of ``chunk``'s tool calls, tool result and reasoning."""
        items: list[Any] = []
        if self.on_tool_call_start is not None:
            for call in getattr(chunk, "tool_calls", None) or []:
                if call.tool_name:
                    arguments: Any = {}
                    if call.arguments:
                        try:
                            arguments = json.loads(call.arguments)
                        except (json.JSONDecodeError, TypeError):
                            arguments = {}
                    items += self._call("on_tool_call_start", self.on_tool_call_start, call.tool_name, arguments,
                                        call.id)
        if self.on_tool_call_end is not None and (done := getattr(chunk, "tool_call_result", None)):
            result = done.result if isinstance(done.result, str) else str(done.result)
            items += self._call("on_tool_call_end", self.on_tool_call_end, done.origin.tool_name,
                                done.origin.arguments, result, bool(done.error))
        if self.on_reasoning is not None and (reasoning := getattr(chunk, "reasoning", None)) is not None:
            text = getattr(reasoning, "reasoning_text", None)
            items += self._call("on_reasoning", self.on_reasoning, text if isinstance(text, str) else str(reasoning),
                                getattr(reasoning, "extra", None))
        return items

    def after_run(self, result: Any) -> StreamingChunk | None:
        if self.on_pipeline_end is None:
            return None
        try:
            text = self.on_pipeline_end(result)
        except Exception as exc:
            log.opt(exception=exc).error("The on_pipeline_end callback failed: {}", exc)
            return None
        return StreamingChunk(content=text) if text else None


def _run_kwargs(include_outputs_from: set[str] | None) -> dict[str, Any]:
    return {"include_outputs_from": include_outputs_from} if include_outputs_from is not None else {}


def _drain(events: Any) -> list[Any]:
    """Whatever an external event queue (``queue.Queue`` or ``asyncio.Queue``) holds now."""
    found = []
    while True:
        try:
            found.append(events.get_nowait())
        except (queue.Empty, asyncio.QueueEmpty):
            return found


def streaming_generator(
    pipeline: Any,
    *,
    pipeline_run_args: dict[str, Any] | None = None,
    on_tool_call_start: OnToolCallStart = None,
    on_tool_call_end: OnToolCallEnd = None,
    on_reasoning: OnReasoning = None,
    on_pipeline_end: OnPipelineEnd = None,
    streaming_components: StreamingComponents = None,
    include_outputs_from: set[str] | None = None,
    external_event_queue: queue.Queue[Any] | None = None,
) -> Iterator[Any]:
    """Run ``pipeline`` (a ``Pipeline`` or an ``Agent``) in a thread and yield what it streams."""
    chunks: queue.Queue[Any] = queue.Queue()
    args = _with_callbacks(pipeline, pipeline_run_args or {}, streaming_components, chunks.put)
    callbacks = _Callbacks(on_tool_call_start, on_tool_call_end, on_reasoning, on_pipeline_end)
    agent = _is_agent(pipeline)

    def run() -> None:
        try:
            result = pipeline.run(**args) if agent else pipeline.run(data=args, **_run_kwargs(include_outputs_from))
            if (last := callbacks.after_run(result)) is not None:
                chunks.put(last)
            chunks.put(_DONE)
        except BaseException as exc:
            chunks.put(exc)

    def next_item() -> Any:
        if external_event_queue is None:
            return chunks.get()
        try:
            return chunks.get(timeout=_POLL_S)
        except queue.Empty:
            return _IDLE

    def generate() -> Iterator[Any]:
        context = contextvars.copy_context()
        finished = threading.Event()

        def run_to_the_end() -> None:
            try:
                run()
            finally:
                finished.set()

        thread = threading.Thread(target=context.run, args=(run_to_the_end,), daemon=True, name="hayhooks-stream")
        operations.hold_until(finished)  # should the stream stop early, the run still ends inside the operation
        thread.start()
        try:
            while True:
                if external_event_queue is not None:
                    yield from _drain(external_event_queue)
                item = next_item()
                if item is _IDLE:
                    continue
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, StreamingChunk):
                    yield from callbacks.before(item)
                yield item
            if external_event_queue is not None:
                yield from _drain(external_event_queue)
        finally:
            thread.join(timeout=30)

    return generate()


class _Inbox:
    """Where a run's chunks go: an asyncio queue, fed from the loop or from Haystack's executor threads."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.loop: asyncio.AbstractEventLoop | None = None

    def put_threadsafe(self, chunk: Any) -> None:
        """The callback of a component that runs in a thread (one without ``run_async``)."""
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self.queue.put_nowait, chunk)

    async def put(self, chunk: Any) -> None:
        self.queue.put_nowait(chunk)


def async_streaming_generator(
    pipeline: Any,
    *,
    pipeline_run_args: dict[str, Any] | None = None,
    on_tool_call_start: OnToolCallStart = None,
    on_tool_call_end: OnToolCallEnd = None,
    on_reasoning: OnReasoning = None,
    on_pipeline_end: OnPipelineEnd = None,
    streaming_components: StreamingComponents = None,
    include_outputs_from: set[str] | None = None,
    allow_sync_streaming_callbacks: bool = False,
    external_event_queue: asyncio.Queue[Any] | None = None,
    shield_pipeline_task: bool = False,
) -> AsyncIterator[Any]:
    """Async twin of ``streaming_generator``: the run is a task with ``run_async``.

    A component with ``run_async`` gets an async callback; one without runs in Haystack's executor and gets a
    thread-safe sync one, whatever ``allow_sync_streaming_callbacks`` says (Hayhooks refuses such a pipeline
    unless it is true; here it simply works). With ``shield_pipeline_task`` a run outlives a stream closed early
    instead of being cancelled.
    """
    inbox = _Inbox()
    args = _with_callbacks(pipeline, pipeline_run_args or {}, streaming_components, inbox.put_threadsafe, inbox.put)
    callbacks = _Callbacks(on_tool_call_start, on_tool_call_end, on_reasoning, on_pipeline_end)
    agent = _is_agent(pipeline)
    kwargs = _run_kwargs(include_outputs_from)

    async def run() -> None:
        chunks = inbox.queue
        try:
            if agent:
                result = await pipeline.run_async(**args)
            elif hasattr(pipeline, "run_async"):
                result = await pipeline.run_async(data=args, **kwargs)
            else:
                result = await asyncio.to_thread(pipeline.run, data=args, **kwargs)  # copies the context
            if (last := callbacks.after_run(result)) is not None:
                chunks.put_nowait(last)
            chunks.put_nowait(_DONE)
        except Exception as exc:
            chunks.put_nowait(exc)

    async def next_item() -> Any:
        if external_event_queue is None:
            return await inbox.queue.get()
        try:
            return await asyncio.wait_for(inbox.queue.get(), _POLL_S)
        except TimeoutError:
            return _IDLE

    async def generate() -> AsyncIterator[Any]:
        inbox.loop = asyncio.get_running_loop()
        task = asyncio.create_task(run())
        operations.hold_until(task)
        try:
            while True:
                if external_event_queue is not None:
                    for event in _drain(external_event_queue):
                        yield event
                item = await next_item()
                if item is _IDLE:
                    continue
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, StreamingChunk):
                    for extra in callbacks.before(item):
                        yield extra
                yield item
            if external_event_queue is not None:
                for event in _drain(external_event_queue):
                    yield event
        finally:
            if shield_pipeline_task and not task.done():
                _detached.add(task)
                task.add_done_callback(_detached.discard)
            else:
                if not task.done():
                    task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    return generate()


__all__ = [
    "OnPipelineEnd",
    "OnReasoning",
    "OnToolCallEnd",
    "OnToolCallStart",
    "ToolCallbackReturn",
    "async_streaming_generator",
    "find_all_streaming_components",
    "is_streaming_component",
    "parse_streaming_components_setting",
    "streaming_generator",
]
