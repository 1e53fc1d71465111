"""Engines run the per-document stages (clean, annotate, extract, geocode).

An engine turns a stream of ``RawInput`` into a stream of ``Outcome``: the
``Extraction`` of each input, or the reason it failed.  The writer (the store)
stays in the calling process.  Engines are registered by versioned name:

* ``local.v1``: in-process when ``workers == 1``, else a process pool;
* ``ray.v1``: Ray Data ``map_batches`` over an actor pool holding the model,
  one dataset per chunk of inputs (``watchfloor.engines.ray_engine``);
* ``ray.v2`` (what ``ray`` means): long-lived Ray actors holding the model,
  fed batches directly, so models load once per run (same module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from watchfloor.errors import InputError
from watchfloor.models import Extraction, RawInput
from watchfloor.registry import Registry
from watchfloor.settings import Settings


@dataclass(slots=True)
class Outcome:
    """What processing one input gave: an extraction or a failure."""

    source: str
    extraction: Extraction | None = None
    problem: str | None = None


Engine = Callable[[Iterable[RawInput | InputError], Settings], Iterator[Outcome]]

engines: Registry[Engine] = Registry("engine")


_SHORT_NAMES = {"local": "local.v1", "ray": "ray.v2"}


def get_engine(name: str) -> Engine:
    """The engine registered under ``name`` ("local"/"ray" mean their latest version)."""
    name = _SHORT_NAMES.get(name, name)
    if name.startswith("ray"):
        from watchfloor.engines import ray_engine  # noqa: F401  (registers ray.v1 and ray.v2)
    from watchfloor.engines import local  # noqa: F401  (registers local.v1)

    return engines.get(name)
