"""The gunicorn worker: uvicorn's, speaking HTTP through ``hayhooks.server.http_protocol``."""

from __future__ import annotations

from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker

from hayhooks.server.http_protocol import PROTOCOL

# What a worker keeps of gunicorn's graceful timeout, after draining its requests, to shut down: flush captured
# traces to the store and spans to the exporter. gunicorn kills a worker that has not exited by then.
SHUTDOWN_RESERVE_S = 4.0


def drain_seconds(graceful_timeout: float) -> float:
    """How long uvicorn waits for in-flight requests before cancelling them (their traces are kept, failed)."""
    return max(0.0, graceful_timeout - min(SHUTDOWN_RESERVE_S, graceful_timeout / 2))


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {"loop": "auto", "http": PROTOCOL}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left unset, uvicorn waits for requests as long as they take, and gunicorn kills the worker at its
        # graceful timeout: a request cut off that way stayed "running" in the shared view for good.
        self.config.timeout_graceful_shutdown = drain_seconds(self.cfg.graceful_timeout)

    async def _serve(self) -> None:
        # uvloop closes a listening socket's descriptor under gunicorn's wrapper of it, whose own close then logs
        # "Error while closing socket [Errno 9]" at every shutdown: the event loop is given the sockets themselves.
        self.sockets = [getattr(listener, "sock", listener) for listener in self.sockets]
        await super()._serve()


def listen_once_started() -> None:
    """Have gunicorn bind each worker's own socket (``reuse_port``) without listening on it; the worker's event loop
    listens once the app has started (uvicorn's ``create_server``). The kernel hands connections only to listening
    sockets: a worker still loading its pipelines gets none, where a replacement for a crashed worker used to take
    its share of new connections and keep them waiting for its whole start-up. Only for per-worker sockets: shared
    ones are made in the master and must listen there."""
    from gunicorn import sock

    sock.BaseSocket._is_listening = staticmethod(lambda listener: True)  # gunicorn then skips its listen()


WORKER_CLASS = f"{__name__}.Worker"  # gunicorn takes dotted paths, not module:attr
