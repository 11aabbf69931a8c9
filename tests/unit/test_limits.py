"""Oversized bodies are refused with 413 before any pipeline runs; CORS is closed unless configured."""


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
