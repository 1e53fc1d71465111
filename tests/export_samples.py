"""Synthetic reports for the export and import tests (two documents, no seed text).

``sample_extractions()`` returns two ``Extraction`` objects covering what the
exporters map: armed groups with aliases and a KB id, a state force, a person,
a violent event with coordinates and qualified figures, a kidnapping with a
cited outlet, a month-precision event without coordinates, a non-violent
event, an event without a date, and affiliation relations.
"""

from __future__ import annotations

import datetime as dt

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

TEXT_A = (
    "A suicide bomber from the Northern Front struck a market in Riverton on March 3, "
    "killing at least 12 people and wounding more than 30, according to Example Wire. "
    "The Northern Front (NF) is an affiliate of the Red Banner. "
    "In early April, NF gunmen reportedly kidnapped two engineers near Lakeside. "
    "Army troops clashed with the Red Banner in the hills last year."
)
TEXT_B = (
    "The Red Banner announced that it had recruited fighters in the East, the group's spokesman Omar Test said. "
    "Police arrested five suspected members of the Northern Front in Capital City on 9 May 2021. "
    "Red Banner militants shot dead a policeman in Capital City; no figures were given."
)


def _span(text: str, fragment: str) -> Span:
    start = text.index(fragment)
    return Span(start, start + len(fragment), fragment)


def _day(value: str) -> TimeValue:
    day = dt.date.fromisoformat(value)
    return TimeValue(value, Precision.DAY, day, day)


def _claim(text: str, fragment: str, **kwargs: object) -> Claim:
    return Claim(evidence=_span(text, fragment), **kwargs)  # type: ignore[arg-type]


def document_a() -> Extraction:
    nf = ActorRecord(
        "a1",
        "Northern Front",
        ActorKind.ARMED_GROUP,
        ["Northern Front", "NF"],
        mentions=[_span(TEXT_A, "Northern Front")],
        kb_id="wf:northern-front",
        country="XK",
    )
    rb = ActorRecord("a2", "Red Banner", ActorKind.ARMED_GROUP, ["Red Banner"], mentions=[_span(TEXT_A, "Red Banner")])
    army = ActorRecord("a3", "Kosovo Army", ActorKind.STATE, ["Army"], mentions=[_span(TEXT_A, "Army")], country="XK")
    bombing = EventRecord(
        local_id="e1",
        type="suicide_attack",
        date=_day("2021-03-03"),
        location=PlaceRef(
            name="Riverton",
            admin2="River District",
            admin1="North Province",
            country="XK",
            lat=42.5,
            lon=20.75,
            precision=1,
            gazetteer_id="gn:123",
        ),
        participants={"perpetrator": ["a1"]},
        killed=Quantity(12, Qualifier.AT_LEAST),
        injured=Quantity(30, Qualifier.MORE_THAN),
        suicide=True,
        target="a market",
        target_type="civilians",
        weapons=["explosives"],
        claims=[
            _claim(
                TEXT_A,
                "A suicide bomber from the Northern Front struck a market in Riverton on March 3, killing at least 12 "
                "people and wounding more than 30, according to Example Wire.",
                sources=[Citation(outlet="Example Wire", date=dt.date(2021, 3, 4))],
            )
        ],
    )
    kidnapping = EventRecord(
        local_id="e2",
        type="kidnapping",
        date=TimeValue("2021-04", Precision.PART_OF_MONTH, dt.date(2021, 4, 1), dt.date(2021, 4, 10)),
        location=PlaceRef(name="Lakeside", admin1="North Province", country="XK", lat=42.1, lon=21.0, precision=2),
        participants={"perpetrator": ["a1"]},
        kidnapped=Quantity(2),
        target="two engineers",
        target_type="business",
        certainty=Certainty.REPORTED,
        claims=[
            _claim(
                TEXT_A,
                "In early April, NF gunmen reportedly kidnapped two engineers near Lakeside.",
                certainty=Certainty.REPORTED,
            )
        ],
    )
    clash = EventRecord(
        local_id="e3",
        type="clash",
        date=TimeValue("2020", Precision.YEAR, dt.date(2020, 1, 1), dt.date(2020, 12, 31)),
        location=PlaceRef(admin1="North Province", country="XK", precision=3),
        participants={"actor": ["a3"], "counterpart": ["a2"]},
        claims=[_claim(TEXT_A, "Army troops clashed with the Red Banner in the hills last year.")],
    )
    relation = RelationRecord(
        "r1", "affiliate_of", "a1", "a2", claims=[_claim(TEXT_A, "The Northern Front (NF) is an affiliate")]
    )
    document = Document(
        id="doc-a",
        file_name="riverton.txt",
        source="/in/riverton.txt",
        origin=Origin.FILE,
        text=TEXT_A,
        raw_sha256="a" * 64,
        title="Bombing in Riverton",
        publisher="Example Institute",
        published=dt.date(2021, 4, 20),
        published_method=DateMethod.DATELINE,
        url="https://example.org/riverton",
    )
    return Extraction(
        document=document,
        mentions=[],
        actors=[nf, rb, army],
        events=[bombing, kidnapping, clash],
        relations=[relation],
        extractor="test",
    )


