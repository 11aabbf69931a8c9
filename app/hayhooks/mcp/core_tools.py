"""Hayhooks' MCP core tools: list and inspect the deployed pipelines, deploy and undeploy them from an MCP client.

Deploy and undeploy run the same code as over HTTP (replicated to every worker when Redis is configured), and
like it they are off with ``HAYHOOKS_DISABLE_HTTP_DEPLOY=true``: then they are not even listed. A core tool's
name wins over a pipeline of the same name, as in Hayhooks.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
from pydantic import ValidationError

from hayhooks.problems import listed
from hayhooks.tracing import operations

_NAME_SCHEMA = {
    "type": "object",
    "properties": {"pipeline_name": {"type": "string", "description": "Name of the pipeline"}},
    "required": ["pipeline_name"],
}
GET_ALL = "get_all_pipeline_statuses"
GET_ONE = "get_pipeline_status"
UNDEPLOY = "undeploy_pipeline"
DEPLOY = "deploy_pipeline"
NAMES = frozenset({GET_ALL, GET_ONE, UNDEPLOY, DEPLOY})


def core_tools(state: Any) -> list[types.Tool]:
    from hayhooks.server.routers.deploy import PipelineFilesRequest

    tools = [
        types.Tool(name=GET_ALL, description="Get the status of all pipelines and list available pipeline names.",
                   input_schema={"type": "object"}),
        types.Tool(name=GET_ONE, description="Get status of a specific pipeline.", input_schema=_NAME_SCHEMA),
    ]
    if not state.settings.disable_http_deploy:
        deploy_schema = PipelineFilesRequest.model_json_schema()
        deploy_schema.pop("title", None)
        tools += [
            types.Tool(name=UNDEPLOY, description="Undeploy a pipeline: remove it from every worker, and its files.",
                       input_schema=_NAME_SCHEMA),
            types.Tool(name=DEPLOY, description="Deploy a pipeline from files (pipeline_wrapper.py and other files).",
                       input_schema=deploy_schema),
        ]
    return tools


def _text(text: str, *, error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=error)


def _failed(exc: Exception, text: str) -> types.CallToolResult:
    operations.record_error(exc, text)
    return _text(text, error=True)


def _pipeline_name(arguments: dict[str, Any]) -> str | None:
    name = arguments.get("pipeline_name")
    return name if isinstance(name, str) and name else None


async def call_core_tool(state: Any, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """Run the core tool ``name`` (one of ``NAMES``); a bad call is an error result naming what to fix."""
    from hayhooks.server.routers.deploy import (
        PipelineFilesRequest,
        deploy_everywhere,
        previous_of,
        undeploy_everywhere,
    )

    registry = state.registry
    if name == GET_ALL:
        return _text("Available pipelines:\n" + "\n".join(registry.names()))
    if name in (GET_ONE, UNDEPLOY) and (pipeline := _pipeline_name(arguments)) is None:
        return _failed(ValueError("missing pipeline_name"), f"{name} needs a 'pipeline_name' (a string)")
    if name == GET_ONE:
        return _text(f"Pipeline '{pipeline}' is deployed: {pipeline in registry}")
    if state.settings.disable_http_deploy:
        return _failed(PermissionError(name), "Deploy and undeploy are switched off on this server "
                                              "(HAYHOOKS_DISABLE_HTTP_DEPLOY=true)")
    try:
        if name == UNDEPLOY:
            _, warning = await undeploy_everywhere(state, pipeline, transport="mcp")
            return _text(f"Pipeline '{pipeline}' undeployed" + (f" ({warning})" if warning else ""))
        request = PipelineFilesRequest.model_validate(arguments)
        previous = previous_of(state, request.name)
        await state.deployer.deploy_files(request.name, request.files, overwrite=request.overwrite,
                                          save_files=request.save_files, transport="mcp")
        op = {"op": "deploy_files", "name": request.name, "files": request.files}
        _, warning = await deploy_everywhere(state, op, previous, save=request.save_files,
                                             overwrite=request.overwrite)
        return _text(f"Pipeline '{request.name}' deployed successfully" + (f" ({warning})" if warning else ""))
    except ValidationError as exc:
        problems = listed(exc.errors())
        return _failed(exc, f"Invalid arguments for {name}: {problems}")
    except Exception as exc:
        return _failed(exc, f"{name} failed: {exc}")
