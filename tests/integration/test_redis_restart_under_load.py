"""Redis stopped and restarted under steady load on 4 workers: no request fails, every outage trace comes back."""

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import EXAMPLES
from tests.integration.test_degraded import configs
from tests.integration.test_shared_view import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass
class Call:
    text: str
    started: float
    ended: float
    status: int | None = None  # None: no answer (connection error, timeout)
    body: dict | None = None
    trace_id: str = ""
    worker: str = ""


@dataclass
class SteadyLoad:
    """``threads`` clients, each posting /shout/run with unique texts, on a new connection every time (so the
    kernel spreads them over the workers). Plain ``http.client``: a new ``httpx.Client`` per request costs ~20 ms
    of client CPU, which would make this a trickle instead of a load."""

    url: str
    threads: int = 4
    calls: list[Call] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _client(self, n: int) -> None:
        i = 0
        while not self._stop.is_set():
            text = f"load{n}-{i}"
            i += 1
            started = time.monotonic()
            connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
            try:
                connection.request("POST", "/shout/run", body=json.dumps({"text": text}),
                                   headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                self.calls.append(Call(text, started, time.monotonic()))
                continue
            finally:
                connection.close()
            self.calls.append(Call(text, started, time.monotonic(), response.status,
                                   json.loads(body) if response.status == 200 else None,
                                   response.getheader("x-hayhooks-trace-id", ""),
                                   response.getheader("x-hayhooks-worker", "")))

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname

    @property
    def port(self) -> int:
        return urlsplit(self.url).port

    def start(self) -> None:
        self._workers = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(self.threads)]
        for thread in self._workers:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(15)


def shared_view(url: str) -> dict[str, dict]:
    """Every trace of the view, read oldest to newest page by page on one connection (one worker).

    No ``entrypoint`` filter: with one, the Redis store may end a page with ``has_more`` false while traces
    remain (a bug reported separately), and this test is about the replay, not about filtered paging."""
    found: dict[str, dict] = {}
    cursor = "0"
    with httpx.Client(timeout=10) as client:
        while True:
            page = client.get(url + "/dashboard/api/traces", params={"limit": 500, "after_seq": cursor}).json()
            found |= {t["trace_id"]: t for t in page["traces"]}
            if not page["has_more"]:
                return found
            cursor = page["next_after_seq"]


def test_redis_restart_under_steady_load_fails_no_request_and_keeps_every_outage_trace(server_factory, own_redis):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "4", "--with-tracing-dashboard",
                            "--redis-url", own_redis.url,
                            env={"HAYHOOKS_DASHBOARD_TRACE_BUFFER_CAPACITY": "50000", "HAYHOOKS_LOG_LEVEL": "WARNING"})
    url = server.url
    # Every worker booted (its deploy traces stored) before the outage, so that only runs are replayed.
    wait_until(lambda: len({t["worker"] for t in shared_view(url).values() if t["kind"] == "deploy"}) == 4,
               timeout=30, interval=0.2)
    load = SteadyLoad(url)
    load.start()
    try:
        time.sleep(1)
        own_redis.stop()
        outage_began = time.monotonic()
        # Some worker notices and says so, while the load goes on.
        degraded = wait_until(lambda: [c for c in configs(url, 4) if c["degraded"]], timeout=10)
        time.sleep(max(0.0, outage_began + 3 - time.monotonic()))
        outage_ended = time.monotonic()
        own_redis.start()
        time.sleep(2)
    finally:
        load.stop()

    failed = [c for c in load.calls if c.status != 200]
    assert not failed, f"{len(failed)} of {len(load.calls)} requests failed, e.g. {failed[:3]}"
    assert all(c.body == {"result": f"{c.text.upper()}!"} for c in load.calls)
    workers = {c.worker for c in load.calls}
    assert len(workers) >= 3, workers
    assert degraded[0]["this_worker"] in workers

    # Sent after Redis was killed and answered before it came back: those traces can only come from the replay
    # (the restarted Redis is empty, without persistence).
    outage = {c.trace_id: c for c in load.calls if outage_began < c.started and c.ended < outage_ended}
    assert len(outage) >= 50, f"only {len(outage)} requests during the outage"
    assert len({c.worker for c in outage.values()}) >= 2

    # Recovered: every worker that served the load says it is no longer degraded.
    last_state: dict[str, bool] = {}

    def recovered() -> bool:
        for config in configs(url, 8):
            last_state[config["this_worker"]] = config["degraded"]
        return workers <= last_state.keys() and not any(last_state[w] for w in workers)

    wait_until(recovered, timeout=20, interval=0.2)

    view: dict[str, dict] = {}

    def complete() -> bool:
        view.clear()
        view.update(shared_view(url))
        return outage.keys() <= view.keys()

    try:
        wait_until(complete, timeout=15, interval=0.2)
    except AssertionError:
        missing = sorted(outage.keys() - view.keys())
        pytest.fail(f"{len(missing)} of {len(outage)} outage traces missing from the shared view, e.g. {missing[:3]}")
    assert all(view[t]["status"] == "ok" and view[t]["kind"] == "run" for t in outage)
    assert {view[t]["worker"] for t in outage} == {c.worker for c in outage.values()}
