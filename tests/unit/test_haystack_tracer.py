"""Haystack's own spans obey the payload policy: no raw inputs unless asked, secrets never, values capped."""

from haystack import Pipeline, component
from haystack.components.agents import Agent
from haystack.dataclasses import ChatMessage, ToolCall
from haystack.tools import Tool
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hayhooks.tracing.haystack_tracer import disable_haystack_tracing, enable_haystack_tracing
from tests.traces import one


@component
class Echo:
    @component.output_types(text=str)
    def run(self, text: str, options: dict | None = None) -> dict:
        return {"text": text}


def run_traced(*, raw: bool, max_length: int = 4096, **inputs) -> list:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    enable_haystack_tracing(provider.get_tracer("haystack"), raw=raw, max_length=max_length)
    try:
        pipeline = Pipeline()
        pipeline.add_component("echo", Echo())
        pipeline.run({"echo": inputs})
    finally:
        disable_haystack_tracing()
    return list(exporter.get_finished_spans())


def all_values(spans) -> str:
    return " ".join(str(v) for s in spans for v in s.attributes.values())


def test_pipeline_input_data_carries_shapes_not_values_by_default():
    spans = run_traced(raw=False, text="top secret question")
    assert "top secret question" not in all_values(spans)
    assert one(spans, "haystack.pipeline.run").attributes["haystack.pipeline.input_data"] == "echo={text=str(19)}"


def test_shapes_open_nested_dicts_and_size_what_has_a_size():
    spans = run_traced(raw=False, text="hello", options={"top_k": 2, "names": ["a", "b"], "deep": {"x": None}})
    assert one(spans, "haystack.pipeline.run").attributes["haystack.pipeline.input_data"] == (
        "echo={text=str(5), options={top_k=int, names=list(2), deep={x=None}}}"
    )


def test_component_inputs_and_outputs_are_not_raw_by_default(monkeypatch):
    monkeypatch.setenv("HAYSTACK_CONTENT_TRACING_ENABLED", "true")
    spans = run_traced(raw=False, text="private words")
    assert "private words" not in all_values(spans)


def test_raw_mode_records_values_with_secrets_redacted():
    spans = run_traced(raw=True, text="hello", options={"api_key": "sk-live-123", "top_k": 2})
    values = all_values(spans)
    assert "hello" in values and '"top_k":2' in values
    assert "sk-live-123" not in values


def test_huge_values_are_capped():
    spans = run_traced(raw=True, max_length=100, text="x" * 1_000_000)
    longest = max(len(str(v)) for s in spans for v in s.attributes.values())
    assert longest < 150


def test_component_name_and_type_are_tagged():
    span = one(run_traced(raw=False, text="a"), "haystack.component.run")
    assert (span.attributes["haystack.component.name"], span.attributes["haystack.component.type"]) == ("echo", "Echo")


@component
class ScriptedChatModel:
    """A chat model for an Agent: it calls the tool once, then answers with the tool's result."""

    @component.output_types(replies=list[ChatMessage])
    def run(self, messages: list[ChatMessage], tools=None, **kwargs) -> dict:
        results = [m for m in messages if m.tool_call_result is not None]
        if not results:
            call = ToolCall(tool_name="lookup", arguments={"account": "ACC-7781 private"}, id="c1")
            return {"replies": [ChatMessage.from_assistant(tool_calls=[call])]}
        return {"replies": [ChatMessage.from_assistant(f"done: {results[-1].tool_call_result.result}")]}


def run_agent_traced(*, raw: bool) -> list:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    enable_haystack_tracing(provider.get_tracer("haystack"), raw=raw, max_length=4096)
    tool = Tool(name="lookup", description="Look up an account", function=lambda account: "balance 912.44 secret",
                parameters={"type": "object", "properties": {"account": {"type": "string"}}})
    try:
        agent = Agent(chat_generator=ScriptedChatModel(), tools=[tool])
        agent.warm_up()
        agent.run(messages=[ChatMessage.from_user("my confidential question")])
    finally:
        disable_haystack_tracing()
    return list(exporter.get_finished_spans())


def test_an_agents_messages_tool_arguments_and_results_are_shapes_by_default():
    spans = run_agent_traced(raw=False)
    assert {"haystack.agent.run", "haystack.agent.step.llm", "haystack.agent.step.tool"} <= {s.name for s in spans}
    values = all_values(spans)
    for secret in ("my confidential question", "ACC-7781 private", "balance 912.44 secret"):
        assert secret not in values
    tool_span = one(spans, "haystack.agent.step.tool")
    assert tool_span.attributes["haystack.agent.step.tool.input"] == "account=str(16)"


def test_an_agents_content_is_recorded_in_raw_mode():
    values = all_values(run_agent_traced(raw=True))
    assert "my confidential question" in values and "balance 912.44 secret" in values


def test_a_tracer_enabled_after_ours_gets_haystacks_spans():
    from haystack import tracing
    from haystack_integrations.tracing.opentelemetry import OpenTelemetryTracer

    ours = TracerProvider()
    theirs_exporter = InMemorySpanExporter()
    theirs = TracerProvider()
    theirs.add_span_processor(SimpleSpanProcessor(theirs_exporter))
    enable_haystack_tracing(ours.get_tracer("haystack"), raw=False, max_length=4096)
    try:
        tracing.enable_tracing(OpenTelemetryTracer(theirs.get_tracer("theirs")))
        pipeline = Pipeline()
        pipeline.add_component("echo", Echo())
        pipeline.run({"echo": {"text": "hi"}})
    finally:
        disable_haystack_tracing()
    assert {s.name for s in theirs_exporter.get_finished_spans()} == {"haystack.pipeline.run", "haystack.component.run"}


def test_disabling_leaves_haystacks_tracer_as_it_was():
    from haystack import tracing

    enable_haystack_tracing(TracerProvider().get_tracer("haystack"), raw=False, max_length=4096)
    disable_haystack_tracing()
    assert "trace" not in vars(tracing.tracer)
    assert not tracing.is_tracing_enabled()


class Counted:
    """An input whose conversion for a tag can be seen: raw mode asks it for ``to_dict``."""

    conversions = 0

    def to_dict(self) -> dict:
        Counted.conversions += 1
        return {"value": 1}


@component
class TakesAnything:
    @component.output_types(done=bool)
    def run(self, item: Counted) -> dict:
        return {"done": True}


def run_under(sampler) -> list:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("haystack")
    enable_haystack_tracing(tracer, raw=True, max_length=4096)
    try:
        pipeline = Pipeline()
        pipeline.add_component("take", TakesAnything())
        with tracer.start_as_current_span("hayhooks.pipeline.run"):
            pipeline.run({"take": {"item": Counted()}})
    finally:
        disable_haystack_tracing()
    return list(exporter.get_finished_spans())


def test_spans_of_a_sampled_out_trace_convert_no_tag():
    from opentelemetry.sdk.trace import sampling

    Counted.conversions = 0
    assert run_under(sampling.ParentBasedTraceIdRatio(0.0)) == []
    assert Counted.conversions == 0


def test_spans_of_a_sampled_trace_convert_their_tags():
    from opentelemetry.sdk.trace import sampling

    Counted.conversions = 0
    spans = run_under(sampling.ParentBasedTraceIdRatio(1.0))
    assert Counted.conversions > 0
    assert '"value":1' in one(spans, "haystack.component.run").attributes["haystack.component.input"]
