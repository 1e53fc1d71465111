"""STIX 2.1 bundle export (see ``docs/exports.md`` for the full mapping).

* armed groups -> ``intrusion-set`` (with ``aliases``); states, outlets,
  persons, parties and other organisations -> ``identity``;
* places -> ``location``; each document -> ``report`` whose ``object_refs``
  list the events, actors and relationships it supports;
* events -> ``x-watchfloor-event`` objects, a new SDO defined by the
  ``extension-definition`` ``EVENT_EXTENSION_ID`` (``extension_types:
  ["new-sdo"]``);
* what STIX has no property for (actor kind, KB id, country; place admin2,
  precision and gazetteer id; relation status and evidence; report file) goes
  in a ``property-extension`` (``PROPERTY_EXTENSION_ID``);
* relationships: actor-to-actor relations (``affiliate_of`` ->
  ``affiliate-of``), and per event ``attributed-to`` (perpetrators),
  ``targets`` (targets), ``related-to`` (other roles, the role in
  ``description``) and ``located-at``.

Ids are UUIDv5 from stable keys (``watchfloor.export.stream``) and every
timestamp is derived from the data (the source document's published date,
else ``EPOCH``), so exporting the same content twice gives the same bytes.
Objects are written one per line as they are built (events are streamed);
``validate=True`` additionally parses every object with the ``stix2``
library before writing it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from watchfloor.errors import WatchfloorError
from watchfloor.export.common import ExportResult
from watchfloor.export.filters import ExportFilter
from watchfloor.export.stream import (
    DocMeta,
    ExportEvent,
    actor_first_published,
    actor_key,
    atomic_output,
    document_event_keys,
    event_documents,
    event_key,
    iter_export_events,
    load_actors,
    load_relations,
    place_key,
)
from watchfloor.models import PlaceRef, Quantity
from watchfloor.store.repository import Store
from watchfloor.store.views import ActorView, RelationView

if TYPE_CHECKING:
    from watchfloor.export.fused import FusedRecord

log = logging.getLogger(__name__)

#: Namespace of every UUIDv5 watchfloor derives STIX ids from.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/watchfloor/watchfloor/stix/2.1")
EPOCH = dt.date(1970, 1, 1)
SCHEMA_DATE = dt.date(2026, 1, 1)  # created/modified of watchfloor's own definitions (version 1.0)
EVENT_TYPE = "x-watchfloor-event"
EVENT_EXTENSION_ID = "extension-definition--" + str(uuid.uuid5(NAMESPACE, "extension:x-watchfloor-event:1.0"))
PROPERTY_EXTENSION_ID = "extension-definition--" + str(uuid.uuid5(NAMESPACE, "extension:watchfloor-properties:1.0"))
WATCHFLOOR_IDENTITY_ID = "identity--" + str(uuid.uuid5(NAMESPACE, "identity:watchfloor"))
SCHEMA_URL = "https://github.com/watchfloor/watchfloor/blob/main/docs/exports.md"
QUANTITIES = ("killed", "injured", "arrested", "kidnapped", "count")
_REFERRING_TYPES = frozenset({"relationship", "report", "extension-definition", "grouping"})
ROLE_RELATIONSHIPS = {"perpetrator": "attributed-to", "target": "targets"}

#: The event properties the new-SDO extension defines (name -> STIX property kind, for docs and parsing).
EVENT_PROPERTIES: dict[str, str] = {
    "name": "string (required)",
    "key": "string: the stable event key (also the ACLED event_id_cnty)",
    "event_type": "string: native type",
    "event_subtype": "string",
    "export_type": "string: watchfloor-gold/1 type",
    "acled_event_type": "string",
    "acled_sub_event_type": "string",
    "gtd_attack_type": "string",
    "plover_type": "string",
    "date": "string: YYYY | YYYY-MM | YYYY-MM-DD",
    "date_precision": "string: day | part_of_month | month | season | year | unknown",
    "date_start": "string: ISO date",
    "date_end": "string: ISO date",
    "location": "dictionary: name, admin2, admin1, country, lat, lon, precision, gazetteer_id",
    "place_text": "string",
    "killed": "dictionary: value, qualifier, high",
    "injured": "dictionary",
    "arrested": "dictionary",
    "kidnapped": "dictionary",
    "count": "dictionary",
    "suicide": "boolean",
    "claimed": "boolean",
    "attribution": "string: claimed | attributed",
    "target": "string",
    "target_type": "string",
    "weapons": "list of string",
    "certainty": "string: asserted | reported | alleged | possible",
    "extraction_confidence": "float 0..1",
    "participants": "dictionary: role -> list of identifier (intrusion-set / identity)",
    "sources": "list of dictionary: outlet, date, person",
    "evidence": "list of dictionary: text, certainty",
}


def stix_id(kind: str, key: str) -> str:
    """``kind--UUIDv5(key)``."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{kind}:{key}')}"


