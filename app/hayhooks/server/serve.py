"""Start the server: uvicorn in this process for one worker, gunicorn with uvicorn workers for more."""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from hayhooks.logger import log
from hayhooks.settings import AppSettings, unknown_variables

APP_FACTORY = "hayhooks.server.app:create_app"
# Linux spreads connections over the SO_REUSEPORT sockets of a port; BSD and macOS hand them all to one.
PER_WORKER_SOCKETS = sys.platform.startswith("linux")


def export_settings(settings: AppSettings) -> None:
    """Put ``settings`` in the environment, where every worker's ``AppSettings()`` reads them back."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is not None:
            os.environ[f"HAYHOOKS_{name.upper()}"] = _encode(value)


def _encode(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


class CannotListen(RuntimeError):
    """The server cannot bind the address it was given (a RuntimeError: gunicorn prints it as one line)."""


def ensure_port_free(host: str, port: int) -> None:
    """Bind the address once, without ``SO_REUSEPORT``, and let it go.

    Gunicorn's workers each bind their own ``SO_REUSEPORT`` socket, so a second server started on a taken port
    would not fail: it would join the first one's group and take a share of its connections. A plain bind fails
    while any socket holds the port, so this turns that (and an unknown host, a privileged port) into one clear
    error before anything starts.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CannotListen(f"--host {host} does not resolve to an address of this machine: {exc.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                reason = "is already in use by another process; stop it or choose another --port"
            else:
                reason = f"cannot be listened on: {exc.strerror}"
            raise CannotListen(f"{host}:{port} {reason}") from None


def serve(settings: AppSettings, *, reload: bool = False) -> None:
    """Serve in this process (one worker), or under gunicorn. ``reload``: one worker that uvicorn restarts when a
    file of the current folder or of the pipelines dir changes (a development aid)."""
    ensure_port_free(settings.host, settings.port)
    for name in unknown_variables(os.environ):
        log.warning("{} is set but is no setting of this server: it changes nothing (see docs/environment.md)", name)
    export_settings(settings)
    if settings.workers == 1:
        import uvicorn

        from hayhooks.server.http_protocol import PROTOCOL

        watched = [str(Path.cwd())] + ([str(settings.pipelines_dir)] if settings.pipelines_dir.is_dir() else [])
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            http=PROTOCOL,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            access_log=not settings.access_log,
            timeout_graceful_shutdown=settings.graceful_shutdown_timeout,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            reload=reload,
            reload_dirs=watched if reload else None,
        )
    else:
        _run_gunicorn(settings)


def drop_empty_listening_line(server: Any) -> None:
    """gunicorn logs "Listening at:  (pid)" with no address when each worker binds its own socket; ``log_listening``
    says where instead, once the workers are up."""
    if PER_WORKER_SOCKETS:
        server.log.error_log.addFilter(lambda record: not str(record.msg).startswith("Listening at: %s (%s)")
                                       or bool(record.args and record.args[0]))


def log_listening(server: Any) -> None:
    """gunicorn's own "Listening at:" line is empty when each worker binds its own socket: say it here."""
    if PER_WORKER_SOCKETS:
        server.log.info("Listening at: %s (one SO_REUSEPORT socket per worker)", ", ".join(server.cfg.bind))


def _run_gunicorn(settings: AppSettings) -> None:
    from gunicorn.app.base import BaseApplication

    from hayhooks.server.affinity import CpuPinning
    from hayhooks.server.gunicorn_worker import WORKER_CLASS, listen_once_started

    pinning = CpuPinning(settings.workers, settings.worker_cpu_affinity)
    if PER_WORKER_SOCKETS:
        listen_once_started()

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{settings.host}:{settings.port}",
                "workers": settings.workers,
                "worker_class": WORKER_CLASS,
                # Each worker binds its own socket and the kernel spreads new connections over them. With one
                # shared socket, whichever worker wakes first accepts a whole burst, and keep-alive clients then
                # stay pinned to it while the other workers idle. Only Linux balances SO_REUSEPORT sockets.
                "reuse_port": PER_WORKER_SOCKETS,
                "on_starting": drop_empty_listening_line,
                "when_ready": log_listening,
                "pre_fork": pinning.pre_fork,
                "post_fork": pinning.post_fork,
                "graceful_timeout": settings.graceful_shutdown_timeout,
                "timeout": 120,
                "loglevel": settings.log_level.lower(),
                "accesslog": None if settings.access_log else "-",
                # gunicorn's control socket is one path per user (~/.gunicorn/gunicorn.ctl): a second server on
                # the machine takes it over, and stopping either deletes it. Nothing here uses it.
                "control_socket_disable": True,
            }
            if settings.forwarded_allow_ips is not None:  # else gunicorn's default: FORWARDED_ALLOW_IPS, or 127.0.0.1
                options["forwarded_allow_ips"] = settings.forwarded_allow_ips
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # Called in each worker after fork (no preload): the app and its state are per worker.
            from hayhooks.server.app import create_app

            return create_app()

    _Gunicorn().run()
