"""A wrapper's own spans through Hayhooks' trace_operation: inside the operation, with outcome tags."""

import pytest

from tests.conftest import deploy_wrapper
from tests.traces import one

TRACED = '''
from fastapi import HTTPException
from hayhooks import BasePipelineWrapper
from hayhooks.server.tracing import build_trace_tags, get_trace_log_context, trace_operation

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> dict:
        with trace_operation("classifier.resolve", tags=build_trace_tags({"classifier.input": text}, skipped=None)):
            ids = get_trace_log_context()
            with trace_operation("classifier.call"):
                if text == "refuse":
                    raise HTTPException(status_code=400, detail="refused")
        return ids
'''


@pytest.fixture
def traced_client(make_client, spans):
    return deploy_wrapper(make_client(tracer_provider=spans.provider), "classify", TRACED)


def test_a_wrappers_spans_nest_inside_the_operation_with_their_tags(traced_client, spans):
    ids = traced_client.post("/classify/run", json={"text": "hi"}).json()["result"]
    finished = spans.get_finished_spans()
    operation, resolve, call = (one(finished, name) for name in
                                ("hayhooks.pipeline.run", "classifier.resolve", "classifier.call"))
    assert resolve.parent.span_id == operation.context.span_id and call.parent.span_id == resolve.context.span_id
    assert resolve.attributes["classifier.input"] == "hi" and "skipped" not in resolve.attributes
    assert resolve.attributes["hayhooks.success"] is True and resolve.attributes["hayhooks.elapsed_ms"] >= 0
    assert ids == {"trace_id": format(resolve.context.trace_id, "032x"),
                   "span_id": format(resolve.context.span_id, "016x")}


def test_a_failing_block_is_tagged_with_the_error_and_raised_on(traced_client, spans):
    response = traced_client.post("/classify/run", json={"text": "refuse"})
    assert response.status_code == 400
    call = one(spans.get_finished_spans(), "classifier.call")
    assert call.attributes["hayhooks.success"] is False
    assert call.attributes["hayhooks.error.type"] == "HTTPException"
    assert call.attributes["hayhooks.http.status_code"] == 400
    assert call.status.status_code.name == "ERROR"