def timestamp(day: dt.date | None) -> str:
    return f"{(day or EPOCH).isoformat()}T00:00:00.000Z"


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values (STIX forbids null and empty lists/strings)."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {} and v != ""}


def _props(**values: Any) -> dict[str, Any]:
    return {PROPERTY_EXTENSION_ID: {"extension_type": "property-extension", **_compact(values)}}


def _sdo(kind: str, object_id: str, created: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": object_id,
        "created": created,
        "modified": created,
        **_compact(properties),
    }


# -- definitions ---------------------------------------------------------------


def definition_objects() -> list[dict[str, Any]]:
    """watchfloor's identity and its two extension definitions."""
    created = timestamp(SCHEMA_DATE)
    return [
        _sdo("identity", WATCHFLOOR_IDENTITY_ID, created, name="watchfloor", identity_class="system"),
        _sdo(
            "extension-definition",
            EVENT_EXTENSION_ID,
            created,
            created_by_ref=WATCHFLOOR_IDENTITY_ID,
            name="watchfloor event",
            description=(
                "An event of political violence or armed-group activity as reported: type, date with precision, "
                "place, participants by role, casualty figures with qualifiers, certainty, sources and evidence."
            ),
            schema=SCHEMA_URL + "#stix-event-extension",
            version="1.0",
            extension_types=["new-sdo"],
        ),
        _sdo(
            "extension-definition",
            PROPERTY_EXTENSION_ID,
            created,
            created_by_ref=WATCHFLOOR_IDENTITY_ID,
            name="watchfloor properties",
            description=(
                "watchfloor's properties on standard objects: actor kind, knowledge-base id, country and aliases; "
                "place admin2, precision and gazetteer id; relation type, status, dates and evidence; report file."
            ),
            schema=SCHEMA_URL + "#stix-property-extension",
            version="1.0",
            extension_types=["property-extension"],
        ),
    ]


# -- actors, places, relations ------------------------------------------------------


def actor_stix_id(actor: ActorView) -> str:
    return _actor_stix_id(actor.kind == "armed_group", actor_key(actor))


@functools.lru_cache(maxsize=65536)
def _actor_stix_id(armed_group: bool, key: str) -> str:
    return stix_id("intrusion-set" if armed_group else "identity", key)


def other_aliases(actor: ActorView) -> list[str]:
    """The actor's aliases minus its name, one per normalised form (first wins)."""
    from watchfloor.resolve.actors import normalise_alias

    seen = {normalise_alias(actor.name)}
    out: list[str] = []
    for alias in actor.aliases:
        norm = normalise_alias(alias)
        if norm and norm not in seen:
            seen.add(norm)
            out.append(alias)
    return out


_IDENTITY_CLASS = {"person": "individual", "state": "organization", "media": "organization"}
_SECTORS = {"state": ["government-national"], "media": ["communications"]}


