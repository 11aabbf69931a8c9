from collections.abc import Generator
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers

from hayhooks.pipelines import schema


def run_api(question: str, top_k: int = 3, filters: dict | None = None) -> list[str]:
    """Answer a question.

    Args:
        question: What to ask.
        top_k: How many answers.
    """
    return []


def test_request_model_has_one_field_per_parameter():
    model = schema.request_model(run_api, "QaRunRequest")
    assert list(model.model_fields) == ["question", "top_k", "filters"]


def test_parameters_without_default_are_required():
    model = schema.request_model(run_api, "QaRunRequest")
    with pytest.raises(ValidationError) as info:
        model.model_validate({"top_k": 1})
    assert info.value.errors()[0]["loc"] == ("question",)


def test_defaults_come_from_the_signature():
    body = schema.request_model(run_api, "QaRunRequest").model_validate({"question": "q"})
    assert (body.top_k, body.filters) == (3, None)


def test_types_come_from_annotations():
    model = schema.request_model(run_api, "QaRunRequest")
    with pytest.raises(ValidationError):
        model.model_validate({"question": "q", "top_k": "many"})


def test_field_descriptions_come_from_the_docstring():
    fields = schema.request_model(run_api, "QaRunRequest").model_fields
    assert fields["question"].description == "What to ask."
    assert fields["filters"].description is None


def test_unannotated_parameters_accept_anything():
    def run(self, anything, count=1):  # type: ignore[no-untyped-def]
        return anything

    body = schema.request_model(run, "AnyRunRequest").model_validate({"anything": {"a": [1]}})
    assert body.anything == {"a": [1]}


def test_headers_parameter_is_injected_not_part_of_the_body():
    def run(self, text: str, headers: Headers | None = None) -> str:
        return text

    assert schema.takes_headers(run)
    assert list(schema.request_model(run, "HRunRequest").model_fields) == ["text"]


def test_response_model_wraps_the_return_annotation_in_result():
    model = schema.response_model(run_api, "QaRunResponse")
    assert model.model_validate({"result": ["a"]}).result == ["a"]
    with pytest.raises(ValidationError):
        model.model_validate({"result": 3})


def test_missing_return_annotation_gives_any_result():
    def run(self, text: str):  # type: ignore[no-untyped-def]
        return text

    assert schema.response_model(run, "R").model_fields["result"].annotation is Any


def test_generator_return_is_a_stream():
    def run(self, text: str) -> Generator[str, None, None]:
        yield text

    assert schema.returns_stream(run)
    assert not schema.returns_stream(run_api)


def test_a_return_type_pydantic_cannot_describe_is_answered_as_any():
    class Blob:
        def __init__(self, x: str) -> None:
            self.x = x

    def run_api(q: str) -> Blob:
        return Blob(q)

    model = schema.response_model(run_api, "BlobRunResponse")
    assert model.model_json_schema()["properties"]["result"] == {"title": "Result"}


class Point(BaseModel):
    x: int
    y: int = 0


def run_with_points(start: Point, path: list[Point], label: str = "") -> None:
    return None


def test_arguments_are_dumped_as_hayhooks_passes_them():
    model = schema.request_model(run_with_points, "PointsRunRequest")
    body = model.model_validate({"start": {"x": 1}, "path": [{"x": 2, "y": 3}]})
    assert schema.arguments_reader(model)(body) == {"start": {"x": 1, "y": 0}, "path": [{"x": 2, "y": 3}], "label": ""}


def test_arguments_for_the_servers_own_yaml_wrapper_keep_the_validated_objects():
    model = schema.request_model(run_with_points, "PointsRunRequest")
    body = model.model_validate({"start": {"x": 1}, "path": []})
    assert schema.arguments_reader(model, as_hayhooks=False)(body) == {"start": Point(x=1), "path": [], "label": ""}


def test_arguments_of_plain_scalars_are_the_values_given():
    model = schema.request_model(run_api, "QaRunRequest")
    body = model.model_validate({"question": "why", "filters": {"a": [1]}})
    assert schema.arguments_reader(model)(body) == {"question": "why", "top_k": 3, "filters": {"a": [1]}}
