"""The dashboard's JSON API and live stream: ``<dashboard path>/api/...`` (the UI's only data source).

No ``from __future__ import annotations``: the query constraints close over the settings, FastAPI must see them.
"""



import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from hayhooks.dashboard.auth import COOKIE, LoginThrottle, check_access, cookie_value, token_matches
from hayhooks.dashboard.examples import example_body
from hayhooks.dashboard.flusher import STORE_ERRORS
from hayhooks.dashboard.service import Dashboard
from hayhooks.dashboard.store import Cursor, Page
from hayhooks.settings import AppSettings

CURSOR_PATTERN = r"^\d{1,15}(-\d{1,19})?$"
CURSOR_HELP = "cursor from next_after_seq: '<ms>-<seq>' (or '<ms>', or 0 for the start)"
BEFORE_HELP = "older traces than this cursor (a trace's cursor, or next_before_seq), newest first; not with after_seq"


class LoginRequest(BaseModel):
    token: str = Field(min_length=1, max_length=4096)


class JSONBytes(Response):
    media_type = "application/json"


def _dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


def build_router(settings: AppSettings) -> APIRouter:
    async def require_access(request: Request) -> None:  # async: FastAPI runs a sync dependency on a thread
        check_access(request, settings)

    router = APIRouter(prefix=f"{settings.dashboard_path}/api", tags=["dashboard"])
    guarded = [Depends(require_access)]

    throttle = LoginThrottle()

    @router.post("/login", status_code=204, summary="Exchange the dashboard token for a session cookie")
    async def login(body: LoginRequest, request: Request) -> Response:
        token = settings.dashboard_token
        if token is None:
            return Response(status_code=204)
        client = request.client.host if request.client else "?"
        if wait := throttle.wait_s(client):
            raise HTTPException(status_code=429, detail=f"Too many wrong tokens: try again in {wait:.0f} s",
                                headers={"Retry-After": str(int(wait) + 1)})
        if not token_matches(body.token, token.get_secret_value()):
            throttle.failed(client)
            raise HTTPException(status_code=401, detail="Wrong dashboard token")
        response = Response(status_code=204)
        response.set_cookie(
            COOKIE,
            cookie_value(token.get_secret_value()),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=f"{request.scope.get('root_path', '')}{settings.dashboard_path}",
        )
        return response

    @router.get("/config", dependencies=guarded, summary="Dashboard settings and the state of the trace store")
    async def config(request: Request) -> dict[str, Any]:
        dashboard = _dashboard(request)
        store = dashboard.view()
        try:
            stats = await store.stats()
        except STORE_ERRORS:
            stats = await dashboard.flusher.local.stats() if dashboard.flusher else None
        capture = dashboard.processor.stats
        flusher = dashboard.flusher
        workers = stats.workers if stats and stats.workers else [dashboard.worker]
        return {
            "poll_ms": settings.dashboard_ui_poll_ms,
            "list_cap": settings.dashboard_ui_list_cap,
            "fetch_limit": min(settings.dashboard_ui_fetch_limit, settings.dashboard_trace_max_limit),
            "max_limit": settings.dashboard_trace_max_limit,
            "fresh_ms": settings.dashboard_ui_fresh_ms,
            "slow_component_min_duration_ms": settings.dashboard_ui_slow_component_min_duration_ms,
            "api_base": f"{request.scope.get('root_path', '')}{settings.dashboard_path}/api",
            "dashboard_path": settings.dashboard_path,
            "stream_enabled": settings.dashboard_stream_enabled,
            "store": dashboard.store.kind,
            "consistent": dashboard.consistent,
            "degraded": dashboard.degraded,
            "capturing": dashboard.capturing,
            "sampling": dashboard.sampling,
            "generation": stats.generation if stats else 0,
            "workers": workers,
            "configured_workers": settings.workers,
            "this_worker": dashboard.worker,
            "auth_required": settings.dashboard_token is not None,
            "stats": {
                "stored": stats.stored if stats else 0,
                "capacity": stats.capacity if stats else settings.dashboard_trace_buffer_capacity,
                "captured": capture.traces,
                "dropped": capture.dropped + (flusher.backlog_dropped if flusher else 0),
                "stragglers": capture.stragglers,
                "pending": dashboard.processor.pending() + (len(flusher.backlog) if flusher else 0),
                "cleared_before_flush": flusher.stale_dropped if flusher else 0,
            },
        }

    @router.get("/entrypoints", dependencies=guarded, summary="Deployed pipeline names, with a request body for each")
    async def entrypoints(request: Request) -> dict[str, Any]:
        registry = request.app.state.registry
        examples = {d.name: example_body(d.request_model) for d in registry if d.request_model is not None}
        return {"entrypoints": registry.names(), "examples": examples}

    @router.get("/traces", dependencies=guarded, summary="A page of traces (newest first) and the cursor to go on")
    async def traces(
        request: Request,
        limit: Annotated[
            int, Query(ge=1, le=settings.dashboard_trace_max_limit, description="traces per page")
        ] = settings.dashboard_trace_default_limit,
        since_ms: Annotated[int | None, Query(ge=0, le=10**15, description="only traces stored at or after")] = None,
        after_seq: Annotated[str | None, Query(pattern=CURSOR_PATTERN, description=CURSOR_HELP)] = None,
        entrypoint: Annotated[
            str | None, Query(max_length=128, description="only this pipeline (empty: every pipeline)")
        ] = None,
        before_seq: Annotated[str | None, Query(pattern=CURSOR_PATTERN, description=BEFORE_HELP)] = None,
    ) -> Response:
        if after_seq is not None and before_seq is not None:
            raise RequestValidationError([{
                "type": "value_error", "loc": ("query", "before_seq"), "input": before_seq,
                "msg": "give after_seq (newer traces) or before_seq (older traces), not both",
            }])
        after = Cursor.parse(after_seq) if after_seq is not None else None
        before = Cursor.parse(before_seq) if before_seq is not None else None
        pipeline = entrypoint or None  # ``entrypoint=`` is what a form sends for "all"
        page = await _page(_dashboard(request), after=after, before=before, since_ms=since_ms, limit=limit,
                           pipeline=pipeline)
        cursor = str(page.next_after) if page.next_after is not None else ""
        headers = {"X-Hayhooks-Trace-Cursor": cursor, "Cache-Control": "no-store"}
        return JSONBytes(_dashboard(request).views.page_json(page), headers=headers)

    @router.post("/traces/clear", dependencies=guarded, summary="Clear the traces (every worker's with Redis)")
    async def clear(request: Request) -> dict[str, Any]:
        dashboard = _dashboard(request)
        try:
            before = (await dashboard.store.stats()).stored
            generation = await dashboard.store.clear()
        except STORE_ERRORS as exc:
            detail = f"Trace store unreachable, nothing cleared: {type(exc).__name__}"
            raise HTTPException(status_code=503, detail=detail) from exc
        if dashboard.flusher is not None:
            await dashboard.flusher.local.clear()
        return {"ok": True, "message": f"Cleared {before} traces", "generation": generation}

    @router.get("/traces/stream", dependencies=guarded, summary="Live traces (server-sent events)")
    async def stream(
        request: Request,
        after_seq: Annotated[str | None, Query(pattern=CURSOR_PATTERN, description=CURSOR_HELP)] = None,
        entrypoint: Annotated[str | None, Query(max_length=128)] = None,
    ) -> Response:
        if not settings.dashboard_stream_enabled:
            raise HTTPException(status_code=404, detail="The live stream is off (HAYHOOKS_DASHBOARD_STREAM_ENABLED)")
        last_event_id = request.headers.get("last-event-id")
        resume = last_event_id if last_event_id and _valid_cursor(last_event_id) else after_seq
        after = Cursor.parse(resume) if resume else None
        dashboard = _dashboard(request)
        shutdown = anyio.Event()  # set by sse-starlette when the server stops: the stream then ends, complete
        return EventSourceResponse(
            _events(dashboard, after, entrypoint or None, settings, shutdown),
            ping=settings.dashboard_stream_heartbeat_ms / 1000,
            send_timeout=30,
            headers={"Cache-Control": "no-store"},
            shutdown_event=shutdown,
            shutdown_grace_period=1.0,
        )

    return router


