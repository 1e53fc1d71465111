"""Import an ACLED-style CSV (ours, or one with ACLED's standard columns) as claims of one synthetic document.

The document's id is the SHA-256 of the file; its text renders every
imported row (a header line, then the row's ``notes``), so each event's claim
evidence is its notes' span.  Actors come from ``actor1``/``assoc_actor_1``
(first side: perpetrator, or actor for non-violent types) and
``actor2``/``assoc_actor_2`` (target / counterpart); their kind from the inter
codes (1 state, 2/4 armed group, 3 political party, other codes organisation).
ACLED's civilian placeholder (``Civilians (Country)``) becomes the event's
target type, not an actor.  The ``tags`` written by watchfloor's ACLED export
(``type=...; injured=...``) restore what ACLED has no column for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from watchfloor.errors import InputError
from watchfloor.export.acled import CIVILIAN_TARGETING
from watchfloor.export.common import country_code
from watchfloor.export.stream import EXT_PREFIX
from watchfloor.importers import ImportProblem, ImportReport, content_id, read_bytes
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
    Span,
    TimeValue,
)
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)

EXTRACTOR = "import.acled.v1"
REQUIRED: tuple[str, ...] = ("event_date", "event_type", "sub_event_type", "actor1", "country")
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%B %d, %Y", "%d/%m/%Y")
_CIVILIANS = re.compile(r"^civilians(\s*\(.*\))?$", re.IGNORECASE)
_QUANTITY = re.compile(r"^(\d+)(?:-(\d+))?(?:\s+([a-z_]+))?$")
_FIRST_SIDE_ROLE = {True: "perpetrator", False: "actor"}
_SECOND_SIDE_ROLE = {True: "target", False: "counterpart"}


def kind_of_inter(code: str) -> ActorKind:
    """Actor kind of an ACLED inter code."""
    code = code.strip()
    if code == "1":
        return ActorKind.STATE
    if code in {"2", "4"}:
        return ActorKind.ARMED_GROUP
    if code == "3":
        return ActorKind.POLITICAL_PARTY
    return ActorKind.ORGANISATION


#: Native type of ACLED (event_type, sub_event_type) pairs several native types share (lower case).
PREFERRED: dict[tuple[str, str], str] = {
    ("violence against civilians", "attack"): "attack",
    ("battles", "armed clash"): "clash",
}
#: Native type of an ACLED event type whose sub-event type has none.
FALLBACK: dict[str, str] = {
    "battles": "clash",
    "explosions/remote violence": "bombing",
    "violence against civilians": "attack",
}


def native_type(event_type: str, sub_event_type: str, tag: str | None) -> str | None:
    """The native type of an ACLED row: the ``type=`` tag when it names one; else the one native type
    mapped to the same (event_type, sub_event_type), or the preferred one when several are; else the
    fallback of the event type.  None when none applies (e.g. Protests, or an ambiguous Strategic
    development without our tag)."""
    from watchfloor.extract.taxonomy import TAXONOMY

    if tag and tag in TAXONOMY:
        return tag
    pair = (event_type.strip().casefold(), sub_event_type.strip().casefold())
    if pair in PREFERRED:
        return PREFERRED[pair]
    matches = [
        name
        for name, t in TAXONOMY.items()
        if ((t.acled_event_type or "").casefold(), (t.acled_sub_event_type or "").casefold()) == pair
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        return None
    return FALLBACK.get(pair[0])


def parse_date(text: str) -> dt.date:
    value = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"bad event_date {text!r} (expected YYYY-MM-DD or DD Month YYYY)")


def _month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def time_value(day: dt.date, time_precision: str, tag: str | None) -> TimeValue:
    """The event date from ``event_date``, ``time_precision`` and an optional ``date=VALUE PRECISION`` tag."""
    if tag:
        value, _, prec = tag.partition(" ")
        try:
            precision = Precision(prec.strip())
        except ValueError:
            precision = Precision.MONTH
        end = {
            Precision.YEAR: dt.date(day.year, 12, 31),
            Precision.MONTH: _month_end(day),
            Precision.PART_OF_MONTH: min(day + dt.timedelta(days=9), _month_end(day)),
            Precision.SEASON: day + dt.timedelta(days=89),
        }.get(precision, day)
        return TimeValue(value=value.strip(), precision=precision, start=day, end=end)
    code = time_precision.strip()
    if code == "2":
        return TimeValue(
            day.strftime("%Y-%m"), Precision.PART_OF_MONTH, day, min(day + dt.timedelta(days=6), _month_end(day))
        )
    if code == "3":
        return TimeValue(day.strftime("%Y-%m"), Precision.MONTH, day, _month_end(day))
    return TimeValue(day.isoformat(), Precision.DAY, day, day)


def parse_quantity(text: str) -> Quantity:
    match = _QUANTITY.match(text.strip())
    if match is None:
        raise ValueError(f"bad figure {text!r}")
    qualifier = Qualifier(match.group(3)) if match.group(3) else Qualifier.EXACT
    high = int(match.group(2)) if match.group(2) else None
    return Quantity(value=int(match.group(1)), qualifier=qualifier, high=high)


def parse_tags(text: str) -> dict[str, str]:
    """``key=value`` items of the tags column (items without ``=`` are ignored)."""
    tags: dict[str, str] = {}
    for item in text.split(";"):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            tags[key.strip()] = value.strip()
    return tags


def _float(text: str, column: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"bad {column} {text!r}") from None


@dataclass(slots=True)
class _Builder:
    """Accumulates the rendered text, the actors and the events of one file."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    actors: dict[tuple[str, ActorKind], ActorRecord] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)

    def add(self, text: str) -> Span:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return Span(start, start + len(text), text)

    def actor(self, name: str, kind: ActorKind, mention: Span | None) -> str:
        key = (name, kind)
        record = self.actors.get(key)
        if record is None:
            record = ActorRecord(local_id=f"a{len(self.actors) + 1}", name=name, kind=kind, aliases=[name])
            self.actors[key] = record
        if mention is not None:
            record.mentions.append(mention)
        return record.local_id

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _names(main: str, assoc: str) -> list[str]:
    names = [main.strip()] if main.strip() else []
    names += [n.strip() for n in assoc.split(";") if n.strip()]
    return list(dict.fromkeys(names))


