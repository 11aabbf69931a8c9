"""OpenAI's Responses API and file uploads, driven by the official openai client."""

import io
import json

import openai
import pytest

from tests.conftest import deploy_wrapper, openai_client
from tests.traces import one

RESPONDER = '''
from hayhooks import BasePipelineWrapper, get_input_files, get_last_user_input_text
from hayhooks.events import create_status_event

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None
        self.files = {}

    def run_response(self, model, input_items, body):
        question = get_last_user_input_text(input_items)
        files = [part["file_id"] for part in get_input_files(input_items)]
        if question == "fail":
            raise ValueError("cannot answer that")
        if not body.get("stream"):
            return f"answer to {question} with {files}"

        def words():
            yield create_status_event("chat streams only")
            for word in ["streamed", " answer", " to ", question]:
                if word == "explode":
                    raise RuntimeError("mid-stream failure")
                yield word
        return words()

    def run_file_upload(self, filename, content_type, content, purpose):
        self.files[filename] = content
        return {"id": "file-kept", "object": "file", "bytes": len(content), "created_at": 1,
                "filename": filename, "purpose": purpose}
'''


@pytest.fixture
def responses_client(make_client, spans):
    return deploy_wrapper(make_client(tracer_provider=spans.provider), "responder", RESPONDER)


@pytest.fixture
def oai(responses_client):
    return openai_client(responses_client)


def test_a_response_is_one_assistant_message(oai):
    answer = oai.responses.create(model="responder", input="hello")
    assert answer.status == "completed" and answer.model == "responder"
    assert answer.output_text == "answer to hello with []"


def test_input_items_reach_the_wrapper_as_sent(oai):
    items = [{"role": "user", "content": [{"type": "input_text", "text": "this file"},
                                          {"type": "input_file", "file_id": "file-1"}]}]
    assert oai.responses.create(model="responder", input=items).output_text == "answer to this file with ['file-1']"


