"""Which CPU each gunicorn worker is pinned to (the choice made in the master; pinning itself is in
tests/integration/test_server_process.py, on real workers)."""

from types import SimpleNamespace

import pytest

from hayhooks.server.affinity import CpuPinning


def spawn(pinning: CpuPinning, server: SimpleNamespace, pid: int) -> SimpleNamespace:
    worker = SimpleNamespace(pid=pid)
    pinning.pre_fork(server, worker)
    server.WORKERS[pid] = worker
    return worker


def test_each_worker_gets_a_cpu_of_its_own():
    pinning, server = CpuPinning(3, "auto", cpus=[0, 2, 5]), SimpleNamespace(WORKERS={})
    assert [spawn(pinning, server, pid).hayhooks_cpu for pid in (11, 12, 13)] == [0, 2, 5]


def test_a_replaced_worker_takes_the_cpu_its_predecessor_held():
    pinning, server = CpuPinning(2, "auto", cpus=[0, 1]), SimpleNamespace(WORKERS={})
    spawn(pinning, server, 11)
    spawn(pinning, server, 12)
    del server.WORKERS[11]  # killed; gunicorn forks a replacement
    assert spawn(pinning, server, 13).hayhooks_cpu == 0


@pytest.mark.parametrize(
    ("workers", "mode", "cpus"),
    [(3, "auto", [0, 1]), (2, "auto", [0, 1, 2, 3]), (2, "off", [0, 1]), (1, "auto", [0])],
    ids=["more workers than CPUs", "more CPUs than workers", "switched off", "one worker"],
)
def test_pinning_only_with_exactly_one_cpu_per_worker(workers, mode, cpus):
    pinning, server = CpuPinning(workers, mode, cpus=cpus), SimpleNamespace(WORKERS={})
    assert not hasattr(spawn(pinning, server, 11), "hayhooks_cpu")


def test_an_unknown_mode_is_refused_with_the_variable_to_fix():
    with pytest.raises(ValueError, match="HAYHOOKS_WORKER_CPU_AFFINITY must be auto or off"):
        CpuPinning(2, "yes")  # type: ignore[arg-type]
