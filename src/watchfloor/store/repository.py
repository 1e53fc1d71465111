"""``Store``: the one object the rest of watchfloor reads and writes the knowledge base through.

>>> with Store.open("sqlite:///watchfloor.db") as store:
...     store.write_extraction(extraction)
...     store.list_events(limit=10)

Writing is one transaction per document.  Writers are serialised (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock), so two
processes feeding the same store never create the same document or global
actor twice; unique constraints back this up and a lost race is retried.  A
writer killed mid-document leaves nothing of that document behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Engine, exists, func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from watchfloor.errors import NotFoundError, StoreError
from watchfloor.models import Citation, EventRecord, Extraction, PlaceRef, Quantity, RelationRecord, TimeValue
from watchfloor.models import Claim as ClaimRecord
from watchfloor.store import schema as db
from watchfloor.store.engine import WRITE_OPTION, make_engine, parse_url
from watchfloor.store.migrate import upgrade_to_head
from watchfloor.store.search import index_claim, index_document
from watchfloor.store.search import search as run_search
from watchfloor.store.views import (
    ActorView,
    DocumentView,
    EventView,
    EvidenceView,
    MergeView,
    NearDuplicateCandidate,
    RelationView,
    SearchHit,
    StoreCounts,
    WriteResult,
)

log = logging.getLogger(__name__)

#: Key of the PostgreSQL advisory lock that serialises writers.
WRITER_LOCK_KEY = 0x57A7C4F1
MAX_WRITE_ATTEMPTS = 5
BATCH_SIZE = 500
QUANTITIES = ("killed", "injured", "arrested", "kidnapped", "count")

V = TypeVar("V")


def describe_db_error(label: str, exc: BaseException) -> str:
    """One line saying what went wrong with the database ``label``."""
    orig = getattr(exc, "orig", None) or exc
    message = " ".join(str(orig).split()) or type(orig).__name__
    lowered = message.lower()
    if "database is locked" in lowered or "database table is locked" in lowered:
        return f"{label}: database is locked by another process; try again when it is free"
    if "unable to open database file" in lowered:
        return f"{label}: cannot open the database file (missing folder or no permission)"
    if "file is not a database" in lowered:
        return f"{label}: the file is not a SQLite database"
    if isinstance(exc, OperationalError) and ("connect" in lowered or "connection" in lowered):
        return f"{label}: cannot connect ({message[:300]})"
    return f"{label}: database error ({message[:300]})"


def _jsonable(value: Any) -> Any:
    """Claim values as JSON: dataclasses to dicts, dates to ISO strings, enums to values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _nul_free(value: str) -> str:
    """PostgreSQL text cannot hold NUL: replace it (one character for one, so offsets hold)."""
    return value.replace("\x00", "\ufffd")


def _is_retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in {"40001", "40P01"}  # serialization failure, deadlock


