"""Read the store as a watchfloor-json/1 export for scoring."""

from __future__ import annotations

import io
import json

from watchfloor.evaluate.formats import SystemExport, parse_export
from watchfloor.settings import Settings


def export_from_store(settings: Settings) -> SystemExport:
    """The store's current content, through the same code path as ``export --format json``."""
    from watchfloor.export.wfjson import write_wfjson
    from watchfloor.store.repository import Store

    buffer = io.StringIO()
    with Store.open(settings.database_url) as store:
        write_wfjson(store, buffer)
    return parse_export(json.loads(buffer.getvalue()), source=settings.database_url)
