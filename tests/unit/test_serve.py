"""Starting the server: a taken port is refused before any worker starts."""

import re
import socket

import pytest

from hayhooks.server.serve import CannotListen, ensure_port_free


def test_a_free_port_passes_and_stays_free():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    ensure_port_free("127.0.0.1", port)
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # the probe let it go


def test_a_port_held_by_a_listening_socket_is_refused():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(CannotListen, match=re.escape(f"127.0.0.1:{port} is already in use")):
            ensure_port_free("127.0.0.1", port)


def test_a_port_held_by_a_reuse_port_socket_is_refused():
    """What a running multi-worker server holds: a plain bind must still see it as taken."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        with pytest.raises(CannotListen):
            ensure_port_free("127.0.0.1", holder.getsockname()[1])


def test_an_address_of_another_machine_is_refused_with_the_reason():
    with pytest.raises(CannotListen, match=re.escape("192.0.2.1:1416 cannot be listened on")):
        ensure_port_free("192.0.2.1", 1416)  # TEST-NET-1: never an address of this machine


def test_a_host_that_does_not_resolve_is_refused():
    with pytest.raises(CannotListen, match=re.escape("--host no-such-host.invalid does not resolve")):
        ensure_port_free("no-such-host.invalid", 1416)
