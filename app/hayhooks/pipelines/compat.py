"""``Pipeline`` and ``AsyncPipeline`` as Hayhooks exports them: one class on Haystack 3, which merged the two.

``install_haystack2_names`` also puts ``AsyncPipeline`` back where Haystack 2 had it (``from haystack import
AsyncPipeline``, ``from haystack.core.pipeline import AsyncPipeline``), as the same class, so that wrappers
written for Haystack 2 load: Haystack 3's ``Pipeline`` has the ``run_async`` they call. Only a missing name is
added; a Haystack that has one keeps its own.
"""

from __future__ import annotations

from typing import Any

import haystack

Pipeline: type[Any] = getattr(haystack, "AsyncPipeline", haystack.Pipeline)
AsyncPipeline = Pipeline


def install_haystack2_names() -> None:
    import haystack.core.pipeline as core_pipeline

    for module in (haystack, core_pipeline):
        if not hasattr(module, "AsyncPipeline"):
            module.AsyncPipeline = haystack.Pipeline  # type: ignore[attr-defined]


__all__ = ["AsyncPipeline", "Pipeline", "install_haystack2_names"]
