"""Deploy and undeploy pipelines in this worker: load (off the loop), register, add or drop the run route."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace

from hayhooks.logger import log
from hayhooks.pipelines.errors import PipelineDefinitionError, PipelineExistsError, PipelineNotFoundError
from hayhooks.pipelines.loader import WRAPPER_FILE, load_wrapper
from hayhooks.pipelines.registry import Deployment, PipelineRegistry
from hayhooks.pipelines.sources import check_file_names, check_name, read_folder, write_folder
from hayhooks.pipelines.yaml_wrapper import YAMLPipelineWrapper
from hayhooks.server.run_route import RunRoutes, build_run_route, route_name
from hayhooks.server.threads import run_sync
from hayhooks.settings import AppSettings
from hayhooks.tracing.operations import operation

YAML_SUFFIXES = (".yml", ".yaml")


class Deployer:
    """Owns this worker's registry and the routes derived from it; one deploy at a time."""

    def __init__(
        self, app: FastAPI, registry: PipelineRegistry, settings: AppSettings, tracer: trace.Tracer | None = None
    ) -> None:
        self.app = app
        self.tracer = tracer or trace.NoOpTracer()
        self.raw_payloads = settings.dashboard_trace_include_payload_values
        self.registry = registry
        self.pipelines_dir = settings.pipelines_dir
        self.load_errors: dict[str, str] = {}
        self.run_routes = RunRoutes()
        app.router.routes.insert(0, self.run_routes)
        self._lock = asyncio.Lock()
        self._workdir: Path | None = None  # made on the first deploy over HTTP: an app never used leaves nothing
        # Folders and files this deployer wrote and may remove again on undeploy.
        self._owned: dict[str, list[Path]] = {}

    async def load_dir(self) -> None:
        """Deploy every pipeline of the pipelines dir; a broken one is logged and skipped, the rest still load."""
        folder = self.pipelines_dir
        if not folder.is_dir():
            log.warning("Pipelines dir '{}' does not exist; starting with no pipelines", folder)
            return
        for entry in sorted(folder.iterdir()):
            if entry.is_dir() and (entry / WRAPPER_FILE).is_file():
                name, load = entry.name, self._deploy_folder(entry.name, entry, files=None)
            elif entry.is_file() and entry.suffix in YAML_SUFFIXES:
                name = entry.stem
                load = self._deploy_yaml(name, entry.read_text(encoding="utf-8"), description=None)
            else:
                continue
            try:
                with operation(self.tracer, "deploy", name, "startup"):
                    check_name(name)
                    await load
                log.info("Deployed pipeline '{}' from {}", name, entry)
            except (PipelineDefinitionError, ValueError) as exc:
                load.close()
                self.load_errors[name] = str(exc)
                log.error("Skipped pipeline from {}: {}", entry, exc)

    async def deploy_files(
        self,
        name: str,
        files: dict[str, str],
        *,
        overwrite: bool = False,
        save_files: bool = True,
        transport: str = "rest",
    ) -> Deployment:
        check_file_names(files)
        if WRAPPER_FILE not in files:
            raise PipelineDefinitionError(name, f"missing required file {WRAPPER_FILE}")
        with operation(self.tracer, "deploy", name, transport):
            return await self._deploy_files(name, files, overwrite=overwrite, save_files=save_files)

    async def _deploy_files(self, name: str, files: dict[str, str], *, overwrite: bool, save_files: bool) -> Deployment:
        async with self._lock:
            self._check_free(name, overwrite)
            if self._workdir is None:
                self._workdir = Path(tempfile.mkdtemp(prefix="hayhooks-"))
            staging = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self._workdir))
            await run_sync(write_folder, staging, files)
            try:
                deployment = await self._deploy_folder(name, staging, files=files)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            self._own(name, [staging])
            if save_files:
                target = self.pipelines_dir / name
                await run_sync(write_folder, target, files)
                self._owned[name].append(target)
            return deployment

    async def deploy_yaml(
        self,
        name: str,
        source: str,
        *,
        overwrite: bool = False,
        description: str | None = None,
        save_file: bool = True,
        skip_mcp: bool = False,
        transport: str = "rest",
    ) -> Deployment:
        with operation(self.tracer, "deploy", name, transport):
            return await self._deploy_yaml_and_save(name, source, overwrite, description, save_file, skip_mcp)

    async def _deploy_yaml_and_save(
        self, name: str, source: str, overwrite: bool, description: str | None, save_file: bool, skip_mcp: bool
    ) -> Deployment:
        async with self._lock:
            self._check_free(name, overwrite)
            deployment = await self._deploy_yaml(name, source, description=description, skip_mcp=skip_mcp)
            self._own(name, [])
            if save_file:
                target = self.pipelines_dir / f"{name}.yml"
                target.parent.mkdir(parents=True, exist_ok=True)
                await run_sync(target.write_text, source, "utf-8")
                self._owned[name].append(target)
            return deployment

    async def undeploy(self, name: str, *, transport: str = "rest") -> Deployment:
        """Remove the pipeline from this worker, and the files a deploy over HTTP saved for it.

        Pipelines loaded from the pipelines dir at start keep their files: undeploy never deletes what the
        user put there.
        """
        with operation(self.tracer, "undeploy", name, transport):
            return await self._undeploy(name)

    async def undeploy_version(self, name: str, files: dict[str, str]) -> None:
        """Undeploy ``name`` only if this worker still serves exactly ``files`` (a deploy being taken back: by
        then the deploy log may already have given this worker another version, which stays)."""
        with operation(self.tracer, "undeploy", name, "sync"):
            async with self._lock:
                if name in self.registry and self.registry.get(name).files == files:
                    self._remove(name)

    async def apply(self, op: dict[str, Any], *, save: bool = False) -> None:
        """Apply a deploy-log operation (``undeploy``, ``deploy_files``, ``deploy_yaml``) in this worker; a version
        it already serves exactly is left as it is. The log's replay and a deploy's rollback both come here."""
        name, registry = op["name"], self.registry
        if op["op"] == "undeploy":
            if name in registry:
                with contextlib.suppress(PipelineNotFoundError):
                    await self.undeploy(name, transport="sync")
            return
        files, skip_mcp = op["files"], bool(op.get("skip_mcp"))
        if name in registry and (served := registry.get(name)).files == files and served.wrapper.skip_mcp == skip_mcp:
            return  # already serving exactly this version (this worker took the request, or replays it)
        if op["op"] == "deploy_files":
            await self.deploy_files(name, files, overwrite=True, save_files=save, transport="sync")
        else:
            await self.deploy_yaml(name, op["source"], overwrite=True, description=op.get("description"),
                                   save_file=save, skip_mcp=skip_mcp, transport="sync")

    async def _undeploy(self, name: str) -> Deployment:
        async with self._lock:
            return self._remove(name)

    def _remove(self, name: str) -> Deployment:
        deployment = self.registry.remove(name)
        self._drop_route(name)
        self._release(name)
        return deployment

    async def aclose(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def _check_free(self, name: str, overwrite: bool) -> None:
        if name in self.registry and not overwrite:
            raise PipelineExistsError(name)

    async def _deploy_folder(self, name: str, folder: Path, *, files: dict[str, str] | None) -> Deployment:
        wrapper = await run_sync(load_wrapper, name, folder)
        if files is None:
            files = await run_sync(read_folder, folder)
        try:
            deployment = Deployment.of(name, wrapper, source="files", folder=folder, files=files)
        except TypeError as exc:
            raise PipelineDefinitionError(name, str(exc), WRAPPER_FILE) from exc
        return self._install(deployment)

    async def _deploy_yaml(
        self, name: str, source: str, *, description: str | None, skip_mcp: bool = False
    ) -> Deployment:
        wrapper = YAMLPipelineWrapper(name, source, description, skip_mcp=skip_mcp)
        await run_sync(wrapper.setup)
        return self._install(Deployment.of(name, wrapper, source="yaml", files={f"{name}.yml": source}))

    def _install(self, deployment: Deployment) -> Deployment:
        previous = self.registry.add(deployment)
        self._drop_route(deployment.name)
        if deployment.run_method is not None:
            route = build_run_route(deployment, raw_payloads=self.raw_payloads)
            self.app.router.routes.append(route)
            self.run_routes.add(route)
        self.app.openapi_schema = None
        self.load_errors.pop(deployment.name, None)
        if previous is not None:
            self._release(deployment.name)
        return deployment

    def _drop_route(self, name: str) -> None:
        self.run_routes.discard(name)
        wanted = route_name(name)
        self.app.router.routes[:] = [r for r in self.app.router.routes if getattr(r, "name", None) != wanted]
        self.app.openapi_schema = None

    def saved_files(self, name: str) -> bool:
        """Whether a deploy over HTTP saved files of ``name`` to the pipelines dir (an undeploy deletes them)."""
        return bool(self._owned.get(name))

    def _own(self, name: str, paths: list[Path]) -> None:
        self._owned[name] = paths

    def _release(self, name: str) -> None:
        for path in self._owned.pop(name, []):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
