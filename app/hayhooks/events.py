"""UI events a streamed answer can carry next to its text: status lines and notifications.

A chat stream sends an object that has ``to_event_dict()`` as ``data: {"event": {...}}`` instead of a content
delta; Open WebUI shows these as progress lines and toasts. The names and shapes are Hayhooks', so wrappers that
build events with ``create_status_event`` work unchanged.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

NotificationType = Literal["info", "success", "warning", "error"]


class StatusEventData(BaseModel):
    description: str
    done: bool = False
    hidden: bool = False


class NotificationEventData(BaseModel):
    type: NotificationType = "info"
    content: str


class PipelineEvent(BaseModel):
    """An event for the chat UI; subclassed per frontend (``hayhooks.open_webui.OpenWebUIEvent``)."""

    type: str
    data: StatusEventData | NotificationEventData | dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()

    def to_event_dict(self) -> dict[str, Any]:
        """The event as the chat stream sends it; its presence is what marks an object as an event."""
        return self.model_dump()


def create_status_event(description: str, done: bool = False, hidden: bool = False) -> PipelineEvent:
    """A progress line ("Calling 'weather' tool...")."""
    return PipelineEvent(type="status", data=StatusEventData(description=description, done=done, hidden=hidden))


def create_notification_event(content: str, notification_type: NotificationType = "info") -> PipelineEvent:
    """A toast notification."""
    return PipelineEvent(type="notification", data=NotificationEventData(type=notification_type, content=content))


__all__ = [
    "NotificationEventData",
    "PipelineEvent",
    "StatusEventData",
    "create_notification_event",
    "create_status_event",
]
