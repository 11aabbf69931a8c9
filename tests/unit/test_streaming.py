import asyncio
import queue
from collections.abc import Callable

import pytest
from haystack import Pipeline, component
from haystack.dataclasses import ReasoningContent, StreamingChunk, ToolCall, ToolCallDelta, ToolCallResult

from hayhooks import async_streaming_generator, streaming_generator
from hayhooks.pipelines import streaming


@component
class Words:
    """Streams the words of its text, then fails if asked to."""

    @component.output_types(replies=list[str])
    def run(self, text: str, streaming_callback: Callable[[StreamingChunk], None] | None = None) -> dict:
        for word in text.split():
            if word == "boom":
                raise RuntimeError("exploded mid-stream")
            if streaming_callback:
                streaming_callback(StreamingChunk(content=word))
        return {"replies": [text]}


@component
class Passthrough:
    @component.output_types(text=str)
    def run(self, text: str) -> dict:
        return {"text": text}


def pipeline() -> Pipeline:
    p = Pipeline()
    p.add_component("pass", Passthrough())
    p.add_component("words", Words())
    p.connect("pass.text", "words.text")
    return p


def test_yields_the_chunks_of_the_streaming_component():
    chunks = list(streaming_generator(pipeline(), pipeline_run_args={"pass": {"text": "a b c"}}))
    assert [c.content for c in chunks] == ["a", "b", "c"]


def test_pipeline_error_is_raised_after_the_chunks_before_it():
    stream = streaming_generator(pipeline(), pipeline_run_args={"pass": {"text": "a boom"}})
    assert next(stream).content == "a"
    with pytest.raises(Exception, match="exploded mid-stream"):
        next(stream)


def test_async_generator_yields_the_same_chunks():
    async def collect() -> list[str]:
        stream = async_streaming_generator(pipeline(), pipeline_run_args={"pass": {"text": "x y"}})
        return [chunk.content async for chunk in stream]

    assert asyncio.run(collect()) == ["x", "y"]


@component
class ToolCaller:
    """Streams what a tool-calling model streams: a tool call, its result, some reasoning, then text."""

    @component.output_types(replies=list[str])
    def run(self, text: str, streaming_callback: Callable[[StreamingChunk], None] | None = None) -> dict:
        if streaming_callback:
            call = ToolCallDelta(index=0, tool_name="weather", arguments='{"city": "Paris"}', id="c1")
            streaming_callback(StreamingChunk(content="", tool_calls=[call], index=0))
            origin = ToolCall(tool_name="weather", arguments={"city": "Paris"}, id="c1")
            streaming_callback(StreamingChunk(content="", tool_call_result=ToolCallResult(
                result="sunny", origin=origin, error=False), index=0))
            streaming_callback(StreamingChunk(content="", reasoning=ReasoningContent(reasoning_text="hmm"), index=0))
            streaming_callback(StreamingChunk(content=text))
        return {"replies": [text]}


def tool_pipeline() -> Pipeline:
    p = Pipeline()
    p.add_component("model", ToolCaller())
    return p


def test_callbacks_turn_tool_calls_results_and_reasoning_into_items_before_their_chunk():
    seen: list = []
    stream = streaming_generator(
        tool_pipeline(),
        pipeline_run_args={"model": {"text": "done"}},
        on_tool_call_start=lambda name, args, call_id: seen.append(("start", name, args, call_id)) or f"start {name}",
        on_tool_call_end=lambda name, args, result, error: [f"end {name}={result}", f"error={error}"],
        on_reasoning=lambda text, extra: f"thinking: {text}",
        on_pipeline_end=lambda result: f"final {result['model']['replies'][0]}",
    )
    items = [item if isinstance(item, str) else item.content for item in stream]
    assert seen == [("start", "weather", {"city": "Paris"}, "c1")]
    assert items == ["start weather", "", "end weather=sunny", "error=False", "", "thinking: hmm", "", "done",
                     "final done"]


def test_a_failing_callback_is_logged_and_the_stream_goes_on():
    def broken(*args):
        raise RuntimeError("callback bug")

    stream = streaming_generator(tool_pipeline(), pipeline_run_args={"model": {"text": "still here"}},
                                 on_tool_call_start=broken, on_pipeline_end=broken)
    assert [item.content for item in stream][-1] == "still here"


