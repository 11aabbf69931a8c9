"""Pipelines as MCP tools, driven by the official mcp client over streamable HTTP and legacy SSE."""

import asyncio
import json

import httpx2
import pytest
from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import EXAMPLES, FIXTURES
from tests.integration.test_shared_view import fresh, wait_until
from tests.servers import free_port, hayhooks_command, launch

pytestmark = pytest.mark.integration

CORE_TOOLS = {"get_all_pipeline_statuses", "get_pipeline_status", "deploy_pipeline", "undeploy_pipeline"}


@pytest.fixture
def mcp_server(tmp_path):
    """``hayhooks mcp run`` on a free port."""
    port = free_port()
    command = [*hayhooks_command(), "mcp", "run", "--port", str(port), "--pipelines-dir", str(EXAMPLES)]
    server = launch(tmp_path, command, port=port)
    yield server.url
    server.stop()


async def list_and_call(url: str) -> tuple[list, object, object, object]:
    async with Client(f"{url}/mcp") as client:
        tools = (await client.list_tools()).tools
        ok = await client.call_tool("shout", {"text": "mcp"})
        failed = await client.call_tool("flaky", {"text": "please fail"})
        unknown = await client.call_tool("ghost", {})
    return tools, ok, failed, unknown


def test_streamable_http_lists_and_calls_tools(mcp_server):
    tools, ok, failed, unknown = asyncio.run(list_and_call(mcp_server))
    by_name = {t.name: t for t in tools}
    assert set(by_name) == {"chat", "flaky", "greet", "shout", *CORE_TOOLS}
    assert by_name["shout"].description.startswith("Shout the text back")
    assert by_name["shout"].input_schema["properties"]["text"]["type"] == "string"
    assert by_name["shout"].input_schema["required"] == ["text"]
    assert set(by_name["greet"].input_schema["required"]) == {"name", "place"}
    assert not ok.is_error and ok.content[0].text == "MCP!"
    assert failed.is_error and "asks to fail" in failed.content[0].text
    assert unknown.is_error and "Unknown tool" in unknown.content[0].text


def test_invalid_arguments_are_an_error_result(mcp_server):
    async def call() -> object:
        async with Client(f"{mcp_server}/mcp") as client:
            return await client.call_tool("shout", {"txt": "x"})

    result = asyncio.run(call())
    assert result.is_error and "text" in result.content[0].text


def test_legacy_sse_transport(mcp_server):
    async def call() -> tuple[list, object]:
        async with sse_client(f"{mcp_server}/sse") as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            return tools, await session.call_tool("greet", {"name": "Ann", "place": "Oslo"})

    tools, result = asyncio.run(call())
    assert "greet" in {t.name for t in tools}
    assert json.loads(result.content[0].text)["shout"]["output"] == "HELLO ANN, WELCOME TO OSLO!"


def test_mounted_on_the_main_server_with_traces(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--with-tracing-dashboard",
                            env={"HAYHOOKS_MCP_MOUNT": "true"})
    tools, ok, _failed, _ = asyncio.run(list_and_call(server.url))
    assert "shout" in {t.name for t in tools} and ok.content[0].text == "MCP!"

    def mcp_traces() -> list[dict]:
        traces = fresh(server.url, "/dashboard/api/traces", params={"limit": 100}).json()["traces"]
        return [t for t in traces if t["kind"] == "mcp" and not t["running"]]

    def names(traces: list[dict]) -> list[str]:
        return [t["root_span"]["name"] for t in traces]

    # Three calls (shout, flaky, ghost); the client may list tools more than once, so count the calls, not all.
    traces = wait_until(lambda: names(found := mcp_traces()).count("hayhooks.mcp.call_tool") >= 3 and found)
    assert names(traces).count("hayhooks.mcp.call_tool") == 3
    assert names(traces).count("hayhooks.mcp.list_tools") >= 1
    call = next(t for t in traces if t["entrypoint"] == "shout")
    pipeline = call["root_span"]["children"][0]
    assert pipeline["name"] == "haystack.pipeline.run" and len(pipeline["children"]) == 2
    assert next(t for t in traces if t["entrypoint"] == "flaky")["status"] == "error"
    tags = {tag["key"]: tag["value"] for tag in call["root_span"]["tags"]}
    assert (tags["hayhooks.tool.name"], tags["hayhooks.tool.is_core"]) == ("shout", "false")
    assert tags["hayhooks.payload.values"] == "text=str(3)"  # shapes, not the text


