"""The API's read queries: filters, keyset (cursor) pagination and aggregations over the store.

Every function takes an open SQLAlchemy ``Session`` and returns the pydantic
models of ``watchfloor.serve.schemas``; user input only ever reaches SQL as
bound parameters.  Writes (claim review, merges, splits, audit) live in
``watchfloor.serve.review``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    exists,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from watchfloor.errors import ConfigError, NotFoundError
from watchfloor.resolve.grading import RELIABILITY, GradeTable, load_grade_table
from watchfloor.serve.schemas import (
    ActorDetail,
    ActorOut,
    AuditOut,
    ClaimOut,
    DocumentDetail,
    DocumentOut,
    EventDetail,
    EventFilter,
    EventOut,
    FacetsOut,
    Grade,
    Interval,
    MapOut,
    MergeOut,
    NetworkEdge,
    NetworkNode,
    NetworkOut,
    Order,
    Page,
    ParticipantOut,
    QuantityOut,
    RelationDetail,
    RelationOut,
    ReviewOut,
    ReviewStatus,
    SourceOut,
    TimelineBucket,
    TimelineOut,
)
from watchfloor.store import schema as db
from watchfloor.store.schema_review import AuditEntry, ClaimReview, EventMerge
from watchfloor.store.search import fts5_expression, query_terms

log = logging.getLogger(__name__)

#: At most this many places come back from the map aggregation (the busiest first).
MAP_MAX_POINTS = 5000
#: Claims listed on an actor page (its events' and relations' claims, newest first).
ACTOR_CLAIMS_LIMIT = 500
NETWORK_MAX_NODES = 300
GRADE_CACHE_SECONDS = 60.0


# -- cursors -----------------------------------------------------------------


def encode_cursor(last: int | str) -> str:
    """An opaque cursor for the row after ``last`` (an id)."""
    raw = f"i:{last}" if isinstance(last, int) else f"s:{last}"
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, *, kind: type[int] | type[str]) -> int | str:
    """The id a cursor points after; a malformed cursor raises ``ConfigError``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"cursor {cursor[:40]!r}: not a cursor from this API") from exc
    tag, _, value = raw.partition(":")
    if kind is int and tag == "i" and value.lstrip("-").isdigit() and abs(int(value)) < 2**62:
        return int(value)
    if kind is str and tag == "s" and value:
        return value
    raise ConfigError(f"cursor {cursor[:40]!r}: not a cursor from this API")


def _page(
    session: Session, query: Any, key: Any, *, cursor: str | None, limit: int, order: Order, kind: type[int] | type[str]
) -> tuple[list[Any], str | None]:
    """Rows of ``query`` ordered by ``key`` after ``cursor``; the cursor of the next page, if any."""
    descending = order == "-id"
    if cursor is not None:
        last = decode_cursor(cursor, kind=kind)
        query = query.where(key < last if descending else key > last)
    query = query.order_by(key.desc() if descending else key).limit(limit + 1)
    rows = list(session.connection().execute(query))  # Core execution: no ORM overhead for column rows
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], key.key)) if more and rows else None
    return rows, next_cursor


# -- grades ------------------------------------------------------------------


@dataclass(slots=True)
class GradeCache:
    """Outlet and publisher names of the store by reliability grade (refreshed every minute)."""

    table: GradeTable = field(default_factory=load_grade_table)
    ttl: float = GRADE_CACHE_SECONDS
    _at: float = -1e18
    _outlets: dict[str, str] = field(default_factory=dict)
    _publishers: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def grade(self, name: str | None) -> Grade:
        return self.table.reliability(name)  # type: ignore[return-value]

    def names_at_least(self, session: Session, grade: Grade) -> tuple[list[str], list[str]]:
        """(cited outlets, document publishers) whose reliability is ``grade`` or better."""
        with self._lock:
            if time.monotonic() - self._at > self.ttl:
                outlets = session.scalars(
                    select(db.ClaimSource.outlet).where(db.ClaimSource.outlet.is_not(None)).distinct()
                )
                publishers = session.scalars(
                    select(db.Document.publisher).where(db.Document.publisher.is_not(None)).distinct()
                )
                self._outlets = {o: self.grade(o) for o in outlets if o}
                self._publishers = {p: self.grade(p) for p in publishers if p}
                self._at = time.monotonic()
            return (
                sorted(o for o, g in self._outlets.items() if g <= grade),
                sorted(p for p, g in self._publishers.items() if g <= grade),
            )

    def invalidate(self) -> None:
        with self._lock:
            self._at = -1e18


