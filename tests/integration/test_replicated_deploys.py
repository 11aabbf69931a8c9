"""Deploys and undeploys over HTTP reach every worker and every host through Redis."""

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from tests.conftest import EXAMPLES
from tests.integration.test_shared_view import fresh, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]
_prefixes = itertools.count()

WRAPPER = (EXAMPLES / "shout" / "pipeline_wrapper.py").read_text()
CHAT = (EXAMPLES / "chat" / "pipeline_wrapper.py").read_text()


def version(tag: str) -> str:
    return WRAPPER.replace('return {"text": text + self.mark}', f'return {{"text": text + "{tag}"}}')


def spread(url: str, count: int, method: str, path: str, **kwargs):
    def call(_: int):
        return fresh(url, path, method=method, **kwargs)

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(call, range(count)))


@pytest.fixture
def cluster_env(redis_url):
    return {"HAYHOOKS_REDIS_KEY_PREFIX": f"rep{next(_prefixes)}:"}


def all_workers_up(url: str, count: int) -> None:
    """gunicorn answers as soon as one worker is ready: wait until ``count`` distinct workers have answered."""
    seen: set[str] = set()
    deadline = time.monotonic() + 30
    while len(seen) < count:
        assert time.monotonic() < deadline, f"only {len(seen)} workers answered"
        seen |= {r.headers["x-hayhooks-worker"] for r in spread(url, 8, "GET", "/status")}


@pytest.fixture
def cluster(server_factory, redis_url, cluster_env, tmp_path):
    (tmp_path / "empty").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "empty"), "--workers", "4", "--redis-url", redis_url,
                            env=cluster_env)
    all_workers_up(server.url, 4)
    return server


def deploy(url: str, name: str, source: str, overwrite: bool = False):
    body = {"name": name, "files": {"pipeline_wrapper.py": source}, "overwrite": overwrite, "save_files": False}
    return fresh(url, "/deploy_files", method="POST", json=body)


def test_deploy_reaches_every_worker_and_undeploy_too(cluster):
    response = deploy(cluster.url, "loud", version("!"))
    assert response.status_code == 200
    assert response.json()["workers"]["applied"] == 4

    runs = spread(cluster.url, 40, "POST", "/loud/run", json={"text": "a"})
    assert {r.status_code for r in runs} == {200}
    assert {r.json()["result"] for r in runs} == {"A!"}
    assert len({r.headers["x-hayhooks-worker"] for r in runs}) >= 3

    assert fresh(cluster.url, "/undeploy/loud", method="POST").json()["workers"]["applied"] == 4
    gone = spread(cluster.url, 20, "POST", "/loud/run", json={"text": "a"})
    assert {r.status_code for r in gone} == {404}
    assert len({r.headers["x-hayhooks-worker"] for r in gone}) >= 3


def test_models_list_agrees_on_every_read(cluster):
    assert deploy(cluster.url, "talk", CHAT).status_code == 200
    reads = spread(cluster.url, 20, "GET", "/v1/models")
    assert len({r.headers["x-hayhooks-worker"] for r in reads}) >= 3
    assert all([m["id"] for m in r.json()["data"]] == ["talk"] for r in reads)


def test_overwrite_serves_the_new_version_everywhere(cluster):
    deploy(cluster.url, "loud", version("!"))
    assert deploy(cluster.url, "loud", version("?"), overwrite=True).status_code == 200
    runs = spread(cluster.url, 30, "POST", "/loud/run", json={"text": "a"})
    assert {r.json()["result"] for r in runs} == {"A?"}


def test_failing_deploy_fails_for_the_caller_and_reaches_no_worker(cluster):
    response = deploy(cluster.url, "broken", "from hayhooks import BasePipelineWrapper\nimport nope_not_here\n")
    assert response.status_code == 422 and "pipeline_wrapper.py:2" in response.json()["location"]
    runs = spread(cluster.url, 20, "POST", "/broken/run", json={})
    assert {r.status_code for r in runs} == {404}


# Loads only in the first process that tries (the worker taking the request): a failure of some workers only,
# as a port, a GPU or a module missing on one host would cause.
FIRST_ONLY = """
import os
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self) -> None:
        os.close(os.open(MARKER, os.O_CREAT | os.O_EXCL | os.O_WRONLY))

    def run_api(self, text: str) -> str:
        return text
"""


