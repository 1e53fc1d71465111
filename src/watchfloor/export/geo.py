"""GeoJSON ``FeatureCollection`` of events (RFC 7946), streamed one feature per line.

Events whose place has coordinates become ``Point`` features (``[lon, lat]``).
Events without coordinates are kept with ``"geometry": null`` (RFC 7946
allows unlocated features), so the file lists every exported event; map
tools skip them.  Properties are flat: scalars and short strings only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchfloor.export.common import ExportResult, country_name
from watchfloor.export.filters import ExportFilter
from watchfloor.export.stream import ExportEvent, atomic_output, iter_export_events, load_actors
from watchfloor.store.repository import Store
from watchfloor.store.views import ActorView

if TYPE_CHECKING:
    from watchfloor.export.fused import FusedRecord

log = logging.getLogger(__name__)


def _names(ev: ExportEvent, roles: tuple[str, ...], actors: dict[int, ActorView]) -> str:
    names: list[str] = []
    for role in roles:
        for actor_id in ev.view.actors.get(role, []):
            actor = actors.get(actor_id)
            if actor is not None and actor.name not in names:
                names.append(actor.name)
    return "; ".join(names)


def feature(ev: ExportEvent, actors: dict[int, ActorView]) -> dict[str, Any]:
    """The GeoJSON feature of one event."""
    from watchfloor.export.wfjson import export_type

    v = ev.view
    place = v.location
    geometry = None
    if place is not None and place.lat is not None and place.lon is not None:
        geometry = {"type": "Point", "coordinates": [place.lon, place.lat]}
    gold_type, gold_subtype = export_type(v.type, v.subtype)
    properties: dict[str, Any] = {
        "id": ev.key,
        "type": gold_type,
        "subtype": gold_subtype,
        "native_type": v.type,
        "date": v.date,
        "date_precision": v.date_precision,
        "place": place.name if place else v.place_text,
        "admin2": place.admin2 if place else None,
        "admin1": place.admin1 if place else None,
        "country": place.country if place else None,
        "country_name": country_name(place.country) if place and place.country else None,
        "geo_precision": place.precision if place else None,
        "perpetrators": _names(ev, ("perpetrator", "actor", "from"), actors) or None,
        "targets": _names(ev, ("target", "counterpart", "to"), actors) or None,
        "killed": v.killed.value if v.killed else None,
        "killed_qualifier": str(v.killed.qualifier) if v.killed else None,
        "injured": v.injured.value if v.injured else None,
        "injured_qualifier": str(v.injured.qualifier) if v.injured else None,
        "suicide": v.suicide,
        "target_type": v.target_type,
        "weapons": ", ".join(v.weapons) or None,
        "certainty": v.certainty,
        "sources": "; ".join(dict.fromkeys(c.outlet or c.person or "" for c in v.sources if c.outlet or c.person))
        or None,
        "evidence": v.evidence[0].text if v.evidence else None,
        "document": ev.doc.title or ev.doc.file,
        "published": ev.doc.published.isoformat() if ev.doc.published else None,
    }
    return {"type": "Feature", "id": ev.key, "geometry": geometry, "properties": properties}


def fused_feature(record: FusedRecord, actors: dict[int, ActorView]) -> dict[str, Any]:
    """The GeoJSON feature of one fused event: the event's feature (``killed``/``injured`` the best figures)
    plus ``reports``, ``grade``, ``killed_low``/``_best``/``_high`` (and injured), each report's figure
    (``killed_claims``) and the member keys (``members``, ``; ``-separated)."""
    from watchfloor.export.fused import figure_claims_text

    item = feature(record.export_event, actors)
    props = item["properties"]
    props["reports"] = record.reports
    props["grade"] = record.grade
    for name in ("killed", "injured"):
        figure = getattr(record, name)
        props[f"{name}_low"] = figure.low if figure else None
        props[f"{name}_best"] = figure.best if figure else None
        props[f"{name}_high"] = figure.high if figure else None
        props[f"{name}_claims"] = (figure_claims_text(figure) or None) if figure else None
    props["members"] = "; ".join(m.key for m in record.members)
    return item


def write_geojson(store: Store, path: Path, *, flt: ExportFilter | None = None, events: str = "fused") -> ExportResult:
    """Write the events passing ``flt`` as a GeoJSON FeatureCollection (streamed).

    ``events="fused"``: one feature per fused event (``fused_feature``);
    ``"reported"``: one per document-level event.
    """
    flt = flt or ExportFilter()
    actors = load_actors(store)
    result = ExportResult(format="geojson", path=str(path))
    if events == "fused":
        from watchfloor.export.fused import iter_fused_records

        items: Iterator[dict[str, Any]] = (fused_feature(r, actors) for r in iter_fused_records(store, flt))
    else:
        items = (feature(ev, actors) for ev in iter_export_events(store, flt))
    with atomic_output(path) as out:
        out.write('{"type": "FeatureCollection", "features": [')
        for item in items:
            out.write(("\n  " if result.records == 0 else ",\n  ") + json.dumps(item, ensure_ascii=False))
            result.records += 1
            result.events += 1
            if item["geometry"] is None:
                result.skipped += 1
        out.write("\n]}\n" if result.records else "]}\n")
    log.info("wrote %s: %d features (%d without coordinates)", path, result.records, result.skipped)
    return result
