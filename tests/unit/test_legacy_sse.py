"""What legacy MCP SSE answers on a server of several workers, before any session reaches another worker."""

import uuid

import pytest

from hayhooks.mcp.sse_relay import pack_message, unpack_message
from tests.servers import free_port

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


@pytest.fixture
def workers(make_client):
    """An in-process app configured as one of two workers (``redis_url``: what they would share)."""

    def make(redis_url: str | None = None):
        return make_client(mcp_mount=True, workers=2, port=free_port(), redis_url=redis_url)

    return make


def post_message(client, session_id: str, body: object = INIT):
    return client.post(f"/messages/?session_id={session_id}", json=body)


def test_sse_is_refused_with_several_workers_and_no_redis(workers):
    answer = workers().get("/sse")
    assert answer.status_code == 503
    assert "/mcp" in answer.json()["detail"] and "HAYHOOKS_REDIS_URL" in answer.json()["detail"]


def test_message_that_cannot_be_relayed_says_the_relay_is_unavailable(workers):
    answer = post_message(workers(f"redis://127.0.0.1:{free_port()}/0"), uuid.uuid4().hex)
    assert answer.status_code == 503
    assert "relay unavailable" in answer.json()["detail"] and "/mcp" in answer.json()["detail"]


def test_malformed_session_id_is_answered_by_the_sdk(workers):
    answer = post_message(workers(f"redis://127.0.0.1:{free_port()}/0"), "not-a-session")
    assert (answer.status_code, answer.text) == (400, "Invalid session ID")


def test_a_message_keeps_its_posts_trace_headers_through_the_relay():
    headers = [(b"traceparent", b"00-" + b"a" * 32 + b"-" + b"b" * 16 + b"-01"), (b"tracestate", b"k=v")]
    assert unpack_message(pack_message(b'{"jsonrpc": "2.0"}', headers)) == (b'{"jsonrpc": "2.0"}', headers)
    assert unpack_message(pack_message(b"{}", [])) == (b"{}", [])  # a bare body, as an older worker sends it
