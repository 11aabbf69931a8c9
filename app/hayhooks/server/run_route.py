"""The ``POST /{name}/run`` route of one deployment: validate, run off the loop if sync, answer or stream.

No ``from __future__ import annotations`` here: FastAPI must see the request model itself in the endpoint's
signature, not a string naming a local variable.
"""

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import StreamingResponse

from hayhooks.pipelines.errors import PipelineRunError
from hayhooks.pipelines.registry import Deployment
from hayhooks.tracing import operations
from hayhooks.tracing.payload import payload_values


def route_name(pipeline: str) -> str:
    return f"run:{pipeline}"


def _text(chunk: Any) -> str:
    content = getattr(chunk, "content", chunk)
    return content if isinstance(content, str) else str(content)


async def _stream(result: Iterator[Any] | AsyncIterator[Any]) -> AsyncIterator[str]:
    source = result if hasattr(result, "__aiter__") else iterate_in_threadpool(result)  # type: ignore[arg-type]
    async for chunk in source:  # type: ignore[union-attr]
        yield _text(chunk)


async def call_run(deployment: Deployment, kwargs: dict[str, Any]) -> Any:
    """Run the deployment's ``run_api(_async)``; a sync one runs in the thread pool, never on the loop."""
    assert deployment.run_method is not None
    try:
        if deployment.run_is_async:
            return await deployment.run_method(**kwargs)
        return await run_in_threadpool(deployment.run_method, **kwargs)
    except HTTPException:
        raise
    except Exception as exc:
        raise PipelineRunError(deployment.name, exc) from exc


def build_run_route(deployment: Deployment, *, raw_payloads: bool = False) -> APIRoute:
    """An ``APIRoute`` whose body schema is the deployment's request model (so it shows in ``/docs``)."""
    request_model = deployment.request_model
    assert request_model is not None
    fields = tuple(request_model.model_fields)
    pass_headers = deployment.takes_headers

    async def run_pipeline(request: Request, body: request_model) -> Any:  # type: ignore[valid-type]
        kwargs = {name: getattr(body, name) for name in fields}
        operations.annotate(**{operations.PAYLOAD: payload_values(kwargs, raw=raw_payloads)})
        if pass_headers:
            kwargs["headers"] = request.headers
        result = await call_run(deployment, kwargs)
        if inspect.isgenerator(result) or inspect.isasyncgen(result):
            operations.annotate(**{operations.STREAMING: True})
            return StreamingResponse(_stream(result), media_type="text/plain; charset=utf-8")
        return {"result": result}

    return APIRoute(
        f"/{deployment.name}/run",
        run_pipeline,
        methods=["POST"],
        name=route_name(deployment.name),
        response_model=None if deployment.streams else deployment.response_model,
        summary=f"Run pipeline '{deployment.name}'",
        description=deployment.description or None,
        tags=["pipelines"],
        operation_id=f"{deployment.name}_run",
    )
