"""uvicorn's HTTP protocol, sending a response's head and body in one write.

uvicorn writes the head of a response when the app sends ``http.response.start`` and the body when it sends
``http.response.body``: two ``send`` system calls for every response, each of which, on loopback, also runs
the receiving side's TCP processing. Under load the first of them was ~6 % of a worker's CPU and the second
~3 %. The transport here holds a response head until the next write and sends both together; a head with no
body in the same step of the event loop (``HEAD``, ``204``, a stream whose first chunk comes later) is sent
at the end of that step, so nothing waits longer than the loop takes to come round.
"""

from __future__ import annotations

import asyncio
from typing import Any

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Protocol
except ImportError:  # pragma: no cover (httptools is optional for uvicorn: h11 is what "auto" falls back to)
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Protocol  # type: ignore[assignment]

_HEAD = b"HTTP/1.1 "
_JOIN_BELOW = 1 << 16  # larger bodies go out with writelines: no copy


class CoalescingTransport:
    """Delegates to ``transport``; a write that starts a response is held until the next write."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if len(data) < _JOIN_BELOW:
                self._transport.write(held + bytes(data))
            else:
                self._transport.writelines((held, data))
        elif data[:9] == _HEAD:
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def writelines(self, chunks: Any) -> None:
        self.flush()
        self._transport.writelines(chunks)

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():  # the client left before the step ended: nothing to send
                self._transport.write(held)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def __getattr__(self, name: str) -> Any:  # get_extra_info, pause_reading, set_protocol, ...
        return getattr(self._transport, name)


class CoalescingHttpProtocol(_Protocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP/1.1 protocol (httptools, as ``http="auto"`` picks) on a ``CoalescingTransport``."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]


PROTOCOL = f"{__name__}:CoalescingHttpProtocol"
