"""Read routes: lists with filters and cursor pagination, details with evidence and claims, aggregations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from watchfloor.serve import fused, queries
from watchfloor.serve.auth import require_read
from watchfloor.serve.queries import AggregateCache, GradeCache
from watchfloor.serve.routes.deps import event_filter, get_grades, read_session
from watchfloor.serve.schemas import (
    DEFAULT_PAGE_SIZE,
    MAX_ID,
    MAX_PAGE_SIZE,
    TEXT_PATTERN,
    ActorDetail,
    ActorOut,
    AuditOut,
    CertaintyName,
    ClaimOut,
    DocumentDetail,
    DocumentOut,
    EventDetail,
    EventFilter,
    EventOut,
    FacetsOut,
    Interval,
    MapOut,
    NetworkOut,
    Order,
    Page,
    RelationDetail,
    RelationOut,
    ReviewStatus,
    TimelineOut,
)

router = APIRouter(prefix="/api", dependencies=[Depends(require_read)])


async def aggregate(request: Request, key: tuple[Any, ...], compute: Callable[[], bytes]) -> bytes:
    """A cached aggregation, computed in a thread of its own small pool so lists are not starved by it.

    A cache hit is answered on the event loop (no thread hand-over).
    """
    cache: AggregateCache = request.app.state.aggregates
    hit, cached = cache.lookup(key)
    if hit:
        return bytes(cached)
    limiter: anyio.CapacityLimiter = request.app.state.aggregate_limiter
    result: bytes = await anyio.to_thread.run_sync(partial(cache.get_or_compute, key, compute), limiter=limiter)
    return result


def _json(model: BaseModel | bytes) -> Response:
    """The model as JSON, serialised once by pydantic (the route's response_model documents it)."""
    body = model if isinstance(model, bytes) else model.model_dump_json().encode("utf-8")
    return Response(content=body, media_type="application/json")


IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
DocPath = Annotated[str, Path(min_length=1, max_length=128, pattern=TEXT_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"page size (at most {MAX_PAGE_SIZE})")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")]
OrderBy = Annotated[Order, Query(description="id ascending, or -id descending")]
ShortText = Annotated[str | None, Query(max_length=256, pattern=TEXT_PATTERN)]
SessionDep = Annotated[Session, Depends(read_session)]
GradesDep = Annotated[GradeCache, Depends(get_grades)]
FiltersDep = Annotated[EventFilter, Depends(event_filter)]


@router.get("/events", response_model=Page[EventOut], tags=["events"])
def list_events(
    filters: FiltersDep,
    session: SessionDep,
    grades: GradesDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: OrderBy = "id",
) -> Response:
    """Events (merged-away ones left out), filtered, a page at a time."""
    result = queries.list_events_json(session, filters, grades=grades, cursor=cursor, limit=limit, order=order)
    return _json(result)


@router.get("/events/{event_id}", response_model=EventDetail, tags=["events"])
def get_event(
    event_id: IdPath,
    session: SessionDep,
    grades: GradesDep,
) -> Response:
    """One event with its participants and every claim (evidence span, sources, grade, review), and the fused
    event it belongs to."""
    result = queries.get_event(session, event_id, grades=grades)
    result.fused_event = fused.fused_event_of(session, event_id)
    return _json(result)


@router.get("/timeline", response_model=TimelineOut, tags=["aggregations"])
async def timeline(
    request: Request,
    filters: FiltersDep,
    session: SessionDep,
    grades: GradesDep,
    interval: Annotated[Interval, Query()] = "month",
) -> Response:
    """Event counts by week, month or year and by type."""
    key = ("timeline", interval, filters.model_dump_json())
    result = await aggregate(
        request,
        key,
        lambda: queries.timeline(session, filters, grades=grades, interval=interval).model_dump_json().encode(),
    )
    return _json(result)


@router.get("/map", response_model=MapOut, tags=["aggregations"])
async def map_points(
    request: Request,
    filters: FiltersDep,
    session: SessionDep,
    grades: GradesDep,
) -> Response:
    """Event counts by geocoded place (the busiest places first)."""
    key = ("map", filters.model_dump_json())
    result = await aggregate(request, key, lambda: queries.map_points_json(session, filters, grades=grades))
    return _json(result)


@router.get("/network", response_model=NetworkOut, tags=["aggregations"])
async def network(
    request: Request,
    filters: FiltersDep,
    session: SessionDep,
    grades: GradesDep,
    max_nodes: Annotated[int, Query(ge=1, le=queries.NETWORK_MAX_NODES)] = queries.NETWORK_MAX_NODES,
) -> Response:
    """Actors of the filtered events with their relations and co-participations."""
    key = ("network", max_nodes, filters.model_dump_json())
    result = await aggregate(
        request,
        key,
        lambda: queries.network(session, filters, grades=grades, max_nodes=max_nodes).model_dump_json().encode(),
    )
    return _json(result)


@router.get("/facets", response_model=FacetsOut, tags=["aggregations"])
def facets(
    session: SessionDep,
) -> Response:
    """Event types and countries present, certainties and grades (for filter lists)."""
    result = queries.facets(session)
    return _json(result)


@router.get("/actors", response_model=Page[ActorOut], tags=["actors"])
def list_actors(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=256, pattern=TEXT_PATTERN, description="part of a name or alias")] = None,
    kind: Annotated[str | None, Query(max_length=32, pattern=TEXT_PATTERN)] = None,
    country: Annotated[str | None, Query(max_length=8, pattern=r"^[A-Za-z]{2,3}$")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: OrderBy = "id",
) -> Response:
    result = queries.list_actors(session, cursor=cursor, limit=limit, order=order, q=q, kind=kind, country=country)
    return _json(result)


@router.get("/actors/{actor_id}", response_model=ActorDetail, tags=["actors"])
def get_actor(
    actor_id: IdPath,
    session: SessionDep,
    grades: GradesDep,
) -> Response:
    """One actor with its merges, relations, recent events and their claims."""
    result = queries.get_actor(session, actor_id, grades=grades)
    return _json(result)


@router.get("/relations", response_model=Page[RelationOut], tags=["relations"])
def list_relations(
    session: SessionDep,
    actor: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    type: Annotated[str | None, Query(max_length=64, pattern=TEXT_PATTERN)] = None,
    status: Annotated[str | None, Query(max_length=16, pattern=TEXT_PATTERN)] = None,
    document: Annotated[str | None, Query(max_length=128, pattern=TEXT_PATTERN)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: OrderBy = "id",
) -> Response:
    result = queries.list_relations(
        session, cursor=cursor, limit=limit, order=order, actor=actor, type=type, status=status, document=document
    )
    return _json(result)


@router.get("/relations/{relation_id}", response_model=RelationDetail, tags=["relations"])
def get_relation(
    relation_id: IdPath,
    session: SessionDep,
    grades: GradesDep,
) -> Response:
    result = queries.get_relation(session, relation_id, grades=grades)
    return _json(result)


@router.get("/claims", response_model=Page[ClaimOut], tags=["claims"])
def list_claims(
    session: SessionDep,
    grades: GradesDep,
    event: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    relation: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    document: Annotated[str | None, Query(max_length=128, pattern=TEXT_PATTERN)] = None,
    status: Annotated[ReviewStatus | None, Query(description="review status")] = None,
    certainty: Annotated[CertaintyName | None, Query(description="extracted certainty")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: OrderBy = "id",
) -> Response:
    result = queries.list_claims(
        session,
        grades=grades,
        cursor=cursor,
        limit=limit,
        order=order,
        event=event,
        relation=relation,
        document=document,
        status=status,
        certainty=certainty.value if certainty else None,
    )
    return _json(result)


@router.get("/claims/{claim_id}", response_model=ClaimOut, tags=["claims"])
def get_claim(
    claim_id: IdPath,
    session: SessionDep,
    grades: GradesDep,
) -> Response:
    result = queries.get_claim(session, claim_id, grades=grades)
    return _json(result)


@router.get("/documents", response_model=Page[DocumentOut], tags=["documents"])
def list_documents(
    session: SessionDep,
    since: Annotated[dt.date | None, Query(description="published on or after")] = None,
    until: Annotated[dt.date | None, Query(description="published on or before")] = None,
    publisher: ShortText = None,
    language: Annotated[str | None, Query(max_length=16, pattern=TEXT_PATTERN)] = None,
    q: Annotated[str | None, Query(max_length=500, pattern=TEXT_PATTERN, description="full-text query")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: OrderBy = "id",
) -> Response:
    result = queries.list_documents(
        session,
        cursor=cursor,
        limit=limit,
        order=order,
        since=since,
        until=until,
        publisher=publisher,
        language=language,
        q=q,
    )
    return _json(result)


@router.get("/documents/{document_id}", response_model=DocumentDetail, tags=["documents"])
def get_document(
    document_id: DocPath,
    session: SessionDep,
    grades: GradesDep,
) -> Response:
    """A report's text with every claim's evidence span (offsets into ``text``)."""
    result = queries.get_document(session, document_id, grades=grades)
    return _json(result)


@router.get("/audit", response_model=Page[AuditOut], tags=["audit"])
def list_audit(
    session: SessionDep,
    target_type: Annotated[str | None, Query(max_length=16, pattern=r"^[a-z]*$")] = None,
    target_id: Annotated[str | None, Query(max_length=128, pattern=TEXT_PATTERN)] = None,
    action: Annotated[str | None, Query(max_length=32, pattern=TEXT_PATTERN)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: Annotated[Order, Query(description="-id (newest first) or id")] = "-id",
) -> Response:
    """The audit log of API writes (newest first by default)."""
    result = queries.list_audit(
        session, cursor=cursor, limit=limit, order=order, target_type=target_type, target_id=target_id, action=action
    )
    return _json(result)
