"""Browser fixtures for the trace dashboard: Chromium (Debian's), a real ``hayhooks run`` server, a watched page.

* ``browser``: one headless Chromium per module (``/usr/bin/chromium``; Playwright never downloads a browser here).
* ``live_server``: one server per module with the example pipelines (plus ``sleepy``, a pipeline whose run takes
  as long as asked, so durations can be told apart) and the dashboard served from ``dashboard/dist``.
* ``dashboard``: that server with an empty trace store at the start of each test.
* ``page``: a fresh browser context and page per test; every console error and uncaught page error fails the test
  at teardown, unless the test declared it beforehand with ``console_errors.expect(pattern)`` (and then it must
  actually happen).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.servers import Server, start_server

DIST = ROOT / "dashboard" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A pipeline whose run lasts ``ms`` milliseconds: traces with known, well separated durations.
SLEEPY_WRAPPER = '''
import time

from haystack import Pipeline, component

from hayhooks import BasePipelineWrapper


@component
class Nap:
    @component.output_types(slept_ms=int)
    def run(self, ms: int) -> dict:
        time.sleep(ms / 1000)
        return {"slept_ms": ms}


class PipelineWrapper(BasePipelineWrapper):
    def setup(self) -> None:
        self.pipeline = Pipeline()
        self.pipeline.add_component("nap", Nap())

    def run_api(self, ms: int) -> int:
        """Sleep for ``ms`` milliseconds.

        Args:
            ms: How long to sleep.
        """
        return self.pipeline.run({"nap": {"ms": ms}})["nap"]["slept_ms"]
'''


def require_dist() -> None:
    if not (DIST / "index.html").is_file():
        pytest.fail(
            f"The dashboard is not built ({DIST / 'index.html'} is missing): run "
            "`cd dashboard && npm ci && npm run build` (scripts/test.sh does it)",
            pytrace=False,
        )


def pipelines_copy(folder: Path) -> Path:
    """The example pipelines plus ``sleepy``, in ``folder`` (the repository is never touched)."""
    target = folder / "pipelines"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "sleepy").mkdir()
    (target / "sleepy" / "pipeline_wrapper.py").write_text(SLEEPY_WRAPPER)
    return target


def start_dashboard_server(folder: Path, env: dict[str, str] | None = None) -> Server:
    require_dist()
    return start_server(
        folder,
        "--pipelines-dir",
        str(pipelines_copy(folder)),
        "--with-tracing-dashboard",
        env={"HAYHOOKS_DASHBOARD_DIST_DIR": str(DIST), **(env or {})},
    )


def own_dashboard_server(server_factory, folder: Path, **env: str) -> Server:
    """A dashboard server of one test (stopped after it), with settings of its own."""
    require_dist()
    return server_factory("--pipelines-dir", str(pipelines_copy(folder)), "--with-tracing-dashboard",
                          env={"HAYHOOKS_DASHBOARD_DIST_DIR": str(DIST), **env})


def api(server: Server, path: str) -> str:
    return f"{server.url}/dashboard/api{path}"


def wait_idle(server: Server, headers: dict[str, str] | None = None, timeout: float = 10) -> None:
    """Wait until the server holds no trace that is still waiting to be stored."""
    deadline = time.monotonic() + timeout
    while True:
        stats = httpx.get(api(server, "/config"), headers=headers, timeout=5).json()["stats"]
        if stats["pending"] == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"traces still pending after {timeout}s: {stats}")
        time.sleep(0.05)


def clear_traces(server: Server, headers: dict[str, str] | None = None) -> None:
    wait_idle(server, headers)
    response = httpx.post(api(server, "/traces/clear"), headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert httpx.get(api(server, "/traces"), headers=headers, timeout=5).json()["traces"] == []


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_dashboard_server(tmp_path_factory.mktemp("dashboard-e2e"))
    yield server
    server.stop()


@pytest.fixture
def dashboard(live_server: Server) -> Server:
    """The module's server, with no trace stored (startup deploy traces and earlier tests' traffic removed)."""
    clear_traces(live_server)
    return live_server


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@dataclass
class ConsoleErrors:
    """Console errors and uncaught page errors seen by the test's page."""

    seen: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect(self, pattern: str) -> None:
        """Declare an error this test provokes on purpose; it must then occur at least once."""
        self.expected.append(re.compile(pattern))

    def check(self) -> None:
        unexpected = [e for e in self.seen if not any(p.search(e) for p in self.expected)]
        missing = [p.pattern for p in self.expected if not any(p.search(e) for e in self.seen)]
        assert not unexpected, "console or page errors:\n" + "\n".join(unexpected)
        assert not missing, f"expected console errors did not happen: {missing}; seen: {self.seen}"


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def page(browser, console_errors: ConsoleErrors) -> Iterator:
    """A page in its own context (fresh localStorage and cookies), 1280x800, light colour scheme."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    page = context.new_page()
    page.set_default_timeout(10_000)

    def on_console(message) -> None:
        if message.type == "error":
            location = message.location or {}
            console_errors.seen.append(f"console: {message.text} ({location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.seen.append(f"pageerror: {error}"))
    yield page
    try:
        page.close()  # closes the EventSource before the server goes away
    finally:
        context.close()
    console_errors.check()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
