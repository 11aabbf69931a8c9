"""The names Hayhooks users import must keep working (compare httpx tests/test_exported_members.py)."""

import pytest

import hayhooks

HAYHOOKS_NAMES = {  # hayhooks 1.25.1's __all__ (2.1.0 adds its durable-execution names, below)
    "AsyncPipeline",
    "BasePipelineWrapper",
    "Pipeline",
    "PipelineEvent",
    "SSEStream",
    "YAMLPipelineWrapper",
    "async_streaming_generator",
    "chat_messages_from_openai_response",
    "coerce_pipeline_inputs",
    "create_app",
    "default_on_pipeline_end",
    "default_on_tool_call_end",
    "default_on_tool_call_start",
    "get_input_files",
    "get_last_user_input_text",
    "get_last_user_message",
    "is_user_message",
    "log",
    "run_app",
    "streaming_generator",
}


DURABLE_NAMES = {"DurableContext", "current_durable_context", "durable_streaming_callback"}  # added by 2.1.0


def test_all_lists_the_hayhooks_names():
    assert set(hayhooks.__all__) >= HAYHOOKS_NAMES | DURABLE_NAMES


def test_durable_names_behave_as_in_hayhooks_default_mode():
    from hayhooks.durable.context import DurableContext, current_durable_context

    assert current_durable_context() is None
    with pytest.raises(TypeError, match="not provided by this server"):
        DurableContext()


def test_every_exported_name_imports():
    for name in hayhooks.__all__:
        assert getattr(hayhooks, name) is not None


def test_old_wrapper_import_path_is_the_same_class():
    from hayhooks.server.utils.base_pipeline_wrapper import BasePipelineWrapper

    assert BasePipelineWrapper is hayhooks.BasePipelineWrapper


def test_log_supports_loguru_style_formatting():
    hayhooks.log.info("deployed {} pipelines", 3)
    assert hasattr(hayhooks.log, "bind")


def test_hayhooks_module_paths_that_wrappers_import_from_still_resolve():
    from hayhooks.callbacks import default_on_tool_call_start
    from hayhooks.events import create_status_event
    from hayhooks.open_webui import create_details_tag, create_notification_event
    from hayhooks.server.logger import log
    from hayhooks.server.pipelines.sse import SSEStream
    from hayhooks.server.pipelines.utils import async_streaming_generator, get_last_user_input_text
    from hayhooks.server.utils.haystack_compat import AsyncPipeline

    assert log is hayhooks.log and SSEStream is hayhooks.SSEStream
    assert async_streaming_generator is hayhooks.async_streaming_generator
    assert get_last_user_input_text is hayhooks.get_last_user_input_text
    assert default_on_tool_call_start is hayhooks.default_on_tool_call_start
    assert AsyncPipeline is hayhooks.AsyncPipeline
    assert callable(create_status_event) and callable(create_details_tag) and callable(create_notification_event)


def test_pipeline_and_async_pipeline_are_haystacks_pipeline_on_haystack_3():
    import haystack

    assert hayhooks.Pipeline is hayhooks.AsyncPipeline is getattr(haystack, "AsyncPipeline", haystack.Pipeline)
    assert hasattr(hayhooks.Pipeline, "run_async")
