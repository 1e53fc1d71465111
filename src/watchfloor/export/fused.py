"""Fused events for the exporters: one record per real-world event, with its member reports side by side.

``iter_fused_records`` streams the knowledge base's fused events
(``watchfloor.store.schema_fusion``) in keyset pages, each with the
``ExportEvent`` of every member (the document-level events fusion put
together), so exporters write one row per real-world event.  Document-level
events that are in no fused event (fusion has not run on them yet) come as
themselves: a fused export of a store where fusion never ran equals the
reported export.

Records come in the order of their lowest member event id (a document-level
event is never in two fused events), so the same store gives the same file.

Stable key of a fused event: the event key (``stream.event_key``) of its
*anchor*, the member from the earliest-published document (ties: the lower
key).  Reports that join later do not change it, a fused event of one report
has its report's key, and an event exported as reported and later as fused
keeps its id in the consumer's hands.

What a record holds:

* ``view``: an ``EventView`` of the real-world event, built from the fused
  event (type, date, place, actors, the *best* casualty figures as plain
  values) and its members (the first value given, in anchor order, for the
  fields fusion does not reconcile; the surest certainty; every member's
  cited sources and evidence sentences);
* ``killed`` / ``injured``: ``Figure`` low / best / high with each member's
  figure and the outlet behind it (the UCDP convention, see
  ``watchfloor.resolve.fusion``);
* ``reliability`` / ``credibility``: the Admiralty grade (None for events
  fusion has not run on).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from watchfloor.export.acled import clean_tag
from watchfloor.export.filters import ExportFilter
from watchfloor.export.stream import (
    _EVENT_COLUMNS,
    PAGE,
    DocMeta,
    ExportEvent,
    _doc_meta,
    _event_where,
    _evidence,
    _participants,
    _view,
    event_key,
    reading,
)
from watchfloor.models import Citation, PlaceRef, Qualifier, Quantity
from watchfloor.store import schema as db
from watchfloor.store import schema_fusion as fdb
from watchfloor.store.fusion_repo import figure_view, fused_conditions
from watchfloor.store.repository import Store
from watchfloor.store.views import EventView

log = logging.getLogger(__name__)

#: ``--events`` values of ``watchfloor export``.
EVENT_MODES = ("fused", "reported")
#: The mode each format exports when ``--events`` is not given.
DEFAULT_EVENTS: dict[str, str] = {
    "json": "fused",  # watchfloor-json/1 events (reported) plus a fused_events section
    "jsonl": "fused",
    "acled": "fused",
    "gtd": "fused",
    "geojson": "fused",
    "stix": "reported",  # reported events; fused adds a grouping per fused event
    "graphml": "reported",  # actors only: the option changes nothing
}
_SURENESS = {"asserted": 0, "reported": 1, "alleged": 2, "possible": 3}
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class FigureClaim:
    """One member's figure and who gave it."""

    event_id: int
    key: str
    document: str
    outlet: str | None
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Figure:
    """A reconciled figure: low / best / high and the member figures behind it."""

    low: int
    best: int
    high: int
    claims: tuple[FigureClaim, ...] = ()


@dataclass(slots=True)
class FusedRecord:
    """One real-world event as the fused exports see it."""

    key: str
    fused_id: int | None  # None: a document-level event fusion has not run on
    view: EventView
    doc: DocMeta  # the anchor's document
    local_id: str  # the anchor's local id
    members: list[ExportEvent] = field(default_factory=list)  # anchor first
    killed: Figure | None = None
    injured: Figure | None = None
    reliability: str | None = None
    credibility: int | None = None
    independent_sources: int = 1
    member_info: dict[int, dict[str, Any]] = field(default_factory=dict)  # event id -> reason, score

    @property
    def grade(self) -> str | None:
        """The Admiralty grade (``B2``), None before fusion ran on the event."""
        if self.reliability is None or self.credibility is None:
            return None
        return f"{self.reliability}{self.credibility}"

    @property
    def reports(self) -> int:
        """Number of documents reporting the event."""
        return len({m.doc.id for m in self.members})

    @property
    def fused(self) -> bool:
        return self.fused_id is not None

    @property
    def export_event(self) -> ExportEvent:
        """The record as an ``ExportEvent`` (for the per-event row builders of each format)."""
        return ExportEvent(view=self.view, key=self.key, local_id=self.local_id, doc=self.doc)


def resolve_mode(format: str, events: str | None) -> str:
    """The ``--events`` mode for ``format`` (its default when ``events`` is None)."""
    from watchfloor.errors import ConfigError

    if events is None:
        return DEFAULT_EVENTS.get(format, "reported")
    if events not in EVENT_MODES:
        raise ConfigError(f"--events {events!r}: expected one of {', '.join(EVENT_MODES)}")
    return events


