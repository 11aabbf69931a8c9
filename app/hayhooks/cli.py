"""The ``hayhooks`` command: run the server, and talk to a running one (status, deploy, undeploy, run)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError

from hayhooks.problems import listed
from hayhooks.settings import HAYHOOKS_2_NAMES, AppSettings

app = typer.Typer(
    help="Serve Haystack pipelines over HTTP, with a live trace dashboard.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
pipeline_app = typer.Typer(help="Deploy, undeploy and run pipelines on a running server.", no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")
mcp_app = typer.Typer(help="Serve the pipelines as MCP tools.", no_args_is_help=True)
app.add_typer(mcp_app, name="mcp")


def fail(message: str) -> typer.Exit:
    """Print one line to stderr and return the exit to raise."""
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def load_settings(**overrides: Any) -> AppSettings:
    """Settings from ``HAYHOOKS_*`` with the command line's non-empty options on top; bad values end in one line."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        base = AppSettings()
    except ValidationError as exc:  # the environment's values alone: the fault is a variable's
        raise _bad_setting(exc, {}) from None
    except SettingsError as exc:  # a list or dict variable that is not JSON
        match = re.search(r'field "(\w+)"', str(exc))
        variable = f"HAYHOOKS_{match[1].upper()}" if match else "A HAYHOOKS_* variable"
        shown = f" {os.environ.get(variable)!r}" if match and match[1] not in _SECRETS else ""
        raise fail(f"{variable} has value{shown}, which is not JSON: give a JSON list, e.g. '[\"a\", \"b\"]'") from None
    try:
        return AppSettings.model_validate(base.model_dump() | given)
    except ValidationError as exc:
        raise _bad_setting(exc, given) from None


def _bad_setting(exc: ValidationError, given: dict[str, Any]) -> typer.Exit:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    value = "a value" if field in _SECRETS else f"value {error.get('input')!r}"
    reason = error["msg"].removeprefix("Value error, ")
    return fail(f"{_source_of(field, given)} has {value}: {reason}")


def _source_of(field: str, overrides: dict[str, Any]) -> str:
    """Where a setting's bad value came from, as the user wrote it: the command's option, the variable set (this
    server's name, or Hayhooks 2.1's that stands for it), else this server's variable name."""
    if overrides.get(field) is not None:
        return _OPTIONS.get(field, f"--{field.replace('_', '-')}")
    variable = f"HAYHOOKS_{field.upper()}"
    if variable not in os.environ:
        for old, target in HAYHOOKS_2_NAMES.items():
            if target == field and old in os.environ:
                return f"{old} (Hayhooks 2.1's name for {variable})"
    return variable


# Options whose names are not their setting's.
_OPTIONS = {"dashboard_enabled": "--with-tracing-dashboard", "mcp_port": "--port", "mcp_host": "--host"}

# Settings whose values are never echoed: those typed as secrets.
_SECRETS = frozenset(name for name, field in AppSettings.model_fields.items() if "SecretStr" in str(field.annotation))


def _serve(settings: AppSettings, *, reload: bool = False) -> None:
    from hayhooks.server.serve import CannotListen, serve

    try:
        serve(settings, reload=reload)
    except CannotListen as exc:
        raise fail(str(exc)) from None


