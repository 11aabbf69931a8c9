"""What is deployed in this worker: name → ``Deployment`` (the wrapper plus what the server derives from it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from hayhooks.pipelines import schema
from hayhooks.pipelines.errors import PipelineNotFoundError
from hayhooks.pipelines.wrapper import BasePipelineWrapper, implements


@dataclass(frozen=True)
class Deployment:
    """A deployed pipeline and the run method, models and description derived from its wrapper."""

    name: str
    source: Literal["files", "yaml"]
    wrapper: BasePipelineWrapper
    folder: Path | None = None
    files: dict[str, str] = field(default_factory=dict)
    run_method: Callable[..., Any] | None = None
    run_is_async: bool = False
    request_model: type[BaseModel] | None = None
    response_model: type[BaseModel] | None = None
    streams: bool = False
    takes_headers: bool = False
    description: str = ""
    arguments: Callable[[BaseModel], dict[str, Any]] | None = None  # a validated body → run_api's kwargs

    @classmethod
    def of(
        cls,
        name: str,
        wrapper: BasePipelineWrapper,
        *,
        source: Literal["files", "yaml"] = "files",
        folder: Path | None = None,
        files: dict[str, str] | None = None,
    ) -> Deployment:
        """Derive the run method (async preferred), request/response models and description of ``wrapper``."""
        method: Callable[..., Any] | None = None
        is_async = False
        if implements(wrapper, "run_api_async"):
            method, is_async = wrapper.run_api_async, True
        elif implements(wrapper, "run_api"):
            method = wrapper.run_api
        request_model = response_model = arguments = None
        description = ""
        streams = headers = False
        if method is not None:
            request_model = schema.request_model(method, f"{name}RunRequest")  # Hayhooks' names, in the OpenAPI too
            arguments = schema.arguments_reader(request_model, as_hayhooks=source == "files")
            response_model = schema.response_model(method, f"{name}RunResponse")
            doc = schema.describe(method)
            description = doc.short_description or ""
            streams = schema.returns_stream(method)
            headers = schema.takes_headers(method)
        return cls(
            name=name,
            source=source,
            wrapper=wrapper,
            folder=folder,
            files=dict(files or {}),
            run_method=method,
            run_is_async=is_async,
            request_model=request_model,
            response_model=response_model,
            streams=streams,
            takes_headers=headers,
            arguments=arguments,
            description=description or getattr(wrapper, "description", None) or "",
        )

    @property
    def chats(self) -> bool:
        """Whether it answers OpenAI chat completions."""
        return implements(self.wrapper, "run_chat_completion") or implements(self.wrapper, "run_chat_completion_async")

    @property
    def answers_responses(self) -> bool:
        """Whether it answers OpenAI's Responses API."""
        return implements(self.wrapper, "run_response") or implements(self.wrapper, "run_response_async")

    @property
    def answers_openai(self) -> bool:
        """Whether it answers as an OpenAI model: chat completions, or the Responses API."""
        return self.chats or self.answers_responses

    @property
    def is_tool(self) -> bool:
        """Whether it is an MCP tool: it has a run method and its wrapper does not opt out (``skip_mcp``)."""
        return self.run_method is not None and not getattr(self.wrapper, "skip_mcp", False)


class PipelineRegistry:
    """Name → deployment for one worker. Mutated only on the event loop, so it needs no lock."""

    def __init__(self) -> None:
        self._deployments: dict[str, Deployment] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._deployments

    def __iter__(self) -> Iterator[Deployment]:
        return iter(list(self._deployments.values()))

    def __len__(self) -> int:
        return len(self._deployments)

    def names(self) -> list[str]:
        return sorted(self._deployments)

    def get(self, name: str) -> Deployment:
        try:
            return self._deployments[name]
        except KeyError:
            raise PipelineNotFoundError(name) from None

    def add(self, deployment: Deployment) -> Deployment | None:
        """Register ``deployment``; return the one it replaced, if any."""
        previous = self._deployments.get(deployment.name)
        self._deployments[deployment.name] = deployment
        return previous

    def remove(self, name: str) -> Deployment:
        try:
            return self._deployments.pop(name)
        except KeyError:
            raise PipelineNotFoundError(name) from None
