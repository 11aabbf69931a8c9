from pathlib import Path

import pytest

from hayhooks.pipelines.errors import PipelineDefinitionError
from hayhooks.pipelines.loader import load_wrapper

GOOD = """
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = "ready"

    def run_api(self, text: str) -> str:
        return text + "!"
"""


def answering(expression: str, importing: str) -> str:
    """``GOOD`` returning ``expression`` instead of ``text + "!"``, with ``importing`` above its own import."""
    return GOOD.replace('text + "!"', expression).replace("from hayhooks", f"{importing}\nfrom hayhooks")


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content)
    return folder


def test_loads_wrapper_and_runs_setup(tmp_path):
    wrapper = load_wrapper("good", write(tmp_path / "good", {"pipeline_wrapper.py": GOOD}))
    assert wrapper.pipeline == "ready"
    assert wrapper.run_api("hi") == "hi!"


def test_wrapper_can_import_sibling_modules(tmp_path):
    files = {
        "helpers_for_sibling_test.py": "def suffix():\n    return '?'\n",
        "pipeline_wrapper.py": answering("text + helpers_for_sibling_test.suffix()", "import helpers_for_sibling_test"),
    }
    wrapper = load_wrapper("sib", write(tmp_path / "sib", files))
    assert wrapper.run_api("hi") == "hi?"


def test_wrapper_can_import_sibling_modules_relatively(tmp_path):
    files = {
        "utils.py": "def suffix():\n    return '~'\n",
        "pipeline_wrapper.py": answering("text + suffix()", "from .utils import suffix"),
    }
    assert load_wrapper("rel", write(tmp_path / "rel", files)).run_api("hi") == "hi~"


def test_a_redeploy_imports_its_relative_modules_afresh(tmp_path):
    source = answering("text + suffix()", "from .utils import suffix")
    folder = write(tmp_path / "again", {"utils.py": "def suffix():\n    return '1'\n", "pipeline_wrapper.py": source})
    assert load_wrapper("again", folder).run_api("v") == "v1"
    write(folder, {"utils.py": "def suffix():\n    return 'two'\n"})  # another size: no stale bytecode
    assert load_wrapper("again", folder).run_api("v") == "vtwo"


def test_a_package_init_runs_before_the_wrapper(tmp_path):
    files = {
        "__init__.py": "PREFIX = '>'\n",
        "pipeline_wrapper.py": answering("PREFIX + text", "from . import PREFIX"),
    }
    assert load_wrapper("pkg", write(tmp_path / "pkg", files)).run_api("x") == ">x"


def test_old_hayhooks_import_path_still_works(tmp_path):
    source = GOOD.replace("from hayhooks import", "from hayhooks.server.utils.base_pipeline_wrapper import")
    assert load_wrapper("old", write(tmp_path / "old", {"pipeline_wrapper.py": source})).run_api("a") == "a!"


def test_syntax_error_names_file_and_line(tmp_path):
    folder = write(tmp_path / "broken", {"pipeline_wrapper.py": "x = 1\ndef oops(:\n"})
    with pytest.raises(PipelineDefinitionError) as info:
        load_wrapper("broken", folder)
    assert info.value.location == "pipeline_wrapper.py:2"
    assert "SyntaxError" in str(info.value)


def test_import_error_names_file_and_line(tmp_path):
    folder = write(tmp_path / "imp", {"pipeline_wrapper.py": "import os\nimport not_a_module_anywhere\n"})
    with pytest.raises(PipelineDefinitionError) as info:
        load_wrapper("imp", folder)
    assert info.value.location == "pipeline_wrapper.py:2"
    assert "ModuleNotFoundError" in str(info.value)


def test_error_in_setup_names_the_line_in_setup(tmp_path):
    source = GOOD.replace('self.pipeline = "ready"', 'raise RuntimeError("no model")')
    with pytest.raises(PipelineDefinitionError) as info:
        load_wrapper("setup", write(tmp_path / "setup", {"pipeline_wrapper.py": source}))
    assert info.value.location == "pipeline_wrapper.py:6"
    assert "RuntimeError: no model" in str(info.value)


