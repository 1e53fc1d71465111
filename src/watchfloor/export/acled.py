"""ACLED-style CSV: one row per event, ACLED's column names and code lists.

See ``docs/exports.md`` for the column mapping.  What ACLED has no column for
(native type, figure qualifiers, injured/arrested/kidnapped counts, certainty,
weapons, ...) goes into ``tags`` as ``key=value`` items separated by ``; ``,
which the ACLED importer reads back, so export -> import -> export is
identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path

from watchfloor.export.common import ExportResult, acled_region, country_name, country_numeric
from watchfloor.export.filters import ExportFilter
from watchfloor.export.stream import ExportEvent, atomic_output, iter_export_events, load_actors
from watchfloor.models import Quantity
from watchfloor.store.repository import Store
from watchfloor.store.views import ActorView

log = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

#: Roles on ACLED's first side (actor1) and second side (actor2), in this order.
SIDE1_ROLES: tuple[str, ...] = ("perpetrator", "actor", "from")
SIDE2_ROLES: tuple[str, ...] = ("target", "counterpart", "to")

#: ACLED ``time_precision`` from the native date precision (1 day, 2 within a week or so, 3 month or vaguer).
TIME_PRECISION: dict[str, int] = {"day": 1, "part_of_month": 2, "month": 3, "season": 3, "year": 3, "unknown": 3}

#: ACLED disorder types by event type.
DISORDER_TYPE: dict[str, str] = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Riots": "Political violence; Demonstrations",
    "Protests": "Demonstrations",
    "Strategic developments": "Strategic developments",
}

CIVILIANS = "Civilians"
CIVILIAN_TARGETING = "Civilian targeting"
QUANTITY_TAGS = ("injured", "arrested", "kidnapped", "count")


def inter_code(kind: str, *, side: int) -> int:
    """ACLED ``inter`` code of an actor kind: 1 state forces, 2 rebel groups, 3 political militias,
    7 civilians (persons, outlets and organisations on the receiving side), 8 other forces."""
    if kind == "state":
        return 1
    if kind == "armed_group":
        return 2
    if kind == "political_party":
        return 3
    return 7 if side == 2 else 8


def interaction_code(inter1: int | None, inter2: int | None) -> str:
    """ACLED's numeric interaction: the two inter codes, lower first (``10 * inter1`` for one side)."""
    if inter1 is None and inter2 is None:
        return ""
    if inter1 is None or inter2 is None:
        return str(10 * (inter1 or inter2 or 0))
    low, high = sorted((inter1, inter2))
    return str(10 * low + high)


def acled_types(native: str) -> tuple[str, str]:
    """ACLED ``(event_type, sub_event_type)`` of a native type (unmapped types: Strategic developments/Other)."""
    from watchfloor.extract.taxonomy import TAXONOMY

    t = TAXONOMY.get(native)
    if t is None or t.acled_event_type is None:
        return "Strategic developments", "Other"
    return t.acled_event_type, t.acled_sub_event_type or "Other"


def format_quantity(q: Quantity) -> str:
    """``12``, ``12 at_least``, ``20-30 approximately``: a figure as a tag value."""
    text = str(q.value) if q.high is None else f"{q.value}-{q.high}"
    return text if str(q.qualifier) == "exact" else f"{text} {q.qualifier}"


def clean_tag(value: str) -> str:
    """``value`` fit for a ``;``-separated ACLED cell: semicolons become commas, whitespace one space."""
    return " ".join(value.replace(";", ",").split())


def _side(ev: ExportEvent, roles: Iterable[str], actors: dict[int, ActorView]) -> list[ActorView]:
    seen: list[ActorView] = []
    for role in roles:
        for actor_id in ev.view.actors.get(role, []):
            actor = actors.get(actor_id)
            if actor is not None and all(a.id != actor.id for a in seen):
                seen.append(actor)
    return seen


def _tags(ev: ExportEvent) -> str:
    v = ev.view
    tags = [f"type={v.type}"]
    if v.subtype:
        tags.append(f"subtype={clean_tag(v.subtype)}")
    if v.date and v.date_precision and v.date_precision != "day":
        tags.append(f"date={v.date} {v.date_precision}")
    if v.killed is not None and (str(v.killed.qualifier) != "exact" or v.killed.high is not None):
        tags.append(f"killed={format_quantity(v.killed)}")
    for name in QUANTITY_TAGS:
        q: Quantity | None = getattr(v, name)
        if q is not None:
            tags.append(f"{name}={format_quantity(q)}")
    if v.certainty and v.certainty != "asserted":
        tags.append(f"certainty={v.certainty}")
    for name in ("suicide", "claimed"):
        flag = getattr(v, name)
        if flag is not None:
            tags.append(f"{name}={'yes' if flag else 'no'}")
    if v.attribution:
        tags.append(f"attribution={clean_tag(v.attribution)}")
    if v.target_type and v.target_type != "civilians":
        tags.append(f"target_type={clean_tag(v.target_type)}")
    if v.target:
        tags.append(f"target={clean_tag(v.target)}")
    if v.weapons:
        tags.append("weapons=" + ",".join(clean_tag(w) for w in v.weapons))
    return "; ".join(tags)


