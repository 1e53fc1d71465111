"""Read routes of the fused knowledge base: ``/api/fused-events`` (list) and ``/api/fused-events/{id}``.

A fused event is one real-world event fused from the document-level events
(its members) that several reports state (``watchfloor.resolve.fusion``).  The
list takes the same kind of filters and cursor pagination as ``/api/events``
(date range, country, type, actor, grade) plus ``credibility`` and
``min_reports``; the detail gives the fused fields, casualty figures as low /
best / high with each report's figure, the Admiralty grade, and every member
side by side: its report, the decision that put it there, its figures and
certainty, and its claims with their evidence, cited sources and grades.

``fused_event_of`` is the hook the event detail uses to name the fused event
an event belongs to.  Queries go through bound parameters only.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.errors import NotFoundError
from watchfloor.serve.auth import require_read
from watchfloor.serve.queries import GradeCache, _quantity_dict, claims_where, decode_cursor, encode_cursor
from watchfloor.serve.routes.deps import get_grades, invalid, read_session
from watchfloor.serve.schemas import (
    DEFAULT_PAGE_SIZE,
    MAX_ID,
    MAX_PAGE_SIZE,
    TEXT_PATTERN,
    ClaimOut,
    Grade,
    Order,
    Page,
    ParticipantOut,
    QuantityOut,
)
from watchfloor.store import schema as db
from watchfloor.store import schema_fusion as fdb
from watchfloor.store.fusion_repo import figure_view, fused_conditions

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", dependencies=[Depends(require_read)])


# -- response models ---------------------------------------------------------------


class FigureClaimOut(BaseModel):
    """One member's figure and the outlet behind it."""

    event: int
    document: str
    outlet: str | None = None
    low: int
    high: int


class FigureOut(BaseModel):
    """A casualty figure reconciled across reports (UCDP convention)."""

    low: int
    best: int
    high: int
    claims: list[FigureClaimOut] = Field(default_factory=list)


class FusedEventOut(BaseModel):
    id: int
    type: str
    date: str | None = None
    date_precision: str | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    country: str | None = None
    admin1: str | None = None
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    killed: FigureOut | None = None
    injured: FigureOut | None = None
    reliability: Grade = "F"
    credibility: int = 6
    grade: str = Field(description="Admiralty grade: source reliability A-F and information credibility 1-6")
    independent_sources: int = 0
    reports: int = Field(0, description="documents reporting the event")


class FusedMemberOut(BaseModel):
    """A report's event in a fused event: why it is there, what it says, and its claims."""

    id: int = Field(description="the fusion merge id (``watchfloor merges show``)")
    event: int
    document: str
    document_title: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    repost_of: str | None = None
    reason: str = Field(description="seed, fused or split")
    score: float
    evidence: dict[str, Any] = Field(default_factory=dict, description="per-field agreement when it joined")
    type: str
    date: str | None = None
    place: str | None = None
    certainty: str
    killed: QuantityOut | None = None
    injured: QuantityOut | None = None
    grade: Grade = "F"
    claims: list[ClaimOut] = Field(default_factory=list)


class FusedEventDetail(FusedEventOut):
    actors: list[ParticipantOut] = Field(default_factory=list)
    members: list[FusedMemberOut] = Field(default_factory=list)


# -- queries -----------------------------------------------------------------------


def fused_event_of(session: Session, event_id: int) -> int | None:
    """The fused event a document-level event belongs to (None before fusion ran on it)."""
    found = session.scalar(select(fdb.FusedMember.fused_event_id).where(fdb.FusedMember.event_id == event_id))
    return int(found) if found is not None else None


def _figure(row: fdb.FusedEvent, name: str, *, with_claims: bool) -> FigureOut | None:
    view = figure_view(row, name)
    if view is None:
        return None
    claims = [
        FigureClaimOut(event=c.event_id, document=c.document, outlet=c.outlet, low=c.low, high=c.high)
        for c in (view.claims if with_claims else [])
    ]
    return FigureOut(low=view.low, best=view.best, high=view.high, claims=claims)