def test_a_core_tool_call_is_traced_as_that_tool_not_as_the_pipeline_it_names(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--with-tracing-dashboard",
                            env={"HAYHOOKS_MCP_MOUNT": "true"})

    async def ask() -> object:
        async with Client(f"{server.url}/mcp") as client:
            return await client.call_tool("get_pipeline_status", {"pipeline_name": "shout"})

    assert "is deployed: True" in asyncio.run(ask()).content[0].text

    def calls() -> list[dict]:
        traces = fresh(server.url, "/dashboard/api/traces").json()["traces"]
        return [t for t in traces if t["root_span"]["name"] == "hayhooks.mcp.call_tool" and not t["running"]]

    call = wait_until(calls)[0]
    tags = {tag["key"]: tag["value"] for tag in call["root_span"]["tags"]}
    assert (tags["hayhooks.tool.name"], tags["hayhooks.tool.is_core"]) == ("get_pipeline_status", "true")
    assert call["entrypoint"] != "shout" and "hayhooks.pipeline.name" not in tags


CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"


@pytest.fixture
def traced_mcp(server_factory) -> str:
    """MCP mounted on a server that captures traces: its URL."""
    return server_factory("--pipelines-dir", str(EXAMPLES), "--with-tracing-dashboard",
                          env={"HAYHOOKS_MCP_MOUNT": "true"}).url


def shout(url: str, text: str, *, headers: dict | None = None, meta: dict | None = None) -> str:
    """Call the ``shout`` tool over streamable HTTP, with these HTTP headers and this ``_meta``; its answer."""
    async def call() -> object:
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http, Client(
                streamable_http_client(f"{url}/mcp", http_client=http)) as client:
            return await client.call_tool("shout", {"text": text}, meta=meta)

    return asyncio.run(call()).content[0].text


def call_traces(url: str) -> list[dict]:
    traces = fresh(url, "/dashboard/api/traces", params={"limit": 100}).json()["traces"]
    return [t for t in traces if t["root_span"]["name"] == "hayhooks.mcp.call_tool" and not t["running"]]


def test_a_call_continues_the_trace_of_the_http_request_that_carried_it(traced_mcp):
    assert shout(traced_mcp, "tp", headers={"traceparent": CALLER}) == "TP!"
    assert [t["trace_id"] for t in wait_until(lambda: call_traces(traced_mcp))] == [CALLER_TRACE]


def test_a_call_continues_the_trace_its_meta_names(traced_mcp):
    assert shout(traced_mcp, "meta", meta={"traceparent": CALLER}) == "META!"
    assert [t["trace_id"] for t in wait_until(lambda: call_traces(traced_mcp))] == [CALLER_TRACE]


def test_a_malformed_traceparent_in_meta_leaves_the_one_of_the_http_request(traced_mcp):
    assert shout(traced_mcp, "both", headers={"traceparent": CALLER}, meta={"traceparent": "garbage"}) == "BOTH!"
    assert [t["trace_id"] for t in wait_until(lambda: call_traces(traced_mcp))] == [CALLER_TRACE]


def test_a_malformed_traceparent_starts_a_trace_of_its_own(traced_mcp):
    assert shout(traced_mcp, "odd", meta={"traceparent": "00-zz-yy-01"}) == "ODD!"
    [trace] = wait_until(lambda: call_traces(traced_mcp))
    assert len(trace["trace_id"]) == 32 and trace["status"] == "ok"


