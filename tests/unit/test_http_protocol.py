"""The HTTP transport that sends a response's head and body in one write."""

import asyncio

from hayhooks.server.http_protocol import CoalescingTransport

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class RecordingTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.sent.append(("write", bytes(data)))

    def writelines(self, chunks) -> None:
        self.sent.append(("writelines", [bytes(c) for c in chunks]))

    def close(self) -> None:
        self.sent.append(("close", None))

    def abort(self) -> None:
        self.sent.append(("abort", None))

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default=None):
        return ("127.0.0.1", 5000) if name == "peername" else default


async def transport() -> tuple[CoalescingTransport, RecordingTransport]:
    inner = RecordingTransport()
    return CoalescingTransport(inner, asyncio.get_running_loop()), inner


async def test_a_head_and_its_body_go_out_in_one_write():
    outer, inner = await transport()
    outer.write(HEAD)
    assert inner.sent == []
    outer.write(b"ok")
    assert inner.sent == [("write", HEAD + b"ok")]
    await asyncio.sleep(0)  # the scheduled flush finds nothing left
    assert inner.sent == [("write", HEAD + b"ok")]


async def test_a_head_without_a_body_goes_out_at_the_end_of_the_loop_step():
    outer, inner = await transport()  # HEAD, 204, or a stream whose first chunk comes later
    outer.write(HEAD)
    await asyncio.sleep(0)
    assert inner.sent == [("write", HEAD)]


async def test_stream_chunks_after_the_head_go_out_at_once():
    outer, inner = await transport()
    outer.write(HEAD)
    outer.write(b"event: 1\n\n")
    outer.write(b"event: 2\n\n")
    assert inner.sent == [("write", HEAD + b"event: 1\n\n"), ("write", b"event: 2\n\n")]


async def test_a_large_body_is_not_copied_into_the_head():
    outer, inner = await transport()
    body = b"x" * 100_000
    outer.write(HEAD)
    outer.write(body)
    assert inner.sent == [("writelines", [HEAD, body])]


async def test_close_sends_a_held_head_first_and_abort_drops_it():
    outer, inner = await transport()
    outer.write(HEAD)
    outer.close()
    assert inner.sent == [("write", HEAD), ("close", None)]
    outer, inner = await transport()
    outer.write(HEAD)
    outer.abort()
    await asyncio.sleep(0)
    assert inner.sent == [("abort", None)]


async def test_everything_else_is_the_real_transports():
    outer, inner = await transport()
    assert outer.get_extra_info("peername") == ("127.0.0.1", 5000)
    inner.closing = True
    assert outer.is_closing()


async def test_a_head_held_when_the_client_leaves_is_dropped_not_written():
    outer, inner = await transport()
    outer.write(HEAD)
    inner.closing = True  # connection lost before the end of the loop step
    await asyncio.sleep(0)
    assert inner.sent == []
