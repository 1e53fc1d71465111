"""Store queries of the fused knowledge base: running fusion, reading fused events, undoing joins.

The decisions are ``watchfloor.resolve.fusion``'s; this module loads what it
compares, writes what it decided, and hands back read-only dataclasses:

>>> with Store.open(url) as store:
...     fuse(store)                           # watchfloor.resolve.fusion
...     for event in list_fused_events(store, limit=20):
...         print(event.id, event.grade, event.killed)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from watchfloor.errors import ConfigError, NotFoundError
from watchfloor.models import Citation, PlaceRef
from watchfloor.store import schema as db
from watchfloor.store import schema_fusion as fdb

if TYPE_CHECKING:
    from watchfloor.resolve.fusion import Candidate, FusionConfig, FusionReport
    from watchfloor.resolve.grading import GradeTable
    from watchfloor.store.repository import Store

log = logging.getLogger(__name__)

_CHUNK = 500


# -- read views ----------------------------------------------------------------


@dataclass(slots=True)
class FigureClaimView:
    """One member's figure: the document and outlet that gave it."""

    event_id: int
    document: str
    outlet: str | None
    low: int
    high: int


@dataclass(slots=True)
class FigureView:
    """A reconciled quantity: low / best / high, and the figures behind it."""

    low: int
    best: int
    high: int
    claims: list[FigureClaimView] = field(default_factory=list)


@dataclass(slots=True)
class FusedClaimView:
    """A claim of a member event, with the document's outlet and the sources it cites."""

    claim_id: int
    event_id: int
    document: str
    publisher: str | None
    published: dt.date | None
    evidence: str
    certainty: str
    values: dict[str, Any]
    sources: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class FusedMemberView:
    """A document-level event in a fused event, and why it is there."""

    id: int
    fused_event: int
    event_id: int
    document: str
    publisher: str | None
    published: dt.date | None
    repost_of: str | None
    reason: str  # seed | fused | split
    score: float
    evidence: dict[str, Any]


@dataclass(slots=True)
class FusedEventView:
    """One knowledge-base event fused across documents, graded, with its members and claims."""

    id: int
    type: str
    date: str | None
    date_precision: str | None
    date_start: dt.date | None
    date_end: dt.date | None
    location: PlaceRef | None
    actors: dict[str, list[int]]
    killed: FigureView | None
    injured: FigureView | None
    reliability: str
    credibility: int
    independent_sources: int
    documents: list[str] = field(default_factory=list)
    members: list[FusedMemberView] = field(default_factory=list)
    claims: list[FusedClaimView] = field(default_factory=list)

    @property
    def grade(self) -> str:
        """The Admiralty grade, e.g. ``B2``."""
        return f"{self.reliability}{self.credibility}"


