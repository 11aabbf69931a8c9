"""Deploys and undeploys made over HTTP reach every worker of every host through a Redis stream.

The worker that takes the request applies it first (so a broken deploy fails there, for the caller, and is
never published), then records it — name, sources, order — in ``<prefix>deploys``. Every worker, that one
included, applies every entry in stream order, so concurrent deploys of one name end in the same version
everywhere; an entry whose sources a worker already serves is only acknowledged. A worker that starts later
replays the stream before it takes traffic. Each worker acknowledges each entry (``ok`` or the error) so the
request can answer once every live worker has applied it. A log, not pub/sub: pub/sub is at-most-once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

import orjson
from opentelemetry import context as otel_context
from opentelemetry import propagate
from redis.exceptions import RedisError

from hayhooks.backoff import Backoff
from hayhooks.logger import log
from hayhooks.pipelines.errors import HayhooksError
from hayhooks.redis_clients import connect, hint
from hayhooks.server.deployer import Deployer

ERRORS = (RedisError, OSError, asyncio.TimeoutError)
# Append an operation to the log, and keep the names the log deploys: the one step both scripts below take.
_RECORD = """
local function record(op, from, name, kind)
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', '10000', '*', 'op', op, 'from', from)
  if kind == 'undeploy' then
    redis.call('HDEL', KEYS[2], name)
  else
    redis.call('HSET', KEYS[2], name, id)
  end
  return id
end
"""
# Record an operation: a deploy that must not overwrite is refused atomically if another worker or host recorded
# one of that name first (each had checked only its own registry).
_PUBLISH = _RECORD + """
if ARGV[4] == '1' and redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then
  return false
end
return record(ARGV[1], ARGV[2], ARGV[3], ARGV[5])
"""
# Write back what a worker applied, after Redis lost the log, skipping the names the new log already has an
# operation for: a deploy or undeploy made since Redis came back is newer than anything written back.
_WRITE_BACK = _RECORD + """
local seen = {}
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'op' then seen[cjson.decode(fields[i + 1])['name']] = true end
  end
end
local written = 0
for i = 2, #ARGV, 3 do
  if not seen[ARGV[i + 1]] then
    record(ARGV[i], ARGV[1], ARGV[i + 1], ARGV[i + 2])
    written = written + 1
  end
