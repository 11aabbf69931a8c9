"""Each gunicorn worker on a CPU of its own, when the server has exactly one CPU per worker.

A worker runs sync pipelines on a pool thread, so every request hands the GIL from the event loop's thread
to a pool thread and back. When the woken thread is placed on a CPU that another worker keeps busy, it waits
there while the GIL sits free, and its own CPU idles. Measured with 2 workers on 2 CPUs under full load: the
machine stayed ~13 % idle with each worker at ~0.8 of a core; pinned, it was fully busy and served ~15 % more.
A worker never uses much more than one core (one GIL), so pinning takes nothing from it. Only when the CPUs this
process may use number exactly the workers, though: with fewer CPUs the kernel must stay free to balance the
workers; with more (a large shared host, say) a woken thread finds an idle CPU anyway, and a pinned worker could
not move away from a CPU that other work keeps busy.

The price, at full load: nothing is left idle for other processes on those CPUs (a local Redis, say), which
then wait longer to run. The request path never waits for Redis; the live view does (see docs/performance.md).

Gunicorn's hooks do the work: ``pre_fork`` (in the master) picks the CPU that the fewest live workers hold, so
a replaced worker takes its predecessor's CPU; ``post_fork`` (in the new worker, still single-threaded) pins
it, and every thread it starts later inherits the pin.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, Literal

Affinity = Literal["auto", "off"]


def usable_cpus() -> list[int]:
    """The CPUs this process may run on (its cpuset); empty where the platform cannot pin."""
    if not hasattr(os, "sched_getaffinity"):
        return []
    return sorted(os.sched_getaffinity(0))


class CpuPinning:
    """Gunicorn ``pre_fork``/``post_fork`` hooks that pin worker *k* to a CPU no other worker holds."""

    def __init__(self, workers: int, mode: Affinity = "auto", cpus: list[int] | None = None) -> None:
        if mode not in ("auto", "off"):
            raise ValueError(f"HAYHOOKS_WORKER_CPU_AFFINITY must be auto or off, not {mode!r}")
        cpus = usable_cpus() if cpus is None else cpus
        self.cpus = cpus if mode == "auto" and 1 < workers == len(cpus) else []

    def pre_fork(self, server: Any, worker: Any) -> None:
        if not self.cpus:
            return
        held = Counter(getattr(sibling, "hayhooks_cpu", None) for sibling in server.WORKERS.values())
        worker.hayhooks_cpu = min(self.cpus, key=lambda cpu: (held[cpu], cpu))

    def post_fork(self, server: Any, worker: Any) -> None:
        cpu = getattr(worker, "hayhooks_cpu", None)
        if cpu is None:
            return
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError as exc:  # a cpuset changed under us: run unpinned rather than not at all
            server.log.warning("worker %s could not be pinned to CPU %s: %s", worker.pid, cpu, exc)
            return
        server.log.info("worker %s pinned to CPU %s", worker.pid, cpu)
