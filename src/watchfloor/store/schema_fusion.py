"""Tables of the cross-document knowledge base: fused events, their members, cannot-links.

* ``FusedEvent``: one real-world event as the knowledge base holds it, fused
  from the document-level ``events`` rows (its members).  Its fields (type,
  date, place, actors, casualty low/best/high, Admiralty grade) are derived
  from the members and recomputed whenever membership changes.
* ``FusedMember``: one document-level event belonging to one fused event,
  with the score and per-field evidence of the decision that put it there
  (``reason``: ``seed`` for the first member, ``fused`` for a joiner,
  ``split`` for an event separated by an undo).
* ``FusionCannotLink``: two document-level events an analyst said are
  different (recorded by undo); fusion never puts them together again.
* ``FusionDocument``: documents whose near-duplicate (repost) check ran.

Imported by ``watchfloor.store.schema`` so one ``Base.metadata`` holds every
table; created by migration ``0003``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.store.schema import Base, utcnow


class FusedEvent(Base):
    """A knowledge-base event fused from one or more document-level events."""

    __tablename__ = "fused_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    date_value: Mapped[str | None] = mapped_column(String(32))
    date_precision: Mapped[str | None] = mapped_column(String(16))
    date_start: Mapped[dt.date | None] = mapped_column(Date, index=True)
    date_end: Mapped[dt.date | None] = mapped_column(Date)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"), index=True)
    country: Mapped[str | None] = mapped_column(String(64), index=True)
    admin1: Mapped[str | None] = mapped_column(Text)
    killed_low: Mapped[int | None] = mapped_column(Integer)
    killed_best: Mapped[int | None] = mapped_column(Integer)
    killed_high: Mapped[int | None] = mapped_column(Integer)
    injured_low: Mapped[int | None] = mapped_column(Integer)
    injured_best: Mapped[int | None] = mapped_column(Integer)
    injured_high: Mapped[int | None] = mapped_column(Integer)
    reliability: Mapped[str] = mapped_column(String(1), default="F")
    credibility: Mapped[int] = mapped_column(Integer, default=6)
    independent_sources: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # derived values with their provenance
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FusedMember(Base):
    """A document-level event in a fused event (at most one fused event per document-level event)."""

    __tablename__ = "fused_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fused_event_id: Mapped[int] = mapped_column(ForeignKey("fused_events.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # seed | fused | split
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per-field agreement at join time
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FusionCannotLink(Base):
    """Two document-level events that must stay in different fused events (``event_a < event_b``)."""

    __tablename__ = "fusion_cannot_links"
    __table_args__ = (UniqueConstraint("event_a", "event_b", name="uq_fusion_cannot_links_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_a: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    event_b: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FusionDocument(Base):
    """A document whose repost (near-duplicate) check has run."""

    __tablename__ = "fusion_documents"

    document_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
