"""Map domain errors to HTTP answers once, for every route.

4xx answers use FastAPI's ``{"detail": ...}`` shape and say what to fix; a 500 from a pipeline says which
pipeline failed and why (traceback only with ``HAYHOOKS_SHOW_TRACEBACKS=true``).
"""

from __future__ import annotations

import re
import traceback

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from hayhooks.logger import log
from hayhooks.pipelines.errors import (
    DeployDisabledError,
    DeployLogUnreachableError,
    HayhooksError,
    PipelineDefinitionError,
    PipelineExistsError,
    PipelineNotFoundError,
    PipelineRunError,
)
from hayhooks.problems import listed
from hayhooks.tracing.operations import record_error

_STATUS: dict[type[HayhooksError], int] = {
    PipelineNotFoundError: 404,
    PipelineExistsError: 409,
    PipelineDefinitionError: 422,
    DeployDisabledError: 403,
    DeployLogUnreachableError: 503,
    PipelineRunError: 500,
}
_RUN_PATH = re.compile(r"^/(?P<name>[^/]+)/run/?$")


def status_of(exc: HayhooksError) -> int:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 500


def install_error_handlers(app: FastAPI, *, show_tracebacks: bool) -> None:
    async def on_hayhooks_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HayhooksError)
        status = status_of(exc)
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, PipelineDefinitionError) and exc.location:
            body["location"] = exc.location
        if isinstance(exc, PipelineRunError):
            cause = exc.__cause__ or exc
            record_error(cause)
            log.opt(exception=cause).error("Pipeline '{}' failed", exc.name)
            if show_tracebacks:
                body["traceback"] = "".join(traceback.format_exception(cause))
        else:
            record_error(exc)
        return JSONResponse(body, status_code=status)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        record_error(exc, f"Invalid request: {listed(exc.errors(), limit=5)}")
        return await request_validation_exception_handler(request, exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail
        if exc.status_code == 404 and detail == "Not Found":
            match = _RUN_PATH.match(request.url.path[len(request.scope.get("root_path", "")) :])
            if match:
                registry = request.app.state.registry
                if match["name"] in registry:  # deployed without run_api: a chat or Responses model only
                    detail = (f"Pipeline '{match['name']}' has no run_api: it answers as an OpenAI model, at "
                              "/v1/chat/completions or /v1/responses")
                else:
                    deployed = ", ".join(registry.names()) or "none"
                    detail = f"Pipeline '{match['name']}' not found (deployed: {deployed})"
                record_error(PipelineNotFoundError(match["name"]), f"HTTP 404: {detail}")  # not the router's stack
                return JSONResponse({"detail": detail}, status_code=404, headers=exc.headers)
        if exc.status_code >= 400:
            record_error(exc, f"HTTP {exc.status_code}: {detail}")
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    async def on_unsendable_text(request: Request, exc: Exception) -> Response:
        # run_api's own errors are PipelineRunErrors: this one comes from writing its answer. Text holding a lone
        # surrogate (bytes decoded with errors="surrogateescape", say) has no UTF-8 form, so JSON cannot carry it.
        assert isinstance(exc, UnicodeEncodeError)
        bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else ""
        detail = (f"The answer holds text that is not valid Unicode ({bad!r}, {exc.reason}), which JSON cannot "
                  "carry: decode bytes with errors='replace' (or 'backslashreplace') in the pipeline")
        record_error(exc, detail)
        log.opt(exception=exc).error("An answer could not be encoded")
        return JSONResponse({"detail": detail}, status_code=500)

    async def on_wrong_result(request: Request, exc: Exception) -> Response:
        # Where and what, never the value (it may hold anything the pipeline produced).
        assert isinstance(exc, ResponseValidationError)
        problems = listed(exc.errors(), limit=5)
        match = _RUN_PATH.match(request.url.path[len(request.scope.get("root_path", "")) :])
        who = f"Pipeline '{match['name']}'" if match else "The endpoint"
        detail = f"{who} answered with a result that does not match run_api's return annotation ({problems})"
        record_error(exc, detail)
        log.error(detail)
        return JSONResponse({"detail": detail}, status_code=500)

    app.add_exception_handler(HayhooksError, on_hayhooks_error)
    app.add_exception_handler(UnicodeEncodeError, on_unsendable_text)
    app.add_exception_handler(ResponseValidationError, on_wrong_result)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
