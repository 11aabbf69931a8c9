"""Fixtures shared by every test: offline Haystack, example pipelines, an in-process app, a real server."""

from __future__ import annotations

import os

os.environ["HAYSTACK_TELEMETRY_ENABLED"] = "false"

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hayhooks.server.app import create_app
from hayhooks.settings import AppSettings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "pipelines"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytest_plugins = ["tests.servers", "tests.redis_server"]


def deploy_wrapper(client: TestClient, name: str, source: str) -> TestClient:
    """Deploy ``source`` as pipeline ``name``'s ``pipeline_wrapper.py`` over HTTP (not saved); the test fails if the
    server refuses it. Returns ``client``."""
    response = client.post("/deploy_files", json={"name": name, "files": {"pipeline_wrapper.py": source},
                                                   "save_files": False})
    assert response.status_code == 200, response.text
    return client


def openai_client(client: TestClient) -> openai.OpenAI:
    """The official openai client, talking to the in-process app behind ``client``."""
    return openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)


@pytest.fixture
def examples_dir(tmp_path: Path) -> Path:
    """A copy of the example pipelines, so tests that deploy or undeploy never touch the repository."""
    import shutil

    target = tmp_path / "pipelines"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator:
    """Build an in-process app (lifespan included) for given settings; closed at the end of the test."""
    clients: list[TestClient] = []

    def make(pipelines_dir: Path | None = None, *, tracer_provider=None, **settings: object) -> TestClient:
        folder = pipelines_dir if pipelines_dir is not None else tmp_path / "empty"
        folder.mkdir(parents=True, exist_ok=True)
        app = create_app(AppSettings(pipelines_dir=folder, **settings), tracer_provider=tracer_provider)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client, examples_dir: Path) -> TestClient:
    """The app serving the example pipelines."""
    return make_client(examples_dir)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """An exporter that keeps finished spans; pass ``spans.provider`` to ``make_client``."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    exporter.provider = provider  # type: ignore[attr-defined]
    yield exporter
    provider.shutdown()


@pytest.fixture
def traced(make_client, examples_dir: Path, spans: InMemorySpanExporter) -> TestClient:
    """The example app with every span kept in ``spans``."""
    return make_client(examples_dir, tracer_provider=spans.provider)
