"""Worker functions for tests/test_engines.py and tests/test_ray_engine.py (importable by spawned worker processes)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

from watchfloor.engines import Outcome
from watchfloor.engines.local import map_work
from watchfloor.models import RawInput
from watchfloor.settings import Settings


def init_nothing(settings: Settings) -> None:
    """A pool initializer that loads no model."""


def echo_or_die(raw: RawInput) -> Outcome:
    """Return the input's size; kill the worker process outright on inputs named 'crash*'."""
    if raw.file_name.startswith("crash"):
        os._exit(13)
    return Outcome(source=raw.source, problem=f"size {len(raw.data)}")


def echo_or_die_batch(settings: Settings) -> Callable[[list[RawInput]], list[Outcome]]:
    """A Ray actor loader: batches mapped through ``echo_or_die``; 'boom*' inputs raise inside the actor."""
    return partial(map_work, _echo_or_raise)


def _echo_or_raise(raw: RawInput) -> Outcome:
    if raw.file_name.startswith("boom"):
        try:
            raise ValueError("cannot parse this")
        except ValueError as exc:
            return Outcome(source=raw.source, problem=f"internal error: {type(exc).__name__}: {exc}")
    return echo_or_die(raw)


#: The process that ran ``init_mark`` (inherited by forked workers, set in each spawned one).
initialized_in: int | None = None


def init_mark(settings: Settings) -> None:
    """A pool initializer that records which process ran it."""
    global initialized_in
    initialized_in = os.getpid()


def report_init(raw: RawInput) -> Outcome:
    """The process that ran the initializer, and this worker's own process id."""
    return Outcome(source=raw.source, problem=f"{initialized_in} {os.getpid()}")


def broken_loader(settings: Settings) -> Callable[[list[RawInput]], list[Outcome]]:
    """A Ray actor loader that cannot load its model."""
    raise ValueError("model files missing")


def pid_batch(settings: Settings) -> Callable[[list[RawInput]], list[Outcome]]:
    """A Ray actor loader: each input's outcome names the process that ran it."""
    return partial(map_work, _report_pid)


def _report_pid(raw: RawInput) -> Outcome:
    return Outcome(source=raw.source, problem=str(os.getpid()))
