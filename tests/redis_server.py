"""A real ``redis-server`` on a free loopback port, started by the tests (``--save '' --appendonly no``)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen | None
    workdir: Path
    password: str | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                if self.password:
                    sock.sendall(f"AUTH {self.password}\r\n".encode())
                    sock.recv(64)
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start(self, extra: list[str] | None = None) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.workdir), *(extra or [])]
        if self.password:
            args += ["--requirepass", self.password]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.ping():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.process = None

    def flush(self) -> None:
        import redis

        redis.Redis.from_url(self.url).flushall()


def start_redis(workdir: Path, password: str | None = None) -> RedisServer:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: run scripts/test.sh (it installs it) or "
                    "apt-get install redis-server")
    workdir.mkdir(parents=True, exist_ok=True)
    server = RedisServer(port=free_port(), process=None, workdir=workdir, password=password)
    server.start()
    return server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """One redis-server for the whole session; tests that use it get it flushed (see ``redis_url``)."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    if not redis_server.ping():
        redis_server.start()
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    """A redis-server of this test alone, which it may stop and restart."""
    server = start_redis(tmp_path)
    yield server
    server.stop()


@dataclass
class RedisCluster:
    """A Redis Cluster of two primaries (slots split in halves) on free loopback ports."""

    nodes: list[RedisServer]
    bus_ports: list[int]

    def url_away_from(self, key: str) -> str:
        """The URL of a node that does *not* own ``key``'s slot, so a client must follow the cluster to reach it."""
        from redis.crc import key_slot

        owner = 0 if key_slot(key.encode()) < 8192 else 1
        return self.nodes[1 - owner].url

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def _cluster_node(workdir: Path, bus_port: int) -> RedisServer:
    workdir.mkdir(parents=True, exist_ok=True)
    node = RedisServer(port=free_port(), process=None, workdir=workdir)
    node.start(["--cluster-enabled", "yes", "--cluster-port", str(bus_port), "--cluster-config-file", "nodes.conf"])
    return node


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory) -> Iterator[RedisCluster]:
    import redis

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: run scripts/test.sh (it installs it)")
    base = tmp_path_factory.mktemp("redis-cluster")
    bus_ports = [free_port(), free_port()]
    cluster = RedisCluster([_cluster_node(base / name, bus) for name, bus in zip("ab", bus_ports, strict=True)],
                           bus_ports)
    try:
        first, second = (redis.Redis(port=node.port) for node in cluster.nodes)
        first.execute_command("CLUSTER ADDSLOTSRANGE", 0, 8191)
        second.execute_command("CLUSTER ADDSLOTSRANGE", 8192, 16383)
        first.execute_command("CLUSTER MEET", "127.0.0.1", cluster.nodes[1].port, bus_ports[1])
        deadline = time.monotonic() + 20
        while not all(c.execute_command("CLUSTER INFO")["cluster_state"] == "ok" for c in (first, second)):
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not form")
            time.sleep(0.1)
        yield cluster
    finally:
        cluster.stop()
