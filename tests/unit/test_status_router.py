def test_status_lists_deployed_pipelines(client):
    body = client.get("/status").json()
    assert (body["status"], body["pipelines"], body["errors"]) == ("Up!", ["chat", "flaky", "greet", "shout"], {})


def test_status_of_one_pipeline(client):
    assert client.get("/status/shout").json() == {"status": "Up!", "pipeline": "shout"}


def test_status_of_unknown_pipeline_is_404(client):
    response = client.get("/status/ghost")
    assert (response.status_code, response.json()["detail"]) == (404, "Pipeline 'ghost' not found")


def test_broken_pipeline_in_dir_is_reported_and_others_still_load(make_client, examples_dir):
    (examples_dir / "broken").mkdir()
    (examples_dir / "broken" / "pipeline_wrapper.py").write_text("import os\nraise ValueError('bad config')\n")
    status = make_client(examples_dir).get("/status").json()
    assert "shout" in status["pipelines"]
    assert "pipeline_wrapper.py:2" in status["errors"]["broken"]
    assert "ValueError: bad config" in status["errors"]["broken"]


def test_every_response_names_the_worker(client):
    import os
    import socket

    expected = f"{socket.gethostname()}:{os.getpid()}"
    assert client.get("/status").headers["x-hayhooks-worker"] == expected
    assert client.post("/nope/run", json={}).headers["x-hayhooks-worker"] == expected


def test_status_describes_each_deployment_as_hayhooks_2_does(client):
    body = client.get("/status").json()
    assert body["durable_mode"] is False
    summaries = {d["name"]: d for d in body["deployments"]}
    assert list(summaries) == body["pipelines"]
    assert summaries["shout"]["capabilities"] == ["run_api", "mcp_eligible"]
    assert {"run_api", "chat_completion"} <= set(summaries["chat"]["capabilities"])
    assert (summaries["shout"]["type"], summaries["shout"]["execution_mode"], summaries["shout"]["state"]) == (
        "pipeline", "request-bound", "Loaded")
