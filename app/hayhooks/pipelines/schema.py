"""Request and response models derived from a ``run_api`` signature, as Hayhooks does.

The request body has one field per parameter (type from the annotation, default from the signature,
description from the docstring); the response is ``{"result": <return annotation>}``.
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Callable
from typing import Any

import docstring_parser
from pydantic import BaseModel, ConfigDict, Field, PydanticUndefinedAnnotation, create_model
from starlette.datastructures import Headers
from starlette.responses import Response

from hayhooks.pipelines.sse import SSEStream

_MODEL_CONFIG = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())
_STREAM_ORIGINS = {
    collections.abc.Generator,
    collections.abc.AsyncGenerator,
    collections.abc.Iterator,
    collections.abc.AsyncIterator,
    collections.abc.Iterable,
    collections.abc.AsyncIterable,
}


def describe(func: Callable[..., Any]) -> docstring_parser.Docstring:
    """The parsed docstring of ``func`` (empty when it has none)."""
    return docstring_parser.parse(inspect.getdoc(func) or "")


def takes_headers(func: Callable[..., Any]) -> bool:
    """Whether ``func`` asks for the request headers (``headers: Headers | None = None``, as Hayhooks allows)."""
    param = inspect.signature(func).parameters.get("headers")
    return param is not None and "Headers" in str(param.annotation)


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:
        return {}


def request_model(func: Callable[..., Any], model_name: str) -> type[BaseModel]:
    """A pydantic model of ``func``'s parameters, for validating the JSON body of a run request."""
    hints = _hints(func)
    docs = {p.arg_name: p.description for p in describe(func).params}
    fields: dict[str, Any] = {}
    for name, param in inspect.signature(func).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name == "headers" and takes_headers(func):
            continue
        annotation = hints.get(name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (annotation, Field(default=default, description=docs.get(name) or None))
    model = create_model(model_name, __config__=_MODEL_CONFIG, **fields)
    if not model.__pydantic_complete__:
        # An annotation naming something the module does not define: every request, and /openapi.json for
        # every pipeline, would fail on it later. Refused now, at deploy.
        try:
            model.model_rebuild()
        except PydanticUndefinedAnnotation as exc:
            raise TypeError(f"{func.__name__}'s signature names '{exc.name}', which its module does not define "
                            "(import it, or fix the annotation)") from exc
    return model


_SCALARS = frozenset({str, int, float, bool})


def arguments_reader(model: type[BaseModel], *, as_hayhooks: bool = True) -> Callable[[BaseModel], dict[str, Any]]:
    """How a validated body of ``model`` becomes ``run_api``'s keyword arguments.

    ``as_hayhooks``: as Hayhooks passes them, ``model_dump()``: nested models and dataclasses (``Document``,
    ``ChatMessage``) arrive as dicts, which wrappers written for Hayhooks index (``item["name"]``,
    ``Document(**d)``). Otherwise (the server's own YAML wrapper, whose components want the objects) the
    validated values as they are. Bodies of plain scalars, which a dump would return unchanged, are read field
    by field either way (~0.5 µs less a request).
    """
    fields = tuple(model.model_fields)
    if not as_hayhooks or all(f.annotation in _SCALARS for f in model.model_fields.values()):
        return lambda body: {name: getattr(body, name) for name in fields}
    return lambda body: body.model_dump()


def _return_annotation(func: Callable[..., Any]) -> Any:
    return _hints(func).get("return", inspect.signature(func).return_annotation)


def response_class(func: Callable[..., Any]) -> type[Response] | None:
    """The ``Response`` class ``func`` is annotated to return (``FileResponse``, say), if it is one."""
    annotation = _return_annotation(func)
    return annotation if inspect.isclass(annotation) and issubclass(annotation, Response) else None


def returns_stream(func: Callable[..., Any]) -> bool:
    """Whether ``func`` is annotated to return a generator, an ``SSEStream`` or a ``Response``: its answer goes
    out as it is, not wrapped in ``{"result": ...}`` JSON (and has no JSON schema)."""
    annotation = _return_annotation(func)
    origin = typing.get_origin(annotation) or annotation
    return origin in _STREAM_ORIGINS or origin is SSEStream or response_class(func) is not None


def response_model(func: Callable[..., Any], model_name: str) -> type[BaseModel]:
    """``{"result": <return annotation>}``; ``Any`` when the annotation is missing or a stream, or names a class
    pydantic can neither describe nor serialise (a plain class): such a result goes out as FastAPI encodes any
    object, and ``/openapi.json`` keeps working."""
    annotation = _return_annotation(func)
    if annotation is inspect.Signature.empty or returns_stream(func):
        annotation = Any
    description = describe(func).returns
    field = Field(description=description.description if description else None)
    model = create_model(model_name, __config__=_MODEL_CONFIG, result=(annotation, field))
    if annotation is not Any:
        try:
            model.model_json_schema()
        except Exception:
            model = create_model(model_name, __config__=_MODEL_CONFIG, result=(Any, field))
    return model


__all__ = [
    "Headers", "arguments_reader", "describe", "request_model", "response_class", "response_model", "returns_stream",
    "takes_headers",
]
