"""Import a STIX 2.1 bundle (watchfloor's own, or any bundle using its event extension) into the store.

Every object is first parsed with the ``stix2`` library; one that does not
parse, or an event whose properties are malformed, gives one problem naming
its position and id, and is skipped.

What becomes what: ``x-watchfloor-event`` objects -> events (claims with the
event's evidence texts and sources), ``intrusion-set`` -> armed groups,
``identity`` objects an event, report or relationship refers to -> actors
(kind from watchfloor's property extension, else from ``identity_class`` and
``sectors``), actor-to-actor ``relationship`` objects -> relations.  A bundle
is one file but holds several reports: each ``report`` becomes one synthetic
document (its text renders the report's actors, events and relations, so
evidence spans point into it; its ``raw_sha256`` is the original report's,
so a re-export gives the report the same id).  Objects no report lists go to
one more synthetic document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchfloor.errors import InputError
from watchfloor.export.stix import (
    EPOCH,
    EVENT_TYPE,
    PROPERTY_EXTENSION_ID,
    WATCHFLOOR_IDENTITY_ID,
    register_event_type,
)
from watchfloor.export.stream import EXT_PREFIX
from watchfloor.importers import ImportProblem, ImportReport, read_bytes
from watchfloor.models import (
    ActorKind,
    ActorRecord,
    Certainty,
    Citation,
    Claim,
    DateMethod,
    Document,
    EventRecord,
    Extraction,
    Origin,
    PlaceRef,
    Precision,
    Qualifier,
    Quantity,
    RelationRecord,
    Span,
    TimeValue,
)
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)

EXTRACTOR = "import.stix.v1"
ACTOR_TYPES = frozenset({"intrusion-set", "identity", "threat-actor"})
QUANTITIES = ("killed", "injured", "arrested", "kidnapped", "count")


def _ext(obj: dict[str, Any]) -> dict[str, Any]:
    ext = (obj.get("extensions") or {}).get(PROPERTY_EXTENSION_ID)
    return ext if isinstance(ext, dict) else {}


def _date(value: Any, what: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} {value!r} is not a date")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date") from None


def time_value(
    value: str, *, precision: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> TimeValue:
    """A ``TimeValue`` from an ISO prefix value, filling what is not given."""
    parts = value.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else None
        day = int(parts[2]) if len(parts) > 2 else None
        first = dt.date(year, month or 1, day or 1)
    except (ValueError, IndexError):
        raise ValueError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD") from None
    if day is not None:
        last = first
    elif month is not None:
        last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    else:
        last = dt.date(year, 12, 31)
    default = Precision.DAY if day is not None else Precision.MONTH if month is not None else Precision.YEAR
    try:
        prec = Precision(precision) if precision else default
    except ValueError:
        raise ValueError(f"date precision {precision!r} is unknown") from None
    return TimeValue(value=value, precision=prec, start=start or first, end=end or last)


def _quantity(data: Any, what: str) -> Quantity | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("value"), int):
        raise ValueError(f"{what} must be an object with an integer value")
    try:
        qualifier = Qualifier(data.get("qualifier", "exact"))
    except ValueError:
        raise ValueError(f"{what} qualifier {data.get('qualifier')!r} is unknown") from None
    high = data.get("high")
    return Quantity(value=data["value"], qualifier=qualifier, high=high if isinstance(high, int) else None)


def _place(data: Any) -> PlaceRef | None:
    if not isinstance(data, dict):
        return None
    lat, lon = data.get("lat"), data.get("lon")
    return PlaceRef(
        name=data.get("name"),
        admin2=data.get("admin2"),
        admin1=data.get("admin1"),
        country=data.get("country"),
        lat=float(lat) if isinstance(lat, int | float) else None,
        lon=float(lon) if isinstance(lon, int | float) else None,
        precision=data.get("precision") if isinstance(data.get("precision"), int) else None,
        gazetteer_id=data.get("gazetteer_id"),
    )


def actor_kind(obj: dict[str, Any]) -> ActorKind:
    """The actor kind of an intrusion-set / identity / threat-actor."""
    kind = _ext(obj).get("kind")
    if kind:
        try:
            return ActorKind(kind)
        except ValueError:
            log.warning("%s: unknown actor kind %r", obj.get("id"), kind)
    if obj["type"] in {"intrusion-set", "threat-actor"}:
        return ActorKind.ARMED_GROUP
    if obj.get("identity_class") == "individual":
        return ActorKind.PERSON
    sectors = set(obj.get("sectors") or [])
    if sectors & {"government-national", "government-regional", "government-local", "defense"}:
        return ActorKind.STATE
    if "communications" in sectors:
        return ActorKind.MEDIA
    return ActorKind.ORGANISATION


@dataclass(slots=True)
class _Event:
    """A parsed event object, before it is placed in a document."""

    stix_id: str
    key: str
    record: EventRecord
    participants: dict[str, list[str]]  # role -> actor STIX ids
    evidence: list[tuple[str, Certainty]]
    sources: list[Citation]


def parse_event(obj: dict[str, Any]) -> _Event:
    """An event object's content (``ValueError`` naming the bad property)."""
    key = obj.get("key") or obj["id"].split("--", 1)[1]
    date = None
    if obj.get("date"):
        date = time_value(
            str(obj["date"]),
            precision=obj.get("date_precision"),
            start=_date(obj.get("date_start"), "date_start"),
            end=_date(obj.get("date_end"), "date_end"),
        )
    certainty_text = obj.get("certainty", "asserted")
    try:
        certainty = Certainty(certainty_text)
    except ValueError:
        raise ValueError(f"certainty {certainty_text!r} is unknown") from None
    participants = obj.get("participants") or {}
    if not isinstance(participants, dict) or not all(isinstance(v, list) for v in participants.values()):
        raise ValueError("participants must map roles to lists of ids")
    evidence: list[tuple[str, Certainty]] = []
    for item in obj.get("evidence") or []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError("evidence items must have a text")
        try:
            evidence.append((item["text"], Certainty(item.get("certainty") or certainty)))
        except ValueError:
            raise ValueError(f"evidence certainty {item.get('certainty')!r} is unknown") from None
    sources = [
        Citation(outlet=s.get("outlet"), date=_date(s.get("date"), "source date"), person=s.get("person"))
        for s in obj.get("sources") or []
        if isinstance(s, dict)
    ]
    confidence = obj.get("extraction_confidence", 1.0)
    record = EventRecord(
        local_id=EXT_PREFIX + str(key),
        type=str(obj.get("event_type") or "attack"),
        subtype=obj.get("event_subtype"),
        date=date,
        location=_place(obj.get("location")),
        place_text=obj.get("place_text"),
        suicide=obj.get("suicide"),
        claimed=obj.get("claimed"),
        attribution=obj.get("attribution"),
        target=obj.get("target"),
        target_type=obj.get("target_type"),
        weapons=[str(w) for w in obj.get("weapons") or []],
        certainty=certainty,
        confidence=float(confidence) if isinstance(confidence, int | float) else 1.0,
    )
    for name in QUANTITIES:
        setattr(record, name, _quantity(obj.get(name), name))
    return _Event(
        obj["id"],
        str(key),
        record,
        {str(r): [str(i) for i in ids] for r, ids in participants.items()},
        evidence,
        sources,
    )


