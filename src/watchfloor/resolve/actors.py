"""Cross-document actor identity: document-local actors join global actors.

A document-local ``ActorRecord`` joins a global actor

1. by knowledge-base id, when it has one (reason ``kb_id``);
2. else by its normalised name equal to a global actor's of the same kind
   (reason ``name``), or by a normalised alias shared with one (``alias``);
3. else it becomes a new global actor (``new``).

Every outcome is written to ``actor_merges`` with its reason and score; the
record's mention spans hang off that merge row, and event participations and
relations point at it too, so ``undo_merge`` can move exactly that
document-local actor onto a fresh global actor.

These functions run inside the caller's transaction (``Store.write_extraction``
holds the writer lock), so they only flush, never commit; they flush
explicitly wherever a later query must see their rows (the writer's session
does not autoflush).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from watchfloor.errors import ConfigError, NotFoundError
from watchfloor.models import ActorRecord
from watchfloor.store.schema import Actor, ActorAlias, ActorMention, ActorMerge, EventParticipant, Relation

log = logging.getLogger(__name__)

REASON_KB = "kb_id"
REASON_NAME = "name"
REASON_ALIAS = "alias"
REASON_NEW = "new"
REASON_SPLIT = "split"

_APOSTROPHES = str.maketrans({c: "'" for c in "\u2018\u2019\u201b\u02bc\u2032`\u00b4"})
_POSSESSIVE = re.compile(r"'s\b")
_LEADING_THE = re.compile(r"^the\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")
#: Longest name or alias stored (indexed columns; PostgreSQL b-tree entries must stay small).
MAX_NAME = 300


def clip(text: str, limit: int = MAX_NAME) -> str:
    """``text`` with its whitespace collapsed, cut to ``limit`` characters."""
    return " ".join(text.split())[:limit]


def normalise_alias(text: str) -> str:
    """The matching key of a name: casefolded, no accents, no leading "the", no possessive
    "'s", and no punctuation, dashes or spaces ("ISK-P", "Isk P" and "ISKP" -> "iskp")."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()
    folded = _POSSESSIVE.sub("", folded.translate(_APOSTROPHES))
    folded = _LEADING_THE.sub("", folded)
    return _NOT_ALNUM.sub("", folded)


def name_key(kind: str, name: str) -> str | None:
    """The unique key of a global actor's name (``kind|normalised name``)."""
    norm = normalise_alias(name)
    return f"{kind}|{norm}" if norm else None


@dataclass(slots=True, frozen=True)
class ActorLink:
    """Where one document-local actor landed."""

    local_id: str
    actor_id: int
    merge_id: int
    reason: str
    score: float

    @property
    def created(self) -> bool:
        return self.reason == REASON_NEW


def _surface_forms(record: ActorRecord) -> list[str]:
    """The record's distinct surface forms (name first), whitespace collapsed; spelling variants
    that normalise alike ("Lashkar-e Islam", "Lashkar-e-Islam") are all kept."""
    return [form for form in dict.fromkeys(clip(text) for text in [record.name, *record.aliases]) if form]


def _match_keys(surfaces: list[str]) -> set[str]:
    return {key for key in (normalise_alias(surface) for surface in surfaces) if key}


def link_actors(session: Session, actors: Sequence[ActorRecord], *, document_id: str) -> dict[str, ActorLink]:
    """Link every document-local actor of one document; local id -> link."""
    links: dict[str, ActorLink] = {}
    for record in actors:
        if record.local_id in links:
            log.warning("%s: duplicate actor local id %r ignored", document_id, record.local_id)
            continue
        links[record.local_id] = link_actor(session, record, document_id=document_id)
    return links


def link_actor(session: Session, record: ActorRecord, *, document_id: str) -> ActorLink:
    """Join ``record`` to a global actor (or create one) and write the merge row."""
    kind = str(record.kind)
    surfaces = _surface_forms(record)
    actor: Actor | None = None
    reason, score = REASON_NEW, 1.0
    if record.kb_id:
        actor = session.scalar(select(Actor).where(Actor.kb_id == record.kb_id))
        if actor is not None:
            reason = REASON_KB
    if actor is None:
        # A record with a KB id may only adopt a global actor that has no KB id yet.
        found = _match_by_name(session, record, kind=kind, without_kb=bool(record.kb_id))
        if found is None:
            found = _match_by_alias(session, _match_keys(surfaces), kind=kind, without_kb=bool(record.kb_id))
        if found is not None:
            actor, reason, score = found
            if record.kb_id and actor.kb_id is None:
                actor.kb_id = record.kb_id
    if actor is None:
        actor = _new_actor(session, record, kind=kind)
    if actor.country is None and record.country:
        actor.country = record.country
    _add_aliases(session, actor.id, surfaces)
    merge = ActorMerge(
        actor_id=actor.id,
        document_id=document_id,
        local_id=record.local_id,
        local_name=clip(record.name),
        local_kind=kind,
        local_kb_id=record.kb_id,
        local_country=record.country,
        local_aliases=list(dict.fromkeys(clip(alias) for alias in record.aliases)),
        reason=reason,
        score=score,
        undone=False,
    )
    session.add(merge)
    session.flush()
    if record.mentions:
        session.execute(
            insert(ActorMention),
            [
                {"merge_id": merge.id, "document_id": document_id, "start": s.start, "end": s.end, "text": s.text}
                for s in record.mentions
            ],
        )
    log.debug("%s: actor %r -> %d (%s %.2f)", document_id, record.name, actor.id, reason, score)
    return ActorLink(local_id=record.local_id, actor_id=actor.id, merge_id=merge.id, reason=reason, score=score)


