"""Streaming reads shared by the exporters, and the stable keys every format derives its ids from.

Events are streamed by ``iter_export_events``: keyset pages over the events
table with a handful of plain (Core) queries per page, building the same
``EventView`` objects as ``Store.iter_events`` plus each event's ``local_id``
and the metadata of the document that states it.  Only actors and relations
are ever held whole.

Stable keys (the same store content gives the same ids, whatever its row ids):

* event: ``WF`` + 16 hex digits of SHA-256(document id, local id); an event
  imported from an export keeps the key it was exported under (its
  ``local_id`` is ``ext:<key>``), so export -> import -> export is identical;
* actor: ``kb:<kb id>``, else ``name:<kind>|<normalised name>``;
* place: its gazetteer id, else name/admin2/admin1/country/coordinates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from watchfloor.errors import StoreError
from watchfloor.export.filters import ExportFilter
from watchfloor.models import Citation, PlaceRef, Qualifier, Quantity
from watchfloor.store import schema as db
from watchfloor.store.repository import Store, describe_db_error
from watchfloor.store.views import ActorView, EventView, EvidenceView, RelationView

log = logging.getLogger(__name__)

#: ``local_id`` prefix of imported events: the rest is the key they were exported under.
EXT_PREFIX = "ext:"
PAGE = 1000


@dataclass(frozen=True, slots=True)
class DocMeta:
    """What exports need of the document an event comes from."""

    id: str
    file: str
    title: str | None
    publisher: str | None
    published: dt.date | None
    url: str | None
    raw_sha256: str


@dataclass(slots=True)
class ExportEvent:
    """One event as exporters see it: the store's view plus its stable key and source document."""

    view: EventView
    key: str
    local_id: str
    doc: DocMeta


def event_key(document_id: str, local_id: str) -> str:
    """The stable key of an event (see the module docstring)."""
    if local_id.startswith(EXT_PREFIX) and len(local_id) > len(EXT_PREFIX):
        return local_id[len(EXT_PREFIX) :]
    digest = hashlib.sha256(f"{document_id}\x1f{local_id}".encode()).hexdigest()
    return "WF" + digest[:16].upper()


def actor_key(actor: ActorView) -> str:
    """The stable key of a global actor."""
    return _actor_key(actor.id, actor.name, actor.kind, actor.kb_id)


@functools.lru_cache(maxsize=65536)
def _actor_key(actor_id: int, name: str, kind: str, kb_id: str | None) -> str:
    from watchfloor.resolve.actors import normalise_alias

    if kb_id:
        return f"kb:{kb_id}"
    norm = normalise_alias(name)
    return f"name:{kind}|{norm}" if norm else f"id:{actor_id}"


def place_key(place: PlaceRef) -> str | None:
    """The stable key of a place; None when the place says nothing."""
    if place.gazetteer_id:
        return f"gz:{place.gazetteer_id}"
    parts = [place.name, place.admin2, place.admin1, place.country]
    if not any(parts) and place.lat is None:
        return None
    coords = "" if place.lat is None or place.lon is None else f"{place.lat:.4f},{place.lon:.4f}"
    return "nm:" + "|".join((p or "").casefold() for p in parts) + "|" + coords


_PLACE_COLUMNS = (
    db.Place.name,
    db.Place.admin2,
    db.Place.admin1,
    db.Place.country,
    db.Place.lat,
    db.Place.lon,
    db.Place.precision,
    db.Place.gazetteer_id,
)
_QUANTITY_NAMES = ("killed", "injured", "arrested", "kidnapped", "count")
_QUANTITY_COLUMNS = tuple(
    getattr(db.Event, f"{name}_{part}") for name in _QUANTITY_NAMES for part in ("value", "qualifier", "high")
)
_EVENT_COLUMNS = (
    db.Event.id,
    db.Event.local_id,
    db.Event.document_id,
    db.Event.type,
    db.Event.subtype,
    db.Event.date_value,
    db.Event.date_precision,
    db.Event.date_start,
    db.Event.date_end,
    db.Event.place_text,
    db.Event.suicide,
    db.Event.claimed,
    db.Event.attribution,
    db.Event.target,
    db.Event.target_type,
    db.Event.weapons,
    db.Event.certainty,
    db.Event.confidence,
    db.Event.place_id,
    *_QUANTITY_COLUMNS,
    *_PLACE_COLUMNS,
)


def _quantity(value: int | None, qualifier: str | None, high: int | None) -> Quantity | None:
    if value is None:
        return None
    try:
        qual = Qualifier(qualifier or "exact")
    except ValueError:
        qual = Qualifier.EXACT
    return Quantity(value=value, qualifier=qual, high=high)


