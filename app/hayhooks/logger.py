"""The ``log`` object that pipeline wrappers import (``from hayhooks import log``).

It is loguru's logger, as in Hayhooks, so existing wrappers that call ``log.info("x {}", y)`` or ``log.bind``
keep working.
"""

from __future__ import annotations

import sys

from loguru import logger as log

__all__ = ["configure_logging", "log"]


def configure_logging(level: str = "INFO") -> None:
    """Send hayhooks' own log lines to stderr at ``level``; safe to call again with a new level."""
    log.remove()
    log.add(
        sys.stderr,
        level=level,
        format="<green>{time:HH:mm:ss.SSS}</green> | <level>{level: <7}</level> | {process} | {message}",
        backtrace=False,
        diagnose=False,
    )
