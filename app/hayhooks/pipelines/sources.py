"""Pipeline names and the files of a pipeline: validation, reading a folder, writing a copy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
_NAME_RE = re.compile(NAME_PATTERN)
# A pipeline's only path is ``POST /{name}/run``, which no route of the server's own takes, except one:
# ``POST /undeploy/run`` would be both the run of a pipeline "undeploy" and the undeploy of a pipeline "run".
# Others (``docs``, ``messages``, ``mcp``, ...) are served, as Hayhooks serves them.
RESERVED_NAMES = frozenset({"undeploy"})
_IGNORED = ("__pycache__", ".pyc", ".pyo", ".DS_Store", ".git")
MAX_FILES = 200


def check_name(name: str) -> str:
    """Return ``name`` if it can be a pipeline name (and a URL path segment), else raise ``ValueError``."""
    if not _NAME_RE.fullmatch(name):
        raise ValueError(
            "must be 1-64 characters of letters, digits, '_', '-' or '.', starting with a letter or digit"
        )
    if name in RESERVED_NAMES:
        raise ValueError(f"'{name}' is reserved by the server; choose another name")
    return name


def check_file_names(files: dict[str, str]) -> dict[str, str]:
    """Refuse file names that could escape the pipeline folder; return ``files`` unchanged."""
    if len(files) > MAX_FILES:
        raise ValueError(f"at most {MAX_FILES} files per pipeline")
    for key in files:
        path = PurePosixPath(key)
        if not key or "\\" in key or "\x00" in key or path.is_absolute() or ".." in path.parts:
            raise ValueError(f"file name {key!r} must be a relative path inside the pipeline folder")
    return files


def read_folder(folder: Path) -> dict[str, str]:
    """The text files of a pipeline folder, keyed by their path relative to it (caches and binaries skipped)."""
    files: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part in _IGNORED or part.endswith(_IGNORED) for part in path.parts):
            continue
        try:
            files[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return files


def write_folder(folder: Path, files: dict[str, str]) -> None:
    """Write ``files`` into ``folder`` (created fresh: whatever was there before is removed)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for key, content in check_file_names(files).items():
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
