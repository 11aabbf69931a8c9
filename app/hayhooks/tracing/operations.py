"""Operation spans: every run, chat, deploy and undeploy is one trace whose root is its operation span.

``OperationMiddleware`` is the HTTP instrumentation of the server. It recognises operations by method and path
and starts the operation span — a SERVER span with the HTTP semantic-convention attributes, continuing an
incoming ``traceparent`` — makes it current for everything inside (the route, Haystack) and ends it when the
response is complete, so a streamed answer keeps its span open until its last chunk. Like OpenTelemetry's ASGI
instrumentation it can add ``http receive`` / ``http send`` child spans; ``HAYHOOKS_TRACING_EXCLUDED_SPANS``
leaves them out (both, by default). Requests that are not operations (status, docs, dashboard polling) are
not traced. Routes enrich the span through ``annotate`` and ``record_error``. Each traced response names its
trace in ``X-Hayhooks-Trace-Id``, so a caller can find it in the dashboard or a tracing backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
import traceback
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import anyio
from fastapi.exceptions import ValidationException
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hayhooks.problems import listed
from hayhooks.server.threads import run_sync
from hayhooks.tracing.lean import LeanSpan

_VALIDATION_ERRORS = (ValidationError, ValidationException)
KIND = "hayhooks.kind"
PIPELINE = "hayhooks.pipeline.name"
TRANSPORT = "hayhooks.transport"
STREAMING = "hayhooks.streaming"
PAYLOAD = "hayhooks.payload.values"

SPAN_NAMES = {
    "run": "hayhooks.pipeline.run",
    "openai": "hayhooks.openai.run",
    "deploy": "hayhooks.pipeline.deploy",
    "undeploy": "hayhooks.pipeline.undeploy",
    "mcp": "hayhooks.mcp.call_tool",
}
_OPENAI_PATHS = frozenset(
    {"/v1/chat/completions", "/chat/completions", "/v1/responses", "/responses", "/v1/files", "/files"}
)
_DEPLOY_PATHS = frozenset({"/deploy_files", "/deploy-files", "/deploy-yaml"})

_current: contextvars.ContextVar[trace.Span | None] = contextvars.ContextVar("hayhooks_operation", default=None)


@dataclass(frozen=True, slots=True)
class Operation:
    kind: str
    pipeline: str | None
    transport: str
    route: str = ""
    name: str | None = None

    @property
    def span_name(self) -> str:
        return self.name or SPAN_NAMES[self.kind]


def classify(method: str, path: str) -> Operation | None:
    """The operation a request performs, from its method and path (without root path); ``None`` if none."""
    if method != "POST":
        return None
    if len(path) > _CACHED_PATH_LENGTH:
        return _classify_post(path)
    return _classify_cached(path)


# The same few paths come with every request; only short ones are remembered, so odd requests cannot fill it.
_CACHED_PATH_LENGTH = 128


def _classify_post(path: str) -> Operation | None:
    if path in _OPENAI_PATHS:
        return Operation("openai", None, "openai", path)
    if path in _DEPLOY_PATHS:
        return Operation("deploy", None, "rest", path)
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[1] == "run":
        return Operation("run", parts[0], "rest", "/{name}/run")
    if len(parts) == 2 and parts[0] == "undeploy":
        return Operation("undeploy", parts[1], "rest", "/undeploy/{pipeline_name}")
    return None


_classify_cached = lru_cache(maxsize=1024)(_classify_post)


# Work an operation started that may outlive its response (a stream's pipeline run), by operation span.
_holds: dict[trace.Span, list[threading.Event | asyncio.Future[Any]]] = {}
HOLD_S = 30.0


def hold_until(done: threading.Event | asyncio.Future[Any]) -> None:
    """Keep the current operation open until ``done`` (an event set, a task finished), at most ``HOLD_S`` after its
    response: a pipeline run that a stream started ends inside the operation, its spans with it, even when the
    stream stopped early (the client went away, the wrapper's generator raised)."""
    span = _current.get()
    if span is not None:
        _holds.setdefault(span, []).append(done)


async def _released(span: trace.Span) -> None:
    deadline = time.monotonic() + HOLD_S
    for done in _holds.pop(span, ()):
        left = max(0.0, deadline - time.monotonic())
        with contextlib.suppress(Exception):
            if isinstance(done, threading.Event):
                if not done.is_set():
                    await run_sync(done.wait, left)
            elif not done.done():
                await asyncio.wait([done], timeout=left)


def current_operation() -> trace.Span | None:
    return _current.get()


def recording() -> bool:
    """Whether an operation span is recording here: costly attribute values are computed only then."""
    span = _current.get()
    return span is not None and span.is_recording()


def annotate(**attributes: Any) -> None:
    """Set ``hayhooks.*`` attributes on the current operation span (no-op outside an operation)."""
    span = _current.get()
    if span is not None and span.is_recording():
        for key, value in attributes.items():
            if value is not None:
                span.set_attribute(key, value)


def record_error(exc: BaseException, description: str | None = None) -> None:
    """Mark the current operation failed, with the exception's type, message and stack as its event."""
    span = _current.get()
    if span is None or not span.is_recording():
        return
    problems = _problems(exc)
    if problems is None:
        stack = "".join(traceback.format_exception(exc))
        span.record_exception(exc, attributes={"exception.stacktrace": stack})
        span.set_status(Status(StatusCode.ERROR, description or f"{type(exc).__name__}: {exc}"))
        return
    # A validation error's text quotes the request's values, secrets included: only where and what is wrong.
    stack = "".join(traceback.format_tb(exc.__traceback__)) + f"{type(exc).__name__}: {problems}\n"
    span.record_exception(exc, attributes={"exception.message": problems, "exception.stacktrace": stack})
    span.set_status(Status(StatusCode.ERROR, description or f"{type(exc).__name__}: {problems}"))


def _problems(exc: BaseException) -> str | None:
    """What a validation error says is wrong, without the input values it quotes; None for other errors."""
    errors = getattr(exc, "errors", None)
    if not isinstance(exc, _VALIDATION_ERRORS) or not callable(errors):
        return None
    return listed(errors())


def _start(
    tracer: trace.Tracer,
    operation: Operation,
    parent: otel_context.Context | None,
    extra: dict[str, Any] | None = None,
) -> trace.Span:
    attributes: dict[str, Any] = {KIND: operation.kind, TRANSPORT: operation.transport, STREAMING: False}
    if operation.pipeline:
        attributes[PIPELINE] = operation.pipeline
    if extra:
        attributes.update(extra)
    return tracer.start_span(
        operation.span_name,
        context=parent,
        kind=SpanKind.SERVER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    )


def _enter(
    tracer: trace.Tracer,
    operation: Operation,
    parent: otel_context.Context | None,
    extra: dict[str, Any] | None = None,
) -> tuple[trace.Span, Any]:
    """A new operation's span, current (for OpenTelemetry and for ``annotate``) until ``_leave``."""
    span = _start(tracer, operation, parent, extra)
    return span, (otel_context.attach(trace.set_span_in_context(span, parent)), _current.set(span))


def _leave(span: trace.Span, tokens: Any) -> None:
    token, op_token = tokens
    _current.reset(op_token)
    otel_context.detach(token)
    span.end()


@contextmanager
def operation(
    tracer: trace.Tracer,
    kind: str,
    pipeline: str | None,
    transport: str,
    *,
    name: str | None = None,
    parent: otel_context.Context | None = None,
) -> Iterator[trace.Span]:
    """The current operation if there is one (annotated with ``pipeline``), else a new one for this block.

    Used by work that is not an HTTP request of its own: deploys at start and over the deploy log. ``parent``:
    the caller's context (``extract_parent``), which the new operation continues.
    """
    existing = _current.get()
    if existing is not None:
        annotate(**{PIPELINE: pipeline})
        yield existing
        return
    span, tokens = _enter(tracer, Operation(kind, pipeline, transport, name=name), parent)
    try:
        yield span
    except BaseException as exc:
        record_error(exc)
        raise
    else:
        _succeeded(span)
    finally:
        _holds.pop(span, None)  # a sync block cannot wait: what it started ends on its own
        _leave(span, tokens)


@asynccontextmanager
async def call_operation(
    tracer: trace.Tracer, operation: Operation, parent: otel_context.Context | None = None
) -> AsyncIterator[trace.Span]:
    """A new operation for a call that is not an HTTP request of its own (an MCP tool call), as the HTTP
    middleware makes one: a call cancelled because its client left is failed as ``ClientDisconnected``, and what
    the call started (a stream's pipeline run, ``hold_until``) ends inside the operation before it ends."""
    span, tokens = _enter(tracer, operation, parent)
    try:
        yield span
    except BaseException as exc:
        record_error(ClientDisconnected(_CALL_CANCELLED) if isinstance(exc, asyncio.CancelledError) else exc)
        raise
    else:
        _succeeded(span)
    finally:
        if span in _holds:
            # Cancelled, the call's scope would cancel this wait at once (anyio cancels at every await): shielded.
            with contextlib.suppress(asyncio.CancelledError), anyio.CancelScope(shield=True):
                await _released(span)
        _leave(span, tokens)


class OperationMiddleware:
    """Pure ASGI middleware that wraps each operation request in its operation span."""

    def __init__(self, app: ASGIApp, tracer: trace.Tracer, excluded_spans: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.tracer = tracer
        self.trace_receive = "receive" not in excluded_spans
        self.trace_send = "send" not in excluded_spans

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        op = classify(scope["method"], path)
        if op is None:
            await self.app(scope, receive, send)
            return

        parent = extract_parent(scope.get("headers", ()))
        http = {
            "http.request.method": scope["method"],
            "http.route": op.route,
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
        }
        span, tokens = _enter(self.tracer, op, parent, http)
        status_code = 0
        complete = False
        span_prefix = f"{scope['method']} {op.route}"
        context = span.get_span_context()
        trace_header = (b"x-hayhooks-trace-id", format(context.trace_id, "032x").encode()) if context.is_valid else None

        async def send_and_watch(message: Message) -> None:
            nonlocal status_code, complete
            if message["type"] != "http.response.start":  # body, or an extension's pathsend, zerocopysend...
                complete = not message.get("more_body", False)
            else:
                status_code = message["status"]
                span.set_attribute("http.response.status_code", status_code)
                if trace_header is not None:
                    message["headers"] = [*message.get("headers", ()), trace_header]
            if self.trace_send:
                with self.tracer.start_as_current_span(f"{span_prefix} http send") as child:
                    child.set_attribute("asgi.event.type", message["type"])
                    await send(message)
            else:
                await send(message)

        async def receive_traced() -> Message:
            with self.tracer.start_as_current_span(f"{span_prefix} http receive") as child:
                message = await receive()
                child.set_attribute("asgi.event.type", message["type"])
                return message

        try:
            await self.app(scope, receive_traced if self.trace_receive else receive, send_and_watch)
        except BaseException as exc:
            record_error(exc)
            raise
        else:
            if not complete:  # the app stopped sending without an error of its own: the client went away
                record_error(ClientDisconnected(_CUT_SHORT if status_code else _NO_ANSWER))
        finally:
            if status_code >= 400 and span.is_recording() and not _has_error(span):
                span.set_status(Status(StatusCode.ERROR, f"HTTP {status_code}"))
            else:
                _succeeded(span)
            if _holds and span in _holds:
                with contextlib.suppress(asyncio.CancelledError):  # the drain is over: end the operation now
                    await asyncio.shield(_released(span))
            _leave(span, tokens)


# The W3C trace context of a request: what a caller's trace is continued from.
TRACE_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})


