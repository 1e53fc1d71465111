"""``--format json`` with filters: ``watchfloor-json/1`` restricted to the matching events.

Without a filter this is ``wfjson.write_wfjson`` (the whole store).  With one,
the file holds the matching events, the documents stating them, the actors
taking part in them and the relations among those actors.  Events are read
twice (once to collect the ids of documents and actors, once to write), never
held.  ``--events fused`` (the default) adds ``fused_events``: the fused events
passing the filter (and their members' documents and actors).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from watchfloor.export.common import ExportResult
from watchfloor.export.filters import ExportFilter
from watchfloor.export.stream import atomic_output, iter_export_events
from watchfloor.export.wfjson import FORMAT, actor_record, document_record, event_record, relation_record, write_wfjson
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)


def write_json(store: Store, path: Path, *, flt: ExportFilter | None = None, events: str = "fused") -> ExportResult:
    """Write ``watchfloor-json/1`` of the events passing ``flt`` (the whole store when there is none).

    ``events="fused"`` adds the ``fused_events`` section (fused events passing
    ``flt``); ``"reported"`` leaves it out.
    """
    from watchfloor.export.fused import fused_json, iter_fused_records

    flt = flt or ExportFilter()
    fused = events == "fused"
    if flt.is_empty:
        path.parent.mkdir(parents=True, exist_ok=True)
        counts = write_wfjson(store, path, fused=fused)
        return ExportResult(format="json", path=str(path), records=counts.events, events=counts.events)
    documents: set[str] = set()
    actors: set[int] = set()
    for ev in iter_export_events(store, flt):
        documents.add(ev.view.document)
        actors.update(a for ids in ev.view.actors.values() for a in ids)
    if fused:
        for record in iter_fused_records(store, flt):
            for member in record.members:
                documents.add(member.doc.id)
                actors.update(a for ids in member.view.actors.values() for a in ids)
    result = ExportResult(format="json", path=str(path))
    with atomic_output(path) as out:
        out.write('{"format": ' + json.dumps(FORMAT))

        def section(name: str, records: Iterable[dict[str, Any]]) -> int:
            out.write(f',\n "{name}": [')
            count = 0
            for record in records:
                out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
                count += 1
            out.write("\n ]" if count else "]")
            return count

        section("documents", (document_record(d) for d in store.iter_documents() if d.id in documents))
        section("actors", (actor_record(a) for a in store.iter_actors() if a.id in actors))
        result.events = section("events", (event_record(ev.view) for ev in iter_export_events(store, flt)))
        section(
            "relations",
            (relation_record(r) for r in store.iter_relations() if r.source in actors and r.target in actors),
        )
        if fused:
            section("fused_events", (fused_json(r) for r in iter_fused_records(store, flt)))
        out.write("\n}\n")
    result.records = result.events
    log.info("wrote %s: %d events", path, result.events)
    return result
