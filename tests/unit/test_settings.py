from pathlib import Path

import pytest
from pydantic import ValidationError

from hayhooks.settings import AppSettings, unknown_variables


def test_defaults_match_hayhooks(monkeypatch):
    settings = AppSettings(_env_file=None)
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 1416, 1)


def test_reads_hayhooks_variables(monkeypatch):
    monkeypatch.setenv("HAYHOOKS_PORT", "9000")
    monkeypatch.setenv("HAYHOOKS_PIPELINES_DIR", "/srv/p")
    monkeypatch.setenv("HAYHOOKS_SHOW_TRACEBACKS", "true")
    settings = AppSettings(_env_file=None)
    assert (settings.port, settings.pipelines_dir, settings.show_tracebacks) == (9000, Path("/srv/p"), True)


def test_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("HAYHOOKS_PORT", "lots")
    with pytest.raises(ValidationError) as info:
        AppSettings(_env_file=None)
    assert info.value.errors()[0]["loc"] == ("port",)


@pytest.mark.parametrize(("given", "expected"), [("", ""), ("/", ""), ("api/", "/api"), ("/a/b/", "/a/b")])
def test_root_path_is_normalised(given, expected):
    assert AppSettings(root_path=given, _env_file=None).root_path == expected


def test_hayhooks_durable_mode_is_refused_not_ignored(monkeypatch):
    """Durable execution is Hayhooks 2.1's, not ours: asked for, the server says so instead of starting without it."""
    monkeypatch.setenv("HAYHOOKS_DURABLE_MODE", "true")
    with pytest.raises(ValidationError, match=r"durable execution .* is not provided by this server"):
        AppSettings(_env_file=None)


def test_several_workers_refuse_port_zero():
    """Every worker binds its own socket: port 0 would give each a different random port."""
    with pytest.raises(ValidationError, match="several workers need a fixed port"):
        AppSettings(port=0, workers=2, _env_file=None)
    assert AppSettings(port=0, workers=1, _env_file=None).port == 0


def test_hayhooks_module_level_settings_are_read_from_the_environment_on_first_use(monkeypatch):
    import hayhooks.settings as module

    monkeypatch.delitem(module.__dict__, "settings", raising=False)  # as if nothing had asked for it yet
    monkeypatch.setenv("HAYHOOKS_PORT", "2345")
    try:
        from hayhooks.settings import settings

        assert settings.port == 2345
        assert module.settings is settings  # read once, then the same object
    finally:
        module.__dict__.pop("settings", None)


def test_create_app_uses_the_module_level_settings_a_program_changed(monkeypatch, tmp_path):
    import hayhooks.settings as module
    from hayhooks.server.app import create_app

    monkeypatch.delitem(module.__dict__, "settings", raising=False)
    try:
        from hayhooks.settings import settings

        settings.pipelines_dir = tmp_path
        settings.dashboard_path = "/traces-ui"
        app = create_app()
        assert app.state.settings is settings
    finally:
        module.__dict__.pop("settings", None)


def test_hayhooks_2_names_of_dashboard_settings_are_read(monkeypatch):
    monkeypatch.setenv("HAYHOOKS_TRACING_TOKEN", "from-2.1")
    monkeypatch.setenv("HAYHOOKS_TRACING_BUFFER_CAPACITY", "5000")
    monkeypatch.setenv("HAYHOOKS_TRACING_INCLUDE_HAYSTACK_SPANS", "false")
    settings = AppSettings(_env_file=None)
    assert settings.dashboard_token is not None and settings.dashboard_token.get_secret_value() == "from-2.1"
    assert settings.dashboard_trace_buffer_capacity == 5000
    assert settings.dashboard_trace_include_haystack_spans is False


def test_this_servers_own_name_wins_over_the_hayhooks_2_name(monkeypatch):
    monkeypatch.setenv("HAYHOOKS_TRACING_TOKEN", "old")
    monkeypatch.setenv("HAYHOOKS_DASHBOARD_TOKEN", "new")
    assert AppSettings(_env_file=None).dashboard_token.get_secret_value() == "new"


def test_variables_nothing_reads_are_named():
    environ = {"HAYHOOKS_PORT": "1", "HAYHOOKS_CHAINLIT_ENABLED": "true", "HAYHOOKS_PROT": "2",
               "HAYHOOKS_TRACING_TOKEN": "t", "HAYHOOKS_CLI_TIMEOUT": "5", "PATH": "/bin"}
    assert unknown_variables(environ) == ["HAYHOOKS_CHAINLIT_ENABLED", "HAYHOOKS_PROT"]
