"""Kept so wrappers written as ``from hayhooks.server.logger import log`` keep working."""

from hayhooks.logger import log

__all__ = ["log"]