# -- loading candidates -----------------------------------------------------------


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def load_candidates(session: Session, event_ids: Sequence[int]) -> list[Candidate]:
    """The fusion candidates for the given document-level events."""
    from watchfloor.resolve.fusion import Candidate, PlaceInfo, content_words, normalise_name

    out: list[Candidate] = []
    for chunk in _chunks(list(event_ids)):
        rows = session.execute(
            select(db.Event, db.Place, db.Document.publisher, db.Document.published, db.Document.cluster_id)
            .join(db.Document, db.Document.id == db.Event.document_id)
            .outerjoin(db.Place, db.Place.id == db.Event.place_id)
            .where(db.Event.id.in_(chunk))
        ).all()
        roles: dict[int, list[tuple[str, int]]] = {}
        names: dict[int, set[str]] = {}
        for event_id, role, actor_id, alias in session.execute(
            select(
                db.EventParticipant.event_id, db.EventParticipant.role, db.EventParticipant.actor_id, db.ActorAlias.norm
            )
            .outerjoin(db.ActorAlias, db.ActorAlias.actor_id == db.EventParticipant.actor_id)
            .where(db.EventParticipant.event_id.in_(chunk))
        ):
            if (role, actor_id) not in roles.setdefault(event_id, []):
                roles[event_id].append((role, actor_id))
            if alias:
                names.setdefault(event_id, set()).add(alias)
        texts: dict[int, list[str]] = {}
        for event_id, body in session.execute(
            select(db.Claim.event_id, db.Claim.evidence_text).where(db.Claim.event_id.in_(chunk)).order_by(db.Claim.id)
        ):
            texts.setdefault(event_id, []).append(body)
        outlets: dict[int, set[str]] = {}
        for event_id, outlet in session.execute(
            select(db.Claim.event_id, db.ClaimSource.outlet)
            .join(db.ClaimSource, db.ClaimSource.claim_id == db.Claim.id)
            .where(db.Claim.event_id.in_(chunk), db.ClaimSource.outlet.is_not(None))
        ):
            outlets.setdefault(event_id, set()).add(outlet)
        for event, place, publisher, published, cluster_id in rows:
            name = (place.name if place is not None else None) or event.place_text
            info = PlaceInfo(
                place_id=event.place_id,
                name=name,
                admin2=place.admin2 if place is not None else None,
                admin1=(place.admin1 if place is not None else None) or event.admin1,
                country=(place.country if place is not None else None) or event.country,
                lat=place.lat if place is not None else None,
                lon=place.lon if place is not None else None,
                gazetteer_id=place.gazetteer_id if place is not None else None,
            )
            event_roles = sorted(roles.get(event.id, []))
            out.append(
                Candidate(
                    event_id=event.id,
                    document_id=event.document_id,
                    local_id=event.local_id,
                    type=event.type,
                    date_value=event.date_value,
                    date_precision=event.date_precision,
                    date_start=event.date_start,
                    date_end=event.date_end,
                    place=info,
                    actors=frozenset(a for _r, a in event_roles),
                    actor_names=frozenset(normalise_name(n) for n in names.get(event.id, set()) if n),
                    roles=tuple(event_roles),
                    killed=_figure(event, "killed"),
                    injured=_figure(event, "injured"),
                    certainty=event.certainty,
                    repost_group=cluster_id or event.document_id,
                    publisher=publisher,
                    outlets=tuple(sorted(outlets.get(event.id, set()))),
                    published=published,
                    words=content_words(" ".join(texts.get(event.id, []))),
                )
            )
    return out


def _figure(event: db.Event, name: str) -> tuple[int, int] | None:
    value = getattr(event, f"{name}_value")
    if value is None:
        return None
    high = getattr(event, f"{name}_high")
    return (int(value), int(high) if high is not None and high >= value else int(value))


# -- reposts ---------------------------------------------------------------------


def _mark_reposts(session: Session) -> tuple[int, int]:
    """Fingerprint unchecked documents, link near-duplicates; returns (checked, reposts marked)."""
    from watchfloor.resolve.dedup import band_keys, fingerprint

    checked = fdb.FusionDocument.document_id
    new_ids = list(
        session.scalars(
            select(db.Document.id)
            .where(~select(checked).where(checked == db.Document.id).exists())
            .order_by(db.Document.id)
        )
    )
    if not new_ids:
        return 0, 0
    signatures: dict[str, tuple[int, ...]] = {}
    new_bands: list[dict[str, str]] = []
    hashes: list[dict[str, Any]] = []
    for chunk in _chunks(new_ids):
        for doc_id, text, minhash in session.execute(
            select(db.Document.id, db.Document.text, db.Document.minhash).where(db.Document.id.in_(chunk))
        ):
            if minhash:
                signatures[doc_id] = tuple(int(v) for v in minhash)
                continue
            fp = fingerprint(text)
            signatures[doc_id] = fp.signature
            hashes.append({"id": doc_id, "minhash": list(fp.signature)})
            new_bands.extend({"document_id": doc_id, "band": band} for band in fp.bands)
    for rows in _chunks(hashes):
        session.execute(update(db.Document), list(rows))
    for rows in _chunks(new_bands):
        session.execute(insert(db.DocumentBand), list(rows))
    # Candidates: documents sharing an LSH band with a new one (one indexed query per chunk of bands).
    wanted: dict[str, set[str]] = {}
    for doc_id in new_ids:
        for band in band_keys(signatures[doc_id]):
            wanted.setdefault(band, set()).add(doc_id)
    groups = _NearDuplicateGroups(signatures)
    for chunk in _chunks(sorted(wanted)):
        sharing: dict[str, set[str]] = {}
        for band, other in session.execute(
            select(db.DocumentBand.band, db.DocumentBand.document_id).where(db.DocumentBand.band.in_(chunk))
        ):
            sharing.setdefault(band, set()).add(other)
        missing = sorted({d for members in sharing.values() for d in members} - signatures.keys())
        for ids in _chunks(missing):
            for doc_id, minhash in session.execute(
                select(db.Document.id, db.Document.minhash).where(db.Document.id.in_(ids))
            ):
                if minhash:
                    signatures[doc_id] = tuple(int(v) for v in minhash)
        for band in sorted(sharing):
            groups.link_band(sorted(wanted[band]), sorted(sharing[band]))
    touched = groups.touched
    marked = _assign_canonical(session, touched, groups.find) if touched else 0
    for chunk in _chunks(new_ids):
        session.execute(insert(fdb.FusionDocument), [{"document_id": d} for d in chunk])
    return len(new_ids), marked


