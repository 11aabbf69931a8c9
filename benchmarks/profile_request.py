"""Where a run request's time goes: sample the server under load and split its CPU by layer.

Usage: .venv/bin/python benchmarks/profile_request.py [--seconds S] [--store memory|redis|off] [--peer VENV]
                                                   [--equal-priority]

Starts one worker on the two-component `shout` pipeline, drives it with wrk (-t1 -c8), and samples it with
py-spy (`--gil`: only the thread holding the GIL, i.e. the CPU a GIL-bound worker can spend). Each sample is
charged to the innermost frame that belongs to a layer; the shares times the measured CPU per request give
µs per request per layer. `--peer VENV` profiles a Hayhooks install instead (its `hayhooks` in VENV/bin).
py-spy needs ptrace: run as root (as CI and these machines do).
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    RUN_PIPELINES,
    add_priority_option,
    apply_priority_option,
    hayhooks_server,
    start_redis,
    wrk,
)

BODY = RUN_PIPELINES["shout"][1]

# First match from the innermost frame outwards decides; the order settles frames that belong to two layers
# (a span started inside Haystack is "spans", Haystack's own work is "pipeline").
LAYERS: list[tuple[str, re.Pattern[str]]] = [
    ("capture (trace store)", re.compile(r"hayhooks/dashboard/|live_trace_buffer|routers/traces")),
    ("spans (OpenTelemetry, tags)", re.compile(r"opentelemetry/|haystack_tracer|hayhooks/tracing/|haystack/tracing/"
                                               r"|server/tracing\.py")),
    ("pipeline (Haystack)", re.compile(r"haystack/|pipeline_wrapper\.py|networkx/")),
    ("validation, serialisation", re.compile(r"pydantic|fastapi/encoders|orjson|json/|_compat")),
    ("thread hop", re.compile(r"concurrent/futures|threading\.py|queue\.py|anyio/|to_thread|server/threads\.py"
                              r"|starlette/concurrency")),
    ("routing", re.compile(r"\b(matches|_match|url_path_for)\b|routing\.py:\d+\)$")),
    ("HTTP server (uvicorn)", re.compile(r"uvicorn/|httptools|h11|server/http_protocol\.py")),
    ("framework (Starlette, FastAPI, middleware)", re.compile(r"starlette/|fastapi/|hayhooks/server/|hayhooks/")),
    ("event loop", re.compile(r"asyncio/|uvloop|selectors")),
]


def layer_of(stack: list[str]) -> str:
    for frame in reversed(stack):
        for name, pattern in LAYERS:
            if pattern.search(frame):
                return name
    return "other"


def split(raw: Path) -> tuple[collections.Counter[str], int]:
    shares: collections.Counter[str] = collections.Counter()
    total = 0
    pending = ""
    for line in raw.read_text().splitlines():
        # A frame's name can hold a newline (pydantic names validators after their schema): such a sample
        # spans several lines, and only its last one ends in the count.
        stack, _, count = (pending + line).rpartition(" ")
        if not count.isdigit():
            pending += line + " "
            continue
        pending = ""
        if not stack:
            continue
        frames = stack.split(";")[1:]  # the first is the thread
        shares[layer_of(frames)] += int(count)
        total += int(count)
    return shares, total


def profile(url: str, pid: int, seconds: float) -> tuple[collections.Counter[str], int, float, float]:
    py_spy = Path(sys.executable).parent / "py-spy"
    if not py_spy.exists():
        sys.exit(f"py-spy is needed: .tools/bin/uv pip install --python {sys.executable} py-spy")
    raw = Path(tempfile.mkstemp(prefix="profile-", suffix=".txt")[1])
    print(f"raw samples: {raw}", file=sys.stderr)
    wrk(f"{url}/shout/run", BODY, seconds=1)
    loads = []
    load_thread = threading.Thread(target=lambda: loads.append(wrk(f"{url}/shout/run", BODY, seconds=seconds + 2,
                                                                   pid=pid)))
    load_thread.start()
    time.sleep(1)
    subprocess.run([str(py_spy), "record", "--gil", "--nonblocking", "-r", "400", "-f", "raw",
                    "-d", str(round(seconds)), "-p", str(pid), "-o", str(raw)],
                   check=True, capture_output=True)
    load_thread.join()
    shares, total = split(raw)
    return shares, total, loads[0].cpu_us_per_request or 0.0, loads[0].requests_per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--store", choices=["memory", "redis", "tracing", "off"], default="memory",
                        help="trace capture of this server (tracing: tracing on, dashboard off; "
                             "off: tracing and dashboard off)")
    parser.add_argument("--peer", help="a venv with Hayhooks installed: profile it instead")
    add_priority_option(parser)
    args = parser.parse_args()
    apply_priority_option(args)

    pipelines = Path(tempfile.mkdtemp()) / "pipelines"
    (pipelines / "shout").mkdir(parents=True)
    source = Path(__file__).resolve().parent.parent / "examples" / "pipelines" / "shout" / "pipeline_wrapper.py"
    (pipelines / "shout" / "pipeline_wrapper.py").write_text(source.read_text())
    redis = None
    env = {"HAYHOOKS_LOG_LEVEL": "WARNING", "LOG": "WARNING"}
    command = None
    if args.peer:
        command = [str(Path(args.peer) / "bin" / "hayhooks"), "run"]
    elif args.store == "off":
        env |= {"OTEL_SDK_DISABLED": "true"}
    elif args.store != "tracing":
        env |= {"HAYHOOKS_DASHBOARD_ENABLED": "true"}
        if args.store == "redis":
            redis, redis_url = start_redis()
            env |= {"HAYHOOKS_REDIS_URL": redis_url}
    try:
        with hayhooks_server("--pipelines-dir", str(pipelines), env=env, command=command) as url:
            shares, total, cpu_us, rps = profile(url, url.pid, args.seconds)
    finally:
        if redis is not None:
            redis.terminate()
    who = f"peer ({args.peer})" if args.peer else f"this server, capture {args.store}"
    print(f"{who}: {rps:.0f} req/s, {cpu_us:.0f} µs CPU per request, {total} samples holding the GIL\n")
    for name, count in shares.most_common():
        print(f"  {name:45s} {100 * count / total:5.1f} %  {cpu_us * count / total:6.0f} µs/request")


if __name__ == "__main__":
    main()
