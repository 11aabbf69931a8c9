"""Real processes for integration tests: a ``hayhooks run`` server on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``hayhooks`` server subprocess; ``log`` holds what it printed."""

    url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        return self.process.returncode


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: children of the master process (Linux /proc)."""
    pids: list[int] = []
    for children in Path(f"/proc/{master}/task").glob("*/children"):
        pids += [int(pid) for pid in children.read_text().split()]
    return sorted(pids)


def hayhooks_command() -> list[str]:
    return [sys.executable, "-m", "hayhooks"]


def launch(
    tmp_path: Path,
    command: list[str],
    *,
    port: int,
    env: dict[str, str] | None = None,
    wait_for: str = "/status",
    timeout: float = 60,
    workers: int = 1,
) -> Server:
    """Start ``command`` (a server listening on ``port``) and wait until ``wait_for`` answers, from each of
    ``workers`` workers: a worker listens only once it has started, so the first to answer may be alone a while."""
    full_env = {**os.environ, "HAYSTACK_TELEMETRY_ENABLED": "false", **(env or {})}
    log_path = tmp_path / f"server-{port}.log"
    with log_path.open("wb") as log_file:  # the child keeps its own descriptor
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, env=full_env, cwd=tmp_path, start_new_session=True
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, env=full_env)
    deadline = time.monotonic() + timeout
    answered: set[str] = set()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log}")
        try:
            response = httpx.get(server.url + wait_for, timeout=1)
            if response.status_code < 500:
                answered.add(response.headers.get("x-hayhooks-worker", ""))
                if len(answered) >= workers:
                    return server
                continue  # another worker may answer the next connection at once
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not answer within {timeout}s:\n{server.log}")


def start_server(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, cpus: list[int] | None = None, **kwargs: object
) -> Server:
    """``hayhooks run`` on a free loopback port with ``args``; ``cpus``: only on those CPUs (``taskset``)."""
    port = free_port()
    command = [*hayhooks_command(), "run", "--host", "127.0.0.1", "--port", str(port), *args]
    given = (env or {}).get("HAYHOOKS_WORKERS", "1")
    kwargs.setdefault("workers", int(args[args.index("--workers") + 1] if "--workers" in args else given))
    if cpus is not None:
        command = ["taskset", "-c", ",".join(map(str, cpus)), *command]  # execs: the pid stays the server's
    return launch(tmp_path, command, port=port, env=env, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator:
    """Start servers with ``server_factory(*cli_args, env=...)``; all are stopped after the test."""
    servers: list[Server] = []

    def start(*args: str, env: dict[str, str] | None = None, **kwargs: object) -> Server:
        server = start_server(tmp_path, *args, env=env, **kwargs)  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
