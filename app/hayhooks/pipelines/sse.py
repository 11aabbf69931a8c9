"""``SSEStream``: what a ``run_api`` returns to stream its generator as server-sent events instead of plain text."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Any


@dataclass
class SSEStream:
    stream: Generator[Any, None, None] | AsyncGenerator[Any, None]


__all__ = ["SSEStream"]
