"""The application factory: one FastAPI app per worker process, state built in its lifespan.

``create_app()`` is what uvicorn (one worker) and each gunicorn worker (``hayhooks.server.app:create_app()``)
call; nothing is created at import, so every worker builds its own state after fork.
"""

from __future__ import annotations

import gc
import inspect
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry.trace import TracerProvider

from hayhooks import __version__
from hayhooks import settings as settings_module
from hayhooks.dashboard import api as dashboard_api
from hayhooks.dashboard import frontend as dashboard_frontend
from hayhooks.dashboard.service import Dashboard
from hayhooks.logger import configure_logging, log
from hayhooks.pipelines import compat, speedups, streaming
from hayhooks.pipelines.registry import PipelineRegistry
from hayhooks.server.access_log import AccessLogMiddleware, filter_uvicorn_access_log
from hayhooks.server.deployer import Deployer
from hayhooks.server.errors import install_error_handlers
from hayhooks.server.limits import BodyLimitMiddleware
from hayhooks.server.replication import DeployReplicator
from hayhooks.server.routers import deploy, openai, responses, status
from hayhooks.server.threads import run_sync
from hayhooks.server.worker import RootPathMiddleware, WorkerHeaderMiddleware, worker_id
from hayhooks.settings import AppSettings, excluded_access_paths
from hayhooks.tracing.haystack_tracer import enable_haystack_tracing
from hayhooks.tracing.operations import OperationMiddleware
from hayhooks.tracing.provider import build_tracing

# FastAPI's native telemetry (when this FastAPI has it) would open its own server span *above* the operation
# span and add dependency, endpoint and serialization spans to every request: the operation span is the HTTP
# server span here, so it is switched off.
_NO_NATIVE_TELEMETRY = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def _include(app: FastAPI, router: APIRouter) -> None:
    """Add ``router``'s routes to the app's own list. ``include_router`` keeps each router as a nested matcher
    that every request walks through; on a two-component run that cost ~15-25 µs of a ~330 µs request.
    Our routers are complete when included, so their routes are simply copied."""
    app.router.routes.extend(router.routes)


def create_app(settings: AppSettings | None = None, *, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """Build the server for ``settings`` (read from ``HAYHOOKS_*`` when not given).

    ``tracer_provider`` replaces the one built from ``OTEL_*`` (tests pass one with an in-memory exporter).
    """
    # Hayhooks' programmatic style changes the module-level ``hayhooks.settings.settings`` before ``create_app()``.
    settings = settings or vars(settings_module).get("settings") or AppSettings()
    configure_logging(settings.log_level)
    speedups.install()
    compat.install_haystack2_names()
    streaming.set_default_streaming_components(settings.streaming_components)
    filter_uvicorn_access_log(excluded_access_paths(settings))
    tracing = build_tracing(tracer_provider, max_attribute_length=settings.tracing_tag_max_length)
    if tracing.enabled:
        enable_haystack_tracing(
            tracing.tracer("haystack"),
            raw=settings.dashboard_trace_include_payload_values,
            max_length=settings.tracing_tag_max_length,
        )
    if settings.additional_python_path and settings.additional_python_path not in sys.path:
        sys.path.append(settings.additional_python_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(run_sync, tracing.shutdown)
            stack.push_async_callback(app.state.deployer.aclose)
            if dashboard is not None:
                await dashboard.start()
                stack.push_async_callback(dashboard.aclose)
            if mcp_routes is not None:
                await stack.enter_async_context(mcp_routes.running())
            await app.state.deployer.load_dir()
            if settings.redis_url is not None:
                replicator = DeployReplicator(
                    settings.redis_url.get_secret_value(), settings.redis_key_prefix, worker_id(), app.state.deployer,
                    cluster=settings.redis_cluster,
                )
                await replicator.start()  # replays recorded deploys before this worker takes traffic
                app.state.replicator = replicator
                stack.push_async_callback(replicator.aclose)
            # Everything loaded so far (Haystack, pipelines) lives as long as the worker: move it out of the
            # collector's reach, so full collections stay short and do not stall requests.
            gc.freeze()
            # Young collections only ever met the objects of requests in flight, all freed by reference counting
            # moments later: at Python's threshold of 700 they cost ~28 µs a request and collected nothing.
            gc.set_threshold(settings.gc_threshold, *gc.get_threshold()[1:])
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
        lifespan=lifespan,
        **_NO_NATIVE_TELEMETRY,
    )
    registry = PipelineRegistry()
    app.state.settings = settings
    app.state.replicator = None
    app.state.tracing = tracing
    app.state.registry = registry
    app.state.deployer = Deployer(app, registry, settings, tracing.tracer())
    dashboard = Dashboard(settings, tracing, worker_id()) if settings.dashboard_enabled else None
    app.state.dashboard = dashboard
    install_error_handlers(app, show_tracebacks=settings.show_tracebacks)
    _include(app, status.router)
    _include(app, deploy.router)
    _include(app, openai.router)
    _include(app, responses.router)
    if dashboard is not None:
        _include(app, dashboard_api.build_router(settings))
        frontend = dashboard_frontend.prepare(settings, build_if_stale=False)
        if frontend.dist is None:
            log.warning("Dashboard UI unavailable: {}", frontend.problem)
        app.router.routes.extend(dashboard_frontend.routes(settings, frontend))
    mcp_routes = None
    if settings.mcp_mount:
        from hayhooks.mcp.server import MCPRoutes

        redis_url = settings.redis_url.get_secret_value() if settings.redis_url is not None else None
        mcp_routes = MCPRoutes(app.state, tracing.tracer(), settings.host, workers=settings.workers,
                               redis_url=redis_url, redis_key_prefix=settings.redis_key_prefix,
                               json_response=settings.mcp_json_response)
        app.router.routes.extend(mcp_routes.routes())
    if tracing.enabled:
        app.add_middleware(
            OperationMiddleware, tracer=tracing.tracer(), excluded_spans=frozenset(settings.tracing_excluded_spans)
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    if settings.cors_allow_origins or settings.cors_allow_origin_regex:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_origin_regex=settings.cors_allow_origin_regex,
            allow_methods=settings.cors_allow_methods,
            allow_headers=settings.cors_allow_headers,
            allow_credentials=settings.cors_allow_credentials,
            expose_headers=settings.cors_expose_headers,
            max_age=settings.cors_max_age,
        )
    if settings.access_log:
        app.add_middleware(AccessLogMiddleware, excluded=excluded_access_paths(settings))  # sees the trace id
    app.add_middleware(WorkerHeaderMiddleware)
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)
    return app


def run_app(app: FastAPI, *, host: str | None = None, port: int | None = None) -> None:
    """Serve ``app`` (from ``create_app()``) with uvicorn in this process, as Hayhooks' ``run_app`` does.

    Host and port default to the app's settings; for several workers use ``hayhooks run --workers N``.
    """
    import uvicorn

    settings: AppSettings = getattr(app.state, "settings", None) or AppSettings()
    uvicorn.run(app, host=host or settings.host, port=port or settings.port,
                timeout_graceful_shutdown=settings.graceful_shutdown_timeout)
