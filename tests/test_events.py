"""Tests of rule-based event extraction (``watchfloor.extract.events``) and the ``extract`` stage entry point.

Texts are written for the tests; actor sets are built by hand (a name -> kind table matched in the text) so the
event rules are tested apart from actor recognition, except in the end-to-end ``extract`` tests.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from watchfloor.annotate import to_annotated
from watchfloor.extract import extract, extractors
from watchfloor.extract.events import extract_events
from watchfloor.models import (
    ActorKind,
    ActorRecord,
    ActorSet,
    Annotated,
    Certainty,
    Document,
    EventRecord,
    Origin,
    Precision,
    Qualifier,
    Span,
)
from watchfloor.settings import Settings

ANCHOR = dt.date(2019, 6, 20)


def make_annotated(nlp, text: str, *, published: dt.date | None = ANCHOR) -> Annotated:  # type: ignore[no-untyped-def]
    """Parse ``text`` into an Annotated document published on ``published``."""
    doc = Document(id="t", file_name="t.txt", source="t.txt", origin=Origin.FILE, text=text, raw_sha256="",
                   published=published)
    return to_annotated(doc, nlp(text))


def actor_set(text: str, table: dict[str, tuple[ActorKind, list[str]]]) -> ActorSet:
    """Actors whose aliases occur in ``text`` (longest alias first, no overlaps)."""
    actors: list[ActorRecord] = []
    taken: list[tuple[int, int]] = []
    for local_id, (kind, aliases) in table.items():
        spans: list[Span] = []
        for alias in sorted(aliases, key=len, reverse=True):
            for m in re.finditer(r"(?<![\w-])" + re.escape(alias) + r"(?![\w-])", text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                spans.append(Span(m.start(), m.end(), m.group()))
        actors.append(ActorRecord(local_id=local_id, name=aliases[0], kind=kind, aliases=aliases, mentions=spans))
    return ActorSet(actors)


GROUPS = {
    "akn": (ActorKind.ARMED_GROUP, ["Al-Kataib Nord", "AKN"]),
    "fnl": (ActorKind.ARMED_GROUP, ["Free Northern Legion", "FNL"]),
    "kudra": (ActorKind.PERSON, ["Samir Kudra", "Kudra"]),
    "osei": (ActorKind.PERSON, ["Abdel Osei", "Osei"]),
    "valdor": (ActorKind.STATE, ["Valdoria"]),
}


def run(nlp, text: str, published: dt.date | None = ANCHOR) -> list[EventRecord]:  # type: ignore[no-untyped-def]
    annotated = make_annotated(nlp, text, published=published)
    return extract_events(annotated, actors=actor_set(text, GROUPS), anchor=published)


def test_dated_suicide_attack_with_figures_place_and_source(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("On March 3, an AKN suicide bomber struck the Grand Mosque in Mosul, killing at least 12 worshippers and "
            "wounding more than 30 others (Reuters, March 4, 2019).")
    events = run(nlp, text)
    assert len(events) == 1
    ev = events[0]
    assert ev.type == "suicide_attack"
    assert ev.date is not None and ev.date.value == "2019-03-03" and ev.date.precision is Precision.DAY
    assert ev.participants.get("perpetrator") == ["akn"]
    assert ev.killed is not None and (ev.killed.value, ev.killed.qualifier) == (12, Qualifier.AT_LEAST)
    assert ev.injured is not None and (ev.injured.value, ev.injured.qualifier) == (30, Qualifier.MORE_THAN)
    assert ev.suicide is True and "explosives" in ev.weapons
    assert ev.target_type == "religious"
    assert ev.place_text == "Mosul"
    assert [(c.outlet, c.date) for c in ev.claims[0].sources] == [("Reuters", dt.date(2019, 3, 4))]
    assert ev.claims[0].extractor == "rules.v1"
    assert ev.claims[0].evidence.text.startswith("On March 3")


def test_anaphoric_attack_merges_and_similar_attack_is_new(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("On April 9, gunmen stormed a police checkpoint in Kirkuk province. The attack killed four officers. "
            "A similar attack took place in Tikrit on April 14, when militants ambushed an army convoy.")
    events = run(nlp, text)
    assert [e.date.value if e.date else None for e in events] == ["2019-04-09", "2019-04-14"]
    first, second = events
    assert len(first.claims) == 2
    assert first.killed is not None and first.killed.value == 4
    assert first.target_type == "police"
    assert second.place_text == "Tikrit"


def test_text_without_events_gives_none(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The region has a long history of trade. Its markets are busy in the summer, and tourism is growing."
    assert run(nlp, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "AKN could attack the embassy in Baghdad on Friday.",
        "The FNL did not attack the base in Mosul on May 2.",
        "The capabilities may enable AKN to launch new attacks on government targets.",
        "AKN has perpetrated many attacks in cities across the north.",
    ],
)
def test_hypothetical_negated_and_generic_statements_are_not_events(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    assert run(nlp, text) == []


def test_enumerated_dated_targets_become_separate_events(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("AKN is notorious for attacks like the ones that targeted the Central Bank in January 2018, "
            "the Police Academy in Basra on May 2, 2018, and the Turkish Consulate in August of that year.")
    events = run(nlp, text)
    assert [e.date.value for e in events if e.date] == ["2018-01", "2018-05-02", "2018-08"]
    assert all(e.participants.get("perpetrator") == ["akn"] for e in events)
    assert [e.target_type for e in events] == ["business", "police", "diplomatic"]


def test_allegiance_pledge_and_defection(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("In February, Samir Kudra, a senior FNL commander, pledged allegiance to AKN. "
            "Abdel Osei has recently switched allegiance to AKN (Reuters, May 30, 2019).")
    events = run(nlp, text)
    kinds = [(e.type, e.date.value if e.date else None) for e in events]
    assert kinds == [("allegiance_pledge", "2019-02"), ("defection", "2019-05")]
    pledge, switch = events
    assert pledge.participants["actor"] == ["kudra"] and pledge.participants["counterpart"] == ["akn"]
    assert switch.participants["to"] == ["akn"]


def test_leader_killed_resolves_pronoun_and_takes_own_date(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Since the death of Samir Kudra in March 2018, Abdel Osei led the group, but he was killed in June 2018."
    events = run(nlp, text)
    assert [(e.type, e.date.value if e.date else None, e.participants.get("actor")) for e in events] == [
        ("leader_killed", "2018-03", ["kudra"]),
        ("leader_killed", "2018-06", ["osei"]),
    ]


def test_undated_group_life_cycle_statement_is_not_an_event(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "AKN, which has sworn allegiance to the FNL, recruits fighters through social media."
    assert run(nlp, text) == []


def test_recent_report_dates_an_undated_event_and_paragraph_continuation_merges(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("In Nineveh province, about 200 young men have reportedly been recruited into AKN. "
            "Local sources say a commander named Abdel Osei recruited dozens more (Rudaw, May 12, 2019).")
    events = run(nlp, text)
    assert len(events) == 1
    ev = events[0]
    assert ev.type == "recruitment"
    assert ev.date is not None and ev.date.value == "2019-05" and ev.date.precision is Precision.MONTH
    assert ev.count is not None and ev.count.value == 200
    assert ev.participants["actor"] == ["akn"]
    assert len(ev.claims) == 2


def test_airstrike_and_propaganda_and_territory(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("In early May, at least six AKN fighters were killed in an airstrike in Qaraj village, in Makhmur. "
            "In April 2019, the FNL released a video showing its training camps. "
            "The group seized control of Hawija district in mid-2017.")
    events = run(nlp, text)
    kinds = [(e.type, e.date.value if e.date else None) for e in events]
    assert kinds == [("airstrike", "2019-05"), ("propaganda", "2019-04"), ("territorial_control", "2017")]
    strike = events[0]
    assert strike.killed is not None and (strike.killed.value, strike.killed.qualifier) == (6, Qualifier.AT_LEAST)
    assert strike.place_text is not None and strike.place_text.startswith("Qaraj village")
    assert events[1].participants["actor"] == ["fnl"]


def test_claimed_attack_and_hedged_certainty(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("On June 2, an apparent car bomb exploded outside the Ministry of Interior in Baghdad, killing nine "
            "people. AKN claimed responsibility for the attack.")
    events = run(nlp, text)
    assert len(events) == 1
    ev = events[0]
    assert ev.claimed is True and ev.attribution == "claimed"
    assert ev.target_type == "government"
    assert ev.certainty in {Certainty.POSSIBLE, Certainty.ALLEGED, Certainty.REPORTED, Certainty.ASSERTED}


def test_footnote_marker_cites_the_paragraph_event(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("In May 2019, the FNL released a video entitled “Dawn”. The footage shows a parade. [1]\n\n"
            "NOTES\n\n[1] Longwar Journal, The Dawn video, May 21, 2019, https://example.org/x\n")
    events = run(nlp, text)
    assert len(events) == 1
    sources = [(c.outlet, c.date) for c in events[0].claims[0].sources]
    assert ("Longwar Journal", dt.date(2019, 5, 21)) in sources


def test_implausible_figure_is_kept(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "On May 5, militants attacked the market in Kano, killing 900000 people."
    events = run(nlp, text)
    assert len(events) == 1
    assert events[0].killed is not None and events[0].killed.value == 900000


def test_lower_case_text_does_not_crash(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("the urban guerrillas kidnapped two businessmen in san salvador yesterday. police said the "
            "kidnapping took place near the cathedral. an army patrol arrested three suspects on 12 may.")
    events = run(nlp, text, published=dt.date(1989, 5, 14))
    assert "kidnapping" in {e.type for e in events}


def test_extract_stage_runs_registered_rules(nlp, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    text = ("On March 3, 2019, Islamic State militants attacked a checkpoint in Kirkuk, killing five soldiers. "
            "The Islamic State, led by Abu Bakr al-Baghdadi, claimed the attack.")
    annotated = make_annotated(nlp, text)
    result = extract(annotated, settings=settings)
    assert "rules.v1" in extractors.names()
    assert result.extractor == "rules.v1"
    ids = {a.local_id for a in result.actors}
    assert result.events and result.events[0].type in {"attack", "armed_assault"}
    for ev in result.events:
        assert all(i in ids for role in ev.participants.values() for i in role)
    for rel in result.relations:
        assert rel.source in ids and rel.target in ids


def test_extract_without_parse_keeps_mentions(nlp, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    annotated = make_annotated(nlp, "Nothing happened.")
    annotated.doc = None
    result = extract(annotated, settings=settings)
    assert result.events == [] and result.relations == []
