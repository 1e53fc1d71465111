"""Exports of the knowledge base into the formats the field uses.

``exporters`` is the registry of export functions by versioned name; each is
called as ``fn(store, path, flt=ExportFilter(...), validate=False, events="fused")``
(``events``: ``fused`` or ``reported``, see ``watchfloor.export.fused``) and
returns an ``ExportResult``.  ``FORMATS`` maps the ``--format`` names of
``watchfloor export`` onto registered names.  Modules are imported when an
export runs, not when this package is imported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from watchfloor.errors import ConfigError
from watchfloor.registry import Registry

if TYPE_CHECKING:
    from watchfloor.export.common import ExportResult
    from watchfloor.export.filters import ExportFilter
    from watchfloor.store.repository import Store

log = logging.getLogger(__name__)

ExportFn = Callable[..., "ExportResult"]

#: Export functions by versioned name (``stix.v1``, ``acled.v1``, ...).
exporters: Registry[ExportFn] = Registry("exporter")

#: ``--format`` name -> registered exporter.
FORMATS: dict[str, str] = {
    "json": "json.v1",
    "jsonl": "jsonl.v1",
    "stix": "stix.v1",
    "acled": "acled.v1",
    "gtd": "gtd.v1",
    "geojson": "geojson.v1",
    "graphml": "graphml.v1",
}


@exporters.register("json.v1")
def _json(
    store: Store, path: Path, *, flt: ExportFilter | None = None, validate: bool = False, events: str = "fused"
) -> ExportResult:
    from watchfloor.export.json_export import write_json

    return write_json(store, path, flt=flt, events=events)


@exporters.register("jsonl.v1")
def _jsonl(
    store: Store, path: Path, *, flt: ExportFilter | None = None, validate: bool = False, events: str = "fused"
) -> ExportResult:
    from watchfloor.export.jsonl_export import write_jsonl

    return write_jsonl(store, path, flt=flt, events=events)


@exporters.register("stix.v1")
def _stix(
    store: Store, path: Path, *, flt: ExportFilter | None = None, validate: bool = False, events: str = "reported"
) -> ExportResult:
    from watchfloor.export.stix import write_stix

    return write_stix(store, path, flt=flt, validate=validate, events=events)


@exporters.register("acled.v1")
def _acled(
    store: Store, path: Path, *, flt: ExportFilter | None = None, validate: bool = False, events: str = "fused"
) -> ExportResult:
    from watchfloor.export.acled import write_acled

    return write_acled(store, path, flt=flt, events=events)


@exporters.register("gtd.v1")
def _gtd(
    store: Store, path: Path, *, flt: ExportFilter | None = None, validate: bool = False, events: str = "fused"
) -> ExportResult:
    from watchfloor.export.gtd import write_gtd

    return write_gtd(store, path, flt=flt, events=events)


@exporters.register("geojson.v1")
def _geojson(
    store: Store, path: Path, *, flt: ExportFilter | None = None, validate: bool = False, events: str = "fused"
) -> ExportResult:
    from watchfloor.export.geo import write_geojson

    return write_geojson(store, path, flt=flt, events=events)


@exporters.register("graphml.v1")
def _graphml(
    store: Store, path: Path, *, flt: ExportFilter | None = None, validate: bool = False, events: str = "reported"
) -> ExportResult:
    from watchfloor.export.graph import write_graphml

    return write_graphml(store, path, flt=flt)


def run_export(
    store: Store,
    path: Path,
    *,
    format: str,
    flt: ExportFilter | None = None,
    validate: bool = False,
    events: str | None = None,
) -> ExportResult:
    """Export ``store`` to ``path`` in ``format`` (a ``FORMATS`` key), events filtered by ``flt``.

    ``events`` is ``fused`` (one record per fused event) or ``reported`` (one
    per document-level event); None takes the format's default
    (``watchfloor.export.fused.DEFAULT_EVENTS``).
    """
    from watchfloor.export.fused import resolve_mode

    name = FORMATS.get(format)
    if name is None:
        raise ConfigError(f"unknown export format {format!r} (known: {', '.join(sorted(FORMATS))})")
    return exporters.get(name)(store, path, flt=flt, validate=validate, events=resolve_mode(format, events))