def test_external_events_are_yielded_alongside_the_chunks():
    events: queue.Queue = queue.Queue()
    events.put("before")

    @component
    class Announcer:
        @component.output_types(replies=list[str])
        def run(self, text: str, streaming_callback: Callable[[StreamingChunk], None] | None = None) -> dict:
            events.put({"custom": "from the run"})
            if streaming_callback:
                streaming_callback(StreamingChunk(content=text))
            events.put("after")
            return {"replies": [text]}

    p = Pipeline()
    p.add_component("a", Announcer())
    items = list(streaming_generator(p, pipeline_run_args={"a": {"text": "chunk"}}, external_event_queue=events))
    assert items[0] == "before"  # what was queued before the stream started comes first
    assert [i for i in items if not isinstance(i, StreamingChunk)] == ["before", {"custom": "from the run"}, "after"]
    assert [i.content for i in items if isinstance(i, StreamingChunk)] == ["chunk"]


@component
class Join:
    @component.output_types(text=str)
    def run(self, replies: list[str]) -> dict:
        return {"text": " ".join(replies) + " again"}


def chained() -> Pipeline:
    p = Pipeline()
    p.add_component("first", Words())
    p.add_component("join", Join())
    p.add_component("second", Words())
    p.connect("first.replies", "join.replies")
    p.connect("join.text", "second.text")
    return p


def components_of(stream) -> list[str]:
    return [chunk.content for chunk in stream]


def test_only_the_last_streaming_component_streams_by_default():
    assert components_of(streaming_generator(chained(), pipeline_run_args={"first": {"text": "a"}})) == ["a", "again"]


def test_all_or_named_streaming_components_stream_when_asked():
    run = {"first": {"text": "a"}}
    assert components_of(streaming_generator(chained(), pipeline_run_args=run, streaming_components="all")) == [
        "a", "a", "again"]
    assert components_of(streaming_generator(chained(), pipeline_run_args=run, streaming_components=["first"])) == [
        "a"]


def test_the_servers_setting_chooses_when_the_wrapper_does_not(monkeypatch):
    monkeypatch.setattr(streaming, "_default_setting", "first, second")
    assert components_of(streaming_generator(chained(), pipeline_run_args={"first": {"text": "a"}})) == [
        "a", "a", "again"]


def test_a_pipeline_that_cannot_stream_is_refused_when_the_stream_is_made():
    p = Pipeline()
    p.add_component("pass", Passthrough())
    with pytest.raises(ValueError, match="No streaming-capable components"):
        streaming_generator(p, pipeline_run_args={"pass": {"text": "x"}})


def test_the_callers_arguments_are_not_changed():
    run_args = {"first": {"text": "a"}}
    list(streaming_generator(chained(), pipeline_run_args=run_args))
    assert run_args == {"first": {"text": "a"}}


@component
class Slow:
    """Streams one word, then works on: long enough for a consumer to go away."""

    def __init__(self) -> None:
        self.finished = asyncio.Event()

    @component.output_types(replies=list[str])
    async def run_async(self, text: str, streaming_callback=None) -> dict:
        await streaming_callback(StreamingChunk(content=text))
        await asyncio.sleep(0.2)
        self.finished.set()
        return {"replies": [text]}

    @component.output_types(replies=list[str])
    def run(self, text: str, streaming_callback=None) -> dict:  # pragma: no cover - only the async path is used
        return {"replies": [text]}


@pytest.mark.parametrize("shield", [False, True])
def test_a_shielded_run_outlives_a_stream_closed_early_and_an_unshielded_one_is_cancelled(shield):
    slow = Slow()
    p = Pipeline()
    p.add_component("slow", slow)

    async def consume_one_then_leave() -> bool:
        stream = async_streaming_generator(p, pipeline_run_args={"slow": {"text": "first"}},
                                           shield_pipeline_task=shield)
        assert (await anext(stream)).content == "first"
        await stream.aclose()
        await asyncio.sleep(0.4)
        return slow.finished.is_set()

    assert asyncio.run(consume_one_then_leave()) is shield


def test_the_async_generator_calls_the_callbacks_too():
    async def collect() -> list:
        stream = async_streaming_generator(
            tool_pipeline(), pipeline_run_args={"model": {"text": "ok"}},
            on_tool_call_start=lambda name, args, call_id: f"start {name}",
            on_pipeline_end=lambda result: "the end",
        )
        return [item if isinstance(item, str) else item.content async for item in stream]

    items = asyncio.run(collect())
    assert items[0] == "start weather" and items[-2:] == ["ok", "the end"]