def _match_by_name(
    session: Session, record: ActorRecord, *, kind: str, without_kb: bool
) -> tuple[Actor, str, float] | None:
    key = name_key(kind, clip(record.name))
    if key is None:
        return None
    query = select(Actor).where(Actor.name_key == key)
    if without_kb:
        query = query.where(Actor.kb_id.is_(None))
    actor = session.scalar(query)
    return (actor, REASON_NAME, 0.95) if actor is not None else None


def _match_by_alias(
    session: Session, forms: set[str], *, kind: str, without_kb: bool
) -> tuple[Actor, str, float] | None:
    """The same-kind global actor sharing the most normalised surface forms with the record.

    A form shared by several global actors counts for less (1/n each); ties go
    to the oldest actor.
    """
    if not forms:
        return None
    query = (
        select(ActorAlias.actor_id, ActorAlias.norm)
        .join(Actor, Actor.id == ActorAlias.actor_id)
        .where(ActorAlias.norm.in_(list(forms)), Actor.kind == kind)
        .distinct()
    )
    if without_kb:
        query = query.where(Actor.kb_id.is_(None))
    holders: dict[str, set[int]] = {}
    for actor_id, norm in session.execute(query):
        holders.setdefault(norm, set()).add(actor_id)
    if not holders:
        return None
    weight: dict[int, float] = {}
    matched: dict[int, int] = {}
    for ids in holders.values():
        for actor_id in ids:
            weight[actor_id] = weight.get(actor_id, 0.0) + 1.0 / len(ids)
            matched[actor_id] = matched.get(actor_id, 0) + 1
    best = min(weight, key=lambda actor_id: (-weight[actor_id], actor_id))
    actor = session.get(Actor, best)
    if actor is None:
        return None
    score = round(0.6 + 0.3 * matched[best] / len(forms), 3)
    return actor, REASON_ALIAS, score


def _new_actor(session: Session, record: ActorRecord, *, kind: str) -> Actor:
    name = clip(record.name)
    key = name_key(kind, name)
    if key is not None and session.scalar(select(Actor.id).where(Actor.name_key == key)) is not None:
        key = None  # the name is held by an actor this record may not join (another KB id)
    actor = Actor(name=name, kind=kind, country=record.country, kb_id=record.kb_id, name_key=key)
    session.add(actor)
    session.flush()
    return actor


def _add_aliases(session: Session, actor_id: int, surfaces: Iterable[str]) -> None:
    have = set(session.scalars(select(ActorAlias.alias).where(ActorAlias.actor_id == actor_id)))
    for surface in surfaces:
        if surface not in have:
            session.add(ActorAlias(actor_id=actor_id, alias=surface, norm=normalise_alias(surface)))
            have.add(surface)
    session.flush()


def undo_merge(session: Session, merge_id: int) -> int:
    """Detach the document-local actor of merge ``merge_id`` onto a fresh global actor.

    Its mention spans, event participations and relation ends move to the new
    actor; the merge is flagged ``undone`` and a ``split`` merge records the
    new link.  The old actor keeps only the aliases its remaining merges give
    it (an actor left with none is hidden from listings).  Returns the new actor id.
    """
    merge = session.get(ActorMerge, merge_id)
    if merge is None:
        raise NotFoundError(f"actor merge {merge_id}: no such merge")
    if merge.undone:
        raise ConfigError(f"actor merge {merge_id}: already undone")
    old_id = merge.actor_id
    fresh = Actor(name=merge.local_name, kind=merge.local_kind, country=merge.local_country, kb_id=None, name_key=None)
    session.add(fresh)
    session.flush()
    split = ActorMerge(
        actor_id=fresh.id,
        document_id=merge.document_id,
        local_id=merge.local_id,
        local_name=merge.local_name,
        local_kind=merge.local_kind,
        local_kb_id=merge.local_kb_id,
        local_country=merge.local_country,
        local_aliases=list(merge.local_aliases),
        reason=REASON_SPLIT,
        score=1.0,
        undone=False,
    )
    session.add(split)
    merge.undone = True
    session.flush()
    session.execute(update(ActorMention).where(ActorMention.merge_id == merge.id).values(merge_id=split.id))
    session.execute(
        update(EventParticipant)
        .where(EventParticipant.merge_id == merge.id)
        .values(actor_id=fresh.id, merge_id=split.id)
    )
    session.execute(
        update(Relation)
        .where(Relation.source_merge_id == merge.id)
        .values(source_actor_id=fresh.id, source_merge_id=split.id)
    )
    session.execute(
        update(Relation)
        .where(Relation.target_merge_id == merge.id)
        .values(target_actor_id=fresh.id, target_merge_id=split.id)
    )
    _add_aliases(session, fresh.id, _merge_forms(split))
    _prune_actor(session, old_id)
    log.info(
        "actor merge %d undone: document %s local %r -> new actor %d",
        merge_id,
        merge.document_id,
        merge.local_id,
        fresh.id,
    )
    return fresh.id


def _merge_forms(merge: ActorMerge) -> list[str]:
    return [clip(text) for text in [merge.local_name, *merge.local_aliases] if normalise_alias(text)]


def _prune_actor(session: Session, actor_id: int) -> None:
    """Recompute an actor's aliases from its live merges.

    An actor left without live merges is kept (the undone merge still points at
    it, as history); the store lists only actors with a live merge.
    """
    actor = session.get(Actor, actor_id)
    if actor is None:
        return
    live = session.scalars(select(ActorMerge).where(ActorMerge.actor_id == actor_id, ActorMerge.undone.is_(False)))
    keep = {actor.name} | {form for merge in live for form in _merge_forms(merge)}
    session.execute(delete(ActorAlias).where(ActorAlias.actor_id == actor_id, ActorAlias.alias.not_in(keep)))
    session.flush()
