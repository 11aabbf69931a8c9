"""Oversized bodies are refused with 413 and JSON with lone surrogates with 422, before any pipeline runs; CORS
is closed unless configured."""

import pytest

JSON = {"content-type": "application/json"}


def test_body_over_the_limit_is_413_before_the_pipeline(client):
    big = {"text": "x" * (10 * 1024 * 1024)}
    response = client.post("/shout/run", json=big)
    assert response.status_code == 413
    assert "HAYHOOKS_MAX_REQUEST_BODY_BYTES" in response.json()["detail"]


def test_chunked_body_over_the_limit_is_413(make_client, examples_dir):
    client = make_client(examples_dir, max_request_body_bytes=2048)

    def chunks():
        yield b'{"text": "'
        for _ in range(10):
            yield b"y" * 1024
        yield b'"}'

    response = client.post("/shout/run", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_body_under_the_limit_is_served(make_client, examples_dir):
    client = make_client(examples_dir, max_request_body_bytes=2048)
    assert client.post("/shout/run", json={"text": "ok"}).json() == {"result": "OK!"}


@pytest.mark.parametrize(("path", "body"), [
    ("/shout/run", rb'{"text": "a\udfff"}'),
    ("/shout/run", rb'{"text": ["\ud800 b"]}'),
    ("/v1/chat/completions", rb'{"model": "chat", "messages": [{"role": "user", "content": "x\uDFFF"}]}'),
    ("/deploy-yaml", rb'{"name": "y\udfff", "source_code": "x"}'),
])
def test_json_with_a_lone_surrogate_is_422_before_any_route(client, path, body):
    response = client.post(path, content=body, headers=JSON)
    assert response.status_code == 422
    assert "lone surrogate" in response.json()["detail"]


def test_a_lone_surrogate_split_across_chunks_is_found(client):
    response = client.post("/shout/run", content=iter([b'{"text": "a\\u', b'dfff"}']), headers=JSON)
    assert response.status_code == 422


@pytest.mark.parametrize(("body", "answer"), [
    (rb'{"text": "a\ud83d\ude00"}', "A\U0001f600!"),  # a surrogate pair: one character
    (rb'{"text": "a\\udfff"}', "A\\UDFFF!"),  # an escaped backslash, then text
])
def test_surrogate_pairs_and_escaped_backslashes_are_served(client, body, answer):
    response = client.post("/shout/run", content=body, headers=JSON)
    assert response.status_code == 200
    assert response.json() == {"result": answer}


def preflight(client, origin: str, method: str = "POST"):
    return client.options("/shout/run", headers={"Origin": origin, "Access-Control-Request-Method": method})


def test_cors_is_closed_by_default(client):
    response = preflight(client, "https://evil.example")
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_only_configured_origins(make_client, examples_dir):
    client = make_client(examples_dir, cors_allow_origins=["https://app.example"])
    ok = preflight(client, "https://app.example")
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    other = preflight(client, "https://evil.example")
    assert "access-control-allow-origin" not in other.headers


def test_cors_takes_hayhooks_finer_settings(make_client, examples_dir):
    client = make_client(examples_dir, cors_allow_origin_regex=r"https://.*\.example\.org", cors_allow_methods=["POST"],
                         cors_allow_credentials=True, cors_max_age=60)
    ok = preflight(client, "https://app.example.org")
    assert ok.headers["access-control-allow-origin"] == "https://app.example.org"
    assert ok.headers["access-control-allow-credentials"] == "true" and ok.headers["access-control-max-age"] == "60"
    assert preflight(client, "https://app.example.org", "DELETE").status_code == 400
    assert "access-control-allow-origin" not in preflight(client, "https://example.com").headers


def test_cors_exposes_the_trace_headers_to_pages(make_client, examples_dir):
    client = make_client(examples_dir, cors_allow_origins=["https://app.example"])
    response = client.post("/shout/run", json={"text": "x"}, headers={"Origin": "https://app.example"})
    assert "x-hayhooks-trace-id" in response.headers["access-control-expose-headers"].lower()
