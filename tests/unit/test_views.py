"""The API's view of stored records: a running operation of a worker that is gone is shown as lost."""

import orjson
import pytest

from hayhooks.dashboard.record import Limits
from hayhooks.dashboard.views import TraceViews

STARTED_MS = 1_000_000  # the operation's start (its root span started at 1 000 000 000 000 ns)


def running_on(worker: str) -> bytes:
    root = [0xA, 0, "hayhooks.pipeline.run", STARTED_MS * 1_000_000, None, {"hayhooks.kind": "run"}, 0, None, None]
    return orjson.dumps({"cursor": "1-0", "trace_id": "ab" * 16, "entrypoint": "slow", "kind": "run",
                         "status": "running", "running": True, "worker": worker, "spans": [root]})


def view(live: tuple[frozenset[str], float] | None, payload: bytes) -> dict:
    views = TraceViews(Limits())
    views.live_workers = live
    return orjson.loads(views.record(payload))


@pytest.mark.parametrize("live", [
    None,  # not known (no shared store, or not read yet)
    (frozenset({"h:1", "h:2"}), STARTED_MS + 60_000),  # the worker is alive
    (frozenset({"h:1"}), STARTED_MS + 500),  # read just after the operation started: its worker may be new
])
def test_a_running_operation_is_running_unless_its_worker_is_known_to_be_gone(live):
    record = view(live, running_on("h:2"))
    assert (record["running"], record["status"], record["root_span"]["running"]) == (True, "running", True)


def test_a_running_operation_of_a_worker_that_is_gone_is_shown_as_lost():
    record = view((frozenset({"h:1"}), STARTED_MS + 60_000), running_on("h:9"))
    assert (record["running"], record["status"], record["root_span"]["running"]) == (False, "error", False)
    assert record["error"]["type"] == "WorkerLost" and "h:9" in record["error"]["message"]
