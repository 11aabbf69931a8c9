"""What of a request payload may go into a trace: shapes by default, redacted raw values on request.

``question=str(24), top_k=int, filters=dict(3)`` describes a payload without its content. Keys that name a
secret (api_key, token, authorization, password, secret, credential — as whole words of the key, so
``OPENAI_API_KEY`` and ``x-api-key`` are secret but ``keyword`` and ``max_tokens`` are not) are redacted in
every mode, at any depth.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from itertools import pairwise
from typing import Any

import orjson

REDACTED = "[REDACTED]"
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_|$)|[A-Z]?[a-z]+|\d+|[A-Z]+")
_SECRET_WORDS = frozenset(
    {"token", "authorization", "auth", "password", "passwd", "passphrase", "secret", "credential",
     "credentials", "apikey", "cookie"}
)
_SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key"), ("session", "key")})
MAX_DEPTH = 8
# Type checks on every traced request: tuples, not ``X | Y`` unions, which are rebuilt at each call (~0.5 µs).
_NUMBERS = (bool, int, float)
_SCALARS = (str, int, float, bool)
_SIZED = (str, bytes, list, tuple, dict, set, frozenset)
_SEQUENCES = (list, tuple, set, frozenset)
MAX_ITEMS = 50


def key_words(key: str) -> list[str]:
    """Split ``key`` into lower-case words at separators and camelCase humps (``xApiKey`` → x, api, key)."""
    return [word.lower() for word in _WORDS.findall(key)]


def is_sensitive(key: object) -> bool:
    if not isinstance(key, str):
        return False
    if len(key) <= _CACHED_KEY_LENGTH:
        return _is_sensitive_name(key)
    return _names_a_secret(key)


# Payloads use the same few keys request after request: their verdict is remembered (~2 µs a key saved per
# traced request). Only short keys, so that hostile payloads cannot fill the cache with megabytes of keys.
_CACHED_KEY_LENGTH = 64


def _names_a_secret(key: str) -> bool:
    words = key_words(key)
    if any(word in _SECRET_WORDS for word in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


_is_sensitive_name = lru_cache(maxsize=4096)(_names_a_secret)


def shape(value: Any) -> str:
    """``str(24)``, ``int``, ``dict(3)``: the type of ``value`` and, for sized values, its size."""
    if value is None:
        return "None"
    if isinstance(value, _NUMBERS):
        return type(value).__name__
    if isinstance(value, _SIZED):
        return f"{type(value).__name__}({len(value)})"
    return type(value).__name__


def redact(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` with secret keys replaced at any depth; deep or wide structures are cut short."""
    if depth >= MAX_DEPTH:
        return f"[depth>{MAX_DEPTH}: {shape(value)}]"
    if isinstance(value, Mapping):
        items = list(value.items())
        out = {
            str(k): REDACTED if is_sensitive(k) else redact(v, depth + 1) for k, v in items[:MAX_ITEMS]
        }
        if len(items) > MAX_ITEMS:
            out["…"] = f"+{len(items) - MAX_ITEMS} more"
        return out
    if isinstance(value, _SEQUENCES):
        seq = list(value)
        out_list = [redact(v, depth + 1) for v in seq[:MAX_ITEMS]]
        if len(seq) > MAX_ITEMS:
            out_list.append(f"+{len(seq) - MAX_ITEMS} more")
        return out_list
    if isinstance(value, _SCALARS) or value is None:
        return value
    if isinstance(value, bytes):
        return f"<bytes({len(value)})>"
    fields = getattr(value, "to_dict", None)
    if callable(fields):
        try:
            return redact(fields(), depth + 1)
        except Exception:
            pass
    return repr(value)


def cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[+{len(text) - limit} chars]"


def to_text(value: Any) -> str:
    """A compact text of an already redacted value: strings as they are, the rest as JSON."""
    return value if isinstance(value, str) else to_json(value)


def to_json(value: Any) -> str:
    try:
        return orjson.dumps(value, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return repr(value)


def payload_values(payload: Mapping[str, Any], *, raw: bool, limit: int = 2048) -> str:
    """The ``hayhooks.payload.values`` tag: ``key=shape`` pairs, or redacted raw values when ``raw``."""
    parts = []
    for key, value in payload.items():
        if is_sensitive(key):
            parts.append(f"{key}={REDACTED}")
        elif raw:
            parts.append(f"{key}={to_json(redact(value))}")
        else:
            parts.append(f"{key}={shape(value)}")
    return cap(", ".join(parts), limit)
