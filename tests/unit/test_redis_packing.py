"""The trace store's Redis connections pack commands in C (hiredis), byte for byte as redis-py packs them."""

import pytest
from redis.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import DataError

from hayhooks.dashboard.redis_store import RedisTraceStore
from hayhooks.redis_clients import _packing_in_c

COMMANDS = [
    ("PING",),
    ("EVALSHA", "0123abcd", 3, "hayhooks:traces", b"hayhooks:generation", "k3", 0, 200, "shout", "f" * 32, b"{}" * 900),
    ("XRANGE", b"hayhooks:traces", b"(1700000000000-3", b"+", "COUNT", 51),
    ("SCRIPT LOAD", "return 1"),
    (b"CLIENT SETINFO", b"LIB-NAME", "redis-py"),
    ("HSET", "hayhooks:workers", "host:12", 1_700_000_000_000),
    ("SET", "k", "naïve ✓"),
    ("SET", "k", memoryview(b"view")),
    ("SET", "k", 2**70),
    ("SET", "k", -5),
    ("SET", "k", 0.1 + 0.2),
    ("SET", "k", 1e300),
]


def python_packing(*args):
    return b"".join(Connection().pack_command(*args))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: str(args[0]))
def test_packed_bytes_are_redis_pys(args):
    packed = _packing_in_c(Connection)().pack_command(*args)
    assert b"".join(packed) == python_packing(*args)


def test_values_hiredis_refuses_are_packed_by_redis_py():
    packed = _packing_in_c(Connection)().pack_command("SET", "k", bytearray(b"array"))
    assert b"".join(packed) == python_packing("SET", "k", bytearray(b"array"))


def test_invalid_values_get_redis_pys_error():
    with pytest.raises(DataError, match="Invalid input of type: 'bool'"):
        _packing_in_c(Connection)().pack_command("SET", "k", True)


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("redis://127.0.0.1:6379/0", Connection),
        ("rediss://user:secret@127.0.0.1:6380", SSLConnection),
        ("unix:///tmp/redis.sock", UnixDomainSocketConnection),
    ],
)
async def test_store_connections_keep_the_urls_kind_and_pack_in_c(url, base):
    store = RedisTraceStore(url)
    try:
        for client in (store._redis, store._reader_redis):
            connection_class = client.connection_pool.connection_class
            assert issubclass(connection_class, base)
            assert connection_class.pack_command is _packing_in_c(base).pack_command
    finally:  # never connected: closing the clients needs no server
        await store._redis.aclose()
        await store._reader_redis.aclose()
