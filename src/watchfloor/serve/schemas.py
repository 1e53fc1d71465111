"""Pydantic models of the API: query filters, request bodies and responses (the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

#: Largest page size a list route accepts (larger values are refused with 422).
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
#: Largest id a route accepts (SQLite and PostgreSQL integers are 64-bit).
MAX_ID = 2**62
#: Printable text only: a NUL cannot be stored or searched on PostgreSQL.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CertaintyName(StrEnum):
    ASSERTED = "asserted"
    REPORTED = "reported"
    ALLEGED = "alleged"
    POSSIBLE = "possible"


Grade = Literal["A", "B", "C", "D", "E", "F"]
Interval = Literal["week", "month", "year"]
Order = Literal["id", "-id"]


class BoundingBox(BaseModel):
    """``min_lon,min_lat,max_lon,max_lat`` in degrees."""

    min_lon: float = Field(ge=-180, le=180)
    min_lat: float = Field(ge=-90, le=90)
    max_lon: float = Field(ge=-180, le=180)
    max_lat: float = Field(ge=-90, le=90)


class EventFilter(BaseModel):
    """Filters shared by the event list, timeline, map and network routes."""

    model_config = ConfigDict(frozen=True)

    since: dt.date | None = None
    until: dt.date | None = None
    country: str | None = None
    admin1: str | None = None
    actor: int | None = None
    type: str | None = None
    certainty: CertaintyName | None = None
    grade: Grade | None = None
    bbox: BoundingBox | None = None
    q: str | None = None
    document: str | None = None


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next (null: last page)."""

    items: list[T]
    next_cursor: str | None = None
    limit: int


class QuantityOut(BaseModel):
    value: int
    qualifier: str
    high: int | None = None


class SourceOut(BaseModel):
    outlet: str | None = None
    date: dt.date | None = None
    person: str | None = None
    text: str = ""
    grade: Grade = "F"


class ReviewOut(BaseModel):
    status: ReviewStatus
    reviewer: str
    updated_at: dt.datetime
    note: str | None = None
    edited: bool = False


class ClaimOut(BaseModel):
    """A claim with its evidence span (offsets into the document text), sources, grade and review."""

    id: int
    document: str
    document_title: str | None = None
    publisher: str | None = None
    event: int | None = None
    relation: int | None = None
    evidence_start: int
    evidence_end: int
    evidence_text: str
    certainty: str
    extracted_certainty: str
    values: dict[str, Any] = Field(default_factory=dict)
    extracted_values: dict[str, Any] = Field(default_factory=dict)
    extractor: str = ""
    confidence: float = 1.0
    sources: list[SourceOut] = Field(default_factory=list)
    grade: Grade = "F"
    review: ReviewOut | None = None


class EventOut(BaseModel):
    id: int
    type: str
    subtype: str | None = None
    date: str | None = None
    date_precision: str | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    country: str | None = None
    admin1: str | None = None
    place: str | None = None
    place_text: str | None = None
    lat: float | None = None
    lon: float | None = None
    certainty: str
    killed: QuantityOut | None = None
    injured: QuantityOut | None = None
    document: str


class ParticipantOut(BaseModel):
    actor: int
    name: str
    kind: str
    role: str


class EventDetail(EventOut):
    arrested: QuantityOut | None = None
    kidnapped: QuantityOut | None = None
    count: QuantityOut | None = None
    suicide: bool | None = None
    claimed: bool | None = None
    attribution: str | None = None
    target: str | None = None
    target_type: str | None = None
    weapons: list[str] = Field(default_factory=list)
    confidence: float = 1.0
    participants: list[ParticipantOut] = Field(default_factory=list)
    claims: list[ClaimOut] = Field(default_factory=list)
    merged_from: list[int] = Field(default_factory=list)
    merged_into: int | None = None
    fused_event: int | None = Field(default=None, description="the fused event it belongs to (/api/fused-events)")


class ActorOut(BaseModel):
    id: int
    name: str
    kind: str
    country: str | None = None
    kb_id: str | None = None
    aliases: list[str] = Field(default_factory=list)
    events: int = 0


class MergeOut(BaseModel):
    id: int
    document: str
    local_name: str
    reason: str
    score: float
    undone: bool


class RelationOut(BaseModel):
    id: int
    type: str
    source: int
    source_name: str
    target: int
    target_name: str
    status: str | None = None
    start: str | None = None
    end: str | None = None
    document: str


class RelationDetail(RelationOut):
    claims: list[ClaimOut] = Field(default_factory=list)


class ActorDetail(ActorOut):
    documents: list[str] = Field(default_factory=list)
    merges: list[MergeOut] = Field(default_factory=list)
    relations: list[RelationOut] = Field(default_factory=list)
    recent_events: list[EventOut] = Field(default_factory=list)
    claims: list[ClaimOut] = Field(default_factory=list)


class DocumentOut(BaseModel):
    id: str
    file: str
    title: str | None = None
    published: dt.date | None = None
    publisher: str | None = None
    language: str | None = None
    url: str | None = None


class DocumentDetail(DocumentOut):
    text: str
    published_method: str = ""
    author: str | None = None
    claims: list[ClaimOut] = Field(default_factory=list)


class TimelineBucket(BaseModel):
    period: dt.date
    type: str
    count: int


class TimelineOut(BaseModel):
    interval: Interval
    buckets: list[TimelineBucket]


class MapPoint(BaseModel):
    place: int
    name: str | None = None
    country: str | None = None
    admin1: str | None = None
    lat: float
    lon: float
    count: int


class MapOut(BaseModel):
    points: list[MapPoint]
    total: int
    truncated: bool = False


class NetworkNode(BaseModel):
    id: int
    name: str
    kind: str
    events: int


class NetworkEdge(BaseModel):
    source: int
    target: int
    kind: Literal["relation", "co_participation"]
    type: str
    weight: int


class NetworkOut(BaseModel):
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]


class FacetsOut(BaseModel):
    types: list[str]
    countries: list[str]
    certainties: list[str]
    grades: list[str]


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    who: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    reverted_by: int | None = None
    revert_of: int | None = None


class WriteOut(BaseModel):
    """What a write did: its audit entry, and the id of the record it made or changed."""

    audit: AuditOut
    target_type: str
    target_id: str


# -- request bodies ---------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewIn(_Body):
    status: ReviewStatus
    note: str | None = Field(default=None, max_length=2000, pattern=TEXT_PATTERN)


class ClaimEditIn(_Body):
    """Edited certainty and/or values (null leaves a field as it is)."""

    certainty: CertaintyName | None = None
    values: dict[str, Any] | None = None
    note: str | None = Field(default=None, max_length=2000, pattern=TEXT_PATTERN)


class MergeIn(_Body):
    other: int = Field(ge=1, le=MAX_ID, description="the record folded into the one in the path")


class ActorSplitIn(_Body):
    merge: int = Field(ge=1, le=MAX_ID, description="the actor merge to undo (see the actor's merges)")


class EventSplitIn(_Body):
    claims: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=1000, description="claims moved onto a new event"
    )