def test_a_streamed_response_is_the_responses_event_stream(oai):
    events = [e for e in oai.responses.create(model="responder", input="you", stream=True) if e.type != "status"]
    kinds = [event.type for event in events]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert kinds[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "streamed answer to you"
    assert events[-1].response.output_text == "streamed answer to you"
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_a_stream_failing_midway_ends_with_response_failed_and_a_failed_trace(oai, spans):
    events = list(oai.responses.create(model="responder", input="explode", stream=True))
    assert events[-1].type == "response.failed" and "mid-stream failure" in events[-1].response.error.message
    assert one(spans.get_finished_spans(), "hayhooks.openai.run").status.status_code.name == "ERROR"


def test_a_failing_response_is_an_openai_500(oai):
    with pytest.raises(openai.InternalServerError, match="cannot answer that"):
        oai.responses.create(model="responder", input="fail")


def test_an_unknown_model_is_404_and_a_chat_only_one_400(oai, responses_client):
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        oai.responses.create(model="nope", input="x")
    chat_only = '''
from hayhooks import BasePipelineWrapper
class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None
    def run_chat_completion(self, model, messages, body):
        return "chat"
'''
    deploy_wrapper(responses_client, "chatter", chat_only)
    with pytest.raises(openai.BadRequestError, match="does not implement run_response"):
        oai.responses.create(model="chatter", input="x")


def test_a_responses_only_pipeline_is_listed_as_a_model(oai):
    assert [model.id for model in oai.models.list()] == ["responder"]


def test_a_response_is_a_trace_of_kind_openai(oai, spans):
    oai.responses.create(model="responder", input="trace")
    span = one(spans.get_finished_spans(), "hayhooks.openai.run")
    assert span.attributes["hayhooks.kind"] == "openai" and span.attributes["hayhooks.pipeline.name"] == "responder"


def test_an_uploaded_file_is_handed_to_run_file_upload(oai, responses_client):
    uploaded = oai.files.create(file=("notes.txt", io.BytesIO(b"twelve bytes"), "text/plain"), purpose="assistants")
    assert (uploaded.id, uploaded.bytes, uploaded.filename) == ("file-kept", 12, "notes.txt")
    wrapper = responses_client.app.state.registry.get("responder").wrapper
    assert wrapper.files == {"notes.txt": b"twelve bytes"}


def test_an_upload_nobody_keeps_is_answered_but_not_kept(make_client):
    client = openai_client(make_client())
    uploaded = client.files.create(file=("a.txt", io.BytesIO(b"abc"), "text/plain"), purpose="assistants")
    assert uploaded.id.startswith("file-") and uploaded.bytes == 3


TOOL_CALLER = '''
from haystack.dataclasses import StreamingChunk, ToolCallDelta
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_response(self, model, input_items, body):
        def chunks():
            yield StreamingChunk(content="", index=0, tool_calls=[
                ToolCallDelta(index=0, id="call_a", tool_name="exec_command", arguments='{"cmd": ')])
            yield StreamingChunk(content="", index=0, tool_calls=[ToolCallDelta(index=0, arguments='"ls"}')])
            yield StreamingChunk(content="", index=1, tool_calls=[
                ToolCallDelta(index=1, id="call_b", tool_name="read_file", arguments='{}')])
            if input_items[-1].get("content") == "with text":
                yield "running them"
        return chunks()
'''


@pytest.fixture
def tool_oai(make_client):
    return openai_client(deploy_wrapper(make_client(), "codex", TOOL_CALLER))


def test_tool_calls_become_function_call_items_for_the_client_to_run(tool_oai):
    answer = tool_oai.responses.create(model="codex", input="with text")
    first, second, message = answer.output
    assert (first.type, first.call_id, first.name, first.arguments) == (
        "function_call", "call_a", "exec_command", '{"cmd": "ls"}')
    assert (second.call_id, second.name, second.arguments) == ("call_b", "read_file", "{}")
    assert message.type == "message" and answer.output_text == "running them"


def test_streamed_tool_calls_come_as_function_call_items_with_their_arguments_in_pieces(tool_oai):
    events = list(tool_oai.responses.create(model="codex", input="only calls", stream=True))
    added = [e.item for e in events if e.type == "response.output_item.added"]
    assert [(item.type, item.name) for item in added] == [("function_call", "exec_command"),
                                                          ("function_call", "read_file")]
    pieces = [e.delta for e in events if e.type == "response.function_call_arguments.delta" and e.output_index == 0]
    assert pieces == ['{"cmd": ', '"ls"}']
    done = [e.arguments for e in events if e.type == "response.function_call_arguments.done"]
    assert done == ['{"cmd": "ls"}', "{}"]
    final = events[-1].response
    assert [item.type for item in final.output] == ["function_call", "function_call"]


def test_an_empty_answer_is_one_empty_message(make_client):
    source = RESPONDER.replace('return f"answer to {question} with {files}"', 'return ""')
    oai = openai_client(deploy_wrapper(make_client(), "quiet", source))
    answer = oai.responses.create(model="quiet", input="anything")
    assert [item.type for item in answer.output] == ["message"] and answer.output_text == ""


THINKER = '''
from haystack.dataclasses import ReasoningContent, StreamingChunk
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_response(self, model, input_items, body):
        def chunks():
            for piece in ["Weighing ", "the options."]:
                yield StreamingChunk(content="", index=0, reasoning=ReasoningContent(reasoning_text=piece))
            yield "Take "
            yield "the train."
        return chunks()
'''


@pytest.fixture
def thinker(make_client):
    return openai_client(deploy_wrapper(make_client(), "thinker", THINKER))


def test_reasoning_comes_before_the_answer_as_a_reasoning_item(thinker):
    answer = thinker.responses.create(model="thinker", input="how do I get there?")
    reasoning, message = answer.output
    assert reasoning.type == "reasoning" and reasoning.summary[0].text == "Weighing the options."
    assert message.type == "message" and answer.output_text == "Take the train."


def test_streamed_reasoning_is_a_reasoning_summary_then_the_text(thinker):
    events = list(thinker.responses.create(model="thinker", input="how?", stream=True))
    kinds = [e.type for e in events]
    assert kinds.index("response.reasoning_summary_text.done") < kinds.index("response.output_text.delta")
    assert "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta") == (
        "Weighing the options.")
    assert [(e.output_index, e.item.type) for e in events if e.type == "response.output_item.added"] == [
        (0, "reasoning"), (1, "message")]
    assert [item.type for item in events[-1].response.output] == ["reasoning", "message"]


def test_a_ui_event_in_a_streamed_response_is_an_event_of_its_own_type(responses_client):
    body = {"model": "responder", "input": "you", "stream": True}
    lines = responses_client.post("/v1/responses", json=body).text.splitlines()
    at = lines.index("event: status")
    assert json.loads(lines[at + 1][len("data: "):]) == {
        "type": "status", "data": {"description": "chat streams only", "done": False, "hidden": False}}


BODY_READER = '''
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_response(self, model, input_items, body):
        return f"{body['instructions'] or 'default'}|{body['temperature']}|{body['tools']}|{body['store']}"
'''


def test_the_body_has_every_responses_field_as_hayhooks_hands_it_over(make_client, spans):
    oai = openai_client(deploy_wrapper(make_client(tracer_provider=spans.provider), "reader", BODY_READER))
    assert oai.responses.create(model="reader", input="hi").output_text == "default|None|None|None"
    answer = oai.responses.create(model="reader", input="hi", instructions="be brief", temperature=0.2)
    assert answer.output_text == "be brief|0.2|None|None"


def test_an_uploaded_file_is_processed_as_the_openai_client_expects(oai):
    uploaded = oai.files.create(file=("a.txt", io.BytesIO(b"text")), purpose="user_data")
    assert uploaded.status == "processed"
