"""Soak: 100 000 run requests through 4 workers sharing Redis; does any memory grow, does the dashboard slow down?

Usage: .venv/bin/python benchmarks/soak.py [--quick] [--requests N] [--chunks K] [--rate R | --load F] [--keep-alive]
                                           [--no-page-reads] [--equal-priority]

`hayhooks run --workers 4` with the dashboard on Redis, capacity 2000 (HAYHOOKS_DASHBOARD_TRACE_BUFFER_CAPACITY),
driven by wrk (-t1 -c8, a separate process) in chunks of POST /shout/run. By default every request opens a new
connection (`Connection: close`) so the kernel spreads them over the 4 workers; `--keep-alive` keeps wrk's 8
connections instead (they may land unevenly on the workers). The question is whether anything grows or slows at
a load the machine can serve, so the load is paced: by default near `--load` (60 %) of the rate the same wrk
reaches flat out against this server, measured for 3 s first; `--rate R` paces near R req/s instead, and
`--rate 0` runs flat out, where page latency is mostly queueing behind runs.

After each chunk: requests done, req/s, errors, the RSS of every gunicorn worker (children of the master, from
/proc), Redis `used_memory` and the stream's XLEN, dropped traces from every worker's /dashboard/api/config, and
the latency of `GET /dashboard/api/traces?limit=50` (about 50 reads on new connections, spread over the chunk).
At the end: the RSS curve of each worker and Redis' memory curve, growth from chunk 2 (after warm-up) to the
last chunk, and a verdict: flat below 5 %; above, "levelled off" when the last chunk moved it less than 1 %, else
growing. Figures only, no assertion. --quick: 10 000 requests in 5 chunks, under a minute.

Each worker caches the API form of the traces it served (an LRU of at most the store's capacity, ~7 KB each):
with the dashboard read during the soak, worker RSS climbs until that cache is full, then stays put.
`--no-page-reads` is the control run without it. Redis and this process (the page reader) get more CPU weight than
the server (harness.prioritise); `--equal-priority` leaves them at the server's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    RUN_PIPELINES,
    add_priority_option,
    apply_priority_option,
    hayhooks_server,
    percentile,
    prioritise,
    start_redis,
    worker_pids,
    wrk,
)

EXAMPLES, BODY = RUN_PIPELINES["shout"]
PREFIX = "soak:"
CAPACITY = 2000
FLAT_PERCENT = 5.0
TAIL_PERCENT = 1.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def get(url: str, path: str) -> tuple[float, int, bytes]:
    """One GET on a new connection (so any worker may answer): (milliseconds, status, body)."""
    parts = urlsplit(url)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000, response.status, body


def configs_by_worker(url: str, workers: int, tries: int = 60) -> dict[str, dict]:
    """``/dashboard/api/config`` of as many workers as answer within ``tries`` new connections."""
    seen: dict[str, dict] = {}
    for _ in range(tries):
        _, status, body = get(url, "/dashboard/api/config")
        if status == 200:
            config = json.loads(body)
            seen[config["this_worker"]] = config
        if len(seen) >= workers:
            break
    return seen


class PageReader(threading.Thread):
    """``count`` reads of a page of 50 traces, ``interval`` apart, on new connections."""

    def __init__(self, url: str, count: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.url, self.count, self.interval = url, count, interval
        self.latencies_ms: list[float] = []
        self.failures = 0

    def run(self) -> None:
        for _ in range(self.count):
            try:
                ms, status, _ = get(self.url, "/dashboard/api/traces?limit=50")
            except OSError:
                self.failures += 1
                continue
            if status == 200:
                self.latencies_ms.append(ms)
            else:
                self.failures += 1
            time.sleep(self.interval)


def growth(values: list[float], start: int = 1) -> float:
    """Percent change from chunk ``start + 1`` (by default chunk 2, after the first chunk's warm-up) to the last."""
    return (values[-1] - values[start]) / values[start] * 100


def verdict(values: list[float]) -> str:
    """Flat below 5 % after warm-up; otherwise whether the last chunk still grew (a leak) or it levelled off."""
    change = growth(values)
    if abs(change) < FLAT_PERCENT:
        return "flat"
    if change < 0:
        return "shrinking"
    tail = growth(values, len(values) - 2)
    if abs(tail) < TAIL_PERCENT:
        return f"grew, then levelled off (last chunk {tail:+.1f} %): a bounded cache filling, not a leak"
    return f"GROWING (last chunk {tail:+.1f} %)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 000 requests in 5 chunks (under a minute)")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--keep-alive", action="store_true", help="reuse wrk's 8 connections")
    parser.add_argument("--rate", type=float, default=None,
                        help="pace the load near this many req/s (0: flat out; default: --load of the flat-out rate)")
    parser.add_argument("--load", type=float, default=0.6,
                        help="without --rate: the share of the measured flat-out rate to pace at (default 0.6)")
    parser.add_argument("--no-page-reads", action="store_true",
                        help="control run: no dashboard reads (each worker's cache of expanded traces stays empty)")
    add_priority_option(parser)
    args = parser.parse_args()
    apply_priority_option(args)
    prioritise(os.getpid())  # the page reader
    total, chunks = (10_000, 5) if args.quick else (args.requests, args.chunks)
    per_chunk = total // chunks
    headers = None if args.keep_alive else {"Connection": "close"}

    import redis

    redis_process, redis_url = start_redis()
    client = redis.Redis.from_url(redis_url)
    env = {"HAYHOOKS_DASHBOARD_TRACE_BUFFER_CAPACITY": str(CAPACITY), "HAYHOOKS_LOG_LEVEL": "WARNING",
           "HAYHOOKS_REDIS_KEY_PREFIX": PREFIX}
    rss: dict[int, list[float]] = {}
    redis_mb: list[float] = []
    done = 0
    try:
        with hayhooks_server("--pipelines-dir", str(EXAMPLES), "--workers", "4", "--with-tracing-dashboard",
                             "--redis-url", redis_url, env=env) as url:
            configs_by_worker(url, 4)  # every worker up and answering
            pids = worker_pids(url.pid)
            if args.rate is None:
                flat_out = wrk(f"{url}/shout/run", BODY, seconds=3, connections=8, headers=headers).requests_per_s
                args.rate = round(args.load * flat_out)
                print(f"flat out: {flat_out:.0f} req/s; pacing near {args.load:.0%} of it")
            print(f"gunicorn master {url.pid}, workers {pids}; {total} requests in {chunks} chunks of {per_chunk}, "
                  f"wrk -t1 -c8{'' if args.keep_alive else ' (Connection: close)'}"
                  f"{f', paced near {args.rate:.0f} req/s' if args.rate else ', flat out'}, capacity {CAPACITY}")
            print("before load: RSS " + "  ".join(f"{pid}: {rss_mb(pid):.1f} MB" for pid in pids)
                  + f"  | Redis used_memory {client.info('memory')['used_memory'] / 2**20:.2f} MB")
            chunk_seconds = per_chunk / 1000
            for chunk in range(1, chunks + 1):
                reader = PageReader(url, 0 if args.no_page_reads else 50, chunk_seconds / 60)
                reader.start()
                started = time.monotonic()
                load = wrk(f"{url}/shout/run", BODY, seconds=max(60, chunk_seconds * 20), connections=8,
                           stop_after=per_chunk, headers=headers, rate=args.rate or None)
                chunk_seconds = time.monotonic() - started
                reader.join()
                done += load.requests
                time.sleep(0.3)  # the flushers' last batches
                now_pids = worker_pids(url.pid)
                if now_pids != pids:
                    print(f"  workers changed: {pids} -> {now_pids}")
                    pids = now_pids
                for pid in pids:
                    rss.setdefault(pid, []).append(rss_mb(pid))
                used = client.info("memory")["used_memory"] / 2**20
                redis_mb.append(used)
                xlen = client.xlen(f"{PREFIX}traces")
                configs = configs_by_worker(url, len(pids))
                dropped = {w.rsplit(":", 1)[1]: c["stats"]["dropped"] for w, c in sorted(configs.items())}
                captured = {w.rsplit(":", 1)[1]: c["stats"]["captured"] for w, c in sorted(configs.items())}
                stale = sum(c["stats"]["cleared_before_flush"] for c in configs.values())
                degraded = sum(c["degraded"] for c in configs.values())
                pages = reader.latencies_ms
                failed = f", {reader.failures} failed" if reader.failures else ""
                page_text = (f"p50 {percentile(pages, 50):6.1f} ms  p99 {percentile(pages, 99):6.1f} ms"
                             f" (n={len(pages)}{failed})" if pages else "no page read")
                print(f"chunk {chunk:2d}/{chunks}: {done:7d} requests  {load.requests_per_s:6.0f} req/s"
                      f"  p50 {load.p50_ms:5.1f} ms  p99 {load.p99_ms:6.1f} ms  errors {load.errors}")
                print("    RSS MB " + "  ".join(f"{pid}: {rss[pid][-1]:6.1f}" for pid in pids)
                      + f"  | Redis used_memory {used:6.2f} MB  XLEN {xlen}")
                print(f"    dropped {dropped}  captured {captured}  cleared_before_flush {stale}  degraded {degraded}"
                      f"  | traces?limit=50 {page_text}", flush=True)
    finally:
        redis_process.kill()

    if chunks < 4:
        return
    print(f"\nafter warm-up (chunk 2 -> chunk {chunks}), flat if growth < {FLAT_PERCENT:.0f} %:")
    curves = {f"worker {pid} RSS MB": curve for pid, curve in rss.items() if len(curve) == chunks}
    curves["Redis used_memory MB"] = redis_mb
    verdicts = {}
    for name, curve in curves.items():
        verdicts[name] = verdict(curve)
        digits = 2 if name.startswith("Redis") else 1
        print(f"  {name}: {' '.join(f'{v:.{digits}f}' for v in curve)}  -> {growth(curve):+.1f} %  {verdicts[name]}")
    growing = [name for name, text in verdicts.items() if text.startswith("GROWING")]
    levelled = [name for name, text in verdicts.items() if text.startswith("grew")]
    print(f"verdict over {done} requests: "
          + (f"still growing: {', '.join(growing)}" if growing else
             "every curve flat" + (f" or levelled off ({len(levelled)} levelled off)" if levelled else "")))
    if args.quick:
        print("(--quick is too short for the worker caches of expanded traces to fill: worker RSS still climbs here;"
              " the full run or --no-page-reads tells a leak from that cache)")

if __name__ == "__main__":
    main()
