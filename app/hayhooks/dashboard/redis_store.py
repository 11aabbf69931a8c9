"""``RedisTraceStore``: one capped Redis stream shared by every worker and host.

Keys (all under ``prefix``, which may carry a Redis Cluster hash tag such as ``{hayhooks}:``, so that every key
of a deployment lands in one slot):

- ``<prefix>traces``: the stream; each entry is ``p`` (pipeline name), ``i`` (the operation: trace id and root
  span id) and ``t`` (the trace record as JSON), or a clear marker ``clear`` = generation. Entry IDs are the
  dashboard's cursors. ``XADD … MAXLEN ~ capacity``. An operation still running after a moment is announced by
  an entry of its own, which the worker deletes (``XDEL``) when it appends the operation's final record.
- ``<prefix>by:<pipeline>``: an index stream per pipeline, with the same entry IDs as the stream's entries of
  that pipeline, so that one pipeline's page reads its own entries, not every pipeline's (at 100 000 traces a
  page of a rare pipeline read ~200 MB). Trimmed to the stream's oldest entry (``MINID ~``) as entries are added.
- ``<prefix>indexed``: the pipelines that have an index, at most ``index_limit`` (a client naming models at
  random must not make keys without end); a pipeline beyond it is paged by reading the stream, as before.
- ``<prefix>unindexed``: set once a pipeline got no index, or lost it (see ``_APPEND``), until a clear.
- ``<prefix>indexed_from``: the entry ID from which every entry of an indexed pipeline is in its index (``0-0``:
  all of them). Older entries, written before the index existed, are read from the stream.
- ``<prefix>generation`` and ``<prefix>cleared_at``: how many clears happened, and when the last one did.
- ``<prefix>workers``: worker → last heartbeat (ms), to show who shares the view.

Appends and clears are Lua scripts, so "refuse a batch written for an old generation" is atomic. A clear trims
the stream to nothing instead of deleting it, which keeps its last ID: cursors never go backwards. Live follow
is one ``XREAD BLOCK`` loop per worker, fanned out to its SSE clients. Needs Redis ≥ 6.2 (exclusive ranges).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from redis.exceptions import RedisError

from hayhooks.backoff import Backoff
from hayhooks.dashboard.broadcast import Broadcaster, Subscription
from hayhooks.dashboard.record import operation_key
from hayhooks.dashboard.store import (
    ZERO,
    Appended,
    Cursor,
    LazyCursors,
    Page,
    Payload,
    StoreEvent,
    StoreStats,
    TraceRecord,
    encode,
    fresh_generation,
    newest_per_trace,
    note_running,
    with_cursor,
)
from hayhooks.redis_clients import connect

# A pipeline gets an index at its first entry, while there is room (``index_limit``). One that gets none, or whose
# index is lost (a key evicted, or that cannot be written), raises the ``unindexed`` flag: from then on, until a
# clear, no pipeline gets a new index, and a page of a pipeline without one reads the stream. So an index, when
# there is one, holds every entry of its pipeline since ``indexed_from``; a page never trusts an incomplete one.
# Each append also trims one index picked at random: that of a pipeline no longer called is trimmed too.
_APPEND = """
local gen = tonumber(redis.call('GET', KEYS[2]) or '0')
if gen ~= tonumber(ARGV[1]) then
  return {0, gen, redis.call('GET', KEYS[3]) or '0'}
end
local dropped = tonumber(ARGV[5])
if dropped > 0 then
  redis.call('XDEL', KEYS[1], unpack(ARGV, 6, 5 + dropped))
end
local from = redis.call('GET', KEYS[4])
if not from and redis.call('XLEN', KEYS[1]) == 0 then
  from = '0-0'
  redis.call('SET', KEYS[4], from)
end
local room = 0
if redis.call('EXISTS', KEYS[6]) == 0 then
  room = tonumber(ARGV[4]) - redis.call('SCARD', KEYS[5])
