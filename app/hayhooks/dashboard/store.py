"""The trace store contract: what the dashboard needs from wherever traces are kept.

Two implementations pass the same contract suite: ``MemoryTraceStore`` (this process only) and
``RedisTraceStore`` (a capped Redis stream shared by every worker and host). Both issue cursors of the same
form, ``<ms>-<seq>`` (a Redis stream entry ID), so nothing above the store knows which one it has.

A *generation* names the store's current content: it changes on every clear, and whenever the store lost its
traces otherwise (a Redis that restarted empty), and it never takes a value it had before (a clear makes it at
least the clock's milliseconds). Every page carries it; a client that sees it change drops its list. ``append``
takes the generation the writer last saw: if it changed since, the store refuses the batch and says when the
last clear happened, so that traces finished before it are dropped instead of coming back.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import orjson

TraceRecord = dict[str, Any]
"""One trace as the dashboard API returns it (see ``record.py``), without its ``cursor``."""

Payload = bytes
"""A stored trace as JSON with its ``cursor`` first. Stores keep bytes, not dicts: pages are spliced, not
re-encoded, and thousands of stored traces cost the garbage collector nothing."""

_CURSOR = re.compile(r"^(\d{1,15})(?:-(\d{1,19}))?$")
MAX_SEQ = 2**64 - 1


class Cursor(NamedTuple):
    """A position in the store: ``<ms>-<seq>``, ordered as Redis orders stream IDs.

    A named tuple, not a frozen dataclass: one is made for every trace appended and read, and a frozen
    dataclass sets each field through ``object.__setattr__`` (4 800 against ~1 500 instructions to make one).
    """

    ms: int
    seq: int = 0

    @classmethod
    def parse(cls, text: str, *, inclusive_ms: bool = False) -> Cursor:
        """``"<ms>-<seq>"`` or ``"<ms>"``; a bare ``<ms>`` means the end of that millisecond (or its start)."""
        match = _CURSOR.fullmatch(text.strip())
        if not match:
            raise ValueError(f"cursor must look like '<ms>-<seq>' (digits), got {text!r}")
        seq = match[2]
        if seq is None:
            return cls(int(match[1]), 0 if inclusive_ms else MAX_SEQ)
        value = int(seq)
        if value > MAX_SEQ:
            raise ValueError("cursor sequence is out of range")
        return cls(int(match[1]), value)

    def __str__(self) -> str:
        return f"{self.ms}-{self.seq}"


ZERO = Cursor(0, 0)


class LazyCursors(Sequence[Cursor]):
    """The positions an append gave, made ``Cursor``s only when read: the flusher never reads them, and making
    one per trace appended cost more than a tenth of a trace's append (a Redis entry ID parsed, a named tuple
    built)."""

    __slots__ = ("_items", "_make")

    def __init__(self, items: list[Any], make: Callable[[Any], Cursor]) -> None:
        self._items = items
        self._make = make

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._make(i) for i in self._items[index]]
        return self._make(self._items[index])


def fresh_generation() -> int:
    """A generation no client has seen: the clock's milliseconds (a view that starts, or that lost its traces)."""
    return time.time_ns() // 1_000_000


def next_generation(current: int) -> int:
    """The generation after a clear: above every earlier one, even one that a restarted store has forgotten."""
    return max(current + 1, fresh_generation())


@dataclass(frozen=True, slots=True)
class Page:
    """Traces newest first (JSON payloads), the cursor to continue from, and the generation they belong to.

    A page of older traces (``before``) continues downwards: ``next_before`` is where the next older page starts,
    and ``has_more`` says whether one exists."""

    traces: list[Payload]
    next_after: Cursor | None
    has_more: bool
    generation: int
    next_before: Cursor | None = None

    def records(self) -> list[TraceRecord]:
        return [orjson.loads(payload) for payload in self.traces]


