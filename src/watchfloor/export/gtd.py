"""GTD-style CSV: one row per incident, with the Global Terrorism Database's column names and label lists.

Only violent events are GTD incidents: those whose native type has a GTD
attack type in ``watchfloor.extract.taxonomy`` (attack, suicide_attack,
bombing, armed_assault, assassination, kidnapping, arson, shelling, clash),
and not those whose perpetrators are all state forces (the GTD records
non-state violence).  Other events are counted as skipped.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from watchfloor.export.common import ExportResult, country_name
from watchfloor.export.filters import ExportFilter
from watchfloor.export.stream import ExportEvent, atomic_output, iter_export_events, load_actors
from watchfloor.store.repository import Store
from watchfloor.store.views import ActorView

log = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = (
    "eventid",
    "iyear",
    "imonth",
    "iday",
    "country_txt",
    "provstate",
    "city",
    "latitude",
    "longitude",
    "specificity",
    "attacktype1_txt",
    "targtype1_txt",
    "target1",
    "gname",
    "nkill",
    "nwound",
    "suicide",
    "claimed",
    "weaptype1_txt",
    "summary",
    "scite1",
    "scite2",
    "scite3",
)

#: Columns appended by ``--events fused`` (not GTD's): documents reporting the incident, the Admiralty
#: grade, low / high killed and wounded (``nkill``/``nwound`` hold the best figure) with each report's
#: figure, and the keys of the member reports.
FUSED_COLUMNS: tuple[str, ...] = (
    "wf_reports",
    "wf_grade",
    "wf_nkill_low",
    "wf_nkill_high",
    "wf_nkill_claims",
    "wf_nwound_low",
    "wf_nwound_high",
    "wf_nwound_claims",
    "wf_members",
)

ATTACK_TYPES: tuple[str, ...] = (
    "Assassination",
    "Armed Assault",
    "Bombing/Explosion",
    "Hijacking",
    "Hostage Taking (Barricade Incident)",
    "Hostage Taking (Kidnapping)",
    "Facility/Infrastructure Attack",
    "Unarmed Assault",
    "Unknown",
)

TARGET_TYPES: tuple[str, ...] = (
    "Business",
    "Government (General)",
    "Police",
    "Military",
    "Abortion Related",
    "Airports & Aircraft",
    "Government (Diplomatic)",
    "Educational Institution",
    "Food or Water Supply",
    "Journalists & Media",
    "Maritime",
    "NGO",
    "Other",
    "Private Citizens & Property",
    "Religious Figures/Institutions",
    "Telecommunication",
    "Terrorists/Non-State Militia",
    "Tourists",
    "Transportation",
    "Unknown",
    "Utilities",
    "Violent Political Party",
)

WEAPON_TYPES: tuple[str, ...] = (
    "Biological",
    "Chemical",
    "Radiological",
    "Nuclear",
    "Firearms",
    "Explosives",
    "Fake Weapons",
    "Incendiary",
    "Melee",
    "Vehicle",
    "Sabotage Equipment",
    "Other",
    "Unknown",
)

#: Native target types (``extract.triggers.TARGET_TYPES`` values) -> GTD target type.
TARGET_TYPE_MAP: dict[str, str] = {
    "business": "Business",
    "government": "Government (General)",
    "police": "Police",
    "military": "Military",
    "diplomatic": "Government (Diplomatic)",
    "educational": "Educational Institution",
    "journalists": "Journalists & Media",
    "civilians": "Private Citizens & Property",
    "religious": "Religious Figures/Institutions",
    "transport": "Transportation",
    "utilities": "Utilities",
    "ngo": "NGO",
    "tourists": "Tourists",
    "maritime": "Maritime",
    "airports": "Airports & Aircraft",
    "telecommunication": "Telecommunication",
}

#: Target actor kind -> GTD target type, when the event has no target type.
TARGET_KIND_MAP: dict[str, str] = {
    "state": "Government (General)",
    "armed_group": "Terrorists/Non-State Militia",
    "media": "Journalists & Media",
    "political_party": "Violent Political Party",
    "person": "Private Citizens & Property",
    "organisation": "Other",
}

#: Native weapon classes (lower-case GTD names) -> GTD weapon type.
WEAPON_MAP: dict[str, str] = {w.lower(): w for w in WEAPON_TYPES} | {
    "fake": "Fake Weapons",
    "sabotage": "Sabotage Equipment",
}

#: GTD ``specificity`` from the place's ACLED geo precision (5: no coordinates).
SPECIFICITY: dict[int, int] = {1: 1, 2: 2, 3: 3}


def gtd_attack_type(native: str) -> str | None:
    from watchfloor.extract.taxonomy import TAXONOMY

    t = TAXONOMY.get(native)
    return t.gtd_attacktype if t else None


def _actors(ev: ExportEvent, roles: tuple[str, ...], actors: dict[int, ActorView]) -> list[ActorView]:
    out: list[ActorView] = []
    for role in roles:
        for actor_id in ev.view.actors.get(role, []):
            actor = actors.get(actor_id)
            if actor is not None and actor not in out:
                out.append(actor)
    return out


def is_incident(ev: ExportEvent, actors: dict[int, ActorView]) -> bool:
    """Whether the event is a GTD incident (see the module docstring)."""
    if gtd_attack_type(ev.view.type) is None:
        return False
    perpetrators = _actors(ev, ("perpetrator", "actor"), actors)
    return not perpetrators or any(a.kind != "state" for a in perpetrators)


def _date_parts(value: str | None) -> tuple[str, str, str]:
    if not value:
        return "0", "0", "0"
    parts = [int(p) for p in value.split("-")[:3] if p.isdigit()]
    parts += [0] * (3 - len(parts))
    return str(parts[0]), str(parts[1]), str(parts[2])


def _citations(ev: ExportEvent) -> list[str]:
    cites: list[str] = []
    for c in ev.view.sources:
        name = c.outlet or c.person
        if name:
            cites.append(f"{name}, {c.date.isoformat()}" if c.date else name)
    doc = ev.doc
    own = ", ".join(
        p
        for p in (
            doc.publisher,
            f'"{doc.title}"' if doc.title else doc.file,
            doc.published.isoformat() if doc.published else None,
        )
        if p
    )
    cites.append(own)
    unique = list(dict.fromkeys(c for c in cites if c))[:3]
    return unique + [""] * (3 - len(unique))


def gtd_row(ev: ExportEvent, actors: dict[int, ActorView]) -> list[str]:
    """The GTD row (in ``COLUMNS`` order) of one incident."""
    v = ev.view
    place = v.location
    year, month, day = _date_parts(v.date)
    has_coords = place is not None and place.lat is not None and place.lon is not None
    targets = _actors(ev, ("target", "counterpart"), actors)
    perpetrators = [a for a in _actors(ev, ("perpetrator", "actor"), actors) if a.kind != "state"]
    target_type = TARGET_TYPE_MAP.get(v.target_type or "") or (
        TARGET_KIND_MAP.get(targets[0].kind, "Unknown") if targets else "Unknown"
    )
    weapon = WEAPON_MAP.get(v.weapons[0].lower(), "Other") if v.weapons else "Unknown"
    evidence = " ".join(dict.fromkeys(" ".join(e.text.split()) for e in v.evidence if e.text.strip()))
    summary = f"{v.date}: {evidence}" if v.date and evidence else evidence
    return [
        ev.key,
        year,
        month,
        day,
        country_name(place.country) if place else "",
        (place.admin1 or "") if place else "",
        (place.name or "") if place else "",
        f"{place.lat:.6f}" if has_coords and place and place.lat is not None else "",
        f"{place.lon:.6f}" if has_coords and place and place.lon is not None else "",
        str(SPECIFICITY.get(place.precision or 0, 4)) if has_coords and place else "5",
        gtd_attack_type(v.type) or "Unknown",
        target_type,
        v.target or (targets[0].name if targets else ""),
        perpetrators[0].name if perpetrators else "Unknown",
        str(v.killed.value) if v.killed else "",
        str(v.injured.value) if v.injured else "",
        "1" if v.suicide else "0",
        "-9" if v.claimed is None else "1" if v.claimed else "0",
        weapon,
        summary,
        *_citations(ev),
    ]


def write_gtd(store: Store, path: Path, *, flt: ExportFilter | None = None, events: str = "fused") -> ExportResult:
    """Write the violent events passing ``flt`` as a GTD-style CSV (streamed).

    ``events="fused"``: one row per fused event (``nkill``/``nwound`` the best
    figures; the columns of ``FUSED_COLUMNS`` appended); ``"reported"``: one
    row per document-level event, GTD columns only.
    """
    flt = flt or ExportFilter()
    actors = load_actors(store)
    result = ExportResult(format="gtd", path=str(path))
    with atomic_output(path, newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        if events == "fused":
            from watchfloor.export.fused import figure_claims_text, iter_fused_records

            writer.writerow((*COLUMNS, *FUSED_COLUMNS))
            for record in iter_fused_records(store, flt):
                result.events += 1
                ev = record.export_event
                if not is_incident(ev, actors):
                    result.skipped += 1
                    continue
                extra = [str(record.reports), record.grade or ""]
                for figure in (record.killed, record.injured):
                    extra += [str(figure.low), str(figure.high), figure_claims_text(figure)] if figure else ["", "", ""]
                extra.append(",".join(m.key for m in record.members))
                writer.writerow([*gtd_row(ev, actors), *extra])
                result.records += 1
        else:
            writer.writerow(COLUMNS)
            for ev in iter_export_events(store, flt):
                result.events += 1
                if not is_incident(ev, actors):
                    result.skipped += 1
                    continue
                writer.writerow(gtd_row(ev, actors))
                result.records += 1
    log.info("wrote %s: %d GTD incidents (%d non-GTD events skipped)", path, result.records, result.skipped)
    return result
