"""The ``hayhooks`` command against a real server: status, deploy, run, undeploy, and one-line errors."""

import json
import subprocess

import httpx
import pytest

from tests.conftest import EXAMPLES, FIXTURES
from tests.servers import hayhooks_command

pytestmark = pytest.mark.integration


def cli(*args: str, server: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    extra = ["--server", server] if server else []
    return subprocess.run(
        [*hayhooks_command(), *args, *extra], capture_output=True, text=True, timeout=60, env=env
    )


@pytest.fixture
def server(server_factory, tmp_path):
    (tmp_path / "pl").mkdir()
    return server_factory("--pipelines-dir", str(tmp_path / "pl"))


def test_deploy_run_status_undeploy_round_trip(server):
    deployed = cli("pipeline", "deploy-files", "-n", "loud", str(EXAMPLES / "shout"), server=server.url)
    assert deployed.returncode == 0, deployed.stderr
    assert "Deployed 'loud' at /loud/run" in deployed.stdout

    ran = cli("pipeline", "run", "loud", "--param", "text=hello", server=server.url)
    assert ran.returncode == 0, ran.stderr
    assert '"result": "HELLO!"' in ran.stdout

    status = cli("status", server=server.url)
    assert "Up!" in status.stdout and "loud" in status.stdout

    assert cli("pipeline", "undeploy", "loud", server=server.url).returncode == 0
    assert "loud" not in cli("status", server=server.url).stdout


def test_deploy_yaml(server):
    result = cli("pipeline", "deploy-yaml", str(EXAMPLES / "greet.yml"), server=server.url)
    assert result.returncode == 0, result.stderr
    ran = cli("pipeline", "run", "greet", "-p", "name=Al", "-p", "place=Paris", server=server.url)
    assert "HELLO AL, WELCOME TO PARIS!" in ran.stdout


def test_server_errors_print_one_line(server):
    result = cli("pipeline", "run", "ghost", "--param", "x=1", server=server.url)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: 404: Pipeline 'ghost' not found (deployed: none)"


def test_broken_wrapper_deploy_prints_file_and_line(server):
    result = cli("pipeline", "deploy-files", "-n", "bad", str(FIXTURES / "broken_wrapper"), server=server.url)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "pipeline_wrapper.py:4" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_server_prints_one_line():
    result = cli("status", server="http://127.0.0.1:9")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: cannot reach the server at http://127.0.0.1:9")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_server_given_without_its_scheme_is_reached_over_http(server):
    host_and_port = server.url.removeprefix("http://")
    result = cli("status", server=host_and_port)
    assert result.returncode == 0, result.stderr


def test_mcp_runs_bad_port_is_named_as_its_option():
    result = cli("mcp", "run", "--port", "70000")
    assert result.returncode == 1 and "Error: --port has value 70000" in result.stderr, result.stderr


def test_bad_setting_prints_one_line_naming_the_variable():
    import os

    result = cli("run", env={**os.environ, "HAYHOOKS_PORT": "lots"})
    assert result.returncode == 1
    assert "HAYHOOKS_PORT has value 'lots'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_option_is_named_as_the_option():
    result = cli("run", "--port", "99999")
    assert result.returncode == 1 and "--port has value 99999" in result.stderr


def test_a_bad_variable_is_named_as_the_variable_even_when_its_option_is_given_too():
    import os

    result = cli("run", "--with-tracing-dashboard", env={**os.environ, "HAYHOOKS_DASHBOARD_ENABLED": "maybe"})
    assert result.returncode == 1 and "HAYHOOKS_DASHBOARD_ENABLED has value 'maybe'" in result.stderr


def test_a_bad_value_under_a_hayhooks_2_name_names_the_variable_that_was_set():
    import os

    result = cli("run", env={**os.environ, "HAYHOOKS_TRACING_ENABLED": "maybe"})
    assert result.returncode == 1
    assert "HAYHOOKS_TRACING_ENABLED (Hayhooks 2.1's name for HAYHOOKS_DASHBOARD_ENABLED)" in result.stderr


@pytest.mark.parametrize(("variable", "value", "said"), [
    ("HAYHOOKS_TRACING_EXCLUDED_SPANS", "notjson", "has value 'notjson', which is not JSON"),
    ("HAYHOOKS_CORS_ALLOW_ORIGINS", "*", "HAYHOOKS_CORS_ALLOW_ORIGINS has value '*', which is not JSON"),
    ("HAYHOOKS_REDIS_URL", "http://:s3cret@127.0.0.1:6379/0", "must start with redis://"),
    ("HAYHOOKS_REDIS_URL", "redis://:s3cret@127.0.0.1:port/0", "its port must be a number"),
    ("HAYHOOKS_CORS_ALLOW_ORIGIN_REGEX", "a(b", "not a valid regular expression"),
    ("HAYHOOKS_DASHBOARD_PATH", "no slash", "must be a URL path"),
])
def test_a_malformed_setting_prints_one_line_and_no_secret(variable, value, said):
    import os

    result = cli("run", env={**os.environ, variable: value})
    assert result.returncode == 1
    assert said in result.stderr and variable in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "s3cret" not in result.stderr


def test_a_bad_setting_without_an_option_names_only_its_variable():
    import os

    result = cli("run", env={**os.environ, "HAYHOOKS_DURABLE_MODE": "true"})
    assert result.returncode == 1
    assert "HAYHOOKS_DURABLE_MODE has value 'true'" in result.stderr and "not provided by this server" in result.stderr


def test_run_uploads_files_and_folders_as_hayhooks_does(server, tmp_path):
    assert cli("pipeline", "deploy-files", "-o", "-s", str(FIXTURES / "uploads"), server=server.url).returncode == 0
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.txt").write_text("alpha")
    (tmp_path / "docs" / "sub" / "b.txt").write_text("bravo!")
    (tmp_path / "docs" / ".hidden").write_text("left out")
    (tmp_path / "one.md").write_text("x")
    ran = cli("pipeline", "run", "uploads", "-p", "label=mine", "-p", "limit=3", "-f", str(tmp_path / "one.md"),
              "-d", str(tmp_path / "docs"), server=server.url)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"result": {"label": "mine", "limit": 3,
                                                 "files": {"one.md": 1, "a.txt": 5, "sub/b.txt": 6}}}