def test_a_deploy_that_fails_in_some_workers_fails_as_a_whole(cluster, tmp_path):
    response = deploy(cluster.url, "half", FIRST_ONLY.replace("MARKER", repr(str(tmp_path / "half"))))
    assert response.status_code == 422
    assert "failed in 3 of 4 workers" in response.json()["detail"]
    assert "FileExistsError" in response.json()["detail"]
    assert "no worker serves it" in response.json()["detail"]
    runs = spread(cluster.url, 24, "POST", "/half/run", json={"text": "a"})
    assert {r.status_code for r in runs} == {404}
    assert len({r.headers["x-hayhooks-worker"] for r in runs}) >= 3


def test_an_overwrite_that_fails_in_some_workers_leaves_the_previous_version_everywhere(cluster, tmp_path):
    assert deploy(cluster.url, "loud", version("!")).status_code == 200
    response = deploy(cluster.url, "loud", FIRST_ONLY.replace("MARKER", repr(str(tmp_path / "loud"))), overwrite=True)
    assert response.status_code == 422
    assert "the previous version is served again" in response.json()["detail"]
    runs = spread(cluster.url, 24, "POST", "/loud/run", json={"text": "a"})
    assert {r.json()["result"] for r in runs} == {"A!"}
    assert len({r.headers["x-hayhooks-worker"] for r in runs}) >= 3


def test_concurrent_deploys_of_one_name_end_in_one_version(cluster):
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda tag: deploy(cluster.url, "race", version(tag), overwrite=True), ["1", "2", "3", "4"]))
    runs = spread(cluster.url, 40, "POST", "/race/run", json={"text": "a"})
    assert {r.status_code for r in runs} == {200}
    assert len({r.json()["result"] for r in runs}) == 1


def test_concurrent_deploys_of_a_new_name_without_overwrite_let_exactly_one_win(cluster):
    tags = ["1", "2", "3", "4", "5", "6"]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda tag: deploy(cluster.url, "first", version(tag)), tags))
    assert sorted(r.status_code for r in answers) == [200] + [409] * 5
    winner = tags[[r.status_code for r in answers].index(200)]
    runs = spread(cluster.url, 24, "POST", "/first/run", json={"text": "a"})
    assert {r.json()["result"] for r in runs} == {f"A{winner}"}


def test_a_host_started_later_serves_what_was_deployed(cluster, server_factory, redis_url, cluster_env, tmp_path):
    deploy(cluster.url, "early", version("!"))
    fresh(cluster.url, "/undeploy/early", method="POST")
    deploy(cluster.url, "kept", version("#"))
    late = server_factory("--pipelines-dir", str(tmp_path / "empty"), "--redis-url", redis_url, env=cluster_env)
    assert fresh(late.url, "/kept/run", method="POST", json={"text": "x"}).json() == {"result": "X#"}
    assert fresh(late.url, "/early/run", method="POST", json={"text": "x"}).status_code == 404
    assert deploy(late.url, "fromlate", version("~")).json()["workers"]["applied"] == 5
    assert {r.status_code for r in spread(cluster.url, 12, "POST", "/fromlate/run", json={"text": "y"})} == {200}


def test_without_redis_the_response_says_one_worker_only(server_factory, tmp_path):
    (tmp_path / "empty").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "empty"), "--workers", "2")
    body = deploy(server.url, "solo", version("!")).json()
    assert "this worker only" in body["warning"]
    assert "this worker only" in server.log


def test_a_redis_that_restarted_empty_gets_the_deploy_log_back_for_hosts_that_start_later(server_factory, own_redis,
                                                                                           tmp_path):
    import shutil
    env = {"HAYHOOKS_REDIS_KEY_PREFIX": "back:"}
    for host in ("a", "b"):
        shutil.copytree(EXAMPLES, tmp_path / host, ignore=shutil.ignore_patterns("__pycache__"))
    first = server_factory("--pipelines-dir", str(tmp_path / "a"), "--workers", "2", "--redis-url", own_redis.url,
                           env=env)
    all_workers_up(first.url, 2)
    assert deploy(first.url, "loud", version("!")).status_code == 200
    assert fresh(first.url, "/undeploy/flaky", method="POST").status_code == 200

    own_redis.stop()
    own_redis.start()  # empty: run without persistence, as deploy/README.md suggests for the traces
    deadline = time.monotonic() + 15
    while not redis.Redis.from_url(own_redis.url).xlen("back:deploys"):
        assert time.monotonic() < deadline, "the deploy log was not written back"
        time.sleep(0.1)
    time.sleep(2.5)  # a heartbeat of every worker: one of them writes the log back, not each
    assert redis.Redis.from_url(own_redis.url).xlen("back:deploys") == 2
    later = server_factory("--pipelines-dir", str(tmp_path / "b"), "--redis-url", own_redis.url, env=env)

    assert fresh(later.url, "/loud/run", method="POST", json={"text": "a"}).json() == {"result": "A!"}
    assert fresh(later.url, "/flaky/run", method="POST", json={"text": "a"}).status_code == 404
    assert "Replayed" in later.log and "undeployed ['flaky']" in later.log


