"""Turn a folder with ``pipeline_wrapper.py`` into a ready wrapper, reporting failures by file and line."""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import sys
import traceback
from pathlib import Path
from types import ModuleType

from hayhooks.durable.context import NOT_PROVIDED
from hayhooks.pipelines.errors import PipelineDefinitionError
from hayhooks.pipelines.wrapper import DURABLE_METHODS, RUN_METHODS, BasePipelineWrapper, implements

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


_ROOT_PACKAGE = "hayhooks_pipelines"


def _package(name: str, folder: Path) -> str:
    """Register ``folder`` as a fresh package (its ``__init__.py`` run, if it has one): its modules then import
    each other relatively (``from .utils import x``), as under Hayhooks. The name is new at every load, so a
    redeploy imports its sibling modules afresh instead of finding the previous version's in ``sys.modules``."""
    if _ROOT_PACKAGE not in sys.modules:
        root = ModuleType(_ROOT_PACKAGE)
        root.__path__ = []
        sys.modules[_ROOT_PACKAGE] = root
    package_name = f"{_ROOT_PACKAGE}.{name.replace('-', '_')}_{next(_module_ids)}"
    init = folder / "__init__.py"
    spec = importlib.util.spec_from_file_location(package_name, init, submodule_search_locations=[str(folder)])
    if init.is_file() and spec is not None and spec.loader is not None:
        package = importlib.util.module_from_spec(spec)
        sys.modules[package_name] = package
        spec.loader.exec_module(package)
    else:
        package = ModuleType(package_name)
        package.__path__ = [str(folder)]
        package.__package__ = package_name
        sys.modules[package_name] = package
    return package_name


def _import_module(name: str, path: Path) -> ModuleType:
    folder = path.parent
    # Wrappers also import their sibling modules by plain name, as they do under Hayhooks.
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    package_name = _package(name, folder)
    module_name = f"{package_name}.pipeline_wrapper"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for stale in [key for key in sys.modules if key == package_name or key.startswith(f"{package_name}.")]:
            sys.modules.pop(stale, None)
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
        wrapper_class = _wrapper_class(name, module)
        if any(implements(wrapper_class, method) for method in DURABLE_METHODS):  # before its setup() runs
            raise PipelineDefinitionError(
                name,
                f"the wrapper implements run_durable: {NOT_PROVIDED}. Serve it through run_api or "
                "run_chat_completion, or with Hayhooks 2.1 and HAYHOOKS_DURABLE_MODE=true",
                WRAPPER_FILE,
            )
        wrapper = wrapper_class()
        wrapper.setup()
    except PipelineDefinitionError:
        raise
    except (Exception, SystemExit) as exc:  # a wrapper calling sys.exit() must not stop the server
        raise PipelineDefinitionError(name, _describe(exc), error_location(exc, folder)) from exc
    if not any(implements(wrapper, method) for method in RUN_METHODS):
        raise PipelineDefinitionError(
            name,
            "the wrapper implements none of run_api, run_api_async, run_chat_completion, run_chat_completion_async",
            WRAPPER_FILE,
        )
    return wrapper