class _NearDuplicateGroups:
    """Near-duplicate groups (union-find) grown band by band over the documents sharing it.

    Two documents join when their MinHash similarity reaches ``NEAR_DUPLICATE``
    (and, transitively, everything linked to either).  A band's members are
    compared group against group, never pair by pair, so a band shared by
    ``k`` copies of one report costs ``k`` lookups once they are one group
    rather than ``k * k`` comparisons.
    """

    def __init__(self, signatures: dict[str, tuple[int, ...]]) -> None:
        self.signatures = signatures
        self.parent: dict[str, str] = {}

    def find(self, doc_id: str) -> str:
        parent = self.parent
        while parent.setdefault(doc_id, doc_id) != doc_id:
            parent[doc_id] = parent[parent[doc_id]]
            doc_id = parent[doc_id]
        return doc_id

    def similar(self, a: str, b: str) -> bool:
        from watchfloor.resolve.dedup import NEAR_DUPLICATE, Fingerprint

        return Fingerprint(self.signatures[a], ()).similarity(Fingerprint(self.signatures[b], ())) >= NEAR_DUPLICATE

    def link_band(self, new: list[str], members: list[str]) -> None:
        """Join each new document in a band to every group of the band's documents it is a near-duplicate of."""
        groups: dict[str, list[str]] = {}
        for doc_id in members:
            if doc_id in self.signatures:
                groups.setdefault(self.find(doc_id), []).append(doc_id)
        for doc_id in new:
            if doc_id not in self.signatures:
                continue
            for root in list(groups):
                mine = self.find(doc_id)
                if root == mine or not any(self.similar(doc_id, other) for other in groups[root] if other != doc_id):
                    continue
                self.parent[root] = mine
                groups.setdefault(mine, []).extend(groups.pop(root))

    @property
    def touched(self) -> set[str]:
        """Documents in a group of two or more."""
        sizes: dict[str, int] = {}
        for doc_id in self.parent:
            root = self.find(doc_id)
            sizes[root] = sizes.get(root, 0) + 1
        return {doc_id for doc_id in self.parent if sizes[self.find(doc_id)] > 1}


def _assign_canonical(session: Session, touched: set[str], find: Any) -> int:
    """Per near-duplicate group: earliest published (else first ingested) is canonical, the rest repost it."""
    groups: dict[str, set[str]] = {}
    for doc_id in touched:
        groups.setdefault(find(doc_id), set()).add(doc_id)
    marked = 0
    for members in groups.values():
        # Fold in documents already clustered with any member.
        old_clusters = set(
            session.scalars(
                select(db.Document.cluster_id).where(
                    db.Document.id.in_(list(members)), db.Document.cluster_id.is_not(None)
                )
            )
        )
        docs = list(
            session.scalars(
                select(db.Document).where(
                    db.Document.id.in_(list(members))
                    | (db.Document.cluster_id.in_(list(old_clusters)) if old_clusters else db.Document.id.in_([]))
                )
            )
        )
        canonical = min(
            docs,
            key=lambda d: (d.published is None, d.published or dt.date.max, _aware(d.ingested_at), d.id),
        )
        for doc in docs:
            repost_of = None if doc.id == canonical.id else canonical.id
            if doc.repost_of != repost_of or doc.cluster_id != canonical.id:
                marked += repost_of is not None and doc.repost_of != repost_of
                doc.repost_of = repost_of
                doc.cluster_id = canonical.id
    session.flush()
    return marked


