"""Typed objects that cross pipeline stages.

acquire -> ``RawInput`` -> clean -> ``Document`` -> annotate -> ``Annotated``
-> extract -> ``Extraction`` -> resolve/store.

Everything here is a plain dataclass: no behaviour beyond small helpers, no
I/O, cheap to pickle (so the per-document stages can run in worker processes
or on Ray).  Character offsets always index ``Document.text`` (the cleaned,
Unicode-normalised body).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Origin(StrEnum):
    """Where a report came from."""

    FILE = "file"
    JSONL = "jsonl"
    URL = "url"
    FEED = "feed"
    PDF = "pdf"


class DateMethod(StrEnum):
    """How a document's published date was determined (best first)."""

    METADATA = "metadata"  # supplied by the caller (JSONL field, feed item)
    DATELINE = "dateline"  # the article's own date line / closing "appeared on" line
    BYLINE = "byline"  # a date next to the author or publication line
    HTML_META = "html_meta"  # <meta> / JSON-LD in the HTML
    PAGE_DATE = "page_date"  # a date shown by the hosting page only
    NONE = "none"


class Precision(StrEnum):
    """Precision of a resolved time expression."""

    DAY = "day"
    PART_OF_MONTH = "part_of_month"  # "early January"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"
    UNKNOWN = "unknown"


class Qualifier(StrEnum):
    """Qualifier of a reported figure, as in "at least nine"."""

    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    APPROXIMATELY = "approximately"
    AT_MOST = "at_most"
    FEWER_THAN = "fewer_than"


class Certainty(StrEnum):
    """How sure the wording of a statement is."""

    ASSERTED = "asserted"
    REPORTED = "reported"
    ALLEGED = "alleged"
    POSSIBLE = "possible"


class ActorKind(StrEnum):
    ARMED_GROUP = "armed_group"
    STATE = "state"  # a state, its government or its forces
    PERSON = "person"
    MEDIA = "media"
    POLITICAL_PARTY = "political_party"
    ORGANISATION = "organisation"  # any other organisation (NGO, company, IGO)


@dataclass(slots=True)
class RawInput:
    """One report as acquired, before cleaning.

    ``data`` holds the raw bytes of a file, or the ``text``/``html`` of a JSONL
    record encoded as UTF-8.  ``hints`` are caller-supplied metadata (JSONL
    ``url``, ``title``, ``published``, ``publisher``).
    """

    source: str  # path, "path:line" for JSONL records, or URL
    origin: Origin
    data: bytes
    media_type: str  # "text/plain", "text/html", "text/markdown", "application/pdf"
    file_name: str
    url: str | None = None
    title: str | None = None
    published: str | None = None
    publisher: str | None = None
    page: int | None = None  # PDF page the text starts on, when known


@dataclass(slots=True)
class Span:
    """A character span of ``Document.text``."""

    start: int
    end: int
    text: str


@dataclass(slots=True)
class Document:
    """A cleaned report with its metadata.

    ``id`` is a content hash of the cleaned text, so re-ingesting the same
    report yields the same id.
    """

    id: str
    file_name: str
    source: str
    origin: Origin
    text: str
    raw_sha256: str
    title: str | None = None
    section: str | None = None
    publisher: str | None = None
    publication: str | None = None  # "Terrorism Monitor"
    volume: int | None = None
    issue: int | None = None
    author: str | None = None
    language: str | None = None
    url: str | None = None
    published: dt.date | None = None
    published_method: DateMethod = DateMethod.NONE
    page_date: dt.date | None = None  # host/page date when it differs from published
    removed_lines: list[str] = field(default_factory=list)  # boilerplate dropped
    page_offsets: list[int] = field(default_factory=list)  # PDF: offset in ``text`` where page i+1 starts


def page_of(document: Document, offset: int) -> int | None:
    """The 1-based PDF page holding character ``offset`` of ``document.text``; None without page offsets."""
    if not document.page_offsets or not 0 <= offset <= len(document.text):
        return None
    return max(1, bisect.bisect_right(document.page_offsets, offset))


@dataclass(slots=True)
class Sentence:
    start: int
    end: int


@dataclass(slots=True)
class Mention:
    """An entity mention: label is a re3d-style type or a spaCy label."""

    start: int
    end: int
    label: str
    text: str
    sentence: int  # index into ``Annotated.sentences``
    kb_id: str | None = None  # actor knowledge-base id when linked


