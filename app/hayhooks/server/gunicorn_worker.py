"""The gunicorn worker: uvicorn's, speaking HTTP through ``hayhooks.server.http_protocol``."""

from __future__ import annotations

from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker

from hayhooks.server.http_protocol import PROTOCOL


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {"loop": "auto", "http": PROTOCOL}

    async def _serve(self) -> None:
        # uvloop closes a listening socket's descriptor under gunicorn's wrapper of it, whose own close then logs
        # "Error while closing socket [Errno 9]" at every shutdown: the event loop is given the sockets themselves.
        self.sockets = [getattr(listener, "sock", listener) for listener in self.sockets]
        await super()._serve()


WORKER_CLASS = f"{__name__}.Worker"  # gunicorn takes dotted paths, not module:attr
