"""The application factory: one FastAPI app per worker process, state built in its lifespan.

``create_app()`` is what uvicorn (one worker) and each gunicorn worker (``hayhooks.server.app:create_app()``)
call; nothing is created at import, so every worker builds its own state after fork.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from hayhooks import __version__
from hayhooks.logger import configure_logging, log
from hayhooks.pipelines.registry import PipelineRegistry
from hayhooks.server.deployer import Deployer
from hayhooks.server.errors import install_error_handlers
from hayhooks.server.routers import deploy, status
from hayhooks.server.worker import WorkerHeaderMiddleware, worker_id
from hayhooks.settings import AppSettings


def create_app(settings: AppSettings | None = None) -> FastAPI:
    """Build the server for ``settings`` (read from ``HAYHOOKS_*`` when not given)."""
    settings = settings or AppSettings()
    configure_logging(settings.log_level)
    if settings.additional_python_path and settings.additional_python_path not in sys.path:
        sys.path.append(settings.additional_python_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(app.state.deployer.aclose)
            await app.state.deployer.load_dir()
            log.info(
                "Worker {} serving {} pipeline(s) from {}",
                worker_id(),
                len(app.state.registry),
                settings.pipelines_dir,
            )
            yield

    app = FastAPI(
        title="Hayhooks",
        version=__version__,
        description="Haystack pipelines served over HTTP.",
        root_path=settings.root_path,
        lifespan=lifespan,
    )
    registry = PipelineRegistry()
    app.state.settings = settings
    app.state.registry = registry
    app.state.deployer = Deployer(app, registry, settings.pipelines_dir)
    install_error_handlers(app, show_tracebacks=settings.show_tracebacks)
    app.include_router(status.router)
    app.include_router(deploy.router)
    app.add_middleware(WorkerHeaderMiddleware)
    return app
