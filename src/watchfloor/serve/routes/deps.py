"""Shared route dependencies: the read session, the grade cache and the event filters from the query string."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session

from watchfloor.serve.queries import AggregateCache, GradeCache
from watchfloor.serve.schemas import MAX_ID, TEXT_PATTERN, BoundingBox, CertaintyName, EventFilter, Grade
from watchfloor.store import Store

BBOX_HELP = "min_lon,min_lat,max_lon,max_lat in degrees, e.g. 60,29,75,38"


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_grades(request: Request) -> GradeCache:
    grades: GradeCache = request.app.state.grades
    return grades


async def get_aggregates(request: Request) -> AggregateCache:
    cache: AggregateCache = request.app.state.aggregates
    return cache


async def read_session(request: Request) -> AsyncIterator[Session]:
    """A read session for one request (made on the event loop: no thread hop; it connects lazily)."""
    with get_store(request).session() as session:
        yield session


def invalid(field: str, message: str) -> RequestValidationError:
    """A 422 for one query parameter, in FastAPI's documented validation-error shape."""
    return RequestValidationError([{"loc": ("query", field), "msg": message, "type": "value_error"}])


def parse_bbox(value: str) -> BoundingBox:
    parts = value.split(",")
    if len(parts) != 4:
        raise invalid("bbox", f"expected {BBOX_HELP}")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
        box = BoundingBox(min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat)
    except (ValueError, ValidationError) as exc:
        raise invalid("bbox", f"expected {BBOX_HELP}") from exc
    if box.min_lat > box.max_lat:
        raise invalid("bbox", "min_lat is above max_lat")
    return box


async def event_filter(
    since: Annotated[dt.date | None, Query(description="events ending on or after this date")] = None,
    until: Annotated[dt.date | None, Query(description="events starting on or before this date")] = None,
    country: Annotated[
        str | None, Query(max_length=8, pattern=r"^[A-Za-z]{2,3}$", description="ISO 3166-1 alpha-2")
    ] = None,
    admin1: Annotated[str | None, Query(max_length=256, pattern=TEXT_PATTERN)] = None,
    actor: Annotated[int | None, Query(ge=1, le=MAX_ID, description="events this actor took part in")] = None,
    type: Annotated[str | None, Query(max_length=64, pattern=TEXT_PATTERN, description="event type")] = None,
    certainty: Annotated[CertaintyName | None, Query()] = None,
    grade: Annotated[
        Grade | None, Query(description="at least one source graded this reliable or better (A best)")
    ] = None,
    bbox: Annotated[str | None, Query(max_length=200, description=BBOX_HELP)] = None,
    q: Annotated[
        str | None, Query(max_length=500, pattern=TEXT_PATTERN, description="full-text query (claims, reports)")
    ] = None,
    document: Annotated[
        str | None, Query(max_length=128, pattern=TEXT_PATTERN, description="origin document id")
    ] = None,
) -> EventFilter:
    """The event filters of the query string."""
    if since is not None and until is not None and since > until:
        raise invalid("since", "since is after until")
    return EventFilter(
        since=since,
        until=until,
        country=country,
        admin1=admin1,
        actor=actor,
        type=type,
        certainty=certainty,
        grade=grade,
        bbox=parse_bbox(bbox) if bbox else None,
        q=q,
        document=document,
    )
