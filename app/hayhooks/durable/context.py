"""``hayhooks.durable.context`` as Hayhooks 2.1's default mode sees it: no durable execution is ever active."""

from __future__ import annotations

from typing import Any

NOT_PROVIDED = (
    "durable execution (Hayhooks' HAYHOOKS_DURABLE_MODE: run_durable, checkpoints, resumable runs) is not "
    "provided by this server"
)


class DurableExecutionCancelledError(RuntimeError):
    """Raised in Hayhooks when a durable execution is cancelled; never raised here (none runs)."""


class DurableContext:
    """The context of one durable execution in Hayhooks 2.1. This server runs none, so it makes none: the class
    exists for annotations and ``isinstance`` checks in wrappers written for Hayhooks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(NOT_PROVIDED)


def current_durable_context() -> DurableContext | None:
    """The durable execution running in this task or thread: always ``None`` here, as in Hayhooks' default mode."""
    return None


def durable_streaming_callback(payload: object) -> None:
    """Hayhooks forwards a streamed chunk to the active durable execution and does nothing when none is active,
    which is always the case here: a pipeline given this callback runs, its chunks go nowhere."""
