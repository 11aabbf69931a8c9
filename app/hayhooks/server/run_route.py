"""The ``POST /{name}/run`` route of one deployment: validate, run off the loop if sync, answer or stream.

The route is a FastAPI ``APIRoute`` (so its body schema and docstring are in ``/docs`` and errors go through
the app's handlers), with a lean ASGI app for the common case: a JSON body that validates is parsed and
checked by pydantic-core in one step (``model_validate_json``) and the answer is serialised by the response
model straight to bytes. That skips FastAPI's per-request exit stacks, dependency solving, stdlib-JSON parse
and double encoding, which together cost about as much as the two-component pipeline itself. Anything else
(another content type, a body that does not validate) is handed to FastAPI's own request handling with the
body replayed, so error answers are exactly FastAPI's.

No ``from __future__ import annotations`` here: FastAPI must see the request model itself in the endpoint's
signature, not a string naming a local variable.
"""

import inspect
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
from fastapi import Body, Form, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.routing import APIRoute
from haystack.dataclasses import StreamingChunk
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError
from starlette._utils import get_route_path
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hayhooks.logger import log
from hayhooks.pipelines import schema
from hayhooks.pipelines.errors import PipelineRunError
from hayhooks.pipelines.registry import Deployment
from hayhooks.pipelines.sse import SSEStream
from hayhooks.server.stream_items import is_event, items_of, reasoning_of
from hayhooks.server.threads import run_sync
from hayhooks.tracing import operations
from hayhooks.tracing.payload import payload_values


def route_name(pipeline: str) -> str:
    return f"run:{pipeline}"


def _text(item: Any) -> str | bytes | None:
    """What a streamed item sends, as Hayhooks sends it; ``None`` for a UI event, which only chat streams carry."""
    if isinstance(item, (str, bytes)):
        return item
    if is_event(item):
        return None
    if isinstance(item, StreamingChunk):
        return item.content or reasoning_of(item) or ""
    if item is None:
        return ""
    content = getattr(item, "content", None)
    if isinstance(content, str):
        return content
    try:
        return orjson.dumps(item).decode()
    except TypeError:
        return str(item)


def _sse(text: str | bytes) -> str:
    """``text`` as one server-sent event: a ``data:`` line per line of it."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    lines = text.splitlines()
    return "".join(f"data: {line}\n" for line in lines) + "\n" if lines else "data:\n\n"


async def _stream(result: Iterator[Any] | AsyncIterator[Any], sse: bool = False) -> AsyncIterator[str | bytes]:
    async for item in items_of(result):
        text = _text(item)
        if text is None:
            log.warning("A UI event (PipelineEvent) in a /run stream was left out: only chat streams carry them")
            continue
        yield _sse(text) if sse else text


async def call_run(deployment: Deployment, kwargs: dict[str, Any]) -> Any:
    """Run the deployment's ``run_api(_async)``; a sync one runs in the thread pool, never on the loop."""
    assert deployment.run_method is not None
    try:
        if deployment.run_is_async:
            return await deployment.run_method(**kwargs)
        return await run_sync(deployment.run_method, **kwargs)
    except HTTPException:
        raise
    except (Exception, SystemExit) as exc:  # sys.exit() in a pipeline is its failure, not the worker's
        raise PipelineRunError(deployment.name, exc) from exc


def _is_stream(result: Any) -> bool:
    return inspect.isgenerator(result) or inspect.isasyncgen(result)


