"""schemathesis over the server's own OpenAPI (run endpoints, deploy, chat, dashboard API): no 5xx.

`/flaky/run` is left out: failing on demand with a 500 is what that pipeline is for.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_no_server_error_on_generated_requests(server_factory, tmp_path):
    pipelines = tmp_path / "pipelines"
    shutil.copytree(EXAMPLES, pipelines)
    server = server_factory("--pipelines-dir", str(pipelines), "--with-tracing-dashboard")
    cli = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [str(cli), "run", f"{server.url}/openapi.json", "--checks", "not_a_server_error", "--phases", "coverage",
         "--max-examples", "5", "--exclude-path", "/flaky/run", "--no-color"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Internal Server Error" not in server.log
