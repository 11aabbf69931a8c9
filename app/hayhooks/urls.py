"""URLs as logs show them: every secret they may carry masked (a Redis URL, an OTLP collector's endpoint)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_SECRET_QUERY = re.compile(r"(?i)^(.*pass.*|.*secret.*|.*token.*|.*key.*)$")  # password, ssl_password, ...


def redact_url(url: str) -> str:
    """``url`` without its secrets: the password of ``user:password@`` and any query argument naming one
    (redis-py takes ``?password=`` and ``?ssl_password=`` too). A bare ``user:password@host:port`` (how the gRPC
    exporter keeps its endpoint) is masked too."""
    if "//" not in url and "@" in url:
        return redact_url(f"//{url}")[2:]
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    query = "&".join(
        f"{name}=***" if _SECRET_QUERY.match(name) else f"{name}={value}" if sep else name
        for name, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
