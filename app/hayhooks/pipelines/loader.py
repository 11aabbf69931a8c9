"""Turn a folder with ``pipeline_wrapper.py`` into a ready wrapper, reporting failures by file and line."""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import sys
import traceback
from pathlib import Path
from types import ModuleType

from hayhooks.pipelines.errors import PipelineDefinitionError
from hayhooks.pipelines.wrapper import RUN_METHODS, BasePipelineWrapper, implements

WRAPPER_FILE = "pipeline_wrapper.py"
_module_ids = itertools.count()


def error_location(exc: BaseException, folder: Path) -> str | None:
    """``file:line`` of the innermost frame inside ``folder`` (or of a syntax error), relative to ``folder``."""
    folder = folder.resolve()

    def relative(filename: str | None) -> str | None:
        if not filename:
            return None
        path = Path(filename).resolve()
        return str(path.relative_to(folder)) if path.is_relative_to(folder) else None

    if isinstance(exc, SyntaxError):
        name = relative(exc.filename)
        if name:
            return f"{name}:{exc.lineno}"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        name = relative(frame.filename)
        if name:
            return f"{name}:{frame.lineno}"
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg}"
    return f"{type(exc).__name__}: {exc}"


def _import_module(name: str, path: Path) -> ModuleType:
    module_name = f"hayhooks_pipelines.{name}_{next(_module_ids)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    # Wrappers import their sibling modules by plain name, as they do under Hayhooks.
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _wrapper_class(name: str, module: ModuleType) -> type[BasePipelineWrapper]:
    candidate = getattr(module, "PipelineWrapper", None)
    if inspect.isclass(candidate) and issubclass(candidate, BasePipelineWrapper):
        return candidate
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, BasePipelineWrapper) and obj.__module__ == module.__name__
    ]
    if len(found) == 1:
        return found[0]
    raise PipelineDefinitionError(
        name, f"{WRAPPER_FILE} must define 'class PipelineWrapper(BasePipelineWrapper)'", WRAPPER_FILE
    )


def load_wrapper(name: str, folder: Path) -> BasePipelineWrapper:
    """Import ``folder/pipeline_wrapper.py``, instantiate its wrapper and run ``setup()``.

    Runs user code (import and setup), so call it off the event loop.
    """
    path = folder / WRAPPER_FILE
    if not path.is_file():
        raise PipelineDefinitionError(name, f"missing required file {WRAPPER_FILE}")
    try:
        module = _import_module(name, path)
        wrapper = _wrapper_class(name, module)()
        wrapper.setup()
    except PipelineDefinitionError:
        raise
    except Exception as exc:
        raise PipelineDefinitionError(name, _describe(exc), error_location(exc, folder)) from exc
    if not any(implements(wrapper, method) for method in RUN_METHODS):
        raise PipelineDefinitionError(
            name,
            "the wrapper implements none of run_api, run_api_async, run_chat_completion, run_chat_completion_async",
            WRAPPER_FILE,
        )
    return wrapper
