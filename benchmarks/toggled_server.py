"""``hayhooks run`` whose trace capture a signal switches off and on, for ``trace_store.py --only toggled``.

SIGUSR2 makes the dashboard's span processor skip every span (its ``on_start`` and ``on_end`` do nothing);
SIGUSR1 gives it back its own. Nothing else changes: the spans, the dashboard's routes, the flusher and the store
stay as they are, in the same process. Two servers of one configuration differ by up to ~10 % for their lifetime
(trace_store.throughput says why), as much as capture costs; one process measured in both states, back to back,
does not carry that bias into the ratio.

A signal is handled when the server's main thread next runs Python code, not when it is sent: each switch prints
``capture off`` or ``capture on`` to stderr once done, and ``switch`` waits for that line. Switch between loads,
not during one: an operation whose spans start with capture on and end with it off would stay open in the
processor.

Usage: python benchmarks/toggled_server.py run [hayhooks run's options]
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

SIGNALS = {"on": signal.SIGUSR1, "off": signal.SIGUSR2}


def switch(pid: int, log: Path, state: str, timeout: float = 10) -> None:
    """Switch the capture of the server ``pid`` (which logs to ``log``) ``state`` ("on" or "off"), and wait until it
    says it has: the benchmark and its test drive the server with this."""
    said = f"capture {state}"
    done = log.read_text().count(said) + 1
    os.kill(pid, SIGNALS[state])
    deadline = time.monotonic() + timeout
    while log.read_text().count(said) < done:
        if time.monotonic() > deadline:
            raise RuntimeError(f"server {pid} did not switch its capture {state}")
        time.sleep(0.005)


def _skip(*args: Any, **kwargs: Any) -> None:
    return None


def _switch(signum: int, frame: FrameType | None) -> None:
    from opentelemetry import trace

    from hayhooks.dashboard.processor import DashboardSpanProcessor

    off = signum == SIGNALS["off"]
    multi = trace.get_tracer_provider()._active_span_processor  # type: ignore[attr-defined]
    for processor in multi._span_processors:
        if isinstance(processor, DashboardSpanProcessor):
            if off:
                processor.on_start = processor.on_end = _skip  # type: ignore[method-assign]
            else:
                vars(processor).pop("on_start", None)
                vars(processor).pop("on_end", None)
    # The lean tracer keeps the processors' methods until the provider's tuple of processors is another object
    # (``tuple()`` of a tuple is the same object).
    multi._span_processors = tuple(list(multi._span_processors))
    print("capture off" if off else "capture on", file=sys.stderr, flush=True)


if __name__ == "__main__":
    from hayhooks.cli import main  # here, so that importing ``switch`` does not import the server

    for number in SIGNALS.values():
        signal.signal(number, _switch)
    main()
