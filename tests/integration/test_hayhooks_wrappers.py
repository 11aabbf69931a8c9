"""Wrappers written as Hayhooks users write them, served unchanged, with Haystack's OpenAI components talking to a
fake OpenAI server over real HTTP (tests/fixtures/hayhooks_style, tests/fake_openai.py)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.conftest import FIXTURES
from tests.fake_openai import FakeOpenAI
from tests.servers import Server, start_server

pytestmark = pytest.mark.integration

WRAPPERS = FIXTURES / "hayhooks_style"


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served(llm: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hayhooks_style")
    shutil.copytree(WRAPPERS, folder / "pipelines", ignore=shutil.ignore_patterns("__pycache__", "*.md"))
    server = start_server(folder, "--pipelines-dir", str(folder / "pipelines"),
                          env={**llm.env(), "HAYHOOKS_DASHBOARD_ENABLED": "true"})
    yield server
    server.stop()


def chat_events(server: Server, model: str, text: str) -> list[dict]:
    """The data of every server-sent event of a streamed chat, ``[DONE]`` left out."""
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": text}]}
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", json=body, timeout=30) as response:
        assert response.status_code == 200
        lines = [line[len("data: "):] for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


def content(events: list[dict]) -> str:
    return "".join(e["choices"][0]["delta"].get("content") or "" for e in events if "choices" in e)


def test_every_wrapper_loads(served: Server):
    status = httpx.get(f"{served.url}/status").json()
    assert status["errors"] == {}
    assert sorted(status["pipelines"]) == ["legacy_hybrid", "qa_async", "sse_run", "two_llms", "weather_agent"]


def test_a_yaml_pipeline_answers_a_run(served: Server):
    answer = httpx.post(f"{served.url}/qa_async/run", json={"question": "what is up"}, timeout=30)
    assert answer.json() == {"result": "echo: what is up"}


def test_a_yaml_pipeline_streams_a_chat_to_the_official_client(served: Server):
    client = openai.OpenAI(base_url=f"{served.url}/v1", api_key="unused", max_retries=0)
    stream = client.chat.completions.create(model="qa_async", messages=[{"role": "user", "content": "hi there"}],
                                            stream=True)
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: hi there"
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_every_streaming_component_streams_when_the_wrapper_asks(served: Server):
    assert content(chat_events(served, "two_llms", "hi there")) == "echo: hi there | echo: refine echo: hi there"


def test_an_agents_tool_call_arrives_as_ui_events_around_the_tool_call(served: Server):
    events = chat_events(served, "weather_agent", "weather?")
    custom = [e["event"] for e in events if "event" in e]
    assert [(e["type"], e["data"]["description"], e["data"]["done"]) for e in custom] == [
        ("status", "Calling 'weather' tool...", False),
        ("status", "Called 'weather' tool", True),
    ]
    calls = [e["choices"][0]["delta"]["tool_calls"] for e in events if e.get("choices") and
             e["choices"][0]["delta"].get("tool_calls")]
    assert calls == [[{"index": 0, "type": "function", "id": "call_1",
                       "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}]]
    text = content(events)
    assert "<details type=\"weather\"" in text and "sunny in Paris" in text  # the default end callback's block
    assert text.endswith("result: sunny in Paris")
    assert events[-1]["choices"][0]["finish_reason"] == "stop"


def test_an_agents_stream_is_one_trace_with_the_agents_spans_inside(served: Server):
    chat_events(served, "weather_agent", "trace me")
    traces = httpx.get(f"{served.url}/dashboard/api/traces", params={"entrypoint": "weather_agent"}).json()["traces"]
    names = []

    def walk(span: dict) -> None:
        names.append(span["name"])
        for child in span["children"]:
            walk(child)

    walk(traces[0]["root_span"])
    assert names[0] == "hayhooks.openai.run" and traces[0]["status"] == "ok"
    assert names[1] == "haystack.agent.run"
    assert names.count("haystack.agent.step.llm") == 2 and names.count("haystack.agent.step.tool") == 1


def test_a_sync_only_streaming_component_streams_through_the_async_helper(served: Server):
    assert content(chat_events(served, "legacy_hybrid", "hi there")) == "you said hi there "


def test_a_run_that_returns_an_sse_stream_is_answered_as_server_sent_events(served: Server):
    with httpx.stream("POST", f"{served.url}/sse_run/run", json={"query": "sse words"}, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        data = [line[len("data:"):] for line in response.iter_lines() if line.startswith("data:")]
    assert "".join(d[1:] if d.startswith(" ") else d for d in data) == "echo: sse words"  # one space is the field's
