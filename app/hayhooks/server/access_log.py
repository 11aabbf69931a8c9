"""An access log line per request that names the worker and the trace, so a log line leads to its trace.

Replaces uvicorn's access log when ``HAYHOOKS_ACCESS_LOG=true`` (the deploy/gunicorn.conf.py default). Either
log leaves out the paths of ``HAYHOOKS_ACCESS_LOG_EXCLUDED_PATH_PREFIXES`` (the dashboard's own reads).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hayhooks.logger import log


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, excluded: tuple[str, ...] = ()) -> None:
        self.app = app
        self.excluded = excluded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.excluded):
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


class _ExcludedPaths(logging.Filter):
    """Drops uvicorn access records of the excluded paths (their third argument is the path with its query)."""

    def __init__(self, excluded: tuple[str, ...]) -> None:
        super().__init__()
        self.excluded = excluded

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        return not (isinstance(args, tuple) and len(args) >= 3 and str(args[2]).startswith(self.excluded))


def filter_uvicorn_access_log(excluded: tuple[str, ...]) -> None:
    """Leave ``excluded`` paths out of uvicorn's own access log (replacing an earlier filter of ours)."""
    logger = logging.getLogger("uvicorn.access")
    for old in [f for f in logger.filters if isinstance(f, _ExcludedPaths)]:
        logger.removeFilter(old)
    if excluded:
        logger.addFilter(_ExcludedPaths(excluded))
