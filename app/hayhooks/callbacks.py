"""Ready-made callbacks for ``streaming_generator``: tool calls as status lines, the run's result as text."""

from __future__ import annotations

from typing import Any

from haystack.tracing.utils import coerce_tag_value

from hayhooks.events import PipelineEvent, create_notification_event, create_status_event
from hayhooks.open_webui import create_details_tag


def default_on_tool_call_start(tool_name: str, arguments: Any, tool_call_id: str | None) -> PipelineEvent | None:
    """'Calling <tool> tool...' while a tool runs (nothing for a nameless call)."""
    if not tool_name:
        return None
    return create_status_event(description=f"Calling '{tool_name}' tool...", done=False)


def default_on_tool_call_end(
    tool_name: str, arguments: dict[str, Any], result: str, error: bool
) -> list[PipelineEvent | str]:
    """The call marked done, then its arguments and response in a details block, or an error toast."""
    if error:
        return [
            create_status_event(description=f"Called '{tool_name}' tool", done=True, hidden=True),
            create_notification_event(content=f"Error calling '{tool_name}' tool", notification_type="error"),
        ]
    return [
        create_status_event(description=f"Called '{tool_name}' tool", done=True),
        create_details_tag(
            tool_name=tool_name,
            summary=f"Tool call result for '{tool_name}'",
            content=f"```\nArguments:\n{arguments}\n\nResponse:\n{result}\n```",
        ),
    ]


def default_on_pipeline_end(result: Any) -> str:
    """The run's whole result as text (JSON where it can be)."""
    return str(coerce_tag_value(result))


__all__ = ["default_on_pipeline_end", "default_on_tool_call_end", "default_on_tool_call_start"]