def test_run_prints_a_streamed_answer(server):
    assert cli("pipeline", "deploy-files", str(FIXTURES / "words"), server=server.url).returncode == 0
    ran = cli("pipeline", "run", "words", "-s", "-p", "text=one two", server=server.url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "<one><two>\n"


def test_deploy_yaml_takes_hayhooks_flags(server):
    result = cli("pipeline", "deploy-yaml", "-o", "--skip-mcp", "--no-save-file", str(EXAMPLES / "greet.yml"),
                 server=server.url)
    assert result.returncode == 0, result.stderr


def test_use_https_makes_the_default_server_url_https():
    import os

    env = {**os.environ, "HAYHOOKS_USE_HTTPS": "true", "HAYHOOKS_PORT": "9"}
    result = cli("status", env=env)
    assert result.stderr.startswith("Error: cannot reach the server at https://127.0.0.1:9")


def test_run_reload_serves_a_changed_wrapper_without_a_restart(server_factory, tmp_path):
    import shutil
    import time

    import httpx

    folder = tmp_path / "reloading"
    shutil.copytree(EXAMPLES / "shout", folder / "shout")
    server = server_factory("--pipelines-dir", str(folder), "--reload")
    assert httpx.post(f"{server.url}/shout/run", json={"text": "a"}).json() == {"result": "A!"}
    wrapper = folder / "shout" / "pipeline_wrapper.py"
    wrapper.write_text(wrapper.read_text().replace('"!"', '"?!"'))
    deadline = time.monotonic() + 30
    answer = None
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(f"{server.url}/shout/run", json={"text": "a"}).json()
        except httpx.HTTPError:
            answer = None  # restarting
        if answer == {"result": "A?!"}:
            break
        time.sleep(0.3)
    assert answer == {"result": "A?!"}


def test_run_takes_hayhooks_short_options(server_factory):
    import httpx

    server = server_factory("-h", "127.0.0.1", "-d", str(EXAMPLES), "-w", "1")
    assert httpx.post(f"{server.url}/shout/run", json={"text": "hi"}).json() == {"result": "HI!"}
    refused = cli("run", "-r", "-w", "2", "-p", "9")
    assert refused.returncode == 1 and "--reload runs one process" in refused.stderr


def test_run_reload_refuses_several_workers():
    result = cli("run", "--reload", "--workers", "2", "--port", "9")
    assert result.returncode == 1 and "--reload runs one process" in result.stderr


def test_run_serves_the_dashboard_where_asked(server_factory, tmp_path):
    import httpx

    (tmp_path / "pl").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "pl"), "--with-dashboard",
                            "--dashboard-path", "/ops/traces")
    assert httpx.get(f"{server.url}/ops/traces/api/config").status_code == 200
    assert httpx.get(f"{server.url}/dashboard/api/config").status_code == 404


def test_a_dashboard_that_will_refuse_everyone_is_announced_as_such_not_with_a_link(server_factory):
    server = server_factory("--host", "0.0.0.0", "--with-tracing-dashboard")
    assert "refuses every request (403) on 0.0.0.0 without a token" in server.log
    assert "Dashboard: http" not in server.log
    assert httpx.get(f"{server.url}/dashboard/api/config", timeout=5).status_code == 403


def wrong_logins_with_made_up_forwarded_for(url: str, count: int) -> list[int]:
    """``count`` wrong tokens, each claiming another client address in ``X-Forwarded-For``."""
    return [httpx.post(f"{url}/dashboard/api/login", json={"token": "wrong"},
                       headers={"x-forwarded-for": f"198.51.100.{i}"}).status_code for i in range(count)]


def test_a_client_not_among_the_trusted_proxies_cannot_dodge_the_login_throttle(server_factory, tmp_path):
    (tmp_path / "pl").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "pl"), "--with-tracing-dashboard",
                            "--forwarded-allow-ips", "192.0.2.10", env={"HAYHOOKS_DASHBOARD_TOKEN": "s3cret-token"})
    assert wrong_logins_with_made_up_forwarded_for(server.url, 12)[-1] == 429  # its own address is what counts


def test_a_trusted_proxy_has_each_client_counted_on_its_own(server_factory, tmp_path):
    (tmp_path / "pl").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "pl"), "--with-tracing-dashboard",
                            "--forwarded-allow-ips", "127.0.0.1", env={"HAYHOOKS_DASHBOARD_TOKEN": "s3cret-token"})
    assert set(wrong_logins_with_made_up_forwarded_for(server.url, 12)) == {401}  # twelve clients, one try each


@pytest.mark.parametrize(("flag", "env", "expected"), [
    ("--with-tracing", {}, 200),  # Hayhooks 2.1's name for the dashboard's capture
    ("--without-tracing", {"HAYHOOKS_DASHBOARD_ENABLED": "true"}, 404),
])
def test_hayhooks_2_1s_tracing_flags_are_understood(server_factory, tmp_path, flag, env, expected):
    (tmp_path / "pl").mkdir()
    server = server_factory("--pipelines-dir", str(tmp_path / "pl"), flag, env=env)
    assert httpx.get(f"{server.url}/dashboard/api/config").status_code == expected
