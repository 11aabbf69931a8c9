"""OpenAI's Responses API (``/v1/responses``) and file uploads (``/v1/files``), served by the wrappers that
implement ``run_response(_async)`` and ``run_file_upload``, as in Hayhooks.

``input`` reaches the wrapper as a list of input items (a string is one user message). The wrapper answers with
a string or a (async) generator of text or ``StreamingChunk``s: an assistant message, plus a ``function_call``
item for each tool call the chunks report (for clients that run their tools themselves), or with
``stream: true`` the Responses event stream (``response.created`` … ``response.output_text.delta`` …
``response.completed``). A UI event (``PipelineEvent``) in the stream goes out as an event of its own type
(``event: status``), as Hayhooks sends it; a non-streamed answer leaves it out.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from hayhooks.logger import log
from hayhooks.pipelines.registry import Deployment
from hayhooks.pipelines.wrapper import implements
from hayhooks.server.routers.openai import Failed, call_wrapper, openai_error
from hayhooks.server.stream_items import is_event, items_of, reasoning_of, text_of, tool_name_of
from hayhooks.server.threads import run_sync
from hayhooks.tracing import operations

router = APIRouter(tags=["openai"])


class ResponseRequest(BaseModel):
    """The Responses API request. The wrapper's ``body`` has every field below, ``None`` when the client did not
    send it, as Hayhooks hands it over: a wrapper may read ``body["instructions"]`` without checking the key."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(description="The name of a deployed pipeline that implements run_response")
    input: str | list[dict[str, Any]] | None = Field(default=None, description="Text, or Responses input items")
    stream: bool = False
    instructions: str | None = None
    max_output_tokens: int | None = None
    metadata: dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    previous_response_id: str | None = None
    reasoning: dict[str, Any] | None = None
    service_tier: str | None = None
    store: bool | None = None
    stream_options: dict[str, Any] | None = None
    temperature: float | None = None
    text: dict[str, Any] | None = None
    tool_choice: str | dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    top_logprobs: int | None = None
    top_p: float | None = None


