"""SIGTERM drains in-flight requests and flushes their traces to Redis before the workers exit."""

import asyncio
import contextlib
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
            results.append(client.post(f"{server.url}/slow/run", json={"seconds": 4}))

    callers = [threading.Thread(target=slow_call) for _ in range(3)]
    for caller in callers:
        caller.start()
    wait_until_running(redis_url, count=3)
    os.killpg(server.process.pid, signal.SIGTERM)
    for caller in callers:
        caller.join(30)
    assert server.process.wait(30) == 0
    assert [r.status_code for r in results] == [200, 200, 200]

    runs = [t for t in stored_slow_runs(redis_url) if not t["running"]]
    assert len(runs) == 3


def test_a_request_outlasting_the_drain_is_cancelled_and_stored_as_failed_not_running(server_factory, redis_url,
                                                                                       tmp_path):
    pipelines = tmp_path / "pipelines"
    shutil.copytree(FIXTURES / "slow", pipelines / "slow")
    server = server_factory("--pipelines-dir", str(pipelines), "--workers", "2", "--with-tracing-dashboard",
                            "--redis-url", redis_url,
                            env={"HAYHOOKS_REDIS_KEY_PREFIX": "shutdown:", "HAYHOOKS_GRACEFUL_SHUTDOWN_TIMEOUT": "4"})
    caller = threading.Thread(target=lambda: _post_ignoring_errors(f"{server.url}/slow/run", {"seconds": 20}))
    caller.start()
    wait_until_running(redis_url, count=1)
    os.killpg(server.process.pid, signal.SIGTERM)
    server.process.wait(30)
    caller.join(30)
    [run] = stored_slow_runs(redis_url)
    assert (run["running"], run["status"]) == (False, "error")
    assert "graceful shutdown" in str(run["spans"][0])  # the operation's error: the drain was over


def _post_ignoring_errors(url: str, body: dict) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(url, json=body, timeout=30)


def stored_slow_runs(redis_url: str) -> list[dict]:
    async def read() -> list[dict]:
        store = RedisTraceStore(redis_url, prefix="shutdown:", capacity=200)
        try:
            return (await store.page(limit=100, pipeline="slow")).records()
        finally:
            await store.aclose()

    return [t for t in asyncio.run(read()) if t["kind"] == "run"]


def wait_until_running(redis_url: str, count: int, timeout_s: float = 20) -> None:
    """The workers announce a run still going after a quarter second: once all are announced, all are in flight.

    A fixed sleep raced the server on a loaded two-core machine: SIGTERM could land before a request was accepted.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if sum(t["running"] for t in stored_slow_runs(redis_url)) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} slow runs were not announced as running within {timeout_s} s")


def test_a_clean_start_and_shutdown_log_no_socket_noise(server_factory):
    server = server_factory("--workers", "2")
    assert httpx.get(f"{server.url}/status", timeout=10).status_code == 200
    os.killpg(server.process.pid, signal.SIGTERM)
    assert server.process.wait(30) == 0
    assert "Shutting down: Master" in server.log
    assert "Error while closing socket" not in server.log
    assert server.log.count("Listening at:") == 1  # ours, with the address; not gunicorn's empty one


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_live_stream_open_at_shutdown_ends_complete_and_logs_no_error(server_factory, workers):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--with-tracing-dashboard", "--workers", workers)
    events: list[str] = []
    ended: list[BaseException | None] = []
    opened = threading.Event()

    def follow() -> None:
        try:
            with httpx.stream("GET", f"{server.url}/dashboard/api/traces/stream", timeout=30) as response:
                for line in response.iter_lines():
                    events.append(line)
                    opened.set()
            ended.append(None)
        except BaseException as exc:  # the test reports how the stream ended
            ended.append(exc)

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    assert opened.wait(15), "no snapshot"
    os.killpg(server.process.pid, signal.SIGTERM)
    thread.join(30)

    assert ended == [None]  # a complete response: not an incomplete chunked read
    assert server.process.wait(30) in (0, -signal.SIGTERM)  # uvicorn alone re-raises the signal once stopped
    assert "without completing response" not in server.log
