"""Redis clients for the shared trace store and the deploy log: one Redis server, or a Redis Cluster.

With ``HAYHOOKS_REDIS_CLUSTER=true`` the URL names one node of a cluster, and redis-py's cluster client finds the
node that owns the keys and follows them when a slot moves. Every key of a deployment carries the prefix's
hash tag, so all of them live in one slot: the append, clear and publish scripts touch several keys at once.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AskError, ConnectionError, MovedError, ResponseError

try:
    import hiredis
except ImportError:  # redis[hiredis] installs it; without it, redis-py's own packing
    hiredis = None

Client = aioredis.Redis | RedisCluster

_HASH_TAG = re.compile(r"\{[^}]+\}")


def hash_tagged(prefix: str) -> str:
    """``prefix`` with a Redis Cluster hash tag: as given when it has one, else its text in braces
    (``hayhooks:`` → ``{hayhooks}:``), so that every key made from it lands in one slot."""
    first = prefix.find("{")
    if first != -1 and _HASH_TAG.match(prefix, first):  # Redis hashes the first {…} only, when not empty
        return prefix
    name = prefix.rstrip(":") or prefix
    return f"{{{name}}}{prefix[len(name):]}" if name else "{hayhooks}:"


class _PackedInC:
    """Commands packed by hiredis in one C call, as redis-py's synchronous client packs them when hiredis is
    installed; its asyncio client packs in Python, argument by argument, which cost ~7 µs a trace of a batch
    append (three arguments of up to kilobytes each)."""

    def pack_command(self, *args: Any) -> list[bytes]:
        command = args[0]
        if isinstance(command, str):
            args = (*command.encode().split(), *args[1:])
        elif b" " in command:
            args = (*command.split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError:  # bytearray, bool, None...: redis-py's own packing, and its own error
            return super().pack_command(*args)  # type: ignore[misc]


@functools.cache
def _packing_in_c(connection_class: type) -> type:
    return type(connection_class.__name__, (_PackedInC, connection_class), {})


def connect(
    url: str,
    *,
    cluster: bool = False,
    socket_timeout: float = 2.0,
    health_check_interval: float = 0,
    reconnect_once: bool = False,
) -> Client:
    """An asyncio client for ``url``: a server over TCP, TLS or a Unix socket, or with ``cluster`` one node of a
    Redis Cluster. Connecting gives up after 1 s. The cluster client does not retry a lost node itself (it finds
    the cluster's new layout on the next command): the callers' loops already back off through an outage.

    ``reconnect_once``: a command that finds its pooled connection closed (Redis restarted) is sent again once,
    on a new connection, for callers with no loop of their own to try again: a deploy would be refused.
    Only for commands that may run twice (a connection may close after Redis ran the command)."""
    if cluster:
        return RedisCluster.from_url(
            url,
            socket_connect_timeout=1.0,
            socket_timeout=socket_timeout,
            health_check_interval=health_check_interval,
            retry=Retry(NoBackoff(), 0),
        )
    retry = {"retry": Retry(NoBackoff(), 1), "retry_on_error": [ConnectionError]} if reconnect_once else {}
    client = aioredis.Redis.from_url(
        url, socket_connect_timeout=1.0, socket_timeout=socket_timeout, health_check_interval=health_check_interval,
        **retry,
    )
    if hiredis is not None:
        pool = client.connection_pool
        pool.connection_class = _packing_in_c(pool.connection_class)
    return client


def hint(exc: BaseException) -> str:
    """What to change when ``exc`` comes from a setting that does not fit this Redis (else nothing), for the log
    line that reports the outage."""
    if isinstance(exc, MovedError | AskError):
        return " (this Redis is a node of a Redis Cluster: set HAYHOOKS_REDIS_CLUSTER=true)"
    if isinstance(exc, ResponseError) and "CROSSSLOT" in str(exc):
        return " (in a Redis Cluster the key prefix needs a hash tag, such as '{hayhooks}:')"
    return ""