def _sources(ev: ExportEvent) -> str:
    names: list[str] = []
    for citation in ev.view.sources:
        name = citation.outlet or citation.person
        if name and name not in names:
            names.append(" ".join(name.replace(";", ",").split()))
    if not names and ev.doc.publisher:
        names.append(" ".join(ev.doc.publisher.replace(";", ",").split()))
    return "; ".join(names)


def _notes(ev: ExportEvent) -> str:
    texts: list[str] = []
    for evidence in ev.view.evidence:
        text = " ".join(evidence.text.split())
        if text and text not in texts:
            texts.append(text)
    return " ".join(texts)


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def acled_row(ev: ExportEvent, actors: dict[int, ActorView]) -> list[str]:
    """The ACLED row (in ``COLUMNS`` order) of one event."""
    v = ev.view
    event_type, sub_event_type = acled_types(v.type)
    side1 = _side(ev, SIDE1_ROLES, actors)
    side2 = _side(ev, SIDE2_ROLES, actors)
    place = v.location
    iso2 = place.country if place else None
    inter1 = inter_code(side1[0].kind, side=1) if side1 else None
    inter2 = inter_code(side2[0].kind, side=2) if side2 else None
    actor2 = side2[0].name if side2 else ""
    if not side2 and v.target_type == "civilians":
        actor2 = f"{CIVILIANS} ({country_name(iso2)})" if iso2 else CIVILIANS
        inter2 = 7
    start: dt.date | None = v.date_start
    timestamp = ""  # data-derived (start of the event's date), so exports are reproducible
    if start is not None:
        timestamp = str(int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp()))
    return [
        ev.key,
        start.isoformat() if start else "",
        str(start.year) if start else "",
        str(TIME_PRECISION.get(v.date_precision or "unknown", 3)) if start else "",
        DISORDER_TYPE.get(event_type, ""),
        event_type,
        sub_event_type,
        side1[0].name if side1 else "",
        "; ".join(a.name for a in side1[1:]),
        "" if inter1 is None else str(inter1),
        actor2,
        "; ".join(a.name for a in side2[1:]),
        "" if inter2 is None else str(inter2),
        interaction_code(inter1, inter2),
        CIVILIAN_TARGETING if v.target_type == "civilians" else "",
        country_numeric(iso2),
        acled_region(iso2),
        country_name(iso2),
        (place.admin1 or "") if place else "",
        (place.admin2 or "") if place else "",
        "",
        (place.name or "") if place else "",
        _coordinate(place.lat if place else None),
        _coordinate(place.lon if place else None),
        str(place.precision) if place and place.precision else "",
        _sources(ev),
        "",
        _notes(ev),
        str(v.killed.value) if v.killed else "0",
        _tags(ev),
        timestamp,
    ]


def write_acled(store: Store, path: Path, *, flt: ExportFilter | None = None, events: str = "fused") -> ExportResult:
    """Write the events passing ``flt`` as an ACLED-style CSV (streamed; actors held by id).

    ``events="fused"``: one row per fused event (``watchfloor.export.fused``),
    ``fatalities`` the best figure, with the fused tags (reports, grade,
    low / best / high, each member's figure, member keys) and every reporting
    outlet in ``source``; ``"reported"``:
    one row per document-level event.
    """
    flt = flt or ExportFilter()
    actors = load_actors(store)
    result = ExportResult(format="acled", path=str(path))
    tags_at, source_at = COLUMNS.index("tags"), COLUMNS.index("source")
    with atomic_output(path, newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        if events == "fused":
            from watchfloor.export.fused import fused_tags, iter_fused_records

            for record in iter_fused_records(store, flt):
                row = acled_row(record.export_event, actors)
                extra = fused_tags(record)
                if extra:
                    row[tags_at] = "; ".join([row[tags_at], *extra])
                    names = [n for n in row[source_at].split("; ") if n]
                    for member in record.members:  # every reporting outlet, after the sources cited
                        name = clean_tag(member.doc.publisher or "")
                        if name and name not in names:
                            names.append(name)
                    row[source_at] = "; ".join(names)
                writer.writerow(row)
                result.events += 1
        else:
            for ev in iter_export_events(store, flt):
                writer.writerow(acled_row(ev, actors))
                result.events += 1
    result.records = result.events
    log.info("wrote %s: %d ACLED rows (%s events)", path, result.records, events)
    return result
