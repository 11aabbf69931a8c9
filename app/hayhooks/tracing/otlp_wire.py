"""OTLP trace requests written straight to protobuf's wire format, five times faster than the SDK's encoder.

The OTLP exporters build an ``ExportTraceServiceRequest`` message object by object (a ``KeyValue`` and an
``AnyValue`` per attribute) and then serialise it: ~60 µs a span, on the exporter's thread but under the
worker's GIL, so a run request exported over OTLP cost more than the request itself. ``encode_request`` writes
the same bytes directly. The resource and instrumentation scope are written once per object and remembered;
spans are grouped by resource and scope the way the SDK groups them. What it writes must parse to the message
the SDK would build (``tests/unit/test_otlp_wire.py`` compares them); an attribute the SDK could not encode is
skipped, as the SDK skips it.

Field numbers are those of opentelemetry-proto's ``trace/v1``, ``common/v1`` and ``resource/v1``.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind

_logger = logging.getLogger(__name__)

_pack_double = struct.Struct("<d").pack
_pack_fixed64 = struct.Struct("<Q").pack
_pack_fixed32 = struct.Struct("<I").pack
_KINDS = {
    SpanKind.INTERNAL: 1,
    SpanKind.SERVER: 2,
    SpanKind.CLIENT: 3,
    SpanKind.PRODUCER: 4,
    SpanKind.CONSUMER: 5,
}
_HAS_IS_REMOTE = 0x100
_IS_REMOTE = 0x200
_INT64 = (-(1 << 63), 1 << 63)


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_SMALL = [bytes((n,)) for n in range(0x80)]
_TAGS = [_varint(n << 3 | 2) for n in range(17)]


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field: a string, bytes or an embedded message."""
    size = len(payload)
    return _TAGS[number] + (_SMALL[size] if size < 0x80 else _varint(size)) + payload


def _any_value(value: Any) -> bytes:
    kind = type(value)
    if kind is str:
        return _field(1, value.encode("utf-8"))
    if kind is bool:
        return b"\x10\x01" if value else b"\x10\x00"
    if kind is int:
        if not _INT64[0] <= value < _INT64[1]:
            raise ValueError(f"{value} does not fit in an int64")
        return b"\x18" + _varint(value)
    if kind is float:
        return b"\x21" + _pack_double(value)
    if value is None:
        return b""
    # Subclasses (an IntEnum, a str subclass) are written as their base value, as protobuf stores them.
    if isinstance(value, str):
        return _field(1, str.encode(value, "utf-8"))
    if isinstance(value, int):
        return _any_value(int(value))
    if isinstance(value, float):
        return _any_value(float(value))
    if isinstance(value, bytes):
        return _field(7, bytes(value))
    if isinstance(value, Sequence):
        return _field(5, b"".join(_field(1, _any_value(v)) for v in value))
    if isinstance(value, Mapping):
        return _field(6, b"".join(_field(1, _key_value(str(k), v)) for k, v in value.items()))
    raise TypeError(f"Invalid type {type(value)} of value {value}")


_KEYS: dict[str, bytes] = {}


def _key_value(key: str, value: Any) -> bytes:
    encoded_key = _KEYS.get(key)
    if encoded_key is None:
        encoded_key = _field(1, key.encode("utf-8"))
        if len(_KEYS) < 4096:  # attribute keys repeat; a bound keeps odd keys from growing it
            _KEYS[key] = encoded_key
    if type(value) is str:  # most attributes: KeyValue{key, AnyValue{string_value}} without the general path
        text = value.encode("utf-8")
        size = len(text)
        if size < 0x7E:
            return encoded_key + b"\x12" + _SMALL[size + 2] + b"\x0a" + _SMALL[size] + text
    return encoded_key + _field(2, _any_value(value))


def _attributes(number: int, attributes: Mapping[str, Any] | None) -> bytes:
    if not attributes:
        return b""
    out = []
    for key, value in attributes.items():
        try:
            out.append(_field(number, _key_value(key, value)))
        except Exception as error:  # the SDK's encoder logs and skips such an attribute too
            _logger.exception("Failed to encode key %s: %s", key, error)
    return b"".join(out)