@pytest.fixture
def mcp_server_of_a_copy(examples_dir, tmp_path):
    """``hayhooks mcp run`` over a copy of the examples, which deploys may write to."""
    port = free_port()
    command = [*hayhooks_command(), "mcp", "run", "--port", str(port), "--pipelines-dir", str(examples_dir)]
    server = launch(tmp_path, command, port=port)
    yield server.url, examples_dir
    server.stop()


def test_core_tools_deploy_call_and_undeploy_a_pipeline(mcp_server_of_a_copy):
    url, folder = mcp_server_of_a_copy
    wrapper = (EXAMPLES / "shout" / "pipeline_wrapper.py").read_text()

    async def session() -> list:
        async with Client(f"{url}/mcp") as client:
            deployed = await client.call_tool("deploy_pipeline", {"name": "loud", "files": {
                "pipeline_wrapper.py": wrapper}, "save_files": True})
            listed = {t.name for t in (await client.list_tools()).tools}
            ran = await client.call_tool("loud", {"text": "via mcp"})
            status = await client.call_tool("get_pipeline_status", {"pipeline_name": "loud"})
            undeployed = await client.call_tool("undeploy_pipeline", {"pipeline_name": "loud"})
            everything = await client.call_tool("get_all_pipeline_statuses", {})
            return [deployed, listed, ran, status, undeployed, everything]

    deployed, listed, ran, status, undeployed, everything = asyncio.run(session())
    assert not deployed.is_error and deployed.content[0].text == "Pipeline 'loud' deployed successfully"
    assert "loud" in listed and ran.content[0].text == "VIA MCP!"
    assert status.content[0].text == "Pipeline 'loud' is deployed: True"
    assert undeployed.content[0].text == "Pipeline 'loud' undeployed"
    assert everything.content[0].text.startswith("Available pipelines:\n") and "loud" not in everything.content[0].text
    assert not (folder / "loud").exists()  # saved by the deploy, removed by the undeploy


def test_core_tools_say_what_is_wrong_with_a_call(mcp_server):
    async def session() -> list:
        async with Client(f"{mcp_server}/mcp") as client:
            return [await client.call_tool("deploy_pipeline", {"name": "x", "files": {"other.py": ""}}),
                    await client.call_tool("get_pipeline_status", {}),
                    await client.call_tool("undeploy_pipeline", {"pipeline_name": "ghost"})]

    no_wrapper, no_name, unknown = asyncio.run(session())
    assert no_wrapper.is_error and "pipeline_wrapper.py" in no_wrapper.content[0].text
    assert no_name.is_error and "pipeline_name" in no_name.content[0].text
    assert unknown.is_error and "ghost" in unknown.content[0].text


def test_deploy_tools_are_gone_when_deploy_over_http_is_off(tmp_path):
    port = free_port()
    command = [*hayhooks_command(), "mcp", "run", "--port", str(port), "--pipelines-dir", str(EXAMPLES)]
    server = launch(tmp_path, command, port=port, env={"HAYHOOKS_DISABLE_HTTP_DEPLOY": "true"})
    try:
        async def session() -> tuple[set, object]:
            async with Client(f"{server.url}/mcp") as client:
                names = {t.name for t in (await client.list_tools()).tools}
                return names, await client.call_tool("undeploy_pipeline", {"pipeline_name": "shout"})

        names, refused = asyncio.run(session())
    finally:
        server.stop()
    assert {"get_all_pipeline_statuses", "get_pipeline_status"} <= names
    assert not names & {"deploy_pipeline", "undeploy_pipeline"}
    assert refused.is_error and "HAYHOOKS_DISABLE_HTTP_DEPLOY" in refused.content[0].text


def test_json_response_answers_streamable_http_with_plain_json(tmp_path):
    import httpx

    port = free_port()
    command = [*hayhooks_command(), "mcp", "run", "--port", str(port), "--pipelines-dir", str(EXAMPLES),
               "--json-response"]
    server = launch(tmp_path, command, port=port)
    try:
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
        answer = httpx.post(f"{server.url}/mcp", json=init,
                            headers={"accept": "application/json, text/event-stream"})
    finally:
        server.stop()
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["result"]["serverInfo"]["name"] == "hayhooks"


