from haystack.dataclasses import ChatMessage

from hayhooks import get_last_user_message, is_user_message


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