@dataclass(slots=True)
class _Doc:
    """One synthetic document being built."""

    report: dict[str, Any] | None
    actors: list[str] = field(default_factory=list)  # STIX ids, first appearance first
    events: list[_Event] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)

    def add_actor(self, stix_id: str) -> None:
        if stix_id not in self.actors:
            self.actors.append(stix_id)


class _Text:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> Span:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return Span(start, start + len(text), text)

    def value(self) -> str:
        return "".join(self.parts)


def _parse_objects(bundle: dict[str, Any], report: ImportReport) -> dict[str, dict[str, Any]]:
    import stix2
    from stix2.exceptions import STIXError

    register_event_type()
    objects: dict[str, dict[str, Any]] = {}
    for number, obj in enumerate(bundle["objects"], start=1):
        ident = obj.get("id") if isinstance(obj, dict) else None
        item = f"object {number}" + (f" ({ident})" if ident else "")
        if not isinstance(obj, dict) or not isinstance(ident, str):
            report.problems.append(ImportProblem(item, "not a STIX object (no id)"))
            continue
        try:
            stix2.parse(obj, allow_custom=True)
        except (STIXError, ValueError, TypeError) as exc:
            report.problems.append(ImportProblem(item, " ".join(str(exc).split())[:300]))
            continue
        if ident in objects:
            report.problems.append(ImportProblem(item, "duplicate id; first kept"))
            continue
        objects[ident] = obj
    return objects


