"""The knowledge-base store: SQLite by default, PostgreSQL at scale.

``Store.open(url)`` (in ``repository``) is the entry point; it migrates the
schema (``migrate``, Alembic revisions in ``migrations/``) and hands back the
read dataclasses of ``views``.
"""

from __future__ import annotations

from watchfloor.store.repository import Store
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

__all__ = [
    "ActorView",
    "DocumentView",
    "EventView",
    "EvidenceView",
    "MergeView",
    "NearDuplicateCandidate",
    "RelationView",
    "SearchHit",
    "Store",
    "StoreCounts",
    "WriteResult",
]
