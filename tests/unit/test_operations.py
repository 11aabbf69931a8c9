"""Every operation is one trace whose root is its operation span, with Haystack's spans inside."""

import contextlib

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from tests.traces import children, descendants, named, one, operations

WORDS = """
from collections.abc import Generator
from haystack import Pipeline, component
from hayhooks import BasePipelineWrapper, streaming_generator
from haystack.dataclasses import StreamingChunk

@component
class Words:
    @component.output_types(replies=list[str])
    def run(self, text: str, streaming_callback=None) -> dict:
        for word in text.split():
            if word == "boom":
                raise RuntimeError("exploded mid-stream")
            if streaming_callback:
                streaming_callback(StreamingChunk(content=word + " "))
        return {"replies": [text]}

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = Pipeline()
        self.pipeline.add_component("words", Words())

    def run_api(self, text: str) -> Generator:
        return streaming_generator(self.pipeline, pipeline_run_args={"words": {"text": text}})
"""


def test_run_is_one_trace_rooted_at_the_operation_span(traced, spans):
    spans.clear()
    assert traced.post("/shout/run", json={"text": "hi"}).status_code == 200
    finished = spans.get_finished_spans()
    root = one(finished, "hayhooks.pipeline.run")
    assert root.parent is None
    assert root.kind is SpanKind.SERVER
    assert {s.context.trace_id for s in finished} == {root.context.trace_id}
    assert root.attributes["hayhooks.kind"] == "run"
    assert root.attributes["hayhooks.pipeline.name"] == "shout"
    assert root.attributes["hayhooks.transport"] == "rest"
    assert root.attributes["hayhooks.streaming"] is False
    assert root.status.status_code is StatusCode.OK


def test_a_deploy_that_succeeds_is_an_ok_trace(traced, spans):
    spans.clear()
    body = {"name": "again", "files": {"pipeline_wrapper.py": WORDS}, "save_files": False}
    assert traced.post("/deploy_files", json=body).status_code == 200
    assert one(spans.get_finished_spans(), "hayhooks.pipeline.deploy").status.status_code is StatusCode.OK


def test_haystack_pipeline_and_component_spans_nest_under_the_operation(traced, spans):
    spans.clear()
    traced.post("/shout/run", json={"text": "hi"})
    finished = spans.get_finished_spans()
    root = one(finished, "hayhooks.pipeline.run")
    pipeline_span = one(finished, "haystack.pipeline.run")
    assert pipeline_span in descendants(finished, root)
    components = children(finished, pipeline_span)
    assert sorted(s.attributes["haystack.component.name"] for s in components) == ["exclaim", "upper"]
    assert {s.attributes["haystack.component.type"] for s in components} == {"Upper", "Exclaim"}


def test_operation_span_carries_the_http_attributes(traced, spans):
    spans.clear()
    traced.post("/shout/run", json={"text": "hi"})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert root.attributes["http.request.method"] == "POST"
    assert root.attributes["http.route"] == "/{name}/run"
    assert root.attributes["url.path"] == "/shout/run"
    assert root.attributes["http.response.status_code"] == 200


def test_send_and_receive_spans_are_left_out_by_default(traced, spans):
    spans.clear()
    traced.post("/shout/run", json={"text": "hi"})
    assert not [s for s in spans.get_finished_spans() if s.name.endswith(("http send", "http receive"))]


def test_send_and_receive_spans_appear_under_the_operation_when_not_excluded(make_client, examples_dir, spans):
    client = make_client(examples_dir, tracer_provider=spans.provider, tracing_excluded_spans=[])
    spans.clear()
    client.post("/shout/run", json={"text": "hi"})
    finished = spans.get_finished_spans()
    root = one(finished, "hayhooks.pipeline.run")
    names = [s.name for s in children(finished, root)]
    assert "POST /{name}/run http send" in names and "POST /{name}/run http receive" in names


def test_only_send_spans_when_receive_is_excluded(make_client, examples_dir, spans):
    client = make_client(examples_dir, tracer_provider=spans.provider, tracing_excluded_spans=["receive"])
    spans.clear()
    client.post("/shout/run", json={"text": "hi"})
    names = {s.name for s in spans.get_finished_spans()}
    assert "POST /{name}/run http send" in names and "POST /{name}/run http receive" not in names


