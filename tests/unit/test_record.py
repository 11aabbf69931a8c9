"""The trace record: what ``expand`` makes of a packed trace."""

from hayhooks.dashboard.record import Limits, expand

ROOT_ID, CHILD_ID = 0xA, 0xB


def packed(root_attributes: dict, child_attributes: dict) -> dict:
    root = [ROOT_ID, 0, "hayhooks.pipeline.run", 1_000_000_499, 1_002_500_501, root_attributes, 1, None, None]
    child = [CHILD_ID, ROOT_ID, "haystack.component.run", 1_000_001_000, 1_000_001_500, child_attributes, 1, None,
             None]
    return {"trace_id": "ab" * 16, "entrypoint": "p", "kind": "run", "status": "ok", "running": False,
            "worker": "h:1", "spans": [root, child]}


def test_times_are_milliseconds_rounded_to_the_microsecond():
    record = expand(packed({}, {}), Limits(), now_ns=0)
    assert (record["start_time_ms"], record["duration_ms"]) == (1000.0, 2.5)
    child = record["root_span"]["children"][0]
    assert (child["start_time_ms"], child["duration_ms"]) == (1000.001, 0.001)


def test_each_span_says_whether_it_failed():
    trace = packed({}, {})
    trace["spans"][1][6] = 2  # the component's span ended with StatusCode.ERROR
    trace["spans"].append([0xC, ROOT_ID, "haystack.component.run", 1_000_002_000, None, {}, 0, None, None])
    root = expand(trace, Limits(), now_ns=1_000_003_000)["root_span"]
    assert root["status"] == "ok"
    assert [child["status"] for child in root["children"]] == ["error", "running"]


def test_tag_values_are_text_whatever_their_type():
    attributes = {"s": "text", "yes": True, "no": False, "n": 42, "x": 1.5, "seq": ("a", "b"), "huge": 10**30}
    [child] = expand(packed({}, attributes), Limits(), 0)["root_span"]["children"]
    tags = {t["key"]: t["value"] for t in child["tags"]}
    assert tags == {"s": "text", "yes": "true", "no": "false", "n": "42", "x": "1.5", "seq": "a, b",
                    "huge": str(10**30)}


def test_long_tag_values_are_capped_with_a_marker():
    tags = expand(packed({"long": "y" * 100, "big": 10**200}, {}), Limits(max_tag_length=10), 0)["root_span"]["tags"]
    assert [t["value"] for t in tags] == ["y" * 10 + "…[+90 chars]", "1" + "0" * 9 + "…[+191 chars]"]


def test_summary_tags_use_the_same_text_form():
    record = expand(packed({"hayhooks.streaming": True, "http.response.status_code": 200}, {}), Limits(), 0)
    assert record["tags"] == [{"key": "hayhooks.streaming", "value": "true"},
                              {"key": "http.response.status_code", "value": "200"}]


def agent_trace() -> dict:
    """An Agent run on its own: a 30 ms LLM call, then an 80 ms tool call, then a 20 ms LLM call."""
    ms = 1_000_000
    spans = [[ROOT_ID, 0, "hayhooks.openai.run", 0, 200 * ms, {}, 1, None, None],
             [0x1, ROOT_ID, "haystack.agent.run", 0, 190 * ms, {}, 1, None, None],
             [0x2, 0x1, "haystack.agent.step.llm", 0, 30 * ms, {}, 1, None, None],
             [0x3, 0x1, "haystack.agent.step.tool", 30 * ms, 110 * ms, {"haystack.tool.name": "weather"}, 1, None,
              None],
             [0x4, 0x1, "haystack.agent.step.llm", 110 * ms, 130 * ms, {}, 1, None, None]]
    return {"trace_id": "cd" * 16, "entrypoint": "agent", "kind": "openai", "status": "ok", "running": False,
            "worker": "h:1", "spans": spans}


def test_an_agent_runs_slowest_step_is_its_slowest_component():
    slowest = expand(agent_trace(), Limits(slow_component_ms=50), 0)["slowest_component"]
    assert (slowest["name"], slowest["type"], slowest["duration_ms"]) == ("weather", "agent tool call", 80.0)


def test_an_agents_llm_call_is_named_as_such():
    trace = agent_trace()
    trace["spans"][3][4] = 35 * 1_000_000  # the tool call now takes 5 ms: the first LLM call is the slowest
    slowest = expand(trace, Limits(slow_component_ms=10), 0)["slowest_component"]
    assert (slowest["name"], slowest["type"]) == ("LLM", "agent LLM call")
