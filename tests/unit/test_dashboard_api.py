"""The dashboard API in one process (memory store): records, paging, clear, validation, access control."""

import json
import time

import pytest

from tests.conftest import FIXTURES

SLOW = (FIXTURES / "slow" / "pipeline_wrapper.py").read_text()


@pytest.fixture
def dash(make_client, examples_dir, spans):
    return make_client(examples_dir, tracer_provider=spans.provider, dashboard_enabled=True)


def wait_for_traces(client, count: int, **params) -> list[dict]:
    """The finished run traces, once there are ``count`` of them (or after 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        traces = client.get("/dashboard/api/traces", params={"limit": 500, **params}).json()["traces"]
        runs = [t for t in traces if t["kind"] != "deploy" and not t["running"]]
        if len(runs) >= count or time.monotonic() > deadline:
            return runs
        time.sleep(0.02)


def test_a_run_becomes_one_trace_record_with_hayhooks_shape(dash):
    dash.post("/shout/run", json={"text": "hi"})
    [trace] = wait_for_traces(dash, 1)
    assert set(trace) >= {
        "trace_id", "start_time_ms", "duration_ms", "entrypoint", "tags", "span_count", "root_span", "cursor",
        "kind", "status", "streaming", "worker", "error", "slowest_component", "usage",
    }
    assert (trace["kind"], trace["status"], trace["entrypoint"], trace["streaming"]) == ("run", "ok", "shout", False)
    assert trace["worker"] == dash.get("/dashboard/api/config").json()["this_worker"]
    root = trace["root_span"]
    assert set(root) >= {"span_id", "name", "start_time_ms", "duration_ms", "running", "tags", "children"}
    assert root["name"] == "hayhooks.pipeline.run"
    [pipeline] = root["children"]
    assert pipeline["name"] == "haystack.pipeline.run"
    names = sorted(
        tag["value"] for c in pipeline["children"] for tag in c["tags"] if tag["key"] == "haystack.component.name"
    )
    assert names == ["exclaim", "upper"]
    assert trace["span_count"] == 4


def test_calls_sharing_a_callers_traceparent_are_three_complete_records(dash):
    caller = "00-0af7651916cd43dd8448eb211c80319c-{:016x}-01"
    for n in range(3):
        dash.post("/shout/run", json={"text": f"call {n}"}, headers={"traceparent": caller.format(n + 1)})
    traces = wait_for_traces(dash, 3)
    assert len(traces) == 3 and {t["trace_id"] for t in traces} == {"0af7651916cd43dd8448eb211c80319c"}
    assert len({t["root_span"]["span_id"] for t in traces}) == 3
    assert [t["span_count"] for t in traces] == [4, 4, 4]
    assert dash.get("/dashboard/api/config").json()["stats"]["stragglers"] == 0


ODD_TAGS = """
from haystack import tracing
from opentelemetry import trace
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> str:
        span = trace.get_current_span()
        span.set_attribute("huge", "x" * 5_000_000)
        span.set_attribute("blob", b"\\x00\\xff" * 50_000)
        span.set_attribute("big_int", 2**70)
        nested = {}
        for _ in range(200):
            nested = {"deeper": nested}
        tracing.tracer.current_span() and tracing.tracer.current_span().set_tag("nested", nested)
        for n in range(60):
            span.set_attribute(f"tag{n}", n)
        return text
