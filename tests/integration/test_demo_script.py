"""scripts/demo_dashboard_traces.sh leaves every kind of trace in the dashboard, ok and failed, streamed and not."""

import subprocess

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.integration.test_shared_view import fresh, wait_until

pytestmark = pytest.mark.integration


def test_demo_script_makes_every_kind_of_trace(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--with-tracing-dashboard",
                            env={"HAYHOOKS_MCP_MOUNT": "true"})
    result = subprocess.run(["bash", str(ROOT / "scripts" / "demo_dashboard_traces.sh"), server.url],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    def finished() -> list[dict]:
        traces = fresh(server.url, "/dashboard/api/traces", params={"limit": 200}).json()["traces"]
        return [t for t in traces if not t["running"]]

    def complete(traces: list[dict]) -> bool:
        kinds = {(t["kind"], t["status"]) for t in traces}
        return {("run", "ok"), ("run", "error"), ("openai", "ok"), ("openai", "error"), ("deploy", "ok"),
                ("deploy", "error"), ("undeploy", "ok"), ("mcp", "ok"), ("mcp", "error")} <= kinds

    traces = wait_until(lambda: complete(found := finished()) and found)
    assert any(t["streaming"] for t in traces if t["kind"] == "openai")
    assert any(not t["streaming"] for t in traces if t["kind"] == "openai")
    assert {"demo_shout", "demo_greet"} <= {t["entrypoint"] for t in traces if t["kind"] == "deploy"}
