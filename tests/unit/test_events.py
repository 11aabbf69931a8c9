"""UI events and the default streaming callbacks: the shapes Open WebUI reads, as Hayhooks builds them."""

from hayhooks import PipelineEvent, default_on_pipeline_end, default_on_tool_call_end, default_on_tool_call_start
from hayhooks.open_webui import create_details_tag, create_message_event, create_notification_event


def test_a_status_event_is_sent_as_type_and_data():
    event = default_on_tool_call_start("weather", {"city": "Paris"}, "call_1")
    assert isinstance(event, PipelineEvent)
    assert event.to_event_dict() == {
        "type": "status", "data": {"description": "Calling 'weather' tool...", "done": False, "hidden": False}}


def test_a_nameless_tool_call_makes_no_event():
    assert default_on_tool_call_start("", {}, None) is None


def test_a_finished_tool_call_is_marked_done_and_detailed():
    done, details = default_on_tool_call_end("weather", {"city": "Paris"}, "sunny", False)
    assert done.to_event_dict()["data"] == {"description": "Called 'weather' tool", "done": True, "hidden": False}
    assert details.startswith('<details type="weather" done="true">') and "sunny" in details


def test_a_failed_tool_call_is_an_error_notification():
    hidden, error = default_on_tool_call_end("weather", {}, "boom", True)
    assert hidden.to_event_dict()["data"]["hidden"] is True
    assert error.to_event_dict() == create_notification_event("Error calling 'weather' tool", "error").to_event_dict()
    assert error.to_event_dict()["data"] == {"type": "error", "content": "Error calling 'weather' tool"}


def test_the_pipeline_end_callback_gives_the_result_as_json_text():
    assert default_on_pipeline_end({"llm": {"replies": ["hi"]}}) == '{"llm": {"replies": ["hi"]}}'


def test_open_webui_helpers():
    assert create_message_event("more").to_event_dict() == {"type": "message", "data": {"content": "more"}}
    tag = create_details_tag("t", "s", "c")
    assert tag == '<details type="t" done="true">\n<summary>s</summary>\n\nc\n</details>\n\n'