def _row_event(row: dict[str, str], number: int, builder: _Builder, seen: set[str]) -> EventRecord:
    """One row as an event (``ValueError`` naming the problem when the row is unusable)."""
    from watchfloor.extract.taxonomy import Family, family

    tags = parse_tags(row.get("tags", ""))
    kind = native_type(row["event_type"], row["sub_event_type"], tags.get("type"))
    if kind is None:
        raise ValueError(
            f"event type {row['event_type']!r}/{row['sub_event_type']!r} maps to no single watchfloor type"
        )
    ref = row.get("event_id_cnty", "").strip() or f"ROW{number}"
    if ref in seen:
        raise ValueError(f"duplicate event_id_cnty {ref!r}")
    date_text = row["event_date"].strip()
    date = time_value(parse_date(date_text), row.get("time_precision", ""), tags.get("date")) if date_text else None
    lat, lon = _float(row.get("latitude", ""), "latitude"), _float(row.get("longitude", ""), "longitude")
    iso2 = country_code(name=row.get("country"), numeric=row.get("iso"))
    precision_text = row.get("geo_precision", "").strip()
    if precision_text and precision_text not in {"1", "2", "3"}:
        raise ValueError(f"bad geo_precision {precision_text!r}")
    fatalities_text = row.get("fatalities", "").strip() or "0"
    if not fatalities_text.isdigit():
        raise ValueError(f"bad fatalities {fatalities_text!r}")
    killed = parse_quantity(tags["killed"]) if "killed" in tags else None
    if killed is None and int(fatalities_text) > 0:
        killed = Quantity(int(fatalities_text))
    quantities = {
        name: parse_quantity(tags[name]) for name in ("injured", "arrested", "kidnapped", "count") if name in tags
    }
    certainty = Certainty(tags["certainty"]) if "certainty" in tags else Certainty.ASSERTED
    seen.add(ref)

    violent = family(kind) is Family.VIOLENCE
    side1 = _names(row["actor1"], row.get("assoc_actor_1", ""))
    side2 = _names(row.get("actor2", ""), row.get("assoc_actor_2", ""))
    civilians = any(_CIVILIANS.match(n) for n in side2)
    side2 = [n for n in side2 if not _CIVILIANS.match(n)]
    builder.add(f"[row {number}] {ref} {date_text} {row['event_type']} / {row['sub_event_type']}: ")
    participants: dict[str, list[str]] = {}
    kind1, kind2 = kind_of_inter(row.get("inter1", "")), kind_of_inter(row.get("inter2", ""))
    for names, actor_kind, role in (
        (side1, kind1, _FIRST_SIDE_ROLE[violent]),
        (side2, kind2, _SECOND_SIDE_ROLE[violent]),
    ):
        for i, name in enumerate(names):
            if i:
                builder.add(", ")
            mention = builder.add(name)
            participants.setdefault(role, []).append(builder.actor(name, actor_kind, mention))
        builder.add(" / " if role in {"perpetrator", "actor"} else "")
    where = ", ".join(x for x in (row.get("location", ""), row.get("admin1", ""), row.get("country", "")) if x.strip())
    builder.add(f" at {where}\n" if where else "\n")
    notes = " ".join(row.get("notes", "").split())
    evidence = builder.add(notes)
    builder.add("\n\n")
    sources = [Citation(outlet=s.strip()) for s in row.get("source", "").split(";") if s.strip()]
    target_type = tags.get("target_type")
    if civilians or row.get("civilian_targeting", "").strip() == CIVILIAN_TARGETING:
        target_type = "civilians"
    record = EventRecord(
        local_id=EXT_PREFIX + ref,
        type=kind,
        subtype=tags.get("subtype"),
        date=date,
        location=PlaceRef(
            name=row.get("location", "").strip() or None,
            admin2=row.get("admin2", "").strip() or None,
            admin1=row.get("admin1", "").strip() or None,
            country=iso2,
            lat=lat,
            lon=lon,
            precision=int(precision_text) if precision_text else None,
        ),
        place_text=row.get("location", "").strip() or None,
        participants=participants,
        killed=killed,
        suicide={"yes": True, "no": False}.get(tags.get("suicide", "")),
        claimed={"yes": True, "no": False}.get(tags.get("claimed", "")),
        attribution=tags.get("attribution"),
        target=tags.get("target"),
        target_type=target_type,
        weapons=[w for w in tags.get("weapons", "").split(",") if w],
        certainty=certainty,
        claims=[Claim(evidence=evidence, sources=sources, certainty=certainty, extractor=EXTRACTOR)],
    )
    for name, quantity in quantities.items():
        setattr(record, name, quantity)
    return record


