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


def test_yaml_without_inputs_is_refused():
    source = EXAMPLE.split("inputs:")[0]
    with pytest.raises(PipelineDefinitionError, match="must declare 'inputs'"):
        ready(source)


def test_input_targeting_an_unknown_socket_is_refused():
    with pytest.raises(PipelineDefinitionError, match=r"unknown socket builder\.nam"):
        ready(EXAMPLE.replace("name: builder.name", "name: builder.nam"))


def test_invalid_yaml_names_the_line():
    with pytest.raises(PipelineDefinitionError) as info:
        ready("components:\n  a: [unclosed\n")
    assert "invalid YAML" in str(info.value)
    assert info.value.location and info.value.location.startswith("line ")
