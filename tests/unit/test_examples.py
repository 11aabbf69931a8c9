"""The dashboard's "try it" command sends a body the pipeline accepts: its required fields, each with a value."""

from enum import Enum
from typing import Literal

from pydantic import BaseModel, create_model

from hayhooks.dashboard.examples import example_body


class Place(BaseModel):
    city: str
    zip_code: int | None = None


class Mood(Enum):
    HAPPY = "happy"
    SAD = "sad"


def test_each_required_field_gets_a_value_of_its_type_and_optional_ones_are_left_out():
    model = create_model("R", text=(str, ...), top_k=(int, ...), ratio=(float, ...), flag=(bool, ...),
                         tags=(list[str], ...), extra=(dict, ...), note=(str, "n/a"), maybe=(int | None, None))
    assert example_body(model) == {"text": "hello", "top_k": 1, "ratio": 1.0, "flag": True, "tags": [], "extra": {}}


def test_nested_models_enums_literals_and_nullable_fields_get_valid_values():
    model = create_model("R", place=(Place, ...), mood=(Mood, ...), mode=(Literal["fast", "slow"], ...),
                         limit=(int | None, ...))
    body = example_body(model)
    assert body == {"place": {"city": "hello"}, "mood": "happy", "mode": "fast", "limit": 1}
    model.model_validate(body)


def test_the_entrypoints_api_gives_each_pipeline_a_body_it_accepts(make_client, examples_dir, spans):
    client = make_client(examples_dir, tracer_provider=spans.provider, dashboard_enabled=True)
    answer = client.get("/dashboard/api/entrypoints").json()
    assert set(answer["examples"]) == set(answer["entrypoints"])
    for name, body in answer["examples"].items():
        assert client.post(f"/{name}/run", json=body).status_code != 422, name
