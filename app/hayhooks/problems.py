"""Validation errors said in one line: where and what is wrong, never the input values they quote."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def listed(errors: Sequence[Mapping[str, Any]], limit: int = 10) -> str:
    """``body.text: Field required; top_k: Input should be a valid integer``, at most ``limit`` of them (pydantic's
    and FastAPI's errors, or the JSON of a 422 answer's ``detail``)."""
    shown = "; ".join(f"{'.'.join(map(str, e.get('loc', ()))) or 'input'}: {e.get('msg')}" for e in errors[:limit])
    return shown + (f"; and {len(errors) - limit} more" if len(errors) > limit else "")