class Store:
    """The knowledge base on SQLite or PostgreSQL. Open with ``Store.open(url)``."""

    def __init__(self, engine: Engine, *, label: str) -> None:
        self._engine = engine
        self.label = label
        self.dialect = engine.dialect.name

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def open(
        cls, url: str, *, connect_timeout: float = 3.0, busy_timeout: float = 10.0, read_tuned: bool = False
    ) -> Store:
        """Open (creating or migrating to the current schema) the store at ``url``.

        ``read_tuned`` sets the engine up for a long-lived reader such as the API (see ``make_engine``).

        Raises ``StoreError`` when the database cannot be reached, is locked,
        or carries a schema from a newer watchfloor; nothing is changed then.
        """
        label = parse_url(url).render_as_string(hide_password=True)
        engine = make_engine(url, connect_timeout=connect_timeout, busy_timeout=busy_timeout, read_tuned=read_tuned)
        try:
            upgrade_to_head(engine, label=label)
        except StoreError:
            engine.dispose()
            raise
        except (SQLAlchemyError, OSError) as exc:
            engine.dispose()
            raise StoreError(describe_db_error(label, exc)) from exc
        log.debug("opened store %s", label)
        return cls(engine, label=label)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.label!r})"

    def schema_revision(self) -> str | None:
        """The schema revision the database is at."""
        from watchfloor.store.migrate import current_revision

        def work(session: Session) -> str | None:
            return current_revision(session.connection())

        return self.read(work)

    @property
    def engine(self) -> Engine:
        return self._engine

    def session(self) -> Session:
        """A read session (callers close it; use as a context manager)."""
        return Session(self._engine, expire_on_commit=False)

    def read(self, work: Callable[[Session], V]) -> V:
        """Run ``work`` in a read session; database errors become ``StoreError``."""
        try:
            with self.session() as session:
                return work(session)
        except SQLAlchemyError as exc:
            raise StoreError(describe_db_error(self.label, exc)) from exc

    @contextmanager
    def write_session(self, *, autoflush: bool = True) -> Iterator[Session]:
        """One serialised write transaction, committed when the block ends (rolled back on error).

        SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory
        lock.  No retry here: ``write`` adds it.
        """
        with self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with Session(bind=conn, expire_on_commit=False, autoflush=autoflush) as session, session.begin():
                if self.dialect == "postgresql":
                    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
                yield session

    def write(self, work: Callable[[Session], V], *, autoflush: bool = True) -> V:
        """Run ``work`` in one serialised write transaction, retrying lost races; errors become ``StoreError``.

        ``work`` may run more than once (after a rolled-back attempt), so it must
        not have side effects outside the session.
        """
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            try:
                with self.write_session(autoflush=autoflush) as session:
                    return work(session)
            except DBAPIError as exc:
                if attempt < MAX_WRITE_ATTEMPTS and _is_retryable(exc):
                    log.info("%s: write attempt %d lost a race (%s); retrying", self.label, attempt, type(exc).__name__)
                    time.sleep(0.05 * attempt)
                    continue
                raise StoreError(describe_db_error(self.label, exc)) from exc
            except SQLAlchemyError as exc:
                raise StoreError(describe_db_error(self.label, exc)) from exc
        raise StoreError(f"{self.label}: write failed after {MAX_WRITE_ATTEMPTS} attempts")  # pragma: no cover

    # Older spellings, kept for callers written against them.
    _read = read
    _write = write

    # -- writing -----------------------------------------------------------

    def has_document(self, doc_id: str) -> bool:
        return self.read(lambda s: s.scalar(select(exists().where(db.Document.id == doc_id))) or False)

    def write_extraction(
        self,
        extraction: Extraction,
        *,
        minhash: Sequence[int] | None = None,
        bands: Sequence[str] = (),
        repost_of: str | None = None,
        cluster_id: str | None = None,
    ) -> WriteResult:
        """Store one document with everything extracted from it, in one transaction.

        A document already stored is left alone (``created=False``).  The
        keyword options carry near-duplicate data (``watchfloor.resolve.dedup``):
        the MinHash signature, its LSH band keys, and the document this one
        reposts / the cluster it belongs to.  Without ``minhash`` the
        extraction's own ``signature`` is stored, with its band keys.
        """
        dedup = _dedup_data(extraction, minhash=minhash, bands=bands, repost_of=repost_of, cluster_id=cluster_id)
        # The extraction writer flushes explicitly where it needs ids; no autoflush keeps it fast.
        return self.write(lambda session: _write_extraction(session, extraction, dedup), autoflush=False)

    def write_extractions(self, extractions: Sequence[Extraction]) -> list[WriteResult]:
        """Store several documents in one transaction (all or none), each as ``write_extraction`` would.

        Saves a commit and a transaction set-up per document on batch ingest;
        a caller that must not lose the batch to one bad document writes them
        one by one when this raises ``StoreError``.
        """
        data = [_dedup_data(extraction) for extraction in extractions]

        def work(session: Session) -> list[WriteResult]:
            return [_write_extraction(session, e, d) for e, d in zip(extractions, data, strict=True)]

        return self.write(work, autoflush=False) if extractions else []

    def near_duplicates(
        self, bands: Sequence[str], *, exclude: str | None = None, limit: int = 50
    ) -> list[NearDuplicateCandidate]:
        """Stored documents sharing at least one LSH band key with ``bands``, most shared first."""
        keys = list(dict.fromkeys(bands))
        if not keys:
            return []

        def work(session: Session) -> list[NearDuplicateCandidate]:
            shared = func.count(db.DocumentBand.id).label("shared")
            query = (
                select(db.DocumentBand.document_id, shared)
                .where(db.DocumentBand.band.in_(keys))
                .group_by(db.DocumentBand.document_id)
                .order_by(shared.desc(), db.DocumentBand.document_id)
                .limit(limit)
            )
            if exclude is not None:
                query = query.where(db.DocumentBand.document_id != exclude)
            counts = dict(session.execute(query).tuples().all())
            if not counts:
                return []
            docs = {
                d.id: d
                for d in session.execute(
                    select(
                        db.Document.id,
                        db.Document.minhash,
                        db.Document.repost_of,
                        db.Document.cluster_id,
                        db.Document.published,
                    ).where(db.Document.id.in_(list(counts)))
                )
            }
            return [
                NearDuplicateCandidate(
                    document=doc_id,
                    shared_bands=int(n),
                    minhash=docs[doc_id].minhash,
                    repost_of=docs[doc_id].repost_of,
                    cluster_id=docs[doc_id].cluster_id,
                    published=docs[doc_id].published,
                )
                for doc_id, n in counts.items()
                if doc_id in docs
            ]

        return self.read(work)

    def mark_repost(self, doc_id: str, *, repost_of: str | None, cluster_id: str | None) -> None:
        """Record that ``doc_id`` reposts ``repost_of`` and/or belongs to near-duplicate ``cluster_id``."""

        def work(session: Session) -> None:
            document = session.get(db.Document, doc_id)
            if document is None:
                raise NotFoundError(f"document {doc_id!r}: not in {self.label}")
            document.repost_of = repost_of
            document.cluster_id = cluster_id

        self.write(work)

    def record_failure(self, source: str, problem: str) -> None:
        """Note an input that could not be ingested."""

        def work(session: Session) -> None:
            session.add(db.IngestFailure(source=source, problem=problem))

        self.write(work)

    def list_merges(self, *, actor: int | None = None, document: str | None = None) -> list[MergeView]:
        """How document-local actors joined global ones (all, or for one actor / one document)."""

        def work(session: Session) -> list[MergeView]:
            query = select(db.ActorMerge).order_by(db.ActorMerge.id)
            if actor is not None:
                query = query.where(db.ActorMerge.actor_id == actor)
            if document is not None:
                query = query.where(db.ActorMerge.document_id == document)
            return [
                MergeView(
                    id=m.id,
                    actor=m.actor_id,
                    document=m.document_id,
                    local_id=m.local_id,
                    local_name=m.local_name,
                    local_aliases=list(m.local_aliases),
                    reason=m.reason,
                    score=m.score,
                    undone=m.undone,
                )
                for m in session.scalars(query)
            ]

        return self.read(work)

    def undo_merge(self, merge_id: int) -> int:
        """Split a document-local actor off the global actor it joined; returns the new actor id."""
        from watchfloor.resolve.actors import undo_merge

        return self.write(lambda session: undo_merge(session, merge_id))

    # -- reading -----------------------------------------------------------

    def counts(self) -> StoreCounts:
        def work(session: Session) -> StoreCounts:
            def count(model: Any, *where: Any) -> int:
                return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

            return StoreCounts(
                documents=count(db.Document),
                actors=count(db.Actor, _actor_is_live()),
                events=count(db.Event),
                relations=count(db.Relation),
                claims=count(db.Claim),
                failures=count(db.IngestFailure),
            )

        return self.read(work)

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        """Full-text search over document bodies and claim evidence (best first)."""
        return self.read(lambda session: run_search(session, query, limit=limit))

    def list_documents(self, *, limit: int | None = None) -> list[DocumentView]:
        return list(self.iter_documents(limit=limit))

    def list_actors(self, *, limit: int | None = None) -> list[ActorView]:
        return list(self.iter_actors(limit=limit))

    def list_events(
        self,
        *,
        limit: int | None = None,
        type: str | None = None,
        country: str | None = None,
        admin1: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        actor: int | None = None,
        document: str | None = None,
    ) -> list[EventView]:
        return list(
            self.iter_events(
                limit=limit,
                type=type,
                country=country,
                admin1=admin1,
                since=since,
                until=until,
                actor=actor,
                document=document,
            )
        )

    def list_relations(self, *, limit: int | None = None, actor: int | None = None) -> list[RelationView]:
        return list(self.iter_relations(limit=limit, actor=actor))

    def iter_documents(self, *, limit: int | None = None, batch_size: int = BATCH_SIZE) -> Iterator[DocumentView]:
        """All documents (by id), fetched ``batch_size`` at a time."""
        return self._iterate(db.Document, db.Document.id, [], _document_views, limit=limit, batch_size=batch_size)

    def iter_actors(self, *, limit: int | None = None, batch_size: int = BATCH_SIZE) -> Iterator[ActorView]:
        """Global actors that some document still links to, by id."""
        return self._iterate(
            db.Actor, db.Actor.id, [_actor_is_live()], _actor_views, limit=limit, batch_size=batch_size
        )

    def iter_events(
        self,
        *,
        limit: int | None = None,
        batch_size: int = BATCH_SIZE,
        type: str | None = None,
        country: str | None = None,
        admin1: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        actor: int | None = None,
        document: str | None = None,
    ) -> Iterator[EventView]:
        """Events by id, optionally filtered (type, country, admin1, date range, actor, origin document)."""
        where: list[Any] = []
        if type is not None:
            where.append(db.Event.type == type)
        if country is not None:
            where.append(db.Event.country == country.upper())
        if admin1 is not None:
            where.append(db.Event.admin1 == admin1)
        if since is not None:
            where.append(db.Event.date_end >= since)
        if until is not None:
            where.append(db.Event.date_start <= until)
        if document is not None:
            where.append(db.Event.document_id == document)
        if actor is not None:
            where.append(
                exists().where(db.EventParticipant.event_id == db.Event.id, db.EventParticipant.actor_id == actor)
            )
        return self._iterate(db.Event, db.Event.id, where, _event_views, limit=limit, batch_size=batch_size)

    def iter_relations(
        self, *, limit: int | None = None, batch_size: int = BATCH_SIZE, actor: int | None = None
    ) -> Iterator[RelationView]:
        where: list[Any] = []
        if actor is not None:
            where.append((db.Relation.source_actor_id == actor) | (db.Relation.target_actor_id == actor))
        return self._iterate(db.Relation, db.Relation.id, where, _relation_views, limit=limit, batch_size=batch_size)

    def get_document(self, doc_id: str) -> DocumentView:
        return self._get(db.Document, db.Document.id, doc_id, _document_views, "document")

    def get_actor(self, actor_id: int) -> ActorView:
        return self._get(db.Actor, db.Actor.id, actor_id, _actor_views, "actor")

    def get_event(self, event_id: int) -> EventView:
        return self._get(db.Event, db.Event.id, event_id, _event_views, "event")

    def get_relation(self, relation_id: int) -> RelationView:
        return self._get(db.Relation, db.Relation.id, relation_id, _relation_views, "relation")

    def _get(self, model: Any, key: Any, value: Any, build: Callable[[Session, list[Any]], list[V]], what: str) -> V:
        def work(session: Session) -> list[V]:
            rows = list(session.scalars(select(model).where(key == value)))
            return build(session, rows)

        views = self.read(work)
        if not views:
            raise NotFoundError(f"{what} {value!r}: not in {self.label}")
        return views[0]

    def _iterate(
        self,
        model: Any,
        key: Any,
        where: list[Any],
        build: Callable[[Session, list[Any]], list[V]],
        *,
        limit: int | None,
        batch_size: int,
    ) -> Iterator[V]:
        """Keyset pagination over ``model`` by ``key``: memory bounded by ``batch_size``."""
        remaining = limit
        last: Any = None
        while remaining is None or remaining > 0:
            size = batch_size if remaining is None else min(batch_size, remaining)

            def work(session: Session, last: Any = last, size: int = size) -> tuple[list[V], Any]:
                query = select(model).where(*where).order_by(key).limit(size)
                if last is not None:
                    query = query.where(key > last)
                rows = list(session.scalars(query))
                if not rows:
                    return [], None
                return build(session, rows), getattr(rows[-1], key.key)

            views, last = self.read(work)
            if not views:
                return
            yield from views
            if remaining is not None:
                remaining -= len(views)
            if len(views) < size:
                return