def actor_object(actor: ActorView, *, first_published: dt.date | None) -> dict[str, Any]:
    created = timestamp(first_published)
    ext = _props(kind=actor.kind, kb_id=actor.kb_id, country=actor.country)
    if actor.kind == "armed_group":
        return _sdo(
            "intrusion-set",
            actor_stix_id(actor),
            created,
            name=actor.name,
            aliases=other_aliases(actor),
            extensions=ext,
        )
    ext[PROPERTY_EXTENSION_ID]["aliases"] = other_aliases(actor)
    ext[PROPERTY_EXTENSION_ID] = _compact(ext[PROPERTY_EXTENSION_ID])
    return _sdo(
        "identity",
        actor_stix_id(actor),
        created,
        name=actor.name,
        identity_class=_IDENTITY_CLASS.get(actor.kind, "organization"),
        sectors=_SECTORS.get(actor.kind),
        extensions=ext,
    )


def location_object(place: PlaceRef) -> dict[str, Any] | None:
    """The STIX location of a place (None when it has neither a country nor coordinates)."""
    key = place_key(place)
    has_coords = place.lat is not None and place.lon is not None
    if key is None or not (place.country or has_coords):
        return None
    return _sdo(
        "location",
        stix_id("location", key),
        timestamp(None),
        name=place.name,
        latitude=place.lat if has_coords else None,
        longitude=place.lon if has_coords else None,
        country=place.country,
        administrative_area=place.admin1,
        extensions=_props(admin2=place.admin2, precision=place.precision, gazetteer_id=place.gazetteer_id),
    )


def relation_key(relation: RelationView, actors: dict[int, ActorView]) -> str | None:
    source, target = actors.get(relation.source), actors.get(relation.target)
    if source is None or target is None:
        return None
    return "|".join((actor_key(source), relation.type, actor_key(target), relation.status or ""))


def relationship_object(
    group: list[RelationView], actors: dict[int, ActorView], *, published: dict[str, dt.date | None]
) -> dict[str, Any]:
    """One relationship for all store relations with the same source, type, target and status."""
    first = group[0]
    key = relation_key(first, actors)
    if key is None:
        raise ValueError(f"relation {first.id} names an unknown actor")
    evidence = sorted({" ".join(e.text.split()) for r in group for e in r.evidence if e.text.strip()})
    dates = [d for d in (published.get(r.document) for r in group) if d is not None]
    starts = sorted(r.start for r in group if r.start)
    ends = sorted(r.end for r in group if r.end)
    return _sdo(
        "relationship",
        stix_id("relationship", "relation:" + key),
        timestamp(min(dates) if dates else None),
        relationship_type=first.type.replace("_", "-").lower(),
        source_ref=actor_stix_id(actors[first.source]),
        target_ref=actor_stix_id(actors[first.target]),
        extensions=_props(
            relation_type=first.type,
            status=first.status,
            start=starts[0] if starts else None,
            end=ends[-1] if ends else None,
            evidence=evidence,
        ),
    )


# -- events -----------------------------------------------------------------------------


def _quantity(q: Quantity | None) -> dict[str, Any] | None:
    if q is None:
        return None
    return _compact({"value": q.value, "qualifier": str(q.qualifier), "high": q.high})


