from haystack.dataclasses import ChatMessage

from hayhooks import (
    chat_messages_from_openai_response,
    get_input_files,
    get_last_user_input_text,
    get_last_user_message,
    is_user_message,
)


def test_last_user_message_of_openai_dicts():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "second"},
    ]
    assert get_last_user_message(messages) == "second"


def test_content_parts_are_joined():
    parts = [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {}}, {"type": "text", "text": "b"}]
    assert get_last_user_message([{"role": "user", "content": parts}]) == "ab"


def test_haystack_chat_messages_work_too():
    assert is_user_message(ChatMessage.from_user("hi"))
    assert get_last_user_message([ChatMessage.from_user("hi"), ChatMessage.from_assistant("yo")]) == "hi"


def test_no_user_message_gives_none():
    assert get_last_user_message([{"role": "system", "content": "x"}]) is None


def test_last_user_input_text_of_responses_items():
    items = [
        {"role": "user", "type": "message", "content": [{"type": "input_text", "text": "first"}]},
        {"role": "assistant", "type": "message", "content": [{"type": "output_text", "text": "reply"}]},
        {"role": "user", "content": [{"type": "input_file", "file_id": "f1"}, {"type": "input_text", "text": "last"}]},
    ]
    assert get_last_user_input_text(items) == "last"
    assert get_last_user_input_text([{"role": "user", "content": "shorthand"}]) == "shorthand"
    assert get_last_user_input_text([{"role": "assistant", "content": "x"}]) is None


def test_input_files_are_the_users_file_parts_in_order():
    items = [
        {"role": "user", "content": [{"type": "input_file", "file_id": "a", "filename": "a.pdf"}]},
        {"role": "system", "content": [{"type": "input_file", "file_id": "ignored"}]},
        {"role": "user", "content": [{"type": "input_text", "text": "hi"}, {"type": "input_file", "file_id": "b"},
                                     {"type": "input_file"}]},
    ]
    assert [part["file_id"] for part in get_input_files(items)] == ["a", "b"]


def test_responses_items_become_haystack_chat_messages_with_tool_calls_matched():
    items = [
        {"role": "developer", "content": "be brief"},
        {"role": "user", "type": "message", "content": [{"type": "input_text", "text": "weather?"}]},
        {"type": "function_call", "call_id": "c1", "name": "weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call_output", "call_id": "c1", "output": {"sky": "clear"}},
        {"role": "assistant", "content": [{"type": "output_text", "text": "clear"}]},
        {"role": "user", "content": ""},
    ]
    system, user, call, result, reply = chat_messages_from_openai_response(items)
    assert (system.role.value, system.text) == ("system", "be brief")
    assert (user.role.value, user.text) == ("user", "weather?")
    assert call.tool_call.tool_name == "weather" and call.tool_call.arguments == {"city": "Paris"}
    assert result.tool_call_result.origin is call.tool_call and result.tool_call_result.result == '{"sky": "clear"}'
    assert (reply.role.value, reply.text) == ("assistant", "clear")
