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