@dataclass(frozen=True, slots=True)
class Appended:
    """What ``append`` did: the cursors it gave, or — when a clear happened since — the clear it missed."""

    cursors: Sequence[Cursor] = ()
    generation: int = 0
    stale: bool = False
    cleared_at_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """What ``follow`` yields: a stored trace (``payload``), or a clear (``payload`` is None)."""

    cursor: Cursor
    payload: Payload | None
    generation: int
    entrypoint: str | None = None

    @property
    def trace(self) -> TraceRecord | None:
        return orjson.loads(self.payload) if self.payload is not None else None


@dataclass(frozen=True, slots=True)
class StoreStats:
    kind: str
    stored: int
    capacity: int
    generation: int
    workers: list[str] = field(default_factory=list)


class TraceStore(Protocol):
    """Where finished (and running) traces are kept; every method is safe to call from the event loop."""

    kind: str
    shared: bool

    async def append(self, traces: Sequence[TraceRecord], generation: int) -> Appended: ...

    async def page(
        self,
        *,
        after: Cursor | None = None,
        since_ms: int | None = None,
        limit: int = 50,
        pipeline: str | None = None,
        before: Cursor | None = None,
    ) -> Page:
        """The newest ``limit`` traces; or the ``limit`` just after ``after`` (a poll that catches up loses none);
        or the ``limit`` just before ``before`` (going back in time). Each page lists newest first. ``after`` and
        ``before`` are not given together."""
        ...

    def follow(self, after: Cursor | None = None, pipeline: str | None = None) -> AsyncIterator[StoreEvent]:
        """Events after ``after`` from the moment of the call on (only ``pipeline``'s traces, and clears, when
        given); ends when the store closes."""
        ...

    async def clear(self) -> int: ...

    async def generation(self) -> int: ...

    async def stats(self) -> StoreStats: ...

    async def aclose(self) -> None: ...


def note_running(running: dict[str, Any], key: str, where: Any, capacity: int) -> None:
    """Remember where an operation's "running" snapshot is stored, for its final record to replace. Operations
    that never finish here (a worker restarted mid-stream elsewhere) are forgotten oldest first: at most
    ``capacity``."""
    running[key] = where
    if len(running) > capacity:
        del running[next(iter(running))]


def newest_per_trace(entries: Sequence[tuple[Cursor, str, Payload]]) -> list[Payload]:
    """The newest entry of each trace (a finished record replaces its running one), newest first."""
    seen: set[str] = set()
    kept = []
    for _cursor, trace_id, payload in sorted(entries, key=lambda e: e[0], reverse=True):
        if trace_id not in seen:
            seen.add(trace_id)
            kept.append(payload)
    return kept


def encode(record: TraceRecord) -> bytes:
    """The JSON of a record, without its cursor (what the Redis stream keeps).

    Span attributes come from any code in the process: bytes, odd objects or integers beyond 64 bits are
    written as text, never a reason to lose the trace (or the batch it was flushed with)."""
    try:
        return orjson.dumps(record, default=_as_text)
    except orjson.JSONEncodeError:
        return orjson.dumps(_json_safe(record), default=_as_text)


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"bytes({len(value)})"
    try:
        return _utf8(repr(value)[:2048])
    except Exception:  # a __repr__ that fails is no reason to lose the trace either
        return f"<{type(value).__name__}>"


def _json_safe(value: Any) -> Any:
    if isinstance(value, str):
        return _utf8(value)
    if isinstance(value, dict):
        return {_utf8(str(k)): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)
    return value


def _utf8(text: str) -> str:
    """``text``, with lone surrogates (``surrogateescape``-decoded file names, say) written as ``\\udcff``."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode()
    return text


def with_cursor(cursor: Cursor, encoded: bytes) -> Payload:
    """Splice ``"cursor": "<ms>-<seq>"`` in front of an encoded record, without decoding it."""
    return b"".join((b'{"cursor":"%d-%d",' % (cursor.ms, cursor.seq), memoryview(encoded)[1:]))  # one copy
