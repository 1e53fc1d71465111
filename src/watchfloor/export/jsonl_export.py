"""JSON Lines: one event per line, with the fields of a ``watchfloor-json/1`` event.

Each line is ``watchfloor.export.wfjson.event_record`` of the event plus
``key`` (the stable event key other formats use as id); ids stay the store's.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from watchfloor.export.common import ExportResult
from watchfloor.export.filters import ExportFilter
from watchfloor.export.stream import atomic_output, iter_export_events
from watchfloor.export.wfjson import event_record
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)


def write_jsonl(store: Store, path: Path, *, flt: ExportFilter | None = None) -> ExportResult:
    """Write the events passing ``flt``, one JSON object per line (streamed)."""
    flt = flt or ExportFilter()
    result = ExportResult(format="jsonl", path=str(path))
    with atomic_output(path) as out:
        for ev in iter_export_events(store, flt):
            record = event_record(ev.view)
            record["key"] = ev.key
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            result.records += 1
    result.events = result.records
    log.info("wrote %s: %d events", path, result.records)
    return result