def test_each_workers_applying_of_a_deploy_is_part_of_the_deploys_trace(server_factory, redis_url, cluster_env,
                                                                         tmp_path):
    (tmp_path / "empty").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "empty"), "--workers", "2", "--redis-url", redis_url,
                            "--with-tracing-dashboard", env=cluster_env)
    all_workers_up(server.url, 2)
    assert deploy(server.url, "loud", version("!")).json()["workers"]["applied"] == 2

    def deploys() -> list[dict]:
        traces = fresh(server.url, "/dashboard/api/traces", params={"limit": 50}).json()["traces"]
        found = [t for t in traces if t["kind"] == "deploy" and t["entrypoint"] == "loud" and not t["running"]]
        return found if len(found) == 2 else []

    records = wait_until(deploys)
    transports = {t["worker"]: {g["key"]: g["value"] for g in t["root_span"]["tags"]}["hayhooks.transport"]
                  for t in records}
    assert sorted(transports.values()) == ["rest", "sync"] and len(transports) == 2  # one record per worker
    assert len({t["trace_id"] for t in records}) == 1


@pytest.fixture
def cluster_of_own_redis(server_factory, own_redis, tmp_path):
    """Four workers on a Redis this test may stop, serving ``loud`` ("!") deployed over HTTP with saved files."""
    (tmp_path / "pipes").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "pipes"), "--workers", "4", "--redis-url",
                            own_redis.url, env={"HAYHOOKS_REDIS_KEY_PREFIX": "down:"})
    all_workers_up(server.url, 4)
    body = {"name": "loud", "files": {"pipeline_wrapper.py": version("!")}, "save_files": True}
    assert fresh(server.url, "/deploy_files", method="POST", json=body).json()["workers"]["applied"] == 4
    return server, own_redis, tmp_path / "pipes"


def results_of(url: str, name: str) -> set:
    return {r.json().get("result", r.status_code) if r.status_code == 200 else r.status_code
            for r in spread(url, 40, "POST", f"/{name}/run", json={"text": "a"})}


def test_a_deploy_the_deploy_log_cannot_record_is_refused_and_reaches_no_worker(cluster_of_own_redis):
    server, redis_server, _ = cluster_of_own_redis
    redis_server.stop()
    refused = deploy(server.url, "fresh", version("?"))
    assert refused.status_code == 503
    assert "deploy log in Redis is unreachable" in refused.json()["detail"]
    assert "'fresh' was not deployed" in refused.json()["detail"]
    assert results_of(server.url, "fresh") == {404}  # the worker that took it undid it


def test_an_overwrite_the_deploy_log_cannot_record_leaves_the_previous_version_everywhere(cluster_of_own_redis):
    server, redis_server, _ = cluster_of_own_redis
    redis_server.stop()
    assert deploy(server.url, "loud", version("?"), overwrite=True).status_code == 503
    assert results_of(server.url, "loud") == {"A!"}


def test_an_undeploy_the_deploy_log_cannot_record_is_refused_and_keeps_the_saved_files(cluster_of_own_redis):
    server, redis_server, folder = cluster_of_own_redis
    redis_server.stop()
    refused = fresh(server.url, "/undeploy/loud", method="POST")
    assert refused.status_code == 503 and "'loud' was not undeployed" in refused.json()["detail"]
    assert results_of(server.url, "loud") == {"A!"}
    assert (folder / "loud" / "pipeline_wrapper.py").exists()
    redis_server.start()  # empty: the workers write the log back, then say they are alive
    client = redis.Redis.from_url(redis_server.url)
    wait_until(lambda: client.hlen("down:deploy_workers") == 4)
    back = fresh(server.url, "/undeploy/loud", method="POST").json()
    assert back["workers"]["applied"] == 4, back  # once it is back
    time.sleep(2.5)  # a heartbeat of every worker: the write-back has happened, whenever it did
    assert results_of(server.url, "loud") == {404}


def test_an_undeploy_made_as_redis_comes_back_empty_is_not_undone_by_the_write_back(cluster_of_own_redis):
    server, redis_server, _ = cluster_of_own_redis
    redis_server.stop()
    redis_server.start()  # empty; the workers notice at their next heartbeat and write back what they applied
    undone = fresh(server.url, "/undeploy/loud", method="POST")
    assert undone.status_code == 200, (undone.text, server.log[-3000:])
    time.sleep(2.5)  # every worker's heartbeat, and the write-back
    assert results_of(server.url, "loud") == {404}