@dataclass(slots=True)
class TimeValue:
    """A resolved time expression: ISO prefix value with its precision.

    ``value`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``start``/``end``
    bound the interval it denotes (inclusive).
    """

    value: str
    precision: Precision
    start: dt.date
    end: dt.date
    text: str = ""
    span: Span | None = None


@dataclass(slots=True)
class Quantity:
    """A reported figure: "at least nine" -> value 9, qualifier at_least."""

    value: int
    qualifier: Qualifier = Qualifier.EXACT
    high: int | None = None  # upper bound of a range ("20 to 30")
    text: str = ""
    implausible: bool = False  # kept as a claim but flagged


@dataclass(slots=True)
class Citation:
    """A source a statement cites: an outlet (with date) or a named person."""

    outlet: str | None = None
    date: dt.date | None = None
    person: str | None = None
    text: str = ""
    span: Span | None = None


@dataclass(slots=True)
class PlaceRef:
    """A resolved (or unresolved) place. precision: ACLED geo_precision 1-3."""

    name: str | None = None
    admin2: str | None = None
    admin1: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    lat: float | None = None
    lon: float | None = None
    precision: int | None = None
    gazetteer_id: str | None = None


@dataclass(slots=True)
class ActorRecord:
    """An actor as found in one document (document-local id)."""

    local_id: str
    name: str
    kind: ActorKind
    aliases: list[str] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)
    kb_id: str | None = None
    country: str | None = None


@dataclass(slots=True)
class ActorSet:
    """The actors of one document with their mention spans (built by ``extract.actors``)."""

    actors: list[ActorRecord] = field(default_factory=list)

    def at(self, start: int, end: int) -> ActorRecord | None:
        """The actor with a mention overlapping ``[start, end)``, preferring the tightest mention."""
        best: tuple[int, ActorRecord] | None = None
        for actor in self.actors:
            for span in actor.mentions:
                if span.start < end and start < span.end:
                    width = span.end - span.start
                    if best is None or width < best[0]:
                        best = (width, actor)
        return best[1] if best else None

    def by_id(self, local_id: str) -> ActorRecord | None:
        return next((a for a in self.actors if a.local_id == local_id), None)


@dataclass(slots=True)
class Claim:
    """One statement of a document about an event or relation."""

    evidence: Span
    sources: list[Citation] = field(default_factory=list)
    certainty: Certainty = Certainty.ASSERTED
    extractor: str = ""
    confidence: float = 1.0
    values: dict[str, Any] = field(default_factory=dict)  # fields this sentence states


@dataclass(slots=True)
class EventRecord:
    """An event as extracted from one document (fused within the document)."""

    local_id: str
    type: str  # native taxonomy name, see ``watchfloor.extract.taxonomy``
    subtype: str | None = None
    date: TimeValue | None = None
    location: PlaceRef | None = None
    place_text: str | None = None  # the place mention before geocoding
    participants: dict[str, list[str]] = field(default_factory=dict)  # role -> actor local ids
    killed: Quantity | None = None
    injured: Quantity | None = None
    arrested: Quantity | None = None
    kidnapped: Quantity | None = None
    count: Quantity | None = None
    suicide: bool | None = None
    claimed: bool | None = None
    attribution: str | None = None  # "claimed" | "attributed"
    target: str | None = None
    target_type: str | None = None
    weapons: list[str] = field(default_factory=list)
    perpetrator_individuals: list[str] = field(default_factory=list)
    victims: list[str] = field(default_factory=list)
    certainty: Certainty = Certainty.ASSERTED
    claims: list[Claim] = field(default_factory=list)
    confidence: float = 1.0


@dataclass(slots=True)
class RelationRecord:
    """An actor-to-actor relation stated in one document."""

    local_id: str
    type: str
    source: str  # actor local id
    target: str  # actor local id
    status: str | None = None  # "former" | "alleged"
    start: TimeValue | None = None
    end: TimeValue | None = None
    claims: list[Claim] = field(default_factory=list)


@dataclass(slots=True)
class Annotated:
    """A document with its sentences and mentions (and the spaCy Doc)."""

    document: Document
    sentences: list[Sentence]
    mentions: list[Mention]
    doc: Any = None  # spacy.tokens.Doc; dropped before crossing process boundaries


@dataclass(slots=True)
class Extraction:
    """Everything extracted from one document, ready to resolve and store."""

    document: Document
    mentions: list[Mention]
    actors: list[ActorRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    extractor: str = ""
    #: MinHash signature of the text for near-duplicate search (``resolve.dedup``); empty when not computed
    signature: tuple[int, ...] = ()