@app.command()
def run(
    host: Annotated[
        str | None, typer.Option("--host", "-h", help="Interface to bind [env HAYHOOKS_HOST, default 127.0.0.1]")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", "-p", help="Port [env HAYHOOKS_PORT, default 1416]")] = None,
    pipelines_dir: Annotated[
        Path | None,
        typer.Option("--pipelines-dir", "-d", help="Pipelines to deploy at start [env HAYHOOKS_PIPELINES_DIR]"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Worker processes; >1 runs gunicorn [env HAYHOOKS_WORKERS]")
    ] = None,
    root_path: Annotated[str | None, typer.Option(help="Path prefix behind a proxy [env HAYHOOKS_ROOT_PATH]")] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(help="Proxies whose X-Forwarded-* headers are trusted, e.g. 10.0.0.5 or 10.0.0.0/8 "
                          "[env HAYHOOKS_FORWARDED_ALLOW_IPS, default 127.0.0.1]"),
    ] = None,
    additional_python_path: Annotated[
        str | None, typer.Option(help="Extra folder on sys.path for wrappers [env HAYHOOKS_ADDITIONAL_PYTHON_PATH]")
    ] = None,
    with_tracing_dashboard: Annotated[
        bool | None,
        typer.Option("--with-tracing-dashboard/--without-tracing-dashboard", "--with-tracing/--without-tracing",
                     "--with-dashboard", "--tracing-dashboard",
                     help="Capture traces and serve /dashboard; also --with-tracing (Hayhooks 2.1's name),"
                          " --with-dashboard, --tracing-dashboard [env HAYHOOKS_DASHBOARD_ENABLED]",
                     show_default=False),
    ] = None,
    dashboard_path: Annotated[
        str | None, typer.Option(help="Where the dashboard is served [env HAYHOOKS_DASHBOARD_PATH, default /dashboard]")
    ] = None,
    reload: Annotated[
        bool, typer.Option("--reload", "-r", help="Restart when a file of the pipelines dir or this folder changes")
    ] = False,
    redis_url: Annotated[
        str | None, typer.Option(help="Share traces (and deploys) through this Redis [env HAYHOOKS_REDIS_URL]")
    ] = None,
) -> None:
    """Run the server."""
    settings = load_settings(
        host=host,
        port=port,
        pipelines_dir=pipelines_dir,
        workers=workers,
        root_path=root_path,
        forwarded_allow_ips=forwarded_allow_ips,
        additional_python_path=additional_python_path,
        dashboard_enabled=with_tracing_dashboard,
        dashboard_path=dashboard_path,
        redis_url=redis_url,
    )
    if pipelines_dir is not None and not pipelines_dir.is_dir():
        raise fail(f"--pipelines-dir {pipelines_dir} is not a directory")
    if reload and settings.workers > 1:
        raise fail("--reload runs one process: leave out --workers (or HAYHOOKS_WORKERS) to use it")
    if dashboard_path and not settings.dashboard_enabled:
        typer.secho("Warning: --dashboard-path without --with-tracing-dashboard: no dashboard is served",
                    fg=typer.colors.YELLOW, err=True)
    if settings.dashboard_enabled:
        from hayhooks.dashboard.frontend import prepare

        frontend = prepare(settings)  # builds once, here, before any worker starts
        if frontend.dist is None:
            typer.secho(f"Warning: {frontend.problem}", fg=typer.colors.YELLOW, err=True)
        if not settings.loopback and settings.dashboard_token is None:
            typer.secho(f"Warning: the dashboard refuses every request (403) on {settings.host} without a token: set "
                        "HAYHOOKS_DASHBOARD_TOKEN, or run with --host 127.0.0.1", fg=typer.colors.YELLOW, err=True)
        else:
            typer.secho(
                f"Dashboard: http://{settings.local_host}:{settings.port}{settings.root_path}{settings.dashboard_path}/",
                fg=typer.colors.GREEN, err=True,
            )
    _serve(settings, reload=reload)


@mcp_app.command("run")
def mcp_run(
    host: Annotated[
        str | None, typer.Option("--host", "-h", help="Interface to bind [env HAYHOOKS_MCP_HOST, default 127.0.0.1]")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", "-p", help="Port [env HAYHOOKS_MCP_PORT, default 1417]")] = None,
    pipelines_dir: Annotated[
        Path | None,
        typer.Option("--pipelines-dir", "-d", help="Pipelines to serve as tools [env HAYHOOKS_PIPELINES_DIR]"),
    ] = None,
    additional_python_path: Annotated[
        str | None, typer.Option(help="Extra folder on sys.path for wrappers [env HAYHOOKS_ADDITIONAL_PYTHON_PATH]")
    ] = None,
    json_response: Annotated[
        bool,
        typer.Option("--json-response", "-j",
                     help="Answer with plain JSON, not an event stream [env HAYHOOKS_MCP_JSON_RESPONSE]"),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Log at DEBUG and show tracebacks in error answers")] = False,
) -> None:
    """Serve the pipelines as MCP tools: streamable HTTP at /mcp, legacy SSE at /sse."""
    base = load_settings(pipelines_dir=pipelines_dir, mcp_host=host, mcp_port=port,
                         additional_python_path=additional_python_path,
                         mcp_json_response=True if json_response else None,
                         log_level="DEBUG" if debug else None, show_tracebacks=True if debug else None)
    if pipelines_dir is not None and not pipelines_dir.is_dir():
        raise fail(f"--pipelines-dir {pipelines_dir} is not a directory")
    _serve(load_settings(**(base.model_dump() | {"host": base.mcp_host, "port": base.mcp_port, "mcp_mount": True,
                                                "workers": 1})))


ServerOption = Annotated[
    str | None,
    typer.Option("--server", help="URL of the running server [default http(s)://HAYHOOKS_HOST:HAYHOOKS_PORT]"),
]


def _client(server: str | None) -> Any:
    import httpx

    settings = load_settings()
    if server is None:
        scheme = "https" if settings.use_https else "http"
        server = f"{scheme}://{settings.local_host}:{settings.port}{settings.root_path}"
    elif "://" not in server:  # localhost:1416, as one would type it
        server = f"http://{server}"
    return httpx.Client(base_url=server, timeout=float(os.environ.get("HAYHOOKS_CLI_TIMEOUT", "120")),
                        verify=not settings.disable_ssl)


def _call(server: str | None, method: str, path: str, **kwargs: Any) -> Any:
    import httpx

    with _client(server) as client:
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise fail(f"cannot reach the server at {client.base_url}: {exc}") from None
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if response.is_error:
        detail = body.get("detail", body) if isinstance(body, dict) else body
        if isinstance(detail, list):  # FastAPI validation errors
            detail = listed(detail)
        raise fail(f"{response.status_code}: {detail}")
    return body


def _print(body: Any) -> None:
    typer.echo(json.dumps(body, indent=2) if not isinstance(body, str) else body)


@app.command()
def status(server: ServerOption = None) -> None:
    """Show whether the server is up and which pipelines it serves."""
    body = _call(server, "GET", "/status")
    typer.echo(f"Server is {body['status']}  pipelines: {', '.join(body['pipelines']) or 'none'}")
    for name, error in body.get("errors", {}).items():
        typer.secho(f"  failed to load {name}: {error}", fg=typer.colors.YELLOW)


@pipeline_app.command("deploy-files")
def deploy_files(
    folder: Annotated[Path, typer.Argument(help="Folder with pipeline_wrapper.py and its other files")],
    name: Annotated[str | None, typer.Option("--name", "-n", help="Pipeline name [default: folder name]")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", "-o", help="Replace a pipeline of the same name")] = False,
    skip_saving_files: Annotated[
        bool, typer.Option("--skip-saving-files", "-s", help="Do not write the files to the server's folder")
    ] = False,
    server: ServerOption = None,
) -> None:
    """Deploy a pipeline wrapper folder."""
    from hayhooks.pipelines.sources import read_folder

    if not folder.is_dir():
        raise fail(f"{folder} is not a directory")
    files = read_folder(folder)
    body = {"name": name or folder.resolve().name, "files": files, "overwrite": overwrite,
            "save_files": not skip_saving_files}
    result = _call(server, "POST", "/deploy_files", json=body)
    typer.echo(f"Deployed '{result['name']}' at {result['endpoint']}")


@pipeline_app.command("deploy-yaml")
def deploy_yaml(
    file: Annotated[Path, typer.Argument(help="Haystack YAML pipeline with inputs and outputs")],
    name: Annotated[str | None, typer.Option("--name", "-n", help="Pipeline name [default: file stem]")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", "-o", help="Replace a pipeline of the same name")] = False,
    description: Annotated[str | None, typer.Option(help="Description shown in /docs and MCP")] = None,
    skip_mcp: Annotated[bool, typer.Option("--skip-mcp", help="Do not offer it as an MCP tool")] = False,
    save_file: Annotated[
        bool, typer.Option("--save-file/--no-save-file", help="Write the YAML to the server's folder")
    ] = True,
    skip_saving_files: Annotated[bool, typer.Option(help="Same as --no-save-file")] = False,
    server: ServerOption = None,
) -> None:
    """Deploy a YAML pipeline."""
    if not file.is_file():
        raise fail(f"{file} is not a file")
    body = {"name": name or file.stem, "source_code": file.read_text(encoding="utf-8"), "overwrite": overwrite,
            "description": description, "save_file": save_file and not skip_saving_files, "skip_mcp": skip_mcp}
    result = _call(server, "POST", "/deploy-yaml", json=body)
    typer.echo(f"Deployed '{result['name']}' at {result['endpoint']}")


@pipeline_app.command()
def undeploy(name: Annotated[str, typer.Argument(help="Pipeline name")], server: ServerOption = None) -> None:
    """Undeploy a pipeline."""
    _call(server, "POST", f"/undeploy/{name}")
    typer.echo(f"Undeployed '{name}'")


def _parse_param(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise fail(f"--param {text!r} must look like key=value")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def _uploads(files: list[Path], folders: list[Path]) -> dict[str, Path]:
    """Upload name → path: each file by its name, each folder's files (hidden ones left out) by their path in it."""
    found: dict[str, Path] = {}
    for path in files:
        if not path.is_file():
            raise fail(f"{path} is not a file")
        found[path.name] = path
    for folder in folders:
        if not folder.is_dir():
            raise fail(f"{folder} is not a directory")
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                found[str(path.relative_to(folder))] = path
    return found


def _stream(server: str | None, path: str, body: dict[str, Any]) -> None:
    import httpx

    with _client(server) as client:
        try:
            with client.stream("POST", path, json=body) as response:
                if response.is_error:
                    response.read()
                    raise fail(f"{response.status_code}: {response.text}")
                for text in response.iter_text():
                    typer.echo(text, nl=False)
        except httpx.HTTPError as exc:
            raise fail(f"cannot reach the server at {client.base_url}: {exc}") from None
    typer.echo()


@pipeline_app.command("run")
def run_pipeline(
    name: Annotated[str, typer.Argument(help="Pipeline name")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="key=value (JSON values are parsed); repeat it")
    ] = None,
    file: Annotated[
        list[Path] | None, typer.Option("--file", "-f", help="A file to upload as `files`; repeat it")
    ] = None,
    directory: Annotated[
        list[Path] | None, typer.Option("--dir", "-d", help="A folder whose files are all uploaded; repeat it")
    ] = None,
    stream: Annotated[bool, typer.Option("--stream", "-s", help="Print a streamed answer as it arrives")] = False,
    server: ServerOption = None,
) -> None:
    """Run a pipeline with the given parameters (and files) and print its result."""
    body = dict(_parse_param(p) for p in param or [])
    uploads = _uploads(file or [], directory or [])
    if stream:
        if uploads:
            raise fail("--stream sends JSON and cannot upload files: leave out --file/--dir or --stream")
        _stream(server, f"/{name}/run", body)
        return
    if not uploads:
        _print(_call(server, "POST", f"/{name}/run", json=body))
        return
    form = {key: value if isinstance(value, str) else json.dumps(value) for key, value in body.items()}
    handles = [(upload, path.open("rb")) for upload, path in uploads.items()]
    try:
        parts = [("files", (upload, handle)) for upload, handle in handles]
        _print(_call(server, "POST", f"/{name}/run", data=form, files=parts))
    finally:
        for _, handle in handles:
            handle.close()


def main() -> None:
    app()