@pytest.mark.parametrize("where", ["import", "setup"])
def test_a_wrapper_calling_sys_exit_is_refused_not_obeyed(tmp_path, where):
    source = GOOD.replace('self.pipeline = "ready"', "raise SystemExit(3)") if where == "setup" else (
        "import sys\nsys.exit(0)\n" + GOOD)
    with pytest.raises(PipelineDefinitionError, match="SystemExit"):
        load_wrapper("quits", write(tmp_path / "quits", {"pipeline_wrapper.py": source}))


def test_missing_wrapper_class_is_explained(tmp_path):
    with pytest.raises(PipelineDefinitionError, match="must define 'class PipelineWrapper"):
        load_wrapper("none", write(tmp_path / "none", {"pipeline_wrapper.py": "x = 1\n"}))


def test_wrapper_without_any_run_method_is_refused(tmp_path):
    source = GOOD.split("    def run_api")[0]
    with pytest.raises(PipelineDefinitionError, match="implements none of run_api"):
        load_wrapper("idle", write(tmp_path / "idle", {"pipeline_wrapper.py": source}))


DURABLE = """
from hayhooks import BasePipelineWrapper, DurableContext

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        raise RuntimeError("setup ran")

    def run_api(self, text: str) -> str:
        return text

    def run_durable(self, context: DurableContext, request):
        return request
"""


def test_a_durable_wrapper_is_refused_before_its_setup_runs(tmp_path):
    """As Hayhooks 2.1 refuses one outside its durable mode, which this server does not have."""
    with pytest.raises(PipelineDefinitionError, match="implements run_durable: durable execution") as info:
        load_wrapper("durable", write(tmp_path / "durable", {"pipeline_wrapper.py": DURABLE}))
    assert "setup ran" not in str(info.value)


def test_a_wrapper_using_durable_names_outside_durable_execution_runs(tmp_path):
    """Hayhooks 2.1's default mode: no durable context is active, and its streaming callback does nothing."""
    importing = "from hayhooks import current_durable_context, durable_streaming_callback"
    source = answering('f"{text} {current_durable_context()} {durable_streaming_callback(text)}"', importing)
    wrapper = load_wrapper("plain", write(tmp_path / "plain", {"pipeline_wrapper.py": source}))
    assert wrapper.run_api("hi") == "hi None None"


def test_missing_wrapper_file_is_explained(tmp_path):
    with pytest.raises(PipelineDefinitionError, match=r"missing required file pipeline_wrapper\.py"):
        load_wrapper("empty", write(tmp_path / "empty", {"README.md": "hi"}))


def test_a_wrapper_written_for_haystack_2s_async_pipeline_loads_and_runs(make_client, tmp_path):
    source = '''
from haystack import AsyncPipeline, component
from haystack.core.pipeline import AsyncPipeline as AlsoAsyncPipeline
from hayhooks import BasePipelineWrapper

@component
class Twice:
    @component.output_types(text=str)
    async def run_async(self, text: str) -> dict:
        return {"text": text * 2}

    @component.output_types(text=str)
    def run(self, text: str) -> dict:
        return {"text": text * 2}

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        assert AsyncPipeline is AlsoAsyncPipeline
        self.pipeline = AsyncPipeline()
        self.pipeline.add_component("twice", Twice())

    async def run_api_async(self, text: str) -> str:
        return (await self.pipeline.run_async({"twice": {"text": text}}))["twice"]["text"]
'''
    write(tmp_path / "pipelines" / "legacy", {"pipeline_wrapper.py": source})
    client = make_client(tmp_path / "pipelines")
    assert client.get("/status").json()["errors"] == {}
    assert client.post("/legacy/run", json={"text": "ab"}).json() == {"result": "abab"}
