"""Legacy MCP SSE messages reach the worker that holds their session, through Redis pub/sub.

A legacy SSE session lives in the one worker holding its event stream, but the client POSTs its messages on
connections of their own, which the kernel spreads over every worker. The holder subscribes to
``<prefix>mcp_sse:<session id>`` while the session lasts; a worker given a message for a session it does not hold
PUBLISHes the body there. PUBLISH answers how many subscribers got it, so "no worker holds this session" is known
at once. Pub/sub is at-most-once, as the POST itself is: a message lost to an outage is one the client times out
on, never one run twice. Each held session has its own subscription connection, closed when the session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from uuid import UUID

import anyio
import anyio.abc
import orjson
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from hayhooks.backoff import Backoff
from hayhooks.redis_clients import connect

ERRORS = (RedisError, OSError, asyncio.TimeoutError)
_CONFIRM_S = 2.0


class RelayUnavailableError(Exception):
    """Redis could not be reached, so a message for a session held elsewhere could not be handed over."""


# A relayed message that carries its POST's W3C trace headers starts with this mark, then the headers as JSON,
# then NUL, then the body. A JSON-RPC body never starts with NUL, so a bare body (an older worker's) still reads.
_WITH_HEADERS = b"\x00hh-headers\x00"


def pack_message(body: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """What is published for a message: ``body``, with ``headers`` (the POST's trace context) when it has any."""
    if not headers:
        return body
    return _WITH_HEADERS + orjson.dumps({k.decode("latin-1"): v.decode("latin-1") for k, v in headers}) + b"\x00" + body


def unpack_message(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """``(body, headers)`` of a published message."""
    if not data.startswith(_WITH_HEADERS):
        return data, []
    encoded, _, body = data[len(_WITH_HEADERS):].partition(b"\x00")
    try:
        headers = orjson.loads(encoded)
    except orjson.JSONDecodeError:
        return body, []
    return body, [(str(k).encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]


class SseRelay:
    def __init__(self, url: str, prefix: str) -> None:
        # A pooled connection that Redis closed (it restarted) fails its next command before Redis sees it: that
        # command is sent once more, on a new connection. Without that, every connection the pool kept from before
        # the restart cost one client its session, one after the other, long after Redis was back.
        self._redis = connect(url, reconnect_once=True)
        self._prefix = f"{prefix}mcp_sse:"

    def _channel(self, session_id: UUID) -> str:
        return self._prefix + session_id.hex

    async def forward(self, session_id: UUID, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> bool:
        """Hand ``body`` (and the POST's trace ``headers``) to the worker holding ``session_id``; False when no
        worker holds it."""
        try:
            return bool(await self._redis.publish(self._channel(session_id), pack_message(body, headers or [])))
        except ERRORS as exc:
            raise RelayUnavailableError(f"Redis is unreachable ({type(exc).__name__})") from exc

    async def receive(
        self,
        session_id: UUID,
        deliver: Callable[[bytes], Awaitable[None]],
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Pass every message relayed to ``session_id`` to ``deliver``, in order, until cancelled.

        Started once Redis has confirmed the subscription, so a message the client sends as soon as it learns
        the session is already counted by PUBLISH. Also started, after at most ``_CONFIRM_S``, when Redis cannot
        be reached: the session then works only on this worker until Redis is back.
        """
        channel = self._channel(session_id)
        pubsub = self._redis.pubsub()
        backoff = Backoff(f"MCP SSE session {session_id.hex} not reachable from other workers: Redis is down")
        try:
            with contextlib.suppress(*ERRORS, TimeoutError), anyio.fail_after(_CONFIRM_S):
                await pubsub.subscribe(channel)
                while (await pubsub.get_message(timeout=_CONFIRM_S) or {}).get("type") != "subscribe":
                    pass
            task_status.started()
            await self._follow(pubsub, channel, deliver, backoff)
        finally:
            with anyio.CancelScope(shield=True), contextlib.suppress(*ERRORS):
                await pubsub.aclose()

    async def _follow(
        self, pubsub: PubSub, channel: str, deliver: Callable[[bytes], Awaitable[None]], backoff: Backoff
    ) -> None:
        while True:
            try:
                if not pubsub.subscribed:  # the first subscription failed; later ones are renewed on reconnect
                    await pubsub.subscribe(channel)
                message = await pubsub.get_message(timeout=None)
                backoff.succeeded()
            except ERRORS as exc:
                await backoff.failed(exc)
                continue
            if message is not None and message["type"] == "message":
                await deliver(message["data"])

    async def aclose(self) -> None:
        await self._redis.aclose()