def document_b() -> Extraction:
    rb = ActorRecord(
        "b1", "Red Banner", ActorKind.ARMED_GROUP, ["Red Banner", "RB"], mentions=[_span(TEXT_B, "Red Banner")]
    )
    police = ActorRecord("b2", "Police", ActorKind.STATE, ["Police"], mentions=[_span(TEXT_B, "Police")], country="XK")
    nf = ActorRecord(
        "b3",
        "Northern Front",
        ActorKind.ARMED_GROUP,
        ["Northern Front"],
        mentions=[_span(TEXT_B, "Northern Front")],
        kb_id="wf:northern-front",
    )
    spokesman = ActorRecord("b4", "Omar Test", ActorKind.PERSON, ["Omar Test"], mentions=[_span(TEXT_B, "Omar Test")])
    recruitment = EventRecord(
        local_id="e1",
        type="recruitment",
        participants={"actor": ["b1"]},
        place_text="the East",
        claims=[
            _claim(
                TEXT_B,
                "The Red Banner announced that it had recruited fighters in the East",
                sources=[Citation(person="Omar Test")],
            )
        ],
    )
    arrest = EventRecord(
        local_id="e2",
        type="arrest",
        date=_day("2021-05-09"),
        location=PlaceRef(name="Capital City", admin1="Capital", country="XK", lat=42.66, lon=21.16, precision=1),
        participants={"actor": ["b2"], "target": ["b3"]},
        arrested=Quantity(5),
        claims=[
            _claim(
                TEXT_B, "Police arrested five suspected members of the Northern Front in Capital City on 9 May 2021."
            )
        ],
    )
    shooting = EventRecord(
        local_id="e3",
        type="armed_assault",
        date=_day("2021-05-10"),
        location=PlaceRef(name="Capital City", admin1="Capital", country="XK", lat=42.66, lon=21.16, precision=1),
        participants={"perpetrator": ["b1"], "target": ["b2"]},
        killed=Quantity(1),
        target_type="police",
        weapons=["firearms"],
        claims=[_claim(TEXT_B, "Red Banner militants shot dead a policeman in Capital City")],
    )
    relations = [
        RelationRecord(
            "r1", "leads", "b4", "b1", status="alleged", claims=[_claim(TEXT_B, "the group's spokesman Omar Test")]
        ),
        RelationRecord(
            "r2",
            "rival_of",
            "b1",
            "b3",
            start=TimeValue("2021", Precision.YEAR, dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
        ),
    ]
    document = Document(
        id="doc-b",
        file_name="capital.html",
        source="/in/capital.html",
        origin=Origin.FILE,
        text=TEXT_B,
        raw_sha256="b" * 64,
        title="Arrests in the capital",
        publisher="Capital Times",
        published=dt.date(2021, 5, 11),
        published_method=DateMethod.HTML_META,
    )
    return Extraction(
        document=document,
        mentions=[],
        actors=[rb, police, nf, spokesman],
        events=[recruitment, arrest, shooting],
        relations=relations,
        extractor="test",
    )


def sample_extractions() -> list[Extraction]:
    return [document_a(), document_b()]