def _fused_out(row: fdb.FusedEvent, place: db.Place | None, *, detail: bool = False) -> dict[str, Any]:
    return {
        "id": row.id,
        "type": row.type,
        "date": row.date_value,
        "date_precision": row.date_precision,
        "date_start": row.date_start,
        "date_end": row.date_end,
        "country": row.country,
        "admin1": row.admin1,
        "place": place.name if place is not None else None,
        "lat": place.lat if place is not None else None,
        "lon": place.lon if place is not None else None,
        "killed": _figure(row, "killed", with_claims=detail),
        "injured": _figure(row, "injured", with_claims=detail),
        "reliability": row.reliability,
        "credibility": row.credibility,
        "grade": f"{row.reliability}{row.credibility}",
        "independent_sources": row.independent_sources,
        "reports": row.documents,
    }


def _places(session: Session, rows: list[fdb.FusedEvent]) -> dict[int, db.Place]:
    ids = sorted({r.place_id for r in rows if r.place_id is not None})
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(db.Place).where(db.Place.id.in_(ids)))}


def list_fused(
    session: Session,
    *,
    cursor: str | None,
    limit: int,
    order: Order = "id",
    since: dt.date | None = None,
    until: dt.date | None = None,
    country: str | None = None,
    type: str | None = None,
    actor: int | None = None,
    grade: Grade | None = None,
    credibility: int | None = None,
    min_reports: int = 1,
) -> Page[FusedEventOut]:
    """One page of fused events (by id), filtered."""
    key = fdb.FusedEvent.id
    query = select(fdb.FusedEvent).where(
        *fused_conditions(
            fdb.FusedEvent,
            since=since,
            until=until,
            country=country,
            types=[type] if type else [],
            actor_ids=[actor] if actor is not None else [],
            reliability=grade,
            credibility=credibility,
            min_reports=min_reports,
        )
    )
    descending = order == "-id"
    if cursor is not None:
        last = decode_cursor(cursor, kind=int)
        query = query.where(key < last if descending else key > last)
    rows = list(session.scalars(query.order_by(key.desc() if descending else key).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    places = _places(session, rows)
    items = [FusedEventOut(**_fused_out(r, places.get(r.place_id) if r.place_id is not None else None)) for r in rows]
    return Page[FusedEventOut](
        items=items, next_cursor=encode_cursor(rows[-1].id) if more and rows else None, limit=limit
    )


def _quantity(event: db.Event, name: str) -> QuantityOut | None:
    columns = _quantity_dict(event, name)
    return QuantityOut(**columns) if columns is not None else None


def get_fused(session: Session, fused_id: int, *, grades: GradeCache) -> FusedEventDetail:
    """One fused event with its actors and every member's report, figures and claims."""
    row = session.get(fdb.FusedEvent, fused_id)
    if row is None:
        raise NotFoundError(f"fused event {fused_id}: no such fused event")
    place = session.get(db.Place, row.place_id) if row.place_id is not None else None
    members = list(
        session.execute(
            select(fdb.FusedMember, db.Event, db.Document.title, db.Document.publisher, db.Document.published)
            .join(db.Event, db.Event.id == fdb.FusedMember.event_id)
            .join(db.Document, db.Document.id == fdb.FusedMember.document_id)
            .where(fdb.FusedMember.fused_event_id == fused_id)
        )
    )
    members.sort(key=lambda m: (m[4] or dt.date.max, m[0].document_id, m[0].event_id))  # earliest report first
    event_ids = [m[0].event_id for m in members]
    repost_of = {
        doc: original
        for doc, original in session.execute(
            select(db.Document.id, db.Document.repost_of).where(db.Document.id.in_({m[0].document_id for m in members}))
        )
    }
    member_places = {
        p.id: p
        for p in session.scalars(
            select(db.Place).where(db.Place.id.in_({m[1].place_id for m in members if m[1].place_id is not None}))
        )
    }
    claims: dict[int, list[ClaimOut]] = {}
    for claim in claims_where(session, db.Claim.event_id.in_(event_ids), grades=grades):
        claims.setdefault(claim.event or 0, []).append(claim)
    out_members = []
    for member, event, title, publisher, published in members:
        own = claims.get(event.id, [])
        member_place = member_places.get(event.place_id) if event.place_id is not None else None
        out_members.append(
            FusedMemberOut(
                id=member.id,
                event=event.id,
                document=member.document_id,
                document_title=title,
                publisher=publisher,
                published=published,
                repost_of=repost_of.get(member.document_id),
                reason=member.reason,
                score=member.score,
                evidence=dict(member.evidence or {}),
                type=event.type,
                date=event.date_value,
                place=member_place.name if member_place is not None else event.place_text,
                certainty=event.certainty,
                killed=_quantity(event, "killed"),
                injured=_quantity(event, "injured"),
                grade=min((c.grade for c in own), default=grades.grade(publisher)),
                claims=own,
            )
        )
    roles: dict[str, list[int]] = (row.fields or {}).get("actors", {})
    actor_ids = sorted({int(a) for ids in roles.values() for a in ids})
    names = {a.id: a for a in session.scalars(select(db.Actor).where(db.Actor.id.in_(actor_ids)))} if actor_ids else {}
    actors = [
        ParticipantOut(actor=a, name=names[a].name, kind=names[a].kind, role=role)
        for role, ids in roles.items()
        for a in ids
        if a in names
    ]
    return FusedEventDetail(**_fused_out(row, place, detail=True), actors=actors, members=out_members)


# -- routes ------------------------------------------------------------------------


def _json(model: BaseModel) -> Response:
    return Response(content=model.model_dump_json().encode("utf-8"), media_type="application/json")


SessionDep = Annotated[Session, Depends(read_session)]
GradesDep = Annotated[GradeCache, Depends(get_grades)]


@router.get("/fused-events", response_model=Page[FusedEventOut], tags=["fused events"])
def list_fused_events(
    session: SessionDep,
    since: Annotated[dt.date | None, Query(description="fused events ending on or after this date")] = None,
    until: Annotated[dt.date | None, Query(description="fused events starting on or before this date")] = None,
    country: Annotated[
        str | None, Query(max_length=8, pattern=r"^[A-Za-z]{2,3}$", description="ISO 3166-1 alpha-2")
    ] = None,
    type: Annotated[str | None, Query(max_length=64, pattern=TEXT_PATTERN, description="event type")] = None,
    actor: Annotated[int | None, Query(ge=1, le=MAX_ID, description="an actor in any member report")] = None,
    grade: Annotated[Grade | None, Query(description="source reliability this good or better (A best)")] = None,
    credibility: Annotated[
        int | None, Query(ge=1, le=6, description="credibility this good or better (1 best)")
    ] = None,
    min_reports: Annotated[int, Query(ge=1, le=100_000, description="reported by at least this many documents")] = 1,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"page size (at most {MAX_PAGE_SIZE})")] = (
        DEFAULT_PAGE_SIZE
    ),
    order: Annotated[Order, Query(description="id ascending, or -id descending")] = "id",
) -> Response:
    """Fused events (one per real-world event), filtered, a page at a time."""
    if since is not None and until is not None and since > until:
        raise invalid("since", "since is after until")
    result = list_fused(
        session,
        cursor=cursor,
        limit=limit,
        order=order,
        since=since,
        until=until,
        country=country,
        type=type,
        actor=actor,
        grade=grade,
        credibility=credibility,
        min_reports=min_reports,
    )
    return _json(result)


@router.get("/fused-events/{fused_id}", response_model=FusedEventDetail, tags=["fused events"])
def get_fused_event(
    fused_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: SessionDep,
    grades: GradesDep,
) -> Response:
    """One fused event: figures (low / best / high with each report's), grade, actors, and every member report
    with its claims, sources and certainty side by side."""
    return _json(get_fused(session, fused_id, grades=grades))
