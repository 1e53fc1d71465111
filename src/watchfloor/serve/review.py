"""The API's writes: claim review and edit, actor and event merge/split, each audited and reversible.

Every write runs in one serialised transaction (``write_session``) that also
adds an ``AuditEntry`` with JSON snapshots of what changed (``before`` /
``after``).  ``revert(entry)`` undoes an entry from those snapshots, provided
no later live entry touched the same record, and is itself audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from watchfloor.errors import ConfigError, NotFoundError
from watchfloor.serve.queries import chunks
from watchfloor.serve.schemas import ClaimEditIn, ReviewIn, ReviewStatus
from watchfloor.store import Store
from watchfloor.store import schema as db
from watchfloor.store.engine import WRITE_OPTION
from watchfloor.store.repository import WRITER_LOCK_KEY
from watchfloor.store.schema_review import AuditEntry, ClaimReview, EventMerge, utcnow

log = logging.getLogger(__name__)


class ConflictError(ConfigError):
    """The write cannot be applied to the record's current state (e.g. a later change would be lost)."""


@contextmanager
def write_session(store: Store) -> Iterator[Session]:
    """One serialised write transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL advisory lock)."""
    with store.engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with Session(bind=conn, expire_on_commit=False) as session, session.begin():
            if store.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
            yield session


def _audit(
    session: Session,
    *,
    who: str,
    action: str,
    target_type: str,
    target_id: str | int,
    before: dict[str, Any],
    after: dict[str, Any],
) -> AuditEntry:
    entry = AuditEntry(
        who=who,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        at=utcnow(),
    )
    session.add(entry)
    session.flush()
    log.info("audit %d: %s %s %s by %s", entry.id, action, target_type, target_id, who)
    return entry


# -- claims ------------------------------------------------------------------


