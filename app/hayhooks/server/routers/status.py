"""``GET /status`` and ``GET /status/{pipeline_name}``: is the server up, and what does it serve."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

router = APIRouter(tags=["status"])


class StatusResponse(BaseModel):
    status: str = Field(description="'Up!' when the server answers")
    pipelines: list[str] = Field(description="Names of the deployed pipelines")
    errors: dict[str, str] = Field(
        default_factory=dict, description="Pipelines of the pipelines dir that failed to load, with the reason"
    )


class PipelineStatusResponse(BaseModel):
    status: str
    pipeline: str


@router.get("/status", response_model=StatusResponse, operation_id="status_all", summary="Server status")
async def status_all(request: Request) -> StatusResponse:
    state = request.app.state
    return StatusResponse(status="Up!", pipelines=state.registry.names(), errors=state.deployer.load_errors)


@router.get(
    "/status/{pipeline_name}", response_model=PipelineStatusResponse, operation_id="status_pipeline",
    summary="Pipeline status",
)
async def status_pipeline(pipeline_name: str, request: Request) -> PipelineStatusResponse:
    request.app.state.registry.get(pipeline_name)
    return PipelineStatusResponse(status="Up!", pipeline=pipeline_name)
