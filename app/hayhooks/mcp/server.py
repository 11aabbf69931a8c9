"""The MCP server of a worker: a low-level MCP ``Server`` over this worker's registry, and its routes.

Besides the pipelines, the tools are Hayhooks' core tools (``hayhooks.mcp.core_tools``: pipeline statuses,
deploy, undeploy). Each ``tools/list`` and ``tools/call`` is one trace whose root is ``hayhooks.mcp.list_tools`` /
``hayhooks.mcp.call_tool`` (kind ``mcp``), with the pipeline's Haystack spans inside; the SDK's own span
middleware is replaced by ours so the operation span is the root, as for every other operation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import mcp_types as types
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from opentelemetry import context as otel_context
from opentelemetry import trace
from starlette.routing import BaseRoute, Mount, Route

from hayhooks import __version__
from hayhooks.mcp import core_tools
from hayhooks.mcp.legacy_sse import ENDPOINT, LegacySse
from hayhooks.mcp.sse_relay import SseRelay
from hayhooks.mcp.tools import call_tool, exposed, tool_of
from hayhooks.pipelines.registry import PipelineRegistry
from hayhooks.tracing.operations import PAYLOAD, Operation, call_operation, extract_parent
from hayhooks.tracing.payload import payload_values

_TRACED = {"tools/list": "hayhooks.mcp.list_tools", "tools/call": "hayhooks.mcp.call_tool"}


TOOL = "hayhooks.tool.name"  # Hayhooks' own attribute names
TOOL_IS_CORE = "hayhooks.tool.is_core"


class _OperationSpans:
    """MCP middleware: wrap tool listing and calls in their operation span, which names the tool and the shapes
    of its arguments (their values only with raw payload capture). A pipeline's tool is recorded as a call of that
    pipeline; a core tool (statuses, deploy, undeploy) as itself, whatever pipeline its arguments name."""

    def __init__(self, tracer: trace.Tracer, *, raw_payloads: bool = False) -> None:
        self.tracer = tracer
        self.raw_payloads = raw_payloads

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        span_name = _TRACED.get(ctx.method)
        if span_name is None:
            return await call_next(ctx)
        tool = ctx.params.get("name") if ctx.params else None
        if not isinstance(tool, str):
            tool = None
        core = tool in core_tools.NAMES
        parent = _caller_context(ctx)
        async with call_operation(self.tracer, Operation("mcp", None if core else tool, "mcp", name=span_name),
                                  parent) as span:
            if tool is not None and span.is_recording():
                arguments = ctx.params.get("arguments") if ctx.params else None
                span.set_attribute(TOOL, tool)
                span.set_attribute(TOOL_IS_CORE, core)
                if isinstance(arguments, dict):
                    span.set_attribute(PAYLOAD, payload_values(arguments, raw=self.raw_payloads))
            return await call_next(ctx)


def _caller_context(ctx: ServerRequestContext[Any, Any]) -> otel_context.Context | None:
    """The trace a call continues: a valid W3C trace context in the call's ``_meta`` (per call, as MCP clients
    that propagate it send it), else the one in the headers of the HTTP request that carried it. The SDK runs
    handlers in the session's task, not the request's, so the HTTP middleware's context does not reach here."""
    meta = ctx.meta
    if meta and isinstance(meta.get("traceparent"), str):
        pairs = [(key.encode(), value.encode("latin-1", "replace")) for key in ("traceparent", "tracestate")
                 if isinstance(value := meta.get(key), str)]
        parent = extract_parent(pairs)
        if parent is not None and trace.get_current_span(parent).get_span_context().is_valid:
            return parent
    headers = getattr(getattr(ctx.request, "headers", None), "raw", None)
    return extract_parent(headers) if headers else None


def build_server(state: Any, tracer: trace.Tracer) -> Server[Any]:
    """``state``: the app's state (registry, deployer, replicator, settings)."""
    registry: PipelineRegistry = state.registry

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        pipelines = [tool_of(d) for d in exposed(registry) if d.name not in core_tools.NAMES]
        return types.ListToolsResult(tools=core_tools.core_tools(state) + pipelines)

    async def on_call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        if params.name in core_tools.NAMES:
            return await core_tools.call_core_tool(state, params.name, params.arguments or {})
        return await call_tool(registry, params.name, params.arguments)

    server: Server[Any] = Server("hayhooks", version=__version__, on_list_tools=list_tools, on_call_tool=on_call_tool)
    raw = state.settings.dashboard_trace_include_payload_values
    server.middleware[:] = [_OperationSpans(tracer, raw_payloads=raw)]
    return server


def _security(host: str) -> TransportSecuritySettings | None:
    """DNS-rebinding protection when bound to loopback, as the MCP SDK does by default."""
    if host in ("127.0.0.1", "localhost", "::1"):
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*", "testserver"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
        )
    return None


class MCPRoutes:
    """The ``/mcp`` (streamable HTTP) and ``/sse`` + ``/messages/`` (legacy SSE) routes, and their lifespan.

    With several ``workers``, legacy SSE needs ``redis_url`` to relay each message to the worker holding its session.
    """

    def __init__(
        self,
        state: Any,
        tracer: trace.Tracer,
        host: str,
        *,
        workers: int = 1,
        redis_url: str | None = None,
        redis_key_prefix: str = "hayhooks:",
        json_response: bool = False,
    ) -> None:
        self.server = build_server(state, tracer)
        security = _security(host)
        # Several workers cannot share a session: each request then stands alone.
        self.manager = StreamableHTTPSessionManager(app=self.server, security_settings=security,
                                                    stateless=workers > 1, json_response=json_response)
        self.relay = SseRelay(redis_url, redis_key_prefix) if workers > 1 and redis_url is not None else None
        self.sse = LegacySse(self.server, security, relay=self.relay, refused=workers > 1 and redis_url is None)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        try:
            async with self.manager.run():
                yield
        finally:
            if self.relay is not None:
                await self.relay.aclose()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/mcp", endpoint=StreamableHTTPASGIApp(self.manager), methods=["GET", "POST", "DELETE"]),
            Route("/sse", endpoint=self.sse.handle_sse, methods=["GET"]),
            Mount(ENDPOINT, app=self.sse.handle_post),
        ]
