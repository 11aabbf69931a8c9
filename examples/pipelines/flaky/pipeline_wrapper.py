"""A pipeline that fails on demand, to see failed runs (and their traces) without breaking anything."""

from haystack import Pipeline, component

from hayhooks import BasePipelineWrapper


@component
class Validate:
    @component.output_types(text=str)
    def run(self, text: str) -> dict:
        if "fail" in text.lower():
            raise ValueError(f"refusing to process {text!r}: it asks to fail")
        return {"text": text}


@component
class Count:
    @component.output_types(words=int)
    def run(self, text: str) -> dict:
        return {"words": len(text.split())}


class PipelineWrapper(BasePipelineWrapper):
    def setup(self) -> None:
        self.pipeline = Pipeline()
        self.pipeline.add_component("validate", Validate())
        self.pipeline.add_component("count", Count())
        self.pipeline.connect("validate.text", "count.text")

    def run_api(self, text: str) -> int:
        """Count the words of a text; fails when the text contains the word 'fail'.

        Args:
            text: The text whose words are counted.
        """
        return self.pipeline.run({"validate": {"text": text}})["count"]["words"]
