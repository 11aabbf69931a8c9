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

--callgrind takes the machine's noise out altogether: each configuration's process runs under valgrind's
callgrind with its cache simulator, its store filled with copies, and counts what 40 and then 200 run requests
execute, after 40 that warm the simulated caches up (the difference over the difference: start-up and the
fixed part cancel). It prints per request the
instructions, the simulated cache misses and the cycles they are estimated to cost (Ir + 10 * L1 misses +
100 * last-level misses, KCachegrind's estimate). The simulated last-level cache is 2 MiB (`--LL`), one core's
L2 here: a buffer of 200 traces fits in it and one of 10 000 does not, so what a large buffer costs in misses
(freeing the oldest trace, reading a cold one) shows in full. About 5 minutes; needs valgrind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONCURRENT = 8
# Under callgrind a request takes ~100 times as long: flushes a second apart (and the flusher's periodic wake
# slowed as much) keep its batches as large as a loaded worker's, as in `instructions.py`.
CALLGRIND_ENV = {"HAYHOOKS_DASHBOARD_FLUSH_INTERVAL_MS": "1000"}
CALLGRIND_TICK_S = 5.0
CALLGRIND_LL = "--LL=2097152,16,64"
CALLGRIND_COUNTS = (40, 200)


async def _child(store: str, capacity: int, redis_url: str | None, copies: bool, callgrind: bool) -> None:
    """Start the app with a full store, then serve the rounds the parent asks for on stdin."""
    from hayhooks.dashboard import flusher
    from hayhooks.server.app import create_app
    from hayhooks.settings import AppSettings

    if callgrind:
        flusher.TICK_S = CALLGRIND_TICK_S

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
        started, faults = time.process_time(), resource.getrusage(resource.RUSAGE_SELF)
        await serve(requests)
        await asyncio.sleep(2.5 if callgrind else 0.1)  # the last flush belongs to these requests
        now = resource.getrusage(resource.RUSAGE_SELF)
        print(f"{(time.process_time() - started) / requests * 1e6:.2f}"
              f" {(now.ru_minflt - faults.ru_minflt) / requests:.3f}", flush=True)
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


def _callgrind(out: str) -> list[str]:
    return ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes", CALLGRIND_LL,
            f"--callgrind-out-file={out}/out.%p"]


def _per_request(totals: list[dict[str, int]]) -> dict[str, float]:
    """Events per request from the counts of the low and the high run; cache misses summed by level."""
    _, low, high = totals
    span = CALLGRIND_COUNTS[1] - CALLGRIND_COUNTS[0]
    per = {event: (high.get(event, 0) - low.get(event, 0)) / span for event in high}
    l1 = per.get("I1mr", 0) + per.get("D1mr", 0) + per.get("D1mw", 0)
    ll = per.get("ILmr", 0) + per.get("DLmr", 0) + per.get("DLmw", 0)
    return {"Ir": per["Ir"], "L1": l1, "LL": ll, "cycles": per["Ir"] + 10 * l1 + 100 * ll}


