"""Legacy MCP SSE on the main server with several workers: relayed through Redis, refused without it."""

import asyncio
import itertools
import json
import uuid
from collections import Counter

import httpx
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client

from tests.conftest import EXAMPLES
from tests.integration.test_replicated_deploys import all_workers_up

pytestmark = [pytest.mark.integration, pytest.mark.slow]
_prefixes = itertools.count()
MCP = {"HAYHOOKS_MCP_MOUNT": "true"}


class WorkerLog:
    """Which worker answered the SSE stream and each message POST of a client's sessions."""

    def __init__(self) -> None:
        self.streams: list[str] = []
        self.posts: list[tuple[str, int, bool]] = []  # worker, status, whether it holds the session

    def factory(self, headers=None, timeout=None, auth=None) -> httpx2.AsyncClient:
        """An MCP HTTP client that opens a connection per request, so each POST may reach any worker."""

        async def record(response: httpx2.Response) -> None:
            worker = response.headers.get("x-hayhooks-worker", "?")
            if response.request.method == "GET":
                self.streams.append(worker)
            else:
                self.posts.append((worker, response.status_code, worker == self.streams[-1]))

        return httpx2.AsyncClient(headers=headers, timeout=timeout or 30.0, auth=auth,
                                  limits=httpx2.Limits(max_keepalive_connections=0),
                                  event_hooks={"response": [record]})


async def sse_session(url: str, log: WorkerLog) -> tuple[set[str], object]:
    async with (
        sse_client(f"{url}/sse", httpx_client_factory=log.factory) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = {t.name for t in (await session.list_tools()).tools}
        return tools, await session.call_tool("greet", {"name": "Ann", "place": "Oslo"})


def test_legacy_sse_sessions_work_whichever_worker_takes_the_posts(server_factory, redis_url):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2", "--redis-url", redis_url,
                            env={**MCP, "HAYHOOKS_REDIS_KEY_PREFIX": f"sse{next(_prefixes)}:"})
    all_workers_up(server.url, 2)
    log = WorkerLog()
    for _ in range(5):
        tools, result = asyncio.run(asyncio.wait_for(sse_session(server.url, log), timeout=20))
        assert "greet" in tools
        assert json.loads(result.content[0].text)["shout"]["output"] == "HELLO ANN, WELCOME TO OSLO!"
    assert len(log.streams) == 5 and {status for _, status, _ in log.posts} == {202}
    # Every POST went out on a connection of its own: some reached the worker that does not hold the stream.
    held = Counter(holder for _, _, holder in log.posts)
    assert held[False] > 0 and held[True] > 0, held
    ended = httpx.post(f"{server.url}/messages/?session_id={uuid.uuid4().hex}", json={"jsonrpc": "2.0", "id": 1,
                                                                                       "method": "ping"})
    assert (ended.status_code, ended.text) == (404, "Could not find session")  # no worker holds it


def test_legacy_sse_is_refused_with_several_workers_and_no_redis(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2", env=MCP)
    answer = httpx.get(f"{server.url}/sse", timeout=5)
    assert answer.status_code == 503
    detail = answer.json()["detail"]
    assert "/mcp" in detail and "HAYHOOKS_REDIS_URL" in detail
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    streamable = httpx.post(f"{server.url}/mcp", json=init, headers={"accept": "application/json, text/event-stream"},
                            timeout=5)
    assert streamable.status_code == 200


STREAM_TRACE = "5" * 32


class TracedPosts(WorkerLog):
    """A client whose stream carries one ``traceparent`` and each message POST a new one of its own.

    ``sent``: the trace each POST asks to continue. That is its header's, unless the mcp client put its own
    context in the message's ``_meta`` (it does when a tracer provider is installed in this process, as tests
    that build an app in-process leave one), which the server rightly prefers."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def factory(self, headers=None, timeout=None, auth=None) -> httpx2.AsyncClient:
        client = super().factory(headers, timeout, auth)

        async def stamp(request: httpx2.Request) -> None:
            trace_id = STREAM_TRACE if request.method == "GET" else uuid.uuid4().hex
            request.headers["traceparent"] = f"00-{trace_id}-{'1' * 16}-01"
            if request.method == "POST":
                meta = (json.loads(request.content or b"{}").get("params") or {}).get("_meta") or {}
                self.sent.append(str(meta.get("traceparent") or request.headers["traceparent"]).split("-")[1])

        client.event_hooks["request"] = [stamp]
        return client


def test_a_relayed_call_continues_the_trace_of_its_own_post_not_the_streams(server_factory, redis_url):
    from tests.integration.test_shared_view import fresh, wait_until

    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2", "--redis-url", redis_url,
                            "--with-tracing-dashboard",
                            env={**MCP, "HAYHOOKS_REDIS_KEY_PREFIX": f"sse{next(_prefixes)}:"})
    all_workers_up(server.url, 2)
    log = TracedPosts()

    async def calls() -> None:
        async with (
            sse_client(f"{server.url}/sse", httpx_client_factory=log.factory) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            for i in range(8):
                await session.call_tool("shout", {"text": f"t{i}"})

    asyncio.run(asyncio.wait_for(calls(), timeout=30))
    assert Counter(holder for _, _, holder in log.posts)[False] > 0  # some were relayed

    def recorded() -> list[str]:
        traces = fresh(server.url, "/dashboard/api/traces", params={"limit": 100}).json()["traces"]
        found = [t["trace_id"] for t in traces if t["root_span"]["name"] == "hayhooks.mcp.call_tool"]
        return found if len(found) == 8 else []

    trace_ids = wait_until(recorded)
    assert STREAM_TRACE not in trace_ids and set(trace_ids) <= set(log.sent)


def test_the_relay_works_at_once_after_redis_restarts(own_redis):
    from hayhooks.mcp.sse_relay import SseRelay

    async def forward_across_a_restart() -> tuple[bool, bool]:
        relay = SseRelay(own_redis.url, "restart:")
        session = uuid.uuid4()
        before = await relay.forward(session, b"{}")  # a pooled connection, which the restart closes
        own_redis.stop()
        own_redis.start()
        after = await relay.forward(session, b"{}")  # no RelayUnavailableError: sent again on a new connection
        await relay.aclose()
        return before, after

    assert asyncio.run(forward_across_a_restart()) == (False, False)  # no worker holds that session

