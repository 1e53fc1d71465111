"""Scoring a watchfloor-json/1 export against watchfloor-gold/1 files.

Implements the matching rules of ``shared/gold/README.md``:

* documents are paired by file name; scored: published date, title,
  publisher, gold boilerplate absent from the body;
* a gold actor is *found* when a system actor carries one of its surface
  forms; its aliases are *merged* when they all sit on that one actor;
* events match one-to-one per document on type (allegiance_pledge and
  defection are one family), country and compatible dates (one a prefix of
  the other); the candidate agreeing on most fields wins; then date, place
  name, admin1, each actor role, killed, injured, suicide and each cited
  source are scored;
* a gold relation is found when a system relation of the same type links
  actors that resolve to the gold ones (either direction for symmetric types).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from watchfloor.clean.textnorm import match_key
from watchfloor.evaluate.formats import Actor, Event, GoldFile, Relation, SystemExport

SYMMETRIC_RELATIONS = frozenset({"allied_with", "rival_of", "contact_with"})
_TYPE_FAMILY = {"defection": "allegiance_pledge"}


@dataclass(slots=True)
class Tally:
    """A hit count out of a total."""

    hits: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.hits += int(ok)
        self.total += 1

    def merge(self, other: Tally) -> None:
        self.hits += other.hits
        self.total += other.total

    @property
    def ratio(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass(slots=True)
class DocumentScore:
    """Scores for one gold document."""

    file: str
    found: bool = False
    published: Tally = field(default_factory=Tally)
    title: Tally = field(default_factory=Tally)
    publisher: Tally = field(default_factory=Tally)
    boilerplate_removed: Tally = field(default_factory=Tally)
    actors_found: Tally = field(default_factory=Tally)
    aliases_merged: Tally = field(default_factory=Tally)
    events_matched: Tally = field(default_factory=Tally)
    event_fields: Tally = field(default_factory=Tally)
    sources_found: Tally = field(default_factory=Tally)
    relations_found: Tally = field(default_factory=Tally)
    missed_actors: list[str] = field(default_factory=list)
    missed_events: list[str] = field(default_factory=list)
    wrong_fields: list[str] = field(default_factory=list)
    missed_relations: list[str] = field(default_factory=list)

    def tallies(self) -> dict[str, Tally]:
        return {
            "published": self.published,
            "title": self.title,
            "publisher": self.publisher,
            "boilerplate removed": self.boilerplate_removed,
            "actors found": self.actors_found,
            "aliases merged": self.aliases_merged,
            "events matched": self.events_matched,
            "event fields right": self.event_fields,
            "cited sources found": self.sources_found,
            "relations found": self.relations_found,
        }


@dataclass(slots=True)
class EvaluationReport:
    documents: list[DocumentScore]

    def overall(self) -> dict[str, Tally]:
        total: dict[str, Tally] = {}
        for doc in self.documents:
            for name, tally in doc.tallies().items():
                total.setdefault(name, Tally()).merge(tally)
        return total


def _key(text: str | None) -> str:
    return match_key(text or "").strip(" .,;:'\"")


def _surface_forms(actor: Actor) -> set[str]:
    return {_key(a) for a in [actor.name, *actor.aliases] if a}


def evaluate_export(export: SystemExport, golds: Iterable[GoldFile]) -> EvaluationReport:
    """Score ``export`` against every gold file (documents paired by file name)."""
    return EvaluationReport(documents=[_score_document(export, gold) for gold in golds])


def _score_document(export: SystemExport, gold: GoldFile) -> DocumentScore:
    score = DocumentScore(file=gold.document.file)
    doc = next((d for d in export.documents if d.file == gold.document.file), None)
    if doc is None:
        for tally in score.tallies().values():
            tally.total += 1
        return score
    score.found = True
    meta = gold.document
    if meta.published:
        score.published.add(doc.published == meta.published)
    if meta.title:
        score.title.add(_key(doc.title) == _key(meta.title))
    if meta.publisher:
        score.publisher.add(_key(doc.publisher) == _key(meta.publisher))
    body_lines = {_key(line) for line in doc.text.splitlines()}
    for line in meta.boilerplate:
        score.boilerplate_removed.add(_key(line) not in body_lines)

    doc_ids = {doc.id, doc.file or ""}
    events = [e for e in export.events if e.evidence_documents() & doc_ids]
    relations = [r for r in export.relations if not r.evidence_documents() or r.evidence_documents() & doc_ids]
    actors = [a for a in export.actors if not a.documents or set(a.documents) & doc_ids]
    resolve = _actor_resolver(actors, gold.actors)
    _score_actors(score, actors, gold.actors)
    _score_events(score, events, gold.events, resolve)
    _score_relations(score, relations, gold, resolve)
    return score


def _actor_resolver(system: list[Actor], gold: list[Actor]) -> dict[str, set[str]]:
    """System actor id -> the gold actor ids it stands for (through surface forms)."""
    gold_forms = {g.id: _surface_forms(g) for g in gold}
    return {a.id: {gid for gid, forms in gold_forms.items() if forms & _surface_forms(a)} for a in system}


def _score_actors(score: DocumentScore, system: list[Actor], gold: list[Actor]) -> None:
    system_forms = [_surface_forms(a) for a in system]
    for actor in gold:
        wanted = {_key(a) for a in actor.aliases} or {_key(actor.name)}
        holders = [forms for forms in system_forms if forms & (wanted | {_key(actor.name)})]
        score.actors_found.add(bool(holders))
        if not holders:
            score.missed_actors.append(actor.id)
        best = max(holders, key=lambda forms: len(forms & wanted), default=set())
        for alias in wanted:
            score.aliases_merged.add(alias in best)


def _type_family(event: Event) -> str:
    return _TYPE_FAMILY.get(event.type, event.type)


def _dates_compatible(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return not a and not b
    return a.startswith(b) or b.startswith(a)


def _country(event: Event) -> str | None:
    return (event.location.country or "").upper() or None


def _event_fields(sys_event: Event, gold: Event, resolve: dict[str, set[str]]) -> dict[str, bool]:
    """Each scored field of ``gold`` -> whether ``sys_event`` has it right."""
    checks: dict[str, bool] = {}
    if gold.date:
        checks["date"] = sys_event.date == gold.date
    if gold.location.name:
        checks["place"] = _key(sys_event.location.name) == _key(gold.location.name)
    if gold.location.admin1:
        checks["admin1"] = _key(sys_event.location.admin1) == _key(gold.location.admin1)
    for role, ids in gold.actors.items():
        resolved: set[str] = set()
        for sid in sys_event.actors.get(role, []):
            resolved |= resolve.get(sid, set())
        checks[f"actors.{role}"] = set(ids) <= resolved
    for name in ("killed", "injured"):
        want = getattr(gold, name)
        if want is not None:
            got = getattr(sys_event, name)
            checks[name] = got is not None and (got.value, got.qualifier) == (want.value, want.qualifier)
    if gold.suicide is not None:
        checks["suicide"] = sys_event.suicide == gold.suicide
    return checks


def _source_hits(sys_event: Event | None, gold: Event) -> list[tuple[str, bool]]:
    got = {(_key(s.outlet), s.date) for s in (sys_event.sources if sys_event else [])}
    return [(f"{s.outlet} {s.date}", (_key(s.outlet), s.date) in got) for s in gold.sources]


def _score_events(score: DocumentScore, system: list[Event], gold: list[Event], resolve: dict[str, set[str]]) -> None:
    pairs: list[tuple[int, int, int]] = []  # (agreeing fields, gold index, system index)
    for gi, g in enumerate(gold):
        for si, s in enumerate(system):
            if _type_family(s) != _type_family(g) or _country(s) != _country(g):
                continue
            if not _dates_compatible(s.date, g.date):
                continue
            agree = sum(_event_fields(s, g, resolve).values()) + sum(ok for _, ok in _source_hits(s, g))
            pairs.append((agree, gi, si))
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _agree, gi, si in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if gi not in matched and si not in used:
            matched[gi] = si
            used.add(si)
    for gi, g in enumerate(gold):
        sys_event = system[matched[gi]] if gi in matched else None
        score.events_matched.add(sys_event is not None)
        if sys_event is None:
            score.missed_events.append(g.id)
            fields = {name: False for name in _event_fields(Event(id="", type=g.type), g, resolve)}
        else:
            fields = _event_fields(sys_event, g, resolve)
        for name, ok in fields.items():
            score.event_fields.add(ok)
            if not ok and sys_event is not None:
                score.wrong_fields.append(f"{g.id}.{name}")
        for label, ok in _source_hits(sys_event, g):
            score.sources_found.add(ok)
            if not ok and sys_event is not None:
                score.wrong_fields.append(f"{g.id}.source[{label}]")


def _score_relations(
    score: DocumentScore, system: list[Relation], gold: GoldFile, resolve: dict[str, set[str]]
) -> None:
    for rel in gold.relations:
        found = False
        for s in system:
            if s.type != rel.type:
                continue
            src, tgt = resolve.get(s.source, set()), resolve.get(s.target, set())
            forward = rel.source in src and rel.target in tgt
            backward = rel.type in SYMMETRIC_RELATIONS and rel.source in tgt and rel.target in src
            if forward or backward:
                found = True
                break
        score.relations_found.add(found)
        if not found:
            score.missed_relations.append(f"{rel.type}:{rel.source}->{rel.target}")
