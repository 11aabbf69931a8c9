"""The ``log`` object that pipeline wrappers import (``from hayhooks import log``).

It is loguru's logger, as in Hayhooks, so existing wrappers that call ``log.info("x {}", y)`` or ``log.bind``
keep working. Records of the standard library's ``logging`` (Haystack's, uvicorn's errors, a wrapper's own
``logging.getLogger``) go through it too, so every line written while a span is active carries its ids.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from loguru import logger as log
from opentelemetry import trace

__all__ = ["configure_logging", "log"]


def _add_trace_ids(record: Any) -> None:
    """Put the active span's ids on the record, so a log line can be found from its trace and back."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        record["extra"]["trace_id"] = format(context.trace_id, "032x")
        record["extra"]["span_id"] = format(context.span_id, "016x")


def _format(record: Any) -> str:
    ids = " | trace_id={extra[trace_id]} span_id={extra[span_id]}" if "trace_id" in record["extra"] else ""
    return "<green>{time:HH:mm:ss.SSS}</green> | <level>{level: <7}</level> | {process}" + ids + (
        " | {message}\n{exception}"
    )


class _ToLoguru(logging.Handler):
    """A standard-library record as a loguru line (same format, the active span's ids)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = log.level(record.levelname).name
        except ValueError:
            level = record.levelno
        log.opt(exception=record.exc_info).log(level, record.getMessage())


def _route_stdlib_logging() -> None:
    """Records that propagate to the root logger, and uvicorn's error log, written through loguru.

    Levels are left alone: libraries still log at the root logger's level (WARNING unless set), so Haystack's
    per-component INFO lines stay off. A root logger the user configured (it has handlers) is left as it is.
    """
    handler = _ToLoguru()
    root = logging.getLogger()
    if not root.handlers or all(isinstance(h, _ToLoguru) for h in root.handlers):
        root.handlers = [handler]
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = [handler]
        logging.getLogger(name).propagate = False


def configure_logging(level: str = "INFO") -> None:
    """Send hayhooks' own log lines to stderr at ``level``; safe to call again with a new level."""
    log.remove()
    log.configure(patcher=_add_trace_ids)
    # Write to whatever sys.stderr is at the time, not the object it was at configure time.
    log.add(_to_stderr, level=level, format=_format, backtrace=False, diagnose=False, colorize=sys.stderr.isatty())
    _route_stdlib_logging()


def _to_stderr(message: str) -> None:
    sys.stderr.write(message)
