"""The shared trace store, measured side by side in one run.

Usage: .venv/bin/python benchmarks/trace_store.py [--quick] [--only PART] [--equal-priority]

1. Run-endpoint throughput (one worker, wrk -t1 -c8): dashboard off / memory store / Redis store, on two
   pipelines: `shout`, whose two components do nothing (the worst case for capture's share of a request), and
   `ask`, a prompt builder and Haystack's OpenAI chat generator against a fake LLM that answers at once
   (harness.RUN_PIPELINES).
2. The same with capacity 200 vs 10 000 vs 100 000 (10 000 in --quick), each buffer full (the peer loses
   ~2.7x at 10 000), for each store.
   Each comparison runs alone: three server processes per configuration, started side by side, 16 rounds of 3 s
   (`--processes`, `--rounds`, `--seconds`; --quick: one process, 2 rounds of 1 s). See `throughput` for why.
   `--only capture` and `--only capacity` run one half.
1b. Part 1 measured a steadier way (`--only toggled`): capture switched off and on by a signal inside each server
   (`toggled_server.py`), both states loaded back to back; two processes per configuration, 16 rounds of 2 s in
   each state. Servers with the dashboard off, switched alike, measure the method's own noise.
3. `GET /dashboard/api/traces?limit=50` latency with 10 000 traces stored (wrk -c1), memory and Redis: every
   pipeline's newest page, one pipeline's (its 6 traces, a deploy and 5 runs, are the oldest stored) and one with
   none.
   `--stored N` stores N instead (e.g. 100 000, the largest capacity).
4. Cross-worker visibility, 2 workers on Redis: from a response on one worker to its trace on another, via the
   SSE stream (read by `sse_listener.py`, a process of its own, as a browser reads it) and via polling
   (p50/p99).
5. Dashboard reads on 4 workers (Redis) idle and while runs are served at ~60 % of flat out: the newest page,
   a page of old (already expanded) traces, and /config, to tell expansion from waiting.

Redis, this process (the measuring client) and the SSE listener get more CPU weight than the server under test
(harness.prioritise); `--equal-priority` leaves them at the server's.

Targets (issue 4): capture costs <= 5 % throughput; capacity makes no difference; SSE visibility p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    RUN_PIPELINES,
    Load,
    ServerUrl,
    add_priority_option,
    alternate,
    apply_priority_option,
    fake_llm,
    hayhooks_server,
    paired,
    percentile,
    prioritise,
    rotated,
    start_redis,
    summarise,
    wrk,
    wrk_get,
)
from benchmarks.toggled_server import switch

EXAMPLES, BODY = RUN_PIPELINES["shout"]
TOGGLED_SERVER = Path(__file__).with_name("toggled_server.py")


# Every configuration compared logs alike: with the access log on, a request costs ~25 µs more (a line formatted
# and written). Until stop 28 the dashboard-off server logged and the others did not, and capture measured faster
# than no capture.
QUIET = {"HAYHOOKS_LOG_LEVEL": "WARNING"}


def dashboard_env(redis_url: str | None, capacity: int, prefix: str) -> dict[str, str]:
    env = {"HAYHOOKS_DASHBOARD_ENABLED": "true", "HAYHOOKS_DASHBOARD_TRACE_BUFFER_CAPACITY": str(capacity), **QUIET}
    if redis_url:
        env |= {"HAYHOOKS_REDIS_URL": redis_url, "HAYHOOKS_REDIS_KEY_PREFIX": prefix}
    return env


def configuration_env(name: str, redis_url: str) -> dict[str, str]:
    """``off``, or ``<store>-<capacity>`` (``memory-200``, ``redis-100000``): a Redis configuration's processes
    share one stream, filled once."""
    if name == "off":
        return {"HAYHOOKS_DASHBOARD_ENABLED": "false", **QUIET}
    store, capacity = name.split("-")
    return dashboard_env(redis_url if store == "redis" else None, int(capacity), f"b{capacity}:")


def comparisons(largest: int, parts: tuple[str, ...] = ("capture", "capacity")) -> dict[str, tuple[str, list[str]]]:
    """What parts 1-2 compare, by title: the pipeline run, and configurations of which the first is the others'
    base."""
    sizes = [200, 10_000] + ([largest] if largest > 10_000 else [])
    capture = {f"capture on {pipeline} (dashboard off, memory store, Redis store)":
               (pipeline, ["off", "memory-200", "redis-200"]) for pipeline in ("shout", "ask")}
    capacity = {f"{label} store capacity": ("shout", [f"{store}-{size}" for size in sizes])
                for store, label in (("memory", "memory"), ("redis", "Redis"))}
    return (capture if "capture" in parts else {}) | (capacity if "capacity" in parts else {})


def throughput(rounds: int, seconds: float, redis_url: str, *, largest: int = 10_000, processes: int = 1,
               parts: tuple[str, ...] = ("capture", "capacity")) -> None:
    """Parts 1-2: each comparison on its own, with only the servers it compares.

    Timed on these VMs, one run of a server swings by ±10 % from the next. Two more things were seen: identical
    processes keep a bias of up to ~10 % for their lifetime, and processes started side by side tend to share it.
    So each comparison starts ``processes`` servers per configuration side by side (A1 B1 C1, A2 B2 C2, …),
    alternates them over many short rounds (a round is seconds, not minutes, so drift within it is small), and
    reports each configuration against its base by pair of rounds (means over processes) and by process (the
    medians of A1 and B1, started together). With 14 servers in one long round, the same benchmark gave ratios
    of 0.85 and 0.99 twenty minutes apart.
    """
    for title, (pipeline, names) in comparisons(largest, parts).items():
        print(f"\n== 1-2. run throughput, {title}: {processes} server process(es) each, {rounds} rounds of"
              f" {seconds:g} s, buffers full ==")
        compare(names, rounds, seconds, redis_url, processes, pipeline)


def compare(names: list[str], rounds: int, seconds: float, redis_url: str, processes: int,
            pipeline: str = "shout") -> None:
    """One comparison: ``names[1:]`` against ``names[0]``, printed by pair of rounds and by process."""
    folder, body = RUN_PIPELINES[pipeline]
    run = f"/{pipeline}/run"
    servers = [(name, n) for n in range(1, processes + 1) for name in names]  # side by side: A1 B1 A2 B2
    with ExitStack() as stack:
        llm = stack.enter_context(fake_llm()) if pipeline == "ask" else {}
        urls = {f"{name}#{n}": stack.enter_context(
            hayhooks_server("--pipelines-dir", str(folder), env=configuration_env(name, redis_url) | llm))
            for name, n in servers}
        fill(urls, run, body)
        loads = alternate(urls, body, rounds=rounds, seconds=seconds, path=run, label="  ")

    def value(load: Load, what: str) -> float:
        return getattr(load, what) or 0.0

    base = names[0]
    for what, heading in (("requests_per_s", "throughput (1.000 = no cost)"),
                          ("cpu_us_per_request", "server CPU per request (1.000 = no cost; 1.05 = 5 % more)")):
        print(f"  {heading}:")
        medians = {server: statistics.median(value(load, what) for load in runs) for server, runs in loads.items()}
        for name in names[1:]:
            by_pair = [a / b for a, b in zip(*(paired([statistics.fmean(
                value(loads[f"{config}#{n}"][r], what) for n in range(1, processes + 1)) for r in range(rounds)])
                for config in (name, base)), strict=True)]
            by_process = [medians[f"{name}#{n}"] / medians[f"{base}#{n}"] for n in range(1, processes + 1)]
            print("    " + summarise(f"{name:13s} / {base:10s}", by_pair, of="pairs"))
            if processes > 1:
                print(f"    {'':28s}  by process: {', '.join(f'{v:.3f}' for v in by_process)}")
        if processes > 1:  # the noise floor: how far apart identical processes measured, in this run
            spread = max(max(medians[f"{name}#{n}"] for n in range(1, processes + 1))
                         / min(medians[f"{name}#{n}"] for n in range(1, processes + 1)) for name in names)
            print(f"    identical processes of one configuration differed by up to {100 * (spread - 1):.1f} %")


def fill(urls: dict[str, ServerUrl], run: str, body: str) -> None:
    """Warm every server up and fill every buffer to its capacity: a full buffer evicts as it appends."""
    for server, url in urls.items():
        wrk(f"{url}{run}", body, seconds=2)
        while not server.startswith("off") and (stats := httpx.get(f"{url}/dashboard/api/config").json()[
                "stats"])["stored"] < 0.99 * stats["capacity"]:
            wrk(f"{url}{run}", body, seconds=2)
    for server, url in urls.items():
        if not server.startswith("off"):
            stats = httpx.get(f"{url}/dashboard/api/config").json()["stats"]
            print(f"  {server}: stored {stats['stored']} / capacity {stats['capacity']}")


def toggled(rounds: int, seconds: float, redis_url: str, processes: int) -> None:
    """Part 1 measured a steadier way: capture switched off and on inside each server (``toggled_server.py``).

    Each round loads every server twice, back to back, capture on and off (the order alternating by round), so
    each ratio is one process against itself seconds apart, free of the bias that two processes of the same
    configuration keep for their lifetime. The ``off`` servers (the dashboard off, so the switch changes nothing)
    measure the method itself: their ratios should be ~1.000, and their spread is the noise of this instrument.
    A server must capture nothing while switched off, and leave no operation open across a switch: how many
    traces it captured while off and how many operations show as running between loads are printed (0 expected).
    """
    for pipeline in ("shout", "ask"):
        print(f"\n== 1b. capture on {pipeline}, switched on and off inside each server: {processes} process(es) per"
              f" configuration, {rounds} rounds of {seconds:g} s in each state ==")
        folder, body = RUN_PIPELINES[pipeline]
        run = f"/{pipeline}/run"
        with ExitStack() as stack:
            llm = stack.enter_context(fake_llm()) if pipeline == "ask" else {}
            urls = {f"{name}#{n}": stack.enter_context(hayhooks_server(
                "--pipelines-dir", str(folder), env=configuration_env(name, redis_url) | llm,
                command=[sys.executable, str(TOGGLED_SERVER), "run"]))
                for n in range(1, processes + 1) for name in ("off", "memory-200", "redis-200")}
            fill(urls, run, body)
            pairs: dict[str, list[tuple[Load, Load]]] = {server: [] for server in urls}
            leaked, left_running = dict.fromkeys(urls, 0), dict.fromkeys(urls, 0)
            for round_no in range(rounds):
                for server in rotated(urls, round_no):
                    url = urls[server]
                    loads: dict[str, Load] = {}
                    for state in ("on", "off") if round_no % 2 == 0 else ("off", "on"):
                        time.sleep(0.3)  # the last load's traces, taken by the flusher in the state they ran in
                        switch(url.pid, url.log, state)
                        before = _captured(url)
                        loads[state] = wrk(f"{url}{run}", body, seconds=seconds, pid=url.pid)
                        if state == "off":
                            time.sleep(0.3)
                            leaked[server] += _captured(url) - before
                    time.sleep(0.3)  # operations of the last load may still show as running for a moment
                    left_running[server] = max(left_running[server], _running(url))
                    pairs[server].append((loads["on"], loads["off"]))
                    on, off = loads["on"], loads["off"]
                    print(f"round {round_no + 1}  {server:12s} on {on.requests_per_s:6.0f} req/s"
                          f" {on.cpu_us_per_request:6.0f} µs/req | off {off.requests_per_s:6.0f} req/s"
                          f" {off.cpu_us_per_request:6.0f} µs/req | CPU on/off"
                          f" {on.cpu_us_per_request / off.cpu_us_per_request:.3f}", flush=True)
        for what, heading in (("requests_per_s", "throughput on / off (1.000 = no cost)"),
                              ("cpu_us_per_request", "server CPU per request on / off (1.05 = 5 % more)")):
            print(f"  {heading}, median (quartiles) of every process's rounds:")
            for name in ("off", "memory-200", "redis-200"):
                ratios = [getattr(on, what) / getattr(off, what) for server, loads in pairs.items()
                          if server.startswith(f"{name}#") for on, off in loads]
                low, median, high = statistics.quantiles(ratios, n=4)
                role = "the method's own noise" if name == "off" else "capture"
                print(f"    {name:10s} {median:.3f} ({low:.3f}-{high:.3f}), n={len(ratios)}  ({role})")
        for label, counts in (("traces captured while switched off", leaked),
                              ("most operations shown running between loads", left_running)):
            print(f"  {label} (0 expected): "
                  + ", ".join(f"{server} {count}" for server, count in counts.items() if not server.startswith("off")))


def _captured(url: str) -> int:
    if not (config := httpx.get(f"{url}/dashboard/api/config")).is_success:
        return 0  # the dashboard is off
    return config.json()["stats"]["captured"]


def _running(url: str) -> int:
    if not (page := httpx.get(f"{url}/dashboard/api/traces", params={"limit": 500})).is_success:
        return 0
    return sum(trace["running"] for trace in page.json()["traces"])


def page_latency(seconds: float, redis_url: str, stored: int = 10_000) -> None:
    print(f"\n== 3. GET /dashboard/api/traces?limit=50 with {stored} traces stored (wrk -c1): every pipeline's,"
          " one pipeline's (its 6 traces the oldest), one with none ==")
    queries = {"every pipeline": "limit=50", "greet (6, the oldest)": "limit=50&entrypoint=greet",
               "a pipeline with none": "limit=50&entrypoint=nothing"}
    for name, env in {"memory": dashboard_env(None, stored, ""),
                      "redis": dashboard_env(redis_url, stored, f"page{stored}:")}.items():
        with hayhooks_server("--pipelines-dir", str(EXAMPLES), env=env) as url:
            for _ in range(5):  # the oldest traces: a pipeline's page has to reach back past all the others
                httpx.post(f"{url}/greet/run", json={"name": "Ada", "place": "Paris"}).raise_for_status()
            fill_exactly(url, stored)  # one trace more and the first greet trace is gone
            for label, query in queries.items():
                found = len(httpx.get(f"{url}/dashboard/api/traces?{query}").json()["traces"])
                pages = wrk_get(f"{url}/dashboard/api/traces?{query}", seconds=seconds)
                print(f"  {name:6s} {label:21s}: p50 {pages.p50_ms:7.2f} ms  p99 {pages.p99_ms:7.2f} ms"
                      f"  ({pages.requests_per_s:.0f} pages/s, {found} traces a page)", flush=True)


def fill_exactly(url: str, count: int) -> None:
    """Run ``shout`` until ``count`` traces are stored, not one more: wrk up to a few thousand short, then one
    request at a time."""
    def stored() -> int:
        return httpx.get(f"{url}/dashboard/api/config").json()["stats"]["stored"]

    while stored() < count - 5_000:
        wrk(f"{url}/shout/run", BODY, seconds=1)
    time.sleep(0.5)  # the flusher's last batch
    with httpx.Client() as client:
        while (missing := count - stored()) > 0:
            for _ in range(missing):
                client.post(f"{url}/shout/run", json={"text": "hello world"}).raise_for_status()
            time.sleep(0.5)


def pages_under_load(seconds: float, redis_url: str) -> None:
    print("\n== 5. dashboard reads while 4 workers on Redis serve runs paced near 60 % of flat out"
          " (wrk -c1, 20 ms apart) ==")
    env = dashboard_env(redis_url, 2000, "load:")
    with hayhooks_server("--pipelines-dir", str(EXAMPLES), "--workers", "4", env=env) as url:
        close = {"Connection": "close"}  # new connections, so every worker serves runs
        # Paced at a rate the machine serves: flat out, a read only measures how long it queues behind runs.
        rate = 0.6 * wrk(f"{url}/shout/run", BODY, seconds=2, headers=close).requests_per_s
        oldest = httpx.get(f"{url}/dashboard/api/traces", params={"limit": 1, "after_seq": "0"})
        old_cursor = oldest.headers["x-hayhooks-trace-cursor"]
        reads = {
            "newest 50 (mostly new traces)": "traces?limit=50",
            "50 old traces (already expanded)": f"traces?limit=50&after_seq={old_cursor}",
            "config (small, reads Redis)": "config",
        }
        for label, query in reads.items():
            idle = wrk_get(f"{url}/dashboard/api/{query}", seconds=seconds, pause_ms=20)
            stop = threading.Event()
            rates: list[float] = []

            def keep_busy(stop: threading.Event = stop, rates: list[float] = rates) -> None:
                while not stop.is_set():
                    rates.append(wrk(f"{url}/shout/run", BODY, seconds=2, headers=close, rate=rate).requests_per_s)

            background = threading.Thread(target=keep_busy)
            background.start()
            time.sleep(1)
            try:
                busy = wrk_get(f"{url}/dashboard/api/{query}", seconds=seconds, pause_ms=20)
            finally:
                stop.set()
                background.join()
            print(f"  {label:34s} idle p50 {idle.p50_ms:5.2f} ms p99 {idle.p99_ms:5.2f} ms"
                  f" | under load p50 {busy.p50_ms:5.2f} ms p99 {busy.p99_ms:6.2f} ms"
                  f" (runs {min(rates):.0f}-{max(rates):.0f} req/s)", flush=True)


def visibility(samples: int, redis_url: str) -> None:
    print("\n== 4. cross-worker visibility, 2 workers on Redis ==")
    env = dashboard_env(redis_url, 2000, "vis:")
    with hayhooks_server("--pipelines-dir", str(EXAMPLES), "--workers", "2", env=env) as url:
        measure_visibility(url, samples)


PROBES = {"shout": {"text": "v"}, "greet": {"name": "v", "place": "here"}}


def measure_visibility(url: str, samples: int, *, follow_only: str | None = None) -> None:
    """From a response on one worker to its trace on another, via SSE and via polling; prints p50/p99.

    ``follow_only``: probe that pipeline and follow only it (``?entrypoint=``), as a dashboard filtered on one
    pipeline does. Under load on another pipeline, the whole feed is thousands of traces a second, more than
    this Python client parses while it competes for the CPUs; it would fall behind and be cut off.
    """
    probe = follow_only or "shout"
    only = {"entrypoint": follow_only} if follow_only else {}
    arrived: dict[str, float] = {}
    sse_worker: list[str] = []
    ready = threading.Event()
    # The stream is read by a process of its own, as a browser would read it (see sse_listener.py).
    listener = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("sse_listener.py")), url,
         *(["--entrypoint", follow_only] if follow_only else [])],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    prioritise(listener.pid)

    def listen() -> None:
        for line in listener.stdout:  # type: ignore[union-attr]
            first, second = line.split()
            if first == "worker":
                sse_worker.append(second)
                ready.set()
            else:
                arrived.setdefault(first, float(second))

    threading.Thread(target=listen, daemon=True).start()
    if not ready.wait(10):
        listener.kill()
        raise RuntimeError("the SSE listener did not connect")
    try:
        _probe(url, samples, probe, only, sse_worker[0], arrived)
    finally:
        listener.kill()
        listener.wait()


def _probe(url: str, samples: int, probe: str, only: dict[str, str], sse_worker: str,
           arrived: dict[str, float]) -> None:
    # One kept-alive connection stays on one worker: pick one on the SSE worker, the other is the writer.
    for _ in range(100):
        poller = httpx.Client(timeout=5)
        if poller.get(f"{url}/status").headers["x-hayhooks-worker"] == sse_worker:
            break
        poller.close()
    sse_delays, poll_delays = [], []
    missed = 0
    give_up = time.monotonic() + max(60.0, samples * 0.5)
    while len(sse_delays) < samples and time.monotonic() < give_up:
        # Follow the shared view from where it is now, as the dashboard does, so other traffic cannot hide it.
        newest = poller.get(f"{url}/dashboard/api/traces", params={"limit": 1} | only)
        cursor = newest.headers["x-hayhooks-trace-cursor"] or "0"
        with httpx.Client() as client:
            response = client.post(f"{url}/{probe}/run", json=PROBES[probe])
        done = time.monotonic()
        worker, trace_id = response.headers["x-hayhooks-worker"], response.headers["x-hayhooks-trace-id"]
        if worker == sse_worker:
            continue
        deadline = done + 2
        while time.monotonic() < deadline:
            page = poller.get(f"{url}/dashboard/api/traces", params={"limit": 500, "after_seq": cursor} | only).json()
            if any(t["trace_id"] == trace_id and not t["running"] for t in page["traces"]):
                poll_delays.append((time.monotonic() - done) * 1000)
                break
            cursor = page["next_after_seq"] or cursor
            time.sleep(0.002)
        else:
            missed += 1
        deadline = time.monotonic() + 2
        while trace_id not in arrived and time.monotonic() < deadline:
            time.sleep(0.0005)
        if trace_id in arrived:
            sse_delays.append((arrived[trace_id] - done) * 1000)
        else:
            missed += 1
        time.sleep(0.01)
    for name, values in (("SSE", sse_delays), ("polling (2 ms loop)", poll_delays)):
        if values:
            print(f"  {name:20s} n={len(values):3d}  p50 {statistics.median(values):6.1f} ms"
                  f"  p99 {percentile(values, 99):6.1f} ms  max {max(values):6.1f} ms")
    print(f"  not seen within 2 s: {missed}")


def _rounds(args: argparse.Namespace, default: tuple[int, int, float]) -> tuple[int, int, float]:
    """Processes per configuration, rounds and seconds a round: as given, else ``default``."""
    return args.processes or default[0], args.rounds or default[1], args.seconds or default[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (about a minute)")
    parser.add_argument("--only", choices=["throughput", "capture", "capacity", "toggled", "pages", "visibility",
                                           "pages-under-load"],
                        help="run one part (capture and capacity: one half of throughput)")
    parser.add_argument("--stored", type=int, default=10_000, help="traces stored for part 3")
    parser.add_argument("--processes", type=int, help="parts 1-2: server processes per configuration (3; toggled: 2)")
    parser.add_argument("--rounds", type=int, help="parts 1-2: rounds, in pairs (16; toggled: 16)")
    parser.add_argument("--seconds", type=float, help="parts 1-2: seconds of load a round (3; toggled: 2 a state)")
    add_priority_option(parser)
    args = parser.parse_args()
    apply_priority_option(args)
    prioritise(os.getpid())  # the measuring clients: page reader, visibility probes
    seconds, samples = (1, 40) if args.quick else (5, 200)  # parts 3-5
    process, redis_url = start_redis()
    try:
        quick = (1, 2, 1.0)
        if args.only in (None, "throughput", "capture", "capacity"):
            processes, rounds, length = _rounds(args, quick if args.quick else (3, 16, 3.0))
            parts = (args.only,) if args.only in ("capture", "capacity") else ("capture", "capacity")
            throughput(rounds, length, redis_url, largest=10_000 if args.quick else 100_000, processes=processes,
                       parts=parts)
        if args.only in (None, "toggled"):
            processes, rounds, length = _rounds(args, quick if args.quick else (2, 16, 2.0))
            toggled(rounds, length, redis_url, processes)
        if args.only in (None, "pages"):
            page_latency(seconds, redis_url, args.stored)
        if args.only in (None, "pages-under-load"):
            pages_under_load(seconds, redis_url)
        if args.only in (None, "visibility"):
            visibility(samples, redis_url)
    finally:
        process.kill()


if __name__ == "__main__":
    main()
