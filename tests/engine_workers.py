"""Worker functions for tests/test_engines.py (importable by spawned worker processes)."""

from __future__ import annotations

import os

from watchfloor.engines import Outcome
from watchfloor.models import RawInput
from watchfloor.settings import Settings


def init_nothing(settings: Settings) -> None:
    """A pool initializer that loads no model."""


def echo_or_die(raw: RawInput) -> Outcome:
    """Return the input's size; kill the worker process outright on inputs named 'crash*'."""
    if raw.file_name.startswith("crash"):
        os._exit(13)
    return Outcome(source=raw.source, problem=f"size {len(raw.data)}")
