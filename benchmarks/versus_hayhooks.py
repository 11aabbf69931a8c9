"""This server against Hayhooks 2.1.0 on the same pipeline and the same load, side by side in one run.

Usage: .venv/bin/python benchmarks/versus_hayhooks.py [--quick] [--rounds N] [--seconds S] [--peer-venv DIR]
                                                   [--equal-priority]

Installs Hayhooks 2.1.0 into a temporary venv (uv when available, else venv + pip; `--peer-venv DIR` reuses
one), serves the two-component `shout` pipeline (Upper → Exclaim, `run_api(text) -> str`) from one worker of
each server with trace capture on — the peer's built-in trace buffer; ours with the memory store and with the
Redis store — and drives each with wrk (one thread, 8 connections), alternating peer, memory, redis in every
round so drift hits them alike. Prints req/s, p50/p99 and server CPU per request, then per-round ratios
ours / peer with median, min and max. Redis gets more CPU weight than the servers (harness.prioritise), as
compose.yaml gives it; `--equal-priority` leaves it at theirs. Target (issue 10): ours ≥ 2x the peer, both stores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    EXAMPLES,
    add_priority_option,
    add_round_options,
    alternate,
    apply_priority_option,
    hayhooks_server,
    rounds_and_seconds,
    start_redis,
    summarise,
)

PEER_VERSION = "2.1.0"
BODY = '{"text": "hello world"}'


def install_peer(target: Path) -> Path:
    """A venv at ``target`` with Hayhooks ``PEER_VERSION``; returns its ``hayhooks`` executable."""
    executable = target / "bin" / "hayhooks"
    if executable.exists():
        return executable
    print(f"installing Hayhooks {PEER_VERSION} into {target} ...", flush=True)
    uv = shutil.which("uv") or next((str(p) for p in (Path(__file__).resolve().parents[1] / ".tools").glob("**/uv")
                                     if p.is_file()), None)
    if uv:
        env = {**os.environ, "UV_SYSTEM_CERTS": os.environ.get("UV_SYSTEM_CERTS", "1")}  # as scripts/setup.sh
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(target)], check=True, env=env)
        subprocess.run([uv, "pip", "install", "-q", "--python", str(target / "bin" / "python"),
                        f"hayhooks=={PEER_VERSION}"], check=True, env=env)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
        subprocess.run([str(target / "bin" / "pip"), "install", "-q", f"hayhooks=={PEER_VERSION}"], check=True)
    return executable


def shout_only(scratch: Path) -> Path:
    """A pipelines folder holding just ``shout``, so both servers load exactly the same thing."""
    folder = scratch / "pipelines"
    shutil.copytree(EXAMPLES / "shout", folder / "shout")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_round_options(parser, rounds=5, seconds=6, quick=(2, 3.0),
                      quick_help="2 rounds of 3 s (under a minute, peer installed)")
    parser.add_argument("--peer-venv", type=Path,
                        help="reuse (or create) the peer's venv here, kept for the next run (else made and removed)")
    parser.add_argument("--default-logging", action="store_true",
                        help="both servers at their default log level (INFO: a line per request), not WARNING")
    add_priority_option(parser)
    args = parser.parse_args()
    apply_priority_option(args)
    rounds, seconds = rounds_and_seconds(args)

    scratch = Path(tempfile.mkdtemp(prefix="versus-"))  # removed at the end, the peer's venv with it (~160 MB)
    peer = install_peer(args.peer_venv or scratch / "peer-venv")
    pipelines = shout_only(scratch)
    quiet = {} if args.default_logging else {"HAYHOOKS_LOG_LEVEL": "WARNING", "LOG": "WARNING"}
    redis, redis_url = start_redis()
    configs = {
        f"hayhooks-{PEER_VERSION}": dict(command=[str(peer), "run"], env=quiet),
        "ours-memory": dict(env=quiet | {"HAYHOOKS_DASHBOARD_ENABLED": "true"}),
        "ours-redis": dict(env=quiet | {"HAYHOOKS_DASHBOARD_ENABLED": "true", "HAYHOOKS_REDIS_URL": redis_url}),
    }
    try:
        with ExitStack() as stack:
            urls = {name: stack.enter_context(hayhooks_server("--pipelines-dir", str(pipelines), **config))
                    for name, config in configs.items()}
            results = alternate(urls, BODY, rounds=rounds, seconds=seconds)
    finally:
        redis.terminate()
        shutil.rmtree(scratch, ignore_errors=True)

    peer_name = f"hayhooks-{PEER_VERSION}"
    print(f"\nthroughput ours / {peer_name} per round (target ≥ 2.000):")
    for name in ("ours-memory", "ours-redis"):
        ratios = [a.requests_per_s / b.requests_per_s for a, b in zip(results[name], results[peer_name], strict=True)]
        print("  " + summarise(f"{name:12s}", ratios))
    print(f"server CPU per request, {peer_name} / ours (how many of our requests fit in one of theirs):")
    for name in ("ours-memory", "ours-redis"):
        ratios = [b.cpu_us_per_request / a.cpu_us_per_request
                  for a, b in zip(results[name], results[peer_name], strict=True)]
        print("  " + summarise(f"{name:12s}", ratios))


if __name__ == "__main__":
    main()