end
local function unindexed(p)
  redis.call('SREM', KEYS[5], p)
  redis.call('SET', KEYS[6], '1')
  room = 0
end
local known, indexed, ids = {}, {}, {}
for i = 6 + dropped, #ARGV, 3 do
  local p = ARGV[i]
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'p', p, 'i', ARGV[i + 1], 't', ARGV[i + 2])
  ids[#ids + 1] = id
  if not from then
    from = id
    redis.call('SET', KEYS[4], from)
  end
  if p ~= '' then
    if known[p] == nil then
      if redis.call('SISMEMBER', KEYS[5], p) == 1 then
        known[p] = redis.call('EXISTS', ARGV[3] .. p) == 1
        if not known[p] then
          unindexed(p)
        end
      elseif room > 0 then
        redis.call('SADD', KEYS[5], p)
        room = room - 1
        known[p] = true
      else
        known[p] = false
        unindexed(p)
      end
    end
    if known[p] then
      indexed[#indexed + 1] = p
      indexed[#indexed + 1] = id
    end
  end
end
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
if first then
  for j = 1, #indexed, 2 do
    local p = indexed[j]
    if known[p] then
      local reply = redis.pcall('XADD', ARGV[3] .. p, 'MINID', '~', first[1], indexed[j + 1], 'i', '')
      if type(reply) == 'table' and reply.err then
        known[p] = false
        unindexed(p)
      end
    end
  end
  local other = redis.call('SRANDMEMBER', KEYS[5])
  if other then
    redis.pcall('XTRIM', ARGV[3] .. other, 'MINID', '~', first[1])
  end
end
return {1, gen, ids}
"""

# The next generation is at least the clock's milliseconds: above every earlier one, even those of a Redis that
# restarted empty and forgot them (see store.next_generation).
_CLEAR = """
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('XTRIM', KEYS[1], 'MAXLEN', 0)
local gen = math.max(tonumber(redis.call('GET', KEYS[2]) or '0') + 1, ms)
redis.call('SET', KEYS[2], string.format('%d', gen))
redis.call('SET', KEYS[3], ms)
redis.call('XADD', KEYS[1], '*', 'clear', gen)
for _, p in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  redis.call('DEL', ARGV[1] .. p)
end
redis.call('DEL', KEYS[5], KEYS[6])
redis.call('SET', KEYS[4], '0-0')
return gen
"""

HEARTBEAT_S = 5.0
WORKER_TTL_MS = 15_000
GENERATION_CHECK_S = 2.0
_CHUNK = 200
INDEX_LIMIT = 1000


async def _execute(pipe: Any, *, index_read: bool) -> list[Any]:
    """Run ``pipe``; with ``index_read``, its last command (a read of an index) may fail alone, its error
    returned to be read as a lost index (a key of another type where an index should be)."""
    replies = await pipe.execute(raise_on_error=not index_read)
    for reply in replies[:-1]:
        if isinstance(reply, Exception):
            raise reply
    return replies


def _wanted(fields: dict[bytes, bytes], pipeline: bytes | None) -> bool:
    """Whether a stream entry is a trace (not a marker) of ``pipeline`` (any, when None)."""
    return b"t" in fields and (pipeline is None or fields.get(b"p") == pipeline)


def _picked(entry_id: bytes, fields: dict[bytes, bytes]) -> tuple[Cursor, str, Payload]:
    """A forward page's item from a stream entry: its cursor, its operation key and its payload with the cursor."""
    cursor = _cursor(entry_id)
    return cursor, fields.get(b"i", entry_id).decode(), with_cursor(cursor, fields[b"t"])


def _cursor(entry_id: bytes | str) -> Cursor:
    ms, _, seq = entry_id.partition(b"-" if isinstance(entry_id, bytes) else "-")  # int() reads bytes too
    return Cursor(int(ms), int(seq or 0))


class RedisTraceStore:
    """The shared store: every worker of every host pointed at the same Redis and prefix sees one view."""

    kind = "redis"
    shared = True

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "hayhooks:",
        capacity: int = 200,
        worker: str = "",
        cluster: bool = False,
        index_limit: int = INDEX_LIMIT,
    ) -> None:
        self.url = url
        self.capacity = capacity
        self.worker = worker
        self.index_limit = index_limit
        self.stream_key = f"{prefix}traces"
        self.index_prefix = f"{prefix}by:"
        self.indexed_key = f"{prefix}indexed"
        self.indexed_from_key = f"{prefix}indexed_from"
        self.unindexed_key = f"{prefix}unindexed"
        self.generation_key = f"{prefix}generation"
        self.cleared_key = f"{prefix}cleared_at"
        self.workers_key = f"{prefix}workers"
        self._redis = connect(url, cluster=cluster, health_check_interval=10)
        # Live follow blocks a connection; it gets its own, so requests never queue behind it.
        self._reader_redis = connect(url, cluster=cluster, socket_timeout=10.0)
        self._append_script = self._redis.register_script(_APPEND)
        # Operation → entry ID of its "running" snapshot, until its final record deletes it.
        self._running: dict[str, bytes] = {}
        self._clear_script = self._redis.register_script(_CLEAR)
        self._broadcaster = Broadcaster(on_ready=self._follow_from)
        self._reader: asyncio.Task[None] | None = None
        self._closed = False

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def append(self, traces: Sequence[TraceRecord], generation: int) -> Appended:
        """Append in one script; a trace's final record deletes its "running" snapshot (``XDEL``), so that the
        stream's capacity counts traces and a long operation does not hold two places."""
        running = self._running
        triples: list[Any] = []
        announced: list[tuple[int, str]] = []
        finished: list[str] = []
        for index, record in enumerate(traces):
            key = operation_key(record)
            triples += [record.get("entrypoint") or "", key, encode(record)]
            if record.get("running"):
                announced.append((index, key))
            elif running and key in running:
                finished.append(key)
        dropped = [running[key] for key in finished]
        ok, current, result = await self._append_script(keys=self._script_keys, args=[
            generation, self.capacity, self.index_prefix, self.index_limit, len(dropped), *dropped, *triples])
        if not ok:
            return Appended(generation=int(current), stale=True, cleared_at_ms=float(result))
        for key in finished:
            running.pop(key, None)
        for index, key in announced:
            note_running(running, key, result[index], self.capacity)
        return Appended(cursors=LazyCursors(result, _cursor), generation=int(current))

    async def generation(self) -> int:
        async with self._redis.pipeline(transaction=False) as pipe:
            self._read_generation(pipe)
            *_, generation = await pipe.execute()
        return int(generation)

    def _read_generation(self, pipe: Any) -> None:
        """Queue the generation's read on ``pipe`` (its last reply), giving it a value of its own if it has none:
        a Redis that restarted empty never answers a value its clients saw before, such as 0."""
        pipe.set(self.generation_key, fresh_generation(), nx=True)
        pipe.get(self.generation_key)

    async def page(
        self,
        *,
        after: Cursor | None = None,
        since_ms: int | None = None,
        limit: int = 50,
        pipeline: str | None = None,
        before: Cursor | None = None,
    ) -> Page:
        if before == ZERO:  # nothing is older, and Redis refuses the exclusive range "(0-0"
            return Page([], None, False, await self.generation(), next_before=ZERO)
        if after is None:
            return await self._backwards(limit, since_ms, pipeline, before)
        return await self._after(after, limit, since_ms, pipeline)

    def _read_index(self, pipe: Any, pipeline: str) -> None:
        """Queue what tells whether ``pipeline``'s index can be read (see ``_index_use``); a range of the index
        itself is to be queued last."""
        pipe.xrevrange(self.stream_key, b"+", b"-", count=1)
        pipe.get(self.indexed_from_key)
        pipe.sismember(self.indexed_key, pipeline)
        pipe.exists(self.index_prefix + pipeline)
        pipe.exists(self.unindexed_key)

    @staticmethod
    def _index_use(replies: list[Any]) -> tuple[Cursor | None, Cursor, str]:
        """From the replies of ``_read_index`` and the index's range: the stream's newest entry, the entry from
        which the index holds every trace, and how to read: ``index``; ``none`` (the pipeline has no entry since
        then); or ``stream`` (no index yet, an index lost, or none for it while some pipelines have none)."""
        newest_entry, indexed_from, indexed, has_index, some_unindexed, index_read = replies
        head = _cursor(newest_entry[0][0]) if newest_entry else None
        lost = indexed and (not has_index or isinstance(index_read, Exception))
        if indexed_from is None or lost or (not indexed and some_unindexed):
            return head, ZERO, "stream"
        return head, _cursor(indexed_from), "index" if indexed else "none"

    async def _backwards(self, limit: int, since_ms: int | None, pipeline: str | None, before: Cursor | None) -> Page:
        """The newest page, or (``before``) the page just older than a cursor; for the latter, one more trace is
        looked for, to tell whether an older page exists. One pipeline's page reads its index when it has one."""
        upper = f"({before}".encode() if before is not None else b"+"
        # A few more than the page: a trace announced as running has a second entry. Were it twice the page,
        # a page of 50 would read (and parse) 50 records of ~2 kB for nothing; more, if needed, come in chunks.
        first = limit + 16
        async with self._redis.pipeline(transaction=False) as pipe:
            self._read_generation(pipe)
            if pipeline is None:
                pipe.xrevrange(self.stream_key, upper, b"-", count=first)
            else:
                self._read_index(pipe, pipeline)
                pipe.xrevrange(self.index_prefix + pipeline, upper, b"-", count=first)
            every = await _execute(pipe, index_read=pipeline is not None)
        _, generation_raw, *replies = every
        generation = int(generation_raw or 0)
        head: Cursor | None = None
        if pipeline is None:
            chunks = self._stream_chunks(replies[0])
        else:
            head, indexed_from, use = self._index_use(replies)
            if use == "stream":
                chunks = self._stream_chunks(await self._redis.xrevrange(self.stream_key, upper, b"-", count=first))
            else:  # the index's entries, then the stream's older than the index (if any)
                below = min(indexed_from, before) if before is not None else indexed_from
                chunks = self._indexed_chunks(pipeline, replies[-1] if use == "index" else [], below)
        wanted_pipeline = pipeline.encode() if pipeline is not None else None
        wanted_count = limit + 1 if before is not None else limit
        picked: list[Payload] = []
        seen: set[bytes] = set()
        newest: Cursor | None = None
        oldest = before
        scanned = 0
        too_old = False
        async with contextlib.aclosing(chunks):
            async for entries in chunks:
                for entry_id, fields in entries:
                    cursor = _cursor(entry_id)
                    head = head or cursor
                    if since_ms is not None and cursor.ms < since_ms:
                        too_old = True
                        break
                    if _wanted(fields, wanted_pipeline):
                        trace_id = fields.get(b"i", entry_id)
                        if trace_id not in seen:
                            seen.add(trace_id)
                            newest = newest or cursor
                            if len(picked) < limit:
                                oldest = cursor
                            picked.append(with_cursor(cursor, fields[b"t"]))
                            if len(picked) == wanted_count:
                                break
                scanned += len(entries)
                if too_old or len(picked) == wanted_count or scanned >= self.capacity * 2:
                    break
        if before is not None:
            return Page(picked[:limit], None, len(picked) > limit, generation, next_before=oldest)
        # The cursor to go on from is the stream's newest entry, not this page's newest trace: between the two lie
        # only other pipelines' entries, which a poll or the live follow from here would read for nothing.
        return Page(picked, max(newest or ZERO, head or ZERO), False, generation)

    async def _stream_chunks(self, entries: list[Any]) -> AsyncIterator[list[Any]]:
        """The stream's entries from where ``entries`` (its first read) began, going back in chunks."""
        while entries:
            yield entries
            entries = await self._redis.xrevrange(self.stream_key, b"(" + entries[-1][0], b"-", count=_CHUNK)

    async def _indexed_chunks(self, pipeline: str, index_ids: list[Any], below: Cursor) -> AsyncIterator[list[Any]]:
        """A pipeline's entries through its index (``index_ids``: the index's first read), going back in chunks,
        then the stream's entries older than ``below`` (written before the index existed), if any."""
        index_key = self.index_prefix + pipeline
        while index_ids:
            yield await self._entries_of(index_ids)
            index_ids = await self._redis.xrevrange(index_key, b"(" + index_ids[-1][0], b"-", count=_CHUNK)
        if below != ZERO:
            async for entries in self._stream_chunks(
                await self._redis.xrevrange(self.stream_key, f"({below}".encode(), b"-", count=_CHUNK)
            ):
                yield entries

    async def _entries_of(self, index_ids: list[Any]) -> list[Any]:
        """The stream's entries named by index entries, in one round trip; one deleted since (a "running" snapshot
        its final record replaced) is left out."""
        if not index_ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry_id, _ in index_ids:
                pipe.xrange(self.stream_key, entry_id, entry_id)
            found = await pipe.execute()
        return [entry[0] for entry in found if entry]

    async def _after(self, after: Cursor, limit: int, since_ms: int | None, pipeline: str | None) -> Page:
        if since_ms is not None and Cursor(since_ms, 0) > after:
            start = f"{Cursor(since_ms, 0)}".encode()
        else:
            start = f"({after}".encode()
        if pipeline is not None:
            page = await self._after_indexed(after, start, limit, pipeline)
            if page is not None:
                return page
        wanted_pipeline = pipeline.encode() if pipeline is not None else None
        picked: list[tuple[Cursor, str, Payload]] = []
        scanned_to = after
        has_more = False
        async with self._redis.pipeline(transaction=False) as pipe:
            self._read_generation(pipe)
            pipe.xrange(self.stream_key, start, b"+", count=limit + 1)
            _, generation_raw, entries = await pipe.execute()

        while entries:
            for entry_id, fields in entries:
                cursor = _cursor(entry_id)
                if len(picked) == limit:
                    has_more = True
                    break
                scanned_to = cursor
                if _wanted(fields, wanted_pipeline):
                    picked.append(_picked(entry_id, fields))
            if has_more:
                break
            # A full page that ended exactly on the last entry read: one more entry settles ``has_more``.
            count = 1 if len(picked) == limit else _CHUNK
            entries = await self._redis.xrange(self.stream_key, f"({scanned_to}".encode(), b"+", count=count)
        return Page(newest_per_trace(picked), scanned_to, has_more, int(generation_raw or 0))

    async def _after_indexed(self, after: Cursor, start: bytes, limit: int, pipeline: str) -> Page | None:
        """The traces of ``pipeline`` after ``after`` (from ``start``) through its index; None when the index
        cannot tell (``_index_use``), or when ``after`` is older than the index. The cursor to go on from is the
        last index entry taken when more remain; else the stream's newest entry, read before the index, so every
        entry of the pipeline up to it was in the index's read."""
        async with self._redis.pipeline(transaction=False) as pipe:
            self._read_generation(pipe)
            self._read_index(pipe, pipeline)
            pipe.xrange(self.index_prefix + pipeline, start, b"+", count=limit + 1)
            _, generation_raw, *replies = await _execute(pipe, index_read=True)
        head, indexed_from, use = self._index_use(replies)
        if use == "stream" or after < indexed_from:
            return None
        ids = replies[-1] if use == "index" else []
        has_more = len(ids) > limit
        taken = ids[:limit]
        picked = [_picked(entry_id, fields) for entry_id, fields in await self._entries_of(taken)]
        last = _cursor(taken[-1][0]) if taken else after
        next_after = last if has_more else max(last, head or ZERO, after)
        return Page(newest_per_trace(picked), next_after, has_more, int(generation_raw or 0))

    def follow(self, after: Cursor | None = None, pipeline: str | None = None) -> Subscription:
        """Events after ``after`` (the subscription is registered before this returns).

        The worker's one reader runs only while someone follows. It starts when a subscriber calls
        ``ready(position)`` — from that position, the end of the subscriber's snapshot — or right away from
        ``after`` when iteration begins without it; a reader already running feeds every subscription
        registered before its next read.
        """
        subscription = self._broadcaster.subscribe(after, pipeline)
        if after is not None:
            self._follow_from(after)
        return subscription

    def _follow_from(self, position: Cursor | None) -> None:
        if self._reader is None or self._reader.done():
            start = str(position).encode() if position is not None else b"$"
            self._reader = asyncio.create_task(self._read(start), name="hayhooks-redis-follow")

    async def _read(self, last: bytes) -> None:
        """One blocking ``XREAD`` loop per worker, feeding every subscriber; it stops when the last one leaves.

        Every ``GENERATION_CHECK_S`` it also compares the generation with the last one it saw: a change that no
        clear entry announced means Redis lost the stream (it restarted empty). The subscribers are then told, as
        by a clear, and the stream is read again from its start.
        """
        backoff = Backoff("Live trace follow lost Redis")
        broadcaster = self._broadcaster
        known: int | None = None
        checked = 0.0
        while not self._closed and broadcaster.subscribers:
            try:
                if last == b"$":
                    newest = await self._reader_redis.xrevrange(self.stream_key, b"+", b"-", count=1)
                    last = newest[0][0] if newest else b"0-0"
                if time.monotonic() - checked >= GENERATION_CHECK_S:
                    generation = await self.generation()
                    checked = time.monotonic()
                    if known is not None and generation != known:
                        broadcaster.publish(StoreEvent(ZERO, None, generation))
                        last = b"0-0"
                    known = generation
                reply = await self._reader_redis.xread({self.stream_key: last}, block=2000, count=500)
                backoff.succeeded()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                await backoff.failed(exc)
                continue
            for _stream, entries in reply or ():
                for entry_id, fields in entries:
                    last = entry_id
                    if b"clear" in fields:
                        known = int(fields[b"clear"])
                        broadcaster.publish(StoreEvent(_cursor(entry_id), None, known))
                    elif b"t" in fields:
                        pipeline = fields.get(b"p", b"").decode() or None
                        if broadcaster.wants(pipeline):  # the others are read past, not parsed
                            cursor = _cursor(entry_id)
                            broadcaster.publish(StoreEvent(cursor, with_cursor(cursor, fields[b"t"]), -1, pipeline))

    async def clear(self) -> int:
        return int(await self._clear_script(keys=self._script_keys, args=[self.index_prefix]))

    @property
    def _script_keys(self) -> list[str]:
        return [self.stream_key, self.generation_key, self.cleared_key, self.indexed_from_key, self.indexed_key,
                self.unindexed_key]

    async def heartbeat(self) -> None:
        await self._redis.hset(self.workers_key, self.worker, int(time.time() * 1000))

    async def workers(self) -> list[str]:
        now = time.time() * 1000
        seen = await self._redis.hgetall(self.workers_key)
        return sorted(k.decode() for k, v in seen.items() if now - int(v) < WORKER_TTL_MS)

    async def stats(self) -> StoreStats:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xlen(self.stream_key)
            self._read_generation(pipe)
            stored, _, generation = await pipe.execute()
        return StoreStats(kind=self.kind, stored=int(stored), capacity=self.capacity,
                          generation=int(generation or 0), workers=await self.workers())

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._broadcaster.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        with contextlib.suppress(RedisError, OSError):
            await asyncio.shield(self._redis.hdel(self.workers_key, self.worker))
        await self._redis.aclose()
        await self._reader_redis.aclose()
