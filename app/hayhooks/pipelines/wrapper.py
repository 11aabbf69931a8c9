"""``BasePipelineWrapper``: the class users subclass in ``pipeline_wrapper.py``, as in Hayhooks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Generator
from typing import Any

from hayhooks.durable.context import NOT_PROVIDED


class BasePipelineWrapper(ABC):
    """Base class of a deployed pipeline.

    ``setup()`` builds ``self.pipeline``; ``run_api`` / ``run_api_async`` serve ``POST /{name}/run`` (their
    signature is the request schema, their docstring the description); ``run_chat_completion`` /
    ``run_chat_completion_async`` serve the OpenAI-compatible chat endpoints, ``run_response`` /
    ``run_response_async`` the Responses API and ``run_file_upload`` file uploads. A method left as defined here
    counts as not implemented.
    """

    skip_mcp: bool = False

    def __init__(self) -> None:
        self.pipeline: Any = None

    @abstractmethod
    def setup(self) -> None:
        """Build ``self.pipeline``; called once per worker before the pipeline takes requests."""

    def run_api(self) -> Any:
        raise NotImplementedError("run_api not implemented")

    async def run_api_async(self) -> Any:
        raise NotImplementedError("run_api_async not implemented")

    def run_chat_completion(self, model: str, messages: list[dict], body: dict) -> str | Generator:
        raise NotImplementedError("run_chat_completion not implemented")

    async def run_chat_completion_async(
        self, model: str, messages: list[dict], body: dict
    ) -> str | AsyncGenerator:
        raise NotImplementedError("run_chat_completion_async not implemented")

    def run_response(self, model: str, input_items: list[dict], body: dict) -> str | Generator:
        """Serves ``POST /v1/responses`` (OpenAI's Responses API) with the request's input items."""
        raise NotImplementedError("run_response not implemented")

    async def run_response_async(self, model: str, input_items: list[dict], body: dict) -> str | AsyncGenerator:
        raise NotImplementedError("run_response_async not implemented")

    def run_file_upload(self, filename: str | None, content_type: str | None, content: bytes, purpose: str) -> dict:
        """Keeps a file uploaded to ``POST /v1/files``; returns an OpenAI ``FileObject`` as a dict."""
        raise NotImplementedError("run_file_upload not implemented")

    # Hayhooks 2.1's durable execution, which this server does not provide: a wrapper that implements these is
    # refused when it loads, as Hayhooks refuses it outside its durable mode (see ``hayhooks.durable``).
    durable_revision: str | None = None
    durable_resume_model: Any = None

    def run_durable(self, context: Any, request: Any) -> Any:
        raise NotImplementedError(NOT_PROVIDED)

    async def run_durable_async(self, context: Any, request: Any) -> Any:
        raise NotImplementedError(NOT_PROVIDED)


RUN_METHODS = ("run_api", "run_api_async", "run_chat_completion", "run_chat_completion_async", "run_response",
               "run_response_async", "run_file_upload")


DURABLE_METHODS = ("run_durable", "run_durable_async")


def implements(wrapper: BasePipelineWrapper | type[BasePipelineWrapper], method: str) -> bool:
    """Whether ``wrapper`` (or its class) overrides ``method`` of ``BasePipelineWrapper``."""
    own = getattr(wrapper if isinstance(wrapper, type) else type(wrapper), method, None)
    return own is not None and own is not getattr(BasePipelineWrapper, method)
