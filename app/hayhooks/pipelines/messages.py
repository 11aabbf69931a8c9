"""Helpers for OpenAI-style chat messages, with Hayhooks' names."""

from __future__ import annotations

from typing import Any


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
