"""Open WebUI's events (https://docs.openwebui.com/features/plugin/events), under Hayhooks' import path."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hayhooks.events import (
    NotificationEventData,
    PipelineEvent,
    StatusEventData,
    create_notification_event,
    create_status_event,
)


class MessageEventData(BaseModel):
    content: str


class OpenWebUIEvent(PipelineEvent):
    data: StatusEventData | MessageEventData | NotificationEventData | dict[str, Any]


def create_chat_completion_event(data: dict[str, Any]) -> OpenWebUIEvent:
    return OpenWebUIEvent(type="chat:completion", data=data)


def create_message_event(content: str) -> OpenWebUIEvent:
    """Appends ``content`` to the message being written."""
    return OpenWebUIEvent(type="message", data=MessageEventData(content=content))


def create_replace_event(content: str) -> OpenWebUIEvent:
    """Replaces the whole message being written with ``content``."""
    return OpenWebUIEvent(type="replace", data=MessageEventData(content=content))


def create_source_event(source_data: dict[str, Any]) -> OpenWebUIEvent:
    """A citation, or the result of running code."""
    return OpenWebUIEvent(type="source", data=source_data)


def create_details_tag(tool_name: str, summary: str, content: str) -> str:
    """A collapsible block in the message text (text, not an event: Open WebUI renders it from the content)."""
    return f'<details type="{tool_name}" done="true">\n<summary>{summary}</summary>\n\n{content}\n</details>\n\n'


__all__ = [
    "MessageEventData",
    "NotificationEventData",
    "OpenWebUIEvent",
    "PipelineEvent",
    "StatusEventData",
    "create_chat_completion_event",
    "create_details_tag",
    "create_message_event",
    "create_notification_event",
    "create_replace_event",
    "create_source_event",
    "create_status_event",
]
