"""Kept so wrappers written as ``from hayhooks.server.utils.haystack_compat import Pipeline`` keep working."""

from hayhooks.pipelines.compat import AsyncPipeline, Pipeline

__all__ = ["AsyncPipeline", "Pipeline"]
