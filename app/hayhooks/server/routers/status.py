"""``GET /status`` and ``GET /status/{pipeline_name}``: is the server up, and what does it serve."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from hayhooks.pipelines.registry import Deployment
from hayhooks.pipelines.wrapper import implements

router = APIRouter(tags=["status"])


class DeploymentSummary(BaseModel):
    """One deployed pipeline, as Hayhooks 2.1 describes it (this server runs every one bound to its request)."""

    name: str
    type: Literal["agent", "pipeline", "unknown"]
    execution_mode: Literal["durable", "request-bound"] = "request-bound"
    state: Literal["Loaded", "Healthy", "Degraded"] = "Loaded"
    description: str
    capabilities: list[str] = Field(description="run_api, chat_completion, responses, file_upload, mcp_eligible")


class StatusResponse(BaseModel):
    status: str = Field(description="'Up!' when the server answers")
    pipelines: list[str] = Field(description="Names of the deployed pipelines")
    errors: dict[str, str] = Field(
        default_factory=dict, description="Pipelines of the pipelines dir that failed to load, with the reason"
    )
    durable_mode: bool = Field(default=False, description="Hayhooks 2.1's durable execution: never, here")
    deployments: list[DeploymentSummary] = Field(default_factory=list)


def _summary(deployment: Deployment) -> DeploymentSummary:
    wrapper = deployment.wrapper
    flags = {
        "run_api": deployment.run_method is not None,
        "chat_completion": deployment.chats,
        "responses": deployment.answers_responses,
        "file_upload": implements(wrapper, "run_file_upload"),
        "mcp_eligible": deployment.is_tool,
    }
    pipeline = getattr(wrapper, "pipeline", None)
    kind = "agent" if type(pipeline).__name__ == "Agent" else "pipeline" if pipeline is not None else "unknown"
    return DeploymentSummary(name=deployment.name, type=kind, description=deployment.description,
                             capabilities=[name for name, on in flags.items() if on])


class PipelineStatusResponse(BaseModel):
    status: str
    pipeline: str


@router.get("/status", response_model=StatusResponse, operation_id="status_all", summary="Server status")
async def status_all(request: Request) -> StatusResponse:
    state = request.app.state
    return StatusResponse(status="Up!", pipelines=state.registry.names(), errors=state.deployer.load_errors,
                          deployments=[_summary(d) for d in sorted(state.registry, key=lambda d: d.name)])


@router.get(
    "/status/{pipeline_name}", response_model=PipelineStatusResponse, operation_id="status_pipeline",
    summary="Pipeline status",
)
async def status_pipeline(pipeline_name: str, request: Request) -> PipelineStatusResponse:
    request.app.state.registry.get(pipeline_name)
    return PipelineStatusResponse(status="Up!", pipeline=pipeline_name)