# -- streaming -----------------------------------------------------------------------


def iter_fused_records(store: Store, flt: ExportFilter | None = None, *, page: int = PAGE) -> Iterator[FusedRecord]:
    """Fused events passing ``flt`` (on the fused fields), and unfused events passing it, one record each.

    Keyset pages of ``page`` document-level events: an unfused event is taken
    when it passes ``flt``; the member with the lowest id stands for its fused
    event, taken when the fused event passes ``flt``; other members are
    skipped.  Per page a few queries load the members of the fused events
    taken; memory holds one page.
    """
    flt = flt or ExportFilter()
    member = aliased(fdb.FusedMember)
    earlier = aliased(fdb.FusedMember)
    fused = aliased(fdb.FusedEvent)
    plain = and_(member.id.is_(None), *_event_where(flt))
    lead = and_(
        member.id.is_not(None),
        ~exists().where(earlier.fused_event_id == member.fused_event_id, earlier.event_id < db.Event.id),
        *fused_conditions(
            fused, since=flt.since, until=flt.until, country=flt.country, types=flt.types, actor_ids=flt.actor_ids
        ),
    )
    last = 0
    docs: dict[str, DocMeta] = {}
    while True:
        with reading(store) as session:
            rows = session.execute(
                select(db.Event.id, member.fused_event_id)
                .select_from(db.Event)
                .outerjoin(member, member.event_id == db.Event.id)
                .outerjoin(fused, fused.id == member.fused_event_id)
                .where(db.Event.id > last, or_(plain, lead))
                .order_by(db.Event.id)
                .limit(page)
            ).all()
            if not rows:
                return
            fused_ids = [int(f) for _e, f in rows if f is not None]
            fused_rows = _fused_rows(session, fused_ids)
            members = _members(session, fused_ids)
            wanted = [int(e) for e, f in rows if f is None] + [m for ms in members.values() for m, _r, _s in ms]
            events = _export_views(session, wanted)
            places = _places(session, {r.place_id for r in fused_rows.values() if r.place_id is not None})
        if len(docs) > 4 * page:
            docs.clear()
        docs.update(_doc_meta(store, {v.document for v, _l in events.values()} - docs.keys()))
        for event_id, fused_id in rows:
            if fused_id is None:
                view, local_id = events[int(event_id)]
                yield unfused_record(
                    ExportEvent(
                        view=view, key=event_key(view.document, local_id), local_id=local_id, doc=docs[view.document]
                    )
                )
                continue
            own = [
                ExportEvent(
                    view=events[m][0],
                    key=event_key(events[m][0].document, events[m][1]),
                    local_id=events[m][1],
                    doc=docs[events[m][0].document],
                )
                for m, _r, _s in members[int(fused_id)]
            ]
            info = {m: {"reason": r, "score": s} for m, r, s in members[int(fused_id)]}
            row = fused_rows[int(fused_id)]
            place = places.get(row.place_id) if row.place_id is not None else None
            yield fused_record(row, own, place=place, member_info=info)
        last = int(rows[-1][0])
        if len(rows) < page:
            return


def _fused_rows(session: Session, ids: Sequence[int]) -> dict[int, fdb.FusedEvent]:
    out: dict[int, fdb.FusedEvent] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in session.scalars(select(fdb.FusedEvent).where(fdb.FusedEvent.id.in_(ids[start : start + _CHUNK]))):
            out[row.id] = row
    return out


def _members(session: Session, fused_ids: Sequence[int]) -> dict[int, list[tuple[int, str, float]]]:
    out: dict[int, list[tuple[int, str, float]]] = {}
    for start in range(0, len(fused_ids), _CHUNK):
        for fused_id, event_id, reason, score in session.execute(
            select(
                fdb.FusedMember.fused_event_id, fdb.FusedMember.event_id, fdb.FusedMember.reason, fdb.FusedMember.score
            )
            .where(fdb.FusedMember.fused_event_id.in_(fused_ids[start : start + _CHUNK]))
            .order_by(fdb.FusedMember.event_id)
        ):
            out.setdefault(int(fused_id), []).append((int(event_id), str(reason), float(score)))
    return out


