"""Write routes (API token required): review and edit claims, merge and split actors and events, revert.

Each write is one transaction with its audit entry; the response carries
that entry (``WriteOut``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.orm import Session

from watchfloor.serve import review
from watchfloor.serve.auth import analyst, require_write
from watchfloor.serve.queries import audit_out
from watchfloor.serve.routes.deps import get_store
from watchfloor.serve.schemas import MAX_ID, ActorSplitIn, ClaimEditIn, EventSplitIn, MergeIn, ReviewIn, WriteOut
from watchfloor.store.schema_review import AuditEntry

router = APIRouter(prefix="/api", dependencies=[Depends(require_write)])


IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Who = Annotated[str, Depends(analyst)]


def _run(request: Request, work: Callable[[Session], AuditEntry]) -> WriteOut:
    entry = review.run_write(get_store(request), work)
    request.app.state.grades.invalidate()
    request.app.state.aggregates.clear()
    return WriteOut(audit=audit_out(entry), target_type=entry.target_type, target_id=entry.target_id)


@router.post("/claims/{claim_id}/review", response_model=WriteOut, tags=["claims"])
def review_claim(request: Request, body: ReviewIn, claim_id: IdPath, who: Who) -> WriteOut:
    """Accept, reject or reset (pending) a claim."""
    return _run(request, lambda s: review.review_claim(s, claim_id, body, who=who))


@router.patch("/claims/{claim_id}", response_model=WriteOut, tags=["claims"])
def edit_claim(request: Request, body: ClaimEditIn, claim_id: IdPath, who: Who) -> WriteOut:
    """Edit a claim's certainty or values (the extracted ones are kept alongside)."""
    return _run(request, lambda s: review.edit_claim(s, claim_id, body, who=who))


@router.post("/actors/{actor_id}/merge", response_model=WriteOut, tags=["actors"])
def merge_actors(request: Request, body: MergeIn, actor_id: IdPath, who: Who) -> WriteOut:
    """Fold actor ``other`` into this one."""
    return _run(request, lambda s: review.merge_actors(s, actor_id, body.other, who=who))


@router.post("/actors/{actor_id}/split", response_model=WriteOut, tags=["actors"])
def split_actor(request: Request, body: ActorSplitIn, actor_id: IdPath, who: Who) -> WriteOut:
    """Split one document's local actor (one merge) off this actor."""
    return _run(request, lambda s: review.split_actor(s, actor_id, body.merge, who=who))


@router.post("/events/{event_id}/merge", response_model=WriteOut, tags=["events"])
def merge_events(request: Request, body: MergeIn, event_id: IdPath, who: Who) -> WriteOut:
    """Fold event ``other`` into this one (its claims move; it is hidden)."""
    return _run(request, lambda s: review.merge_events(s, event_id, body.other, who=who))


@router.post("/events/{event_id}/split", response_model=WriteOut, tags=["events"])
def split_event(request: Request, body: EventSplitIn, event_id: IdPath, who: Who) -> WriteOut:
    """Move some of this event's claims onto a new event."""
    return _run(request, lambda s: review.split_event(s, event_id, list(body.claims), who=who))


@router.post("/audit/{entry_id}/revert", response_model=WriteOut, tags=["audit"])
def revert(request: Request, entry_id: IdPath, who: Who) -> WriteOut:
    """Undo an audited write (refused when a later change touched the same records)."""
    return _run(request, lambda s: review.revert(s, entry_id, who=who))
