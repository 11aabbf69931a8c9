"""Does a full buffer of 10 000 or 100 000 traces cost a run request anything? CPU per request, counted in-process.

Usage: .venv/bin/python benchmarks/capacity_cpu.py [--quick] [--rounds N] [--requests N]

`trace_store.py` answers the question with wrk against served workers, and its rounds swing by ±10-15 % on
these machines, as much as the 5 % that issue 4's target ("capacity makes no difference") is about. This
benchmark takes HTTP, the kernel and wrk out: each configuration is the app (the `shout` pipeline, dashboard
on) in a process of its own, called in-process 8 requests at a time. Its store is filled to capacity before
counting, by serving as many requests as it holds, so each stored trace was allocated among the other objects
of its request, as in a worker (`--copies` fills it with copies of one trace instead: seconds, not minutes,
but a tidier heap than a worker's). Configurations take turns within each round, in rotated order, and each
turn is the process's own CPU time for N requests (the flusher's thread included, so the store's writes
count). Redis' own CPU is not counted: a larger stream costs Redis memory, not the worker's time. Ratios near
1.000 mean capacity costs nothing; the spread of the rounds shows the noise left. Two processes of the same
configuration differ by up to ~5 %, so each configuration runs in two (`--processes`), averaged in each round.
--quick: capacities 200 and 10 000, one process each, 4 rounds of 2 000 requests (under a minute); the full
run adds 100 000 and takes 8 rounds of 4 000 (about 10 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONCURRENT = 8


async def _child(store: str, capacity: int, redis_url: str | None, copies: bool) -> None:
    """Start the app with a full store, then serve the rounds the parent asks for on stdin."""
    from hayhooks.server.app import create_app
    from hayhooks.settings import AppSettings

    settings = AppSettings(pipelines_dir=ROOT / "examples" / "pipelines", log_level="WARNING", dashboard_enabled=True,
                           dashboard_trace_buffer_capacity=capacity,
                           redis_url=redis_url if store == "redis" else None,
                           redis_key_prefix=f"bench-{store}-{capacity}:")
    from benchmarks.in_process import InProcessRuns

    app = create_app(settings)
    runs = InProcessRuns(app, CONCURRENT)
    await runs.start()
    serve = runs.serve

    await serve(400)
    await asyncio.sleep(0.5)  # the flusher has written them
    store = app.state.dashboard.store
    if copies:
        stored = await _fill(store, capacity)
    else:  # as a worker's buffer fills: each trace allocated among the other objects of its request
        await serve(capacity + CONCURRENT)
        await asyncio.sleep(0.5)
        stored = (await store.stats()).stored
    print(f"ready {stored}", flush=True)
    loop = asyncio.get_running_loop()
    while (line := (await loop.run_in_executor(None, sys.stdin.readline)).strip()):
        requests = int(line)
        started = time.process_time()
        await serve(requests)
        await asyncio.sleep(0.1)  # the last flush belongs to these requests
        print(f"{(time.process_time() - started) / requests * 1e6:.2f}", flush=True)
    os._exit(0)


async def _fill(store: object, capacity: int) -> int:
    """Fill ``store`` to ``capacity`` with copies of its newest trace; returns how many it holds."""
    if store.kind == "memory":  # type: ignore[attr-defined]
        entries = store._entries  # type: ignore[attr-defined]
        ms, seq, _trace_id, pipeline, payload = entries[-1]
        for i in range(capacity):  # distinct objects of the same size, as a worker's own traces would be
            entries.append((ms, seq + i + 1, os.urandom(16).hex(), pipeline, payload[:-1] + payload[-1:]))
        return len(entries)
    redis, key = store._redis, store.stream_key  # type: ignore[attr-defined]
    [(_entry_id, fields)] = await redis.xrevrange(key, count=1)
    for start in range(0, capacity, 1000):
        async with redis.pipeline(transaction=False) as pipe:
            for _ in range(min(1000, capacity - start)):
                pipe.xadd(key, {**fields, b"i": os.urandom(16).hex().encode()}, maxlen=capacity, approximate=True)
            await pipe.execute()
    return int(await redis.xlen(key))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="capacities 200 and 10 000, 4 rounds of 2 000")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=4000, help="requests per configuration and round")
    parser.add_argument("--copies", action="store_true",
                        help="fill the stores with copies of one trace (seconds) instead of by serving requests")
    parser.add_argument("--processes", type=int, default=2,
                        help="processes per configuration, averaged in each round (identical processes differ by "
                             "up to ~5 %%); --quick uses 1")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        store, capacity, url, copies = args.child
        asyncio.run(_child(store, int(capacity), None if url == "-" else url, copies == "copies"))
        return

    from benchmarks.harness import rotated, start_redis, summarise

    capacities = [200, 10_000] if args.quick else [200, 10_000, 100_000]
    rounds, requests = (4, 2000) if args.quick else (args.rounds, args.requests)
    processes = 1 if args.quick else max(1, args.processes)
    redis_process, redis_url = start_redis()
    env = {**os.environ, "HAYSTACK_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT / "app")}
    configs = [f"{store}-{capacity}" for store in ("memory", "redis") for capacity in capacities]
    children: dict[str, subprocess.Popen] = {}  # "memory-200#1" → its process
    try:
        for config in configs:
            store, capacity = config.split("-")
            for number in range(1, processes + 1):
                children[f"{config}#{number}"] = subprocess.Popen(
                    [sys.executable, __file__, "--child", store, capacity, redis_url if store == "redis" else "-",
                     "copies" if args.copies else "served"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for name, child in children.items():
            assert child.stdout is not None
            ready = child.stdout.readline().split()
            if not ready or ready[0] != "ready":
                raise RuntimeError(f"{name} did not start")
            print(f"{name}: {ready[1]} traces stored", flush=True)
        cpu: dict[str, list[float]] = {config: [] for config in configs}
        for round_no in range(rounds):
            turns: dict[str, list[float]] = {config: [] for config in configs}
            for name in rotated(children, round_no):
                child = children[name]
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(f"{requests}\n")
                child.stdin.flush()
                turns[name.split("#")[0]].append(float(child.stdout.readline()))
            for config in configs:
                cpu[config].append(statistics.fmean(turns[config]))
            print(f"round {round_no + 1}: " + "  ".join(f"{c} {cpu[c][-1]:.0f} µs" for c in configs), flush=True)
    finally:
        for child in children.values():
            if child.poll() is None and child.stdin is not None:
                child.stdin.write("\n")
                child.stdin.flush()
        for child in children.values():
            child.wait(30)
        redis_process.terminate()

    print(f"\nCPU per request (µs, median of {rounds} rounds of {requests}, {processes} process(es) each):")
    for name, values in cpu.items():
        print(f"  {name:14s} {statistics.median(values):7.1f}")
    print("\nthroughput the CPU allows, larger capacity / 200 (1.000 = capacity costs nothing; target ≥ 0.95):")
    for store in ("memory", "redis"):
        base = cpu[f"{store}-200"]
        for capacity in capacities[1:]:
            ratios = [b / c for b, c in zip(base, cpu[f"{store}-{capacity}"], strict=True)]
            print("  " + summarise(f"{store}-{capacity:<6} / {store}-200", ratios))


if __name__ == "__main__":
    main()
