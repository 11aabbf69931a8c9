"""A fast path in Haystack's pipeline run that changes no result: immutable inputs are not "deep-copied".

``Pipeline.run`` copies every input value before a component sees it, with
``haystack.core.pipeline.utils._deepcopy_with_exceptions``. For each value that is not a container it first asks
``isinstance(value, (Component, Tool, Toolset))``; ``Component`` is a runtime-checkable ``Protocol``, and on
Python 3.11 that check walks the protocol's members every time: ~15 µs per value, three times in a
two-component run — a quarter of what the whole ``Pipeline.run`` costs. A string, a number, a boolean, ``None``
or bytes is never a component or a tool, and ``copy.deepcopy`` returns such a value itself, so for exactly
these types the answer is the value, found without the check. Plain dicts, lists, tuples and sets are copied item
by item as Haystack copies them; everything else (documents, chat messages, subclasses of the types above) takes
Haystack's own path, unchanged.

Haystack imports the function by name into the modules that call it, so each of them gets the fast path. A
Haystack without the function (a later version) is left as it is.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

_MODULES = ("haystack.core.pipeline.utils", "haystack.core.pipeline.base", "haystack.core.pipeline.pipeline")
_NAME = "_deepcopy_with_exceptions"
_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes})


def _fast_path(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def deepcopy_with_exceptions(obj: Any) -> Any:
        kind = type(obj)
        if kind in _IMMUTABLE:
            return obj
        # Plain containers are copied here as Haystack copies them, item by item through this function: left to
        # the original, each level of nesting would cost a frame more than Haystack's own (nested data then hit
        # the recursion limit at ~330 levels instead of ~480).
        if kind is dict:
            return {k: deepcopy_with_exceptions(v) for k, v in obj.items()}
        if kind is list:
            return [deepcopy_with_exceptions(v) for v in obj]
        if kind is tuple or kind is set:
            return kind(deepcopy_with_exceptions(v) for v in obj)
        return original(obj)

    deepcopy_with_exceptions.__wrapped__ = original  # type: ignore[attr-defined]
    deepcopy_with_exceptions.__doc__ = original.__doc__
    return deepcopy_with_exceptions


def install() -> bool:
    """Put the fast path in front of Haystack's input copy (once per process); whether it is in place."""
    utils = importlib.import_module(_MODULES[0])
    original = getattr(utils, _NAME, None)
    if original is None:
        return False
    if hasattr(original, "__wrapped__"):
        return True
    fast = _fast_path(original)
    for name in _MODULES:
        module = importlib.import_module(name)
        if getattr(module, _NAME, None) is original:
            setattr(module, _NAME, fast)
    return True