# -- write helpers ----------------------------------------------------------


@dataclass(slots=True)
class _DedupData:
    minhash: list[int] | None
    bands: list[str]
    repost_of: str | None
    cluster_id: str | None


def _dedup_data(
    extraction: Extraction,
    *,
    minhash: Sequence[int] | None = None,
    bands: Sequence[str] = (),
    repost_of: str | None = None,
    cluster_id: str | None = None,
) -> _DedupData:
    """Near-duplicate columns for a document: those given, else the extraction's own signature and its bands."""
    if minhash is None and extraction.signature:
        from watchfloor.resolve.dedup import band_keys

        minhash = extraction.signature
        bands = bands or band_keys(extraction.signature)
    return _DedupData(list(minhash) if minhash is not None else None, list(dict.fromkeys(bands)), repost_of, cluster_id)


def _write_extraction(session: Session, extraction: Extraction, dedup: _DedupData) -> WriteResult:
    from watchfloor.resolve.actors import link_actors

    doc = extraction.document
    if session.scalar(select(exists().where(db.Document.id == doc.id))):
        return WriteResult(document_id=doc.id, created=False)
    repost_of = dedup.repost_of
    if repost_of is not None and not session.scalar(select(exists().where(db.Document.id == repost_of))):
        log.warning("%s: repost_of %r is not stored; left empty", doc.id, repost_of)
        repost_of = None
    session.add(
        db.Document(
            id=doc.id,
            file_name=doc.file_name,
            source=doc.source,
            origin=str(doc.origin),
            url=doc.url,
            title=doc.title,
            section=doc.section,
            publisher=doc.publisher,
            publication=doc.publication,
            volume=doc.volume,
            issue=doc.issue,
            author=doc.author,
            language=doc.language,
            published=doc.published,
            published_method=str(doc.published_method),
            page_date=doc.page_date,
            text=_nul_free(doc.text),
            raw_sha256=doc.raw_sha256,
            removed_lines=list(doc.removed_lines),
            extractor=extraction.extractor,
            minhash=dedup.minhash,
            repost_of=repost_of,
            cluster_id=dedup.cluster_id,
        )
    )
    session.flush()
    if dedup.bands:
        session.execute(insert(db.DocumentBand), [{"document_id": doc.id, "band": band} for band in dedup.bands])
    index_document(session, document_id=doc.id, body=_nul_free(doc.text))
    if extraction.mentions:
        session.execute(
            insert(db.Mention),
            [
                {
                    "document_id": doc.id,
                    "start": m.start,
                    "end": m.end,
                    "label": m.label,
                    "text": _nul_free(m.text),
                    "sentence": m.sentence,
                    "kb_id": m.kb_id,
                }
                for m in extraction.mentions
            ],
        )
    links = link_actors(session, extraction.actors, document_id=doc.id)
    result = WriteResult(
        document_id=doc.id,
        created=True,
        actors_created=sum(link.created for link in links.values()),
        actors_joined=sum(not link.created for link in links.values()),
    )
    places: dict[str, int] = {}
    for record in extraction.events:
        event_id = _write_event(session, record, document_id=doc.id, links=links, places=places)
        result.events += 1
        result.claims += _write_claims(
            session, record.claims, document_id=doc.id, extractor=extraction.extractor, event_id=event_id
        )
    for relation in extraction.relations:
        relation_id = _write_relation(session, relation, document_id=doc.id, links=links)
        if relation_id is None:
            continue
        result.relations += 1
        result.claims += _write_claims(
            session, relation.claims, document_id=doc.id, extractor=extraction.extractor, relation_id=relation_id
        )
    return result