def _aware(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# -- running fusion -----------------------------------------------------------------


def run_fusion(store: Store, *, config: FusionConfig, table: GradeTable, rebuild: bool) -> FusionReport:
    """Mark reposts and fuse unfused events, in one serialised write transaction."""
    return store._write(lambda session: _run(session, config=config, table=table, rebuild=rebuild))


def _run(session: Session, *, config: FusionConfig, table: GradeTable, rebuild: bool) -> FusionReport:
    from watchfloor.resolve.fusion import ClusterIndex, FusionReport, place_candidate

    report = FusionReport()
    if rebuild:
        session.execute(delete(fdb.FusedMember))
        session.execute(delete(fdb.FusedEvent))
    report.documents_checked, report.reposts_marked = _mark_reposts(session)
    # Drop fused events left without members (their documents were deleted).
    session.execute(
        delete(fdb.FusedEvent).where(
            ~select(fdb.FusedMember.id).where(fdb.FusedMember.fused_event_id == fdb.FusedEvent.id).exists()
        )
    )
    member_of = dict(session.execute(select(fdb.FusedMember.event_id, fdb.FusedMember.fused_event_id)).tuples().all())
    new_ids = sorted(set(session.scalars(select(db.Event.id))) - set(member_of))
    if not new_ids:
        return report
    new = sorted(load_candidates(session, new_ids), key=lambda c: c.sort_key())
    existing = load_candidates(session, _nearby_members(session, new, member_of, slack=config.day_tolerance))
    cannot_link = {
        (min(a, b), max(a, b))
        for a, b in session.execute(select(fdb.FusionCannotLink.event_a, fdb.FusionCannotLink.event_b)).tuples()
    }
    index = ClusterIndex(config=config)
    for candidate in sorted(existing, key=lambda c: (member_of[c.event_id], c.sort_key())):
        index.add(member_of[candidate.event_id], candidate)
    provisional = 0
    placements: list[tuple[Candidate, int, float, dict[str, Any]]] = []
    for candidate in new:
        key, score, evidence = place_candidate(candidate, index, cannot_link=cannot_link, config=config)
        if key is None:
            provisional -= 1
            key = provisional
            report.created += 1
        else:
            report.joined += 1
        index.add(key, candidate)
        placements.append((candidate, key, score, evidence))
    report.candidates = len(new)
    # Write: new fused events (provisional keys -> ids), members, then the derived fields of touched events.
    by_key = {key: cluster.members for key, cluster in index.clusters.items()}
    new_keys = sorted({k for _c, k, _s, _e in placements if k < 0}, reverse=True)
    ids: dict[int, int] = {}
    for chunk in _chunks(new_keys):
        rows = [_fused_values(by_key[key], table=table) for key in chunk]
        returned = session.execute(
            insert(fdb.FusedEvent).returning(fdb.FusedEvent.id, sort_by_parameter_order=True), rows
        ).scalars()
        ids.update(zip(chunk, returned, strict=True))
    members = [
        {
            "fused_event_id": ids.get(key, key),
            "event_id": candidate.event_id,
            "document_id": candidate.document_id,
            "reason": "fused" if evidence else "seed",
            "score": score,
            "evidence": evidence,
        }
        for candidate, key, score, evidence in placements
    ]
    for chunk in _chunks(members):
        session.execute(insert(fdb.FusedMember), list(chunk))
    grown = sorted({key for _c, key, _s, _e in placements if key > 0})
    for chunk in _chunks(grown):
        session.execute(
            update(fdb.FusedEvent), [{"id": key, **_fused_values(by_key[key], table=table)} for key in chunk]
        )
    report.fused_events = len(new_keys) + len(grown)
    return report


def _fused_values(members: Sequence[Candidate], *, table: GradeTable) -> dict[str, Any]:
    """Column values of a fused event derived from its members."""
    from watchfloor.resolve.fusion import derive_fields

    fields = derive_fields(members, table=table)
    values: dict[str, Any] = {
        "type": fields.type,
        "date_value": fields.date_value,
        "date_precision": fields.date_precision,
        "date_start": fields.date_start,
        "date_end": fields.date_end,
        "place_id": fields.place_id,
        "country": fields.country,
        "admin1": fields.admin1,
        "reliability": fields.reliability,
        "credibility": fields.credibility,
        "independent_sources": fields.independent_sources,
        "documents": fields.documents,
        "updated_at": dt.datetime.now(dt.UTC),
        "fields": {
            "actors": {role: list(ids) for role, ids in fields.actors.items()},
            "figures": {
                name: [
                    {"event": c.event_id, "document": c.document_id, "outlet": c.outlet, "low": c.low, "high": c.high}
                    for c in figure.claims
                ]
                for name, figure in fields.figures.items()
            },
        },
    }
    for name in ("killed", "injured"):
        figure = fields.figures.get(name)
        values[f"{name}_low"] = figure.low if figure else None
        values[f"{name}_best"] = figure.best if figure else None
        values[f"{name}_high"] = figure.high if figure else None
    return values


def _nearby_members(session: Session, new: Sequence[Candidate], member_of: dict[int, int], *, slack: int) -> list[int]:
    """Events of the fused events a new candidate could join: those with a member dated within the new
    candidates' date range (or undated); everything when a new candidate is undated (it is matched by area)."""
    if not member_of:
        return []
    if any(c.date_start is None for c in new):
        return sorted(member_of)
    low = min(c.date_start for c in new if c.date_start is not None) - dt.timedelta(days=slack)
    high = max((c.date_end or c.date_start) for c in new if c.date_start is not None) + dt.timedelta(days=slack)
    near = set(
        session.scalars(
            select(fdb.FusedMember.fused_event_id)
            .join(db.Event, db.Event.id == fdb.FusedMember.event_id)
            .where(
                (db.Event.date_start.is_(None))
                | ((db.Event.date_start <= high) & (func.coalesce(db.Event.date_end, db.Event.date_start) >= low))
            )
            .distinct()
        )
    )
    return sorted(event for event, fused in member_of.items() if fused in near)


def _update_fused(session: Session, fused_id: int, members: Sequence[Candidate], *, table: GradeTable) -> None:
    if not members:
        session.execute(delete(fdb.FusedEvent).where(fdb.FusedEvent.id == fused_id))
        return
    session.execute(update(fdb.FusedEvent), [{"id": fused_id, **_fused_values(members, table=table)}])


# -- undo ---------------------------------------------------------------------------


def undo_member(store: Store, member_id: int) -> int:
    """Split member ``member_id`` off its fused event into a new one; returns the new fused event's id.

    Cannot-links between the member's event and every other member are
    recorded, so re-running fusion keeps them apart.
    """
    from watchfloor.resolve.grading import load_grade_table

    table = load_grade_table()

    def work(session: Session) -> int:
        member = session.get(fdb.FusedMember, member_id)
        if member is None:
            raise NotFoundError(f"fusion merge {member_id}: not found")
        others = list(
            session.scalars(
                select(fdb.FusedMember).where(
                    fdb.FusedMember.fused_event_id == member.fused_event_id, fdb.FusedMember.id != member.id
                )
            )
        )
        if not others:
            raise ConfigError(f"fusion merge {member_id}: event {member.event_id} is alone in its fused event")
        old_fused = member.fused_event_id
        new = fdb.FusedEvent(
            type="attack", reliability="F", credibility=6, independent_sources=0, documents=0, fields={}
        )
        session.add(new)
        session.flush()
        existing = {
            (a, b)
            for a, b in session.execute(select(fdb.FusionCannotLink.event_a, fdb.FusionCannotLink.event_b)).tuples()
        }
        for other in others:
            pair = (min(other.event_id, member.event_id), max(other.event_id, member.event_id))
            if pair not in existing:
                session.add(fdb.FusionCannotLink(event_a=pair[0], event_b=pair[1]))
        if member.reason == "seed":  # the earliest other member becomes the seed
            first = min(others, key=lambda m: m.id)
            first.reason, first.score, first.evidence = "seed", 0.0, {}
        member.fused_event_id = new.id
        member.reason = "split"
        member.evidence = {**member.evidence, "split_from": old_fused}
        session.flush()
        _update_fused(session, old_fused, load_candidates(session, [o.event_id for o in others]), table=table)
        _update_fused(session, new.id, load_candidates(session, [member.event_id]), table=table)
        return new.id

    return store._write(work)


# -- reading ------------------------------------------------------------------------


def _member_views(
    session: Session, fused_ids: Sequence[int] | None, *, joins_only: bool = False
) -> list[FusedMemberView]:
    query = (
        select(fdb.FusedMember, db.Document.publisher, db.Document.published, db.Document.repost_of)
        .join(db.Document, db.Document.id == fdb.FusedMember.document_id)
        .order_by(fdb.FusedMember.fused_event_id, fdb.FusedMember.id)
    )
    if fused_ids is not None:
        query = query.where(fdb.FusedMember.fused_event_id.in_(list(fused_ids)))
    if joins_only:
        query = query.where(fdb.FusedMember.reason != "seed")
    return [
        FusedMemberView(
            id=m.id,
            fused_event=m.fused_event_id,
            event_id=m.event_id,
            document=m.document_id,
            publisher=publisher,
            published=published,
            repost_of=repost_of,
            reason=m.reason,
            score=m.score,
            evidence=dict(m.evidence or {}),
        )
        for m, publisher, published, repost_of in session.execute(query)
    ]


def _claim_views(session: Session, event_ids: Sequence[int]) -> list[FusedClaimView]:
    claims: list[FusedClaimView] = []
    by_id: dict[int, FusedClaimView] = {}
    for chunk in _chunks(list(event_ids)):
        for claim, publisher, published in session.execute(
            select(db.Claim, db.Document.publisher, db.Document.published)
            .join(db.Document, db.Document.id == db.Claim.document_id)
            .where(db.Claim.event_id.in_(chunk))
            .order_by(db.Claim.id)
        ):
            view = FusedClaimView(
                claim_id=claim.id,
                event_id=claim.event_id or 0,
                document=claim.document_id,
                publisher=publisher,
                published=published,
                evidence=claim.evidence_text,
                certainty=claim.certainty,
                values=dict(claim.values or {}),
            )
            by_id[claim.id] = view
            claims.append(view)
    for chunk in _chunks(list(by_id)):
        for src in session.scalars(
            select(db.ClaimSource).where(db.ClaimSource.claim_id.in_(chunk)).order_by(db.ClaimSource.id)
        ):
            by_id[src.claim_id].sources.append(
                Citation(outlet=src.outlet, date=src.date, person=src.person, text=src.text)
            )
    claims.sort(key=lambda c: c.claim_id)
    return claims


def figure_view(row: fdb.FusedEvent, name: str) -> FigureView | None:
    """A fused event's reconciled ``name`` figure (killed, injured ...) with each member's stored figure."""
    low, best, high = (getattr(row, f"{name}_{part}") for part in ("low", "best", "high"))
    if low is None or best is None or high is None:
        return None
    claims = [
        FigureClaimView(
            event_id=int(c["event"]),
            document=str(c["document"]),
            outlet=c.get("outlet"),
            low=int(c["low"]),
            high=int(c["high"]),
        )
        for c in (row.fields or {}).get("figures", {}).get(name, [])
    ]
    return FigureView(low=int(low), best=int(best), high=int(high), claims=claims)


def fused_conditions(
    fused: Any,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    country: str | None = None,
    types: Sequence[str] = (),
    actor_ids: Sequence[int] = (),
    reliability: str | None = None,
    credibility: int | None = None,
    min_reports: int = 1,
) -> list[ColumnElement[bool]]:
    """Filter conditions on ``fused`` (``fused_events`` or an alias of it), shared by the API and the exports.

    Dates select fused events whose span overlaps the window; ``reliability``
    and ``credibility`` are the worst grade accepted (A and 1 are the best);
    ``actor_ids`` keeps fused events where any member event names one of them.
    """
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(fused.date_end >= since)
    if until is not None:
        where.append(fused.date_start <= until)
    if country:
        where.append(fused.country == country.upper())
    if types:
        where.append(fused.type.in_(list(types)))
    if reliability is not None:
        where.append(fused.reliability <= reliability)
    if credibility is not None:
        where.append(fused.credibility <= credibility)
    if min_reports > 1:
        where.append(fused.documents >= min_reports)
    if actor_ids:
        member = aliased(fdb.FusedMember)
        where.append(
            exists()
            .where(member.fused_event_id == fused.id)
            .where(
                exists().where(
                    db.EventParticipant.event_id == member.event_id,
                    db.EventParticipant.actor_id.in_(list(actor_ids)),
                )
            )
        )
    return where


def _fused_views(session: Session, rows: Sequence[fdb.FusedEvent], *, with_claims: bool) -> list[FusedEventView]:
    ids = [r.id for r in rows]
    members: dict[int, list[FusedMemberView]] = {}
    for chunk in _chunks(ids):
        for m in _member_views(session, chunk):
            members.setdefault(m.fused_event, []).append(m)
    place_ids = {r.place_id for r in rows if r.place_id is not None}
    places = {p.id: p for p in session.scalars(select(db.Place).where(db.Place.id.in_(place_ids)))} if place_ids else {}
    claims: dict[int, list[FusedClaimView]] = {}
    if with_claims:
        owner = {m.event_id: m.fused_event for ms in members.values() for m in ms}
        for claim in _claim_views(session, sorted(owner)):
            claims.setdefault(owner[claim.event_id], []).append(claim)
    views = []
    for r in rows:
        place = places.get(r.place_id) if r.place_id is not None else None
        location = place.as_ref() if place is not None else None
        own = members.get(r.id, [])
        views.append(
            FusedEventView(
                id=r.id,
                type=r.type,
                date=r.date_value,
                date_precision=r.date_precision,
                date_start=r.date_start,
                date_end=r.date_end,
                location=location,
                actors={role: list(a) for role, a in (r.fields or {}).get("actors", {}).items()},
                killed=figure_view(r, "killed"),
                injured=figure_view(r, "injured"),
                reliability=r.reliability,
                credibility=r.credibility,
                independent_sources=r.independent_sources,
                documents=list(dict.fromkeys(m.document for m in own)),
                members=own,
                claims=claims.get(r.id, []),
            )
        )
    return views


def list_fused_events(
    store: Store,
    *,
    limit: int | None = None,
    type: str | None = None,
    country: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    min_documents: int = 1,
    with_claims: bool = False,
) -> list[FusedEventView]:
    """Fused events (by date, then id), optionally filtered; ``with_claims`` adds every member claim."""

    def work(session: Session) -> list[FusedEventView]:
        query = select(fdb.FusedEvent).order_by(fdb.FusedEvent.date_start, fdb.FusedEvent.id)
        if type is not None:
            query = query.where(fdb.FusedEvent.type == type)
        if country is not None:
            query = query.where(fdb.FusedEvent.country == country.upper())
        if since is not None:
            query = query.where(fdb.FusedEvent.date_start >= since)
        if until is not None:
            query = query.where(fdb.FusedEvent.date_start <= until)
        if min_documents > 1:
            query = query.where(fdb.FusedEvent.documents >= min_documents)
        if limit is not None:
            query = query.limit(limit)
        return _fused_views(session, list(session.scalars(query)), with_claims=with_claims)

    return store._read(work)


def get_fused_event(store: Store, fused_id: int) -> FusedEventView:
    """One fused event with its members and claims."""

    def work(session: Session) -> FusedEventView:
        row = session.get(fdb.FusedEvent, fused_id)
        if row is None:
            raise NotFoundError(f"fused event {fused_id}: not in {store.label}")
        return _fused_views(session, [row], with_claims=True)[0]

    return store._read(work)


def fused_event_of(store: Store, event_id: int) -> int | None:
    """The fused event a document-level event belongs to (None before fusion ran)."""
    return store._read(
        lambda s: s.scalar(select(fdb.FusedMember.fused_event_id).where(fdb.FusedMember.event_id == event_id))
    )


def list_fusion_merges(store: Store, *, fused_event: int | None = None) -> list[FusedMemberView]:
    """Every join fusion made (members that are not the seed of their fused event), and splits."""
    return store._read(lambda s: _member_views(s, None if fused_event is None else [fused_event], joins_only=True))


def get_fusion_merge(store: Store, member_id: int) -> FusedMemberView:
    def work(session: Session) -> FusedMemberView:
        found = [m for m in _member_views(session, None) if m.id == member_id]
        if not found:
            raise NotFoundError(f"fusion merge {member_id}: not in {store.label}")
        return found[0]

    return store._read(work)


def fusion_counts(store: Store) -> dict[str, int]:
    """Numbers of fused events, members, multi-document fused events and cannot-links."""

    def work(session: Session) -> dict[str, int]:
        return {
            "fused_events": int(session.scalar(select(func.count()).select_from(fdb.FusedEvent)) or 0),
            "members": int(session.scalar(select(func.count()).select_from(fdb.FusedMember)) or 0),
            "multi_document": int(
                session.scalar(select(func.count()).select_from(fdb.FusedEvent).where(fdb.FusedEvent.documents > 1))
                or 0
            ),
            "cannot_links": int(session.scalar(select(func.count()).select_from(fdb.FusionCannotLink)) or 0),
        }

    return store._read(work)
