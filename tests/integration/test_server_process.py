"""A real ``hayhooks run`` process on a loopback port: one worker (uvicorn) and several (gunicorn)."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from hayhooks.server.affinity import usable_cpus
from tests.conftest import EXAMPLES
from tests.servers import hayhooks_command, worker_pids

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


def test_a_variable_no_setting_reads_is_named_in_a_warning_at_start(server_factory):
    server = server_factory(env={"HAYHOOKS_CHAINLIT_ENABLED": "true"})
    assert httpx.get(f"{server.url}/status").status_code == 200
    assert "HAYHOOKS_CHAINLIT_ENABLED is set but is no setting of this server" in server.log


def test_three_workers_each_load_the_pipelines_and_share_the_load(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "3")

    def call(i: int) -> tuple[int, str, dict]:
        with httpx.Client() as client:  # a new connection each time: the kernel spreads them over the workers' sockets
            response = client.post(f"{server.url}/shout/run", json={"text": f"n{i}"})
            return response.status_code, response.headers["x-hayhooks-worker"], response.json()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(60)))
    assert all(status == 200 for status, _, _ in results)
    assert all(body == {"result": f"N{i}!"} for i, (_, _, body) in enumerate(results))
    workers = {worker for _, worker, _ in results}
    assert len(workers) == 3, workers
    assert str(server.process.pid) not in {w.split(":")[1] for w in workers}, "the gunicorn master must not serve"


def test_broken_pipeline_at_start_is_logged_with_file_and_line(server_factory, examples_dir):
    (examples_dir / "broken").mkdir()
    (examples_dir / "broken" / "pipeline_wrapper.py").write_text("x = 1\ndef f(:\n")
    server = server_factory("--pipelines-dir", str(examples_dir))
    assert httpx.post(f"{server.url}/shout/run", json={"text": "ok"}).status_code == 200
    assert "pipeline_wrapper.py:2" in server.log


def test_keep_alive_clients_that_connect_at_once_reach_both_workers(server_factory):
    """A burst of connections is not accepted whole by the first worker to wake, then pinned to it."""
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2")
    clients = [httpx.Client(base_url=server.url) for _ in range(16)]
    try:
        with ThreadPoolExecutor(16) as pool:
            workers = list(pool.map(lambda c: c.post("/shout/run", json={"text": "x"}).headers["x-hayhooks-worker"],
                                    clients))
    finally:
        for client in clients:
            client.close()
    assert len(set(workers)) == 2, workers


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_second_server_on_a_taken_port_exits_with_a_clear_error(server_factory, tmp_path, workers):
    first = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2")
    port = first.url.rsplit(":", 1)[1]
    second = subprocess.run(
        [*hayhooks_command(), "run", "--host", "127.0.0.1", "--port", port, "--workers", workers],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert second.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in second.stderr
    assert httpx.post(f"{first.url}/shout/run", json={"text": "still mine"}).json() == {"result": "STILL MINE!"}


def _workers_of(server, expected: int = 2) -> list[int]:
    """The gunicorn master's children, once ``expected`` of them are up (or whatever is there after 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        children = worker_pids(server.process.pid)
        if len(children) >= expected or time.monotonic() > deadline:
            return children
        time.sleep(0.05)


def _allowed_cpus(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(line.split(":")[1].strip() for line in status.splitlines() if line.startswith("Cpus_allowed_list"))


two_cpus = pytest.mark.skipif(len(usable_cpus()) < 2, reason="needs at least 2 usable CPUs")


@pytest.fixture
def on_two_cpus(server_factory):
    """A 2-worker server allowed on exactly two CPUs: the case where each worker gets one of its own."""
    cpus = usable_cpus()[:2]

    def start(**kwargs):
        return server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2", cpus=cpus, **kwargs)

    return cpus, start


@two_cpus
def test_each_of_two_workers_on_two_cpus_runs_pinned_to_one_of_its_own(on_two_cpus):
    cpus, start = on_two_cpus
    server = start()
    pinned = [_allowed_cpus(pid) for pid in _workers_of(server)]
    assert sorted(pinned, key=int) == [str(cpu) for cpu in cpus]


@two_cpus
def test_a_replacement_worker_is_pinned_to_the_cpu_of_the_one_it_replaces(on_two_cpus):
    _, start = on_two_cpus
    server = start()
    victim = _workers_of(server)[0]
    freed = _allowed_cpus(victim)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = _workers_of(server, expected=0)
        if victim not in workers and len(workers) == 2:
            replacement = next(pid for pid in workers if _allowed_cpus(pid) == freed)
            assert replacement != victim
            return
        time.sleep(0.1)
    pytest.fail(f"no replacement worker on CPU {freed} within 30 s")


@two_cpus
def test_pinning_can_be_switched_off(on_two_cpus):
    _, start = on_two_cpus
    server = start(env={"HAYHOOKS_WORKER_CPU_AFFINITY": "off"})
    both = _allowed_cpus(server.process.pid)
    assert [_allowed_cpus(pid) for pid in _workers_of(server)] == [both, both]


def test_run_app_serves_a_programmatic_app_on_its_settings_port(tmp_path):
    from tests.servers import free_port, launch

    port = free_port()
    script = tmp_path / "serve.py"
    script.write_text(
        "from pathlib import Path\n"
        "from hayhooks import create_app, run_app\n"
        "from hayhooks.settings import settings\n"
        f"settings.port = {port}\n"
        f"settings.pipelines_dir = Path({str(EXAMPLES)!r})\n"
        "run_app(create_app())\n"
    )
    server = launch(tmp_path, [sys.executable, str(script)], port=port)
    try:
        assert httpx.post(f"{server.url}/shout/run", json={"text": "prog"}).json() == {"result": "PROG!"}
    finally:
        server.stop()


def test_uvicorns_access_log_leaves_out_the_dashboards_own_reads(server_factory, tmp_path):
    (tmp_path / "empty").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "empty"), "--with-tracing-dashboard")
    httpx.get(f"{server.url}/dashboard/api/config")
    httpx.get(f"{server.url}/dashboard/api/traces", params={"limit": 5})
    httpx.get(f"{server.url}/status/")
    deadline = time.monotonic() + 5
    while '"GET /status/ HTTP/1.1"' not in server.log and time.monotonic() < deadline:
        time.sleep(0.1)
    assert '"GET /status/ HTTP/1.1"' in server.log
    assert "/dashboard/api/" not in server.log
