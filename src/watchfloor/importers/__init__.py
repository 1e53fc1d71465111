"""Imports from the field's formats back into the store (``watchfloor import``).

Each importer reads one file, builds ``Extraction`` objects (a synthetic
``Document`` whose text renders the imported records, so claim evidence spans
point into it) and writes them with ``Store.write_extraction``.  A bad record
(a row with a bad date, a STIX object that does not parse) gives one
``ImportProblem`` naming it and is skipped; the rest is imported.  A file that
cannot be read at all raises ``InputError``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchfloor.errors import InputError
from watchfloor.registry import Registry
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ImportProblem:
    """One record that was not imported, and why (``item`` is e.g. ``row 7`` or ``object 3``)."""

    item: str
    problem: str

    def __str__(self) -> str:
        return f"{self.item}: {self.problem}"


@dataclass(slots=True)
class ImportReport:
    """What one import did."""

    path: str
    documents: list[str] = field(default_factory=list)  # ids of the synthetic documents written
    unchanged: list[str] = field(default_factory=list)  # synthetic documents already in the store
    events: int = 0
    actors: int = 0
    relations: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


ImportFn = Callable[..., ImportReport]

#: Importers by versioned name (``acled.v1``, ``stix.v1``).
importers: Registry[ImportFn] = Registry("importer")

#: CLI format name -> registered importer.
FORMATS: dict[str, str] = {"acled": "acled.v1", "stix": "stix.v1"}


@importers.register("acled.v1")
def _acled(store: Store, path: Path) -> ImportReport:
    from watchfloor.importers.acled_import import import_acled

    return import_acled(store, path)


@importers.register("stix.v1")
def _stix(store: Store, path: Path) -> ImportReport:
    from watchfloor.importers.stix_import import import_stix

    return import_stix(store, path)


def import_file(store: Store, path: Path, *, format: str) -> ImportReport:
    """Import ``path`` in ``format`` (``acled`` or ``stix``) into ``store``."""
    from watchfloor.errors import ConfigError

    name = FORMATS.get(format)
    if name is None:
        raise ConfigError(f"unknown import format {format!r} (known: {', '.join(sorted(FORMATS))})")
    return importers.get(name)(store, path)


def read_bytes(path: Path) -> bytes:
    """The file's bytes (``InputError`` when missing or unreadable)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc.strerror or exc})") from exc


def content_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
