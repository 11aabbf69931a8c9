"""Hayhooks 2.1's durable-execution names, as they behave in its default mode.

Hayhooks 2.1 runs wrappers that implement ``run_durable`` / ``run_durable_async`` only with
``HAYHOOKS_DURABLE_MODE=true``: detached executions with checkpoints, leases and resumption, kept in a store of
their own. In its default mode it refuses such wrappers and no durable context is ever active. This server has
only that default mode. The names are here so that wrappers which import them (to annotate, or to checkpoint
when run durably) load and run as they do under Hayhooks' default mode; a durable wrapper is refused with a
message that says why (``hayhooks.pipelines.loader``).
"""

from hayhooks.durable.context import (
    DurableContext,
    DurableExecutionCancelledError,
    current_durable_context,
    durable_streaming_callback,
)

__all__ = [
    "DurableContext",
    "DurableExecutionCancelledError",
    "current_durable_context",
    "durable_streaming_callback",
]
