"""A two-component pipeline that does what many do: a prompt template, then an LLM (Haystack's own
``ChatPromptBuilder`` and ``OpenAIChatGenerator``). The benchmarks point it at a local fake OpenAI server
(``OPENAI_BASE_URL``), which answers at once: what is measured is the pipeline's own work, not a model's."""

from haystack import Pipeline
from haystack.components.builders import ChatPromptBuilder
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage

from hayhooks import BasePipelineWrapper


class PipelineWrapper(BasePipelineWrapper):
    def setup(self) -> None:
        template = [ChatMessage.from_user("Answer in one sentence: {{ question }}")]
        self.pipeline = Pipeline()
        self.pipeline.add_component("prompt", ChatPromptBuilder(template=template, required_variables=["question"]))
        self.pipeline.add_component("llm", OpenAIChatGenerator(model="gpt-4o-mini"))
        self.pipeline.connect("prompt.prompt", "llm.messages")

    def run_api(self, question: str) -> str:
        """Ask the LLM a question."""
        return self.pipeline.run({"prompt": {"question": question}})["llm"]["replies"][0].text
