"""What a run request costs in CPU instructions, counted by valgrind: tracing off, on, and capture to each store.

Usage: .venv/bin/python benchmarks/instructions.py [--quick]

Throughput on these machines varies by 10-15 % between rounds of the same server, more than the few per cent a
change to the request path is worth. Instructions do not vary: valgrind's callgrind counts every one the process
executes. Each configuration runs in a process of its own under `valgrind --tool=callgrind --instr-atstart=no`:
the app (the `shout` pipeline, in-process, no HTTP server) starts and serves 200 warm-up requests uncounted,
then counting is switched on (`callgrind_control -i on`) for N requests, 8 at a time, and the flushes that
follow (one a second, so that batches are as large as a loaded worker's; the flusher's periodic wake is slowed
by as much, see ``SLOW_TICK_S``). Two runs per configuration with
different N give the instructions per request (the difference over the difference), free of start-up and
exit. Configurations: tracing off; tracing on (dashboard off); tracing on with one trace in ten kept
(`parentbased_traceidratio`, 0.1); capture to the memory store; capture to the Redis store (a redis-server
started here; its own instructions are not counted, only the worker's).

`--app DIR` measures another checkout's source (e.g. `git worktree add /tmp/base <rev>`, then
`--app /tmp/base/app`), to compare two versions of the code exactly.

`--served` counts a real server instead: `hayhooks run` (one uvicorn worker) under callgrind, requests over HTTP
from this process (8 at a time), counters zeroed and dumped around each batch with `callgrind_control`. It adds
what the in-process count leaves out (the HTTP server, the sockets' user-space side); the kernel's instructions
are counted in neither. Tracing off is left out (with no spans the question is moot). About 3 minutes.

`--pipeline ask` counts a pipeline that does real work instead of `shout`'s two components that do nothing:
Haystack's `ChatPromptBuilder` and `OpenAIChatGenerator`, against a fake OpenAI server in this process that
answers at once (its instructions are not counted): the prompt's template, the openai client and its HTTP
round trip are the pipeline's own work; a real model's seconds are left out.

Instructions are not time (a cache miss costs more than an add), but for the same code on the same machine
they track CPU time closely, and two configurations compare without noise. Needs valgrind
(`apt-get install valgrind`). About 3 minutes either way (two valgrind processes at a time).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.in_process import RUN_PIPELINES  # noqa: E402 (after the path that finds it; not harness, see there)

CONFIGS: dict[str, dict[str, str]] = {
    "off": {"OTEL_SDK_DISABLED": "true", "HAYHOOKS_DASHBOARD_ENABLED": "false"},
    "tracing": {"HAYHOOKS_DASHBOARD_ENABLED": "false"},
    # One trace in ten kept, as a busy deployment might sample: what the other nine still cost.
    "sampled": {"HAYHOOKS_DASHBOARD_ENABLED": "false", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": "0.1"},
    "memory": {"HAYHOOKS_DASHBOARD_ENABLED": "true"},
    "redis": {"HAYHOOKS_DASHBOARD_ENABLED": "true"},
}
# Under valgrind a request takes ~50 times longer, so the flusher's usual 20 ms would write a handful of traces
# per batch instead of the dozens a loaded worker writes, and each batch's fixed cost would be counted against
# too few traces. One flush a second gives batches like a loaded worker's.
FLUSH_EVERY_MS = "1000"
# The flusher also wakes every 100 ms of wall-clock time (heartbeats, operations still running): under valgrind
# ~50 times as many of those wakes fall on each request as on a natively served one, ~20 k instructions a request
# that no worker spends. Scaled the same way, to one wake in 5 s.
SLOW_TICK_S = 5.0
# ``hayhooks run`` (``python -m hayhooks run``) with that tick.
SERVE = f"import hayhooks.dashboard.flusher as f; f.TICK_S = {SLOW_TICK_S}; from hayhooks.cli import main; main()"
CONCURRENT = 8


# The pipelines a request may run (harness.RUN_PIPELINES): `shout` or `ask`, whose fake OpenAI server runs in
# this process (the counted worker is another).
PIPELINES = {name: (folder, body.encode()) for name, (folder, body) in RUN_PIPELINES.items()}


async def _child(requests: int, pipeline: str) -> None:
    """Runs under valgrind: start the app, warm it up, say "ready", wait, serve ``requests``, say "done"."""
    from benchmarks.in_process import InProcessRuns
    from hayhooks.dashboard import flusher
    from hayhooks.server.app import create_app
    from hayhooks.settings import AppSettings

    flusher.TICK_S = SLOW_TICK_S
    folder, body = PIPELINES[pipeline]
    runs = InProcessRuns(create_app(AppSettings(pipelines_dir=folder, log_level="WARNING")), CONCURRENT,
                         pipeline=pipeline, body=body)
    await runs.start()

    async def serve(count: int) -> None:
        await runs.serve(count)
        await asyncio.sleep(2.5)  # the flushers' batches: capture's cost is counted in full

    await serve(200)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await serve(requests)
    print("done", flush=True)
    os._exit(0)


def count(config: str, requests: int, env: dict[str, str], app: Path, pipeline: str = "shout") -> int:
    """Instructions the worker executed for ``requests`` requests (plus a fixed part) under ``config``."""
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
         sys.executable, __file__, "--child", str(requests), "--pipeline", pipeline],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "HAYSTACK_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(app),
             "HAYHOOKS_DASHBOARD_FLUSH_INTERVAL_MS": FLUSH_EVERY_MS, **CONFIGS[config], **env},
    )
    assert process.stdout is not None and process.stdin is not None
    if process.stdout.readline().strip() != "ready":
        raise RuntimeError(f"{config}: the app did not start: {process.communicate()[1][-2000:]}")
    subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], check=True, capture_output=True)
    process.stdin.write("go\n")
    process.stdin.flush()
    _, errors = process.communicate()
    found = re.search(r"Collected : (\d+)", errors)
    if found is None:
        raise RuntimeError(f"{config}: no count from callgrind: {errors[-2000:]}")
    return int(found[1])



def _drive(url: str, requests: int, pipeline: str) -> None:
    """``requests`` run requests, 8 at a time on kept-alive connections; any failure stops the benchmark."""
    import httpx

    failures: list[int] = []
    body = PIPELINES[pipeline][1]

    def client(count: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            for _ in range(count):
                status = http.post(f"/{pipeline}/run", content=body,
                                   headers={"content-type": "application/json"}).status_code
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=client, args=(requests // CONCURRENT,)) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"run requests failed: {failures[:5]}")
    time.sleep(2.5)  # the flushes of those requests (one a second): capture's cost is counted in full


def count_served(config: str, counts: tuple[int, int], env: dict[str, str], app: Path, pipeline: str) -> float:
    """Instructions per request of a served run request: a ``hayhooks run`` worker under callgrind."""
    import httpx

    from benchmarks.harness import callgrind_dump, callgrind_zero, free_port

    port, dumps = free_port(), tempfile.mkdtemp(prefix="callgrind-")
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={dumps}/out.%p",
         sys.executable, "-c", SERVE, "run", "--pipelines-dir", str(PIPELINES[pipeline][0]),
         "--port", str(port)],
        env={**os.environ, "HAYSTACK_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(app),
             "HAYHOOKS_LOG_LEVEL": "WARNING", "HAYHOOKS_DASHBOARD_FLUSH_INTERVAL_MS": FLUSH_EVERY_MS,
             **CONFIGS[config], **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(f"{url}/status", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{config}: the server did not start under valgrind")
            time.sleep(0.5)
        _drive(url, 200, pipeline)
        subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], check=True, capture_output=True)
        totals = []
        for requests in counts:
            callgrind_zero(process.pid)
            _drive(url, requests, pipeline)
            totals.append(callgrind_dump(process.pid, dumps)["Ir"])
    finally:
        process.terminate()
        process.wait(60)
        shutil.rmtree(dumps, ignore_errors=True)
    return (totals[1] - totals[0]) / (counts[1] - counts[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer counted requests")
    parser.add_argument("--app", type=Path, default=ROOT / "app",
                        help="the server's source to measure, e.g. a git worktree's app/ to compare with older code")
    parser.add_argument("--served", action="store_true", help="count a real server's worker, driven over HTTP")
    parser.add_argument("--pipeline", choices=sorted(PIPELINES), default="shout",
                        help="shout (default: components that do nothing, the worst case for tracing's share), or "
                             "ask (a prompt builder and Haystack's OpenAI chat generator, against a local fake "
                             "OpenAI server that answers at once)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        asyncio.run(_child(args.child, args.pipeline))
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind is not installed: apt-get install -y valgrind")

    from benchmarks.harness import start_redis

    low, high = (40, 200) if args.quick else (80, 480)
    redis, redis_url = start_redis()
    envs = {name: {} for name in CONFIGS}
    envs["redis"] = {"HAYHOOKS_REDIS_URL": redis_url, "HAYHOOKS_REDIS_KEY_PREFIX": "instructions:"}
    fake = None
    if args.pipeline == "ask":  # the LLM's server, in this process: its instructions are not the worker's
        from tests.fake_openai import FakeOpenAI

        fake = FakeOpenAI()
        threading.Thread(target=fake.serve_forever, daemon=True).start()
        envs = {name: {**env, **fake.env()} for name, env in envs.items()}
    try:
        if args.served:
            names = [name for name in CONFIGS if name not in ("off", "sampled")]  # capture is the question here
            with ThreadPoolExecutor(max_workers=2) as pool:  # one valgrind per CPU
                results = pool.map(lambda name: count_served(name, (low, high), envs[name], args.app, args.pipeline),
                                   names)
                per_request = dict(zip(names, results, strict=True))
        else:
            names = list(CONFIGS)
            jobs = [(name, n) for name in names for n in (low, high)]
            with ThreadPoolExecutor(max_workers=2) as pool:  # one valgrind per CPU
                results = pool.map(lambda job: count(job[0], job[1], envs[job[0]], args.app, args.pipeline), jobs)
                counts = dict(zip(jobs, results, strict=True))
            per_request = {name: (counts[name, high] - counts[name, low]) / (high - low) for name in names}
    finally:
        redis.terminate()
        if fake is not None:
            fake.shutdown()

    where = "served over HTTP by one worker" if args.served else "in-process"
    print(f"instructions per run request of {args.app} ({args.pipeline}, {where}, {high} - {low} requests,"
          " 8 at a time):")
    for name, value in per_request.items():
        print(f"  {name:8s} {value:12,.0f}")
    tracing = per_request["tracing"]
    print("ratios (1.000 = no cost):")
    if "off" in per_request:
        print(f"  tracing on / off            {tracing / per_request['off']:.3f}")
        print(f"  tracing, 10 % sampled / off {per_request['sampled'] / per_request['off']:.3f}")
    for name, key in (("memory", "memory"), ("Redis", "redis")):
        if key in per_request:
            label = f"{name} capture / tracing on"
            value = per_request[key]
            print(f"  {label:27s} {value / tracing:.3f}   (capture: {value - tracing:,.0f} a request)")


if __name__ == "__main__":
    main()