def _valid_cursor(text: str) -> bool:
    try:
        Cursor.parse(text)
    except ValueError:
        return False
    return True


async def _page(dashboard: Dashboard, **query: Any) -> Page:
    try:
        return await dashboard.view().page(**query)
    except STORE_ERRORS:
        if dashboard.flusher is None:
            raise
        return await dashboard.flusher.local.page(**query)


async def _events(
    dashboard: Dashboard, after: Cursor | None, pipeline: str | None, settings: AppSettings, shutdown: anyio.Event
) -> AsyncIterator[ServerSentEvent]:
    """``snapshot`` first, then each new ``trace`` (id = cursor) and ``clear``; until the client leaves or the
    server stops (``shutdown``), when the stream ends as a complete response and the browser reconnects.

    Subscribed before the snapshot is read, and the store told where the snapshot ends, so no trace falls in
    between; what the subscription repeats of the snapshot is skipped by cursor.
    """
    subscription = dashboard.view().follow(pipeline=pipeline)

    async def end_on_shutdown() -> None:
        await shutdown.wait()
        subscription.end()

    watcher = asyncio.create_task(end_on_shutdown())
    try:
        limit = max(settings.dashboard_ui_list_cap, settings.dashboard_ui_fetch_limit)
        snapshot = await _page(dashboard, after=after, limit=min(limit, settings.dashboard_trace_max_limit),
                               pipeline=pipeline)
        floor = snapshot.next_after
        subscription.ready(floor)
        yield ServerSentEvent(data=dashboard.views.page_json(snapshot).decode(), event="snapshot",
                              id=str(floor) if floor else None, retry=2000)
        async for event in subscription:
            if event.payload is None:
                floor = event.cursor
                yield ServerSentEvent(data=orjson.dumps({"generation": event.generation}).decode(), event="clear")
                continue
            if floor is not None and event.cursor <= floor:
                continue
            record = dashboard.views.record(event.payload)
            yield ServerSentEvent(data=record.decode(), event="trace", id=str(event.cursor))
    except asyncio.CancelledError:
        raise
    finally:
        watcher.cancel()
        subscription.close()
