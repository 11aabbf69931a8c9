"""Kept so wrappers written as ``from hayhooks.server.pipelines.sse import SSEStream`` keep working."""

from hayhooks.pipelines.sse import SSEStream

__all__ = ["SSEStream"]
