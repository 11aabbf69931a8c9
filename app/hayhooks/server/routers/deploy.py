"""Deploy and undeploy over HTTP, with Hayhooks' paths and bodies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from hayhooks.logger import log
from hayhooks.pipelines.errors import (
    DeployDisabledError,
    DeployLogUnreachableError,
    HayhooksError,
    PipelineDefinitionError,
    PipelineExistsError,
)
from hayhooks.pipelines.registry import Deployment
from hayhooks.pipelines.sources import check_file_names, check_name
from hayhooks.server.deployer import Deployer
from hayhooks.server.replication import ERRORS as REDIS_ERRORS

router = APIRouter(tags=["config"])  # Hayhooks' tag


class _Named(BaseModel):
    name: str = Field(description="Pipeline name: 1-64 letters, digits, '_', '-' or '.', starting with a letter or "
                                  "digit; also its URL path segment")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return check_name(value)


class PipelineFilesRequest(_Named):
    files: dict[str, str] = Field(description="File name → content; must include pipeline_wrapper.py")
    overwrite: bool = Field(default=False, description="Replace a pipeline of the same name")
    save_files: bool = Field(default=True, description="Also write the files to the pipelines dir")

    @field_validator("files")
    @classmethod
    def _valid_files(cls, value: dict[str, str]) -> dict[str, str]:
        if "pipeline_wrapper.py" not in value:
            raise ValueError("missing required file: pipeline_wrapper.py")
        return check_file_names(value)


class YamlDeployRequest(_Named):
    source_code: str = Field(description="Haystack pipeline YAML that declares inputs and outputs")
    overwrite: bool = False
    description: str | None = None
    skip_mcp: bool = Field(default=False, description="Do not offer it as an MCP tool")
    save_file: bool = Field(default=True, description="Also write the YAML to the pipelines dir as {name}.yml")


class DeployResponse(BaseModel):
    name: str
    success: bool = True
    endpoint: str | None = None
    workers: dict[str, Any] | None = Field(
        default=None, description="How many workers applied it, which failed or did not answer in time"
    )
    warning: str | None = None


ONE_WORKER = (
    "Applied by this worker only: with {n} workers and no HAYHOOKS_REDIS_URL, the other workers do not see "
    "deploys made over HTTP (they load the pipelines dir at start). Set HAYHOOKS_REDIS_URL to reach them all."
)


async def replicate(
    state: Any, op: dict[str, Any], *, exclusive: bool = False
) -> tuple[dict[str, Any] | None, str | None]:
    """Record ``op`` for every worker (with Redis) and wait for them; else say it reached this worker only.

    ``exclusive``: a deploy without overwrite, refused (``PipelineExistsError``) if another worker or host
    recorded that name first. ``state`` is the app's state (its replicator and settings): deploys over MCP go
    through here too."""
    replicator = state.replicator
    workers = state.settings.workers
    if replicator is None:
        if workers > 1:
            warning = ONE_WORKER.format(n=workers)
            log.warning(warning)
            return {"workers": workers, "applied": 1, "failed": {}, "missing": []}, warning
        return None, None
    try:
        entry = await replicator.publish(op, exclusive=exclusive)
    except REDIS_ERRORS as exc:
        action = "undeployed" if op["op"] == "undeploy" else "deployed"
        log.warning("Could not record the {} of '{}' in the deploy log ({}): refused", op["op"], op["name"],
                    type(exc).__name__)
        raise DeployLogUnreachableError(op["name"], action, exc) from exc
    if entry is None:
        raise PipelineExistsError(op["name"])
    try:
        report = await replicator.wait_for(entry)
    except REDIS_ERRORS as exc:
        warning = (f"Recorded in the deploy log, but Redis stopped answering ({type(exc).__name__}) before every "
                   "worker confirmed it: the others apply it from the log once Redis answers")
        log.warning(warning)
        return None, warning
    warning = None
    if report["failed"] or report["missing"]:
        warning = f"Not applied by every worker: failed {report['failed']}, no answer from {report['missing']}"
    return report, warning


def previous_of(state: Any, name: str) -> Deployment | None:
    """What this worker serves under ``name`` before a deploy replaces it: what a rollback restores."""
    return state.registry.get(name) if name in state.registry else None


def _restoring(name: str, previous: Deployment | None) -> dict[str, Any]:
    if previous is None:
        return {"op": "undeploy", "name": name}
    if previous.source == "yaml":
        wrapper = previous.wrapper
        return {"op": "deploy_yaml", "name": name, "source": wrapper.source,  # type: ignore[attr-defined]
                "description": wrapper.description, "skip_mcp": wrapper.skip_mcp,  # type: ignore[attr-defined]
                "files": previous.files}
    return {"op": "deploy_files", "name": name, "files": previous.files}


async def _restore_locally(deployer: Deployer, op: dict[str, Any], *, save: bool) -> None:
    try:
        await deployer.apply(op, save=save)
    except HayhooksError as exc:
        log.error("Rolling back the deploy of '{}' failed in this worker: {}", op["name"], exc)


async def deploy_everywhere(
    state: Any, op: dict[str, Any], previous: Deployment | None, *, save: bool, overwrite: bool
) -> tuple[dict[str, Any] | None, str | None]:
    """Replicate a deploy this worker applied; if any worker could not load it, roll every worker back.

    A deploy fails as a whole: the caller gets the error, and every worker returns to what it served before
    (the previous version, or nothing), so no request meets a pipeline that only some workers serve. A deploy
    without ``overwrite`` that another worker or host recorded first is undone here, and refused (409).
    """
    try:
        report, warning = await replicate(state, op, exclusive=not overwrite)
    except PipelineExistsError:
        await state.deployer.undeploy_version(op["name"], op["files"])  # the name was free here: nothing to restore
        raise
    except DeployLogUnreachableError:
        await _restore_locally(state.deployer, _restoring(op["name"], previous), save=save)
        raise
    if report is None or not report["failed"]:
        return report, warning
    name, failed = op["name"], report["failed"]
    restore = _restoring(name, previous)
    await _restore_locally(state.deployer, restore, save=save)
    await replicate(state, restore)
    first = next(iter(failed.values())).removeprefix("error: ")
    outcome = "the previous version is served again" if previous is not None else "no worker serves it"
    log.error("Deploy of '{}' failed in {} of {} workers; rolled back", name, len(failed), report["workers"])
    raise PipelineDefinitionError(
        name, f"it failed in {len(failed)} of {report['workers']} workers ({', '.join(sorted(failed))}): {first}. "
        f"Rolled back: {outcome}"
    )


async def undeploy_everywhere(state: Any, name: str, *, transport: str) -> tuple[dict[str, Any] | None, str | None]:
    """Undeploy ``name`` here and record it for every worker; when it cannot be recorded, it is deployed here
    again (files saved as they were) and the caller gets the error."""
    deployer: Deployer = state.deployer
    previous, saved = previous_of(state, name), deployer.saved_files(name)
    await deployer.undeploy(name, transport=transport)
    try:
        return await replicate(state, {"op": "undeploy", "name": name})
    except DeployLogUnreachableError:
        if previous is not None:
            await _restore_locally(deployer, _restoring(name, previous), save=saved)
        raise


def _deployer(request: Request) -> Deployer:
    if request.app.state.settings.disable_http_deploy:
        raise DeployDisabledError()
    deployer: Deployer = request.app.state.deployer
    return deployer


@router.post("/deploy_files", response_model=DeployResponse, response_model_exclude_none=True,
             operation_id="pipeline_deploy", summary="Deploy files")
@router.post("/deploy-files", response_model=DeployResponse, response_model_exclude_none=True, include_in_schema=False)
async def deploy_files(body: PipelineFilesRequest, request: Request) -> DeployResponse:
    deployer, state = _deployer(request), request.app.state
    previous = previous_of(state, body.name)
    await deployer.deploy_files(body.name, body.files, overwrite=body.overwrite, save_files=body.save_files)
    op = {"op": "deploy_files", "name": body.name, "files": body.files}
    report, warning = await deploy_everywhere(state, op, previous, save=body.save_files, overwrite=body.overwrite)
    return DeployResponse(name=body.name, endpoint=f"/{body.name}/run", workers=report, warning=warning)


@router.post("/deploy-yaml", response_model=DeployResponse, response_model_exclude_none=True,
             operation_id="yaml_pipeline_deploy", summary="Deploy YAML")
async def deploy_yaml(body: YamlDeployRequest, request: Request) -> DeployResponse:
    deployer, state = _deployer(request), request.app.state
    previous = previous_of(state, body.name)
    deployment = await deployer.deploy_yaml(
        body.name, body.source_code, overwrite=body.overwrite, description=body.description, save_file=body.save_file,
        skip_mcp=body.skip_mcp,
    )
    op = {"op": "deploy_yaml", "name": body.name, "source": body.source_code, "description": body.description,
          "skip_mcp": body.skip_mcp, "files": deployment.files}
    report, warning = await deploy_everywhere(state, op, previous, save=body.save_file, overwrite=body.overwrite)
    return DeployResponse(name=body.name, endpoint=f"/{body.name}/run", workers=report, warning=warning)


@router.post("/undeploy/{pipeline_name}", operation_id="pipeline_undeploy", summary="Undeploy a pipeline",
             response_model=None)
async def undeploy(pipeline_name: str, request: Request) -> dict[str, object]:
    name = pipeline_name
    _deployer(request)
    report, warning = await undeploy_everywhere(request.app.state, name, transport="rest")
    body: dict[str, object] = {"success": True, "name": name}
    if report is not None:
        body["workers"] = report
    if warning is not None:
        body["warning"] = warning
    return body
