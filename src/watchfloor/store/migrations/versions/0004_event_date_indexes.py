"""Read indexes for date-window filters: the longest event date span, covering map indexes.

An event's date is an interval (``date_start`` .. ``date_end``); a filter
``since`` .. ``until`` keeps the events overlapping it.  Neither bound alone
narrows an index range, so the API also bounds ``date_start`` from below by
``since`` minus the longest span in the store, which it reads from
``ix_events_date_span`` (an expression index, made by hand per dialect).
The map's covering indexes get ``date_end`` so a date window is answered
from the index alone, and ``id`` for PostgreSQL's index-only scans.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 05:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SPAN = {
    "sqlite": "julianday(date_end) - julianday(date_start)",
    "postgresql": "(date_end - date_start)",
}
#: (old index, its columns, new index, its columns): the map's covering indexes get ``date_end`` (a
#: date window is answered from the index alone) and ``id`` (PostgreSQL indexes do not carry it, and
#: the merged-away events are left out by id).
_REPLACED = (
    (
        "ix_events_type_date_place",
        ["type", "date_start", "place_id"],
        "ix_events_type_dates_place",
        ["type", "date_start", "date_end", "place_id", "id"],
    ),
    (
        "ix_events_date_place",
        ["date_start", "place_id"],
        "ix_events_dates_place",
        ["date_start", "date_end", "place_id", "id"],
    ),
    ("ix_events_country_place", ["country", "place_id"], "ix_events_country_place_id", ["country", "place_id", "id"]),
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for old, _columns, new, new_columns in _REPLACED:
        op.drop_index(old, table_name="events")
        op.create_index(new, "events", new_columns, unique=False)
    op.execute(f"CREATE INDEX ix_events_date_span ON events (({_SPAN.get(dialect, _SPAN['postgresql'])}))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_events_date_span")
    for old, columns, new, _new_columns in reversed(_REPLACED):
        op.drop_index(new, table_name="events")
        op.create_index(old, "events", columns, unique=False)
