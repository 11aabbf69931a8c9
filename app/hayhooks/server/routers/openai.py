"""OpenAI-compatible chat: ``/v1/chat/completions``, ``/v1/models`` (and the same without ``/v1``).

A wrapper with ``run_chat_completion`` (or ``run_chat_completion_async``) answers with a string, or with a
(async) generator of text or Haystack ``StreamingChunk``s; with ``stream: true`` the answer goes out as
``chat.completion.chunk`` server-sent events ending with ``data: [DONE]``. In a stream, as in Hayhooks, an item
with ``to_event_dict()`` (a ``PipelineEvent``) goes out as ``data: {"event": ...}``, a chunk's reasoning as
``reasoning_content`` and its tool calls as ``tool_calls`` deltas; the last chunk carries the finish reason the
generator reported last (``stop`` if none). Errors use OpenAI's error body.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from hayhooks.logger import log
from hayhooks.pipelines.schema import takes_headers
from hayhooks.pipelines.wrapper import implements
from hayhooks.server.stream_items import is_event, items_of, reasoning_of, text_of, tool_name_of
from hayhooks.server.threads import run_sync
from hayhooks.tracing import operations

router = APIRouter(tags=["openai"])
# OpenAI's finish reasons; Haystack also reports its own (``tool_call_results``), which clients would not know.
_FINISH_REASONS = frozenset({"stop", "length", "tool_calls", "content_filter", "function_call"})


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(description="system, user, assistant or tool")
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(description="The name of a deployed pipeline that implements run_chat_completion")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def openai_error(
    status: int, message: str, kind: str, *, param: str | None = None, code: str | None = None
) -> Response:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}}, status_code=status)


def _tool_call_delta(call: Any) -> dict[str, Any]:
    function: dict[str, Any] = {}
    if (name := tool_name_of(call)) is not None:
        function["name"] = name
    if (arguments := getattr(call, "arguments", None)) is not None:
        function["arguments"] = arguments
    delta: dict[str, Any] = {"index": getattr(call, "index", 0), "type": "function", "function": function}
    if (call_id := getattr(call, "id", None)) is not None:
        delta["id"] = call_id
    return delta


@router.get("/v1/models", summary="Pipelines that chat or answer the Responses API, as OpenAI models",
            operation_id="openai_models")
@router.get("/models", include_in_schema=False)
async def models(request: Request) -> dict[str, Any]:
    created = int(time.time())
    data = [{"id": d.name, "object": "model", "created": created, "owned_by": "hayhooks"}
            for d in request.app.state.registry if d.answers_openai]
    return {"object": "list", "data": data}


@router.post("/v1/chat/completions", summary="OpenAI-compatible chat completion", response_model=None,
             operation_id="openai_chat_completions")
@router.post("/chat/completions", include_in_schema=False, response_model=None)
async def chat_completions(body: ChatRequest, request: Request) -> Response:
    payload = body.model_dump(exclude_none=False)
    result = await call_wrapper(request, body.model, body.stream, "run_chat_completion", "chat_not_supported",
                                messages=payload["messages"], body=payload)
    if isinstance(result, Failed):
        return result.response

    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        return StreamingResponse(
            _sse(items_of(result), completion_id, created, body.model),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    try:
        text = await _collect(result)
    except Exception as exc:
        operations.record_error(exc)
        return openai_error(500, f"Pipeline '{body.model}' failed: {type(exc).__name__}: {exc}", "server_error")
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        }
    )


class Failed:
    """What ``call_wrapper`` returns instead of a result: the OpenAI error answer, already traced."""

    def __init__(self, response: Response) -> None:
        self.response = response


async def call_wrapper(
    request: Request, model: str, stream: bool, method: str, not_supported: str, **kwargs: Any
) -> Any:
    """Call ``<method>_async`` (awaited) or ``<method>`` (in the thread pool) of the pipeline named ``model``, with
    the request headers when it asks for them: its result, or a ``Failed`` OpenAI error (404 unknown model, 400
    method not implemented, with the error code ``not_supported``; 500 the wrapper raised)."""
    operations.annotate(**{operations.PIPELINE: model, operations.STREAMING: stream})
    registry = request.app.state.registry
    if model not in registry:
        names = ", ".join(registry.names()) or "none"
        message = f"The model '{model}' does not exist (deployed pipelines: {names})"
        operations.record_error(LookupError(message))
        return Failed(openai_error(404, message, "invalid_request_error", param="model", code="model_not_found"))
    wrapper = registry.get(model).wrapper
    kwargs["model"] = model
    try:
        if implements(wrapper, f"{method}_async"):
            call = getattr(wrapper, f"{method}_async")
            return await call(**kwargs, **({"headers": request.headers} if takes_headers(call) else {}))
        if implements(wrapper, method):
            call = getattr(wrapper, method)
            return await run_sync(call, **kwargs, **({"headers": request.headers} if takes_headers(call) else {}))
    except Exception as exc:
        operations.record_error(exc)
        log.opt(exception=exc).error("{} of '{}' failed", method, model)
        return Failed(openai_error(500, f"Pipeline '{model}' failed: {type(exc).__name__}: {exc}", "server_error"))
    message = f"The pipeline '{model}' does not implement {method}"
    operations.record_error(NotImplementedError(message))
    return Failed(openai_error(400, message, "invalid_request_error", param="model", code=not_supported))


async def _collect(result: Any) -> str:
    if isinstance(result, str):
        return result
    return "".join([text_of(chunk) async for chunk in items_of(result)])


def _event(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


async def _sse(chunks: AsyncIterator[Any], completion_id: str, created: int, model: str) -> AsyncIterator[bytes]:
    """OpenAI's chunk stream; a pipeline failing mid-stream ends it with an error event (and a failed trace)."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _event(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )

    yield chunk({"role": "assistant", "content": ""})
    finish = "stop"
    try:
        async for item in chunks:
            if is_event(item):
                yield _event({"event": item.to_event_dict()})
                continue
            if (reported := getattr(item, "finish_reason", None)) in _FINISH_REASONS:
                finish = reported
            if (reasoning := reasoning_of(item)) is not None:
                yield chunk({"content": None, "reasoning_content": reasoning})
            elif calls := getattr(item, "tool_calls", None):
                yield chunk({"content": None, "tool_calls": [_tool_call_delta(call) for call in calls]})
            elif text := text_of(item):
                yield chunk({"content": text})
    except Exception as exc:
        operations.record_error(exc)
        log.opt(exception=exc).error("Chat stream of '{}' failed", model)
        yield _event({"error": {"message": f"{type(exc).__name__}: {exc}", "type": "server_error", "param": None,
                                "code": None}})
        yield b"data: [DONE]\n\n"
        return
    yield chunk({}, finish)
    yield b"data: [DONE]\n\n"
