"""Hayhooks-compatible server for Haystack pipelines, with a live trace dashboard shared across workers.

The public names are the ones Hayhooks users already import; they load on first use so that the CLI starts
without importing Haystack.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "AsyncPipeline": "hayhooks.pipelines.compat",
    "BasePipelineWrapper": "hayhooks.pipelines.wrapper",
    "DurableContext": "hayhooks.durable.context",
    "Pipeline": "hayhooks.pipelines.compat",
    "PipelineEvent": "hayhooks.events",
    "SSEStream": "hayhooks.pipelines.sse",
    "YAMLPipelineWrapper": "hayhooks.pipelines.yaml_wrapper",
    "async_streaming_generator": "hayhooks.pipelines.streaming",
    "chat_messages_from_openai_response": "hayhooks.pipelines.messages",
    "coerce_pipeline_inputs": "hayhooks.pipelines.inputs",
    "create_app": "hayhooks.server.app",
    "current_durable_context": "hayhooks.durable.context",
    "default_on_pipeline_end": "hayhooks.callbacks",
    "default_on_tool_call_end": "hayhooks.callbacks",
    "default_on_tool_call_start": "hayhooks.callbacks",
    "durable_streaming_callback": "hayhooks.durable.context",
    "get_input_files": "hayhooks.pipelines.messages",
    "get_last_user_input_text": "hayhooks.pipelines.messages",
    "get_last_user_message": "hayhooks.pipelines.messages",
    "is_user_message": "hayhooks.pipelines.messages",
    "log": "hayhooks.logger",
    "run_app": "hayhooks.server.app",
    "streaming_generator": "hayhooks.pipelines.streaming",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'hayhooks' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
