"""Where running snapshots are remembered until their final record: bounded by the store's capacity."""

from hayhooks.dashboard.store import note_running


def test_operations_that_never_finish_are_forgotten_oldest_first():
    running: dict[str, int] = {}
    for n in range(5):
        note_running(running, f"trace-{n}", n, capacity=3)
    assert running == {"trace-2": 2, "trace-3": 3, "trace-4": 4}


def test_a_snapshot_announced_again_moves_to_where_it_now_is():
    running: dict[str, int] = {}
    note_running(running, "a", 1, capacity=3)
    note_running(running, "a", 7, capacity=3)
    assert running == {"a": 7}