def _place_dict(place: PlaceRef | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return (
        _compact(
            {
                "name": place.name,
                "admin2": place.admin2,
                "admin1": place.admin1,
                "country": place.country,
                "lat": place.lat,
                "lon": place.lon,
                "precision": place.precision,
                "gazetteer_id": place.gazetteer_id,
            }
        )
        or None
    )


def event_name(ev: ExportEvent) -> str:
    v = ev.view
    where = (v.location.name or v.location.admin1 or v.location.country) if v.location else None
    where = where or v.place_text
    parts = [v.type.replace("_", " ")]
    if where:
        parts.append(f"in {where}")
    if v.date:
        parts.append(f"({v.date})")
    return " ".join(parts)


def event_object(ev: ExportEvent, actors: dict[int, ActorView]) -> dict[str, Any]:
    from watchfloor.extract.taxonomy import TAXONOMY

    v = ev.view
    t = TAXONOMY.get(v.type)
    participants = {role: [actor_stix_id(actors[a]) for a in ids if a in actors] for role, ids in v.actors.items()}
    return _sdo(
        EVENT_TYPE,
        stix_id(EVENT_TYPE, ev.key),
        timestamp(ev.doc.published),
        name=event_name(ev),
        key=ev.key,
        event_type=v.type,
        event_subtype=v.subtype,
        export_type=t.export_type if t else None,
        acled_event_type=t.acled_event_type if t else None,
        acled_sub_event_type=t.acled_sub_event_type if t else None,
        gtd_attack_type=t.gtd_attacktype if t else None,
        plover_type=t.plover if t else None,
        date=v.date,
        date_precision=v.date_precision,
        date_start=v.date_start.isoformat() if v.date_start else None,
        date_end=v.date_end.isoformat() if v.date_end else None,
        location=_place_dict(v.location),
        place_text=v.place_text,
        **{name: _quantity(getattr(v, name)) for name in QUANTITIES},
        suicide=v.suicide,
        claimed=v.claimed,
        attribution=v.attribution,
        target=v.target,
        target_type=v.target_type,
        weapons=list(v.weapons),
        certainty=v.certainty,
        extraction_confidence=float(v.confidence),
        participants={r: ids for r, ids in participants.items() if ids},
        sources=[
            _compact({"outlet": c.outlet, "date": c.date.isoformat() if c.date else None, "person": c.person})
            for c in v.sources
        ],
        evidence=[_compact({"text": e.text, "certainty": e.certainty}) for e in v.evidence],
        extensions={EVENT_EXTENSION_ID: {"extension_type": "new-sdo"}},
    )


def event_relationships(ev: ExportEvent, actors: dict[int, ActorView], location_id: str | None) -> list[dict[str, Any]]:
    """``attributed-to`` / ``targets`` / ``related-to`` per participant and ``located-at``."""
    event_id = stix_id(EVENT_TYPE, ev.key)
    created = timestamp(ev.doc.published)
    out: list[dict[str, Any]] = []
    for role, ids in ev.view.actors.items():
        for actor_id in ids:
            actor = actors.get(actor_id)
            if actor is None:
                continue
            kind = ROLE_RELATIONSHIPS.get(role, "related-to")
            out.append(
                _sdo(
                    "relationship",
                    stix_id("relationship", f"participant:{ev.key}|{role}|{actor_key(actor)}"),
                    created,
                    relationship_type=kind,
                    description=None if kind != "related-to" else role,
                    source_ref=event_id,
                    target_ref=actor_stix_id(actor),
                )
            )
    if location_id is not None:
        out.append(
            _sdo(
                "relationship",
                stix_id("relationship", f"located:{ev.key}|{location_id}"),
                created,
                relationship_type="located-at",
                source_ref=event_id,
                target_ref=location_id,
            )
        )
    return out


# -- reports ---------------------------------------------------------------------------


def outlet_id(name: str) -> str:
    from watchfloor.resolve.actors import normalise_alias

    return stix_id("identity", "outlet:" + (normalise_alias(name) or name))


def outlet_object(name: str) -> dict[str, Any]:
    return _sdo(
        "identity",
        outlet_id(name),
        timestamp(None),
        name=name,
        identity_class="organization",
        sectors=["communications"],
        extensions=_props(kind="media"),
    )


def report_object(doc: DocMeta, refs: list[str]) -> dict[str, Any]:
    return _sdo(
        "report",
        stix_id("report", doc.raw_sha256 or doc.id),
        timestamp(doc.published),
        created_by_ref=outlet_id(doc.publisher) if doc.publisher else None,
        name=doc.title or doc.file,
        report_types=["threat-report"],
        published=timestamp(doc.published),
        object_refs=sorted(set(refs)),
        external_references=[{"source_name": "watchfloor-document", "url": doc.url}] if doc.url else None,
        extensions=_props(file=doc.file, raw_sha256=doc.raw_sha256),
    )


# -- writing ------------------------------------------------------------------------------


@functools.cache
def register_event_type() -> type:
    """Register ``x-watchfloor-event`` with the ``stix2`` library (once) so it can parse it strictly."""
    from stix2.properties import (
        BooleanProperty,
        DictionaryProperty,
        FloatProperty,
        ListProperty,
        StringProperty,
    )
    from stix2.v21 import CustomObject

    props: list[tuple[str, Any]] = [("name", StringProperty(required=True))]
    for name, kind in EVENT_PROPERTIES.items():
        if name == "name":
            continue
        if kind.startswith("dictionary"):
            props.append((name, DictionaryProperty()))
        elif kind.startswith("list of string"):
            props.append((name, ListProperty(StringProperty)))
        elif kind.startswith("list of dictionary"):
            props.append((name, ListProperty(DictionaryProperty)))
        elif kind.startswith("boolean"):
            props.append((name, BooleanProperty()))
        elif kind.startswith("float"):
            props.append((name, FloatProperty(min=0.0, max=1.0)))
        else:
            props.append((name, StringProperty()))

    @CustomObject(EVENT_TYPE, props, extension_name=EVENT_EXTENSION_ID)
    class WatchfloorEvent:
        """The ``x-watchfloor-event`` SDO."""

    return WatchfloorEvent


def check_object(obj: dict[str, Any]) -> None:
    """Parse ``obj`` with the ``stix2`` library (custom content only through the declared extensions)."""
    import stix2
    from stix2.exceptions import STIXError

    register_event_type()
    try:
        # relationships and reports may point at the custom event type: stix2 counts that as custom content
        stix2.parse(obj, allow_custom=obj["type"] in _REFERRING_TYPES)
    except (STIXError, ValueError) as exc:
        raise WatchfloorError(f"STIX object {obj.get('id')} is not valid STIX 2.1: {exc}") from exc


class _Writer:
    def __init__(self, out: TextIO, *, validate: bool) -> None:
        self.out = out
        self.validate = validate
        self.count = 0
        self.seen: set[str] = set()

    def emit(self, obj: dict[str, Any], *, once: bool = True) -> None:
        """Write ``obj``; with ``once`` (objects several events share) only the first time its id comes.

        Per-event objects (the event, its relationships) are unique by construction and not remembered,
        so memory stays bounded by actors, places, outlets and relations, not events.
        """
        if once and obj["id"] in self.seen:
            return
        if self.validate:
            check_object(obj)
        if once:
            self.seen.add(obj["id"])
        self.out.write(("\n  " if self.count == 0 else ",\n  ") + json.dumps(obj, ensure_ascii=False))
        self.count += 1


def _docs_by_key(store: Store, ids: set[str]) -> Iterator[DocMeta]:
    """Document metadata ordered by report key (raw SHA-256, then id): independent of row ids."""
    from watchfloor.export.stream import document_meta

    docs = sorted(document_meta(store, ids).values(), key=lambda d: (d.raw_sha256 or d.id, d.id))
    yield from docs


def fused_grouping(record: FusedRecord) -> dict[str, Any]:
    """A ``grouping`` of a fused event's member events (``--events fused``), with the fused fields in the
    property extension: ``fused_key``, ``reports``, ``grade``, ``reliability``, ``credibility``,
    ``independent_sources``, ``killed``/``injured`` as ``low``/``best``/``high`` with each report's figure."""

    def figure(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        claims = [
            _compact({"event_ref": stix_id(EVENT_TYPE, c.key), "outlet": c.outlet, "low": c.low, "high": c.high})
            for c in value.claims
            if c.key
        ]
        return _compact({"low": value.low, "best": value.best, "high": value.high, "claims": claims})

    return _sdo(
        "grouping",
        stix_id("grouping", "fused:" + record.key),
        timestamp(record.doc.published),
        name="fused event: " + event_name(record.export_event),
        description=f"{record.reports} report(s) of one event, grade {record.grade}",
        context="unspecified",
        object_refs=[stix_id(EVENT_TYPE, m.key) for m in record.members],
        extensions=_props(
            fused_key=record.key,
            reports=record.reports,
            grade=record.grade,
            reliability=record.reliability,
            credibility=record.credibility,
            independent_sources=record.independent_sources,
            killed=figure(record.killed),
            injured=figure(record.injured),
        ),
    )


def write_stix(
    store: Store, path: Path, *, flt: ExportFilter | None = None, validate: bool = False, events: str = "reported"
) -> ExportResult:
    """Write a STIX 2.1 bundle of the events passing ``flt`` (with their actors, places and reports).

    ``events="fused"`` adds one ``grouping`` per fused event passing ``flt``
    (``fused_grouping``) after the reports; the document-level events stay.
    """
    flt = flt or ExportFilter()
    actors = load_actors(store)
    first_seen = actor_first_published(store)
    relations = load_relations(store)
    result = ExportResult(format="stix", path=str(path))
    bundle_id = stix_id("bundle", "export:" + flt.describe())
    with atomic_output(path) as out:
        out.write('{"type": "bundle", "id": ' + json.dumps(bundle_id) + ', "objects": [')
        writer = _Writer(out, validate=validate)
        for obj in definition_objects():
            writer.emit(obj)

        def emit_actor(actor: ActorView) -> None:
            if actor_stix_id(actor) not in writer.seen:
                writer.emit(actor_object(actor, first_published=first_seen.get(actor.id)))

        for ev in iter_export_events(store, flt):
            for ids in ev.view.actors.values():
                for actor_id in ids:
                    if actor_id in actors:
                        emit_actor(actors[actor_id])
            location = location_object(ev.view.location) if ev.view.location else None
            if location is not None:
                writer.emit(location)
            writer.emit(event_object(ev, actors), once=False)
            for rel in event_relationships(ev, actors, location["id"] if location else None):
                writer.emit(rel, once=False)
            result.events += 1
        emitted_actors = {a.id for a in actors.values() if actor_stix_id(a) in writer.seen}
        wanted_actors = set(actors) if flt.is_empty else emitted_actors
        groups: dict[str, list[RelationView]] = {}
        for relation in relations:
            key = relation_key(relation, actors)
            if key is not None and relation.source in wanted_actors and relation.target in wanted_actors:
                groups.setdefault(key, []).append(relation)
        rel_docs = {r.document for group in groups.values() for r in group}
        published = {d.id: d.published for d in _docs_by_key(store, rel_docs)}
        rel_objects = sorted(
            (relationship_object(g, actors, published=published) for g in groups.values()), key=lambda o: str(o["id"])
        )
        for actor in sorted((actors[a] for a in wanted_actors), key=actor_stix_id):
            emit_actor(actor)
        event_docs = event_documents(store, flt)
        doc_refs: dict[str, list[str]] = {doc: [] for doc in event_docs}
        for obj, group in zip(rel_objects, _groups_in_order(rel_objects, groups), strict=True):
            writer.emit(obj)
            for relation in group:
                doc_refs.setdefault(relation.document, []).append(obj["id"])
        for actor_id in wanted_actors:
            actor = actors[actor_id]
            for doc in actor.documents:
                if flt.is_empty or doc in event_docs:
                    doc_refs.setdefault(doc, []).append(actor_stix_id(actor))
        for meta in _docs_by_key(store, set(doc_refs)):
            if meta.publisher:
                writer.emit(outlet_object(meta.publisher))
            keys = document_event_keys(store, meta.id, flt) if meta.id in event_docs else []
            refs = doc_refs[meta.id] + [stix_id(EVENT_TYPE, key) for key in keys]
            writer.emit(report_object(meta, refs))
        if events == "fused":
            from watchfloor.export.fused import iter_fused_records

            for record in iter_fused_records(store, flt):
                if record.fused:
                    writer.emit(fused_grouping(record), once=False)
        out.write("\n]}\n" if writer.count else "]}\n")
    result.records = writer.count
    log.info("wrote %s: %d STIX objects, %d events", path, result.records, result.events)
    return result


def _groups_in_order(objects: list[dict[str, Any]], groups: dict[str, list[RelationView]]) -> list[list[RelationView]]:
    by_id = {stix_id("relationship", "relation:" + key): group for key, group in groups.items()}
    return [by_id[str(o["id"])] for o in objects]


def event_stix_id(document_id: str, local_id: str) -> str:
    """The STIX id of a stored event (for callers that know its document and local id)."""
    return stix_id(EVENT_TYPE, event_key(document_id, local_id))