SHARED_IMPORT = """
from shared_helpers import loud
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> str:
        return loud(text)
"""


def test_mcp_run_takes_an_additional_python_path_for_wrappers(tmp_path):
    shared, pipelines = tmp_path / "shared", tmp_path / "pipelines" / "louder"
    shared.mkdir()
    pipelines.mkdir(parents=True)
    (shared / "shared_helpers.py").write_text("def loud(text):\n    return text.upper() + '!!'\n")
    (pipelines / "pipeline_wrapper.py").write_text(SHARED_IMPORT)
    port = free_port()
    server = launch(tmp_path, [*hayhooks_command(), "mcp", "run", "--port", str(port), "--pipelines-dir",
                               str(pipelines.parent), "--additional-python-path", str(shared)], port=port)
    try:
        async def call() -> object:
            async with Client(f"{server.url}/mcp") as client:
                return await client.call_tool("louder", {"text": "hey"})

        result = asyncio.run(call())
        assert result.content[0].text == "HEY!!"
    finally:
        server.stop()


def test_a_tool_whose_run_api_streams_answers_with_what_it_streamed(server_factory, tmp_path):
    (tmp_path / "pipes").mkdir()
    (tmp_path / "pipes" / "drip").symlink_to(FIXTURES / "drip")
    server = server_factory("--pipelines-dir", str(tmp_path / "pipes"), env={"HAYHOOKS_MCP_MOUNT": "true"})

    async def call() -> tuple[object, object]:
        async with Client(f"{server.url}/mcp") as client:
            streamed = await client.call_tool("drip", {"text": "a b c"})
            failed = await client.call_tool("drip", {"text": "a b c", "fail_after": 1})
        return streamed, failed

    streamed, failed = asyncio.run(call())
    assert not streamed.is_error and streamed.content[0].text == "a b c "
    assert failed.is_error and "the stream failed midway" in failed.content[0].text


@pytest.fixture
def slow_tools(server_factory, tmp_path) -> str:
    """MCP mounted on a traced server with a pipeline that naps and one that streams slowly: its URL."""
    (tmp_path / "pipes").mkdir()
    for name in ("nap", "drip"):
        (tmp_path / "pipes" / name).symlink_to(FIXTURES / name)
    return server_factory("--pipelines-dir", str(tmp_path / "pipes"), "--with-tracing-dashboard",
                          env={"HAYHOOKS_MCP_MOUNT": "true"}).url


def leave_during(url: str, tool: str, arguments: dict, after_s: float) -> None:
    """Call ``tool`` over streamable HTTP and give up after ``after_s``: the client closes its session."""
    async def call() -> None:
        async with Client(f"{url}/mcp") as client:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(client.call_tool(tool, arguments), after_s)

    asyncio.run(call())


def span_names(span: dict) -> list[str]:
    return [span["name"], *(name for child in span["children"] for name in span_names(child))]


@pytest.mark.slow
def test_a_call_the_client_leaves_is_a_failed_trace_that_holds_the_whole_run(slow_tools):
    leave_during(slow_tools, "nap", {"seconds": 1.5}, after_s=0.5)

    [trace] = wait_until(lambda: call_traces(slow_tools), timeout=20)

    assert trace["status"] == "error"
    assert trace["error"]["type"].endswith("ClientDisconnected")
    assert "haystack.component.run" in span_names(trace["root_span"])
    assert trace["duration_ms"] >= 1500 * 0.9  # it ended with the run, which went on after the client left


@pytest.mark.slow
def test_a_streaming_call_the_client_leaves_holds_the_whole_run(slow_tools):
    leave_during(slow_tools, "drip", {"text": "one two three four five six"}, after_s=0.5)

    [trace] = wait_until(lambda: call_traces(slow_tools), timeout=20)

    assert trace["error"]["type"].endswith("ClientDisconnected")
    assert "haystack.component.run" in span_names(trace["root_span"])
    assert trace["duration_ms"] >= 6 * 300 * 0.9
