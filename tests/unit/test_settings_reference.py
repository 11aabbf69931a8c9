from hayhooks.settings import AppSettings
from hayhooks.settings_reference import render
from tests.conftest import ROOT


def test_docs_reference_matches_the_settings_class():
    assert (ROOT / "docs" / "environment.md").read_text() == render(), (
        "docs/environment.md is stale: run .venv/bin/python -m hayhooks.settings_reference > docs/environment.md"
    )


def test_every_setting_has_a_description():
    assert [name for name, field in AppSettings.model_fields.items() if not field.description] == []