def test_fastapi_native_telemetry_does_not_add_spans_above_the_operation(make_client, examples_dir, spans):
    from opentelemetry import trace as otel_trace

    client = make_client(examples_dir, tracer_provider=spans.provider)
    # Even with a global provider, where FastAPI's own telemetry would trace, the operation stays the root.
    previous = otel_trace._TRACER_PROVIDER
    otel_trace._TRACER_PROVIDER = spans.provider
    try:
        spans.clear()
        client.post("/shout/run", json={"text": "hi"})
    finally:
        otel_trace._TRACER_PROVIDER = previous
    finished = spans.get_finished_spans()
    assert [s.name for s in finished if s.parent is None] == ["hayhooks.pipeline.run"]
    assert not [s for s in finished if s.name.startswith("fastapi.")]


def test_incoming_traceparent_is_continued(traced, spans):
    spans.clear()
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    traced.post("/shout/run", json={"text": "hi"}, headers={"traceparent": parent})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert format(root.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    assert root.parent is not None and root.parent.is_remote


def test_pipeline_failure_marks_the_trace_failed_with_type_message_and_stack(traced, spans):
    spans.clear()
    assert traced.post("/flaky/run", json={"text": "fail please"}).status_code == 500
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert root.status.status_code is StatusCode.ERROR
    event = next(e for e in root.events if e.name == "exception")
    assert event.attributes["exception.type"].endswith("PipelineRuntimeError")
    assert "asks to fail" in event.attributes["exception.message"]
    assert "Traceback" in event.attributes["exception.stacktrace"]


def test_validation_rejection_is_a_failed_trace_naming_the_field(traced, spans):
    spans.clear()
    assert traced.post("/shout/run", json={"wrong": 1}).status_code == 422
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert root.status.status_code is StatusCode.ERROR
    assert "body.text" in root.status.description
    assert root.attributes["http.response.status_code"] == 422


@pytest.mark.parametrize("body", [
    {"api_key": "sk-LEAK-1", "config": {"password": "PW-LEAK-2"}},  # a field missing
    {"text": ["sk-LEAK-1", "PW-LEAK-2"]},  # a field of the wrong type
])
def test_a_rejected_request_s_values_appear_nowhere_in_its_trace(traced, spans, body):
    spans.clear()
    assert traced.post("/shout/run", json=body).status_code == 422
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    event = next(e for e in root.events if e.name == "exception")
    recorded = [root.status.description, *map(str, root.attributes.values()), *map(str, event.attributes.values())]
    assert "body.text" in event.attributes["exception.message"]
    assert "RequestValidationError" in event.attributes["exception.stacktrace"]
    assert not [text for text in recorded if "LEAK" in text]


def test_unknown_pipeline_is_a_failed_run_trace(traced, spans):
    spans.clear()
    traced.post("/ghost/run", json={})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert root.attributes["hayhooks.pipeline.name"] == "ghost"
    assert root.status.status_code is StatusCode.ERROR
    event = next(e for e in root.events if e.name == "exception")
    assert event.attributes["exception.message"] == "Pipeline 'ghost' not found"


def test_streamed_run_keeps_its_span_open_until_the_last_chunk(make_client, spans):
    client = make_client(tracer_provider=spans.provider)
    client.post("/deploy_files", json={"name": "words", "files": {"pipeline_wrapper.py": WORDS}, "save_files": False})
    spans.clear()
    response = client.post("/words/run", json={"text": "a b c"})
    assert response.text == "a b c "
    finished = spans.get_finished_spans()
    root = one(finished, "hayhooks.pipeline.run")
    component = one(finished, "haystack.component.run")
    assert root.attributes["hayhooks.streaming"] is True
    assert component in descendants(finished, root)
    assert root.end_time >= component.end_time


def test_failure_mid_stream_marks_the_streamed_trace_failed(make_client, spans):
    client = make_client(tracer_provider=spans.provider)
    client.post("/deploy_files", json={"name": "words", "files": {"pipeline_wrapper.py": WORDS}, "save_files": False})
    spans.clear()
    with contextlib.suppress(Exception):  # the test client may raise the stream's failure, as a proxy would cut it
        client.post("/words/run", json={"text": "a boom"})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert root.status.status_code is StatusCode.ERROR
    assert "exploded mid-stream" in root.status.description


def test_deploy_and_undeploy_over_http_are_traces_with_the_pipeline_name(make_client, spans, examples_dir):
    client = make_client(tracer_provider=spans.provider)
    source = (examples_dir / "shout" / "pipeline_wrapper.py").read_text()
    spans.clear()
    client.post("/deploy_files", json={"name": "loud", "files": {"pipeline_wrapper.py": source}, "save_files": False})
    client.post("/undeploy/loud")
    ops = operations(spans.get_finished_spans())
    assert [(s.name, s.attributes["hayhooks.kind"], s.attributes["hayhooks.pipeline.name"]) for s in ops] == [
        ("hayhooks.pipeline.deploy", "deploy", "loud"),
        ("hayhooks.pipeline.undeploy", "undeploy", "loud"),
    ]
    assert all(s.parent is None for s in ops)


def test_deploys_at_start_are_traces_too(make_client, examples_dir, spans):
    make_client(examples_dir, tracer_provider=spans.provider)
    deploys = named(spans.get_finished_spans(), "hayhooks.pipeline.deploy")
    assert sorted(s.attributes["hayhooks.pipeline.name"] for s in deploys) == ["chat", "flaky", "greet", "shout"]
    assert {s.attributes["hayhooks.transport"] for s in deploys} == {"startup"}


def test_status_and_docs_are_not_traced(traced, spans):
    spans.clear()
    traced.get("/status")
    traced.get("/openapi.json")
    assert spans.get_finished_spans() == ()


def test_payload_shapes_are_recorded_not_values(traced, spans):
    spans.clear()
    traced.post("/greet/run", json={"name": "Alexandra", "place": "Rome"})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert root.attributes["hayhooks.payload.values"] == "name=str(9), place=str(4)"
    assert not any("Alexandra" in str(v) for s in spans.get_finished_spans() for v in s.attributes.values())


def test_raw_payload_values_when_asked_with_secrets_still_redacted(make_client, examples_dir, spans):
    client = make_client(examples_dir, tracer_provider=spans.provider, dashboard_trace_include_payload_values=True)
    spans.clear()
    client.post("/greet/run", json={"name": "Alexandra", "place": "Rome"})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert root.attributes["hayhooks.payload.values"] == 'name="Alexandra", place="Rome"'


def test_log_lines_carry_the_trace_and_span_ids(capsys, traced, spans):
    spans.clear()
    traced.post("/flaky/run", json={"text": "fail"})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "Pipeline 'flaky' failed" in line)
    assert f"trace_id={root.context.trace_id:032x}" in line