def _input_items(value: str | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    return value


def _part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": []}


def _summary(text: str) -> dict[str, Any]:
    return {"type": "summary_text", "text": text}


class _Answer:
    """The output items of one response, written in order: reasoning, assistant text and function calls.

    One item is open at a time: a chunk of another kind (reasoning, text, a tool call) closes it and opens its
    own, so the items follow the order the answer came in. A tool call's arguments arrive in pieces (Haystack's
    ``ToolCallDelta``s, told apart by their index). ``feed`` and ``close`` return the stream's events; a
    non-streamed answer ignores them and takes ``output``.
    """

    def __init__(self, model: str) -> None:
        self.id = f"resp_{uuid.uuid4().hex}"
        self.model = model
        self.created = int(time.time())
        self.sequence = 0
        self.output: list[dict[str, Any]] = []  # the items, the open one last
        self._open: dict[str, Any] | None = None
        self._pieces: list[str] = []
        self._call_index: int | None = None  # of the open function call

    def response(self, status: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "id": self.id, "object": "response", "created_at": self.created, "model": self.model, "status": status,
            "output": self.output if status == "completed" else [], "error": error, "incomplete_details": None,
            "instructions": None, "metadata": {}, "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "temperature": None, "top_p": None, "usage": None,
        }

    def event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"

    def feed(self, item: Any) -> list[bytes]:
        if is_event(item):  # a UI event goes out as an event of its own type, as Hayhooks sends it
            event = item.to_event_dict()
            kind = str(event.get("type") or "response.event")
            return [b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"]
        if (reasoning := reasoning_of(item)) is not None:
            events = self._ensure("reasoning")
            return [*events, self._delta("response.reasoning_summary_text.delta", reasoning, summary_index=0)]
        if calls := getattr(item, "tool_calls", None):
            return [event for call in calls for event in self._call(call)]
        if delta := text_of(item):
            events = self._ensure("message")
            return [*events, self._delta("response.output_text.delta", delta, content_index=0)]
        return []

    def _delta(self, kind: str, delta: str, **where: int) -> bytes:
        assert self._open is not None
        self._pieces.append(delta)
        return self.event(kind, item_id=self._open["id"], output_index=len(self.output) - 1, **where, delta=delta)

    def _ensure(self, kind: str) -> list[bytes]:
        """The open item if it is of ``kind``; else close it and open one."""
        if self._open is not None and self._open["type"] == kind:
            return []
        events = self._close_open()
        if kind == "message":
            item = {"type": "message", "id": f"msg_{uuid.uuid4().hex}", "status": "in_progress", "role": "assistant",
                    "content": []}
        else:
            item = {"type": "reasoning", "id": f"rs_{uuid.uuid4().hex}", "status": "in_progress", "summary": []}
        self._open, self._pieces = item, []
        self.output.append(item)
        where = {"item_id": item["id"], "output_index": len(self.output) - 1}
        events.append(self.event("response.output_item.added", output_index=where["output_index"], item=dict(item)))
        if kind == "message":
            events.append(self.event("response.content_part.added", **where, content_index=0, part=_part("")))
        else:
            events.append(self.event("response.reasoning_summary_part.added", **where, summary_index=0,
                                     part=_summary("")))
        return events

    def _call(self, call: Any) -> list[bytes]:
        index = getattr(call, "index", 0) or 0
        events: list[bytes] = []
        if self._open is None or self._open["type"] != "function_call" or self._call_index != index:
            events = self._close_open()
            item = {"type": "function_call", "id": f"fc_{uuid.uuid4().hex}",
                    "call_id": getattr(call, "id", None) or f"call_{uuid.uuid4().hex[:24]}",
                    "name": tool_name_of(call) or "", "arguments": "", "status": "in_progress"}
            self._open, self._pieces, self._call_index = item, [], index
            self.output.append(item)
            events.append(self.event("response.output_item.added", output_index=len(self.output) - 1, item=dict(item)))
        elif (name := tool_name_of(call)) and not self._open["name"]:
            self._open["name"] = name
        if arguments := getattr(call, "arguments", None):
            events.append(self._delta("response.function_call_arguments.delta", arguments))
        return events

    def _close_open(self) -> list[bytes]:
        item, self._open = self._open, None
        if item is None:
            return []
        text = "".join(self._pieces)
        where = {"item_id": item["id"], "output_index": self.output.index(item)}
        item["status"] = "completed"
        if item["type"] == "message":
            item["content"] = [_part(text)]
            events = [self.event("response.output_text.done", **where, content_index=0, text=text),
                      self.event("response.content_part.done", **where, content_index=0, part=_part(text))]
        elif item["type"] == "reasoning":
            item["summary"] = [_summary(text)]
            events = [self.event("response.reasoning_summary_text.done", **where, summary_index=0, text=text),
                      self.event("response.reasoning_summary_part.done", **where, summary_index=0,
                                 part=_summary(text))]
        else:
            item["arguments"] = text
            events = [self.event("response.function_call_arguments.done", **where, arguments=text)]
        return [*events, self.event("response.output_item.done", output_index=where["output_index"], item=item)]

    def close(self) -> list[bytes]:
        """The open item's done events, then ``response.completed``. An answer with nothing in it is one empty
        message."""
        events = self._close_open() if self.output else self._ensure("message") + self._close_open()
        return [*events, self.event("response.completed", response=self.response("completed"))]


async def _events(chunks: AsyncIterator[Any], answer: _Answer) -> AsyncIterator[bytes]:
    """The Responses event stream; a failure mid-stream ends it with ``response.failed``."""
    yield answer.event("response.created", response=answer.response("in_progress"))
    yield answer.event("response.in_progress", response=answer.response("in_progress"))
    try:
        async for item in chunks:
            for event in answer.feed(item):
                yield event
    except Exception as exc:
        operations.record_error(exc)
        log.opt(exception=exc).error("Response stream of '{}' failed", answer.model)
        error = {"code": "server_error", "message": f"{type(exc).__name__}: {exc}"}
        yield answer.event("response.failed", response=answer.response("failed", error))
        return
    for event in answer.close():
        yield event


@router.post("/v1/responses", summary="OpenAI-compatible Responses API", response_model=None,
             operation_id="openai_responses")
@router.post("/responses", include_in_schema=False, response_model=None)
async def responses(body: ResponseRequest, request: Request) -> Response:
    payload = body.model_dump(exclude_none=False)
    result = await call_wrapper(request, body.model, body.stream, "run_response", "responses_not_supported",
                                input_items=_input_items(body.input), body=payload)
    if isinstance(result, Failed):
        return result.response

    answer = _Answer(body.model)
    if body.stream:
        return StreamingResponse(_events(items_of(result), answer), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    try:
        async for item in items_of(result):
            answer.feed(item)
    except Exception as exc:
        operations.record_error(exc)
        return openai_error(500, f"Pipeline '{body.model}' failed: {type(exc).__name__}: {exc}", "server_error")
    answer.close()
    return JSONResponse(answer.response("completed"))


def _uploader(request: Request) -> Deployment | None:
    return next((d for d in request.app.state.registry if implements(d.wrapper, "run_file_upload")), None)


@router.post("/v1/files", summary="OpenAI-compatible file upload, handed to run_file_upload", response_model=None,
             operation_id="openai_files_create")
@router.post("/files", include_in_schema=False, response_model=None)
async def upload_file(
    request: Request, file: Annotated[UploadFile, File()], purpose: Annotated[str, Form()]
) -> Response:
    content = await file.read()
    deployment = _uploader(request)
    if deployment is None:
        # As in Hayhooks: the upload is answered, but nothing keeps the file.
        file_id = f"file-{uuid.uuid4().hex[:24]}"
        log.warning("No pipeline implements run_file_upload: file '{}' ({}) was not kept", file.filename, file_id)
        return JSONResponse({"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                             "filename": file.filename or "", "purpose": purpose, "status": "processed"})
    operations.annotate(**{operations.PIPELINE: deployment.name})
    try:
        result = await run_sync(deployment.wrapper.run_file_upload, file.filename, file.content_type, content, purpose)
    except Exception as exc:
        operations.record_error(exc)
        log.opt(exception=exc).error("File upload to '{}' failed", deployment.name)
        return openai_error(500, f"Pipeline '{deployment.name}' failed: {type(exc).__name__}: {exc}", "server_error")
    if callable(getattr(result, "model_dump", None)):  # an openai FileObject, say
        result = result.model_dump()
    if not isinstance(result, dict):
        message = f"run_file_upload of '{deployment.name}' returned {type(result).__name__}, not a dict (a FileObject)"
        operations.record_error(TypeError(message))
        return openai_error(500, message, "server_error")
    return JSONResponse({"status": "processed", **result})  # a FileObject's default, as Hayhooks fills it in
