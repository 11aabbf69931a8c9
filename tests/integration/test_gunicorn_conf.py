"""deploy/gunicorn.conf.py runs the app in several workers and logs each request with its trace id."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.servers import free_port

pytestmark = pytest.mark.integration


def test_gunicorn_conf_serves_with_workers_and_trace_ids_in_the_access_log(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "HAYSTACK_TELEMETRY_ENABLED": "false", "HAYHOOKS_HOST": "127.0.0.1",
           "HAYHOOKS_PORT": str(port), "HAYHOOKS_WORKERS": "2", "HAYHOOKS_PIPELINES_DIR": str(EXAMPLES)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "hayhooks.server.app:create_app()"],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=tmp_path,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/status", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.2)
        responses = []
        for i in range(20):
            with httpx.Client() as client:
                responses.append(client.post(url + "/shout/run", json={"text": str(i)}))
        assert {r.status_code for r in responses} == {200}
        assert len({r.headers["x-hayhooks-worker"] for r in responses}) == 2
        time.sleep(0.5)
        text = log.read_text()
        trace_id = responses[-1].headers["x-hayhooks-trace-id"]
        assert re.search(rf'"POST /shout/run HTTP/1.1" 200 [\d.]+ms trace={trace_id}', text), text[-2000:]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
