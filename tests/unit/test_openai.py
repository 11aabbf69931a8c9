"""OpenAI-compatible chat, driven by the official openai client and by raw SSE reads."""

import json

import openai
import pytest
from opentelemetry.trace import StatusCode

from tests.traces import descendants, one

ASYNC_CHAT = '''
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    async def run_chat_completion_async(self, model, messages, body):
        async def words():
            for word in ["async", " ", "answer"]:
                yield word
        return words()
'''

BROKEN_CHAT = '''
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_chat_completion(self, model, messages, body):
        if body.get("stream"):
            def words():
                yield "partial"
                raise RuntimeError("generator exploded")
            return words()
        raise ValueError("no answer for you")
'''

EVENTFUL_CHAT = '''
from haystack.dataclasses import ReasoningContent, StreamingChunk, ToolCallDelta
from starlette.datastructures import Headers

from hayhooks import BasePipelineWrapper
from hayhooks.events import create_status_event

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_chat_completion(self, model, messages, body, headers: Headers | None = None):
        def items():
            yield create_status_event("Thinking...")
            yield StreamingChunk(content="", reasoning=ReasoningContent(reasoning_text="let me see"), index=0)
            call = ToolCallDelta(index=0, tool_name="weather", arguments="{}", id="c1")
            yield StreamingChunk(content="", tool_calls=[call], index=0, finish_reason="tool_calls")
            yield StreamingChunk(content="", finish_reason="tool_call_results")
            yield StreamingChunk(content=f"for {headers.get('x-user')}", finish_reason="length")
        return items()
'''


@pytest.fixture
def chat_client(make_client, examples_dir, spans):
    client = make_client(examples_dir, tracer_provider=spans.provider)
    for name, source in (("achat", ASYNC_CHAT), ("broken", BROKEN_CHAT), ("eventful", EVENTFUL_CHAT)):
        response = client.post("/deploy_files", json={"name": name, "files": {"pipeline_wrapper.py": source},
                                                       "save_files": False})
        assert response.status_code == 200, response.text
    return client


@pytest.fixture
def oai(chat_client):
    return openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=chat_client, max_retries=0)


def test_models_lists_pipelines_that_chat(oai):
    assert sorted(m.id for m in oai.models.list()) == ["achat", "broken", "chat", "eventful"]


def test_models_without_v1_prefix(chat_client):
    assert {m["id"] for m in chat_client.get("/models").json()["data"]} == {"achat", "broken", "chat", "eventful"}


def test_non_streaming_completion(oai):
    completion = oai.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hello there"}])
    assert completion.choices[0].message.content == "You said: hello there"
    assert completion.choices[0].message.role == "assistant"
    assert completion.object == "chat.completion"


def test_streaming_completion_yields_the_chunks(oai):
    stream = oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "one two"}], stream=True
    )
    parts = [c.choices[0].delta.content or "" for c in stream]
    assert "".join(parts) == "You said: one two"
    assert len([p for p in parts if p]) == 4