"""


def test_odd_span_tags_are_truncated_in_the_stored_trace_never_fatal(dash):
    deployed = dash.post("/deploy_files", json={"name": "odd", "files": {"pipeline_wrapper.py": ODD_TAGS},
                                                 "save_files": False})
    assert deployed.status_code == 200, deployed.text
    assert dash.post("/odd/run", json={"text": "hi"}).json() == {"result": "hi"}
    [trace] = wait_for_traces(dash, 1, entrypoint="odd")
    tags = {tag["key"]: tag["value"] for tag in trace["root_span"]["tags"]}
    assert len(tags) == 49 and "more tags" in tags["…"]  # 48 kept, then one saying how many more
    assert tags["huge"].startswith("xxxx") and "chars]" in tags["huge"]
    assert tags["blob"] == "bytes(100000)" and tags["big_int"] == str(2**70)
    assert all(len(value) < 2200 for value in tags.values())  # the 2 048-character cap plus its marker


def test_spans_beyond_the_per_trace_cap_are_dropped_and_counted(make_client, examples_dir, spans):
    client = make_client(examples_dir, tracer_provider=spans.provider, dashboard_enabled=True,
                         dashboard_trace_max_spans=3)
    client.post("/shout/run", json={"text": "hi"})  # an operation, a pipeline and two component spans
    [trace] = wait_for_traces(client, 1)
    assert (trace["span_count"], trace["dropped_spans"]) == (3, 1)


def test_durations_keep_sub_millisecond_precision(dash):
    dash.post("/shout/run", json={"text": "hi"})
    [trace] = wait_for_traces(dash, 1)
    components = trace["root_span"]["children"][0]["children"]
    assert any(c["duration_ms"] != round(c["duration_ms"]) for c in components)


def test_failed_run_carries_type_message_and_stack(dash):
    dash.post("/flaky/run", json={"text": "fail <img src=x onerror=alert(1)>"})
    [trace] = wait_for_traces(dash, 1)
    assert trace["status"] == "error"
    assert trace["error"]["type"].endswith("PipelineRuntimeError")
    assert "<img src=x onerror=alert(1)>" in trace["error"]["message"]
    assert "Traceback" in trace["error"]["stack"]


def test_haystack_spans_can_be_left_out_of_the_record(make_client, examples_dir, spans):
    client = make_client(examples_dir, tracer_provider=spans.provider, dashboard_enabled=True,
                         dashboard_trace_include_haystack_spans=False)
    client.post("/shout/run", json={"text": "hi"})
    [trace] = wait_for_traces(client, 1)
    assert trace["root_span"]["children"] == [] and trace["span_count"] == 1
    assert any(s.name == "haystack.component.run" for s in spans.get_finished_spans())  # OTLP still gets them


def test_slowest_component_is_flagged_only_above_the_threshold(make_client, examples_dir, spans):
    client = make_client(examples_dir, tracer_provider=spans.provider, dashboard_enabled=True,
                         dashboard_ui_slow_component_min_duration_ms=0)
    client.post("/shout/run", json={"text": "hi"})
    [trace] = wait_for_traces(client, 1)
    assert trace["slowest_component"]["name"] in {"upper", "exclaim"}
    default = make_client(examples_dir, tracer_provider=spans.provider, dashboard_enabled=True)
    default.post("/shout/run", json={"text": "hi"})
    assert wait_for_traces(default, 1)[0]["slowest_component"] is None


def test_token_usage_is_summed_from_generator_spans(dash):
    dash.post("/chat/run", json={"question": "how many tokens is this"})
    [trace] = wait_for_traces(dash, 1)
    assert trace["usage"] == {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}


def test_a_burst_larger_than_the_limit_loses_nothing(dash):
    first = dash.get("/dashboard/api/traces", params={"limit": 5}).json()
    for i in range(12):
        dash.post("/shout/run", json={"text": str(i)})
    wait_for_traces(dash, 12)
    seen, cursor = [], first["next_after_seq"]
    for _ in range(10):
        page = dash.get("/dashboard/api/traces", params={"limit": 5, "after_seq": cursor}).json()
        seen += [t["trace_id"] for t in page["traces"] if t["kind"] == "run"]
        cursor = page["next_after_seq"]
        if not page["has_more"]:
            break
    assert len(set(seen)) == 12


def test_before_seq_pages_back_to_the_oldest_trace(dash):
    for i in range(7):
        dash.post("/shout/run", json={"text": str(i)})
    newest = wait_for_traces(dash, 7, entrypoint="shout")
    page = dash.get("/dashboard/api/traces", params={"limit": 3, "entrypoint": "shout",
                                                     "before_seq": newest[0]["cursor"]}).json()
    assert [t["trace_id"] for t in page["traces"]] == [t["trace_id"] for t in newest[1:4]]
    assert page["has_more"] and page["next_before_seq"] == newest[3]["cursor"]
    rest = dash.get("/dashboard/api/traces", params={"limit": 3, "entrypoint": "shout",
                                                     "before_seq": page["next_before_seq"]}).json()
    assert [t["trace_id"] for t in rest["traces"]] == [t["trace_id"] for t in newest[4:7]]
    oldest = dash.get("/dashboard/api/traces", params={"limit": 3, "entrypoint": "shout",
                                                       "before_seq": rest["next_before_seq"]}).json()
    assert [t["kind"] for t in oldest["traces"]] == ["deploy"]  # shout's deploy at start, before every run
    assert rest["has_more"] and not oldest["has_more"]


def test_after_seq_and_before_seq_together_are_422_saying_to_pick_one(dash):
    response = dash.get("/dashboard/api/traces", params={"after_seq": "1-0", "before_seq": "2-0"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "before_seq"]
    assert "not both" in response.json()["detail"][0]["msg"]


def test_cursor_header_matches_the_body(dash):
    dash.post("/shout/run", json={"text": "x"})
    wait_for_traces(dash, 1)
    response = dash.get("/dashboard/api/traces")
    assert response.headers["x-hayhooks-trace-cursor"] == response.json()["next_after_seq"]


def test_entrypoint_filter(dash):
    dash.post("/shout/run", json={"text": "x"})
    dash.post("/flaky/run", json={"text": "y"})
    wait_for_traces(dash, 2)
    page = dash.get("/dashboard/api/traces", params={"entrypoint": "flaky"}).json()
    assert {t["entrypoint"] for t in page["traces"]} == {"flaky"}


def test_an_empty_entrypoint_filters_nothing_out(dash):
    dash.post("/shout/run", json={"text": "x"})
    dash.post("/flaky/run", json={"text": "y"})
    wait_for_traces(dash, 2)
    page = dash.get("/dashboard/api/traces", params={"entrypoint": ""}).json()
    assert {"shout", "flaky"} <= {t["entrypoint"] for t in page["traces"]}


def test_clear_empties_and_bumps_generation(dash):
    dash.post("/shout/run", json={"text": "x"})
    wait_for_traces(dash, 1)
    before = dash.get("/dashboard/api/traces").json()["generation"]
    body = dash.post("/dashboard/api/traces/clear").json()
    assert body["ok"] and body["generation"] > before
    page = dash.get("/dashboard/api/traces").json()
    assert (page["traces"], page["generation"]) == ([], body["generation"])


def test_a_one_process_server_starts_at_a_generation_of_its_own_so_a_page_open_across_a_restart_drops_its_list(
        make_client, spans):
    first = make_client(tracer_provider=spans.provider, dashboard_enabled=True)
    generation = first.get("/dashboard/api/config").json()["generation"]
    time.sleep(0.002)
    restarted = make_client(tracer_provider=spans.provider, dashboard_enabled=True)
    assert generation > 0 and restarted.get("/dashboard/api/config").json()["generation"] > generation


def test_workers_without_redis_share_one_generation_so_views_do_not_reset_between_them(make_client, spans):
    client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, workers=2, port=1416)
    assert client.get("/dashboard/api/config").json()["generation"] == 0


def test_slow_operation_is_visible_as_running_then_finished(make_client, spans):
    client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_running_after_ms=50)
    client.post("/deploy_files", json={"name": "slow", "files": {"pipeline_wrapper.py": SLOW}, "save_files": False})
    import threading

    runner = threading.Thread(target=lambda: client.post("/slow/run", json={"seconds": 1.0}))
    runner.start()
    deadline, running = time.monotonic() + 3, None
    while running is None and time.monotonic() < deadline:
        traces = client.get("/dashboard/api/traces").json()["traces"]
        running = next((t for t in traces if t["entrypoint"] == "slow" and t["running"]), None)
        time.sleep(0.02)
    runner.join()
    assert running is not None and running["status"] == "running" and running["root_span"]["running"]
    finished = wait_for_traces(client, 1, entrypoint="slow")
    assert [(t["trace_id"], t["status"]) for t in finished] == [(running["trace_id"], "ok")]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 100_000}, "limit"), ({"limit": "ten"}, "limit"),
     ({"since_ms": "yesterday"}, "since_ms"), ({"since_ms": -1}, "since_ms"), ({"after_seq": "12-ab"}, "after_seq"),
     ({"after_seq": "<script>"}, "after_seq"), ({"before_seq": "1-2-3"}, "before_seq")],
)
def test_bad_query_is_422_naming_the_parameter(dash, params, field):
    response = dash.get("/dashboard/api/traces", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_config_reports_ui_settings_and_store(make_client, spans):
    client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_ui_poll_ms=1234,
                         dashboard_ui_list_cap=77, dashboard_ui_fetch_limit=33, dashboard_ui_fresh_ms=999,
                         dashboard_ui_slow_component_min_duration_ms=321)
    config = client.get("/dashboard/api/config").json()
    assert (config["poll_ms"], config["list_cap"], config["fetch_limit"], config["fresh_ms"],
            config["slow_component_min_duration_ms"]) == (1234, 77, 33, 999, 321)
    assert (config["store"], config["consistent"], config["degraded"]) == ("memory", True, False)
    assert (config["configured_workers"], config["workers"]) == (1, [config["this_worker"]])
    assert set(config["stats"]) >= {"dropped", "stragglers", "stored", "capacity"}


def test_config_names_the_dashboard_path_so_the_page_can_tell_where_the_server_root_is(make_client, spans):
    client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_path="/ops/traces",
                         root_path="/hh")
    config = client.get("/ops/traces/api/config").json()
    assert (config["dashboard_path"], config["api_base"]) == ("/ops/traces", "/hh/ops/traces/api")


def test_memory_store_with_several_workers_is_not_consistent(make_client, spans):
    config = make_client(tracer_provider=spans.provider, dashboard_enabled=True, workers=3).get(
        "/dashboard/api/config").json()
    assert config["consistent"] is False
    assert config["configured_workers"] == 3 and config["workers"] == [config["this_worker"]]


def test_entrypoints_lists_deployed_pipelines(dash):
    assert dash.get("/dashboard/api/entrypoints").json()["entrypoints"] == ["chat", "flaky", "greet", "shout"]


def test_dashboard_polling_is_not_traced(dash, spans):
    spans.clear()
    dash.get("/dashboard/api/traces")
    dash.get("/dashboard/api/config")
    assert spans.get_finished_spans() == ()


def test_dashboard_is_off_by_default(client):
    assert client.get("/dashboard/api/config").status_code == 404


class TestAccess:
    def test_token_is_required_when_set(self, make_client, spans):
        client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_token="s3cret")
        response = client.get("/dashboard/api/config")
        assert response.status_code == 401 and "token" in response.json()["detail"]
        assert client.get("/dashboard/api/traces", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/dashboard/api/traces", headers={"Authorization": "Bearer s3cret"}).status_code == 200

    def test_guessing_the_token_is_refused_after_ten_wrong_ones_and_the_log_says_so(self, make_client, spans):
        from hayhooks.logger import log

        said: list[str] = []
        client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_token="s3cret")
        sink = log.add(lambda message: said.append(message.record["message"]), level="WARNING")
        try:
            answers = [client.post("/dashboard/api/login", json={"token": f"guess{n}"}).status_code for n in range(12)]
            refused = client.post("/dashboard/api/login", json={"token": "s3cret"})
        finally:
            log.remove(sink)
        assert answers == [401] * 10 + [429] * 2
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert len([line for line in said if "wrong dashboard tokens" in line]) == 1

    def test_login_sets_a_cookie_that_is_not_the_token(self, make_client, spans):
        client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_token="s3cret")
        assert client.post("/dashboard/api/login", json={"token": "nope"}).status_code == 401
        response = client.post("/dashboard/api/login", json={"token": "s3cret"})
        assert response.status_code == 204
        assert "s3cret" not in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]
        assert client.get("/dashboard/api/config").status_code == 200

    def test_token_never_appears_in_logs_or_traces(self, make_client, examples_dir, spans, capsys):
        token = "tok-9f3e1c"
        client = make_client(examples_dir, tracer_provider=spans.provider, dashboard_enabled=True,
                             dashboard_token=token, access_log=True, log_level="DEBUG")
        bearer = {"Authorization": f"Bearer {token}"}
        client.post("/dashboard/api/login", json={"token": token})
        client.get("/dashboard/api/traces", headers={"Authorization": f"Bearer {token}x"})  # a wrong one, too
        client.post("/shout/run", json={"text": "hi"}, headers=bearer)  # a caller sending it to a run
        stored = wait_for_traces(client, 1)
        assert token not in json.dumps(stored)
        for span in spans.get_finished_spans():
            recorded = [*span.attributes.values(), *(v for e in span.events for v in e.attributes.values())]
            assert not any(token in str(value) for value in recorded), span.name
        logged = capsys.readouterr()
        assert "POST /shout/run" in logged.err + logged.out  # the access log did run
        assert token not in logged.err + logged.out

    def test_public_host_without_token_is_refused(self, make_client, spans):
        client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, host="0.0.0.0")
        response = client.get("/dashboard/api/traces")
        assert response.status_code == 403
        assert "HAYHOOKS_DASHBOARD_TOKEN" in response.json()["detail"]

    def test_public_host_with_token_is_fine(self, make_client, spans):
        client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, host="0.0.0.0",
                             dashboard_token="t")
        assert client.get("/dashboard/api/traces", headers={"Authorization": "Bearer t"}).status_code == 200


def test_the_access_log_leaves_out_the_dashboards_own_reads(make_client, examples_dir, capsys):
    client = make_client(examples_dir, dashboard_enabled=True, access_log=True)
    client.get("/dashboard/api/traces", params={"limit": 5})
    client.get("/dashboard/api/config")
    client.get("/status")
    logged = capsys.readouterr()
    lines = logged.err + logged.out
    assert '"GET /status HTTP/1.1" 200' in lines
    assert "/dashboard/api/" not in lines


def test_the_access_log_exclusions_are_a_setting(make_client, examples_dir, capsys):
    client = make_client(examples_dir, dashboard_enabled=True, access_log=True,
                         access_log_excluded_path_prefixes=["/status"])
    client.get("/dashboard/api/config")
    client.get("/status")
    lines = "".join(capsys.readouterr())
    assert '"GET /dashboard/api/config HTTP/1.1" 200' in lines and "GET /status" not in lines


def test_config_says_every_new_trace_is_kept_by_default(dash):
    sampling = dash.get("/dashboard/api/config").json()["sampling"]
    assert sampling["rate"] == 1.0 and sampling["description"].startswith("ParentBased")


def test_config_says_what_share_of_traces_the_sampler_keeps(make_client, examples_dir):
    from opentelemetry.sdk.trace import TracerProvider, sampling

    provider = TracerProvider(sampler=sampling.ParentBasedTraceIdRatio(0.1))
    client = make_client(examples_dir, tracer_provider=provider, dashboard_enabled=True)
    assert client.get("/dashboard/api/config").json()["sampling"] == {
        "rate": 0.1,
        "description": provider.sampler.get_description(),
    }
