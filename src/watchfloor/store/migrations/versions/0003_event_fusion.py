"""Event fusion across documents: fused events, their members, cannot-links, repost checks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 02:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fused_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("date_value", sa.String(length=32), nullable=True),
        sa.Column("date_precision", sa.String(length=16), nullable=True),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("admin1", sa.Text(), nullable=True),
        sa.Column("killed_low", sa.Integer(), nullable=True),
        sa.Column("killed_best", sa.Integer(), nullable=True),
        sa.Column("killed_high", sa.Integer(), nullable=True),
        sa.Column("injured_low", sa.Integer(), nullable=True),
        sa.Column("injured_best", sa.Integer(), nullable=True),
        sa.Column("injured_high", sa.Integer(), nullable=True),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("credibility", sa.Integer(), nullable=False),
        sa.Column("independent_sources", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_fused_events_place_id_places"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fused_events")),
    )
    op.create_index(op.f("ix_fused_events_type"), "fused_events", ["type"], unique=False)
    op.create_index(op.f("ix_fused_events_date_start"), "fused_events", ["date_start"], unique=False)
    op.create_index(op.f("ix_fused_events_place_id"), "fused_events", ["place_id"], unique=False)
    op.create_index(op.f("ix_fused_events_country"), "fused_events", ["country"], unique=False)
    op.create_table(
        "fused_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fused_event_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["fused_event_id"],
            ["fused_events.id"],
            name=op.f("fk_fused_members_fused_event_id_fused_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_fused_members_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_fused_members_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fused_members")),
        sa.UniqueConstraint("event_id", name=op.f("uq_fused_members_event_id")),
    )
    op.create_index(op.f("ix_fused_members_fused_event_id"), "fused_members", ["fused_event_id"], unique=False)
    op.create_index(op.f("ix_fused_members_document_id"), "fused_members", ["document_id"], unique=False)
    op.create_table(
        "fusion_cannot_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_a", sa.Integer(), nullable=False),
        sa.Column("event_b", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_a"], ["events.id"], name=op.f("fk_fusion_cannot_links_event_a_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["event_b"], ["events.id"], name=op.f("fk_fusion_cannot_links_event_b_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fusion_cannot_links")),
        sa.UniqueConstraint("event_a", "event_b", name="uq_fusion_cannot_links_pair"),
    )
    op.create_index(op.f("ix_fusion_cannot_links_event_a"), "fusion_cannot_links", ["event_a"], unique=False)
    op.create_index(op.f("ix_fusion_cannot_links_event_b"), "fusion_cannot_links", ["event_b"], unique=False)
    op.create_table(
        "fusion_documents",
        sa.Column("document_id", sa.String(length=128), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_fusion_documents_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_fusion_documents")),
    )


def downgrade() -> None:
    op.drop_table("fusion_documents")
    op.drop_index(op.f("ix_fusion_cannot_links_event_b"), table_name="fusion_cannot_links")
    op.drop_index(op.f("ix_fusion_cannot_links_event_a"), table_name="fusion_cannot_links")
    op.drop_table("fusion_cannot_links")
    op.drop_index(op.f("ix_fused_members_document_id"), table_name="fused_members")
    op.drop_index(op.f("ix_fused_members_fused_event_id"), table_name="fused_members")
    op.drop_table("fused_members")
    op.drop_index(op.f("ix_fused_events_country"), table_name="fused_events")
    op.drop_index(op.f("ix_fused_events_place_id"), table_name="fused_events")
    op.drop_index(op.f("ix_fused_events_date_start"), table_name="fused_events")
    op.drop_index(op.f("ix_fused_events_type"), table_name="fused_events")
    op.drop_table("fused_events")
