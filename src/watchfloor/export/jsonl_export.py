"""JSON Lines: one event per line.

With ``--events fused`` (the default) each line is a fused event
(``watchfloor.export.fused.fused_json``, the record of ``watchfloor-json/1``'s
``fused_events``); with ``--events reported`` each line is
``watchfloor.export.wfjson.event_record`` of a document-level event plus
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


def write_jsonl(store: Store, path: Path, *, flt: ExportFilter | None = None, events: str = "fused") -> ExportResult:
    """Write the events passing ``flt``, one JSON object per line (streamed).

    ``events="fused"``: one line per fused event (``fused.fused_json``: members,
    figures, grade, every member's evidence); ``"reported"``: one line per
    document-level event (``wfjson.event_record`` plus ``key``).
    """
    flt = flt or ExportFilter()
    result = ExportResult(format="jsonl", path=str(path))
    with atomic_output(path) as out:
        if events == "fused":
            from watchfloor.export.fused import fused_json, iter_fused_records

            for record in iter_fused_records(store, flt):
                out.write(json.dumps(fused_json(record), ensure_ascii=False) + "\n")
                result.records += 1
        else:
            for ev in iter_export_events(store, flt):
                line = event_record(ev.view)
                line["key"] = ev.key
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                result.records += 1
    result.events = result.records
    log.info("wrote %s: %d %s events", path, result.records, events)
    return result