def _export_views(session: Session, ids: Sequence[int]) -> dict[int, tuple[EventView, str]]:
    """Event id -> (view, local id), built as ``stream.iter_export_events`` builds them."""
    out: dict[int, tuple[EventView, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        rows = session.execute(
            select(*_EVENT_COLUMNS)
            .select_from(db.Event)
            .outerjoin(db.Place, db.Place.id == db.Event.place_id)
            .where(db.Event.id.in_(chunk))
        ).all()
        participants = _participants(session, chunk)
        evidence, sources = _evidence(session, chunk)
        for row in rows:
            out[int(row[0])] = (_view(row, participants, evidence, sources), str(row[1]))
    return out


def _places(session: Session, ids: set[int]) -> dict[int, PlaceRef]:
    if not ids:
        return {}
    return {p.id: p.as_ref() for p in session.scalars(select(db.Place).where(db.Place.id.in_(sorted(ids))))}


# -- records ---------------------------------------------------------------------------


def _order(members: Sequence[ExportEvent]) -> list[ExportEvent]:
    """Members anchor first: earliest-published document, then key."""
    return sorted(members, key=lambda m: (m.doc.published or dt.date.max, m.key))


def _own_figure(ev: ExportEvent, name: str) -> Figure | None:
    q: Quantity | None = getattr(ev.view, name)
    if q is None:
        return None
    high = q.high if q.high is not None and q.high >= q.value else q.value
    claim = FigureClaim(ev.view.id, ev.key, ev.doc.id, ev.doc.publisher, q.value, high)
    return Figure(low=q.value, best=q.value, high=high, claims=(claim,))


def unfused_record(ev: ExportEvent) -> FusedRecord:
    """The record of a document-level event that is in no fused event: itself, ungraded."""
    return FusedRecord(
        key=ev.key,
        fused_id=None,
        view=ev.view,
        doc=ev.doc,
        local_id=ev.local_id,
        members=[ev],
        killed=_own_figure(ev, "killed"),
        injured=_own_figure(ev, "injured"),
        member_info={ev.view.id: {"reason": "unfused", "score": 0.0}},
    )


def _stored_figure(row: fdb.FusedEvent, name: str, keys: dict[int, ExportEvent]) -> Figure | None:
    view = figure_view(row, name)
    if view is None:
        return None
    claims = [
        FigureClaim(
            event_id=c.event_id,
            key=keys[c.event_id].key if c.event_id in keys else "",
            document=c.document,
            outlet=c.outlet,
            low=c.low,
            high=c.high,
        )
        for c in view.claims
    ]
    claims.sort(key=lambda c: (c.key, c.low, c.high, c.outlet or ""))
    return Figure(low=view.low, best=view.best, high=view.high, claims=tuple(claims))


def _first(values: Sequence[Any]) -> Any:
    return next((v for v in values if v is not None and v != ""), None)


def fused_record(
    row: fdb.FusedEvent,
    members: Sequence[ExportEvent],
    *,
    place: PlaceRef | None,
    member_info: dict[int, dict[str, Any]],
) -> FusedRecord:
    """The record of a fused event from its row and its members' export events."""
    ordered = _order(members)
    anchor = ordered[0]
    by_id = {m.view.id: m for m in ordered}
    killed = _stored_figure(row, "killed", by_id)
    injured = _stored_figure(row, "injured", by_id)
    views = [m.view for m in ordered]
    if len(ordered) == 1:
        view = anchor.view  # one report: the event as reported
    else:
        location = place
        if location is None:
            location = _first([v.location for v in views])
        same_type = [v for v in views if v.type == row.type] or views
        sources: list[Citation] = []
        for v in views:
            for c in v.sources:
                if all((c.outlet, c.date, c.person) != (s.outlet, s.date, s.person) for s in sources):
                    sources.append(c)
        weapons: list[str] = []
        for v in views:
            weapons.extend(w for w in v.weapons if w not in weapons)
        view = EventView(
            id=anchor.view.id,
            type=row.type,
            subtype=_first([v.subtype for v in same_type]),
            date=row.date_value,
            date_precision=row.date_precision,
            location=location,
            actors={role: list(ids) for role, ids in (row.fields or {}).get("actors", {}).items()},
            killed=Quantity(value=killed.best, qualifier=Qualifier.EXACT) if killed else None,
            injured=Quantity(value=injured.best, qualifier=Qualifier.EXACT) if injured else None,
            arrested=_first([v.arrested for v in views]),
            kidnapped=_first([v.kidnapped for v in views]),
            count=_first([v.count for v in views]),
            suicide=_first([v.suicide for v in views]),
            claimed=_first([v.claimed for v in views]),
            attribution=_first([v.attribution for v in views]),
            target=_first([v.target for v in views]),
            target_type=_first([v.target_type for v in views]),
            weapons=weapons,
            certainty=min((v.certainty for v in views), key=lambda c: _SURENESS.get(c, 9)),
            sources=sources,
            evidence=[e for v in views for e in v.evidence],
            document=anchor.view.document,
            date_start=row.date_start,
            date_end=row.date_end,
            place_text=_first([v.place_text for v in views]),
            confidence=max(v.confidence for v in views),
        )
    return FusedRecord(
        key=anchor.key,
        fused_id=row.id,
        view=view,
        doc=anchor.doc,
        local_id=anchor.local_id,
        members=ordered,
        killed=killed,
        injured=injured,
        reliability=row.reliability,
        credibility=row.credibility,
        independent_sources=row.independent_sources,
        member_info=member_info,
    )


# -- shared renderings -------------------------------------------------------------------


def figure_text(figure: Figure) -> str:
    """``12`` or ``12/13/15`` (low/best/high)."""
    if figure.low == figure.best == figure.high:
        return str(figure.best)
    return f"{figure.low}/{figure.best}/{figure.high}"


def figure_claims_text(figure: Figure) -> str:
    """``12 Reuters, 15 Daily Trust``: each member's figure and outlet."""
    parts = []
    for c in figure.claims:
        value = str(c.low) if c.low == c.high else f"{c.low}-{c.high}"
        parts.append(f"{value} {c.outlet}" if c.outlet else value)
    return ", ".join(parts)


def fused_tags(record: FusedRecord) -> list[str]:
    """``key=value`` items describing a fused event (none for an unfused one): reports, grade, member keys,
    the low / high figures and each member's figure."""
    if not record.fused:
        return []
    tags = [f"reports={record.reports}", f"grade={record.grade}"]
    for name in ("killed", "injured"):
        figure: Figure | None = getattr(record, name)
        if figure is None:
            continue
        tags.append(f"{name}_low={figure.low}")
        tags.append(f"{name}_best={figure.best}")
        tags.append(f"{name}_high={figure.high}")
        if figure.claims:
            tags.append(f"{name}_claims={clean_tag(figure_claims_text(figure))}")
    tags.append("members=" + ",".join(m.key for m in record.members))
    return tags


def _figure_json(figure: Figure | None) -> dict[str, Any] | None:
    if figure is None:
        return None
    return {
        "low": figure.low,
        "best": figure.best,
        "high": figure.high,
        "claims": [
            {
                "event": str(c.event_id),
                "key": c.key,
                "document": c.document,
                "outlet": c.outlet,
                "low": c.low,
                "high": c.high,
            }
            for c in figure.claims
        ],
    }


def fused_json(record: FusedRecord) -> dict[str, Any]:
    """The ``fused_events`` record of ``watchfloor-json/1`` (and a ``--events fused`` JSON Lines line).

    ``id`` and ``key`` are the stable key; members and evidence name the
    document-level events by their ``events`` ids (strings) and keys.
    """
    from watchfloor.export.wfjson import _figure, _location, _source, export_type

    v = record.view
    type_, subtype = export_type(v.type, v.subtype)
    members = []
    for m in record.members:
        info = record.member_info.get(m.view.id, {})
        members.append(
            {
                "event": str(m.view.id),
                "key": m.key,
                "document": m.doc.id,
                "publisher": m.doc.publisher,
                "published": m.doc.published.isoformat() if m.doc.published else None,
                "reason": info.get("reason"),
                "score": info.get("score"),
                "type": m.view.type,
                "date": m.view.date,
                "certainty": m.view.certainty,
                "killed": _figure(m.view.killed),
                "injured": _figure(m.view.injured),
                "sources": [_source(c) for c in m.view.sources],
            }
        )
    evidence = [
        {
            "event": str(m.view.id),
            "document": e.document,
            "file": e.file,
            "start": e.start,
            "end": e.end,
            "text": e.text,
            "certainty": e.certainty,
        }
        for m in record.members
        for e in m.view.evidence
    ]
    return {
        "id": record.key,
        "key": record.key,
        "fused": record.fused,
        "type": type_,
        "subtype": subtype,
        "native_type": v.type,
        "date": v.date,
        "date_precision": v.date_precision,
        "date_start": v.date_start.isoformat() if v.date_start else None,
        "date_end": v.date_end.isoformat() if v.date_end else None,
        "location": _location(v.location),
        "actors": {role: [str(a) for a in ids] for role, ids in v.actors.items()},
        "killed": _figure_json(record.killed),
        "injured": _figure_json(record.injured),
        "certainty": v.certainty,
        "grade": record.grade,
        "reliability": record.reliability,
        "credibility": record.credibility,
        "independent_sources": record.independent_sources if record.fused else None,
        "reports": record.reports,
        "documents": list(dict.fromkeys(m.doc.id for m in record.members)),
        "members": members,
        "evidence": evidence,
    }
