"""A wrapper for a Haystack YAML pipeline that declares its ``inputs`` and ``outputs``.

``inputs`` maps a request field to one or more ``component.socket`` targets; ``outputs`` maps a result name
to a ``component.socket``. The run request takes the declared inputs; the answer is the pipeline's output,
including the outputs of the declared components, as Hayhooks answers.
"""

from __future__ import annotations

import inspect
from typing import Any

import yaml
from haystack import Pipeline

from hayhooks.pipelines.errors import PipelineDefinitionError
from hayhooks.pipelines.wrapper import BasePipelineWrapper


def _targets(name: str, field: str, value: Any) -> list[tuple[str, str]]:
    paths = value if isinstance(value, list) else [value]
    if not paths or not all(isinstance(p, str) and p.count(".") == 1 for p in paths):
        raise PipelineDefinitionError(name, f"'{field}' must be 'component.socket' or a list of them, got {value!r}")
    return [tuple(p.split(".")) for p in paths]  # type: ignore[misc]


class YAMLPipelineWrapper(BasePipelineWrapper):
    """Serves a YAML pipeline through ``run_api_async``, with a signature built from the declared inputs."""

    def __init__(self, name: str, source: str, description: str | None = None, *, skip_mcp: bool = False) -> None:
        super().__init__()
        self.name = name
        self.source = source
        self.description = description
        self.skip_mcp = skip_mcp
        self.inputs: dict[str, list[tuple[str, str]]] = {}
        self.outputs: dict[str, tuple[str, str]] = {}

    def setup(self) -> None:
        try:
            spec = yaml.safe_load(self.source)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            location = f"line {mark.line + 1}" if mark else None
            raise PipelineDefinitionError(self.name, f"invalid YAML: {exc}", location) from exc
        if not isinstance(spec, dict):
            raise PipelineDefinitionError(self.name, "the YAML must be a mapping with components and connections")
        declared_in, declared_out = spec.get("inputs") or {}, spec.get("outputs") or {}
        if not isinstance(declared_in, dict) or not isinstance(declared_out, dict):
            raise PipelineDefinitionError(self.name, "'inputs' and 'outputs' must be mappings (request field: "
                                                     "component.socket; result name: component.socket)")
        if not declared_in and not declared_out:  # as Hayhooks: one of them is enough
            raise PipelineDefinitionError(self.name, "the YAML must declare 'inputs' (request field: "
                                                     "component.socket), 'outputs' (result name: component.socket), "
                                                     "or both")
        try:
            self.pipeline = Pipeline.loads(self.source)
        except Exception as exc:
            raise PipelineDefinitionError(self.name, f"{type(exc).__name__}: {exc}") from exc

        sockets = self.pipeline.inputs(include_components_with_connected_inputs=True)
        params: list[inspect.Parameter] = []
        for field, value in declared_in.items():
            targets = _targets(self.name, field, value)
            for component, socket in targets:
                if socket not in sockets.get(component, {}):
                    problem = f"input '{field}' targets unknown socket {component}.{socket}"
                    raise PipelineDefinitionError(self.name, problem)
            self.inputs[field] = targets
            component, socket = targets[0]
            annotation = sockets[component][socket]["type"]
            params.append(inspect.Parameter(field, inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
        for field, value in declared_out.items():
            self.outputs[field] = _targets(self.name, field, value)[0]

        run = type(self).run_api_async
        signature = inspect.Signature(params, return_annotation=dict)

        async def run_api_async(**kwargs: Any) -> dict:
            return await run(self, **kwargs)

        run_api_async.__signature__ = signature  # type: ignore[attr-defined]
        run_api_async.__doc__ = self.description or f"Run the YAML pipeline '{self.name}'."
        run_api_async.__annotations__ = {p.name: p.annotation for p in params} | {"return": dict}
        self.run_api_async = run_api_async  # type: ignore[method-assign]

    async def run_api_async(self, **kwargs: Any) -> dict:  # type: ignore[override]
        data: dict[str, dict[str, Any]] = {}
        for field, targets in self.inputs.items():
            if field in kwargs:
                for component, socket in targets:
                    data.setdefault(component, {})[socket] = kwargs[field]
        include = {component for component, _ in self.outputs.values()} or None  # none declared: the leaves'
        return await self.pipeline.run_async(data=data, include_outputs_from=include)
