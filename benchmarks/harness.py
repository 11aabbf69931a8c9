"""Shared pieces of the benchmarks: start servers, drive them with wrk, summarise rounds side by side.

Benchmarks print figures and ratios measured in one run; they assert nothing (these machines are noisy).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.servers import worker_pids  # noqa: F401 (one helper for tests and benchmarks)

from benchmarks.in_process import RUN_PIPELINES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = RUN_PIPELINES["shout"][0]
# A fake OpenAI server (tests/fake_openai.py) for a process of its own. It keeps no request: a benchmark sends
# hundreds of thousands.
_FAKE_LLM = f"""
import collections, json, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.fake_openai import FakeOpenAI
server = FakeOpenAI()
server.requests = collections.deque(maxlen=0)
print(json.dumps(server.env()), flush=True)
server.serve_forever()
"""


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
    """The base URL of a running server, with the pid of its (single-worker) process and the file it logs to."""

    pid: int
    log: Path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to measure CPU per request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop_servers_on_sigterm() -> None:
    """Servers run in their own session, out of reach of a signal sent to the benchmark: make SIGTERM (as from
    ``timeout``) unwind the benchmark like Ctrl-C does, so every ``hayhooks_server`` block stops its server."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


@contextmanager
def hayhooks_server(*args: str, env: dict[str, str] | None = None, python: str = sys.executable,
                    command: list[str] | None = None, ready_path: str = "/status") -> Iterator[str]:
    """Run a server on a free port until the block ends; yields its base URL."""
    _stop_servers_on_sigterm()
    port = free_port()
    full_env = {**os.environ, "HAYSTACK_TELEMETRY_ENABLED": "false", **(env or {})}
    cmd = command or [python, "-m", "hayhooks", "run"]
    with tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log") as log:  # removed when closed
        process = subprocess.Popen(
            [*cmd, "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=log, stderr=subprocess.STDOUT, env=full_env, start_new_session=True,
        )
        url = ServerUrl(f"http://127.0.0.1:{port}")
        url.pid, url.log = process.pid, Path(log.name)
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
                    raise RuntimeError(f"server did not start: {Path(log.name).read_text()[-3000:]}")
                time.sleep(0.2)
            yield url
        finally:
            with suppress(ProcessLookupError):  # a server that died at start must not hide its own error
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def fake_llm() -> Iterator[dict[str, str]]:
    """A fake OpenAI server in a process of its own, with the measuring clients' CPU weight (``prioritise``), so
    that its work is neither the server's nor this process's; yields the environment that points Haystack's
    OpenAI components at it."""
    _stop_servers_on_sigterm()
    process = subprocess.Popen([sys.executable, "-c", _FAKE_LLM], stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError("the fake LLM server did not start")
        prioritise(process.pid)
        yield json.loads(line)
    finally:
        process.kill()
        process.wait()


# How much more CPU weight Redis and the measuring clients get than the server under test: nice -6 is ~4x the
# weight of nice 0, as `cpu_shares: 4096` gives the Redis service in compose.yaml against the default 1024.
PRIORITY_NICE = -6
_EQUAL_PRIORITY = False


def add_priority_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--equal-priority", action="store_true",
                        help="leave Redis and the measuring clients at the CPU weight of the server under test "
                             "(see harness.prioritise): the worst case of sharing one small machine")


def apply_priority_option(args: argparse.Namespace) -> None:
    global _EQUAL_PRIORITY
    _EQUAL_PRIORITY = args.equal_priority


def prioritise(pid: int) -> bool:
    """Give ``pid`` more CPU weight than the server under test; False if not done (it needs root).

    Redis on the server's own two CPUs is a service that, deployed, has CPU of its own (another host, or a
    container with its own CPU weight: see compose.yaml); the measuring clients stand in for browsers on other
    machines. Left at equal weight with workers that keep both CPUs busy, each of them waits for a CPU, and a
    latency measured through them is mostly that wait.

    With autogroup scheduling (on by default on these machines) the weight is the session's
    (``/proc/PID/autogroup``), and the servers and wrk, each in a session of its own, keep theirs. Without it,
    the process's nice value; but not for this process, whose children (servers, wrk) would inherit it.
    """
    if _EQUAL_PRIORITY:
        return False
    try:
        if Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1":
            Path(f"/proc/{pid}/autogroup").write_text(str(PRIORITY_NICE))
        elif pid != os.getpid():
            os.setpriority(os.PRIO_PROCESS, pid, PRIORITY_NICE)
        else:
            return False
    except OSError:
        return False
    return True


def start_redis(*, under: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """A throwaway redis-server on a free port (no persistence); returns the process and its URL.

    It runs in a session of its own, as a Redis service would: with the kernel's autogroup scheduling (on by
    default on these machines) the CPU is shared between sessions, and in the benchmark's session Redis would
    share one share with wrk and the measuring client. That session gets more CPU weight (``prioritise``),
    unless the benchmark was given ``--equal-priority``. ``under`` runs it under another program (valgrind)."""
    port = free_port()
    process = subprocess.Popen(
        [*(under or []), "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", tempfile.mkdtemp()], stdout=subprocess.DEVNULL, start_new_session=True)
    prioritise(process.pid)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(600 if under else 100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return process, url


@dataclass
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us_per_request: float | None = None
    requests: int = 0
    max_ms: float = 0.0


_WRK_DONE = "hayhooks-wrk-done"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match[1]) * _UNITS[match[2]]


@contextmanager
def _lua(script: str) -> Iterator[str]:
    """The path of a wrk script holding ``script``, removed afterwards (2 600 of them had piled up in /tmp)."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-wrk-", suffix=".lua") as file:
        file.write(script)
        file.flush()
        yield file.name


def wrk(url: str, body: str, *, seconds: float, connections: int = 8, threads: int = 1, pid: int | None = None,
        stop_after: int | None = None, headers: dict[str, str] | None = None, rate: float | None = None) -> Load:
    """POST ``body`` (JSON) to ``url`` with wrk; returns throughput, latency percentiles and, given the server's
    ``pid``, its CPU time per request (steadier than throughput on a busy machine).

    ``stop_after``: stop once that many responses came back (``seconds`` is then only an upper bound): each wrk
    thread stops after its share and says so on stdout, and wrk is then interrupted (SIGINT), which makes it print
    its results at once (wrk 4.1 would otherwise sleep the whole duration). In-flight requests may add a few.

    ``rate``: pace the load near that many requests per second (each connection waits ``connections / rate``
    between requests), to measure a server at a load it can serve rather than flat out.

    wrk runs in a session of its own, like clients on other hosts (see ``start_redis``)."""
    escaped = body.replace("\\", "\\\\").replace('"', '\\"')
    script = [f'wrk.method = "POST"\nwrk.body = "{escaped}"\nwrk.headers["Content-Type"] = "application/json"\n']
    for name, value in (headers or {}).items():
        script.append(f'wrk.headers["{name}"] = "{value}"\n')
    if rate:
        script.append(f"function delay()\n  return {1000 * connections / rate:.3f}\nend\n")
    if stop_after is not None:
        per_thread = -(-stop_after // threads)
        script.append(f"local done = 0\nfunction response(status, headers, body)\n  done = done + 1\n"
                      f"  if done == {per_thread} then\n    io.write('{_WRK_DONE}\\n')\n    io.flush()\n"
                      f"    wrk.thread:stop()\n  end\nend\n")
    cpu_before = cpu_seconds(pid) if pid else 0.0
    with _lua("".join(script)) as path:
        command = [require_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
                   "--latency", "-s", path, url]
        if stop_after is None:
            out = subprocess.run(command, capture_output=True, text=True, check=True, start_new_session=True).stdout
        else:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                       start_new_session=True)
            lines: list[str] = []
            stopped = 0
            for line in process.stdout:  # type: ignore[union-attr]
                if line.strip() == _WRK_DONE:
                    stopped += 1
                    if stopped == threads:
                        process.send_signal(signal.SIGINT)
                else:
                    lines.append(line)
            if process.wait() != 0:
                raise subprocess.CalledProcessError(process.returncode, command)
            out = "".join(lines)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out)[1])
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out)[1])
    slowest = _ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out)[1])  # Avg, Stdev, Max
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s*(\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    total = int(re.search(r"(\d+) requests in", out)[1])
    cpu = None
    if pid:
        cpu = (cpu_seconds(pid) - cpu_before) / max(1, total) * 1e6
    return Load(rps, p50, p99, errors, cpu, total, slowest)


def wrk_get(url: str, *, seconds: float, pause_ms: float = 0) -> Load:
    """GET ``url`` on one kept-alive connection (as a dashboard polls), ``pause_ms`` between requests."""
    with _lua(f"function delay()\n  return {pause_ms}\nend\n" if pause_ms else "") as path:
        out = subprocess.run([require_wrk(), "-t1", "-c1", f"-d{max(1, round(seconds))}s", "--latency", "-s", path,
                              url], capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out)[1])
    return Load(float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), _ms(re.search(r"\s50%\s+(\S+)", out)[1]),
                _ms(re.search(r"\s99%\s+(\S+)", out)[1]), 0, None, requests)


def rotated(names: Iterable[str], round_no: int) -> list[str]:
    """``names`` in this round's order. Rounds come in pairs, the second the first reversed (A B C, C B A): a drift
    of the machine that is steady over a pair hits every server alike, since each one's mean place in the pair is
    the same (with many servers, a round is minutes long, and a steady slide of 30 % was seen within one). Each
    pair starts one server further on (B C A, A C B, ...), so that going first is nobody's lot."""
    ordered = list(names)
    shift = (round_no // 2) % len(ordered)
    order = ordered[shift:] + ordered[:shift]
    return order[::-1] if round_no % 2 else order


def paired(values: list[float]) -> list[float]:
    """The means of rounds 1-2, 3-4, ...: what a server measured over each pair of rounds (``rotated``), in which a
    steady drift cancels out. An odd last round is left out."""
    return [(values[i] + values[i + 1]) / 2 for i in range(0, len(values) - 1, 2)]


def alternate(urls: dict[str, ServerUrl], body: str, *, rounds: int, seconds: float, connections: int = 8,
              path: str = "/shout/run", label: str = "") -> dict[str, list[Load]]:
    """Load every server in turn, round after round, so drift hits them alike; prints a line per run and returns
    the loads by server name. Each server is warmed up for a second first. The order changes (``rotated``): a
    pair of rounds cancels a steady drift, and going first in a round, which measured a few per cent slower, is
    not always the same server's lot."""
    for url in urls.values():
        wrk(f"{url}{path}", body, seconds=1, connections=connections)
    width = max(len(name) for name in urls)
    results: dict[str, list[Load]] = {name: [] for name in urls}
    for round_no in range(rounds):
        for name in rotated(urls, round_no):
            url = urls[name]
            load = wrk(f"{url}{path}", body, seconds=seconds, connections=connections, pid=getattr(url, "pid", None))
            results[name].append(load)
            cpu = f"  server CPU {load.cpu_us_per_request:5.0f} µs/req" if load.cpu_us_per_request else ""
            print(f"round {round_no + 1}{label} {name:{width}s} {load.requests_per_s:7.0f} req/s"
                  f"  p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms  max {load.max_ms:7.2f} ms{cpu}"
                  f"  errors {load.errors}", flush=True)
    return results


def add_round_options(
    parser: argparse.ArgumentParser, *, rounds: int, seconds: float, quick: tuple[int, float], quick_help: str
) -> None:
    """``--quick``, ``--rounds`` and ``--seconds`` of a benchmark in alternating rounds (``rounds_and_seconds``)."""
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--seconds", type=float, default=seconds)
    parser.set_defaults(quick_rounds=quick)


def rounds_and_seconds(args: argparse.Namespace) -> tuple[int, float]:
    return args.quick_rounds if args.quick else (args.rounds, args.seconds)


def summarise(name: str, values: list[float], of: str = "rounds") -> str:
    return (f"{name}: median {statistics.median(values):.3f}  min {min(values):.3f}  max {max(values):.3f}"
            f"  ({of}: {', '.join(f'{v:.3f}' for v in values)})")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def callgrind_zero(pid: int) -> None:
    """Zero the counters of a process running under ``valgrind --tool=callgrind``."""
    subprocess.run(["callgrind_control", "-z", str(pid)], check=True, capture_output=True)


def callgrind_dump(pid: int, directory: str) -> dict[str, int]:
    """Dump the counters of a process under callgrind (``--callgrind-out-file=<directory>/out.%p``): its events'
    totals since the last zero, by event name (``Ir``, and with ``--cache-sim=yes`` ``D1mr``, ``DLmw``, …)."""
    before = set(glob.glob(f"{directory}/out.*"))
    subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)
    dump = max(set(glob.glob(f"{directory}/out.*")) - before, key=os.path.getmtime)
    text = Path(dump).read_text()
    events = re.search(r"^events: (.+)$", text, re.MULTILINE)
    totals = re.search(r"^(?:summary|totals): (.+)$", text, re.MULTILINE)
    if events is None or totals is None:
        raise RuntimeError(f"no totals in {dump}")
    return dict(zip(events[1].split(), map(int, totals[1].split()), strict=False))
