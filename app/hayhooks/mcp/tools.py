"""Pipelines as MCP tools: name, description from ``run_api``'s docstring, input schema from its signature."""

from __future__ import annotations

import inspect
from typing import Any

import mcp_types as types
import orjson
from pydantic import ValidationError

from hayhooks.pipelines.errors import PipelineRunError
from hayhooks.pipelines.registry import Deployment, PipelineRegistry
from hayhooks.pipelines.schema import describe
from hayhooks.pipelines.sse import SSEStream
from hayhooks.problems import listed
from hayhooks.server.run_route import call_run
from hayhooks.server.stream_items import items_of, text_of
from hayhooks.tracing import operations


def exposed(registry: PipelineRegistry) -> list[Deployment]:
    """Deployments that are tools: they have a run method and do not opt out with ``skip_mcp``."""
    return [d for d in registry if d.is_tool]


def tool_of(deployment: Deployment) -> types.Tool:
    assert deployment.request_model is not None and deployment.run_method is not None
    doc = describe(deployment.run_method)
    description = "\n\n".join(p for p in (doc.short_description, doc.long_description) if p) or deployment.description
    schema = deployment.request_model.model_json_schema()
    schema.pop("title", None)
    return types.Tool(name=deployment.name, description=description or None, input_schema=schema)


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def _text(result: Any) -> str:
    if isinstance(result, str):
        return result
    return orjson.dumps(result, default=lambda value: getattr(value, "to_dict", lambda: repr(value))()).decode()


async def call_tool(registry: PipelineRegistry, name: str, arguments: dict[str, Any] | None) -> types.CallToolResult:
    """Run the pipeline ``name``; bad arguments and pipeline failures are error results, not crashes."""
    deployments = {d.name: d for d in exposed(registry)}
    deployment = deployments.get(name)
    if deployment is None:
        message = f"Unknown tool: {name!r} (tools: {', '.join(sorted(deployments)) or 'none'})"
        operations.record_error(LookupError(message))
        return _error(message)
    assert deployment.request_model is not None
    try:
        body = deployment.request_model.model_validate(arguments or {})
    except ValidationError as exc:
        problems = listed(exc.errors())
        operations.record_error(exc, f"Invalid arguments: {problems}")
        return _error(f"Invalid arguments for {name}: {problems}")
    assert deployment.arguments is not None
    kwargs = deployment.arguments(body)
    try:
        result = await call_run(deployment, kwargs)
        if isinstance(result, SSEStream):
            result = result.stream
        if inspect.isgenerator(result) or inspect.isasyncgen(result):
            # A tool answers once: what a streaming run_api yields is collected, as a /run client would read it.
            operations.annotate(**{operations.STREAMING: True})
            result = "".join([text_of(item) async for item in items_of(result)])
    except PipelineRunError as exc:
        operations.record_error(exc.__cause__ or exc)
        return _error(str(exc))
    except Exception as exc:  # the stream failed midway
        operations.record_error(exc)
        return _error(f"Pipeline '{name}' failed: {type(exc).__name__}: {exc}")
    return types.CallToolResult(content=[types.TextContent(type="text", text=_text(result))])
