"""Which worker answered: ``host:pid``, on every response as ``X-Hayhooks-Worker``."""

from __future__ import annotations

import os
import socket

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def worker_id() -> str:
    """``host:pid`` of this process; call it after fork, since the pid changes there."""
    return f"{socket.gethostname()}:{os.getpid()}"


class WorkerHeaderMiddleware:
    """Adds ``X-Hayhooks-Worker`` to every HTTP response (pure ASGI: no per-request object allocation)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.header = (b"x-hayhooks-worker", worker_id().encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = self.header

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        await self.app(scope, receive, send_with_header)


class RootPathMiddleware:
    """Sets the ASGI ``root_path`` (``--root-path``) for every server that runs the app, uvicorn or gunicorn.

    In ASGI the ``path`` includes the root path, and Starlette's mounts (the dashboard's files) match only such a
    path: a request from a proxy that stripped the prefix gets it back, as uvicorn's ``--root-path`` does; one from
    a proxy that kept it is left as it is.
    """

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path
        self._slashed = root_path + "/"
        self._raw = root_path.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not scope.get("root_path"):
            root = self.root_path
            scope["root_path"] = root
            path = scope["path"]
            if path != root and not path.startswith(self._slashed):
                scope["path"] = root + path
                if raw := scope.get("raw_path"):
                    scope["raw_path"] = self._raw + raw
        await self.app(scope, receive, send)