def _place_key(place: PlaceRef) -> str | None:
    if place.gazetteer_id:
        return f"gz:{place.gazetteer_id}"
    parts = [place.name, place.admin2, place.admin1, place.country]
    if not any(parts) and place.lat is None:
        return None
    coords = "" if place.lat is None or place.lon is None else f"{place.lat:.4f},{place.lon:.4f}"
    return ("nm:" + "|".join((p or "").casefold() for p in parts) + "|" + coords)[:1000]


def _place_id(session: Session, place: PlaceRef | None, cache: dict[str, int]) -> int | None:
    if place is None:
        return None
    key = _place_key(place)
    if key is None:
        return None
    if key in cache:
        return cache[key]
    found = session.scalar(select(db.Place.id).where(db.Place.key == key))
    if found is None:
        row = db.Place(
            key=key,
            name=place.name,
            admin2=place.admin2,
            admin1=place.admin1,
            country=place.country.upper() if place.country else None,
            lat=place.lat,
            lon=place.lon,
            precision=place.precision,
            gazetteer_id=place.gazetteer_id,
        )
        session.add(row)
        session.flush()
        found = row.id
    cache[key] = found
    return found


def _quantity_columns(record: EventRecord) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name in QUANTITIES:
        quantity: Quantity | None = getattr(record, name)
        columns[f"{name}_value"] = quantity.value if quantity else None
        columns[f"{name}_qualifier"] = str(quantity.qualifier) if quantity else None
        columns[f"{name}_high"] = quantity.high if quantity else None
    return columns


