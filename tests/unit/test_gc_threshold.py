"""Each worker sets the young-generation threshold of Python's garbage collector from its settings."""

import gc

import pytest
from pydantic import ValidationError

from hayhooks.settings import AppSettings


@pytest.fixture
def restore_gc_threshold():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_worker_sets_the_young_threshold_and_keeps_the_older_ones(make_client, restore_gc_threshold):
    gc.set_threshold(700, 11, 12)
    make_client(gc_threshold=12_345)
    assert gc.get_threshold() == (12_345, 11, 12)


def test_default_threshold_is_far_above_pythons(make_client, restore_gc_threshold):
    gc.set_threshold(700, 10, 10)
    make_client()
    assert gc.get_threshold()[0] == 10_000


def test_threshold_from_the_environment(monkeypatch):
    monkeypatch.setenv("HAYHOOKS_GC_THRESHOLD", "2000")
    assert AppSettings().gc_threshold == 2000


def test_tiny_threshold_is_refused_with_what_is_allowed(monkeypatch):
    monkeypatch.setenv("HAYHOOKS_GC_THRESHOLD", "5")
    with pytest.raises(ValidationError, match="greater than or equal to 100"):
        AppSettings()