def test_async_wrapper_streams_and_answers(oai):
    answer = oai.chat.completions.create(model="achat", messages=[{"role": "user", "content": "x"}])
    assert answer.choices[0].message.content == "async answer"
    streamed = oai.chat.completions.create(model="achat", messages=[{"role": "user", "content": "x"}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == "async answer"


def test_wire_format_is_openai_sse_ending_with_done(chat_client):
    body = {"model": "chat", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with chat_client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line[len("data: "):]) for line in lines[:-1]]
    assert all(e["object"] == "chat.completion.chunk" and e["model"] == "chat" for e in events)
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert events[-1]["choices"][0]["finish_reason"] == "stop"
    assert len({e["id"] for e in events}) == 1


def test_unknown_model_is_404_with_openai_error(oai):
    with pytest.raises(openai.NotFoundError) as info:
        oai.chat.completions.create(model="ghost", messages=[{"role": "user", "content": "x"}])
    assert info.value.body["code"] == "model_not_found"
    assert "ghost" in info.value.body["message"]


def test_pipeline_raising_before_the_stream_is_openai_500(oai):
    with pytest.raises(openai.InternalServerError) as info:
        oai.chat.completions.create(model="broken", messages=[{"role": "user", "content": "x"}])
    assert "no answer for you" in info.value.body["message"]
    assert info.value.body["type"] == "server_error"


def test_raising_mid_stream_ends_with_an_error_event_and_a_failed_trace(chat_client, spans):
    spans.clear()
    body = {"model": "broken", "messages": [{"role": "user", "content": "x"}], "stream": True}
    with chat_client.stream("POST", "/v1/chat/completions", json=body) as response:
        lines = [line for line in response.iter_lines() if line]
    events = [json.loads(line[6:]) for line in lines if line != "data: [DONE]"]
    assert events[1]["choices"][0]["delta"]["content"] == "partial"
    assert "generator exploded" in events[-1]["error"]["message"]
    assert lines[-1] == "data: [DONE]"
    root = one(spans.get_finished_spans(), "hayhooks.openai.run")
    assert root.status.status_code is StatusCode.ERROR


@pytest.mark.parametrize(
    ("body", "field"),
    [({"messages": [{"role": "user", "content": "x"}]}, "model"), ({"model": "chat"}, "messages"),
     ({"model": "chat", "messages": []}, "messages"), ({"model": "chat", "messages": [{"content": "x"}]}, "role")],
)
def test_malformed_body_is_422_naming_the_field(chat_client, body, field):
    response = chat_client.post("/v1/chat/completions", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"][0]["loc"]


def test_streamed_chat_is_one_trace_with_the_haystack_spans_inside(chat_client, spans):
    spans.clear()
    body = {"model": "chat", "messages": [{"role": "user", "content": "a b"}], "stream": True}
    with chat_client.stream("POST", "/v1/chat/completions", json=body) as response:
        list(response.iter_lines())
    finished = spans.get_finished_spans()
    root = one(finished, "hayhooks.openai.run")
    assert root.parent is None
    assert (root.attributes["hayhooks.kind"], root.attributes["hayhooks.pipeline.name"]) == ("openai", "chat")
    assert root.attributes["hayhooks.streaming"] is True
    assert one(finished, "haystack.pipeline.run") in descendants(finished, root)
    assert {s.context.trace_id for s in finished} == {root.context.trace_id}


def test_non_streamed_chat_trace(chat_client, spans):
    spans.clear()
    chat_client.post("/v1/chat/completions", json={"model": "chat", "messages": [{"role": "user", "content": "a"}]})
    root = one(spans.get_finished_spans(), "hayhooks.openai.run")
    assert root.attributes["hayhooks.streaming"] is False
    assert root.attributes["hayhooks.transport"] == "openai"


def stream_data(chat_client, model: str, headers: dict | None = None) -> list:
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": "go"}]}
    response = chat_client.post("/v1/chat/completions", json=body, headers=headers or {})
    lines = [line[len("data: "):] for line in response.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


def test_ui_events_reasoning_and_tool_calls_go_out_as_hayhooks_sends_them(chat_client):
    data = stream_data(chat_client, "eventful", {"x-user": "ada"})
    role, event, reasoning, tool_calls, text, last = data
    assert role["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert event == {"event": {"type": "status", "data": {"description": "Thinking...", "done": False,
                                                          "hidden": False}}}
    assert reasoning["choices"][0]["delta"] == {"content": None, "reasoning_content": "let me see"}
    assert tool_calls["choices"][0]["delta"]["tool_calls"] == [
        {"index": 0, "type": "function", "id": "c1", "function": {"name": "weather", "arguments": "{}"}}]
    assert text["choices"][0]["delta"] == {"content": "for ada"}  # the wrapper asked for the request's headers
    assert last["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "length"}  # the last one reported


def test_haystacks_own_finish_reasons_never_reach_the_client(chat_client):
    reasons = {d["choices"][0]["finish_reason"] for d in stream_data(chat_client, "eventful") if "choices" in d}
    assert reasons == {None, "length"}


def test_a_non_streamed_answer_leaves_the_events_out(oai):
    answer = oai.chat.completions.create(model="eventful", messages=[{"role": "user", "content": "go"}],
                                         extra_headers={"x-user": "bob"})
    assert answer.choices[0].message.content == "for bob"
