"""Review and audit tables for the analyst workbench, and the API's read indexes.

* ``claim_reviews``: accept / reject / edit verdicts on claims;
* ``event_merges``: events folded into others (reversible);
* ``audit_log``: every API write with before/after snapshots;
* composite indexes for filtered keyset pagination (filter column, id), the
  map aggregation (place, date), outlet/publisher grade filters and the
  bounding box.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_events_country_id", "events", ["country", "id"]),
    ("ix_events_type_id", "events", ["type", "id"]),
    ("ix_events_certainty_id", "events", ["certainty", "id"]),
    ("ix_events_date_start_id", "events", ["date_start", "id"]),
    ("ix_events_place_id_date", "events", ["place_id", "date_start"]),
    ("ix_events_type_date_place", "events", ["type", "date_start", "place_id"]),
    ("ix_events_country_place", "events", ["country", "place_id"]),
    ("ix_events_date_place", "events", ["date_start", "place_id"]),
    ("ix_claim_sources_outlet", "claim_sources", ["outlet"]),
    ("ix_documents_publisher", "documents", ["publisher"]),
    ("ix_places_lat_lon", "places", ["lat", "lon"]),
)


def upgrade() -> None:
    op.create_table(
        "claim_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("certainty", sa.String(length=16), nullable=True),
        sa.Column("values", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_reviews_claim_id_claims"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_reviews")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_claim_reviews_claim_id")),
    )
    op.create_index(op.f("ix_claim_reviews_status"), "claim_reviews", ["status"], unique=False)
    op.create_table(
        "event_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kept_event_id", sa.Integer(), nullable=False),
        sa.Column("merged_event_id", sa.Integer(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kept_event_id"], ["events.id"], name=op.f("fk_event_merges_kept_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["merged_event_id"], ["events.id"], name=op.f("fk_event_merges_merged_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_merges")),
    )
    op.create_index(op.f("ix_event_merges_kept_event_id"), "event_merges", ["kept_event_id"], unique=False)
    op.create_index(op.f("ix_event_merges_merged_event_id"), "event_merges", ["merged_event_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=128), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("reverted_by", sa.Integer(), nullable=True),
        sa.Column("revert_of", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reverted_by"], ["audit_log.id"], name=op.f("fk_audit_log_reverted_by_audit_log"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["revert_of"], ["audit_log.id"], name=op.f("fk_audit_log_revert_of_audit_log"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"], unique=False)
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_action"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_event_merges_merged_event_id"), table_name="event_merges")
    op.drop_index(op.f("ix_event_merges_kept_event_id"), table_name="event_merges")
    op.drop_table("event_merges")
    op.drop_index(op.f("ix_claim_reviews_status"), table_name="claim_reviews")
    op.drop_table("claim_reviews")
