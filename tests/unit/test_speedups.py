"""Haystack's input copy with the immutable fast path gives exactly what Haystack's own copy gives."""

import haystack.core.pipeline.base as base
import haystack.core.pipeline.pipeline as pipeline_module
import haystack.core.pipeline.utils as utils
import pytest
from haystack import Document, Pipeline, component
from haystack.dataclasses import ChatMessage

from hayhooks.pipelines import speedups


@pytest.fixture(scope="module")
def fast():
    assert speedups.install()
    return utils._deepcopy_with_exceptions


class Text(str):
    pass


@component
class Appender:
    @component.output_types(items=list)
    def run(self, items: list) -> dict:
        items.append("added by the component")
        return {"items": items}


def test_every_module_that_copies_inputs_uses_the_fast_path(fast):
    assert base._deepcopy_with_exceptions is fast
    assert pipeline_module._deepcopy_with_exceptions is fast
    assert fast.__wrapped__ is not fast


def test_installing_twice_keeps_one_fast_path(fast):
    assert speedups.install()
    assert utils._deepcopy_with_exceptions is fast
    assert not hasattr(fast.__wrapped__, "__wrapped__")  # Haystack's own function, not a fast path wrapped again


@pytest.mark.parametrize("value", ["text", 3, 2.5, True, None, b"bytes"])
def test_an_immutable_value_is_itself_as_with_haystacks_copy(fast, value):
    assert fast(value) is value
    assert fast.__wrapped__(value) is value


@pytest.mark.parametrize(
    "value",
    [
        {"query": "q", "top_k": 3, "filters": {"field": "meta.lang", "value": ["en", "de"]}},
        ["a", ("b", 1), {"c"}],
        [Document(content="doc", meta={"k": "v"})],
        [ChatMessage.from_user("hi")],
        Text("a str subclass"),
    ],
)
def test_anything_else_is_copied_as_haystack_copies_it(fast, value):
    copied, reference = fast(value), fast.__wrapped__(value)
    assert copied == reference == value
    assert (copied is value) == (reference is value)


def test_a_component_that_mutates_its_input_still_cannot_touch_the_callers_data(fast):
    pipeline = Pipeline()
    pipeline.add_component("append", Appender())
    items = ["original"]
    assert pipeline.run({"append": {"items": items}})["append"]["items"] == ["original", "added by the component"]
    assert items == ["original"]


def _nested(depth: int) -> dict:
    value: dict = {"leaf": "text"}
    for n in range(depth):
        value = {"level": n, "items": [value]} if n % 2 else {"level": n, "next": value}
    return value


def _deepest_copied(copy, limit: int = 2000) -> int:
    deepest = 0
    for depth in range(20, limit, 20):
        try:
            copy(_nested(depth))
        except RecursionError:
            break
        deepest = depth
    return deepest


def test_nested_data_as_deep_as_haystacks_own_copy_takes_is_copied(fast, monkeypatch):
    monkeypatch.setattr(utils, "_deepcopy_with_exceptions", fast.__wrapped__)  # Haystack's copy, recursing into itself
    haystacks = _deepest_copied(fast.__wrapped__)
    monkeypatch.undo()
    assert haystacks >= 100
    assert _deepest_copied(fast) >= haystacks
    assert fast(_nested(haystacks)) == _nested(haystacks)