def import_acled(store: Store, path: Path) -> ImportReport:
    """Import an ACLED-style CSV into ``store`` as one synthetic document."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(str(path), f"not an ACLED-style CSV: missing column(s) {', '.join(missing)}")
    report = ImportReport(path=str(path))
    builder = _Builder()
    builder.add(f"ACLED-style events imported from {path.name}\n\n")
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=1):
        row = {k.strip(): (v if isinstance(v, str) else "") for k, v in raw.items() if k is not None}
        try:  # every check runs before the row touches the rendering
            builder.events.append(_row_event(row, number, builder, seen))
        except (ValueError, KeyError) as exc:
            report.problems.append(ImportProblem(f"row {number}", str(exc).strip("'\"")))
    if not builder.events:
        report.problems.append(ImportProblem(path.name, "no events imported"))
        return report
    doc_id = content_id(data)
    document = Document(
        id=doc_id,
        file_name=path.name,
        source=str(path),
        origin=Origin.FILE,
        text=builder.text,
        raw_sha256=doc_id,
        title=f"ACLED-style events imported from {path.name}",
        published_method=DateMethod.NONE,
    )
    actors = [a for a in builder.actors.values() if a.mentions]
    extraction = Extraction(document=document, mentions=[], actors=actors, events=builder.events, extractor=EXTRACTOR)
    result = store.write_extraction(extraction)
    (report.documents if result.created else report.unchanged).append(doc_id)
    report.events, report.actors = result.events, len(actors)
    log.info("%s: %d events, %d problems", path, report.events, len(report.problems))
    return report
