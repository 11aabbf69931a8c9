"""Who may see the dashboard: a token when one is set, and never an open dashboard on a public interface.

The token travels as ``Authorization: Bearer <token>`` or as an HttpOnly cookie that the page obtains once
from ``POST <dashboard>/api/login`` (EventSource cannot send headers). The cookie holds an HMAC of the token,
not the token, and every comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections import deque
from collections.abc import Callable

from fastapi import HTTPException, Request

from hayhooks.logger import log
from hayhooks.settings import AppSettings

COOKIE = "hayhooks_dashboard"


def cookie_value(token: str) -> str:
    return hmac.new(token.encode(), b"hayhooks-dashboard-session", hashlib.sha256).hexdigest()


def token_matches(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode(), token.encode())


def _local_host(request: Request, settings: AppSettings) -> str:
    server = request.scope.get("server")
    return str(server[0]) if server else settings.host


def _arrived_from_outside(request: Request) -> bool:
    """Whether the request came in on a non-loopback interface, whatever the settings say: a server started
    another way (gunicorn's own ``--bind``, say) may listen more widely than ``HAYHOOKS_HOST``."""
    server = request.scope.get("server")
    if server is None:
        return False
    try:
        address = ipaddress.ip_address(server[0])
    except ValueError:  # a Unix socket, or a test client's made-up host: the settings decide
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket
    return not (mapped or address).is_loopback


def check_access(request: Request, settings: AppSettings) -> None:
    """Raise 401/403 unless ``request`` may read the dashboard."""
    if settings.dashboard_token is None:
        if not settings.loopback or _arrived_from_outside(request):
            where = settings.host if not settings.loopback else _local_host(request, settings)
            raise HTTPException(
                status_code=403,
                detail=f"The dashboard is off on a non-loopback interface ({where}) without a token: set "
                "HAYHOOKS_DASHBOARD_TOKEN, or listen on 127.0.0.1 only (HAYHOOKS_HOST=127.0.0.1, or --host).",
            )
        return
    token = settings.dashboard_token.get_secret_value()
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and token_matches(given.strip(), token):
        return
    cookie = request.cookies.get(COOKIE)
    if cookie is not None and hmac.compare_digest(cookie.encode(), cookie_value(token).encode()):
        return
    raise HTTPException(
        status_code=401,
        detail="This dashboard needs its token: send 'Authorization: Bearer <token>' or log in at "
        f"{settings.dashboard_path}/api/login.",
        headers={"WWW-Authenticate": "Bearer"},
    )


class LoginThrottle:
    """Wrong tokens from one client: after ``limit`` of them within ``window_s``, its logins are refused (429) until
    the window has passed, and the log says so once per window, so that guessing the token takes forever and is
    seen. Each worker counts its own (a client spread over N workers gets N times ``limit``)."""

    def __init__(self, limit: int = 10, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def wait_s(self, client: str) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        failures = self._recent(client)
        if failures is None or len(failures) < self.limit:
            return 0.0
        return max(0.0, failures[0] + self.window_s - self.clock())

    def failed(self, client: str) -> None:
        failures = self._recent(client)
        if failures is None:
            if len(self._failures) >= 10_000:  # bounded, whoever asks: the oldest client is forgotten
                self._failures.pop(next(iter(self._failures)))
            failures = self._failures[client] = deque()
        failures.append(self.clock())
        if len(failures) == self.limit:
            log.warning("{} wrong dashboard tokens from {} within {:.0f} s: its logins are refused for a while",
                        self.limit, client, self.window_s)

    def _recent(self, client: str) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is not None:
            while failures and failures[0] <= self.clock() - self.window_s:
                failures.popleft()
            if not failures:
                del self._failures[client]
                return None
        return failures
