"""Find, build and serve the dashboard's frontend (the Vite app in ``dashboard/``).

Where it comes from, first match wins: ``HAYHOOKS_DASHBOARD_DIST_DIR`` (a prebuilt copy, served as is); else
the sources — the repository's ``dashboard/`` or, in an installed wheel, ``hayhooks/dashboard_src`` — built
with npm into their ``dist/`` when it is missing or older than the sources (into a user cache when the sources
are read-only). The build runs once, in the process that starts the server, before any worker: npm's own
output is the progress. Without npm the server still starts; ``/dashboard`` then says what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hayhooks.dashboard.auth import check_access
from hayhooks.settings import AppSettings

_PACKAGE = Path(__file__).resolve().parent.parent
SOURCE_DIRS = (_PACKAGE.parent.parent / "dashboard", _PACKAGE / "dashboard_src")
_SOURCE_FILES = ("package.json", "package-lock.json", "index.html", "vite.config.ts", "tsconfig.json")
NO_NPM = (
    "The dashboard is not built and npm is not installed: install Node.js 20+ with npm, or set "
    "HAYHOOKS_DASHBOARD_DIST_DIR to a prebuilt dashboard (the dist/ folder of `npm ci && npm run build`)."
)


class DashboardBuildError(RuntimeError):
    """The frontend could not be built; the message says why and what to do."""


@dataclass(frozen=True)
class Frontend:
    """A built dashboard to serve (``dist``), or the reason there is none."""

    dist: Path | None
    problem: str | None = None


def source_dir() -> Path | None:
    return next((d for d in SOURCE_DIRS if (d / "package.json").is_file() and (d / "src").is_dir()), None)


def _newest_source(source: Path) -> float:
    files = [source / name for name in _SOURCE_FILES if (source / name).exists()]
    files += [p for folder in ("src", "public") if (source / folder).is_dir() for p in (source / folder).rglob("*")]
    return max((p.stat().st_mtime for p in files if p.is_file()), default=0.0)


def is_stale(source: Path, dist: Path) -> bool:
    index = dist / "index.html"
    return not index.is_file() or index.stat().st_mtime < _newest_source(source)


def _cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hayhooks" / "dashboard"


def fresh_dist(source: Path) -> Path | None:
    """A built ``dist`` no older than the sources: next to them, or in the user cache."""
    for dist in (source / "dist", _cache() / "dist"):
        if not is_stale(source, dist):
            return dist
    return None


def build(source: Path) -> Path:
    """``npm ci`` (when needed) and ``npm run build``; returns the ``dist`` folder.

    Builds next to the sources when they are writable (a checkout), else in a copy in the user cache (a
    read-only installed wheel).
    """
    npm = shutil.which("npm")
    if npm is None:
        raise DashboardBuildError(NO_NPM)
    root = source
    if not os.access(source, os.W_OK):
        root = _cache()
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(source, root, ignore=shutil.ignore_patterns("node_modules", "dist"))
    steps = [] if (root / "node_modules").is_dir() else [[npm, "ci", "--no-audit", "--no-fund"]]
    steps.append([npm, "run", "build"])
    for step in steps:
        print(f"dashboard: npm {' '.join(step[1:])} (in {root})", flush=True)
        if subprocess.run(step, cwd=root).returncode != 0:
            raise DashboardBuildError(f"`npm {' '.join(step[1:])}` failed in {root}; see its output above")
    return root / "dist"


def prepare(settings: AppSettings, *, build_if_stale: bool = True) -> Frontend:
    """The frontend to serve for ``settings``: the prebuilt dir, or the sources' ``dist`` (built if stale)."""
    if settings.dashboard_dist_dir is not None:
        dist = settings.dashboard_dist_dir
        if not (dist / "index.html").is_file():
            return Frontend(None, f"HAYHOOKS_DASHBOARD_DIST_DIR={dist} has no index.html: point it at a built dist/")
        return Frontend(dist)
    source = source_dir()
    if source is None:
        return Frontend(None, "The dashboard sources are missing from this installation: set "
                              "HAYHOOKS_DASHBOARD_DIST_DIR to a prebuilt dashboard")
    built = fresh_dist(source)
    if built is not None:
        return Frontend(built)
    if not build_if_stale:
        return Frontend(None, "The dashboard is not built: start with `hayhooks run --with-tracing-dashboard` "
                              "(it builds it), or set HAYHOOKS_DASHBOARD_DIST_DIR")
    try:
        return Frontend(build(source))
    except DashboardBuildError as exc:
        return Frontend(None, str(exc))


def routes(settings: AppSettings, frontend: Frontend) -> list[BaseRoute]:
    """``<path>`` → ``<path>/`` and the built files under it; or a 503 that says what is missing."""
    path = settings.dashboard_path

    async def add_slash(request: Request) -> Response:
        return RedirectResponse(f"{request.scope.get('root_path', '')}{path}/", status_code=307)

    if frontend.dist is None:
        message = frontend.problem or "The dashboard is not available"

        async def unavailable(request: Request) -> Response:
            return PlainTextResponse(message, status_code=503)

        return [Route(path, add_slash), Route(f"{path}/", unavailable), Route(f"{path}/{{rest:path}}", unavailable)]
    return [Route(path, add_slash), Mount(f"{path}/", app=_guarded(StaticFiles(directory=frontend.dist,
                                                                                        html=True), settings))]


def _guarded(files: ASGIApp, settings: AppSettings) -> ASGIApp:
    """The page as the API is: refused on a public interface without a token; with a token and none given, the
    page is sent as a 401 (it holds no data, and its token prompt is how a browser obtains the cookie). Scripts
    and styles are served either way: they are the same for everyone."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            check_access(Request(scope), settings)
        except HTTPException as exc:
            if exc.status_code != 401:
                await PlainTextResponse(str(exc.detail), status_code=exc.status_code)(scope, receive, send)
                return
            await files(_unconditional(scope), receive, _page_refused(send, exc.headers or {}))
            return
        await files(scope, receive, send)

    return guarded


def _unconditional(scope: Scope) -> Scope:
    """The request without ``If-None-Match``/``If-Modified-Since``: a page cached while logged in must not be
    answered 304 to a request without the token."""
    headers = [(k, v) for k, v in scope["headers"] if k not in (b"if-none-match", b"if-modified-since")]
    return {**scope, "headers": headers}


def _page_refused(send: Send, headers: dict[str, str]) -> Send:
    """``send`` with an HTML answer's status turned into 401 (and kept out of caches)."""

    async def refusing(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200 and any(
            k == b"content-type" and v.startswith(b"text/html") for k, v in message.get("headers", ())
        ):
            kept = [(k, v) for k, v in message["headers"] if k not in (b"etag", b"last-modified", b"cache-control")]
            extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
            message = {**message, "status": 401, "headers": [*kept, *extra, (b"cache-control", b"no-store")]}
        await send(message)

    return refusing
