"""SIGTERM drains in-flight requests and flushes their traces to Redis before the workers exit."""

import asyncio
import os
import shutil
import signal
import threading
import time

import httpx
import pytest

from hayhooks.dashboard.redis_store import RedisTraceStore
from tests.conftest import EXAMPLES, FIXTURES

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_sigterm_finishes_in_flight_requests_and_keeps_their_traces(server_factory, redis_url, tmp_path):
    pipelines = tmp_path / "pipelines"
    shutil.copytree(EXAMPLES, pipelines)
    shutil.copytree(FIXTURES / "slow", pipelines / "slow")
    server = server_factory("--pipelines-dir", str(pipelines), "--workers", "2", "--with-tracing-dashboard",
                            "--redis-url", redis_url, env={"HAYHOOKS_REDIS_KEY_PREFIX": "shutdown:"})
    results: list[httpx.Response] = []

    def slow_call() -> None:
        with httpx.Client(timeout=30) as client:
            results.append(client.post(f"{server.url}/slow/run", json={"seconds": 1.5}))

    callers = [threading.Thread(target=slow_call) for _ in range(3)]
    for caller in callers:
        caller.start()
    time.sleep(0.5)  # the requests are in flight
    os.killpg(server.process.pid, signal.SIGTERM)
    for caller in callers:
        caller.join(30)
    assert server.process.wait(30) == 0
    assert [r.status_code for r in results] == [200, 200, 200]

    async def stored() -> list[dict]:
        store = RedisTraceStore(redis_url, prefix="shutdown:", capacity=200)
        try:
            return (await store.page(limit=100, pipeline="slow")).records()
        finally:
            await store.aclose()

    runs = [t for t in asyncio.run(stored()) if t["kind"] == "run" and not t["running"]]
    assert len(runs) == 3