def _count(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


def _flags(parent: SpanContext | None) -> int:
    return _HAS_IS_REMOTE | _IS_REMOTE if parent is not None and parent.is_remote else _HAS_IS_REMOTE


def _trace_state(context: SpanContext) -> bytes:
    state = context.trace_state
    if not state:
        return b""
    return _field(3, ",".join(f"{key}={value}" for key, value in state.items()).encode())


def _span(span: ReadableSpan) -> bytes:
    context = span.get_span_context()
    parent = span.parent
    parts = [
        b"\x0a\x10" + context.trace_id.to_bytes(16, "big"),
        b"\x12\x08" + context.span_id.to_bytes(8, "big"),
        _trace_state(context),
        b"\x22\x08" + parent.span_id.to_bytes(8, "big") if parent is not None else b"",
        _field(5, span.name.encode("utf-8")) if span.name else b"",
        b"\x30" + _varint(_KINDS[span.kind]),
        b"\x39" + _pack_fixed64(span.start_time) if span.start_time else b"",
        b"\x41" + _pack_fixed64(span.end_time) if span.end_time else b"",
        _attributes(9, span.attributes),
        _count(10, span.dropped_attributes),
    ]
    for event in span.events:
        parts.append(_field(11, b"".join((
            b"\x09" + _pack_fixed64(event.timestamp) if event.timestamp else b"",
            _field(2, event.name.encode("utf-8")) if event.name else b"",
            _attributes(3, event.attributes),
            _count(4, event.dropped_attributes),
        ))))
    parts.append(_count(12, span.dropped_events))
    for link in span.links:
        parts.append(_field(13, b"".join((
            b"\x0a\x10" + link.context.trace_id.to_bytes(16, "big"),
            b"\x12\x08" + link.context.span_id.to_bytes(8, "big"),
            _attributes(4, link.attributes),
            _count(5, link.dropped_attributes),
            b"\x35" + _pack_fixed32(_flags(link.context)),
        ))))
    parts.append(_count(14, span.dropped_links))
    status = span.status
    parts.append(_field(15, b"".join((
        _field(2, status.description.encode("utf-8")) if status.description else b"",
        _count(3, status.status_code.value),
    ))))
    parts.append(b"\x85\x01" + _pack_fixed32(_flags(parent)))  # field 16, fixed32
    return b"".join(parts)


_RESOURCES: dict[int, tuple[Resource, bytes]] = {}
_SCOPES: dict[int, tuple[InstrumentationScope | None, bytes]] = {}


def _resource(resource: Resource) -> bytes:
    cached = _RESOURCES.get(id(resource))
    if cached is None or cached[0] is not resource:
        cached = _RESOURCES[id(resource)] = (resource, _field(1, _attributes(1, resource.attributes)))
        if len(_RESOURCES) > 64:
            _RESOURCES.pop(next(iter(_RESOURCES)))
    return cached[1]


def _scope(scope: InstrumentationScope | None) -> bytes:
    cached = _SCOPES.get(id(scope))
    if cached is None or cached[0] is not scope:
        if scope is None:
            body = b""
        else:
            body = b"".join((
                _field(1, scope.name.encode()) if scope.name else b"",
                _field(2, scope.version.encode()) if scope.version else b"",
                _attributes(3, scope.attributes),
            ))
        cached = _SCOPES[id(scope)] = (scope, _field(1, body))
        if len(_SCOPES) > 256:
            _SCOPES.pop(next(iter(_SCOPES)))
    return cached[1]


def encode_request(spans: Iterable[ReadableSpan]) -> bytes:
    """The serialised ``ExportTraceServiceRequest`` for ``spans``."""
    # Grouped by resource object first: hashing a Resource serialises its attributes to JSON, every time.
    by_resource: dict[int, tuple[Resource, dict[InstrumentationScope | None, list[bytes]]]] = {}
    for span in spans:
        resource = span.resource
        group = by_resource.get(id(resource))
        if group is None:
            group = by_resource[id(resource)] = (resource, {})
        group[1].setdefault(span.instrumentation_scope or None, []).append(_span(span))
    groups = list(by_resource.values())
    if len(groups) > 1:
        groups = _merge_equal(groups)
    out = []
    for resource, scopes in groups:
        body = [_resource(resource)]
        for scope, encoded in scopes.items():
            scope_spans = [_scope(scope), *(_field(2, s) for s in encoded)]
            if scope is not None and scope.schema_url:
                scope_spans.append(_field(3, scope.schema_url.encode()))
            body.append(_field(2, b"".join(scope_spans)))
        if resource.schema_url:
            body.append(_field(3, resource.schema_url.encode()))
        out.append(_field(1, b"".join(body)))
    return b"".join(out)


def _merge_equal(
    groups: list[tuple[Resource, dict[InstrumentationScope | None, list[bytes]]]],
) -> list[tuple[Resource, dict[InstrumentationScope | None, list[bytes]]]]:
    """Distinct but equal resources in one group, as the SDK's encoder (which keys them by value) has them."""
    merged: dict[Resource, dict[InstrumentationScope | None, list[bytes]]] = {}
    for resource, scopes in groups:
        into = merged.setdefault(resource, {})
        for scope, encoded in scopes.items():
            into.setdefault(scope, []).extend(encoded)
    return list(merged.items())
