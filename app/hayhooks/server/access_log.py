"""An access log line per request that names the worker and the trace, so a log line leads to its trace.

Replaces uvicorn's access log when ``HAYHOOKS_ACCESS_LOG=true`` (the deploy/gunicorn.conf.py default).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hayhooks.logger import log


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, trace_id = 0, "-"

        async def send_and_note(message: Message) -> None:
            nonlocal status, trace_id
            if message["type"] == "http.response.start":
                status = message["status"]
                for key, value in message.get("headers", ()):
                    if key == b"x-hayhooks-trace-id":
                        trace_id = value.decode()
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            client = scope.get("client") or ("-", 0)
            log.info(
                '{}:{} "{} {} HTTP/{}" {} {:.1f}ms trace={}',
                client[0], client[1], scope["method"], scope["path"], scope.get("http_version", "1.1"), status,
                (time.perf_counter() - started) * 1000, trace_id,
            )
