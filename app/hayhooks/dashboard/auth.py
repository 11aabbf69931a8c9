"""Who may see the dashboard: a token when one is set, and never an open dashboard on a public interface.

The token travels as ``Authorization: Bearer <token>`` or as an HttpOnly cookie that the page obtains once
from ``POST <dashboard>/api/login`` (EventSource cannot send headers). The cookie holds an HMAC of the token,
not the token, and every comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from fastapi import HTTPException, Request

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
