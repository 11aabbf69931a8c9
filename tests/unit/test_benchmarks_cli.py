"""Every benchmark stays runnable: it imports and explains itself (they are run by hand, never gated on)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = sorted(p for p in (Path(__file__).resolve().parents[2] / "benchmarks").glob("*.py")
                    if p.name not in ("__init__.py", "harness.py", "in_process.py", "toggled_server.py"))


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmark_prints_its_usage(script):
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_a_pair_of_rounds_gives_every_server_the_same_mean_place():
    from benchmarks.harness import rotated

    names = [f"s{i}" for i in range(14)]
    for first in range(0, 8, 2):
        pair = [rotated(names, first), rotated(names, first + 1)]
        assert all(sorted(order) == sorted(names) for order in pair)
        assert {sum(order.index(name) for order in pair) for name in names} == {len(names) - 1}


def test_pairs_of_rounds_start_with_a_different_server():
    from benchmarks.harness import rotated

    assert [rotated("ABC", r)[0] for r in range(6)] == ["A", "C", "B", "A", "C", "B"]


def test_a_steady_drift_cancels_in_the_mean_of_a_pair():
    from benchmarks.harness import paired, rotated

    names = ["a", "b", "c"]
    # Every server serves 100 req/s, on a machine that loses 5 req/s with each turn: a steady slide.
    measured = {name: [] for name in names}
    turn = 0
    for round_no in range(4):
        for name in rotated(names, round_no):
            measured[name].append(100 - 5 * turn)
            turn += 1
    means = {name: paired(values) for name, values in measured.items()}
    assert means["a"] == means["b"] == means["c"]
    assert len(means["a"]) == 2