def _count_one(config: str, env: dict[str, str]) -> dict[str, dict[str, float]]:
    """Events per run request of one configuration's process under callgrind, its store filled with copies, and
    for the Redis store those of its own redis-server, counted over the same requests."""
    from benchmarks.harness import callgrind_dump, callgrind_zero, start_redis

    store, capacity = config.split("-")
    dumps, redis_dumps = tempfile.mkdtemp(prefix="callgrind-"), tempfile.mkdtemp(prefix="callgrind-redis-")
    redis_process, redis_url = start_redis(under=_callgrind(redis_dumps)) if store == "redis" else (None, "-")
    child = subprocess.Popen(
        [*_callgrind(dumps), sys.executable, __file__, "--child", store, capacity, redis_url, "copies", "callgrind"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert child.stdin is not None and child.stdout is not None
    counted = [child.pid] + ([redis_process.pid] if redis_process else [])
    try:
        ready = child.stdout.readline().split()
        if not ready or ready[0] != "ready":
            raise RuntimeError(f"{config} did not start under valgrind")
        for pid in counted:
            subprocess.run(["callgrind_control", "-i", "on", str(pid)], check=True, capture_output=True)
        totals: dict[int, list[dict[str, int]]] = {pid: [] for pid in counted}
        for requests in (CALLGRIND_COUNTS[0], *CALLGRIND_COUNTS):  # the first warms the simulated caches up
            for pid in counted:
                callgrind_zero(pid)
            child.stdin.write(f"{requests}\n")
            child.stdin.flush()
            child.stdout.readline()
            for pid, out in zip(counted, (dumps, redis_dumps), strict=False):
                totals[pid].append(callgrind_dump(pid, out))
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(120)
    finally:
        for process in (child, redis_process):
            if process is not None and process.poll() is None:
                process.kill()
        shutil.rmtree(dumps, ignore_errors=True)
        shutil.rmtree(redis_dumps, ignore_errors=True)
    result = {"worker": {"stored": float(ready[1]), **_per_request(totals[child.pid])}}
    if redis_process is not None:
        result["redis-server"] = _per_request(totals[redis_process.pid])
    return result


def _count_under_callgrind(capacities: list[int]) -> None:
    """Instructions, simulated cache misses and estimated cycles per request, each capacity against 200."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind is not installed: apt-get install -y valgrind")
    env = {**os.environ, "HAYSTACK_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT / "app"), **CALLGRIND_ENV}
    configs = [f"{store}-{capacity}" for store in ("memory", "redis") for capacity in capacities]
    with ThreadPoolExecutor(max_workers=2) as pool:  # one valgrind worker per CPU
        counted = dict(zip(configs, pool.map(lambda config: _count_one(config, env), configs), strict=True))
    low, high = CALLGRIND_COUNTS
    print(f"per run request under callgrind ({high} - {low} requests, 8 at a time; simulated last-level cache "
          f"{CALLGRIND_LL.split('=')[1]}; stores filled with copies; Redis' own process counted apart):")
    print(f"  {'':28s} {'instructions':>13s} {'L1 misses':>10s} {'LL misses':>10s} {'est. cycles':>12s}")
    for config, processes in counted.items():
        for process, c in processes.items():
            print(f"  {config + ' ' + process:28s} {c['Ir']:13,.0f} {c['L1']:10,.0f} {c['LL']:10,.0f}"
                  f" {c['cycles']:12,.0f}")
    print("\nlarger capacity against 200 (1.000 = capacity costs nothing; the target, throughput ≥ 0.95,"
          " is a cost ≤ 1.053):")
    for store in ("memory", "redis"):
        base = counted[f"{store}-200"]
        for capacity in capacities[1:]:
            this = counted[f"{store}-{capacity}"]
            for process in this:
                c, b = this[process], base[process]
                print(f"  {store}-{capacity:<6} / {store}-200, {process:12s} instructions {c['Ir'] / b['Ir']:.3f}"
                      f"   est. cycles {c['cycles'] / b['cycles']:.3f}"
                      f"   (LL misses {c['LL'] - b['LL']:+,.0f} a request)")
            if store == "redis":
                total = sum(p["cycles"] for p in this.values()) / sum(p["cycles"] for p in base.values())
                print(f"  {store}-{capacity:<6} / {store}-200, worker and Redis together: est. cycles {total:.3f}")


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
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions and simulated cache misses per request under valgrind (no noise)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        store, capacity, url, copies, mode = args.child
        asyncio.run(_child(store, int(capacity), None if url == "-" else url, copies == "copies", mode == "callgrind"))
        return

    from benchmarks.harness import rotated, start_redis, summarise

    capacities = [200, 10_000] if args.quick else [200, 10_000, 100_000]
    if args.callgrind:
        _count_under_callgrind(capacities)
        return
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
                     "copies" if args.copies else "served", "native"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for name, child in children.items():
            assert child.stdout is not None
            ready = child.stdout.readline().split()
            if not ready or ready[0] != "ready":
                raise RuntimeError(f"{name} did not start")
            print(f"{name}: {ready[1]} traces stored", flush=True)
        cpu: dict[str, list[float]] = {config: [] for config in configs}
        faults: dict[str, list[float]] = {config: [] for config in configs}  # minor page faults per request
        for round_no in range(rounds):
            turns: dict[str, list[tuple[float, float]]] = {config: [] for config in configs}
            for name in rotated(children, round_no):
                child = children[name]
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(f"{requests}\n")
                child.stdin.flush()
                us, minflt = child.stdout.readline().split()
                turns[name.split("#")[0]].append((float(us), float(minflt)))
            for config in configs:
                cpu[config].append(statistics.fmean(t[0] for t in turns[config]))
                faults[config].append(statistics.fmean(t[1] for t in turns[config]))
            print(f"round {round_no + 1}: " + "  ".join(f"{c} {cpu[c][-1]:.0f} µs" for c in configs), flush=True)
    finally:
        for child in children.values():
            if child.poll() is None and child.stdin is not None:
                child.stdin.write("\n")
                child.stdin.flush()
        for child in children.values():
            child.wait(30)
        redis_process.terminate()

    print(f"\nCPU per request (µs, median of {rounds} rounds of {requests}, {processes} process(es) each), and the"
          " minor page faults a request costs the kernel (memory the allocator gave back and takes again):")
    for name, values in cpu.items():
        print(f"  {name:14s} {statistics.median(values):7.1f} µs   {statistics.median(faults[name]):6.3f} faults")
    print("\nthroughput the CPU allows, larger capacity / 200 (1.000 = capacity costs nothing; target ≥ 0.95):")
    for store in ("memory", "redis"):
        base = cpu[f"{store}-200"]
        for capacity in capacities[1:]:
            ratios = [b / c for b, c in zip(base, cpu[f"{store}-{capacity}"], strict=True)]
            print("  " + summarise(f"{store}-{capacity:<6} / {store}-200", ratios))


if __name__ == "__main__":
    main()
