"""The instrument behind ``trace_store.py --only toggled``: ``benchmarks/toggled_server.py`` is ``hayhooks run`` whose
capture SIGUSR2 switches off and SIGUSR1 back on, in the same process. If the switch did nothing, capture would
measure as free."""

import asyncio
import sys

import httpx
import pytest
from benchmarks.toggled_server import switch

from tests.conftest import EXAMPLES, ROOT
from tests.flushing import settle
from tests.servers import free_port, launch

pytestmark = pytest.mark.integration


@pytest.fixture
def toggled(tmp_path):
    port = free_port()
    server = launch(tmp_path, [sys.executable, str(ROOT / "benchmarks" / "toggled_server.py"), "run",
                               "--host", "127.0.0.1", "--port", str(port),
                               "--pipelines-dir", str(EXAMPLES)],
                    port=port, env={"HAYHOOKS_DASHBOARD_ENABLED": "true", "HAYHOOKS_LOG_LEVEL": "WARNING"})
    yield server
    server.stop()


async def test_capture_switched_off_keeps_no_trace_and_switched_on_keeps_them_again(toggled):
    async with httpx.AsyncClient(base_url=toggled.url) as client:
        async def captured() -> int:
            return (await client.get("/dashboard/api/config")).json()["stats"]["captured"]

        async def shout(times: int) -> None:
            for _ in range(times):
                (await client.post("/shout/run", json={"text": "hi"})).raise_for_status()

        async def runs() -> int:
            page = (await client.get("/dashboard/api/traces", params={"entrypoint": "shout"})).json()
            return sum(trace["kind"] == "run" for trace in page["traces"])  # not the pipeline's deploy

        await shout(1)
        await settle(runs)
        before = await captured()

        await asyncio.to_thread(switch, toggled.process.pid, toggled.log_path, "off")
        await shout(3)
        await asyncio.to_thread(switch, toggled.process.pid, toggled.log_path, "on")
        await shout(2)

        assert await settle(lambda: at_least(runs, 3)) == 3
        await asyncio.sleep(0.3)  # a trace kept by mistake while off would be counted by now
        assert await runs() == 3
        assert await captured() == before + 2


async def at_least(count, expected: int) -> int:
    return found if (found := await count()) >= expected else 0

