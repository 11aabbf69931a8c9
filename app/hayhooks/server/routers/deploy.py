"""Deploy and undeploy over HTTP, with Hayhooks' paths and bodies."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from hayhooks.pipelines.errors import DeployDisabledError
from hayhooks.pipelines.sources import check_file_names, check_name
from hayhooks.server.deployer import Deployer

router = APIRouter(tags=["deploy"])


class _Named(BaseModel):
    name: str = Field(description="Pipeline name: letters, digits, '_' and '-'; also its URL path segment")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return check_name(value)


class DeployFilesRequest(_Named):
    files: dict[str, str] = Field(description="File name → content; must include pipeline_wrapper.py")
    overwrite: bool = Field(default=False, description="Replace a pipeline of the same name")
    save_files: bool = Field(default=True, description="Also write the files to the pipelines dir")

    @field_validator("files")
    @classmethod
    def _valid_files(cls, value: dict[str, str]) -> dict[str, str]:
        if "pipeline_wrapper.py" not in value:
            raise ValueError("missing required file: pipeline_wrapper.py")
        return check_file_names(value)


class DeployYamlRequest(_Named):
    source_code: str = Field(description="Haystack pipeline YAML that declares inputs and outputs")
    overwrite: bool = False
    description: str | None = None
    skip_mcp: bool | None = None
    save_file: bool = Field(default=True, description="Also write the YAML to the pipelines dir as {name}.yml")


class DeployResponse(BaseModel):
    name: str
    success: bool = True
    endpoint: str


def _deployer(request: Request) -> Deployer:
    if request.app.state.settings.disable_http_deploy:
        raise DeployDisabledError()
    deployer: Deployer = request.app.state.deployer
    return deployer


@router.post("/deploy_files", response_model=DeployResponse, operation_id="deploy_files", summary="Deploy files")
@router.post("/deploy-files", response_model=DeployResponse, include_in_schema=False)
async def deploy_files(body: DeployFilesRequest, request: Request) -> DeployResponse:
    await _deployer(request).deploy_files(
        body.name, body.files, overwrite=body.overwrite, save_files=body.save_files
    )
    return DeployResponse(name=body.name, endpoint=f"/{body.name}/run")


@router.post("/deploy-yaml", response_model=DeployResponse, operation_id="deploy_yaml", summary="Deploy YAML")
async def deploy_yaml(body: DeployYamlRequest, request: Request) -> DeployResponse:
    await _deployer(request).deploy_yaml(
        body.name, body.source_code, overwrite=body.overwrite, description=body.description, save_file=body.save_file
    )
    return DeployResponse(name=body.name, endpoint=f"/{body.name}/run")


@router.post("/undeploy/{name}", operation_id="undeploy", summary="Undeploy a pipeline")
async def undeploy(name: str, request: Request) -> dict[str, object]:
    await _deployer(request).undeploy(name)
    return {"success": True, "name": name}