def extract_parent(headers: Iterable[tuple[bytes, bytes]]) -> otel_context.Context | None:
    """The caller's trace context from W3C headers (ASGI's raw pairs), or None when it sent none: the
    configured propagators decide what is valid; a malformed ``traceparent`` starts a trace of its own."""
    carrier = None
    for key, value in headers:
        if key in TRACE_HEADERS:
            carrier = carrier or {}
            carrier[key.decode("latin-1")] = value.decode("latin-1")
    return propagate.extract(carrier) if carrier else None


class ClientDisconnected(Exception):
    """The client closed the connection before the response was complete: a stream cut short is not a success."""


_CUT_SHORT = "the client closed the connection before the response was complete"
_NO_ANSWER = "the client closed the connection before the response started"
_CALL_CANCELLED = "the call was cancelled before its answer: the client cancelled it, or went away"


_OK = Status(StatusCode.OK)


def _succeeded(span: trace.Span) -> None:
    """An operation that raised nothing and answered below 400 is OK, explicitly (not left UNSET), unless
    something inside it (a failed stream, a route) already marked it failed."""
    if type(span) is LeanSpan:
        span.succeed()
    elif span.is_recording() and not _has_error(span):
        span.set_status(_OK)


def _has_error(span: trace.Span) -> bool:
    status = getattr(span, "status", None)
    return status is not None and status.status_code is StatusCode.ERROR
