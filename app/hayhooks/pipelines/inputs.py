"""``coerce_pipeline_inputs``: JSON inputs turned back into the Haystack objects a pipeline's sockets expect.

A request body arrives as plain JSON, so a ``ChatMessage`` or a ``Document`` is a dict by the time a wrapper sees
it. The pipeline's input sockets say what each input should be; a dict (or a list of dicts) bound for a socket
typed with a class that can rebuild itself — ``from_dict``, a pydantic model or a dataclass — is rebuilt.
"""

from __future__ import annotations

from dataclasses import is_dataclass
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter


def _rebuildable(type_: Any) -> set[type]:
    """The classes in ``type_`` (``T``, ``list[T]``, unions and optionals of them) that can rebuild a dict."""
    if get_origin(type_) in (Union, UnionType):
        return set().union(*(_rebuildable(arm) for arm in get_args(type_)))
    if get_origin(type_) is list:
        args = get_args(type_)
        return _rebuildable(args[0]) if args else set()
    if isinstance(type_, type) and (hasattr(type_, "from_dict") or issubclass(type_, BaseModel) or is_dataclass(type_)):
        return {type_}
    return set()


def _rebuild(value: dict[str, Any], cls: type) -> Any:
    if hasattr(cls, "from_dict"):  # Haystack's own deserialisation first
        return cls.from_dict(value)
    if issubclass(cls, BaseModel):
        return cls.model_validate(value)
    return TypeAdapter(cls).validate_python(value)


def _coerce(value: Any, socket_types: list[Any]) -> Any:
    if not (isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))):
        return value
    for type_ in socket_types:
        classes = _rebuildable(type_)
        if len(classes) > 1:
            names = ", ".join(sorted(cls.__name__ for cls in classes))
            raise ValueError(
                f"Cannot coerce input for socket type '{type_}': it allows several classes ({names}) and a JSON "
                "object does not say which one it is. Pass this input as an object of the class you mean."
            )
        if classes:
            (cls,) = classes
            if isinstance(value, dict):
                return _rebuild(value, cls)
            return [_rebuild(v, cls) if isinstance(v, dict) else v for v in value]
    return value


def coerce_pipeline_inputs(pipeline: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with dicts rebuilt into the classes of the sockets they are for.

    ``data`` is in either of ``Pipeline.run``'s formats, told apart the way it tells them apart: nested
    (``{"component": {"input": value}}``, when every value is a dict) or flat (``{"input": value}``, matched to
    every component that has that input). The result keeps the format. Raises ``ValueError`` for a dict bound for
    a socket whose type allows more than one such class.
    """
    if all(isinstance(value, dict) for value in data.values()):
        sockets_of = pipeline.inputs(include_components_with_connected_inputs=True)
        return {
            component: {
                name: _coerce(value, [sockets_of[component][name]["type"]] if name in sockets_of.get(component, {})
                              else [])
                for name, value in inputs.items()
            }
            for component, inputs in data.items()
        }
    sockets_of = pipeline.inputs()
    return {
        name: _coerce(value, [sockets[name]["type"] for sockets in sockets_of.values() if name in sockets])
        for name, value in data.items()
    }


__all__ = ["coerce_pipeline_inputs"]