def _write_event(
    session: Session, record: EventRecord, *, document_id: str, links: dict[str, Any], places: dict[str, int]
) -> int:
    date: TimeValue | None = record.date
    location = record.location
    event = db.Event(
        document_id=document_id,
        local_id=record.local_id,
        type=record.type,
        subtype=record.subtype,
        date_value=date.value if date else None,
        date_precision=str(date.precision) if date else None,
        date_start=date.start if date else None,
        date_end=date.end if date else None,
        date_text=date.text if date and date.text else None,
        place_id=_place_id(session, location, places),
        place_text=record.place_text,
        country=location.country.upper() if location and location.country else None,
        admin1=location.admin1 if location else None,
        suicide=record.suicide,
        claimed=record.claimed,
        attribution=record.attribution,
        target=record.target,
        target_type=record.target_type,
        weapons=list(record.weapons),
        perpetrator_individuals=list(record.perpetrator_individuals),
        victims=list(record.victims),
        certainty=str(record.certainty),
        confidence=record.confidence,
        **_quantity_columns(record),
    )
    session.add(event)
    session.flush()
    seen: set[tuple[int, str]] = set()
    for role, local_ids in record.participants.items():
        for local_id in local_ids:
            link = links.get(local_id)
            if link is None:
                log.warning("%s: event %s names unknown actor %r", document_id, record.local_id, local_id)
                continue
            if (link.actor_id, role) in seen:
                continue
            seen.add((link.actor_id, role))
            session.add(
                db.EventParticipant(event_id=event.id, actor_id=link.actor_id, role=role, merge_id=link.merge_id)
            )
    return event.id


