"""The gunicorn worker: uvicorn's, speaking HTTP through ``hayhooks.server.http_protocol``."""

from __future__ import annotations

from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker

from hayhooks.server.http_protocol import PROTOCOL


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {"loop": "auto", "http": PROTOCOL}


WORKER_CLASS = f"{__name__}.Worker"  # gunicorn takes dotted paths, not module:attr
