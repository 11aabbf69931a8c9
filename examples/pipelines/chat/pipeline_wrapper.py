"""A chat pipeline with a local, offline "generator" that streams its answer word by word.

It needs no key and no network: the answer is made from the question, so the examples, the demo and the
tests can exercise OpenAI-compatible chat, streaming included.
"""

import time
from collections.abc import Callable, Generator

from haystack import Pipeline, component
from haystack.dataclasses import StreamingChunk

from hayhooks import BasePipelineWrapper, get_last_user_message, streaming_generator


@component
class PromptBuilder:
    @component.output_types(prompt=str)
    def run(self, question: str) -> dict:
        return {"prompt": question.strip()}


@component
class EchoGenerator:
    """Answers by echoing the prompt; streams one word per chunk when given a streaming callback."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    @component.output_types(replies=list[str], meta=list[dict])
    def run(self, prompt: str, streaming_callback: Callable[[StreamingChunk], None] | None = None) -> dict:
        words = f"You said: {prompt}".split(" ")
        for index, word in enumerate(words):
            if streaming_callback is not None:
                streaming_callback(StreamingChunk(content=word if index == 0 else " " + word, index=0))
            if self.delay_s:
                time.sleep(self.delay_s)
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(words)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return {"replies": [" ".join(words)], "meta": [{"model": "echo", "usage": usage}]}


class PipelineWrapper(BasePipelineWrapper):
    def setup(self) -> None:
        self.pipeline = Pipeline()
        self.pipeline.add_component("prompt", PromptBuilder())
        self.pipeline.add_component("llm", EchoGenerator())
        self.pipeline.connect("prompt.prompt", "llm.prompt")

    def run_api(self, question: str) -> str:
        """Answer a question (by echoing it).

        Args:
            question: What to ask.
        """
        return self.pipeline.run({"prompt": {"question": question}})["llm"]["replies"][0]

    def run_chat_completion(self, model: str, messages: list[dict], body: dict) -> str | Generator:
        question = get_last_user_message(messages) or ""
        if body.get("stream"):
            return streaming_generator(self.pipeline, pipeline_run_args={"prompt": {"question": question}})
        return self.run_api(question)
