"""A stream that stops early is a failed trace that still holds every span of the pipeline run it started."""

import time

import httpx
import pytest

from tests.conftest import FIXTURES

pytestmark = [pytest.mark.integration, pytest.mark.slow]
WORDS = "one two three four five six seven eight"


@pytest.fixture
def drip(server_factory, tmp_path):
    (tmp_path / "pipes").mkdir()
    (tmp_path / "pipes" / "drip").symlink_to(FIXTURES / "drip")
    return server_factory("--pipelines-dir", str(tmp_path / "pipes"), "--with-tracing-dashboard")


def finished_trace(url: str, kind: str) -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        traces = httpx.get(f"{url}/dashboard/api/traces").json()["traces"]
        done = [t for t in traces if t["kind"] == kind and not t["running"]]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no finished {kind} trace")


def span_names(span: dict) -> list[str]:
    return [span["name"], *(name for child in span["children"] for name in span_names(child))]


def test_a_chat_stream_the_client_leaves_is_a_failed_trace_with_the_whole_run(drip):
    body = {"model": "drip", "messages": [{"role": "user", "content": WORDS}], "stream": True}
    with httpx.stream("POST", f"{drip.url}/v1/chat/completions", json=body, timeout=10) as response:
        next(response.iter_lines())  # the first word came: leave

    trace = finished_trace(drip.url, "openai")

    assert trace["status"] == "error"
    assert trace["error"]["type"].endswith("ClientDisconnected")
    names = span_names(trace["root_span"])
    assert "haystack.pipeline.run" in names and "haystack.component.run" in names
    assert trace["duration_ms"] > 8 * 300 * 0.9  # it ended with the run, which went on after the client left


def test_a_run_stream_that_fails_midway_keeps_the_spans_of_its_run(drip):
    received = ""
    with (pytest.raises(httpx.RemoteProtocolError),  # the server cuts the answer off: the client sees it unfinished
          httpx.stream("POST", f"{drip.url}/drip/run", json={"text": WORDS, "fail_after": 2}, timeout=10) as response):
        for text in response.iter_text():
            received += text
    assert received == "one two "

    trace = finished_trace(drip.url, "run")

    assert (trace["status"], trace["error"]["type"]) == ("error", "RuntimeError")
    assert "haystack.pipeline.run" in span_names(trace["root_span"])


def test_a_stream_read_to_its_end_is_a_success(drip):
    body = {"model": "drip", "messages": [{"role": "user", "content": "a b"}], "stream": True}
    with httpx.stream("POST", f"{drip.url}/v1/chat/completions", json=body, timeout=10) as response:
        assert "[DONE]" in response.read().decode()

    trace = finished_trace(drip.url, "openai")

    assert (trace["status"], trace["error"]) == ("ok", None)
    assert "haystack.pipeline.run" in span_names(trace["root_span"])
