"""Review tables for the analyst workbench (``watchfloor.serve``), and the read indexes the API needs.

* ``ClaimReview``: an analyst's verdict on a claim (accepted / rejected) and
  any edit of its certainty or values; the extracted claim row is never
  changed, so an edit can always be compared with what the extractor said.
* ``EventMerge``: one event folded into another (its claims and participants
  moved); the merged event is hidden from listings while the merge is live.
* ``AuditEntry``: every write the API makes (who, when, before, after), and
  which later entry reverted it.

Imported by ``watchfloor.store.schema`` so one ``Base.metadata`` holds every
table; created by migration ``0002``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.store.schema import Base, ClaimSource, Document, Event, Place, utcnow


class ClaimReview(Base):
    """An analyst's verdict on one claim (at most one row per claim)."""

    __tablename__ = "claim_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | accepted | rejected
    certainty: Mapped[str | None] = mapped_column(String(16))  # edited certainty, when changed
    values: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # edited values, when changed
    note: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventMerge(Base):
    """Event ``merged_event_id`` folded into ``kept_event_id`` (hidden from listings unless undone)."""

    __tablename__ = "event_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kept_event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    merged_event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """One write made through the API, with the state before and after (JSON snapshots)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reverted_by: Mapped[int | None] = mapped_column(ForeignKey("audit_log.id", ondelete="SET NULL"))
    revert_of: Mapped[int | None] = mapped_column(ForeignKey("audit_log.id", ondelete="SET NULL"))


# Read indexes for the API's filters and keyset pagination (ordered by id within a filter).
Index("ix_events_country_id", Event.country, Event.id)
Index("ix_events_type_id", Event.type, Event.id)
Index("ix_events_certainty_id", Event.certainty, Event.id)
Index("ix_events_date_start_id", Event.date_start, Event.id)
Index("ix_events_place_id_date", Event.place_id, Event.date_start)
# covering indexes of the map aggregation (group by place) under its common filters
Index("ix_events_type_dates_place", Event.type, Event.date_start, Event.date_end, Event.place_id, Event.id)
Index("ix_events_country_place_id", Event.country, Event.place_id, Event.id)
Index("ix_events_dates_place", Event.date_start, Event.date_end, Event.place_id, Event.id)
# (ix_events_date_span, on the expression date_end - date_start, is made by hand in migration 0004)
Index("ix_claim_sources_outlet", ClaimSource.outlet)
Index("ix_documents_publisher", Document.publisher)
Index("ix_places_lat_lon", Place.lat, Place.lon)
