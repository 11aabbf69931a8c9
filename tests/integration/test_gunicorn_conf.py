"""deploy/gunicorn.conf.py runs the app in several workers and logs each request with its trace id."""

import re
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.servers import free_port, launch

pytestmark = pytest.mark.integration


def test_gunicorn_conf_serves_with_workers_and_trace_ids_in_the_access_log(tmp_path):
    port = free_port()
    env = {"HAYHOOKS_HOST": "127.0.0.1", "HAYHOOKS_PORT": str(port), "HAYHOOKS_WORKERS": "2",
           "HAYHOOKS_PIPELINES_DIR": str(EXAMPLES)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "hayhooks.server.app:create_app()"]
    server = launch(tmp_path, command, port=port, env=env, workers=2)
    try:
        responses = []
        for i in range(20):
            with httpx.Client() as client:
                responses.append(client.post(server.url + "/shout/run", json={"text": str(i)}))
        assert {r.status_code for r in responses} == {200}
        assert len({r.headers["x-hayhooks-worker"] for r in responses}) == 2
        time.sleep(0.5)
        trace_id = responses[-1].headers["x-hayhooks-trace-id"]
        assert re.search(rf'"POST /shout/run HTTP/1.1" 200 [\d.]+ms trace={trace_id}', server.log), server.log[-2000:]
    finally:
        server.stop()


@pytest.mark.parametrize(("variable", "value"), [("HAYHOOKS_PORT", "abc"), ("HAYHOOKS_WORKERS", "0"),
                                                 ("HAYHOOKS_GC_THRESHOLD", "2147483648")])
def test_a_bad_value_stops_gunicorn_with_one_line_naming_the_variable(variable, value):
    import os
    import subprocess

    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {**os.environ, "HAYHOOKS_PIPELINES_DIR": str(EXAMPLES), variable: value}
    result = subprocess.run([str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                             "hayhooks.server.app:create_app()"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"Error: {variable} has value {value!r}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
