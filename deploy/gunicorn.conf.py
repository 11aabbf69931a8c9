"""Gunicorn settings for running hayhooks with several workers:

    gunicorn -c deploy/gunicorn.conf.py 'hayhooks.server.app:create_app()'

Every worker builds its own app after fork (``create_app()`` is called in the worker, not in the master):
its Redis connections, tracer provider, exporter thread and flusher task. Settings come from ``HAYHOOKS_*`` and
``OTEL_*`` variables; ``hayhooks run --workers N`` sets the same options itself.
"""

import os
import sys

import typer

from hayhooks.cli import load_settings
from hayhooks.server.affinity import CpuPinning
from hayhooks.server.gunicorn_worker import listen_once_started
from hayhooks.server.serve import PER_WORKER_SOCKETS

# This file's defaults where the environment sets none: every interface, four workers.
_DEFAULTS = {"host": "0.0.0.0", "workers": 4}
try:  # checked once, here: a bad value is one line naming its variable, as with `hayhooks run`
    _settings = load_settings(**{k: v for k, v in _DEFAULTS.items() if f"HAYHOOKS_{k.upper()}" not in os.environ})
except typer.Exit as _exit:
    sys.exit(_exit.exit_code)

host, port, workers = _settings.host, _settings.port, _settings.workers
bind = f"{host}:{port}"
# Each worker on a CPU of its own while there are enough CPUs (HAYHOOKS_WORKER_CPU_AFFINITY=auto|off).
_pinning = CpuPinning(workers, _settings.worker_cpu_affinity)
worker_class = "hayhooks.server.gunicorn_worker.Worker"  # uvicorn's, sending each response in one write
# Each worker binds its own SO_REUSEPORT socket and the kernel spreads connections over them; with one shared
# socket the first worker to wake accepts a whole burst and keep-alive clients stay pinned to it. The flip side:
# gunicorn no longer fails on a taken port (it would join the other server's sockets), so on_starting checks.
reuse_port = PER_WORKER_SOCKETS  # as `hayhooks run` decides: only Linux balances SO_REUSEPORT sockets
if reuse_port:  # a worker listens once its app has started: none takes connections while loading its pipelines
    listen_once_started()
preload_app = False  # never build the app (threads, sockets) in the master
timeout = 120
graceful_timeout = _settings.graceful_shutdown_timeout
if _settings.forwarded_allow_ips is not None:  # proxies whose X-Forwarded-* headers are trusted
    forwarded_allow_ips = _settings.forwarded_allow_ips
keepalive = 5
errorlog = "-"
loglevel = _settings.log_level.lower()
# hayhooks writes the access log itself: one line per request with its worker (pid) and trace id, so a log line
# leads to its trace. uvicorn's own access log stays off.
accesslog = None
os.environ.setdefault("HAYHOOKS_ACCESS_LOG", "true")
# gunicorn's control socket is one path per user (~/.gunicorn/gunicorn.ctl): a second server on the machine takes it
# over, and stopping either deletes it. Nothing here uses it.
control_socket_disable = True


def on_starting(server):  # noqa: ANN001, ARG001 (gunicorn's hook signature)
    """Refuse a taken port, then build the dashboard frontend once, in the master, before any worker starts."""
    from hayhooks.server.serve import drop_empty_listening_line, ensure_port_free
    from hayhooks.settings import AppSettings

    ensure_port_free(host, port)
    drop_empty_listening_line(server)
    # The workers' apps read the interface from HAYHOOKS_HOST: whether the dashboard may go without a token, whether
    # MCP guards against DNS rebinding. They must see the one bound here, not their own default (127.0.0.1).
    os.environ["HAYHOOKS_HOST"] = host
    os.environ["HAYHOOKS_WORKERS"] = str(workers)  # how many share the view, for their warnings and /config

    settings = AppSettings()
    if settings.dashboard_enabled:
        from hayhooks.dashboard.frontend import prepare

        frontend = prepare(settings)
        if frontend.dist is None:
            server.log.warning("Dashboard UI unavailable: %s", frontend.problem)


def when_ready(server):  # noqa: ANN001
    """gunicorn's own "Listening at:" line is empty when each worker binds its own socket: say it here."""
    from hayhooks.server.serve import log_listening

    log_listening(server)


def pre_fork(server, worker):  # noqa: ANN001
    _pinning.pre_fork(server, worker)


def post_fork(server, worker):  # noqa: ANN001
    _pinning.post_fork(server, worker)
    server.log.info("worker %s started; it builds its app, connections and tracer now", worker.pid)
