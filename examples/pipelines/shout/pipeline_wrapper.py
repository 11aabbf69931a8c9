"""Two custom components in a row: upper-case the text, then add an exclamation mark."""

from haystack import Pipeline, component

from hayhooks import BasePipelineWrapper


@component
class Upper:
    @component.output_types(text=str)
    def run(self, text: str) -> dict:
        return {"text": text.upper()}


@component
class Exclaim:
    def __init__(self, mark: str = "!") -> None:
        self.mark = mark

    @component.output_types(text=str)
    def run(self, text: str) -> dict:
        return {"text": text + self.mark}


class PipelineWrapper(BasePipelineWrapper):
    def setup(self) -> None:
        self.pipeline = Pipeline()
        self.pipeline.add_component("upper", Upper())
        self.pipeline.add_component("exclaim", Exclaim())
        self.pipeline.connect("upper.text", "exclaim.text")

    def run_api(self, text: str) -> str:
        """Shout the text back: upper-case it and add an exclamation mark.

        Args:
            text: The text to shout.
        """
        return self.pipeline.run({"upper": {"text": text}})["exclaim"]["text"]