end
return written
"""
HEARTBEAT_S = 2.0
WORKER_TTL_MS = 6_000
ACK_TTL_S = 300
# How long a deploy answer waits for every live worker to apply it: a wrapper's setup() may load a model.
ACK_WAIT_S = 30.0
# The field of a log entry's operation that carries the publishing operation's W3C trace context.
TRACE = "trace"


class DeployReplicator:
    def __init__(self, url: str, prefix: str, worker: str, deployer: Deployer, *, cluster: bool = False) -> None:
        self.worker = worker
        self.deployer = deployer
        self.stream_key = f"{prefix}deploys"
        self.workers_key = f"{prefix}deploy_workers"
        self.ack_prefix = f"{prefix}deploy_acks:"
        self.names_key = f"{prefix}deployed"
        # The log's identity: a worker that finds another (or none) knows Redis lost the log and writes it again.
        self.epoch_key = f"{prefix}deploy_epoch".encode()
        self._epoch: bytes | None = None
        # Name → the last operation applied for it, in the order they were applied (the log's).
        self._applied: dict[str, dict[str, Any]] = {}
        self._redis = connect(url, cluster=cluster, reconnect_once=True)
        self._reader = connect(url, cluster=cluster, socket_timeout=10.0)
        self._publish = self._redis.register_script(_PUBLISH)
        self._write_back = self._redis.register_script(_WRITE_BACK)
        self._last = b"0-0"
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Replay every recorded deploy (before this worker takes traffic), then follow new ones."""
        try:
            await self._heartbeat()
            before = set(self.deployer.registry.names())
            for entry_id, fields in await self._redis.xrange(self.stream_key, b"-", b"+"):
                await self._apply(entry_id, fields, live=False)
            self._report_replay(before)
        except ERRORS as exc:
            log.warning("Deploy log unreachable at start ({}: {}){}; this worker serves its own pipelines",
                        type(exc).__name__, exc, hint(exc))
        self._task = asyncio.create_task(self._follow(), name="hayhooks-deploy-follow")

    async def publish(self, op: dict[str, Any], *, exclusive: bool = False) -> bytes | None:
        """Record ``op``; its entry ID, or None when ``exclusive`` and the log already deploys that name.

        The operation that publishes it (the deploy's trace) goes with it, so that each worker's applying of it
        is part of that trace, not a trace of its own."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        if carrier:
            op = {**op, TRACE: carrier}
        entry = await self._publish(
            keys=[self.stream_key, self.names_key],
            args=[orjson.dumps(op), self.worker, op["name"], "1" if exclusive else "0", op["op"]],
        )
        return entry or None

    async def wait_for(self, entry_id: bytes, timeout_s: float = ACK_WAIT_S) -> dict[str, Any]:
        """Who applied ``entry_id``: waits (bounded) for every live worker's acknowledgement."""
        deadline = time.monotonic() + timeout_s
        key = self.ack_prefix + entry_id.decode()
        while True:
            # This worker is live even before its first heartbeat since Redis came back empty.
            live = sorted({*await self.live_workers(), self.worker})
            acks = {k.decode(): v.decode() for k, v in (await self._redis.hgetall(key)).items()}
            if set(live) <= set(acks) or time.monotonic() > deadline:
                failed = {w: a for w, a in acks.items() if a != "ok"}
                return {
                    "workers": len(set(live) | set(acks)),
                    "applied": sum(1 for a in acks.values() if a == "ok"),
                    "failed": failed,
                    "missing": sorted(set(live) - set(acks)),
                }
            await asyncio.sleep(0.02)

    async def live_workers(self) -> list[str]:
        now = time.time() * 1000
        seen = await self._redis.hgetall(self.workers_key)
        return [k.decode() for k, v in seen.items() if now - int(v) < WORKER_TTL_MS]

    async def _heartbeat(self) -> None:
        """This worker is alive; and the log is the one it knows, or else Redis lost it (restarted empty): then
        a worker writes again what it applied from the log, so that workers and hosts that start later get the
        same pipelines. Applying an entry twice changes nothing, should a second worker write it too."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(self.workers_key, self.worker, int(time.time() * 1000))
            pipe.set(self.epoch_key, uuid.uuid4().hex, nx=True)
            pipe.get(self.epoch_key)
            *_, epoch = await pipe.execute()
        if epoch == self._epoch:
            return
        # One worker writes the log back (the first to claim it; every worker that followed the log knows the
        # same entries), so that a restart does not add one copy per worker.
        if self._epoch is not None and self._applied and await self._redis.set(
            self.epoch_key + b":rewritten:" + epoch, self.worker, nx=True, ex=ACK_TTL_S
        ):
            kept = list(self._applied.values())
            args: list[Any] = [self.worker]
            for op in kept:
                args += [orjson.dumps(op), op["name"], op["op"]]
            written = await self._write_back(keys=[self.stream_key, self.names_key], args=args)
            log.warning("The deploy log in Redis is gone (Redis restarted empty?): wrote back {} of the {} deploys "
                        "and undeploys this worker applied (the others were made again since)", written, len(kept))
        self._epoch = epoch  # only once written back: should Redis fail meanwhile, the next heartbeat tries again

    def _report_replay(self, before: set[str]) -> None:
        """Say what the log changed in the pipelines loaded from the pipelines dir: an undeploy made over HTTP
        hides a folder of the dir on every start, for as long as the log keeps it."""
        if not self._applied:
            return
        now = set(self.deployer.registry.names())
        log.info("Replayed {} deploys and undeploys made over HTTP ({}): {}{}", len(self._applied), self.stream_key,
                 f"deployed {sorted(now - before)}" if now - before else "no new pipeline",
                 f"; undeployed {sorted(before - now)} (deploy them again over HTTP to serve them)"
                 if before - now else "")

    async def _follow(self) -> None:
        last_beat = 0.0
        backoff = Backoff("Deploy log unreachable")
        while True:
            try:
                if time.monotonic() - last_beat > HEARTBEAT_S:
                    await self._heartbeat()
                    last_beat = time.monotonic()
                reply = await self._reader.xread({self.stream_key: self._last}, block=1000, count=100)
                backoff.succeeded()
            except asyncio.CancelledError:
                raise
            except ERRORS as exc:
                await backoff.failed(exc)
                continue
            for _stream, entries in reply or ():
                for entry_id, fields in entries:
                    await self._apply(entry_id, fields)

    async def _apply(self, entry_id: bytes, fields: dict[bytes, bytes], *, live: bool = True) -> None:
        """Apply a log entry. ``live``: it was published while this worker follows the log, so applying it
        continues the trace of the deploy that published it; a replay at start (of deploys made long ago) does
        not."""
        self._last = entry_id
        op = orjson.loads(fields[b"op"])
        carrier = op.pop(TRACE, None)
        self._applied.pop(op["name"], None)  # to the end: the dict keeps the order operations were applied in
        self._applied[op["name"]] = op
        outcome = "ok"
        token = otel_context.attach(propagate.extract(carrier)) if live and isinstance(carrier, dict) else None
        try:
            await self.deployer.apply(op)
        except HayhooksError as exc:
            outcome = f"error: {exc}"
            log.error("Could not apply {} of '{}' from the deploy log: {}", op["op"], op["name"], exc)
        finally:
            if token is not None:
                otel_context.detach(token)
        with contextlib.suppress(*ERRORS):
            key = self.ack_prefix + entry_id.decode()
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, self.worker, outcome)
                pipe.expire(key, ACK_TTL_S)
                await pipe.execute()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        with contextlib.suppress(*ERRORS):
            await self._redis.hdel(self.workers_key, self.worker)
        await self._redis.aclose()
        await self._reader.aclose()