def _write_relation(session: Session, record: RelationRecord, *, document_id: str, links: dict[str, Any]) -> int | None:
    source, target = links.get(record.source), links.get(record.target)
    if source is None or target is None:
        log.warning("%s: relation %s names an unknown actor; skipped", document_id, record.local_id)
        return None
    relation = db.Relation(
        document_id=document_id,
        local_id=record.local_id,
        type=record.type,
        source_actor_id=source.actor_id,
        target_actor_id=target.actor_id,
        source_merge_id=source.merge_id,
        target_merge_id=target.merge_id,
        status=record.status,
        start_value=record.start.value if record.start else None,
        start_precision=str(record.start.precision) if record.start else None,
        end_value=record.end.value if record.end else None,
        end_precision=str(record.end.precision) if record.end else None,
    )
    session.add(relation)
    session.flush()
    return relation.id


def _write_claims(
    session: Session,
    claims: list[ClaimRecord],
    *,
    document_id: str,
    extractor: str,
    event_id: int | None = None,
    relation_id: int | None = None,
) -> int:
    rows = [
        db.Claim(
            document_id=document_id,
            event_id=event_id,
            relation_id=relation_id,
            evidence_start=record.evidence.start,
            evidence_end=record.evidence.end,
            evidence_text=_nul_free(record.evidence.text),
            certainty=str(record.certainty),
            extractor=record.extractor or extractor,
            confidence=record.confidence,
            values=_jsonable(record.values),
        )
        for record in claims
    ]
    if not rows:
        return 0
    session.add_all(rows)
    session.flush()
    sources = [
        {
            "claim_id": row.id,
            "outlet": c.outlet[:500] if c.outlet else c.outlet,
            "date": c.date,
            "person": c.person[:500] if c.person else c.person,
            "text": c.text,
        }
        for row, record in zip(rows, claims, strict=True)
        for c in record.sources
    ]
    if sources:
        session.execute(insert(db.ClaimSource), sources)
    for row in rows:
        index_claim(session, claim_id=row.id, document_id=document_id, body=row.evidence_text)
    return len(rows)


