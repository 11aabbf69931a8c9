import asyncio
from collections.abc import Callable

import pytest
from haystack import Pipeline, component
from haystack.dataclasses import StreamingChunk

from hayhooks import async_streaming_generator, streaming_generator


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
