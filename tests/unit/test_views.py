"""The API's view of stored records: a running operation of a worker that is gone is shown as lost."""

import orjson
import pytest

from hayhooks.dashboard.record import Limits
from hayhooks.dashboard.views import TraceViews


def running_on(worker: str) -> bytes:
    root = [0xA, 0, "hayhooks.pipeline.run", 1_000_000_000, None, {"hayhooks.kind": "run"}, 0, None, None]
    return orjson.dumps({"cursor": "1-0", "trace_id": "ab" * 16, "entrypoint": "slow", "kind": "run",
                         "status": "running", "running": True, "worker": worker, "spans": [root]})


@pytest.mark.parametrize("live", [None, frozenset({"h:1", "h:2"})])
def test_a_running_operation_of_a_live_or_unknown_worker_is_running(live):
    views = TraceViews(Limits())
    views.live_workers = live
    record = orjson.loads(views.record(running_on("h:2")))
    assert (record["running"], record["status"], record["root_span"]["running"]) == (True, "running", True)


def test_a_running_operation_of_a_worker_that_is_gone_is_shown_as_lost():
    views = TraceViews(Limits())
    views.live_workers = frozenset({"h:1"})
    record = orjson.loads(views.record(running_on("h:9")))
    assert (record["running"], record["status"], record["root_span"]["running"]) == (False, "error", False)
    assert record["error"]["type"] == "WorkerLost" and "h:9" in record["error"]["message"]
