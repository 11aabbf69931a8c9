"""A run request called in-process: the app's ASGI callable with no HTTP server, for counting its own cost.

Kept apart from ``harness`` (wrk, servers, httpx) so that a child process measuring the app imports nothing else.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# What a run benchmark may load, by pipeline: its folder and a request body (here, not in ``harness``, so that a
# measured child finds it too). `shout` (Upper → Exclaim) has two components that do nothing, the worst case for any
# fixed cost's share of a request. `ask` (Haystack's ChatPromptBuilder → OpenAIChatGenerator) does what many
# pipelines do, against a fake LLM (`harness.fake_llm`) that answers at once: the template, the openai client and
# its HTTP round trip are its work, a model's seconds are not.
RUN_PIPELINES = {
    "shout": (ROOT / "examples" / "pipelines", '{"text": "hello world"}'),
    "ask": (ROOT / "benchmarks" / "pipelines", '{"question": "What is the capital of France?"}'),
}
BODY = RUN_PIPELINES["shout"][1].encode()
_SCOPE = {
    "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
    "path": "/shout/run", "raw_path": b"/shout/run", "query_string": b"", "root_path": "",
    "headers": [(b"host", b"bench"), (b"content-type", b"application/json"), (b"content-length", b"23")],
    "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2),
}


class InProcessRuns:
    """``POST /<pipeline>/run`` on ``app`` (``shout`` unless told), ``concurrent`` at a time, after its lifespan
    has started (``start``)."""

    def __init__(self, app: Any, concurrent: int = 8, *, pipeline: str = "shout", body: bytes = BODY) -> None:
        self.app = app
        self.concurrent = concurrent
        path = f"/{pipeline}/run"
        headers = [(b"host", b"bench"), (b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        self._scope = {**_SCOPE, "path": path, "raw_path": path.encode(), "headers": headers}
        self._body = body
        self._lifespan: asyncio.Task[None] | None = None

    async def start(self) -> None:
        startup: asyncio.Queue = asyncio.Queue()
        events: asyncio.Queue = asyncio.Queue()
        await startup.put({"type": "lifespan.startup"})
        self._lifespan = asyncio.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, startup.get, events.put))
        started = await events.get()
        if started["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"start-up failed: {started}")

    async def one(self) -> None:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": self._body, "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        await self.app(dict(self._scope), receive, send)
        if sent[0]["status"] != 200:
            raise RuntimeError(f"run failed: {sent}")

    async def serve(self, count: int) -> None:
        """``count`` requests (rounded down to whole batches); any failure raises."""
        for _ in range(count // self.concurrent):
            await asyncio.gather(*(self.one() for _ in range(self.concurrent)))
