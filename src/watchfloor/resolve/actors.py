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
holds the writer lock), so they never commit.  ``link_actors`` reads what a
document's records can reach in a few queries and writes in batches (plain Core
on the session's connection); ``undo_merge`` flushes explicitly wherever a later
query must see its rows (the writer's session does not autoflush).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
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


@functools.lru_cache(maxsize=16384)  # a pure function called for every surface form of every document
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
    """Link every document-local actor of one document; local id -> link.

    The records are decided one after another (a record may join an actor an
    earlier record of the same document created or named), exactly as if each
    were linked on its own, but with a near-constant number of statements per
    document: the global actors any record could reach (by KB id, name key or
    alias) are read in three queries up front, and new actors, actor updates,
    aliases, merges and mention spans are written in one batch each.  That view
    lives only inside this transaction, which holds the writer lock.
    """
    records: list[ActorRecord] = []
    seen: set[str] = set()
    for record in actors:
        if record.local_id in seen:
            log.warning("%s: duplicate actor local id %r ignored", document_id, record.local_id)
            continue
        seen.add(record.local_id)
        records.append(record)
    if not records:
        return {}
    # Plain Core on the session's connection: the linker keeps its own view of the actors, so the ORM adds nothing.
    conn = session.connection()
    known = _Known.load(conn, records)
    decided = [known.decide(record) for record in records]
    known.write(conn)
    rows = [
        {
            "actor_id": node.id,
            "document_id": document_id,
            "local_id": record.local_id,
            "local_name": clip(record.name),
            "local_kind": str(record.kind),
            "local_kb_id": record.kb_id,
            "local_country": record.country,
            "local_aliases": list(dict.fromkeys(clip(alias) for alias in record.aliases)),
            "reason": reason,
            "score": score,
            "undone": False,
        }
        for record, (node, reason, score) in zip(records, decided, strict=True)
    ]
    # Local ids are distinct here, so the returned rows map back whatever order they come in.
    merge_ids: dict[str, int] = dict(conn.execute(_MERGE_INSERT, rows).tuples().all())
    spans = [
        {
            "merge_id": merge_ids[record.local_id],
            "document_id": document_id,
            "start_char": s.start,  # column names: this is a Core insert
            "end_char": s.end,
            "text": s.text,
        }
        for record in records
        for s in record.mentions
    ]
    if spans:
        conn.execute(insert(ActorMention.__table__), spans)  # type: ignore[arg-type]
    links: dict[str, ActorLink] = {}
    for record, (node, reason, score) in zip(records, decided, strict=True):
        actor_id = node.require_id()
        log.debug("%s: actor %r -> %d (%s %.2f)", document_id, record.name, actor_id, reason, score)
        links[record.local_id] = ActorLink(
            local_id=record.local_id,
            actor_id=actor_id,
            merge_id=merge_ids[record.local_id],
            reason=reason,
            score=score,
        )
    return links


#: Most values bound in one ``IN (...)`` (SQLite caps a statement's parameters).
_IN_CHUNK = 500


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(set(values))
    for first in range(0, len(ordered), _IN_CHUNK):
        yield ordered[first : first + _IN_CHUNK]


@dataclass(slots=True, eq=False)
class _Node:
    """A global actor as the linker sees it (``id`` is None until a new one is inserted)."""

    id: int | None
    name: str
    kind: str
    country: str | None
    kb_id: str | None
    name_key: str | None
    rank: tuple[int, int]
    changed: bool = False

    def require_id(self) -> int:
        if self.id is None:  # pragma: no cover - write() assigns every id
            raise RuntimeError(f"actor {self.name!r} was not written")
        return self.id


#: Core inserts (executemany with RETURNING: one statement per batch on SQLite and PostgreSQL).
_ACTOR_INSERT = insert(Actor.__table__).returning(Actor.__table__.c.name_key, Actor.__table__.c.id)  # type: ignore[arg-type]
_MERGE_INSERT = insert(ActorMerge.__table__).returning(  # type: ignore[arg-type]
    ActorMerge.__table__.c.local_id, ActorMerge.__table__.c.id
)

_ACTOR_COLUMNS = (Actor.id, Actor.name, Actor.kind, Actor.country, Actor.kb_id, Actor.name_key)


@dataclass(slots=True)
class _Known:
    """The global actors one document's records can reach, kept current as its records are decided.

    ``by_id`` / ``by_kb`` / ``by_key``: actors by id / KB id / name key;
    ``holders``: normalised alias -> actors holding it; ``aliases``: the surface
    forms each actor is known to hold (among those the document uses).  An
    actor's ``rank`` orders "oldest first": stored actors by id, then new ones
    as created.
    """

    by_id: dict[int, _Node]
    by_kb: dict[str, _Node]
    by_key: dict[str, _Node]
    holders: dict[str, set[_Node]]
    aliases: dict[_Node, set[str]]
    created: list[_Node]
    new_aliases: list[tuple[_Node, str, str]]

    @classmethod
    def load(cls, conn: Connection, records: Sequence[ActorRecord]) -> _Known:
        kb_ids = {record.kb_id for record in records if record.kb_id}
        keys = {key for record in records if (key := name_key(str(record.kind), clip(record.name)))}
        surfaces = {surface for record in records for surface in _surface_forms(record)}
        norms = _match_keys(list(surfaces))
        known = cls({}, {}, {}, {}, {}, [], [])
        for chunk in _chunks(kb_ids):
            for row in conn.execute(select(*_ACTOR_COLUMNS).where(Actor.kb_id.in_(chunk))):
                known._see(row)
        for chunk in _chunks(keys):
            for row in conn.execute(select(*_ACTOR_COLUMNS).where(Actor.name_key.in_(chunk))):
                known._see(row)
        query = select(ActorAlias.alias, ActorAlias.norm, *_ACTOR_COLUMNS).join(Actor, Actor.id == ActorAlias.actor_id)
        rows: list[Any] = []
        for chunk in _chunks(norms):
            rows.extend(conn.execute(query.where(ActorAlias.norm.in_(chunk))))
        # Forms without a matching key can still be held (their rows only keep them from being re-added).
        for chunk in _chunks(surface for surface in surfaces if not normalise_alias(surface)):
            rows.extend(conn.execute(query.where(ActorAlias.alias.in_(chunk))))
        for row in rows:
            node = known._see(row[2:])
            known.aliases.setdefault(node, set()).add(row.alias)
            if row.norm:
                known.holders.setdefault(row.norm, set()).add(node)
        return known

    def _see(self, row: Any) -> _Node:
        actor_id, name, kind, country, kb_id, key = row
        node = self.by_id.get(actor_id)
        if node is None:
            node = _Node(actor_id, name, kind, country, kb_id, key, rank=(0, actor_id))
            self.by_id[actor_id] = node
            if kb_id:
                self.by_kb[kb_id] = node
            if key:
                self.by_key[key] = node
        return node

    def decide(self, record: ActorRecord) -> tuple[_Node, str, float]:
        """The global actor ``record`` joins (created if none), with the reason and score."""
        kind = str(record.kind)
        surfaces = _surface_forms(record)
        node: _Node | None = None
        reason, score = REASON_NEW, 1.0
        if record.kb_id:
            node = self.by_kb.get(record.kb_id)
            if node is not None:
                reason = REASON_KB
        if node is None:
            # A record with a KB id may only adopt a global actor that has no KB id yet.
            without_kb = bool(record.kb_id)
            found = self._match_by_name(record, kind=kind, without_kb=without_kb)
            if found is None:
                found = self._match_by_alias(_match_keys(surfaces), kind=kind, without_kb=without_kb)
            if found is not None:
                node, reason, score = found
                if record.kb_id and node.kb_id is None:
                    node.kb_id = record.kb_id
                    node.changed = True
                    self.by_kb[record.kb_id] = node
        if node is None:
            node = self._new_actor(record, kind=kind)
        if node.country is None and record.country:
            node.country = record.country
            node.changed = True
        have = self.aliases.setdefault(node, set())
        for surface in surfaces:
            if surface not in have:
                norm = normalise_alias(surface)
                self.new_aliases.append((node, surface, norm))
                have.add(surface)
                if norm:
                    self.holders.setdefault(norm, set()).add(node)
        return node, reason, score

    def _match_by_name(self, record: ActorRecord, *, kind: str, without_kb: bool) -> tuple[_Node, str, float] | None:
        key = name_key(kind, clip(record.name))
        node = self.by_key.get(key) if key is not None else None
        if node is None or (without_kb and node.kb_id is not None):
            return None
        return node, REASON_NAME, 0.95

    def _match_by_alias(self, forms: set[str], *, kind: str, without_kb: bool) -> tuple[_Node, str, float] | None:
        """The same-kind global actor sharing the most normalised surface forms with the record.

        A form shared by several global actors counts for less (1/n each); ties go
        to the oldest actor.
        """
        weight: dict[_Node, Fraction] = {}
        matched: dict[_Node, int] = {}
        for form in forms:
            nodes = [
                node
                for node in self.holders.get(form, ())
                if node.kind == kind and not (without_kb and node.kb_id is not None)
            ]
            for node in nodes:
                weight[node] = weight.get(node, Fraction(0)) + Fraction(1, len(nodes))
                matched[node] = matched.get(node, 0) + 1
        if not weight:
            return None
        best = min(weight, key=lambda node: (-weight[node], node.rank))
        score = round(0.6 + 0.3 * matched[best] / len(forms), 3)
        return best, REASON_ALIAS, score

    def _new_actor(self, record: ActorRecord, *, kind: str) -> _Node:
        name = clip(record.name)
        key = name_key(kind, name)
        if key is not None and key in self.by_key:
            key = None  # the name is held by an actor this record may not join (another KB id)
        node = _Node(None, name, kind, record.country, record.kb_id, key, rank=(1, len(self.created)))
        self.created.append(node)
        if key is not None:
            self.by_key[key] = node
        if record.kb_id:
            self.by_kb[record.kb_id] = node
        return node

    def write(self, conn: Connection) -> None:
        """Insert the new actors (in creation order) and their aliases; update changed stored actors."""
        batch: list[_Node] = []
        for node in self.created:
            if node.name_key is not None:
                batch.append(node)  # the unique name key maps the returned id back
                continue
            _insert_actors(conn, batch)
            batch = []
            _insert_actors(conn, [node])
        _insert_actors(conn, batch)
        changed = [node for node in self.by_id.values() if node.changed]
        if changed:
            conn.execute(
                update(Actor.__table__)  # type: ignore[arg-type]
                .where(Actor.__table__.c.id == bindparam("actor_id"))
                .values(kb_id=bindparam("new_kb_id"), country=bindparam("new_country")),
                [{"actor_id": node.id, "new_kb_id": node.kb_id, "new_country": node.country} for node in changed],
            )
        if self.new_aliases:
            conn.execute(
                insert(ActorAlias),
                [
                    {"actor_id": node.require_id(), "alias": alias, "norm": norm}
                    for node, alias, norm in self.new_aliases
                ],
            )


def _insert_actors(conn: Connection, nodes: list[_Node]) -> None:
    """Insert ``nodes`` in one statement; each is either alone or has a distinct name key."""
    if not nodes:
        return
    rows = [
        {"name": node.name, "kind": node.kind, "country": node.country, "kb_id": node.kb_id, "name_key": node.name_key}
        for node in nodes
    ]
    returned = conn.execute(_ACTOR_INSERT, rows).tuples().all()
    if len(nodes) == 1:
        nodes[0].id = returned[0][1]
        return
    ids = dict(returned)
    for node in nodes:
        node.id = ids[node.name_key]


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
