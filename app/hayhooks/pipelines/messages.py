"""Helpers for OpenAI-style messages (Chat Completions) and input items (Responses), with Hayhooks' names."""

from __future__ import annotations

import json
import uuid
from typing import Any

from haystack.dataclasses import ChatMessage, ToolCall


def is_user_message(message: Any) -> bool:
    role = message.get("role") if isinstance(message, dict) else getattr(message, "role", None)
    return str(getattr(role, "value", role)) == "user"


def _content(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else getattr(message, "text", None)
    if isinstance(content, list):  # OpenAI content parts: keep the text ones
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def get_last_user_message(messages: list[Any]) -> str | None:
    """Text of the last user message, or ``None`` when there is none."""
    for message in reversed(messages):
        if is_user_message(message):
            return _content(message)
    return None


def _user_items(input_items: list[Any]) -> list[dict[str, Any]]:
    return [item for item in input_items if isinstance(item, dict) and item.get("role") == "user"]


def get_last_user_input_text(input_items: list[dict[str, Any]]) -> str | None:
    """Text of the last user message among Responses API input items (``content`` as a string, or its last
    ``input_text`` part), or ``None``."""
    for item in reversed(_user_items(input_items)):
        if item.get("type") not in ("message", None):
            continue
        content = item.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            for part in reversed(content):
                if isinstance(part, dict) and part.get("type") == "input_text":
                    text = part.get("text")
                    return text if isinstance(text, str) else None
    return None


def get_input_files(input_items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``input_file`` parts (those with a ``file_id``) of the user's Responses API input items, in order."""
    return [
        part
        for item in _user_items(input_items)
        if isinstance(item.get("content"), list)
        for part in item["content"]
        if isinstance(part, dict) and part.get("type") == "input_file" and part.get("file_id")
    ]


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "\n".join(part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
                     and part["text"])


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return {}
    return raw if isinstance(raw, dict) else {}


def _call_id(item: dict[str, Any]) -> str | None:
    for key in ("call_id", "id"):
        if isinstance(value := item.get(key), str) and value:
            return value
    return None


def chat_messages_from_openai_response(input_items: list[dict[str, Any]]) -> list[ChatMessage]:
    """Responses API input items as Haystack ``ChatMessage``s: messages by role, ``function_call`` items as
    assistant tool calls and ``function_call_output`` items as the results of those calls (matched by call id)."""
    messages: list[ChatMessage] = []
    calls: dict[str, ToolCall] = {}
    for item in input_items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "function_call":
            call_id = _call_id(item) or f"call_{uuid.uuid4().hex[:24]}"
            call = ToolCall(tool_name=item.get("name") or "function", arguments=_arguments(item.get("arguments")),
                            id=call_id)
            calls[call_id] = call
            messages.append(ChatMessage.from_assistant(tool_calls=[call]))
        elif kind == "function_call_output":
            call_id = _call_id(item)
            output = item.get("output", "")
            origin = calls.get(call_id or "") or ToolCall(tool_name="function", arguments={}, id=call_id)
            messages.append(ChatMessage.from_tool(tool_result=output if isinstance(output, str) else json.dumps(output),
                                                  origin=origin))
        elif text := _text_of(item.get("content")):
            role = item.get("role")
            if role == "user":
                messages.append(ChatMessage.from_user(text))
            elif role in ("system", "developer"):
                messages.append(ChatMessage.from_system(text))
            elif role == "assistant":
                messages.append(ChatMessage.from_assistant(text))
    return messages


__all__ = [
    "chat_messages_from_openai_response",
    "get_input_files",
    "get_last_user_input_text",
    "get_last_user_message",
    "is_user_message",
]
