"""A request body that a pipeline accepts, made from its request schema: the dashboard's "try it" command.

The first trace a new user makes should not be a 422: each required field gets a plain value of its type.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel

_PLAIN: dict[str, Any] = {"string": "hello", "integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}


@functools.lru_cache(maxsize=1024)  # the page asks again every few seconds; a deployment's model does not change
def example_body(model: type[BaseModel]) -> dict[str, Any]:
    """The required fields of ``model``'s JSON schema, each with its default, first enum value or a plain value
    (a dict shared between calls: not to be changed)."""
    try:
        schema = model.model_json_schema()
    except Exception:  # a schema pydantic cannot write (an odd annotation): no example rather than no dashboard
        return {}
    body = _value(schema, schema)
    return body if isinstance(body, dict) else {}


def _value(field: dict[str, Any], schema: dict[str, Any]) -> Any:
    if "default" in field:
        return field["default"]
    if field.get("enum"):
        return field["enum"][0]
    if "$ref" in field:  # a nested model or an enum
        return _value(schema.get("$defs", {}).get(field["$ref"].rsplit("/", 1)[-1], {}), schema)
    if "properties" in field:
        properties = field["properties"]
        return {name: _value(properties.get(name, {}), schema) for name in field.get("required", [])}
    for option in field.get("anyOf", []):
        if option.get("type") != "null":
            return _value(option, schema)
    return _PLAIN.get(field.get("type", "string"), "hello")
