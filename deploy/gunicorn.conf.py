"""Gunicorn settings for running hayhooks with several workers:

    gunicorn -c deploy/gunicorn.conf.py 'hayhooks.server.app:create_app()'

Every worker builds its own app after fork (``create_app()`` is called in the worker, not in the master):
its Redis connections, tracer provider, exporter thread and flusher task. Settings come from ``HAYHOOKS_*`` and
``OTEL_*`` variables; ``hayhooks run --workers N`` sets the same options itself.
"""

import os

bind = f"{os.environ.get('HAYHOOKS_HOST', '0.0.0.0')}:{os.environ.get('HAYHOOKS_PORT', '1416')}"
workers = int(os.environ.get("HAYHOOKS_WORKERS", "4"))
worker_class = "uvicorn_worker.UvicornWorker"
preload_app = False  # never build the app (threads, sockets) in the master
timeout = 120
graceful_timeout = int(os.environ.get("HAYHOOKS_GRACEFUL_SHUTDOWN_TIMEOUT", "10"))
keepalive = 5
errorlog = "-"
loglevel = os.environ.get("HAYHOOKS_LOG_LEVEL", "info").lower()
# hayhooks writes the access log itself: one line per request with its worker (pid) and trace id, so a log line
# leads to its trace. uvicorn's own access log stays off.
accesslog = None
os.environ.setdefault("HAYHOOKS_ACCESS_LOG", "true")


def on_starting(server):  # noqa: ANN001, ARG001 (gunicorn's hook signature)
    """Build the dashboard frontend once, in the master, before any worker starts (when it is enabled)."""
    from hayhooks.settings import AppSettings

    settings = AppSettings()
    if settings.dashboard_enabled:
        from hayhooks.dashboard.frontend import prepare

        frontend = prepare(settings)
        if frontend.dist is None:
            server.log.warning("Dashboard UI unavailable: %s", frontend.problem)


def post_fork(server, worker):  # noqa: ANN001
    server.log.info("worker %s started; it builds its app, connections and tracer now", worker.pid)
