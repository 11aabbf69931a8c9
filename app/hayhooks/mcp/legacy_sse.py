"""Legacy MCP SSE (``GET /sse``, ``POST /messages/``) on one worker or several.

The SDK's ``SseServerTransport`` keeps a session in the worker holding its event stream, and answers 404 to a
message POSTed to any other. One worker: the SDK as is. Several workers sharing Redis: a message for a session held
elsewhere goes through ``SseRelay``, and the holder replays it into the SDK's own handler as if the client had
posted it there. Several workers without Redis: a session's messages would land on workers that do not hold it, so
``GET /sse`` is refused with what to do instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import anyio
import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.server.sse import SseServerTransport
from mcp.server.transport_security import (
    DEFAULT_MAX_REQUEST_BODY_SIZE,
    RequestBodyLimitMiddleware,
    TransportSecurityMiddleware,
    TransportSecuritySettings,
)
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from hayhooks.logger import log
from hayhooks.mcp.sse_relay import RelayUnavailableError, SseRelay, unpack_message
from hayhooks.tracing.operations import TRACE_HEADERS

ENDPOINT = "/messages/"
REFUSAL = (
    "Legacy MCP SSE (/sse) cannot work with several workers and no Redis: a session's messages may reach a worker "
    "that does not hold it. Use streamable HTTP at /mcp, or set HAYHOOKS_REDIS_URL so the workers relay them."
)
# What a replayed POST is given anew: its own trace context (never the stream's), its body's type and length.
_REPLACED = TRACE_HEADERS | {b"content-type", b"content-length"}
# The SDK tells the client where to post in the stream's first event: "<endpoint>?session_id=<hex>".
_SESSION_IN_ENDPOINT_EVENT = re.compile(rb"session_id=([0-9a-f]{32})")


class LegacySse:
    """The ``/sse`` endpoint and the ``/messages/`` ASGI app; ``relay`` when several workers share Redis."""

    def __init__(
        self,
        server: Server[Any],
        security: TransportSecuritySettings | None,
        *,
        relay: SseRelay | None = None,
        refused: bool = False,
    ) -> None:
        self.server = server
        self.transport = SseServerTransport(ENDPOINT, security_settings=security)
        self.relay = relay
        self.refused = refused
        self._relayed: RequestBodyLimitMiddleware | None = None
        if relay is not None:  # the SDK's own body limit, so what it would refuse is never relayed
            self._relayed = RequestBodyLimitMiddleware(_RelayedPost(relay, security), DEFAULT_MAX_REQUEST_BODY_SIZE)
        self._held: set[UUID] = set()

    async def handle_sse(self, request: Request) -> Response:
        if self.refused:
            return JSONResponse({"detail": REFUSAL}, status_code=503)
        if self.relay is None:
            await self._run(request, request._send)
        else:
            await self._run_relayed(request, self.relay)
        return Response()

    async def _run_relayed(self, request: Request, relay: SseRelay) -> None:
        """Run the session, with the messages other workers relay to it, until it ends."""
        held: list[UUID] = []
        async with anyio.create_task_group() as tg:

            async def hold(session_id: UUID) -> None:
                held.append(session_id)
                self._held.add(session_id)
                await tg.start(relay.receive, session_id, functools.partial(self._replay, request.scope, session_id))

            try:
                await self._run(request, _announcing(request._send, hold))
            finally:
                tg.cancel_scope.cancel()
                self._held.difference_update(held)

    async def _run(self, request: Request, send: Send) -> None:
        async with self.transport.connect_sse(request.scope, request.receive, send) as (read, write):
            await self.server.run(read, write, self.server.create_initialization_options())

    async def handle_post(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A message for a session held by another worker is relayed; the SDK answers everything else."""
        if self._relayed is not None and self._held_elsewhere(scope):
            await self._relayed(scope, receive, send)
        else:
            await self.transport.handle_post_message(scope, receive, send)

    def _held_elsewhere(self, scope: Scope) -> bool:
        if scope["method"] != "POST":
            return False
        try:
            return UUID(hex=Request(scope).query_params.get("session_id", "")) not in self._held
        except ValueError:
            return False

    async def _replay(self, stream_scope: Scope, session_id: UUID, data: bytes) -> None:
        """Feed a relayed message to the SDK as a POST made with the stream's own headers (which passed its
        checks), so it is validated and queued exactly as a message posted to this worker; the trace context is
        the one its own POST carried, never the stream's."""
        body, trace_headers = unpack_message(data)
        headers = [(k, v) for k, v in stream_scope["headers"] if k not in _REPLACED]
        headers += trace_headers
        scope = {
            **stream_scope,
            "method": "POST",
            "path": ENDPOINT,
            "raw_path": ENDPOINT.encode(),
            "query_string": f"session_id={session_id.hex}".encode(),
            "headers": [*headers, (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Message:
            return messages.pop() if messages else {"type": "http.disconnect"}

        statuses: list[int] = []

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        try:
            await self.transport.handle_post_message(scope, receive, send)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return  # the session ended while the message was on its way, as a POST can race a disconnect
        if statuses != [202]:
            log.debug("Relayed MCP SSE message for session {} answered {}", session_id.hex, statuses)


class _RelayedPost:
    """ASGI app: a message for a session this worker does not hold, answered as the SDK answers (same checks,
    404 before 400, 202 once handed over) and relayed to whichever worker holds it."""

    def __init__(self, relay: SseRelay, security: TransportSecuritySettings | None) -> None:
        self.relay = relay
        self._security = TransportSecurityMiddleware(security)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self._security.validate_request(request, is_post=True)
        if response is None:
            session_id = UUID(hex=request.query_params["session_id"])  # checked by LegacySse.handle_post
            trace_headers = [(k, v) for k, v in scope["headers"] if k in TRACE_HEADERS]
            response = await self._forward(session_id, await request.body(), trace_headers)
        await response(scope, receive, send)

    async def _forward(self, session_id: UUID, body: bytes, trace_headers: list[tuple[bytes, bytes]]) -> Response:
        try:
            delivered = await self.relay.forward(session_id, body, trace_headers)
        except RelayUnavailableError as exc:
            log.warning("Could not relay an MCP SSE message to session {}: {}", session_id.hex, exc)
            return JSONResponse({"detail": f"MCP session relay unavailable: {exc}. Retry later, or use streamable "
                                           "HTTP at /mcp."}, status_code=503)
        if not delivered:
            return Response("Could not find session", status_code=404)
        try:
            types.jsonrpc_message_adapter.validate_json(body, by_name=False)
        except ValidationError:
            return Response("Could not parse message", status_code=400)  # the holder passes the error on, as the SDK
        return Response("Accepted", status_code=202)


def _announcing(send: Send, announce: Callable[[UUID], Awaitable[None]]) -> Send:
    """``send`` that awaits ``announce(session id)`` before the client learns the id from the endpoint event."""
    pending = True

    async def wrapped(message: Message) -> None:
        nonlocal pending
        if pending and message["type"] == "http.response.body":
            found = _SESSION_IN_ENDPOINT_EVENT.search(message.get("body", b""))
            if found is not None:
                pending = False
                await announce(UUID(hex=found[1].decode()))
        await send(message)

    return wrapped