def _documents(objects: dict[str, dict[str, Any]], events: dict[str, _Event]) -> list[_Doc]:
    """Synthetic documents: one per report, ordered by their first event in the bundle, then the rest."""
    order = {ident: n for n, ident in enumerate(objects)}
    reports = [o for o in objects.values() if o["type"] == "report"]
    owner: dict[str, int] = {}
    docs = [_Doc(report=r) for r in reports]
    for index, r in enumerate(reports):
        for ref in r.get("object_refs", []):
            owner.setdefault(ref, index)

    def first_event(doc: _Doc) -> int:
        assert doc.report is not None
        positions = [order[ref] for ref in doc.report.get("object_refs", []) if ref in events]
        return min(positions) if positions else len(order) + order[doc.report["id"]]

    leftover = _Doc(report=None)
    for event in events.values():
        (docs[owner[event.stix_id]] if event.stix_id in owner else leftover).events.append(event)
    for obj in objects.values():
        if obj["type"] == "relationship" and _is_actor_relation(obj, objects):
            (docs[owner[obj["id"]]] if obj["id"] in owner else leftover).relations.append(obj)
    for index, r in enumerate(reports):
        for ref in sorted((ref for ref in r.get("object_refs", []) if ref in objects), key=order.__getitem__):
            if objects[ref]["type"] in ACTOR_TYPES:
                docs[index].add_actor(ref)
    docs.sort(key=first_event)
    if leftover.events or leftover.relations:
        docs.append(leftover)
    for doc in docs:
        doc.events.sort(key=lambda e: order[e.stix_id])
        for event in doc.events:
            for ids in event.participants.values():
                for ident in ids:
                    if ident in objects:
                        doc.add_actor(ident)
        for rel in doc.relations:
            doc.add_actor(rel["source_ref"])
            doc.add_actor(rel["target_ref"])
    return [d for d in docs if d.events or d.relations or d.actors]


def _is_actor_relation(obj: dict[str, Any], objects: dict[str, dict[str, Any]]) -> bool:
    source, target = objects.get(obj.get("source_ref", "")), objects.get(obj.get("target_ref", ""))
    return bool(source and target and source["type"] in ACTOR_TYPES and target["type"] in ACTOR_TYPES)


def _actor_record(obj: dict[str, Any], local_id: str, mention: Span) -> ActorRecord:
    ext = _ext(obj)
    aliases = obj.get("aliases") if obj["type"] != "identity" else ext.get("aliases")
    return ActorRecord(
        local_id=local_id,
        name=str(obj["name"]),
        kind=actor_kind(obj),
        aliases=[str(a) for a in aliases or []],
        mentions=[mention],
        kb_id=ext.get("kb_id"),
        country=ext.get("country"),
    )


def _relation_record(obj: dict[str, Any], local_id: str, locals_: dict[str, str], text: _Text) -> RelationRecord:
    ext = _ext(obj)
    evidence = [str(e) for e in ext.get("evidence") or []]
    claims = []
    for item in evidence:
        claims.append(Claim(evidence=text.add(item), extractor=EXTRACTOR))
        text.add("\n")
    start, end = ext.get("start"), ext.get("end")
    return RelationRecord(
        local_id=local_id,
        type=str(ext.get("relation_type") or obj["relationship_type"].replace("-", "_")),
        source=locals_[obj["source_ref"]],
        target=locals_[obj["target_ref"]],
        status=ext.get("status"),
        start=time_value(str(start)) if start else None,
        end=time_value(str(end)) if end else None,
        claims=claims,
    )


