"""A real ``hayhooks run`` process on a loopback port: one worker (uvicorn) and several (gunicorn)."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import EXAMPLES

pytestmark = pytest.mark.integration


def test_single_worker_serves_the_examples(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES))
    response = httpx.post(f"{server.url}/shout/run", json={"text": "hi"})
    assert response.json() == {"result": "HI!"}
    assert response.headers["x-hayhooks-worker"].endswith(f":{server.process.pid}")


def test_settings_come_from_hayhooks_variables(server_factory, tmp_path):
    server = server_factory(env={"HAYHOOKS_PIPELINES_DIR": str(EXAMPLES), "HAYHOOKS_ROOT_PATH": "/api"})
    assert httpx.get(f"{server.url}/status").json()["pipelines"] == ["chat", "flaky", "greet", "shout"]
    assert httpx.get(f"{server.url}/openapi.json").json()["servers"] == [{"url": "/api"}]


def test_three_workers_each_load_the_pipelines_and_share_the_load(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "3")

    def call(i: int) -> tuple[int, str, dict]:
        with httpx.Client() as client:  # a new connection each time, so the kernel spreads them
            response = client.post(f"{server.url}/shout/run", json={"text": f"n{i}"})
            return response.status_code, response.headers["x-hayhooks-worker"], response.json()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(60)))
    assert all(status == 200 for status, _, _ in results)
    assert all(body == {"result": f"N{i}!"} for i, (_, _, body) in enumerate(results))
    workers = {worker for _, worker, _ in results}
    assert len(workers) >= 2, workers
    assert str(server.process.pid) not in {w.split(":")[1] for w in workers}, "the gunicorn master must not serve"


def test_broken_pipeline_at_start_is_logged_with_file_and_line(server_factory, examples_dir):
    (examples_dir / "broken").mkdir()
    (examples_dir / "broken" / "pipeline_wrapper.py").write_text("x = 1\ndef f(:\n")
    server = server_factory("--pipelines-dir", str(examples_dir))
    assert httpx.post(f"{server.url}/shout/run", json={"text": "ok"}).status_code == 200
    assert "pipeline_wrapper.py:2" in server.log
