"""Finding, building and serving the dashboard frontend (npm replaced by a stand-in script)."""

import os
from pathlib import Path

import pytest

from hayhooks.dashboard import frontend
from hayhooks.settings import AppSettings

FAKE_NPM = """#!/bin/sh
echo "fake npm $@" >> "$FAKE_NPM_LOG"
if [ "$1" = "ci" ]; then mkdir -p node_modules; fi
if [ "$1" = "run" ] && [ "$2" = "build" ]; then
  mkdir -p dist && echo '<!doctype html><title>built</title>' > dist/index.html
fi
"""


@pytest.fixture
def sources(tmp_path, monkeypatch) -> Path:
    """A minimal dashboard source tree, used instead of the real one."""
    source = tmp_path / "dashboard"
    (source / "src").mkdir(parents=True)
    (source / "src" / "main.tsx").write_text("export {}\n")
    (source / "package.json").write_text("{}\n")
    monkeypatch.setattr(frontend, "SOURCE_DIRS", (source,))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return source


@pytest.fixture
def fake_npm(tmp_path, monkeypatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM)
    npm.chmod(0o755)
    log = tmp_path / "npm.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_NPM_LOG", str(log))
    return log


def test_prebuilt_dist_dir_is_served_as_is(tmp_path):
    (tmp_path / "index.html").write_text("<html></html>")
    assert frontend.prepare(AppSettings(dashboard_dist_dir=tmp_path)).dist == tmp_path


def test_dist_dir_without_index_says_so(tmp_path):
    result = frontend.prepare(AppSettings(dashboard_dist_dir=tmp_path))
    assert result.dist is None and "has no index.html" in result.problem


def test_missing_build_is_made_with_npm_ci_then_build(sources, fake_npm):
    result = frontend.prepare(AppSettings())
    assert result.dist == sources / "dist" and (result.dist / "index.html").is_file()
    assert fake_npm.read_text().splitlines() == ["fake npm ci --no-audit --no-fund", "fake npm run build"]


def test_fresh_build_is_not_rebuilt(sources, fake_npm):
    frontend.prepare(AppSettings())
    frontend.prepare(AppSettings())
    assert fake_npm.read_text().count("run build") == 1


def test_build_older_than_the_sources_is_rebuilt(sources, fake_npm):
    frontend.prepare(AppSettings())
    index = sources / "dist" / "index.html"
    os.utime(index, (index.stat().st_mtime - 100, index.stat().st_mtime - 100))
    assert frontend.is_stale(sources, sources / "dist")
    frontend.prepare(AppSettings())
    assert fake_npm.read_text().count("run build") == 2


