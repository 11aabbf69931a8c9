"""``Pipeline`` and ``AsyncPipeline`` as Hayhooks exports them: one class on Haystack 3, which merged the two."""

from __future__ import annotations

from typing import Any

import haystack

Pipeline: type[Any] = getattr(haystack, "AsyncPipeline", haystack.Pipeline)
AsyncPipeline = Pipeline

__all__ = ["AsyncPipeline", "Pipeline"]
