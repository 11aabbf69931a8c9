"""The names Hayhooks users import must keep working (compare httpx tests/test_exported_members.py)."""

import hayhooks

HAYHOOKS_NAMES = {
    "BasePipelineWrapper",
    "YAMLPipelineWrapper",
    "async_streaming_generator",
    "create_app",
    "get_last_user_message",
    "is_user_message",
    "log",
    "streaming_generator",
}


def test_all_lists_the_hayhooks_names():
    assert HAYHOOKS_NAMES <= set(hayhooks.__all__)


def test_every_exported_name_imports():
    for name in hayhooks.__all__:
        assert getattr(hayhooks, name) is not None


def test_old_wrapper_import_path_is_the_same_class():
    from hayhooks.server.utils.base_pipeline_wrapper import BasePipelineWrapper

    assert BasePipelineWrapper is hayhooks.BasePipelineWrapper


def test_log_supports_loguru_style_formatting():
    hayhooks.log.info("deployed {} pipelines", 3)
    assert hasattr(hayhooks.log, "bind")