class _Runner:
    """What both handlers share: the call with its payload recorded, and a stream answered as text."""

    def __init__(self, deployment: Deployment, raw_payloads: bool) -> None:
        self.deployment = deployment
        self.raw_payloads = raw_payloads
        assert deployment.arguments is not None
        self.arguments = deployment.arguments

    async def run(self, request: Request, body: Any) -> Any:
        kwargs = self.arguments(body)
        if operations.recording():  # shapes (or redacted values) are built only for a trace that keeps them
            operations.annotate(**{operations.PAYLOAD: payload_values(kwargs, raw=self.raw_payloads)})
        if self.deployment.takes_headers:
            kwargs["headers"] = request.headers
        result = await call_run(self.deployment, kwargs)
        if isinstance(result, SSEStream):
            if not _is_stream(result.stream):
                raise PipelineRunError(self.deployment.name, TypeError(
                    f"SSEStream.stream must be a generator or an async generator, not {type(result.stream).__name__}"))
            operations.annotate(**{operations.STREAMING: True})
            return StreamingResponse(_stream(result.stream, sse=True), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        if _is_stream(result):
            operations.annotate(**{operations.STREAMING: True})
            return StreamingResponse(_stream(result), media_type="text/plain; charset=utf-8")
        return result


def encoded(name: str, result: Any) -> Any:
    """``{"result": result}`` as JSON-ready data, or a pipeline error saying what cannot be sent."""
    try:
        return jsonable_encoder({"result": result})
    except Exception as exc:
        raise PipelineRunError(name, TypeError(
            f"run_api returned a {type(result).__name__}, which cannot be sent as JSON ({exc}); return a str, a "
            "number, a dict, a list, a pydantic model or a dataclass")) from exc


def _is_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type == "application/json" or content_type.startswith("application/json;")


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands over the already-read ``body`` once, then listens to the client again."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _LeanApp:
    """The run route's ASGI app. A JSON body that validates is run and answered here; anything else goes to
    FastAPI's own request handling with the body replayed, so its error answers are exactly FastAPI's.
    Exceptions propagate to the app's exception handlers, as they would from FastAPI's handler."""

    def __init__(self, runner: _Runner, fastapi_app: ASGIApp) -> None:
        self.runner = runner
        self.fastapi_app = fastapi_app
        assert runner.deployment.request_model is not None
        self.request_model = runner.deployment.request_model
        self.response_model = None if runner.deployment.streams else runner.deployment.response_model
        # FastAPI's handler of a route that takes files reads a form: given JSON, it would find no field and run
        # the pipeline with every default. A JSON body for such a route is judged here, as for any other route.
        self.takes_form = "files" in self.request_model.model_fields

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        raw = await request.body()
        body = None
        if raw and _is_json(request):
            try:
                body = self.request_model.model_validate_json(raw)
            except ValidationError as exc:
                if self.takes_form:
                    raise RequestValidationError(
                        [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)], body=raw
                    ) from None
        if body is None:
            await self.fastapi_app(scope, _replay(raw, receive), send)
            return
        response = await self.answer(await self.runner.run(request, body))
        await response(scope, receive, send)

    async def answer(self, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        if self.response_model is None:
            return JSONResponse(encoded(self.runner.deployment.name, result))
        try:
            answer = self.response_model.model_validate({"result": result})
        except ValidationError as exc:
            raise ResponseValidationError(errors=exc.errors(include_url=False), body=result) from exc
        try:
            return Response(answer.model_dump_json(by_alias=True), media_type="application/json")
        except PydanticSerializationError:  # an object pydantic does not know: encoded as FastAPI encodes it
            return JSONResponse(encoded(self.runner.deployment.name, result))


class RunRoute(APIRoute):
    """A deployment's run route: FastAPI's schema and error handling, the lean app on the hot path."""

    def __init__(self, deployment: Deployment, *, raw_payloads: bool = False) -> None:
        runner = _Runner(deployment, raw_payloads)
        request_model = deployment.request_model

        # As in Hayhooks: a run_api with a ``files`` parameter (``list[UploadFile]``) takes multipart forms, its other
        # parameters as form fields. A JSON body (without files) is still served by the lean app.
        source = Form(..., media_type="multipart/form-data") if "files" in request_model.model_fields else Body(...)

        async def run_pipeline(request: Request, body: request_model = source) -> Any:  # type: ignore[valid-type]
            result = await runner.run(request, body)
            return result if isinstance(result, Response) else encoded(deployment.name, result)

        super().__init__(
            f"/{deployment.name}/run",
            run_pipeline,
            methods=["POST"],
            name=route_name(deployment.name),
            response_model=None if deployment.streams else deployment.response_model,
            # Only for /docs: what the answer's content type is when run_api is annotated with a Response class.
            **({"response_class": cls} if deployment.run_method is not None
               and (cls := schema.response_class(deployment.run_method)) is not None else {}),
            summary=f"Run pipeline '{deployment.name}'",
            description=deployment.description or None,
            tags=["pipelines"],
            # Hayhooks' (FastAPI's default for its route): clients generated from either spec call the same method.
            operation_id=re.sub(r"\W", "_", f"{deployment.name}_run/{deployment.name}/run") + "_post",
        )
        self.app = _LeanApp(runner, self.app)


class RunRoutes(BaseRoute):
    """Every deployment's run route behind one dict lookup, first in the app's route list.

    The router tries routes in order, and a run route appended after the built-in ones was reached only after
    ~30 failed matches (~40 µs a request); with many pipelines it grows with their number. The routes stay
    in the app's list as well, for ``/openapi.json`` and ``url_path_for``; this only finds them first.
    """

    def __init__(self) -> None:
        self._by_path: dict[str, APIRoute] = {}

    def add(self, route: APIRoute) -> None:
        self._by_path[route.path] = route

    def discard(self, pipeline: str) -> None:
        self._by_path.pop(f"/{pipeline}/run", None)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            route = self._by_path.get(get_route_path(scope))
            if route is not None:
                return route.matches(scope)  # FULL, or PARTIAL for another method (405 if nothing else fits)
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)


def build_run_route(deployment: Deployment, *, raw_payloads: bool = False) -> APIRoute:
    """An ``APIRoute`` whose body schema is the deployment's request model (so it shows in ``/docs``)."""
    return RunRoute(deployment, raw_payloads=raw_payloads)
