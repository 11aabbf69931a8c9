"""Every worker of a `--workers 4` server serves the same view of the traces, through a real redis-server."""

import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import EXAMPLES

pytestmark = [pytest.mark.integration, pytest.mark.slow]
_prefixes = itertools.count()


def fresh(url: str, path: str, **kwargs) -> httpx.Response:
    """A request on a new connection, so the kernel may hand it to any worker."""
    with httpx.Client(timeout=10) as client:
        return client.request(kwargs.pop("method", "GET"), url + path, **kwargs)


def runs(url: str, count: int, start: int = 0, pipeline: str = "shout") -> list[httpx.Response]:
    def call(i: int) -> httpx.Response:
        return fresh(url, f"/{pipeline}/run", method="POST", json={"text": f"n{i}"})

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(call, range(start, start + count)))


def run_traces(response: httpx.Response) -> list[str]:
    return [t["trace_id"] for t in response.json()["traces"] if t["kind"] == "run" and not t["running"]]


def wait_until(predicate, timeout: float = 15, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


@pytest.fixture
def cluster(server_factory, redis_url):
    env = {"HAYHOOKS_REDIS_KEY_PREFIX": f"it{next(_prefixes)}:", "HAYHOOKS_DASHBOARD_TRACE_BUFFER_CAPACITY": "1000"}
    return server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "4", "--with-tracing-dashboard",
                          "--redis-url", redis_url, env=env)


def test_every_worker_returns_the_same_traces_and_clear_is_cluster_wide(cluster):
    url = cluster.url
    made = runs(url, 200)
    assert all(r.status_code == 200 for r in made)
    assert len({r.headers["x-hayhooks-worker"] for r in made}) >= 3
    wait_until(lambda: len(run_traces(fresh(url, "/dashboard/api/traces", params={"limit": 500}))) == 200)

    reads = [fresh(url, "/dashboard/api/traces", params={"limit": 500}) for _ in range(40)]
    assert len({r.headers["x-hayhooks-worker"] for r in reads}) >= 3
    views = {tuple(run_traces(r)) for r in reads}
    assert len(views) == 1
    assert len(next(iter(views))) == 200

    cleared = fresh(url, "/dashboard/api/traces/clear", method="POST").json()
    assert cleared["ok"]
    after_clear = [fresh(url, "/dashboard/api/traces", params={"limit": 500}) for _ in range(20)]
    assert len({r.headers["x-hayhooks-worker"] for r in after_clear}) >= 3
    assert all(r.json()["traces"] == [] and r.json()["generation"] == cleared["generation"] for r in after_clear)

    runs(url, 10, start=1000)
    wait_until(lambda: len(run_traces(fresh(url, "/dashboard/api/traces"))) == 10)
    later = [fresh(url, "/dashboard/api/traces") for _ in range(20)]
    assert len({r.headers["x-hayhooks-worker"] for r in later}) >= 3
    assert {len(run_traces(r)) for r in later} == {10}


def test_config_says_the_view_is_shared_and_lists_the_workers(cluster):
    runs(cluster.url, 20)
    config = wait_until(lambda: (c := fresh(cluster.url, "/dashboard/api/config").json())["workers"][3:] and c)
    assert (config["store"], config["consistent"], config["degraded"]) == ("redis", True, False)
    assert len(config["workers"]) == 4


def test_sse_client_on_one_worker_receives_a_trace_made_on_another(cluster):
    url = cluster.url
    events: list[dict] = []
    connected = threading.Event()
    sse_worker: list[str] = []

    def listen() -> None:
        with httpx.Client(timeout=20) as client, client.stream("GET", url + "/dashboard/api/traces/stream") as resp:
            sse_worker.append(resp.headers["x-hayhooks-worker"])
            connected.set()
            kind = None
            for line in resp.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind == "trace":
                    events.append(json.loads(line[5:]))
                    if any(e["worker"] != sse_worker[0] and e["kind"] == "run" for e in events):
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(10)
    for i in range(40):
        response = fresh(url, "/shout/run", method="POST", json={"text": f"x{i}"})
        if response.headers["x-hayhooks-worker"] != sse_worker[0]:
            break
    listener.join(15)
    foreign = [e for e in events if e["worker"] != sse_worker[0] and e["kind"] == "run"]
    assert foreign, f"no trace from another worker reached the stream of {sse_worker[0]}"
    assert foreign[0]["cursor"] and foreign[0]["status"] == "ok"


