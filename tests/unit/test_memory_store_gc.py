"""The memory store at 100 000 traces must not make garbage collection walk them (capacity stays free)."""

import gc

from hayhooks.dashboard.memory_store import MemoryTraceStore


async def test_stored_traces_are_not_tracked_by_the_garbage_collector():
    store = MemoryTraceStore(capacity=1000)
    await store.append([{"trace_id": f"{n:032x}", "entrypoint": "p", "tags": [{"key": "k", "value": "v"}]}
                        for n in range(1000)], 0)
    gc.collect()
    assert not any(gc.is_tracked(entry) for entry in store._entries)
    page = await store.page(limit=3)
    assert len(page.traces) == 3
