"""The store's tables (SQLAlchemy 2.0 declarative models).

Claim-centred: a ``Document`` yields mentions, events, relations and the
``Claim`` rows that say which sentence of which document states them, on
whose word.  Global ``Actor`` rows are shared across documents; every
document-local actor that joined one is recorded in ``ActorMerge`` (with its
reason and score) so a wrong merge can be undone.

The full-text index is not modelled here: it is dialect-specific DDL in the
initial migration (SQLite FTS5 tables ``search_entries``/``search_fts``,
PostgreSQL GIN expression indexes).  Change this module and add a migration
together.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from watchfloor.models import PlaceRef

#: Constraint names the same on every backend (and stable for migrations).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Document(Base):
    """A cleaned report. ``id`` is the content hash of its text."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    publication: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[int | None] = mapped_column(Integer)
    issue: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(32))
    published: Mapped[dt.date | None] = mapped_column(Date, index=True)
    published_method: Mapped[str] = mapped_column(String(16))
    page_date: Mapped[dt.date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    removed_lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    extractor: Mapped[str] = mapped_column(Text, default="")
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    repost_of: Mapped[str | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    cluster_id: Mapped[str | None] = mapped_column(String(128), index=True)
    minhash: Mapped[list[int] | None] = mapped_column(JSON)  # near-duplicate signature, when computed


class DocumentBand(Base):
    """One LSH band key of a document's MinHash signature (near-duplicate candidates share one)."""

    __tablename__ = "document_bands"
    __table_args__ = (UniqueConstraint("document_id", "band", name="uq_document_bands_document_band"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    band: Mapped[str] = mapped_column(String(64), index=True)


class Mention(Base):
    """An entity mention in a document."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column("start_char", Integer)
    end: Mapped[int] = mapped_column("end_char", Integer)
    label: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    sentence: Mapped[int] = mapped_column(Integer)
    kb_id: Mapped[str | None] = mapped_column(Text)


class Actor(Base):
    """A global (cross-document) actor.

    ``name_key`` (``kind|normalised name``) is unique so that two writers
    cannot both create the same name; actors split off by ``undo_merge`` have
    none.
    """

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    country: Mapped[str | None] = mapped_column(String(64))
    kb_id: Mapped[str | None] = mapped_column(Text, unique=True)
    name_key: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActorAlias(Base):
    """A surface form of a global actor, with its matching key."""

    __tablename__ = "actor_aliases"
    __table_args__ = (UniqueConstraint("actor_id", "alias", name="uq_actor_aliases_actor_alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(Text)
    norm: Mapped[str] = mapped_column(Text, index=True)


class ActorMerge(Base):
    """One document-local actor joining (or creating) a global actor.

    ``reason``: ``kb_id`` | ``name`` | ``alias`` | ``new`` | ``split`` (made by
    undoing another merge).  ``local_*`` keep what the document said, so the
    merge can be undone and the global actor's aliases recomputed.
    """

    __tablename__ = "actor_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    local_id: Mapped[str] = mapped_column(Text)
    local_name: Mapped[str] = mapped_column(Text)
    local_kind: Mapped[str] = mapped_column(String(32))
    local_kb_id: Mapped[str | None] = mapped_column(Text)
    local_country: Mapped[str | None] = mapped_column(String(64))
    local_aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActorMention(Base):
    """A span where a document-local actor is mentioned (follows its merge)."""

    __tablename__ = "actor_mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("actor_merges.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column("start_char", Integer)
    end: Mapped[int] = mapped_column("end_char", Integer)
    text: Mapped[str] = mapped_column(Text)


class Place(Base):
    """A gazetteer place (or an unresolved place name). ``key`` deduplicates."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    admin2: Mapped[str | None] = mapped_column(Text)
    admin1: Mapped[str | None] = mapped_column(Text, index=True)
    country: Mapped[str | None] = mapped_column(String(64), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    precision: Mapped[int | None] = mapped_column(Integer)
    gazetteer_id: Mapped[str | None] = mapped_column(Text)

    def as_ref(self) -> PlaceRef:
        """The place as the stage model ``PlaceRef``."""
        return PlaceRef(
            name=self.name,
            admin2=self.admin2,
            admin1=self.admin1,
            country=self.country,
            lat=self.lat,
            lon=self.lon,
            precision=self.precision,
            gazetteer_id=self.gazetteer_id,
        )


class Event(Base):
    """An event as stated by one document (``document_id`` is its origin).

    ``country``/``admin1`` copy the place's so the common filters need no join.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_type_date", "type", "date_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    local_id: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(64), index=True)
    subtype: Mapped[str | None] = mapped_column(String(64))
    date_value: Mapped[str | None] = mapped_column(String(32))
    date_precision: Mapped[str | None] = mapped_column(String(16))
    date_start: Mapped[dt.date | None] = mapped_column(Date, index=True)
    date_end: Mapped[dt.date | None] = mapped_column(Date)
    date_text: Mapped[str | None] = mapped_column(Text)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"), index=True)
    place_text: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(64), index=True)
    admin1: Mapped[str | None] = mapped_column(Text, index=True)
    killed_value: Mapped[int | None] = mapped_column(Integer)
    killed_qualifier: Mapped[str | None] = mapped_column(String(16))
    killed_high: Mapped[int | None] = mapped_column(Integer)
    injured_value: Mapped[int | None] = mapped_column(Integer)
    injured_qualifier: Mapped[str | None] = mapped_column(String(16))
    injured_high: Mapped[int | None] = mapped_column(Integer)
    arrested_value: Mapped[int | None] = mapped_column(Integer)
    arrested_qualifier: Mapped[str | None] = mapped_column(String(16))
    arrested_high: Mapped[int | None] = mapped_column(Integer)
    kidnapped_value: Mapped[int | None] = mapped_column(Integer)
    kidnapped_qualifier: Mapped[str | None] = mapped_column(String(16))
    kidnapped_high: Mapped[int | None] = mapped_column(Integer)
    count_value: Mapped[int | None] = mapped_column(Integer)
    count_qualifier: Mapped[str | None] = mapped_column(String(16))
    count_high: Mapped[int | None] = mapped_column(Integer)
    suicide: Mapped[bool | None] = mapped_column(Boolean)
    claimed: Mapped[bool | None] = mapped_column(Boolean)
    attribution: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    target_type: Mapped[str | None] = mapped_column(Text)
    weapons: Mapped[list[str]] = mapped_column(JSON, default=list)
    perpetrator_individuals: Mapped[list[str]] = mapped_column(JSON, default=list)
    victims: Mapped[list[str]] = mapped_column(JSON, default=list)
    certainty: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)


class EventParticipant(Base):
    """An actor taking part in an event in a role (via the merge that placed it there)."""

    __tablename__ = "event_participants"
    __table_args__ = (UniqueConstraint("event_id", "actor_id", "role", name="uq_event_participants_event_actor_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("actor_merges.id", ondelete="SET NULL"), index=True)


class Relation(Base):
    """An actor-to-actor relation stated by one document."""

    __tablename__ = "relations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    local_id: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(64), index=True)
    source_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    target_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    source_merge_id: Mapped[int | None] = mapped_column(ForeignKey("actor_merges.id", ondelete="SET NULL"))
    target_merge_id: Mapped[int | None] = mapped_column(ForeignKey("actor_merges.id", ondelete="SET NULL"))
    status: Mapped[str | None] = mapped_column(String(32))
    start_value: Mapped[str | None] = mapped_column(String(32))
    start_precision: Mapped[str | None] = mapped_column(String(16))
    end_value: Mapped[str | None] = mapped_column(String(32))
    end_precision: Mapped[str | None] = mapped_column(String(16))


class Claim(Base):
    """One statement of one document about an event or a relation."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    relation_id: Mapped[int | None] = mapped_column(ForeignKey("relations.id", ondelete="CASCADE"), index=True)
    evidence_start: Mapped[int] = mapped_column(Integer)
    evidence_end: Mapped[int] = mapped_column(Integer)
    evidence_text: Mapped[str] = mapped_column(Text)
    certainty: Mapped[str] = mapped_column(String(16))
    extractor: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ClaimSource(Base):
    """A source a claim cites: an outlet (with date) or a named person."""

    __tablename__ = "claim_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    outlet: Mapped[str | None] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date)
    person: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")


class IngestFailure(Base):
    """An input that could not be ingested, and why."""

    __tablename__ = "ingest_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    problem: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# Tables of later migrations share this metadata: the workbench's review tables and read
# indexes (0002, ``schema_review``) and event fusion (0003, ``schema_fusion``).
from watchfloor.store import schema_fusion, schema_review  # noqa: E402, F401
