"""A fake OpenAI-compatible LLM server for tests: Haystack's own OpenAI components talk to it over real HTTP.

``POST /v1/chat/completions`` answers ``echo: <last user text>``; when the request offers tools and the
conversation has no tool result yet, it calls the first tool instead, with ``{"city": "Paris"}``; after a tool
result it answers ``result: <that result>``. ``POST /v1/completions`` (the legacy endpoint of ``OpenAIGenerator``)
echoes the prompt's last line. Both stream word by word (``stream: true``), with usage when asked. Every request
body is kept in ``requests``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def _last(messages: list[dict[str, Any]], role: str) -> str:
    for message in reversed(messages):
        if message.get("role") == role:
            content = message.get("content") or ""
            return content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)
    return ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeOpenAI

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.requests.append(request)
        chat = self.path.endswith("/chat/completions")
        if not chat:
            prompt = str(request.get("prompt", "")).strip().splitlines() or [""]
            self._answer(request, text=f"echo: {prompt[-1]}", chat=False)
            return
        messages = request["messages"]
        if request.get("tools") and not any(m.get("role") == "tool" for m in messages):
            self._answer(request, tool=request["tools"][0]["function"]["name"], chat=True)
        elif any(m.get("role") == "tool" for m in messages):
            self._answer(request, text=f"result: {_last(messages, 'tool')}", chat=True)
        else:
            self._answer(request, text=f"echo: {_last(messages, 'user')}", chat=True)

    def _answer(self, request: dict[str, Any], *, chat: bool, text: str = "", tool: str | None = None) -> None:
        model = request.get("model", "fake")
        base = {"id": "fake-1", "created": 1, "model": model}
        call = {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": '{"city": "Paris"}'}}
        finish = "tool_calls" if tool else "stop"
        usage = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
        if not request.get("stream"):
            if chat:
                message: dict[str, Any] = {"role": "assistant", "content": None if tool else text}
                if tool:
                    message["tool_calls"] = [call]
                choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish}
                body = {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
            else:
                choice = {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}
                body = {**base, "object": "text_completion", "choices": [choice], "usage": usage}
            self._send(200, "application/json", json.dumps(body).encode())
            return
        events: list[dict[str, Any]] = []
        kind = "chat.completion.chunk" if chat else "text_completion"
        if tool:
            delta = {"role": "assistant", "tool_calls": [{"index": 0, **call}]}
            events.append({**base, "object": kind, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        for i, word in enumerate(text.split(" ") if text else []):
            piece = word if i == 0 else f" {word}"
            choice = ({"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None} if chat
                      else {"index": 0, "text": piece, "finish_reason": None, "logprobs": None})
            events.append({**base, "object": kind, "choices": [choice]})
        last = ({"index": 0, "delta": {}, "finish_reason": finish} if chat
                else {"index": 0, "text": "", "finish_reason": finish, "logprobs": None})
        events.append({**base, "object": kind, "choices": [last]})
        if chat and (request.get("stream_options") or {}).get("include_usage"):
            events.append({**base, "object": kind, "choices": [], "usage": usage})
        body = b"".join(b"data: " + json.dumps(event).encode() + b"\n\n" for event in events) + b"data: [DONE]\n\n"
        self._send(200, "text/event-stream", body)

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeOpenAI(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def env(self) -> dict[str, str]:
        """What points Haystack's OpenAI components (through the openai client) at this server."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": "sk-fake-for-tests"}


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
