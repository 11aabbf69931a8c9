"""Kept so wrappers written as ``from hayhooks.server.pipelines.utils import streaming_generator`` keep working."""

from hayhooks.pipelines.inputs import coerce_pipeline_inputs
from hayhooks.pipelines.messages import (
    chat_messages_from_openai_response,
    get_input_files,
    get_last_user_input_text,
    get_last_user_message,
    is_user_message,
)
from hayhooks.pipelines.streaming import (
    OnPipelineEnd,
    OnReasoning,
    OnToolCallEnd,
    OnToolCallStart,
    ToolCallbackReturn,
    async_streaming_generator,
    find_all_streaming_components,
    is_streaming_component,
    parse_streaming_components_setting,
    streaming_generator,
)

__all__ = [
    "OnPipelineEnd",
    "OnReasoning",
    "OnToolCallEnd",
    "OnToolCallStart",
    "ToolCallbackReturn",
    "async_streaming_generator",
    "chat_messages_from_openai_response",
    "coerce_pipeline_inputs",
    "find_all_streaming_components",
    "get_input_files",
    "get_last_user_input_text",
    "get_last_user_message",
    "is_streaming_component",
    "is_user_message",
    "parse_streaming_components_setting",
    "streaming_generator",
]