def test_read_only_sources_are_built_in_the_user_cache(sources, fake_npm, tmp_path, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(
        frontend.os, "access", lambda path, mode: False if Path(path) == sources else real_access(path, mode)
    )
    result = frontend.prepare(AppSettings())
    assert result.dist == tmp_path / "cache" / "hayhooks" / "dashboard" / "dist"
    assert not (sources / "dist").exists()
    assert (result.dist / "index.html").is_file()


def test_without_npm_it_says_so_and_names_the_alternative(sources, monkeypatch):
    monkeypatch.setattr(frontend.shutil, "which", lambda name: None)
    result = frontend.prepare(AppSettings())
    assert result.dist is None
    assert "npm is not installed" in result.problem and "HAYHOOKS_DASHBOARD_DIST_DIR" in result.problem


def test_workers_never_build(sources, fake_npm):
    result = frontend.prepare(AppSettings(), build_if_stale=False)
    assert result.dist is None and not fake_npm.exists()


def test_unbuilt_dashboard_answers_503_with_the_reason(make_client, spans, monkeypatch, sources):
    client = make_client(tracer_provider=spans.provider, dashboard_enabled=True)
    response = client.get("/dashboard/")
    assert response.status_code == 503 and "not built" in response.text
    assert client.get("/dashboard/api/config").status_code == 200


def test_dashboard_page_is_served_and_slash_added(make_client, spans, tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<!doctype html><title>dash</title>")
    client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_dist_dir=tmp_path / "dist")
    redirect = client.get("/dashboard", follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["location"] == "/dashboard/"
    assert "<title>dash</title>" in client.get("/dashboard/").text


@pytest.mark.parametrize(("host", "base_url"), [
    ("0.0.0.0", "http://testserver"),  # configured to listen publicly
    ("127.0.0.1", "http://192.0.2.2:1416"),  # configured for loopback, yet reached on a public address
    ("127.0.0.1", "http://[::ffff:192.0.2.2]:1416"),  # the same, on a dual-stack socket
])
def test_the_page_is_refused_on_a_public_interface_without_a_token(make_client, spans, tmp_path, host, base_url):
    from fastapi.testclient import TestClient

    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<!doctype html><title>dash</title>")
    app = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_dist_dir=tmp_path / "dist",
                      host=host).app
    with TestClient(app, base_url=base_url) as client:
        for path in ("/dashboard/", "/dashboard/index.html", "/dashboard/api/traces"):
            response = client.get(path)
            assert response.status_code == 403, path
            assert "HAYHOOKS_DASHBOARD_TOKEN" in response.text


@pytest.fixture
def page_with_token(make_client, spans, tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>dash</title>")
    (dist / "assets" / "app.js").write_text("console.log('app')")
    return make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_dist_dir=dist,
                       dashboard_token="s3cret")


def test_with_a_token_the_page_answers_401_without_it_and_still_shows_its_prompt(page_with_token):
    for path in ("/dashboard/", "/dashboard/index.html"):
        response = page_with_token.get(path)
        assert response.status_code == 401, path
        assert "<title>dash</title>" in response.text  # the page, whose token prompt sets the cookie
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["cache-control"] == "no-store" and "etag" not in response.headers


def test_with_a_token_the_page_is_served_to_its_bearer_and_to_the_logged_in_cookie(page_with_token):
    assert page_with_token.get("/dashboard/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert page_with_token.get("/dashboard/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert page_with_token.post("/dashboard/api/login", json={"token": "s3cret"}).status_code == 204
    assert page_with_token.get("/dashboard/").status_code == 200


def test_a_page_cached_while_logged_in_is_not_revalidated_without_the_token(page_with_token):
    served = page_with_token.get("/dashboard/", headers={"Authorization": "Bearer s3cret"})
    again = page_with_token.get("/dashboard/", headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 401


def test_scripts_and_styles_are_served_without_the_token(page_with_token):
    response = page_with_token.get("/dashboard/assets/app.js")
    assert response.status_code == 200 and "console.log" in response.text


def test_root_path_is_respected(make_client, spans, tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<html></html>")
    client = make_client(tracer_provider=spans.provider, dashboard_enabled=True, dashboard_dist_dir=tmp_path / "dist",
                         root_path="/proxy")
    redirect = client.get("/dashboard", follow_redirects=False)
    assert redirect.headers["location"] == "/proxy/dashboard/"


@pytest.mark.parametrize("prefix", ["", "/proxy"], ids=["proxy strips the prefix", "proxy keeps the prefix"])
def test_behind_a_root_path_the_page_its_files_and_the_api_are_served(make_client, examples_dir, spans, tmp_path,
                                                                      prefix):
    (tmp_path / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "dist" / "index.html").write_text("<html>page</html>")
    (tmp_path / "dist" / "assets" / "app.js").write_text("console.log(1)")
    client = make_client(examples_dir, tracer_provider=spans.provider, dashboard_enabled=True,
                         dashboard_dist_dir=tmp_path / "dist", root_path="/proxy")
    assert client.get(f"{prefix}/dashboard/").text == "<html>page</html>"
    assert client.get(f"{prefix}/dashboard/assets/app.js").text == "console.log(1)"
    assert client.get(f"{prefix}/dashboard/api/config").json()["api_base"] == "/proxy/dashboard/api"
    assert client.post(f"{prefix}/shout/run", json={"text": "hi"}).json() == {"result": "HI!"}
