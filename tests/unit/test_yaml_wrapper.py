import asyncio
import inspect
from pathlib import Path

import pytest

from hayhooks.pipelines.errors import PipelineDefinitionError
from hayhooks.pipelines.yaml_wrapper import YAMLPipelineWrapper

EXAMPLE = (Path(__file__).parents[2] / "examples" / "pipelines" / "greet.yml").read_text()


def ready(source: str = EXAMPLE) -> YAMLPipelineWrapper:
    wrapper = YAMLPipelineWrapper("greet", source, "Greets people")
    wrapper.setup()
    return wrapper


def test_declared_inputs_become_the_run_signature():
    params = inspect.signature(ready().run_api_async).parameters
    assert list(params) == ["name", "place"]


def test_run_feeds_inputs_and_returns_declared_component_outputs():
    result = asyncio.run(ready().run_api_async(name="Ann", place="Rome"))
    assert result["shout"]["output"] == "HELLO ANN, WELCOME TO ROME!"


def test_description_is_the_run_docstring():
    assert ready().run_api_async.__doc__ == "Greets people"


def test_yaml_without_inputs_or_outputs_is_refused():
    source = EXAMPLE.split("inputs:")[0]
    with pytest.raises(PipelineDefinitionError, match=r"must declare 'inputs'.*'outputs'.*or both"):
        ready(source)


def test_yaml_with_outputs_only_runs_on_its_components_defaults():
    source = EXAMPLE.split("inputs:")[0].replace('"Hello {{ name }}, welcome to {{ place }}!"', '"Hello!"').replace(
        'required_variables: ["name", "place"]', "required_variables: []") + "outputs:\n  greeting: shout.output\n"
    wrapper = ready(source)
    assert list(inspect.signature(wrapper.run_api_async).parameters) == []
    assert asyncio.run(wrapper.run_api_async())["shout"]["output"] == "HELLO!"


def test_yaml_with_inputs_only_answers_with_its_last_components_outputs():
    wrapper = ready(EXAMPLE.split("outputs:")[0])
    assert asyncio.run(wrapper.run_api_async(name="Ann", place="Rome"))["shout"]["output"] == (
        "HELLO ANN, WELCOME TO ROME!")


def test_input_targeting_an_unknown_socket_is_refused():
    with pytest.raises(PipelineDefinitionError, match=r"unknown socket builder\.nam"):
        ready(EXAMPLE.replace("name: builder.name", "name: builder.nam"))


def test_invalid_yaml_names_the_line():
    with pytest.raises(PipelineDefinitionError) as info:
        ready("components:\n  a: [unclosed\n")
    assert "invalid YAML" in str(info.value)
    assert info.value.location and info.value.location.startswith("line ")