def iter_export_events(store: Store, flt: ExportFilter, *, page: int = PAGE) -> Iterator[ExportEvent]:
    """The events passing ``flt`` (by id), each with its key and document metadata.

    Keyset pages of ``page`` events; per page one joined query for events and
    places, one for participants, one for claims (with their documents), one
    for cited sources and one for new documents' metadata.  The views equal
    ``Store.iter_events``'s, built from plain rows (no ORM objects), which is
    several times faster on large stores.
    """
    where = _event_where(flt)
    last = 0
    docs: dict[str, DocMeta] = {}
    while True:
        with reading(store) as session:
            rows = session.execute(
                select(*_EVENT_COLUMNS)
                .select_from(db.Event)
                .outerjoin(db.Place, db.Place.id == db.Event.place_id)
                .where(*where, db.Event.id > last)
                .order_by(db.Event.id)
                .limit(page)
            ).all()
            if not rows:
                return
            ids = [int(r[0]) for r in rows]
            participants = _participants(session, ids)
            evidence, sources = _evidence(session, ids)
            if len(docs) > 4 * page:  # documents of earlier pages are rarely needed again: keep memory bounded
                docs.clear()
            missing = {str(r[2]) for r in rows} - docs.keys()
        docs.update(_doc_meta(store, missing))
        for row in rows:
            view = _view(row, participants, evidence, sources)
            yield ExportEvent(view=view, key=event_key(view.document, row[1]), local_id=row[1], doc=docs[view.document])
        last = ids[-1]
        if len(rows) < page:
            return


def _view(
    row: Any,
    participants: dict[int, dict[str, list[int]]],
    evidence: dict[int, list[EvidenceView]],
    sources: dict[int, list[Citation]],
) -> EventView:
    (
        event_id,
        _local,
        document,
        type_,
        subtype,
        date_value,
        date_precision,
        date_start,
        date_end,
        place_text,
        suicide,
        claimed,
        attribution,
        target,
        target_type,
        weapons,
        certainty,
        confidence,
        place_id,
    ) = row[:19]
    q = row[19 : 19 + 3 * len(_QUANTITY_NAMES)]
    place = row[19 + 3 * len(_QUANTITY_NAMES) :]
    location = None
    if place_id is not None:
        location = PlaceRef(
            name=place[0],
            admin2=place[1],
            admin1=place[2],
            country=place[3],
            lat=place[4],
            lon=place[5],
            precision=place[6],
            gazetteer_id=place[7],
        )
    quantities = {name: _quantity(*q[3 * i : 3 * i + 3]) for i, name in enumerate(_QUANTITY_NAMES)}
    return EventView(
        id=event_id,
        type=type_,
        subtype=subtype,
        date=date_value,
        date_precision=date_precision,
        location=location,
        actors=participants.get(event_id, {}),
        killed=quantities["killed"],
        injured=quantities["injured"],
        arrested=quantities["arrested"],
        kidnapped=quantities["kidnapped"],
        count=quantities["count"],
        suicide=suicide,
        claimed=claimed,
        attribution=attribution,
        target=target,
        target_type=target_type,
        weapons=list(weapons or []),
        certainty=certainty,
        sources=sources.get(event_id, []),
        evidence=evidence.get(event_id, []),
        document=document,
        date_start=date_start,
        date_end=date_end,
        place_text=place_text,
        confidence=confidence,
    )


def _participants(session: Session, ids: list[int]) -> dict[int, dict[str, list[int]]]:
    out: dict[int, dict[str, list[int]]] = {}
    for event_id, role, actor_id in session.execute(
        select(db.EventParticipant.event_id, db.EventParticipant.role, db.EventParticipant.actor_id)
        .where(db.EventParticipant.event_id.in_(ids))
        .order_by(db.EventParticipant.id)
    ):
        out.setdefault(event_id, {}).setdefault(role, []).append(actor_id)
    return out


def _evidence(session: Session, ids: list[int]) -> tuple[dict[int, list[EvidenceView]], dict[int, list[Citation]]]:
    evidence: dict[int, list[EvidenceView]] = {}
    owner: dict[int, int] = {}
    for event_id, claim_id, doc_id, file_name, start, end, body, certainty in session.execute(
        select(
            db.Claim.event_id,
            db.Claim.id,
            db.Claim.document_id,
            db.Document.file_name,
            db.Claim.evidence_start,
            db.Claim.evidence_end,
            db.Claim.evidence_text,
            db.Claim.certainty,
        )
        .join(db.Document, db.Document.id == db.Claim.document_id)
        .where(db.Claim.event_id.in_(ids))
        .order_by(db.Claim.id)
    ):
        owner[claim_id] = event_id
        evidence.setdefault(event_id, []).append(
            EvidenceView(
                document=doc_id, file=file_name, start=start, end=end, text=body, claim_id=claim_id, certainty=certainty
            )
        )
    sources: dict[int, list[Citation]] = {}
    if owner:
        seen: set[tuple[int, str | None, dt.date | None, str | None]] = set()
        for claim_id, outlet, date, person, text in session.execute(
            select(
                db.ClaimSource.claim_id,
                db.ClaimSource.outlet,
                db.ClaimSource.date,
                db.ClaimSource.person,
                db.ClaimSource.text,
            )
            .where(db.ClaimSource.claim_id.in_(list(owner)))
            .order_by(db.ClaimSource.id)
        ):
            event_id = owner[claim_id]
            key = (event_id, outlet, date, person)
            if key not in seen:
                seen.add(key)
                sources.setdefault(event_id, []).append(Citation(outlet=outlet, date=date, person=person, text=text))
    return evidence, sources