# -- read helpers -----------------------------------------------------------


def _actor_is_live() -> Any:
    return exists().where(db.ActorMerge.actor_id == db.Actor.id, db.ActorMerge.undone.is_(False))


def _document_views(_session: Session, rows: list[db.Document]) -> list[DocumentView]:
    return [
        DocumentView(
            id=d.id,
            file=d.file_name,
            title=d.title,
            published=d.published,
            published_method=d.published_method,
            page_date=d.page_date,
            publisher=d.publisher,
            publication=d.publication,
            language=d.language,
            text=d.text,
            source=d.source,
            origin=d.origin,
            url=d.url,
            section=d.section,
            volume=d.volume,
            issue=d.issue,
            author=d.author,
            raw_sha256=d.raw_sha256,
            extractor=d.extractor,
            ingested_at=d.ingested_at,
            repost_of=d.repost_of,
            cluster_id=d.cluster_id,
        )
        for d in rows
    ]


def _actor_views(session: Session, rows: list[db.Actor]) -> list[ActorView]:
    ids = [a.id for a in rows]
    aliases: dict[int, list[str]] = {}
    for actor_id, alias in session.execute(
        select(db.ActorAlias.actor_id, db.ActorAlias.alias)
        .where(db.ActorAlias.actor_id.in_(ids))
        .order_by(db.ActorAlias.id)
    ):
        aliases.setdefault(actor_id, []).append(alias)
    documents: dict[int, list[str]] = {}
    for actor_id, doc_id in session.execute(
        select(db.ActorMerge.actor_id, db.ActorMerge.document_id)
        .where(db.ActorMerge.actor_id.in_(ids), db.ActorMerge.undone.is_(False))
        .order_by(db.ActorMerge.id)
    ):
        docs = documents.setdefault(actor_id, [])
        if doc_id not in docs:
            docs.append(doc_id)
    return [
        ActorView(
            id=a.id,
            name=a.name,
            kind=a.kind,
            country=a.country,
            kb_id=a.kb_id,
            aliases=aliases.get(a.id, []),
            documents=documents.get(a.id, []),
        )
        for a in rows
    ]