def test_without_redis_several_workers_warn_and_are_not_consistent(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2", "--with-tracing-dashboard")
    assert fresh(server.url, "/dashboard/api/config").json()["consistent"] is False
    assert "without HAYHOOKS_REDIS_URL" in server.log


def test_redis_password_in_the_url_works_and_never_shows(server_factory, tmp_path):
    from tests.redis_server import start_redis

    secured = start_redis(tmp_path / "auth", password="pa55word")
    try:
        server = server_factory("--pipelines-dir", str(EXAMPLES), "--with-tracing-dashboard",
                                "--redis-url", secured.url)
        fresh(server.url, "/shout/run", method="POST", json={"text": "x"})
        wait_until(lambda: run_traces(fresh(server.url, "/dashboard/api/traces")))
        config = fresh(server.url, "/dashboard/api/config").text
        assert config and "pa55word" not in config
        secured.stop()  # the errors a lost connection logs and reports must not carry it either
        fresh(server.url, "/shout/run", method="POST", json={"text": "y"})
        degraded = wait_until(lambda: (c := fresh(server.url, "/dashboard/api/config")).json()["degraded"] and c.text)
        assert "pa55word" not in degraded
        assert "Trace store unreachable" in server.log and "pa55word" not in server.log
    finally:
        secured.stop()


def _tls_files(folder) -> None:
    """A throwaway CA and a server certificate for 127.0.0.1, made with the openssl command."""
    import subprocess

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=hayhooks-test-ca")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
        "server.crt", "-days", "2", "-extfile", "ext.cnf")


def test_redis_over_tls_through_a_rediss_url(server_factory, tmp_path):
    import subprocess

    from tests.servers import free_port

    folder = tmp_path / "tls"
    folder.mkdir()
    _tls_files(folder)
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", "0", "--tls-port", str(port), "--tls-cert-file", "server.crt", "--tls-key-file",
         "server.key", "--tls-ca-cert-file", "ca.crt", "--tls-auth-clients", "no", "--save", "", "--appendonly", "no"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={folder / 'ca.crt'}"
        server = server_factory("--pipelines-dir", str(EXAMPLES), "--with-tracing-dashboard", "--redis-url", url)
        fresh(server.url, "/shout/run", method="POST", json={"text": "x"})
        wait_until(lambda: run_traces(fresh(server.url, "/dashboard/api/traces")))
        config = fresh(server.url, "/dashboard/api/config").json()
        assert (config["store"], config["degraded"]) == ("redis", False)
    finally:
        redis.kill()
        redis.wait(5)


def test_a_redis_cluster_serves_one_view_and_replicates_deploys(server_factory, redis_cluster):
    # The URL names the node that does not hold the deployment's keys ({cl…}: after the prefix gets its hash tag).
    prefix = f"cl{next(_prefixes)}:"
    env = {"HAYHOOKS_REDIS_CLUSTER": "true", "HAYHOOKS_REDIS_KEY_PREFIX": prefix}
    url = redis_cluster.url_away_from(f"{{{prefix[:-1]}}}:traces")
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2", "--with-tracing-dashboard",
                            "--redis-url", url, env=env)
    wrapper = (EXAMPLES / "shout" / "pipeline_wrapper.py").read_text()
    deployed = fresh(server.url, "/deploy_files", method="POST",
                     json={"name": "copy", "files": {"pipeline_wrapper.py": wrapper}, "save_files": False})
    assert deployed.status_code == 200, deployed.text

    made = runs(server.url, 40, pipeline="copy")

    assert all(r.status_code == 200 for r in made)
    assert len({r.headers["x-hayhooks-worker"] for r in made}) == 2  # the deploy reached both workers
    wait_until(lambda: len(run_traces(fresh(server.url, "/dashboard/api/traces", params={"limit": 100}))) == 40)
    views = {tuple(run_traces(fresh(server.url, "/dashboard/api/traces", params={"limit": 100}))) for _ in range(12)}
    assert len(views) == 1
    config = fresh(server.url, "/dashboard/api/config").json()
    assert (config["degraded"], config["consistent"], len(config["workers"])) == (False, True, 2)