def test_response_names_its_trace(traced, spans):
    spans.clear()
    response = traced.post("/shout/run", json={"text": "hi"})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    assert response.headers["x-hayhooks-trace-id"] == format(root.context.trace_id, "032x")


def test_operation_is_recording_only_inside_an_operation():
    from opentelemetry.sdk.trace import TracerProvider

    from hayhooks.tracing import operations as ops

    tracer = TracerProvider().get_tracer("test")
    assert not ops.recording()
    with ops.operation(tracer, "run", "p", "rest"):
        assert ops.recording()
    assert not ops.recording()


STDLIB_LOGGING = """
import logging
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        pass

    def run_api(self, text: str) -> str:
        logging.getLogger("haystack.mine").warning("stdlib line %s", text)
        return text
"""


def test_standard_library_log_lines_carry_the_trace_and_span_ids_too(capsys, make_client, spans, monkeypatch):
    import logging

    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as in a server: pytest's capture handler is not there
    client = make_client(tracer_provider=spans.provider)
    client.post("/deploy_files", json={"name": "logs", "files": {"pipeline_wrapper.py": STDLIB_LOGGING},
                                       "save_files": False})
    spans.clear()
    client.post("/logs/run", json={"text": "from-a-wrapper"})
    root = one(spans.get_finished_spans(), "hayhooks.pipeline.run")
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "stdlib line from-a-wrapper" in line)
    assert f"trace_id={root.context.trace_id:032x}" in line


def _answer_with(*messages):
    async def app(scope, receive, send):
        for message in messages:
            await send(message)

    return app


@pytest.mark.parametrize(("messages", "failed"), [
    ([{"type": "http.response.start", "status": 200}, {"type": "http.response.body", "body": b"x"}], False),
    ([{"type": "http.response.start", "status": 200}, {"type": "http.response.pathsend", "path": "/f"}], False),
    ([{"type": "http.response.start", "status": 200},
      {"type": "http.response.body", "body": b"x", "more_body": True}], True),
    ([], True),
], ids=["complete", "sent as a file", "cut short", "never answered"])
def test_an_answer_left_unfinished_without_an_error_is_a_client_that_went_away(spans, messages, failed):
    import asyncio

    from hayhooks.tracing.operations import OperationMiddleware

    middleware = OperationMiddleware(_answer_with(*messages), spans.provider.get_tracer("t"),
                                     excluded_spans=frozenset({"send", "receive"}))
    scope = {"type": "http", "method": "POST", "path": "/p/run", "headers": []}

    async def ignore(message):
        return None

    spans.clear()
    asyncio.run(middleware(scope, ignore, ignore))
    [root] = spans.get_finished_spans()
    assert (root.status.status_code is StatusCode.ERROR) is failed
    if failed:
        assert root.events[0].attributes["exception.type"].endswith("ClientDisconnected")
