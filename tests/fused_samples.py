"""Invented reports for the fused-event tests (export, API, browser): one attack told by three outlets,
a look-alike on another day, and an unrelated arrest elsewhere.

* ``r-wire``, ``r-daily``, ``r-blog``: the 8 March 2024 attack on Maiduguri by Boko Haram, with 12 (at
  least), 15 and 12 killed and 4 injured in one report; the blog's publisher name and evidence carry
  ``<script>`` / ``onerror=`` payloads (they must render as text);
* ``r-later``: the same group and town on 20 March (a look-alike: stays its own fused event);
* ``r-kano``: an arrest in Kano (stays alone).

``fill_fused(store)`` writes them and runs fusion.  No seed or benchmark text is used.
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
    Span,
    TimeValue,
)
from watchfloor.store import Store

HOSTILE_SCRIPT = "<script>window.__pwned = 3</script>"
HOSTILE_IMG = '<img src="y" onerror="window.__pwned = 4">'
HOSTILE_PUBLISHER = f"Borno Blog {HOSTILE_IMG}"

MAIDUGURI = PlaceRef(
    name="Maiduguri", admin2="Maiduguri", admin1="Borno", country="NG", lat=11.85, lon=13.16, precision=1
)
KANO = PlaceRef(name="Kano", admin2="Kano", admin1="Kano", country="NG", lat=12.0, lon=8.52, precision=1)


def _report(
    doc_id: str,
    text: str,
    *,
    publisher: str,
    published: dt.date,
    day: dt.date,
    place: PlaceRef,
    group: str,
    event_type: str = "attack",
    killed: Quantity | None = None,
    injured: Quantity | None = None,
    certainty: Certainty = Certainty.REPORTED,
    cited: str | None = None,
) -> Extraction:
    actor = ActorRecord(
        local_id="a1",
        name=group,
        kind=ActorKind.ARMED_GROUP if event_type != "arrest" else ActorKind.STATE,
        aliases=[group],
        mentions=[Span(text.index(group), text.index(group) + len(group), group)],
    )
    claim = Claim(
        evidence=Span(0, len(text), text),
        sources=[Citation(outlet=cited, date=published)] if cited else [],
        certainty=certainty,
        extractor="invented",
    )
    event = EventRecord(
        local_id="e1",
        type=event_type,
        date=TimeValue(day.isoformat(), Precision.DAY, day, day),
        location=place,
        place_text=place.name,
        participants={"perpetrator" if event_type != "arrest" else "actor": ["a1"]},
        killed=killed,
        injured=injured,
        certainty=certainty,
        claims=[claim],
    )
    document = Document(
        id=doc_id,
        file_name=f"{doc_id}.txt",
        source=f"/invented/{doc_id}.txt",
        origin=Origin.FILE,
        text=text,
        raw_sha256=hashlib.sha256(text.encode()).hexdigest(),
        title=f"Report {doc_id}",
        publisher=publisher,
        published=published,
        published_method=DateMethod.METADATA,
        language="en",
    )
    return Extraction(document=document, mentions=[], actors=[actor], events=[event], extractor="invented")


def fused_extractions() -> list[Extraction]:
    """The five invented reports (stable content, so stable ids and keys)."""
    march8 = dt.date(2024, 3, 8)
    return [
        _report(
            "r-daily",
            "Boko Haram insurgents killed 15 villagers in an attack on Maiduguri on Friday, residents said.",
            publisher="Daily Trust",
            published=dt.date(2024, 3, 9),
            day=march8,
            place=MAIDUGURI,
            group="Boko Haram",
            killed=Quantity(15),
        ),
        _report(
            "r-wire",
            "Boko Haram fighters killed at least 12 people and wounded 4 in Maiduguri on 8 March, Reuters said.",
            publisher="Reuters",
            published=dt.date(2024, 3, 8),
            day=march8,
            place=MAIDUGURI,
            group="Boko Haram",
            killed=Quantity(12, Qualifier.AT_LEAST),
            injured=Quantity(4),
            certainty=Certainty.ASSERTED,
            cited="Reuters",
        ),
        _report(
            "r-blog",
            f"Boko Haram gunmen {HOSTILE_SCRIPT} killed 12 in Maiduguri on 8 March.",
            publisher=HOSTILE_PUBLISHER,
            published=dt.date(2024, 3, 10),
            day=march8,
            place=MAIDUGURI,
            group="Boko Haram",
            killed=Quantity(12),
        ),
        _report(
            "r-later",
            "Boko Haram attacked Maiduguri again on 20 March, killing 3.",
            publisher="Premium Times",
            published=dt.date(2024, 3, 21),
            day=dt.date(2024, 3, 20),
            place=MAIDUGURI,
            group="Boko Haram",
            killed=Quantity(3),
        ),
        _report(
            "r-kano",
            "Nigerian Police arrested six suspects in Kano on 2 April.",
            publisher="Premium Times",
            published=dt.date(2024, 4, 3),
            day=dt.date(2024, 4, 2),
            place=KANO,
            group="Nigerian Police",
            event_type="arrest",
        ),
    ]


def fill_fused(store: Store, *, fuse: bool = True) -> None:
    """Write the invented reports into ``store`` and (by default) run fusion."""
    for extraction in fused_extractions():
        store.write_extraction(extraction)
    if fuse:
        from watchfloor.resolve.fusion import fuse as run_fusion

        run_fusion(store)
