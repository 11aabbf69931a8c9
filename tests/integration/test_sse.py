"""The live stream: a snapshot, then each new trace with its cursor as event id; resume with Last-Event-ID."""

import json
import threading

import httpx
import pytest

from tests.conftest import EXAMPLES
from tests.integration.test_shared_view import fresh, wait_until

pytestmark = pytest.mark.integration


def read_events(url: str, want: int, headers: dict | None = None, ready: threading.Event | None = None) -> list:
    events, current = [], {}
    with httpx.Client(timeout=15) as client, client.stream("GET", url, headers=headers or {}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line == "":
                if current.get("event"):
                    events.append(current)
                    if current["event"] == "snapshot" and ready is not None:
                        ready.set()
                    if len(events) >= want:
                        return events
                current = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                current[key] = value.strip()
    return events


@pytest.fixture
def server(server_factory):
    return server_factory("--pipelines-dir", str(EXAMPLES), "--with-tracing-dashboard")


def test_snapshot_then_live_traces_with_cursor_ids(server):
    fresh(server.url, "/shout/run", method="POST", json={"text": "old"})
    wait_until(lambda: [t for t in fresh(server.url, "/dashboard/api/traces").json()["traces"] if t["kind"] == "run"])
    ready, result = threading.Event(), []
    reader = threading.Thread(
        target=lambda: result.extend(read_events(server.url + "/dashboard/api/traces/stream", 3, ready=ready))
    )
    reader.start()
    assert ready.wait(10)
    fresh(server.url, "/shout/run", method="POST", json={"text": "new1"})
    fresh(server.url, "/flaky/run", method="POST", json={"text": "new2"})
    reader.join(15)
    snapshot, first, second = result
    assert snapshot["event"] == "snapshot"
    assert any(t["entrypoint"] == "shout" for t in json.loads(snapshot["data"])["traces"])
    assert (first["event"], second["event"]) == ("trace", "trace")
    assert [json.loads(e["data"])["entrypoint"] for e in (first, second)] == ["shout", "flaky"]
    assert first["id"] == json.loads(first["data"])["cursor"]


def test_resume_from_last_event_id_sends_only_what_came_after(server):
    for i in range(3):
        fresh(server.url, "/shout/run", method="POST", json={"text": str(i)})
    traces = wait_until(lambda: len(t := [x for x in fresh(server.url, "/dashboard/api/traces").json()["traces"]
                                           if x["kind"] == "run"]) == 3 and t)
    oldest = traces[-1]["cursor"]
    [snapshot] = read_events(server.url + "/dashboard/api/traces/stream", 1, headers={"Last-Event-ID": oldest})
    resumed = json.loads(snapshot["data"])["traces"]
    assert [t["cursor"] for t in resumed] == [t["cursor"] for t in traces[:2]]


def test_keepalive_comments_come_at_the_configured_interval(server_factory):
    import time

    server = server_factory("--with-tracing-dashboard", env={"HAYHOOKS_DASHBOARD_STREAM_HEARTBEAT_MS": "1500"})
    seen: list[float] = []
    with httpx.Client(timeout=10) as client, client.stream("GET", f"{server.url}/dashboard/api/traces/stream") as r:
        for line in r.iter_lines():
            if line.startswith(":"):
                seen.append(time.monotonic())
                if len(seen) == 2:
                    break
    assert 1.3 <= seen[1] - seen[0] <= 3  # 1.5 s; whole seconds once (1 s)
