"""Shared pieces of the benchmarks: start servers, drive them with wrk, summarise rounds side by side.

Benchmarks print figures and ratios measured in one run; they assert nothing (these machines are noisy).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "pipelines"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_wrk() -> str:
    """Path of wrk, installing Debian's package when running as root."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package)...", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is needed: apt-get install -y wrk")
    return path


class ServerUrl(str):
    """The base URL of a running server, with the pid of its (single-worker) process."""

    pid: int


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to measure CPU per request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def hayhooks_server(*args: str, env: dict[str, str] | None = None, python: str = sys.executable,
                    command: list[str] | None = None, ready_path: str = "/status") -> Iterator[str]:
    """Run a server on a free port until the block ends; yields its base URL."""
    port = free_port()
    full_env = {**os.environ, "HAYSTACK_TELEMETRY_ENABLED": "false", **(env or {})}
    cmd = command or [python, "-m", "hayhooks", "run"]
    log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [*cmd, "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=log, stderr=subprocess.STDOUT, env=full_env, start_new_session=True,
    )
    url = ServerUrl(f"http://127.0.0.1:{port}")
    url.pid = process.pid
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {Path(log.name).read_text()[-3000:]}")
            try:
                if httpx.get(url + ready_path, timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us_per_request: float | None = None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match[1]) * _UNITS[match[2]]


def wrk(url: str, body: str, *, seconds: float, connections: int = 8, threads: int = 1, pid: int | None = None) -> Load:
    """POST ``body`` (JSON) to ``url`` with wrk; returns throughput, latency percentiles and, given the server's
    ``pid``, its CPU time per request (steadier than throughput on a busy machine)."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    escaped = body.replace("\\", "\\\\").replace('"', '\\"')
    script.write(f'wrk.method = "POST"\nwrk.body = "{escaped}"\nwrk.headers["Content-Type"] = "application/json"\n')
    script.close()
    cpu_before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(
        [require_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--latency", "-s",
         script.name, url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out)[1])
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out)[1])
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?timeout)\s*:?\s*(\d+)", out))
    cpu = None
    if pid:
        total = int(re.search(r"(\d+) requests in", out)[1])
        cpu = (cpu_seconds(pid) - cpu_before) / max(1, total) * 1e6
    return Load(rps, p50, p99, errors, cpu)


def summarise(name: str, values: list[float]) -> str:
    return (f"{name}: median {statistics.median(values):.3f}  min {min(values):.3f}  max {max(values):.3f}"
            f"  (rounds: {', '.join(f'{v:.3f}' for v in values)})")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