@dataclass(slots=True)
class AggregateCache:
    """Recent aggregation answers (timeline, map, network) by filters: bounded, short-lived, cleared on API writes.

    A dashboard asks the same aggregations again and again; recomputing a
    group-by over a million events for each is what this saves.  Writes made
    by other processes (ingestion) show up after at most ``ttl`` seconds.
    """

    ttl: float = 30.0
    size: int = 256
    _entries: dict[tuple[Any, ...], tuple[float, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _computing: dict[tuple[Any, ...], threading.Lock] = field(default_factory=dict)

    def lookup(self, key: tuple[Any, ...]) -> tuple[bool, Any]:
        """(True, the cached answer) for a fresh entry of ``key``, else (False, None)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None and time.monotonic() - found[0] < self.ttl:
                return True, found[1]
            return False, None

    def get_or_compute(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The cached answer for ``key``, or ``compute()``; concurrent askers of one key wait for one computation."""
        hit, value = self.lookup(key)
        if hit:
            return value
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            hit, value = self.lookup(key)  # computed while this thread waited
            if hit:
                return value
            started = time.monotonic()
            value = compute()
            self.store(key, value, computed_at=started)
            with self._lock:
                self._computing.pop(key, None)
        return value

    def store(self, key: tuple[Any, ...], value: Any, *, computed_at: float) -> None:
        """Keep ``value`` as the answer for ``key`` (computed at ``computed_at``, a ``time.monotonic()``)."""
        with self._lock:
            if key not in self._entries and len(self._entries) >= self.size:
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                del self._entries[oldest]
            self._entries[key] = (computed_at, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# -- event filters -------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _text_match_claims(session: Session, q: str) -> Any:
    """A selectable of claim ids whose evidence matches ``q``."""
    if _dialect(session) == "sqlite":
        return (
            text(
                "SELECT e.claim_id FROM search_fts JOIN search_entries AS e ON e.id = search_fts.rowid "
                "WHERE search_fts MATCH :fts_claims AND e.kind = 'claim'"
            )
            .bindparams(fts_claims=fts5_expression(q))
            .columns(column("claim_id", Integer))
        )
    tsq = func.plainto_tsquery("english", " ".join(query_terms(q)))
    return select(db.Claim.id).where(func.to_tsvector("english", db.Claim.evidence_text).op("@@")(tsq))


def _text_match_documents(session: Session, q: str) -> Any:
    """A selectable of document ids whose text matches ``q``."""
    if _dialect(session) == "sqlite":
        return (
            text(
                "SELECT e.document_id FROM search_fts JOIN search_entries AS e ON e.id = search_fts.rowid "
                "WHERE search_fts MATCH :fts_docs AND e.kind = 'document'"
            )
            .bindparams(fts_docs=fts5_expression(q))
            .columns(column("document_id", db.Document.id.type))
        )
    tsq = func.plainto_tsquery("english", " ".join(query_terms(q)))
    body = func.to_tsvector("english", func.left(db.Document.text, 500000))
    return select(db.Document.id).where(body.op("@@")(tsq))


def _span_days(session: Session) -> Any:
    """``date_end - date_start`` in days, as indexed by ``ix_events_date_span`` (migration 0004)."""
    if _dialect(session) == "sqlite":
        return func.julianday(db.Event.date_end) - func.julianday(db.Event.date_start)
    return db.Event.date_end - db.Event.date_start


def longest_span(session: Session) -> int | None:
    """Days between the start and end of the longest-lasting event; ``None`` when some event has no start.

    Two index look-ups (the span expression index, and ``date_start IS NULL``
    in ``ix_events_dates_place``), so asking on every filtered request is cheap.
    """
    span = _span_days(session)
    open_start = (
        select(db.Event.id)
        .where(db.Event.date_start.is_(None), db.Event.date_end.is_not(None))
        .limit(1)
        .scalar_subquery()
    )
    longest = select(span).where(span.is_not(None)).order_by(span.desc()).limit(1).scalar_subquery()
    found = session.connection().execute(select(open_start.label("open_start"), longest.label("longest"))).one()
    if found.open_start is not None:
        return None
    return math.ceil(float(found.longest)) if found.longest is not None else 0


def _date_conditions(session: Session, since: dt.date | None, until: dt.date | None) -> list[ColumnElement[bool]]:
    """Events overlapping ``since`` .. ``until``.

    ``date_end >= since`` and ``date_start <= until`` select the overlap, but
    neither narrows an index range by much; ``date_start >= since - longest
    span`` (true of every overlapping event) does, so a window becomes a range
    scan of the date indexes.
    """
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(db.Event.date_end >= since)
        start = _span_start(session, since)
        if start is not None:
            where.append(db.Event.date_start >= start)
    if until is not None:
        where.append(db.Event.date_start <= until)
    return where


def _span_start(session: Session, since: dt.date) -> dt.date | None:
    """The earliest start an event overlapping ``[since, ...)`` can have (``since`` minus the longest span),
    or None when no event has a span or the bound would fall before year 1."""
    span = longest_span(session)
    if span is None or span >= (since - dt.date.min).days:
        return None
    return since - dt.timedelta(days=span)


def _not_merged_away(event_id: Any = db.Event.id) -> ColumnElement[bool]:
    """Leaves out events folded into another by a live merge (one subquery, evaluated once).

    ``event_id`` is the column holding the event id (``events.id`` by default).
    """
    return event_id.not_in(select(EventMerge.merged_event_id).where(EventMerge.undone.is_(False)))


def event_conditions(session: Session, filters: EventFilter, *, grades: GradeCache) -> list[ColumnElement[bool]]:
    """WHERE clauses on ``events`` for ``filters`` (merged-away events always left out)."""
    f = filters
    where: list[ColumnElement[bool]] = [_not_merged_away()]
    where.extend(_date_conditions(session, f.since, f.until))
    if f.country:
        where.append(db.Event.country == f.country.upper())
    if f.admin1:
        where.append(db.Event.admin1 == f.admin1)
    if f.type:
        where.append(db.Event.type == f.type)
    if f.certainty is not None:
        where.append(db.Event.certainty == f.certainty.value)
    if f.document:
        where.append(db.Event.document_id == f.document)
    if f.actor is not None:
        where.append(
            db.Event.id.in_(select(db.EventParticipant.event_id).where(db.EventParticipant.actor_id == f.actor))
        )
    if f.bbox is not None:
        b = f.bbox
        lon = (
            db.Place.lon.between(b.min_lon, b.max_lon)
            if b.min_lon <= b.max_lon
            else or_(db.Place.lon >= b.min_lon, db.Place.lon <= b.max_lon)  # across the antimeridian
        )
        where.append(db.Event.place_id.in_(select(db.Place.id).where(db.Place.lat.between(b.min_lat, b.max_lat), lon)))
    if f.grade is not None:
        outlets, publishers = grades.names_at_least(session, f.grade)
        options: list[ColumnElement[bool]] = []
        if publishers:
            options.append(
                db.Event.document_id.in_(select(db.Document.id).where(db.Document.publisher.in_(publishers)))
            )
        if outlets:
            options.append(
                exists()
                .where(db.Claim.event_id == db.Event.id)
                .where(exists().where(db.ClaimSource.claim_id == db.Claim.id, db.ClaimSource.outlet.in_(outlets)))
            )
        where.append(or_(*options) if options else false())
    if f.q is not None and f.q.strip():
        if not query_terms(f.q):
            where.append(false())
        else:
            where.append(
                or_(
                    db.Event.id.in_(select(db.Claim.event_id).where(db.Claim.id.in_(_text_match_claims(session, f.q)))),
                    db.Event.document_id.in_(_text_match_documents(session, f.q)),
                )
            )
    return where


# -- events ------------------------------------------------------------------


def _quantity_dict(row: Any, name: str) -> dict[str, Any] | None:
    """The ``<name>_value/_qualifier/_high`` columns of an event row, or ``None`` without a value."""
    value = getattr(row, f"{name}_value")
    if value is None:
        return None
    return {
        "value": value,
        "qualifier": getattr(row, f"{name}_qualifier") or "exact",
        "high": getattr(row, f"{name}_high"),
    }


def _quantity(row: Any, name: str) -> QuantityOut | None:
    data = _quantity_dict(row, name)
    return QuantityOut.model_construct(**data) if data is not None else None


_EVENT_COLUMNS = (
    db.Event.id,
    db.Event.type,
    db.Event.subtype,
    db.Event.date_value,
    db.Event.date_precision,
    db.Event.date_start,
    db.Event.date_end,
    db.Event.country,
    db.Event.admin1,
    db.Event.place_text,
    db.Event.certainty,
    db.Event.document_id,
    db.Event.killed_value,
    db.Event.killed_qualifier,
    db.Event.killed_high,
    db.Event.injured_value,
    db.Event.injured_qualifier,
    db.Event.injured_high,
    db.Place.name.label("place_name"),
    db.Place.lat,
    db.Place.lon,
)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _event_row(row: Any) -> dict[str, Any]:
    """A list row as JSON-ready values, in ``EventOut``'s shape (the hot path skips model objects)."""
    return {
        "id": row.id,
        "type": row.type,
        "subtype": row.subtype,
        "date": row.date_value,
        "date_precision": row.date_precision,
        "date_start": _iso(row.date_start),
        "date_end": _iso(row.date_end),
        "country": row.country,
        "admin1": row.admin1,
        "place": row.place_name,
        "place_text": row.place_text,
        "lat": row.lat,
        "lon": row.lon,
        "certainty": row.certainty,
        "killed": _quantity_dict(row, "killed"),
        "injured": _quantity_dict(row, "injured"),
        "document": row.document_id,
    }


def _event_out(row: Any) -> EventOut:
    """A list row (built without validation: the columns already have the model's types)."""
    return EventOut.model_construct(
        id=row.id,
        type=row.type,
        subtype=row.subtype,
        date=row.date_value,
        date_precision=row.date_precision,
        date_start=row.date_start,
        date_end=row.date_end,
        country=row.country,
        admin1=row.admin1,
        place=row.place_name,
        place_text=row.place_text,
        lat=row.lat,
        lon=row.lon,
        certainty=row.certainty,
        killed=_quantity(row, "killed"),
        injured=_quantity(row, "injured"),
        document=row.document_id,
    )


def _event_select() -> Any:
    return select(*_EVENT_COLUMNS).outerjoin(db.Place, db.Place.id == db.Event.place_id)


#: The event filters the list's prepared statements take as bound parameters, in a fixed order.
_BOUND_FILTERS = (
    "since",
    "span_start",
    "until",
    "country",
    "admin1",
    "type",
    "certainty",
    "document",
    "actor",
    "bbox",
    "bbox_across",
)


def _bound_filters(session: Session, filters: EventFilter) -> tuple[tuple[str, ...], dict[str, Any]] | None:
    """(the filters present, their parameter values); ``None`` for full-text and grade filters (built per request)."""
    f = filters
    if f.grade is not None or (f.q is not None and f.q.strip()):
        return None
    values: dict[str, Any] = {}
    present: set[str] = set()
    if f.since is not None:
        values["since"] = f.since
        start = _span_start(session, f.since)
        if start is not None:
            values["span_start"] = start
    if f.until is not None:
        values["until"] = f.until
    if f.country:
        values["country"] = f.country.upper()
    if f.admin1:
        values["admin1"] = f.admin1
    if f.type:
        values["type"] = f.type
    if f.certainty is not None:
        values["certainty"] = f.certainty.value
    if f.document:
        values["document"] = f.document
    if f.actor is not None:
        values["actor"] = f.actor
    if f.bbox is not None:
        b = f.bbox
        present.add("bbox" if b.min_lon <= b.max_lon else "bbox_across")  # across the antimeridian
        values.update(min_lat=b.min_lat, max_lat=b.max_lat, min_lon=b.min_lon, max_lon=b.max_lon)
    present.update(values)
    return tuple(name for name in _BOUND_FILTERS if name in present), values


def _bound_conditions(shape: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """``event_conditions`` for the filters in ``shape``, their values left as bound parameters."""
    e = db.Event
    where: list[ColumnElement[bool]] = [_not_merged_away()]
    if "since" in shape:
        where.append(e.date_end >= bindparam("since", type_=Date))
    if "span_start" in shape:
        where.append(e.date_start >= bindparam("span_start", type_=Date))
    if "until" in shape:
        where.append(e.date_start <= bindparam("until", type_=Date))
    for name in ("country", "admin1", "type", "certainty", "document"):
        if name in shape:
            where.append(getattr(e, "document_id" if name == "document" else name) == bindparam(name))
    if "actor" in shape:
        where.append(
            e.id.in_(select(db.EventParticipant.event_id).where(db.EventParticipant.actor_id == bindparam("actor")))
        )
    if "bbox" in shape or "bbox_across" in shape:
        p = db.Place
        min_lon, max_lon = bindparam("min_lon", type_=Float), bindparam("max_lon", type_=Float)
        lon = p.lon.between(min_lon, max_lon) if "bbox" in shape else or_(p.lon >= min_lon, p.lon <= max_lon)
        lat = p.lat.between(bindparam("min_lat", type_=Float), bindparam("max_lat", type_=Float))
        where.append(e.place_id.in_(select(p.id).where(lat, lon)))
    return where


def _quantity_json(dialect: str, name: str) -> Any:
    value = getattr(db.Event, f"{name}_value")
    quantity = _json_object(
        dialect,
        as_text=False,
        value=value,
        qualifier=func.coalesce(getattr(db.Event, f"{name}_qualifier"), literal_column("'exact'")),
        high=getattr(db.Event, f"{name}_high"),
    )
    nested = case((value.is_(None), null()), else_=quantity)
    return func.json(nested) if dialect == "sqlite" else nested  # json(): nest it as JSON, not as a string


def _event_json(dialect: str) -> Any:
    """A list row as JSON text built by the database, in ``EventOut``'s shape (as ``_event_row``)."""
    e = db.Event
    return _json_object(
        dialect,
        id=e.id,
        type=e.type,
        subtype=e.subtype,
        date=e.date_value,
        date_precision=e.date_precision,
        date_start=e.date_start,
        date_end=e.date_end,
        country=e.country,
        admin1=e.admin1,
        place=db.Place.name,
        place_text=e.place_text,
        lat=db.Place.lat,
        lon=db.Place.lon,
        certainty=e.certainty,
        killed=_quantity_json(dialect, "killed"),
        injured=_quantity_json(dialect, "injured"),
        document=e.document_id,
    )


@lru_cache(maxsize=1024)
def _event_page_statement(dialect: str, shape: tuple[str, ...], *, descending: bool, after: bool) -> Any:
    """The statement of an event page for one combination of filters (built and compiled once, then reused)."""
    ids = select(db.Event.id).where(*_bound_conditions(shape))
    if after:
        ids = ids.where(db.Event.id < bindparam("after") if descending else db.Event.id > bindparam("after"))
    key = db.Event.id.desc() if descending else db.Event.id
    page = ids.order_by(key).limit(bindparam("page_size", type_=Integer)).subquery("page")
    return (
        select(db.Event.id, _event_json(dialect).label("row"))
        .join(page, page.c.id == db.Event.id)
        .outerjoin(db.Place, db.Place.id == db.Event.place_id)
        .order_by(key)
    )


def list_events_json(
    session: Session, filters: EventFilter, *, grades: GradeCache, cursor: str | None, limit: int, order: Order = "id"
) -> bytes:
    """One page of events as the JSON of ``Page[EventOut]`` (the API's hot path: no model objects).

    The page's ids are chosen first from the filter indexes alone (a keyset
    page of ``events.id``); only those rows are then read and joined to their
    places.  Index-bound filters run a statement prepared once per combination
    of filters, whose rows come back as JSON text from the database.
    """
    descending = order == "-id"
    bound = _bound_filters(session, filters)
    if bound is not None:
        shape, values = bound
        statement = _event_page_statement(_dialect(session), shape, descending=descending, after=cursor is not None)
        values["page_size"] = limit + 1
        if cursor is not None:
            values["after"] = decode_cursor(cursor, kind=int)
        found = session.connection().execute(statement, values).all()
        items = ",".join(str(r.row) for r in found[:limit])
        after = json.dumps(encode_cursor(found[limit - 1].id) if len(found) > limit else None)
        return f'{{"items":[{items}],"next_cursor":{after},"limit":{limit}}}'.encode()
    ids = select(db.Event.id).where(*event_conditions(session, filters, grades=grades))
    if cursor is not None:
        last = decode_cursor(cursor, kind=int)
        ids = ids.where(db.Event.id < last if descending else db.Event.id > last)
    page_ids = ids.order_by(db.Event.id.desc() if descending else db.Event.id).limit(limit + 1).subquery("page")
    query = (
        _event_select()
        .join(page_ids, page_ids.c.id == db.Event.id)
        .order_by(db.Event.id.desc() if descending else db.Event.id)
    )
    rows = list(session.connection().execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].id) if more and rows else None
    page = {"items": [_event_row(r) for r in rows], "next_cursor": next_cursor, "limit": limit}
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def list_events(
    session: Session, filters: EventFilter, *, grades: GradeCache, cursor: str | None, limit: int, order: Order = "id"
) -> Page[EventOut]:
    """One page of events, filtered."""
    raw = list_events_json(session, filters, grades=grades, cursor=cursor, limit=limit, order=order)
    return Page[EventOut].model_validate_json(raw)


def get_event(session: Session, event_id: int, *, grades: GradeCache) -> EventDetail:
    event = session.get(db.Event, event_id)
    if event is None:
        raise NotFoundError(f"event {event_id}: no such event")
    place = session.get(db.Place, event.place_id) if event.place_id is not None else None
    participants = [
        ParticipantOut(actor=actor_id, name=name, kind=kind, role=role)
        for actor_id, name, kind, role in session.execute(
            select(db.Actor.id, db.Actor.name, db.Actor.kind, db.EventParticipant.role)
            .join(db.EventParticipant, db.EventParticipant.actor_id == db.Actor.id)
            .where(db.EventParticipant.event_id == event_id)
            .order_by(db.EventParticipant.id)
        )
    ]
    merges = list(
        session.execute(
            select(EventMerge.kept_event_id, EventMerge.merged_event_id).where(
                EventMerge.undone.is_(False),
                or_(EventMerge.kept_event_id == event_id, EventMerge.merged_event_id == event_id),
            )
        )
    )
    return EventDetail(
        id=event.id,
        type=event.type,
        subtype=event.subtype,
        date=event.date_value,
        date_precision=event.date_precision,
        date_start=event.date_start,
        date_end=event.date_end,
        country=event.country,
        admin1=event.admin1,
        place=place.name if place else None,
        place_text=event.place_text,
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        certainty=event.certainty,
        killed=_quantity(event, "killed"),
        injured=_quantity(event, "injured"),
        arrested=_quantity(event, "arrested"),
        kidnapped=_quantity(event, "kidnapped"),
        count=_quantity(event, "count"),
        document=event.document_id,
        suicide=event.suicide,
        claimed=event.claimed,
        attribution=event.attribution,
        target=event.target,
        target_type=event.target_type,
        weapons=list(event.weapons or []),
        confidence=event.confidence,
        participants=participants,
        claims=claims_where(session, db.Claim.event_id == event_id, grades=grades),
        merged_from=[m for k, m in merges if k == event_id],
        merged_into=next((k for k, m in merges if m == event_id), None),
    )


# -- claims ------------------------------------------------------------------


def _review_out(review: ClaimReview | None) -> ReviewOut | None:
    if review is None:
        return None
    return ReviewOut(
        status=ReviewStatus(review.status),
        reviewer=review.reviewer,
        updated_at=review.updated_at,
        note=review.note,
        edited=review.certainty is not None or review.values is not None,
    )


def claims_where(
    session: Session,
    *where: ColumnElement[bool],
    grades: GradeCache,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[ClaimOut]:
    """Claims matching ``where`` with their sources, grades and reviews."""
    query = (
        select(db.Claim, db.Document.title, db.Document.publisher, ClaimReview)
        .join(db.Document, db.Document.id == db.Claim.document_id)
        .outerjoin(ClaimReview, ClaimReview.claim_id == db.Claim.id)
        .where(*where)
        .order_by(db.Claim.id.desc() if newest_first else db.Claim.id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.execute(query))
    ids = [row[0].id for row in rows]
    sources: dict[int, list[SourceOut]] = {}
    for start in range(0, len(ids), 900):
        for src in session.scalars(
            select(db.ClaimSource)
            .where(db.ClaimSource.claim_id.in_(ids[start : start + 900]))
            .order_by(db.ClaimSource.id)
        ):
            sources.setdefault(src.claim_id, []).append(
                SourceOut(
                    outlet=src.outlet, date=src.date, person=src.person, text=src.text, grade=grades.grade(src.outlet)
                )
            )
    out = []
    for claim, title, publisher, review in rows:
        cited = sources.get(claim.id, [])
        outlet_grades = [s.grade for s in cited if s.outlet]
        grade = min(outlet_grades) if outlet_grades else grades.grade(publisher)
        out.append(
            ClaimOut(
                id=claim.id,
                document=claim.document_id,
                document_title=title,
                publisher=publisher,
                event=claim.event_id,
                relation=claim.relation_id,
                evidence_start=claim.evidence_start,
                evidence_end=claim.evidence_end,
                evidence_text=claim.evidence_text,
                certainty=(review.certainty if review is not None and review.certainty else claim.certainty),
                extracted_certainty=claim.certainty,
                values=(
                    review.values if review is not None and review.values is not None else dict(claim.values or {})
                ),
                extracted_values=dict(claim.values or {}),
                extractor=claim.extractor,
                confidence=claim.confidence,
                sources=cited,
                grade=grade,
                review=_review_out(review),
            )
        )
    return out


def get_claim(session: Session, claim_id: int, *, grades: GradeCache) -> ClaimOut:
    found = claims_where(session, db.Claim.id == claim_id, grades=grades)
    if not found:
        raise NotFoundError(f"claim {claim_id}: no such claim")
    return found[0]


def list_claims(
    session: Session,
    *,
    grades: GradeCache,
    cursor: str | None,
    limit: int,
    order: Order = "id",
    event: int | None = None,
    relation: int | None = None,
    document: str | None = None,
    status: ReviewStatus | None = None,
    certainty: str | None = None,
) -> Page[ClaimOut]:
    where: list[ColumnElement[bool]] = []
    if event is not None:
        where.append(db.Claim.event_id == event)
    if relation is not None:
        where.append(db.Claim.relation_id == relation)
    if document is not None:
        where.append(db.Claim.document_id == document)
    if certainty is not None:
        where.append(db.Claim.certainty == certainty)
    if status is not None:
        reviewed = select(ClaimReview.claim_id).where(ClaimReview.status != ReviewStatus.PENDING.value)
        if status == ReviewStatus.PENDING:
            where.append(db.Claim.id.not_in(reviewed))
        else:
            where.append(db.Claim.id.in_(select(ClaimReview.claim_id).where(ClaimReview.status == status.value)))
    rows, next_cursor = _page(
        session, select(db.Claim.id).where(*where), db.Claim.id, cursor=cursor, limit=limit, order=order, kind=int
    )
    ids = [r.id for r in rows]
    claims = {c.id: c for c in claims_where(session, db.Claim.id.in_(ids), grades=grades)} if ids else {}
    return Page[ClaimOut](items=[claims[i] for i in ids if i in claims], next_cursor=next_cursor, limit=limit)


# -- actors ------------------------------------------------------------------


def _actor_is_live() -> ColumnElement[bool]:
    return exists().where(db.ActorMerge.actor_id == db.Actor.id, db.ActorMerge.undone.is_(False))


def _event_counts(session: Session, actor_ids: Sequence[int]) -> dict[int, int]:
    if not actor_ids:
        return {}
    query = (
        select(db.EventParticipant.actor_id, func.count(func.distinct(db.EventParticipant.event_id)))
        .where(db.EventParticipant.actor_id.in_(list(actor_ids)), _not_merged_away(db.EventParticipant.event_id))
        .group_by(db.EventParticipant.actor_id)
    )
    return {a: int(n) for a, n in session.execute(query)}


def _aliases(session: Session, actor_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if actor_ids:
        for actor_id, alias in session.execute(
            select(db.ActorAlias.actor_id, db.ActorAlias.alias)
            .where(db.ActorAlias.actor_id.in_(list(actor_ids)))
            .order_by(db.ActorAlias.id)
        ):
            found.setdefault(actor_id, []).append(alias)
    return found


def _actor_outs(session: Session, actors: Sequence[db.Actor]) -> list[ActorOut]:
    ids = [a.id for a in actors]
    counts = _event_counts(session, ids)
    aliases = _aliases(session, ids)
    return [
        ActorOut(
            id=a.id,
            name=a.name,
            kind=a.kind,
            country=a.country,
            kb_id=a.kb_id,
            aliases=aliases.get(a.id, []),
            events=counts.get(a.id, 0),
        )
        for a in actors
    ]


def list_actors(
    session: Session,
    *,
    cursor: str | None,
    limit: int,
    order: Order = "id",
    q: str | None = None,
    kind: str | None = None,
    country: str | None = None,
) -> Page[ActorOut]:
    where: list[ColumnElement[bool]] = [_actor_is_live()]
    if kind:
        where.append(db.Actor.kind == kind)
    if country:
        where.append(db.Actor.country == country.upper())
    if q and q.strip():
        pattern = "%" + q.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                func.lower(db.Actor.name).like(pattern, escape="\\"),
                exists().where(
                    db.ActorAlias.actor_id == db.Actor.id, func.lower(db.ActorAlias.alias).like(pattern, escape="\\")
                ),
            )
        )
    rows, next_cursor = _page(
        session, select(db.Actor.id).where(*where), db.Actor.id, cursor=cursor, limit=limit, order=order, kind=int
    )
    ids = [r.id for r in rows]
    actors = {a.id: a for a in session.scalars(select(db.Actor).where(db.Actor.id.in_(ids)))} if ids else {}
    outs = _actor_outs(session, [actors[i] for i in ids if i in actors])
    return Page[ActorOut](items=outs, next_cursor=next_cursor, limit=limit)


def _relation_outs(session: Session, rows: Sequence[db.Relation]) -> list[RelationOut]:
    actor_ids = {r.source_actor_id for r in rows} | {r.target_actor_id for r in rows}
    names: dict[int, str] = {}
    if rows:
        names = {i: n for i, n in session.execute(select(db.Actor.id, db.Actor.name).where(db.Actor.id.in_(actor_ids)))}
    return [
        RelationOut(
            id=r.id,
            type=r.type,
            source=r.source_actor_id,
            source_name=names.get(r.source_actor_id, ""),
            target=r.target_actor_id,
            target_name=names.get(r.target_actor_id, ""),
            status=r.status,
            start=r.start_value,
            end=r.end_value,
            document=r.document_id,
        )
        for r in rows
    ]


def get_actor(session: Session, actor_id: int, *, grades: GradeCache) -> ActorDetail:
    actor = session.get(db.Actor, actor_id)
    if actor is None:
        raise NotFoundError(f"actor {actor_id}: no such actor")
    base = _actor_outs(session, [actor])[0]
    merges = list(
        session.scalars(select(db.ActorMerge).where(db.ActorMerge.actor_id == actor_id).order_by(db.ActorMerge.id))
    )
    relations = list(
        session.scalars(
            select(db.Relation)
            .where(or_(db.Relation.source_actor_id == actor_id, db.Relation.target_actor_id == actor_id))
            .order_by(db.Relation.id)
            .limit(ACTOR_CLAIMS_LIMIT)
        )
    )
    event_ids = select(db.EventParticipant.event_id).where(db.EventParticipant.actor_id == actor_id)
    recent_query = (
        _event_select()
        .where(db.Event.id.in_(event_ids), _not_merged_away())
        .order_by(db.Event.id.desc())
        .limit(100)
    )
    recent = [_event_out(r) for r in session.execute(recent_query)]
    claims = claims_where(
        session,
        or_(db.Claim.event_id.in_(event_ids), db.Claim.relation_id.in_([r.id for r in relations])),
        grades=grades,
        limit=ACTOR_CLAIMS_LIMIT,
        newest_first=True,
    )
    return ActorDetail(
        **base.model_dump(),
        documents=sorted({m.document_id for m in merges if not m.undone}),
        merges=[
            MergeOut(
                id=m.id,
                document=m.document_id,
                local_name=m.local_name,
                reason=m.reason,
                score=m.score,
                undone=m.undone,
            )
            for m in merges
        ],
        relations=_relation_outs(session, relations),
        recent_events=recent,
        claims=claims,
    )


# -- relations ---------------------------------------------------------------


def list_relations(
    session: Session,
    *,
    cursor: str | None,
    limit: int,
    order: Order = "id",
    actor: int | None = None,
    type: str | None = None,
    status: str | None = None,
    document: str | None = None,
) -> Page[RelationOut]:
    where: list[ColumnElement[bool]] = []
    if actor is not None:
        where.append(or_(db.Relation.source_actor_id == actor, db.Relation.target_actor_id == actor))
    if type:
        where.append(db.Relation.type == type)
    if status:
        where.append(db.Relation.status == status)
    if document:
        where.append(db.Relation.document_id == document)
    rows, next_cursor = _page(
        session, select(db.Relation.id).where(*where), db.Relation.id, cursor=cursor, limit=limit, order=order, kind=int
    )
    ids = [r.id for r in rows]
    found = {r.id: r for r in session.scalars(select(db.Relation).where(db.Relation.id.in_(ids)))} if ids else {}
    items = _relation_outs(session, [found[i] for i in ids if i in found])
    return Page[RelationOut](items=items, next_cursor=next_cursor, limit=limit)


def get_relation(session: Session, relation_id: int, *, grades: GradeCache) -> RelationDetail:
    relation = session.get(db.Relation, relation_id)
    if relation is None:
        raise NotFoundError(f"relation {relation_id}: no such relation")
    base = _relation_outs(session, [relation])[0]
    return RelationDetail(
        **base.model_dump(), claims=claims_where(session, db.Claim.relation_id == relation_id, grades=grades)
    )


# -- documents ---------------------------------------------------------------


def _document_out(d: Any) -> DocumentOut:
    return DocumentOut(
        id=d.id,
        file=d.file_name,
        title=d.title,
        published=d.published,
        publisher=d.publisher,
        language=d.language,
        url=d.url,
    )


def list_documents(
    session: Session,
    *,
    cursor: str | None,
    limit: int,
    order: Order = "id",
    since: dt.date | None = None,
    until: dt.date | None = None,
    publisher: str | None = None,
    language: str | None = None,
    q: str | None = None,
) -> Page[DocumentOut]:
    columns = (
        db.Document.id,
        db.Document.file_name,
        db.Document.title,
        db.Document.published,
        db.Document.publisher,
        db.Document.language,
        db.Document.url,
    )
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(db.Document.published >= since)
    if until is not None:
        where.append(db.Document.published <= until)
    if publisher:
        where.append(db.Document.publisher == publisher)
    if language:
        where.append(db.Document.language == language)
    if q is not None and q.strip():
        where.append(db.Document.id.in_(_text_match_documents(session, q)) if query_terms(q) else false())
    rows, next_cursor = _page(
        session, select(*columns).where(*where), db.Document.id, cursor=cursor, limit=limit, order=order, kind=str
    )
    return Page[DocumentOut](items=[_document_out(r) for r in rows], next_cursor=next_cursor, limit=limit)


def get_document(session: Session, document_id: str, *, grades: GradeCache) -> DocumentDetail:
    document = session.get(db.Document, document_id)
    if document is None:
        raise NotFoundError(f"document {document_id[:80]!r}: no such document")
    return DocumentDetail(
        **_document_out(document).model_dump(),
        text=document.text,
        published_method=document.published_method,
        author=document.author,
        claims=claims_where(session, db.Claim.document_id == document_id, grades=grades),
    )


# -- aggregations --------------------------------------------------------------


def _period(session: Session, interval: Interval) -> Any:
    """The first day of the week (Monday), month or year of ``events.date_start``."""
    if _dialect(session) == "sqlite":
        if interval == "week":
            return func.date(db.Event.date_start, "-6 days", "weekday 1")
        return func.strftime("%Y-%m-01" if interval == "month" else "%Y-01-01", db.Event.date_start)
    return cast(func.date_trunc(interval, db.Event.date_start), Date)


def timeline(session: Session, filters: EventFilter, *, grades: GradeCache, interval: Interval) -> TimelineOut:
    """Event counts by period and type (events without a date are left out)."""
    period = _period(session, interval).label("period")
    query = (
        select(period, db.Event.type, func.count().label("n"))
        .where(db.Event.date_start.is_not(None), *event_conditions(session, filters, grades=grades))
        .group_by(period, db.Event.type)
        .order_by(period, db.Event.type)
    )
    buckets = []
    for value, event_type, n in session.execute(query):
        if value is None:
            continue
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        buckets.append(TimelineBucket(period=day, type=event_type, count=int(n)))
    return TimelineOut(interval=interval, buckets=buckets)


def map_points(session: Session, filters: EventFilter, *, grades: GradeCache, limit: int = MAP_MAX_POINTS) -> MapOut:
    """Event counts by geocoded place (the busiest ``limit`` places)."""
    return MapOut.model_validate_json(map_points_json(session, filters, grades=grades, limit=limit))


def map_points_json(
    session: Session, filters: EventFilter, *, grades: GradeCache, limit: int = MAP_MAX_POINTS
) -> bytes:
    """``map_points`` as the JSON of ``MapOut`` (built from the rows directly: thousands of points, no models)."""
    counts = (
        select(db.Event.place_id.label("place_id"), func.count().label("n"))
        .where(db.Event.place_id.is_not(None), *event_conditions(session, filters, grades=grades))
        .group_by(db.Event.place_id)
        .subquery()
    )
    point = _json_object(
        _dialect(session),
        place=db.Place.id,
        name=db.Place.name,
        country=db.Place.country,
        admin1=db.Place.admin1,
        lat=db.Place.lat,
        lon=db.Place.lon,
        count=counts.c.n,
    )
    busiest = (
        select(
            point.label("point"),
            counts.c.n,
            func.row_number().over(order_by=(counts.c.n.desc(), db.Place.id)).label("rank"),
        )
        .join(counts, counts.c.place_id == db.Place.id)
        .where(db.Place.lat.is_not(None), db.Place.lon.is_not(None))
        .order_by(counts.c.n.desc(), db.Place.id)
        .limit(limit + 1)
        .subquery("busiest")
    )
    # One answer row, not one per place: a SQLite row fetched in a thread waits for the GIL each time.
    shown = busiest.c.rank <= limit
    if _dialect(session) == "sqlite":  # group_concat keeps the order of its ordered subquery
        joined = func.group_concat(case((shown, busiest.c.point)), literal_column("','"))
    else:
        joined = func.string_agg(
            case((shown, busiest.c.point)), aggregate_order_by(literal_column("','"), busiest.c.rank)
        )
    query = select(
        joined.label("points"),
        func.coalesce(func.sum(case((shown, busiest.c.n))), 0).label("total"),
        func.count().label("places"),
    )
    found = session.connection().execute(query).one()
    truncated = "true" if int(found.places) > limit else "false"
    return f'{{"points":[{found.points or ""}],"total":{int(found.total)},"truncated":{truncated}}}'.encode()


def _json_object(dialect: str, *, as_text: bool = True, **values: Any) -> Any:
    """A JSON object of ``values`` (key -> column) built by the database: no Python object per row.

    ``as_text`` casts PostgreSQL's ``json`` to text (its driver would parse it
    into a dict); nested objects stay ``json``.
    """
    args: list[Any] = []
    for key, value in values.items():
        args.extend((literal_column(f"'{key}'"), value))  # keys are identifiers of this module, never input
    if dialect == "sqlite":
        return func.json_object(*args)
    built = func.json_build_object(*args)
    return cast(built, Text) if as_text else built


def network(
    session: Session, filters: EventFilter, *, grades: GradeCache, max_nodes: int = NETWORK_MAX_NODES
) -> NetworkOut:
    """Actors of the filtered events (most active first), their relations and co-participations."""
    event_ids = select(db.Event.id).where(*event_conditions(session, filters, grades=grades))
    n_events = func.count(func.distinct(db.EventParticipant.event_id)).label("n")
    top = list(
        session.execute(
            select(db.EventParticipant.actor_id, n_events)
            .where(db.EventParticipant.event_id.in_(event_ids))
            .group_by(db.EventParticipant.actor_id)
            .order_by(n_events.desc(), db.EventParticipant.actor_id)
            .limit(max_nodes)
        )
    )
    counts = {a: int(n) for a, n in top}
    ids = list(counts)
    if not ids:
        return NetworkOut(nodes=[], edges=[])
    edges: list[NetworkEdge] = []
    rel_count = func.count().label("n")
    linked: set[int] = set()
    for source, target, rel_type, n in session.execute(
        select(db.Relation.source_actor_id, db.Relation.target_actor_id, db.Relation.type, rel_count)
        .where(or_(db.Relation.source_actor_id.in_(ids), db.Relation.target_actor_id.in_(ids)))
        .group_by(db.Relation.source_actor_id, db.Relation.target_actor_id, db.Relation.type)
        .order_by(rel_count.desc())
        .limit(4 * max_nodes)
    ):
        if source != target:
            edges.append(NetworkEdge(source=source, target=target, kind="relation", type=rel_type, weight=int(n)))
            linked.update((source, target))
    extra = sorted(linked - set(ids))  # affiliates stated in relations, with no event in the filter
    counts.update({actor_id: 0 for actor_id in extra})
    everyone = ids + extra
    actors = {a.id: a for a in session.scalars(select(db.Actor).where(db.Actor.id.in_(everyone)))}
    nodes = [
        NetworkNode(id=i, name=actors[i].name, kind=actors[i].kind, events=counts[i]) for i in everyone if i in actors
    ]
    edges = [e for e in edges if e.source in actors and e.target in actors]
    a, b = db.EventParticipant.__table__.alias("a"), db.EventParticipant.__table__.alias("b")
    shared = func.count(func.distinct(a.c.event_id)).label("n")
    for source, target, n in session.execute(
        select(a.c.actor_id, b.c.actor_id, shared)
        .join(b, and_(a.c.event_id == b.c.event_id, a.c.actor_id < b.c.actor_id))
        .where(a.c.actor_id.in_(ids), b.c.actor_id.in_(ids), a.c.event_id.in_(event_ids))
        .group_by(a.c.actor_id, b.c.actor_id)
    ):
        edges.append(
            NetworkEdge(source=source, target=target, kind="co_participation", type="co_participation", weight=int(n))
        )
    return NetworkOut(nodes=nodes, edges=edges)


def facets(session: Session) -> FacetsOut:
    """Values the UI offers in its filter lists."""
    types = session.scalars(select(db.Event.type).distinct().order_by(db.Event.type))
    countries = session.scalars(
        select(db.Event.country).where(db.Event.country.is_not(None)).distinct().order_by(db.Event.country)
    )
    return FacetsOut(
        types=[t for t in types if t],
        countries=[c for c in countries if c],
        certainties=["asserted", "reported", "alleged", "possible"],
        grades=list(RELIABILITY),
    )


# -- audit -------------------------------------------------------------------


def audit_out(entry: AuditEntry) -> AuditOut:
    return AuditOut(
        id=entry.id,
        at=entry.at if entry.at.tzinfo is not None else entry.at.replace(tzinfo=dt.UTC),
        who=entry.who,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        before=dict(entry.before or {}),
        after=dict(entry.after or {}),
        reverted_by=entry.reverted_by,
        revert_of=entry.revert_of,
    )


def list_audit(
    session: Session,
    *,
    cursor: str | None,
    limit: int,
    order: Order = "-id",
    target_type: str | None = None,
    target_id: str | None = None,
    action: str | None = None,
) -> Page[AuditOut]:
    where: list[ColumnElement[bool]] = []
    if target_type:
        where.append(AuditEntry.target_type == target_type)
    if target_id:
        where.append(AuditEntry.target_id == target_id)
    if action:
        where.append(AuditEntry.action == action)
    rows, next_cursor = _page(
        session, select(AuditEntry.id).where(*where), AuditEntry.id, cursor=cursor, limit=limit, order=order, kind=int
    )
    ids = [r.id for r in rows]
    found = {e.id: e for e in session.scalars(select(AuditEntry).where(AuditEntry.id.in_(ids)))} if ids else {}
    return Page[AuditOut](items=[audit_out(found[i]) for i in ids if i in found], next_cursor=next_cursor, limit=limit)


def chunks(values: Iterable[int], size: int = 900) -> Iterable[list[int]]:
    """``values`` in lists of at most ``size`` (SQLite caps bound parameters per statement)."""
    batch: list[int] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
