"""Refuse request bodies no route can use, before they reach a pipeline.

- Above ``HAYHOOKS_MAX_REQUEST_BODY_BYTES``: 413. A declared ``Content-Length`` is checked up front; a chunked
  body is counted as it arrives.
- JSON holding a lone surrogate escape (``"\\udfff"``): 422. JSON's grammar allows it, but it is no Unicode
  character: Python decodes it into a string that cannot be encoded again, so the answer, the trace or the
  stream that echoes it would fail with a 500 after the pipeline ran. Bodies are only looked at for ``\\ud``
  (a C substring search); the few that have one are parsed by orjson, which refuses lone surrogates and
  accepts pairs.
"""

from __future__ import annotations

import re

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD]")


def _is_json(content_type: bytes) -> bool:
    kind = content_type.partition(b";")[0].strip().lower()
    return kind == b"application/json" or kind.endswith(b"+json")


def lone_surrogate(body: bytes) -> str | None:
    """Where ``body`` (JSON) holds a lone surrogate, as orjson reports it; None if it holds none."""
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return str(exc) if "surrogate" in str(exc) else None
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    @staticmethod
    async def _answer(send: Send, status: int, detail: str) -> None:
        body = orjson.dumps({"detail": detail})
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _refuse(self, send: Send) -> None:
        detail = f"Request body larger than {self.max_bytes} bytes (HAYHOOKS_MAX_REQUEST_BODY_BYTES)"
        await self._answer(send, 413, detail)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        json_body = False
        for key, value in scope.get("headers", ()):
            if key == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._refuse(send)
                return
            if key == b"content-type":
                json_body = value == b"application/json" or _is_json(value)
        received = 0
        started = refused = suspect = False
        chunks: list[bytes] = []

        async def counted_receive() -> Message:
            nonlocal received, started, refused, suspect
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    # Answer now; the app sees the client go away and stops reading.
                    refused = True
                    if not started:
                        started = True
                        await self._refuse(send)
                    return {"type": "http.disconnect"}
                if json_body:
                    chunks.append(chunk)
                    if not suspect:
                        # ``find``, not ``in``: ``bytes in bytes`` first tries the needle as an integer, and the
                        # TypeError it makes and drops costs more than the search. A mark split across two
                        # chunks is found in their joint.
                        suspect = chunk.find(b"\\u") >= 0 and _SURROGATE_ESCAPE.search(chunk) is not None
                        if not suspect and len(chunks) > 1:
                            suspect = _SURROGATE_ESCAPE.search(chunks[-2][-5:] + chunk[:5]) is not None
                    if suspect and not message.get("more_body", False):
                        where = lone_surrogate(b"".join(chunks))
                        if where is not None:
                            refused = True
                            if not started:
                                started = True
                                await self._answer(send, 422, "The JSON body holds a lone surrogate escape, which "
                                                   f"is not a Unicode character ({where}): send the text as UTF-8")
                            return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the refusal is already out
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Exception:
            if not refused:
                raise