def _extraction(doc: _Doc, objects: dict[str, dict[str, Any]], path: Path) -> Extraction:
    text = _Text()
    report = doc.report
    title = str(report.get("name")) if report else f"STIX objects imported from {path.name}"
    text.add(title + "\n\n")
    locals_: dict[str, str] = {}
    actors: list[ActorRecord] = []
    for n, ident in enumerate(doc.actors, start=1):
        obj = objects.get(ident)
        if obj is None or obj["type"] not in ACTOR_TYPES or not obj.get("name"):
            continue
        text.add("Actor: ")
        mention = text.add(str(obj["name"]))
        text.add("\n")
        locals_[ident] = f"s{n}"
        actors.append(_actor_record(obj, f"s{n}", mention))
    events: list[EventRecord] = []
    for event in doc.events:
        text.add(f"\nEvent {event.key}: {objects[event.stix_id].get('name', '')}\n")
        record = event.record
        record.participants = {
            role: [locals_[i] for i in ids if i in locals_] for role, ids in event.participants.items()
        }
        record.participants = {r: ids for r, ids in record.participants.items() if ids}
        for quote, certainty in event.evidence:
            record.claims.append(Claim(evidence=text.add(quote), certainty=certainty, extractor=EXTRACTOR))
            text.add("\n")
        if event.sources:
            if not record.claims:
                start = text.length
                record.claims.append(
                    Claim(evidence=Span(start, start, ""), certainty=record.certainty, extractor=EXTRACTOR)
                )
            record.claims[0].sources = list(event.sources)
        events.append(record)
    relations: list[RelationRecord] = []
    for n, rel in enumerate(doc.relations, start=1):
        if rel["source_ref"] not in locals_ or rel["target_ref"] not in locals_:
            continue
        text.add(f"\nRelation: {rel['relationship_type']}\n")
        relations.append(_relation_record(rel, f"r{n}", locals_, text))
    body = text.value()
    doc_id = hashlib.sha256(body.encode("utf-8")).hexdigest()
    ext = _ext(report) if report else {}
    published = _date(report.get("published"), "published") if report else None
    publisher = None
    if report and report.get("created_by_ref") in objects:
        publisher = objects[report["created_by_ref"]].get("name")
    url = next((r.get("url") for r in (report or {}).get("external_references", []) if r.get("url")), None)
    raw = ext.get("raw_sha256") or hashlib.sha256((report or {}).get("id", doc_id).encode()).hexdigest()
    document = Document(
        id=doc_id,
        file_name=str(ext.get("file") or path.name),
        source=f"{path}#{report['id']}" if report else str(path),
        origin=Origin.FILE,
        text=body,
        raw_sha256=str(raw),
        title=title if report else None,
        publisher=publisher,
        published=published if published and published != EPOCH else None,
        published_method=DateMethod.METADATA if published and published != EPOCH else DateMethod.NONE,
        url=url,
    )
    return Extraction(
        document=document, mentions=[], actors=actors, events=events, relations=relations, extractor=EXTRACTOR
    )


def import_stix(store: Store, path: Path) -> ImportReport:
    """Import a STIX 2.1 bundle into ``store`` (one synthetic document per report)."""
    data = read_bytes(path)
    try:
        bundle = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputError(str(path), f"not a STIX bundle: invalid JSON{where}") from exc
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle" or not isinstance(bundle.get("objects"), list):
        raise InputError(str(path), "not a STIX bundle: expected an object with type 'bundle' and an 'objects' list")
    report = ImportReport(path=str(path))
    objects = _parse_objects(bundle, report)
    objects.pop(WATCHFLOOR_IDENTITY_ID, None)
    events: dict[str, _Event] = {}
    for ident, obj in objects.items():
        if obj["type"] != EVENT_TYPE:
            continue
        try:
            events[ident] = parse_event(obj)
        except (ValueError, TypeError) as exc:
            report.problems.append(ImportProblem(f"event {ident}", str(exc)))
    for doc in _documents(objects, events):
        extraction = _extraction(doc, objects, path)
        result = store.write_extraction(extraction)
        (report.documents if result.created else report.unchanged).append(result.document_id)
        report.events += result.events
        report.relations += result.relations
        report.actors += len(extraction.actors)
    log.info(
        "%s: %d events in %d documents, %d problems", path, report.events, len(report.documents), len(report.problems)
    )
    return report