def _review_state(review: ClaimReview | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {"status": review.status, "certainty": review.certainty, "values": review.values, "note": review.note}


def _set_review(session: Session, claim_id: int, state: dict[str, Any] | None, *, who: str) -> None:
    review = session.scalar(select(ClaimReview).where(ClaimReview.claim_id == claim_id))
    if state is None:
        if review is not None:
            session.delete(review)
        return
    if review is None:
        review = ClaimReview(claim_id=claim_id, status=state["status"], reviewer=who)
        session.add(review)
    review.status = state["status"]
    review.certainty = state.get("certainty")
    review.values = state.get("values")
    review.note = state.get("note")
    review.reviewer = who
    review.updated_at = utcnow()
    session.flush()


def _claim_state(session: Session, claim_id: int) -> dict[str, Any] | None:
    if session.get(db.Claim, claim_id) is None:
        raise NotFoundError(f"claim {claim_id}: no such claim")
    return _review_state(session.scalar(select(ClaimReview).where(ClaimReview.claim_id == claim_id)))


def review_claim(session: Session, claim_id: int, body: ReviewIn, *, who: str) -> AuditEntry:
    """Accept, reject or reset (pending) a claim."""
    before = _claim_state(session, claim_id)
    after = dict(before or {"certainty": None, "values": None, "note": None})
    after["status"] = body.status.value
    if body.note is not None:
        after["note"] = body.note
    _set_review(session, claim_id, after, who=who)
    return _audit(
        session,
        who=who,
        action=f"claim.{body.status.value}",
        target_type="claim",
        target_id=claim_id,
        before={"review": before},
        after={"review": after},
    )


def edit_claim(session: Session, claim_id: int, body: ClaimEditIn, *, who: str) -> AuditEntry:
    """Override a claim's certainty and/or values (the extracted ones are kept)."""
    if body.certainty is None and body.values is None and body.note is None:
        raise ConfigError("nothing to edit: give certainty, values or note")
    before = _claim_state(session, claim_id)
    after = dict(before or {"status": ReviewStatus.PENDING.value, "certainty": None, "values": None, "note": None})
    if body.certainty is not None:
        after["certainty"] = body.certainty.value
    if body.values is not None:
        after["values"] = body.values
    if body.note is not None:
        after["note"] = body.note
    _set_review(session, claim_id, after, who=who)
    return _audit(
        session,
        who=who,
        action="claim.edit",
        target_type="claim",
        target_id=claim_id,
        before={"review": before},
        after={"review": after},
    )


# -- actors ------------------------------------------------------------------


def _live_actor(session: Session, actor_id: int) -> db.Actor:
    actor = session.get(db.Actor, actor_id)
    live = session.scalar(
        select(db.ActorMerge.id).where(db.ActorMerge.actor_id == actor_id, db.ActorMerge.undone.is_(False)).limit(1)
    )
    if actor is None or live is None:
        raise NotFoundError(f"actor {actor_id}: no such actor")
    return actor


def merge_actors(session: Session, kept_id: int, other_id: int, *, who: str) -> AuditEntry:
    """Fold actor ``other_id`` into ``kept_id``: its merges, participations, relations and aliases move."""
    if kept_id == other_id:
        raise ConfigError(f"actor {kept_id}: cannot merge an actor into itself")
    kept, other = _live_actor(session, kept_id), _live_actor(session, other_id)
    merges = list(
        session.scalars(
            select(db.ActorMerge.id).where(db.ActorMerge.actor_id == other_id, db.ActorMerge.undone.is_(False))
        )
    )
    moved_participants: list[int] = []
    dropped: list[dict[str, Any]] = []
    for part in list(session.scalars(select(db.EventParticipant).where(db.EventParticipant.actor_id == other_id))):
        clash = session.scalar(
            select(db.EventParticipant.id).where(
                db.EventParticipant.event_id == part.event_id,
                db.EventParticipant.actor_id == kept_id,
                db.EventParticipant.role == part.role,
            )
        )
        if clash is not None:
            dropped.append({"id": part.id, "event_id": part.event_id, "role": part.role, "merge_id": part.merge_id})
            session.delete(part)
        else:
            moved_participants.append(part.id)
    session.flush()
    sources = list(session.scalars(select(db.Relation.id).where(db.Relation.source_actor_id == other_id)))
    targets = list(session.scalars(select(db.Relation.id).where(db.Relation.target_actor_id == other_id)))
    have = set(session.scalars(select(db.ActorAlias.alias).where(db.ActorAlias.actor_id == kept_id)))
    added_aliases: list[int] = []
    for alias in session.scalars(select(db.ActorAlias).where(db.ActorAlias.actor_id == other_id)).all():
        if alias.alias not in have:
            row = db.ActorAlias(actor_id=kept_id, alias=alias.alias, norm=alias.norm)
            session.add(row)
            session.flush()
            added_aliases.append(row.id)
            have.add(alias.alias)
    _move(session, db.ActorMerge, db.ActorMerge.actor_id, merges, kept_id)
    _move(session, db.EventParticipant, db.EventParticipant.actor_id, moved_participants, kept_id)
    _move(session, db.Relation, db.Relation.source_actor_id, sources, kept_id)
    _move(session, db.Relation, db.Relation.target_actor_id, targets, kept_id)
    state = {
        "kept": kept_id,
        "other": other_id,
        "other_name": other.name,
        "kept_name": kept.name,
        "merges": merges,
        "participants": moved_participants,
        "dropped_participants": dropped,
        "relation_sources": sources,
        "relation_targets": targets,
        "added_aliases": added_aliases,
    }
    return _audit(
        session,
        who=who,
        action="actor.merge",
        target_type="actor",
        target_id=kept_id,
        before={"actor": other_id, "name": other.name},
        after=state,
    )


def _move(session: Session, model: Any, column: Any, ids: list[int], value: int) -> None:
    for batch in chunks(ids):
        session.execute(update(model).where(model.id.in_(batch)).values({column.key: value}))


def _revert_actor_merge(session: Session, entry: AuditEntry) -> dict[str, Any]:
    state = entry.after
    other = int(state["other"])
    _move(session, db.ActorMerge, db.ActorMerge.actor_id, state["merges"], other)
    _move(session, db.EventParticipant, db.EventParticipant.actor_id, state["participants"], other)
    _move(session, db.Relation, db.Relation.source_actor_id, state["relation_sources"], other)
    _move(session, db.Relation, db.Relation.target_actor_id, state["relation_targets"], other)
    for part in state["dropped_participants"]:
        session.add(
            db.EventParticipant(event_id=part["event_id"], actor_id=other, role=part["role"], merge_id=part["merge_id"])
        )
    for batch in chunks(state["added_aliases"]):
        session.execute(delete(db.ActorAlias).where(db.ActorAlias.id.in_(batch)))
    return {"actor": other, "restored": True}


def split_actor(session: Session, actor_id: int, merge_id: int, *, who: str) -> AuditEntry:
    """Undo one merge of ``actor_id``: that document's local actor becomes an actor of its own."""
    from watchfloor.resolve.actors import undo_merge

    merge = session.get(db.ActorMerge, merge_id)
    if merge is None or merge.actor_id != actor_id:
        raise NotFoundError(f"actor {actor_id}: has no merge {merge_id}")
    if merge.undone:
        raise ConflictError(f"actor merge {merge_id}: already undone")
    live = session.scalars(
        select(db.ActorMerge.id).where(db.ActorMerge.actor_id == actor_id, db.ActorMerge.undone.is_(False))
    ).all()
    if len(live) < 2:
        raise ConflictError(f"actor {actor_id}: only one merge left; nothing to split off")
    fresh = undo_merge(session, merge_id)
    split = session.scalar(select(db.ActorMerge.id).where(db.ActorMerge.actor_id == fresh))
    return _audit(
        session,
        who=who,
        action="actor.split",
        target_type="actor",
        target_id=actor_id,
        before={"actor": actor_id, "merge": merge_id},
        after={"actor": actor_id, "merge": merge_id, "new_actor": fresh, "split_merge": split},
    )


def _revert_actor_split(session: Session, entry: AuditEntry) -> dict[str, Any]:
    from watchfloor.resolve.actors import _add_aliases, _merge_forms

    state = entry.after
    old, original, split_id, fresh = (
        int(state["actor"]),
        int(state["merge"]),
        int(state["split_merge"]),
        int(state["new_actor"]),
    )
    merge = session.get(db.ActorMerge, original)
    split = session.get(db.ActorMerge, split_id)
    if merge is None or split is None:
        raise ConflictError(f"audit {entry.id}: the split's merges are gone; cannot revert")
    session.execute(update(db.ActorMention).where(db.ActorMention.merge_id == split_id).values(merge_id=original))
    session.execute(
        update(db.EventParticipant)
        .where(db.EventParticipant.merge_id == split_id)
        .values(actor_id=old, merge_id=original)
    )
    session.execute(
        update(db.Relation)
        .where(db.Relation.source_merge_id == split_id)
        .values(source_actor_id=old, source_merge_id=original)
    )
    session.execute(
        update(db.Relation)
        .where(db.Relation.target_merge_id == split_id)
        .values(target_actor_id=old, target_merge_id=original)
    )
    merge.undone = False
    session.delete(split)
    session.flush()
    _add_aliases(session, old, _merge_forms(merge))
    return {"actor": old, "merge": original, "removed_actor": fresh}


# -- events ------------------------------------------------------------------


def _event(session: Session, event_id: int) -> db.Event:
    event = session.get(db.Event, event_id)
    hidden = session.scalar(
        select(EventMerge.id).where(EventMerge.merged_event_id == event_id, EventMerge.undone.is_(False)).limit(1)
    )
    if event is None or hidden is not None:
        raise NotFoundError(f"event {event_id}: no such event")
    return event


def merge_events(session: Session, kept_id: int, other_id: int, *, who: str) -> AuditEntry:
    """Fold event ``other_id`` into ``kept_id``: its claims and participants move; it is hidden."""
    if kept_id == other_id:
        raise ConfigError(f"event {kept_id}: cannot merge an event into itself")
    _event(session, kept_id)
    _event(session, other_id)
    claims = list(session.scalars(select(db.Claim.id).where(db.Claim.event_id == other_id)))
    have = {
        (p.actor_id, p.role)
        for p in session.scalars(select(db.EventParticipant).where(db.EventParticipant.event_id == kept_id))
    }
    added: list[int] = []
    for part in session.scalars(select(db.EventParticipant).where(db.EventParticipant.event_id == other_id)).all():
        if (part.actor_id, part.role) not in have:
            row = db.EventParticipant(event_id=kept_id, actor_id=part.actor_id, role=part.role, merge_id=part.merge_id)
            session.add(row)
            session.flush()
            added.append(row.id)
            have.add((part.actor_id, part.role))
    _move(session, db.Claim, db.Claim.event_id, claims, kept_id)
    merge = EventMerge(kept_event_id=kept_id, merged_event_id=other_id, undone=False)
    session.add(merge)
    session.flush()
    return _audit(
        session,
        who=who,
        action="event.merge",
        target_type="event",
        target_id=kept_id,
        before={"event": other_id},
        after={
            "kept": kept_id,
            "other": other_id,
            "claims": claims,
            "added_participants": added,
            "event_merge": merge.id,
        },
    )


def _revert_event_merge(session: Session, entry: AuditEntry) -> dict[str, Any]:
    state = entry.after
    other = int(state["other"])
    _move(session, db.Claim, db.Claim.event_id, state["claims"], other)
    for batch in chunks(state["added_participants"]):
        session.execute(delete(db.EventParticipant).where(db.EventParticipant.id.in_(batch)))
    session.execute(update(EventMerge).where(EventMerge.id == int(state["event_merge"])).values(undone=True))
    return {"event": other, "restored": True}


_COPIED_EVENT_COLUMNS = [c.key for c in db.Event.__table__.columns if c.key not in {"id", "local_id"}]


def split_event(session: Session, event_id: int, claim_ids: list[int], *, who: str) -> AuditEntry:
    """Move ``claim_ids`` of an event onto a new event (a copy of its fields and participants)."""
    event = _event(session, event_id)
    wanted = sorted(set(claim_ids))
    owned = set(session.scalars(select(db.Claim.id).where(db.Claim.event_id == event_id)))
    missing = [c for c in wanted if c not in owned]
    if missing:
        raise ConfigError(f"event {event_id}: claims {missing[:10]} are not this event's")
    if len(wanted) >= len(owned):
        raise ConfigError(f"event {event_id}: leave at least one claim on the event")
    copy = db.Event(local_id=f"{event.local_id}/split", **{k: getattr(event, k) for k in _COPIED_EVENT_COLUMNS})
    session.add(copy)
    session.flush()
    for part in session.scalars(select(db.EventParticipant).where(db.EventParticipant.event_id == event_id)).all():
        session.add(
            db.EventParticipant(event_id=copy.id, actor_id=part.actor_id, role=part.role, merge_id=part.merge_id)
        )
    _move(session, db.Claim, db.Claim.event_id, wanted, copy.id)
    session.flush()
    return _audit(
        session,
        who=who,
        action="event.split",
        target_type="event",
        target_id=event_id,
        before={"event": event_id, "claims": wanted},
        after={"event": event_id, "new_event": copy.id, "claims": wanted},
    )


def _revert_event_split(session: Session, entry: AuditEntry) -> dict[str, Any]:
    state = entry.after
    event_id, new_id = int(state["event"]), int(state["new_event"])
    _move(session, db.Claim, db.Claim.event_id, state["claims"], event_id)
    others = session.scalar(select(db.Claim.id).where(db.Claim.event_id == new_id).limit(1))
    if others is not None:
        raise ConflictError(f"audit {entry.id}: event {new_id} has claims of its own now; cannot revert")
    session.execute(delete(db.Event).where(db.Event.id == new_id))
    return {"event": event_id, "removed_event": new_id}


# -- revert ------------------------------------------------------------------

_REVERTERS: dict[str, Callable[[Session, AuditEntry], dict[str, Any]]] = {
    "actor.merge": _revert_actor_merge,
    "actor.split": _revert_actor_split,
    "event.merge": _revert_event_merge,
    "event.split": _revert_event_split,
}


def _touches(entry: AuditEntry) -> set[tuple[str, str]]:
    """The records an entry changed (the target, and the other side of a merge or split)."""
    found = {(entry.target_type, entry.target_id)}
    for key in ("other", "new_actor", "new_event"):
        if key in (entry.after or {}):
            found.add((entry.target_type, str(entry.after[key])))
    return found


def revert(session: Session, entry_id: int, *, who: str) -> AuditEntry:
    """Undo audit entry ``entry_id``; a later live change to the same records makes this a conflict."""
    entry = session.get(AuditEntry, entry_id)
    if entry is None:
        raise NotFoundError(f"audit entry {entry_id}: no such entry")
    if entry.revert_of is not None:
        raise ConflictError(f"audit entry {entry_id} is itself a revert; revert is not undone twice")
    if entry.reverted_by is not None:
        raise ConflictError(f"audit entry {entry_id}: already reverted by entry {entry.reverted_by}")
    touched = _touches(entry)
    for later in session.scalars(
        select(AuditEntry).where(
            AuditEntry.id > entry_id, AuditEntry.reverted_by.is_(None), AuditEntry.revert_of.is_(None)
        )
    ):
        if touched & _touches(later):
            raise ConflictError(
                f"audit entry {entry_id}: entry {later.id} changed the same records later; revert it first"
            )
    if entry.action.startswith("claim."):
        claim_id = int(entry.target_id)
        current = _claim_state(session, claim_id)
        if current != entry.after.get("review"):
            raise ConflictError(f"audit entry {entry_id}: claim {claim_id} changed since; cannot revert")
        previous = entry.before.get("review")
        _set_review(session, claim_id, previous, who=who)
        result: dict[str, Any] = {"review": previous}
    else:
        reverter = _REVERTERS.get(entry.action)
        if reverter is None:
            raise ConfigError(f"audit entry {entry_id}: action {entry.action!r} cannot be reverted")
        result = reverter(session, entry)
    session.flush()
    undo = _audit(
        session,
        who=who,
        action=f"revert.{entry.action}",
        target_type=entry.target_type,
        target_id=entry.target_id,
        before=dict(entry.after or {}),
        after=result,
    )
    undo.revert_of = entry.id
    entry.reverted_by = undo.id
    session.flush()
    return undo


def run_write(store: Store, work: Callable[[Session], AuditEntry]) -> AuditEntry:
    """Run one audited write in its own transaction."""
    with write_session(store) as session:
        return work(session)