def _evidence(
    session: Session, column: Any, ids: list[int]
) -> tuple[dict[int, list[EvidenceView]], dict[int, list[Citation]]]:
    """Evidence spans and cited sources of the claims on the given events or relations."""
    evidence: dict[int, list[EvidenceView]] = {}
    claim_owner: dict[int, int] = {}
    rows = session.execute(
        select(
            column,
            db.Claim.id,
            db.Claim.document_id,
            db.Document.file_name,
            db.Claim.evidence_start,
            db.Claim.evidence_end,
            db.Claim.evidence_text,
            db.Claim.certainty,
        )
        .join(db.Document, db.Document.id == db.Claim.document_id)
        .where(column.in_(ids))
        .order_by(db.Claim.id)
    )
    for owner, claim_id, doc_id, file_name, start, end, body, certainty in rows:
        claim_owner[claim_id] = owner
        evidence.setdefault(owner, []).append(
            EvidenceView(
                document=doc_id, file=file_name, start=start, end=end, text=body, claim_id=claim_id, certainty=certainty
            )
        )
    sources: dict[int, list[Citation]] = {}
    if claim_owner:
        seen: set[tuple[int, str | None, dt.date | None, str | None]] = set()
        for src in session.scalars(
            select(db.ClaimSource).where(db.ClaimSource.claim_id.in_(list(claim_owner))).order_by(db.ClaimSource.id)
        ):
            owner = claim_owner[src.claim_id]
            key = (owner, src.outlet, src.date, src.person)
            if key in seen:
                continue
            seen.add(key)
            sources.setdefault(owner, []).append(
                Citation(outlet=src.outlet, date=src.date, person=src.person, text=src.text)
            )
    return evidence, sources


def _quantity(row: db.Event, name: str) -> Quantity | None:
    from watchfloor.models import Qualifier

    value = getattr(row, f"{name}_value")
    if value is None:
        return None
    qualifier = getattr(row, f"{name}_qualifier") or Qualifier.EXACT
    try:
        qualifier = Qualifier(qualifier)
    except ValueError:
        log.warning("event %d: unknown qualifier %r for %s", row.id, qualifier, name)
        qualifier = Qualifier.EXACT
    return Quantity(value=value, qualifier=qualifier, high=getattr(row, f"{name}_high"))


def _event_views(session: Session, rows: list[db.Event]) -> list[EventView]:
    ids = [e.id for e in rows]
    participants: dict[int, dict[str, list[int]]] = {}
    for event_id, role, actor_id in session.execute(
        select(db.EventParticipant.event_id, db.EventParticipant.role, db.EventParticipant.actor_id)
        .where(db.EventParticipant.event_id.in_(ids))
        .order_by(db.EventParticipant.id)
    ):
        participants.setdefault(event_id, {}).setdefault(role, []).append(actor_id)
    place_ids = {e.place_id for e in rows if e.place_id is not None}
    places = {p.id: p for p in session.scalars(select(db.Place).where(db.Place.id.in_(place_ids)))} if place_ids else {}
    evidence, sources = _evidence(session, db.Claim.event_id, ids)
    views = []
    for e in rows:
        place = places.get(e.place_id) if e.place_id is not None else None
        location = place.as_ref() if place is not None else None
        views.append(
            EventView(
                id=e.id,
                type=e.type,
                subtype=e.subtype,
                date=e.date_value,
                date_precision=e.date_precision,
                location=location,
                actors=participants.get(e.id, {}),
                killed=_quantity(e, "killed"),
                injured=_quantity(e, "injured"),
                arrested=_quantity(e, "arrested"),
                kidnapped=_quantity(e, "kidnapped"),
                count=_quantity(e, "count"),
                suicide=e.suicide,
                claimed=e.claimed,
                attribution=e.attribution,
                target=e.target,
                target_type=e.target_type,
                weapons=list(e.weapons or []),
                certainty=e.certainty,
                sources=sources.get(e.id, []),
                evidence=evidence.get(e.id, []),
                document=e.document_id,
                date_start=e.date_start,
                date_end=e.date_end,
                place_text=e.place_text,
                confidence=e.confidence,
            )
        )
    return views


def _relation_views(session: Session, rows: list[db.Relation]) -> list[RelationView]:
    evidence, _sources = _evidence(session, db.Claim.relation_id, [r.id for r in rows])
    return [
        RelationView(
            id=r.id,
            type=r.type,
            source=r.source_actor_id,
            target=r.target_actor_id,
            status=r.status,
            evidence=evidence.get(r.id, []),
            document=r.document_id,
            start=r.start_value,
            end=r.end_value,
        )
        for r in rows
    ]


def open_store(url: str | Path) -> Store:
    """``Store.open`` accepting a bare SQLite path too."""
    text_url = str(url)
    if "://" not in text_url:
        text_url = f"sqlite:///{Path(text_url).expanduser()}"
    return Store.open(text_url)