def _doc_meta(store: Store, ids: Iterable[str]) -> dict[str, DocMeta]:
    wanted = list(ids)
    if not wanted:
        return {}
    with reading(store) as session:
        rows = session.execute(
            select(
                db.Document.id,
                db.Document.file_name,
                db.Document.title,
                db.Document.publisher,
                db.Document.published,
                db.Document.url,
                db.Document.raw_sha256,
            ).where(db.Document.id.in_(wanted))
        )
        return {r[0]: DocMeta(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows}


def _event_where(flt: ExportFilter) -> list[Any]:
    where: list[Any] = []
    if flt.types:
        where.append(db.Event.type.in_(list(flt.types)))
    if flt.country:
        where.append(db.Event.country == flt.country)
    if flt.since:
        where.append(db.Event.date_end >= flt.since)
    if flt.until:
        where.append(db.Event.date_start <= flt.until)
    if flt.actor_ids:
        where.append(
            select(db.EventParticipant.id)
            .where(db.EventParticipant.event_id == db.Event.id, db.EventParticipant.actor_id.in_(list(flt.actor_ids)))
            .exists()
        )
    return where


def event_documents(store: Store, flt: ExportFilter) -> set[str]:
    """Ids of the documents stating at least one event that passes ``flt``."""
    with reading(store) as session:
        return {str(d) for d in session.scalars(select(db.Event.document_id).where(*_event_where(flt)).distinct())}


def document_event_keys(store: Store, document_id: str, flt: ExportFilter) -> list[str]:
    """Stable keys of one document's events passing ``flt`` (by event id)."""
    with reading(store) as session:
        rows = session.scalars(
            select(db.Event.local_id)
            .where(db.Event.document_id == document_id, *_event_where(flt))
            .order_by(db.Event.id)
        )
        return [event_key(document_id, str(local_id)) for local_id in rows]


def actor_event_counts(store: Store) -> dict[int, int]:
    """Actor id -> number of events it takes part in (any role)."""
    with reading(store) as session:
        rows = session.execute(
            select(db.EventParticipant.actor_id, func.count(func.distinct(db.EventParticipant.event_id))).group_by(
                db.EventParticipant.actor_id
            )
        )
        return {int(a): int(n) for a, n in rows}


def actor_first_published(store: Store) -> dict[int, dt.date]:
    """Actor id -> earliest published date of the documents it was seen in (live merges only)."""
    with reading(store) as session:
        rows = session.execute(
            select(db.ActorMerge.actor_id, func.min(db.Document.published))
            .join(db.Document, db.Document.id == db.ActorMerge.document_id)
            .where(db.ActorMerge.undone.is_(False), db.Document.published.is_not(None))
            .group_by(db.ActorMerge.actor_id)
        )
        return {int(a): d for a, d in rows if d is not None}


def load_actors(store: Store) -> dict[int, ActorView]:
    """Every live global actor by id (actors are few next to events: held whole)."""
    return {a.id: a for a in store.iter_actors()}


def load_relations(store: Store) -> list[RelationView]:
    return list(store.iter_relations())


def document_meta(store: Store, ids: Iterable[str], *, chunk: int = 500) -> dict[str, DocMeta]:
    """Metadata of the given documents (queried ``chunk`` ids at a time)."""
    wanted = sorted(set(ids))
    found: dict[str, DocMeta] = {}
    for i in range(0, len(wanted), chunk):
        found.update(_doc_meta(store, wanted[i : i + chunk]))
    return found


@contextlib.contextmanager
def reading(store: Store) -> Iterator[Session]:
    """A read session on ``store`` whose database errors become ``StoreError``."""
    try:
        with store.session() as session:
            yield session
    except SQLAlchemyError as exc:
        raise StoreError(describe_db_error(store.label, exc)) from exc


@contextlib.contextmanager
def atomic_output(path: Path, *, newline: str = "\n") -> Iterator[TextIO]:
    """Write ``path`` through a temporary file renamed into place when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
