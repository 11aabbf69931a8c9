"""What can go wrong with a pipeline, independent of HTTP (``server/errors.py`` maps each to a status code).

HayhooksError
 ├── PipelineNotFoundError      no pipeline of that name is deployed
 ├── PipelineExistsError        deploy without overwrite over an existing name
 ├── PipelineDefinitionError    files or YAML that cannot become a pipeline (says which file and line)
 ├── PipelineRunError           the pipeline raised while running
 ├── DeployDisabledError        deploy over HTTP is switched off
 └── DeployLogUnreachableError  with Redis, a deploy or undeploy that could not be recorded for every worker
"""

from __future__ import annotations


class HayhooksError(Exception):
    """Base of every error this package raises on purpose."""


class PipelineNotFoundError(HayhooksError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Pipeline '{name}' not found")
        self.name = name


class PipelineExistsError(HayhooksError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Pipeline '{name}' already exists; send overwrite=true to replace it")
        self.name = name


class PipelineDefinitionError(HayhooksError):
    """A wrapper or YAML that cannot be loaded; ``location`` is ``file:line`` when known."""

    def __init__(self, name: str, message: str, location: str | None = None) -> None:
        where = f" ({location})" if location else ""
        super().__init__(f"Pipeline '{name}' could not be loaded{where}: {message}")
        self.name = name
        self.location = location
        self.reason = message


class PipelineRunError(HayhooksError):
    """The pipeline raised; ``__cause__`` holds the original exception."""

    def __init__(self, name: str, exc: BaseException) -> None:
        super().__init__(f"Pipeline '{name}' failed: {type(exc).__name__}: {exc}")
        self.name = name


class DeployDisabledError(HayhooksError):
    def __init__(self) -> None:
        super().__init__("Deploy and undeploy over HTTP are disabled (HAYHOOKS_DISABLE_HTTP_DEPLOY=true)")


class DeployLogUnreachableError(HayhooksError):
    """A deploy or undeploy that the deploy log (Redis) could not record: refused, and undone in the worker that
    took it, so that no worker serves what the others never will."""

    def __init__(self, name: str, action: str, cause: BaseException) -> None:
        super().__init__(
            f"The deploy log in Redis is unreachable ({type(cause).__name__}): '{name}' was not {action}, so that "
            f"every worker keeps serving the same pipelines. Try again once Redis answers"
        )
        self.name = name
