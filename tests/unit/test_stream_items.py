"""Streamed items are read the same way by the chat, Responses and run routes."""

from types import SimpleNamespace

from haystack.dataclasses import ToolCallDelta

from hayhooks.server.stream_items import tool_name_of


def test_a_haystack_tool_call_delta_names_its_tool():
    assert tool_name_of(ToolCallDelta(index=0, id="call_a", tool_name="exec_command", arguments="{")) == "exec_command"


def test_a_delta_that_only_carries_more_arguments_names_no_tool():
    assert tool_name_of(ToolCallDelta(index=0, arguments='"ls"}')) is None


def test_an_openai_style_call_names_its_tool_by_name():
    assert tool_name_of(SimpleNamespace(name="read_file", arguments="{}")) == "read_file"
