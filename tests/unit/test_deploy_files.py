"""compose.yaml, deploy/gunicorn.conf.py and deploy/Dockerfile agree with the code's settings."""

import importlib.util
import shutil
import subprocess

import pytest
import yaml

from hayhooks.server.serve import PER_WORKER_SOCKETS
from hayhooks.settings import AppSettings
from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SETTINGS = set(AppSettings.model_fields)


def hayhooks_env() -> dict[str, str]:
    return COMPOSE["services"]["hayhooks"]["environment"]


def test_compose_runs_redis_hayhooks_and_jaeger():
    assert set(COMPOSE["services"]) == {"redis", "hayhooks", "jaeger"}


def test_every_hayhooks_variable_in_compose_is_a_setting():
    names = {k.removeprefix("HAYHOOKS_").lower() for k in hayhooks_env() if k.startswith("HAYHOOKS_")}
    assert names <= SETTINGS, names - SETTINGS
    AppSettings.model_validate({n: v for n, v in ((k.removeprefix("HAYHOOKS_").lower(), v)
                                                  for k, v in hayhooks_env().items() if k.startswith("HAYHOOKS_"))
                                if n != "dashboard_token"})


def test_hayhooks_service_is_shared_four_workers_with_token_and_health_check():
    env = hayhooks_env()
    assert env["HAYHOOKS_WORKERS"] == "4"
    assert env["HAYHOOKS_REDIS_URL"].startswith("redis://redis:")
    assert env["HAYHOOKS_DASHBOARD_TOKEN"].startswith("${HAYHOOKS_DASHBOARD_TOKEN")
    assert "healthcheck" in COMPOSE["services"]["hayhooks"]
    assert f"{env['HAYHOOKS_PORT']}:{AppSettings().port}" in COMPOSE["services"]["hayhooks"]["ports"]
    assert "gunicorn.conf.py" in " ".join(COMPOSE["services"]["hayhooks"]["command"])


def test_traces_go_to_jaeger_over_otlp():
    env = hayhooks_env()
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
    assert COMPOSE["services"]["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"


def test_redis_gets_more_cpu_weight_than_the_workers():
    assert COMPOSE["services"]["redis"]["cpu_shares"] > COMPOSE["services"]["hayhooks"].get("cpu_shares", 1024)


def test_redis_keeps_no_persistence():
    command = COMPOSE["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "no"


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="the docker CLI has no compose plugin here; the file is checked by parsing above",
)
def test_docker_compose_accepts_the_file():
    result = subprocess.run(["docker", "compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"],
                            capture_output=True, text=True,
                            env={"HAYHOOKS_DASHBOARD_TOKEN": "x", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr


def test_gunicorn_config_builds_the_app_in_each_worker():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "deploy" / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.worker_class == "hayhooks.server.gunicorn_worker.Worker"
    assert conf.preload_app is False
    assert conf.reuse_port is PER_WORKER_SOCKETS  # the same choice as `hayhooks run`
    assert callable(conf.on_starting) and conf.graceful_timeout > 0
    assert conf.control_socket_disable is True  # one path per user: two servers would share it


def test_dockerfile_builds_the_dashboard_with_node_then_runs_as_non_root():
    lines = [line.split() for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines() if line.strip()]
    stages = [line for line in lines if line[0] == "FROM"]
    assert stages[0][1].startswith("node:") and stages[-1][1].startswith("python:")
    users = [line[1] for line in lines if line[0] == "USER"]
    assert users and users[-1] not in {"root", "0"}


def test_the_docker_build_context_leaves_out_the_hosts_environments_and_keeps_what_the_dockerfile_copies():
    import fnmatch

    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        return any(fnmatch.fnmatch(prefix, pattern.removeprefix("**/")) or fnmatch.fnmatch(prefix, pattern)
                   for pattern in patterns for prefix in prefixes + parts)

    copied = [line.split()[1] for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY") and "--from" not in line]
    assert copied and not [path for path in copied for path in path.split() if ignored(path.rstrip("/"))]
    for unwanted in (".venv/bin/python", "dashboard/node_modules/vite", ".git/HEAD", "dashboard/dist/index.html"):
        assert ignored(unwanted), unwanted


def test_the_gunicorn_worker_class_loads_as_gunicorn_loads_it():
    from gunicorn.util import load_class

    from hayhooks.server.gunicorn_worker import WORKER_CLASS, Worker

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "deploy" / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert load_class(conf.worker_class) is Worker
    assert load_class(WORKER_CLASS) is Worker
