"""What the store hands back: plain read-only dataclasses (no ORM objects escape).

Ids of global records (actors, events, relations, claims) are integers;
document ids are the content-hash strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from watchfloor.models import Citation, PlaceRef, Quantity


@dataclass(slots=True)
class DocumentView:
    id: str
    file: str
    title: str | None
    published: dt.date | None
    published_method: str
    page_date: dt.date | None
    publisher: str | None
    publication: str | None
    language: str | None
    text: str
    source: str = ""
    origin: str = ""
    url: str | None = None
    section: str | None = None
    volume: int | None = None
    issue: int | None = None
    author: str | None = None
    raw_sha256: str = ""
    extractor: str = ""
    ingested_at: dt.datetime | None = None
    repost_of: str | None = None
    cluster_id: str | None = None


@dataclass(slots=True)
class ActorView:
    id: int
    name: str
    kind: str
    country: str | None
    kb_id: str | None
    aliases: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # ids of documents it was seen in


@dataclass(slots=True)
class EvidenceView:
    """A claim's evidence span: offsets index that document's ``text``."""

    document: str
    file: str
    start: int
    end: int
    text: str
    claim_id: int | None = None
    certainty: str | None = None


@dataclass(slots=True)
class EventView:
    id: int
    type: str
    subtype: str | None
    date: str | None
    date_precision: str | None
    location: PlaceRef | None
    actors: dict[str, list[int]] = field(default_factory=dict)  # role -> actor ids
    killed: Quantity | None = None
    injured: Quantity | None = None
    arrested: Quantity | None = None
    kidnapped: Quantity | None = None
    count: Quantity | None = None
    suicide: bool | None = None
    claimed: bool | None = None
    attribution: str | None = None
    target: str | None = None
    target_type: str | None = None
    weapons: list[str] = field(default_factory=list)
    certainty: str = "asserted"
    sources: list[Citation] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)
    document: str = ""  # the document the event was extracted from
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    place_text: str | None = None
    confidence: float = 1.0


@dataclass(slots=True)
class RelationView:
    id: int
    type: str
    source: int  # actor id
    target: int  # actor id
    status: str | None
    evidence: list[EvidenceView] = field(default_factory=list)
    document: str = ""
    start: str | None = None
    end: str | None = None


@dataclass(slots=True)
class SearchHit:
    """A full-text match: a document body, or a claim's evidence (then ``claim_id`` is set)."""

    kind: str  # "document" | "claim"
    document: str
    file: str
    title: str | None
    snippet: str
    score: float
    claim_id: int | None = None
    event_id: int | None = None
    relation_id: int | None = None
    start: int | None = None  # offsets of the claim evidence in the document
    end: int | None = None


@dataclass(slots=True)
class MergeView:
    """One document-local actor joining a global actor (``reason``: kb_id | name | alias | new | split)."""

    id: int
    actor: int
    document: str
    local_id: str
    local_name: str
    local_aliases: list[str]
    reason: str
    score: float
    undone: bool


@dataclass(slots=True)
class NearDuplicateCandidate:
    """A stored document sharing LSH bands with a new one (confirm with the MinHash signatures)."""

    document: str
    shared_bands: int
    minhash: list[int] | None
    repost_of: str | None
    cluster_id: str | None
    published: dt.date | None = None


@dataclass(slots=True)
class StoreCounts:
    documents: int
    actors: int
    events: int
    relations: int
    claims: int
    failures: int


@dataclass(slots=True)
class WriteResult:
    """What ``Store.write_extraction`` did with one document."""

    document_id: str
    created: bool
    actors_created: int = 0
    actors_joined: int = 0
    events: int = 0
    relations: int = 0
    claims: int = 0
