"""Invented reports for the workbench tests (API, properties, browser): built as ``Extraction`` objects.

Four short reports in three countries, with actors, a relation, cited
sources of different grades, hedged and plain claims, and one hostile report
whose text, actor name and evidence carry ``<script>`` and ``onerror=``
payloads (they must render as text).
"""

from __future__ import annotations

import datetime as dt
import hashlib

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
from watchfloor.store import Store

HOSTILE_SCRIPT = "<script>window.__pwned = 1</script>"
HOSTILE_IMG = '<img src="x" onerror="window.__pwned = 2">'


def _doc(name: str, text: str, *, published: dt.date, publisher: str) -> Document:
    return Document(
        id=hashlib.sha256(text.encode()).hexdigest()[:32],
        file_name=name,
        source=f"/invented/{name}",
        origin=Origin.FILE,
        text=text,
        raw_sha256=hashlib.sha256(text.encode()).hexdigest(),
        title=name.removesuffix(".txt").replace("_", " ").title(),
        publisher=publisher,
        language="en",
        published=published,
        published_method=DateMethod.DATELINE,
    )


def _span(text: str, sentence: str) -> Span:
    start = text.index(sentence)
    return Span(start=start, end=start + len(sentence), text=sentence)


def _day(value: dt.date) -> TimeValue:
    return TimeValue(value=value.isoformat(), precision=Precision.DAY, start=value, end=value)


def _report(
    name: str,
    sentences: list[str],
    *,
    published: dt.date,
    publisher: str,
    actors: list[ActorRecord],
    event_type: str,
    when: dt.date,
    place: PlaceRef,
    killed: int | None,
    certainty: Certainty,
    outlet: str | None,
    participants: dict[str, list[str]],
    relations: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> Extraction:
    text = " ".join(sentences)
    doc = _doc(name, text, published=published, publisher=publisher)
    sources = [Citation(outlet=outlet, date=published, text=f"according to {outlet}")] if outlet else []
    claims = [
        Claim(
            evidence=_span(text, sentence),
            sources=sources,
            certainty=certainty if i == 0 else Certainty.ASSERTED,
            extractor="invented",
            values={"type": event_type} if i == 0 else {"sentence": i},
        )
        for i, sentence in enumerate(sentences[:2])
    ]
    event = EventRecord(
        local_id="e1",
        type=event_type,
        date=_day(when),
        location=place,
        place_text=place.name,
        participants=participants,
        killed=Quantity(value=killed, qualifier=Qualifier.AT_LEAST) if killed is not None else None,
        certainty=certainty,
        claims=claims,
    )
    relation_records = [
        RelationRecord(
            local_id=f"r{i}",
            type=rel_type,
            source=src,
            target=dst,
            claims=[Claim(evidence=_span(text, sentences[-1]), certainty=Certainty.REPORTED, extractor="invented")],
        )
        for i, (src, dst, rel_type) in enumerate(relations)
    ]
    return Extraction(
        document=doc, mentions=[], actors=actors, events=[event], relations=relation_records, extractor="invented"
    )


def invented_reports() -> list[Extraction]:
    """The four invented reports (stable content, so stable document ids)."""
    kabul = PlaceRef(name="Kabul", admin1="Kabul", country="AF", lat=34.53, lon=69.17, precision=1)
    jalalabad = PlaceRef(name="Jalalabad", admin1="Nangarhar", country="AF", lat=34.43, lon=70.45, precision=1)
    mogadishu = PlaceRef(name="Mogadishu", admin1="Banaadir", country="SO", lat=2.04, lon=45.34, precision=1)
    gao = PlaceRef(name="Gao", admin1="Gao", country="ML", lat=16.27, lon=-0.04, precision=1)
    iskp = ActorRecord(
        local_id="a1", name="Islamic State Khorasan Province", kind=ActorKind.ARMED_GROUP, aliases=["ISKP"]
    )
    iskp2 = ActorRecord(local_id="a1", name="ISKP", kind=ActorKind.ARMED_GROUP, aliases=["IS-K"])
    police = ActorRecord(local_id="a2", name="Afghan police", kind=ActorKind.STATE, country="AF")
    shabaab = ActorRecord(local_id="a1", name="al-Shabaab", kind=ActorKind.ARMED_GROUP)
    aqim = ActorRecord(local_id="a2", name="al-Qaeda", kind=ActorKind.ARMED_GROUP)
    hostile_actor = ActorRecord(local_id="a1", name=f"Brigade {HOSTILE_SCRIPT}", kind=ActorKind.ARMED_GROUP)
    return [
        _report(
            "kabul_bombing.txt",
            [
                "A suicide bomber killed at least 12 people near a police post in Kabul on 3 March 2024.",
                "Islamic State Khorasan Province claimed the attack, Reuters reported.",
                "Police said the area was sealed off.",
            ],
            published=dt.date(2024, 3, 4),
            publisher="Reuters",
            actors=[iskp, police],
            event_type="bombing",
            when=dt.date(2024, 3, 3),
            place=kabul,
            killed=12,
            certainty=Certainty.REPORTED,
            outlet="Reuters",
            participants={"perpetrator": ["a1"], "target": ["a2"]},
        ),
        _report(
            "jalalabad_clash.txt",
            [
                "Gunmen reportedly attacked a checkpoint in Jalalabad on 20 April 2024, killing 3 officers.",
                "ISKP was blamed for the raid by local officials.",
                "The group is said to have ties to fighters across the border.",
            ],
            published=dt.date(2024, 4, 21),
            publisher="Pajhwok",
            actors=[iskp2, police],
            event_type="armed_clash",
            when=dt.date(2024, 4, 20),
            place=jalalabad,
            killed=3,
            certainty=Certainty.ALLEGED,
            outlet=None,
            participants={"perpetrator": ["a1"], "target": ["a2"]},
        ),
        _report(
            "mogadishu_attack.txt",
            [
                "Al-Shabaab fighters stormed a hotel in Mogadishu on 9 June 2024 and killed at least 20 people.",
                "The Associated Press confirmed the toll with hospital staff.",
                "Al-Shabaab is an affiliate of al-Qaeda.",
            ],
            published=dt.date(2024, 6, 10),
            publisher="Associated Press",
            actors=[shabaab, aqim],
            event_type="armed_assault",
            when=dt.date(2024, 6, 9),
            place=mogadishu,
            killed=20,
            certainty=Certainty.ASSERTED,
            outlet="Associated Press",
            participants={"perpetrator": ["a1"]},
            relations=[("a1", "a2", "affiliate_of")],
        ),
        _report(
            "gao_hostile.txt",
            [
                f"Fighters of Brigade {HOSTILE_SCRIPT} abducted 5 traders near Gao on 15 August 2024.",
                f"A local blog {HOSTILE_IMG} carried the claim.",
                "No group has confirmed it.",
            ],
            published=dt.date(2024, 8, 16),
            publisher="Unknown Blog",
            actors=[hostile_actor],
            event_type="abduction",
            when=dt.date(2024, 8, 15),
            place=gao,
            killed=None,
            certainty=Certainty.POSSIBLE,
            outlet="Unknown Blog",
            participants={"perpetrator": ["a1"]},
        ),
    ]


def fill_store(store: Store) -> None:
    """Write the invented reports into ``store``."""
    for extraction in invented_reports():
        store.write_extraction(extraction)
