"""coerce_pipeline_inputs: JSON dicts rebuilt into the classes a pipeline's input sockets expect."""

from dataclasses import dataclass

import pytest
from haystack import Pipeline, component
from haystack.dataclasses import ChatMessage, Document

from hayhooks import coerce_pipeline_inputs


@dataclass
class Point:
    x: int
    y: int


@component
class Takes:
    @component.output_types(n=int)
    def run(self, documents: list[Document], message: ChatMessage | None = None, point: Point | None = None,
            top_k: int = 3) -> dict:
        return {"n": len(documents)}


@component
class Either:
    @component.output_types(n=int)
    def run(self, item: Document | ChatMessage) -> dict:
        return {"n": 1}


def pipeline(*components: tuple[str, object]) -> Pipeline:
    p = Pipeline()
    for name, instance in components:
        p.add_component(name, instance)
    return p


def test_nested_inputs_are_rebuilt_per_socket():
    p = pipeline(("takes", Takes()))
    data = {"takes": {"documents": [Document(content="a").to_dict(), "left alone"],
                      "message": ChatMessage.from_user("hi").to_dict(), "point": {"x": 1, "y": 2}, "top_k": 5}}
    coerced = coerce_pipeline_inputs(p, data)["takes"]
    assert isinstance(coerced["documents"][0], Document) and coerced["documents"][0].content == "a"
    assert coerced["documents"][1] == "left alone"
    assert coerced["message"].text == "hi" and coerced["point"] == Point(1, 2) and coerced["top_k"] == 5


def test_objects_already_rebuilt_are_left_as_they_are():
    message = ChatMessage.from_user("hi")
    p = pipeline(("takes", Takes()))
    assert coerce_pipeline_inputs(p, {"takes": {"documents": [], "message": message}})["takes"]["message"] is message


def test_flat_inputs_keep_the_flat_format():
    p = pipeline(("takes", Takes()))
    coerced = coerce_pipeline_inputs(p, {"documents": [Document(content="b").to_dict()], "top_k": 1})
    assert set(coerced) == {"documents", "top_k"} and coerced["documents"][0].content == "b"


def test_a_socket_allowing_several_classes_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="ChatMessage, Document"):
        coerce_pipeline_inputs(pipeline(("either", Either())), {"either": {"item": {"content": "?"}}})


def test_the_result_runs_the_pipeline():
    p = pipeline(("takes", Takes()))
    data = coerce_pipeline_inputs(p, {"takes": {"documents": [Document(content="c").to_dict()]}})
    assert p.run(data)["takes"]["n"] == 1
