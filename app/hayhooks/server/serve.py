"""Start the server: uvicorn in this process for one worker, gunicorn with uvicorn workers for more."""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import SecretStr

from hayhooks.settings import AppSettings

APP_FACTORY = "hayhooks.server.app:create_app"


def export_settings(settings: AppSettings) -> None:
    """Put ``settings`` in the environment, where every worker's ``AppSettings()`` reads them back."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is not None:
            os.environ[f"HAYHOOKS_{name.upper()}"] = _encode(value)


def _encode(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def serve(settings: AppSettings) -> None:
    export_settings(settings)
    if settings.workers == 1:
        import uvicorn

        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            access_log=not settings.access_log,
            timeout_graceful_shutdown=settings.graceful_shutdown_timeout,
        )
    else:
        _run_gunicorn(settings)


def _run_gunicorn(settings: AppSettings) -> None:
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{settings.host}:{settings.port}",
                "workers": settings.workers,
                "worker_class": "uvicorn_worker.UvicornWorker",
                "graceful_timeout": settings.graceful_shutdown_timeout,
                "timeout": 120,
                "loglevel": settings.log_level.lower(),
                "accesslog": None if settings.access_log else "-",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # Called in each worker after fork (no preload): the app and its state are per worker.
            from hayhooks.server.app import create_app

            return create_app()

    _Gunicorn().run()
