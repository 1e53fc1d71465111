"""The ``watchfloor-json/1`` export (what ``watchfloor export --format json`` writes).

Layout, as ``shared/gold/README.md`` describes it::

    {"format": "watchfloor-json/1",
     "documents": [{"id", "file", "title", "published", "publisher", "text", ...}],
     "actors":    [{"id", "name", "kind", "aliases", "documents", ...}],
     "events":    [{"id", "type", "subtype", "date", "date_precision", "location": {...},
                    "actors": {role: [actor id]}, "killed": {"value", "qualifier"}, ...,
                    "sources": [{"outlet", "date"}], "evidence": [{"document", "start", "end", "text"}]}],
     "relations": [{"id", "type", "source", "target", "status", "evidence": [...]}]}

Ids are strings.  Event types are mapped from the native taxonomy onto the
gold types (the native name stays in ``native_type``).  Records are streamed
one per line from the store, so memory stays bounded on large stores; a file
target is written to a temporary name and renamed when complete.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from watchfloor.errors import ConfigError
from watchfloor.models import Citation, PlaceRef, Quantity
from watchfloor.store.repository import Store
from watchfloor.store.views import ActorView, DocumentView, EventView, EvidenceView, RelationView

log = logging.getLogger(__name__)

FORMAT = "watchfloor-json/1"


@dataclass(slots=True)
class ExportCounts:
    documents: int = 0
    actors: int = 0
    events: int = 0
    relations: int = 0
    fused_events: int = 0


def write_wfjson(store: Store, out: TextIO | Path, *, fused: bool = False) -> ExportCounts:
    """Write the whole store as ``watchfloor-json/1`` to a text stream or a file path.

    ``fused`` adds a ``fused_events`` section after ``relations``: one record
    per fused event (``watchfloor.export.fused.fused_json``), events fusion
    has not run on as records of their own.
    """
    if isinstance(out, Path):
        return _write_file(store, out, fused=fused)
    return _write_stream(store, out, fused=fused)


def _write_file(store: Store, path: Path, *, fused: bool = False) -> ExportCounts:
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            counts = _write_stream(store, stream, fused=fused)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    log.info("wrote %s: %s", path, counts)
    return counts


def _write_stream(store: Store, out: TextIO, *, fused: bool = False) -> ExportCounts:
    counts = ExportCounts()
    out.write('{"format": ' + json.dumps(FORMAT))
    counts.documents = _write_section(out, "documents", (document_record(d) for d in store.iter_documents()))
    counts.actors = _write_section(out, "actors", (actor_record(a) for a in store.iter_actors()))
    counts.events = _write_section(out, "events", (event_record(e) for e in store.iter_events()))
    counts.relations = _write_section(out, "relations", (relation_record(r) for r in store.iter_relations()))
    if fused:
        from watchfloor.export.fused import fused_json, iter_fused_records

        counts.fused_events = _write_section(out, "fused_events", (fused_json(r) for r in iter_fused_records(store)))
    out.write("\n}\n")
    return counts


def _write_section(out: TextIO, name: str, records: Iterable[dict[str, Any]]) -> int:
    out.write(f',\n "{name}": [')
    count = 0
    for record in records:
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n ]" if count else "]")
    return count


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def document_record(doc: DocumentView) -> dict[str, Any]:
    return {
        "id": doc.id,
        "file": doc.file,
        "title": doc.title,
        "published": _date(doc.published),
        "published_method": doc.published_method,
        "page_date": _date(doc.page_date),
        "publisher": doc.publisher,
        "publication": doc.publication,
        "volume": doc.volume,
        "issue": doc.issue,
        "author": doc.author,
        "section": doc.section,
        "language": doc.language,
        "url": doc.url,
        "source": doc.source,
        "origin": doc.origin,
        "repost_of": doc.repost_of,
        "cluster_id": doc.cluster_id,
        "text": doc.text,
    }


def actor_record(actor: ActorView) -> dict[str, Any]:
    return {
        "id": str(actor.id),
        "name": actor.name,
        "kind": actor.kind,
        "country": actor.country,
        "kb_id": actor.kb_id,
        "aliases": list(actor.aliases),
        "documents": list(actor.documents),
    }


def export_type(native: str, subtype: str | None) -> tuple[str, str | None]:
    """The gold ``(type, subtype)`` of a native event type; unknown types pass through."""
    from watchfloor.extract.taxonomy import export_name

    try:
        mapped, mapped_subtype = export_name(native)
    except ConfigError:
        return native, subtype
    return mapped, mapped_subtype or subtype


def _location(place: PlaceRef | None) -> dict[str, Any]:
    place = place or PlaceRef()
    return {
        "name": place.name,
        "admin2": place.admin2,
        "admin1": place.admin1,
        "country": place.country,
        "lat": place.lat,
        "lon": place.lon,
        "precision": place.precision,
    }


def _figure(quantity: Quantity | None) -> dict[str, Any] | None:
    if quantity is None:
        return None
    figure: dict[str, Any] = {"value": quantity.value, "qualifier": str(quantity.qualifier)}
    if quantity.high is not None:
        figure["high"] = quantity.high
    return figure


def _source(citation: Citation) -> dict[str, Any]:
    return {"outlet": citation.outlet, "date": _date(citation.date), "person": citation.person}


def _evidence(evidence: list[EvidenceView]) -> list[dict[str, Any]]:
    return [
        {
            "document": e.document,
            "file": e.file,
            "start": e.start,
            "end": e.end,
            "text": e.text,
            "certainty": e.certainty,
        }
        for e in evidence
    ]


def event_record(event: EventView) -> dict[str, Any]:
    type_, subtype = export_type(event.type, event.subtype)
    return {
        "id": str(event.id),
        "type": type_,
        "subtype": subtype,
        "native_type": event.type,
        "date": event.date,
        "date_precision": event.date_precision,
        "location": _location(event.location),
        "actors": {role: [str(a) for a in ids] for role, ids in event.actors.items()},
        "killed": _figure(event.killed),
        "injured": _figure(event.injured),
        "arrested": _figure(event.arrested),
        "kidnapped": _figure(event.kidnapped),
        "count": _figure(event.count),
        "suicide": event.suicide,
        "claimed": event.claimed,
        "attribution": event.attribution,
        "target": event.target,
        "target_type": event.target_type,
        "weapons": list(event.weapons),
        "certainty": event.certainty,
        "sources": [_source(c) for c in event.sources],
        "evidence": _evidence(event.evidence),
        "document": event.document,
    }


def relation_record(relation: RelationView) -> dict[str, Any]:
    return {
        "id": str(relation.id),
        "type": relation.type,
        "source": str(relation.source),
        "target": str(relation.target),
        "status": relation.status,
        "start": relation.start,
        "end": relation.end,
        "evidence": _evidence(relation.evidence),
        "document": relation.document,
    }
