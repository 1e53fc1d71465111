"""Tests of actor-to-actor relation extraction (``watchfloor.extract.relations``) on sentences written for them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from watchfloor.annotate import to_annotated
from watchfloor.extract.relations import RELATION_TYPES, extract_relations
from watchfloor.models import ActorKind, ActorRecord, ActorSet, Document, Origin, RelationRecord, Span

ACTORS = {
    "akn": (ActorKind.ARMED_GROUP, ["Al-Kataib Nord", "AKN"]),
    "fnl": (ActorKind.ARMED_GROUP, ["Free Northern Legion", "FNL"]),
    "fnl-basra": (ActorKind.ARMED_GROUP, ["FNL-Basra"]),
    "rdf": (ActorKind.ARMED_GROUP, ["Red Dawn Front"]),
    "sbb": (ActorKind.ARMED_GROUP, ["Saraya Bani Bakr"]),
    "hpp": (ActorKind.POLITICAL_PARTY, ["Hizb al-Nur"]),
    "valdoria": (ActorKind.STATE, ["Valdoria"]),
    "kudra": (ActorKind.PERSON, ["Samir Kudra", "Kudra"]),
    "osei": (ActorKind.PERSON, ["Abdel Osei", "Osei"]),
    "tariq": (ActorKind.PERSON, ["Tariq Mansour"]),
}


def actor_set(text: str) -> ActorSet:
    """Hand-built actors: every alias of ``ACTORS`` found in ``text`` (longest first, no overlaps)."""
    taken: list[tuple[int, int]] = []
    actors: list[ActorRecord] = []
    pairs = [(alias, lid) for lid, (_, aliases) in ACTORS.items() for alias in aliases]
    order = sorted(pairs, key=lambda x: -len(x[0]))
    spans: dict[str, list[Span]] = {lid: [] for lid in ACTORS}
    for alias, lid in order:
        for m in re.finditer(r"(?<![\w-])" + re.escape(alias) + r"(?![\w-])", text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            spans[lid].append(Span(m.start(), m.end(), m.group()))
    for lid, (kind, aliases) in ACTORS.items():
        actors.append(ActorRecord(local_id=lid, name=aliases[0], kind=kind, aliases=aliases, mentions=spans[lid]))
    return ActorSet(actors)


def relations(nlp, text: str) -> set[tuple[str, str, str, str | None]]:  # type: ignore[no-untyped-def]
    doc = Document(id="r", file_name="r.txt", source="r.txt", origin=Origin.FILE, text=text, raw_sha256="",
                   published=dt.date(2020, 1, 1))
    found = extract_relations(to_annotated(doc, nlp(text)), actors=actor_set(text))
    for rel in found:
        check_record(rel)
    return {(r.type, r.source, r.target, r.status) for r in found}


def check_record(rel: RelationRecord) -> None:
    assert rel.type in RELATION_TYPES
    assert rel.claims and rel.claims[0].extractor == "rules.v1"
    assert rel.claims[0].evidence.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Red Dawn Front, the FNL affiliate in the south, grew quickly last year.",
         ("affiliate_of", "rdf", "fnl", None)),
        ("It recruits alongside Saraya Bani Bakr, the largest faction of the Free Northern Legion in the east.",
         ("faction_of", "sbb", "fnl", None)),
        ("The attacks were carried out by the Red Dawn Front, led by Samir Kudra, in the autumn.",
         ("leads", "kudra", "rdf", None)),
        ("The decision was announced by the leader of Hizb al-Nur party Tariq Mansour on Monday.",
         ("leads", "tariq", "hpp", None)),
        ("Abdel Osei, the former chief of the Red Dawn Front, was arrested in Basra.",
         ("member_of", "osei", "rdf", "former")),
        ("Police named the suspect as an AKN commander named Samir Kudra.",
         ("member_of", "kudra", "akn", None)),
        ("Samir Kudra declared allegiance to the FNL in a video.",
         ("allegiance_to", "kudra", "fnl", None)),
        ("Investigators said Abdel Osei had been in contact with Samir Kudra for months.",
         ("contact_with", "osei", "kudra", None)),
        ("Under questioning, Abdel Osei said he had managed to recruit 40 young men for AKN.",
         ("recruits_for", "osei", "akn", None)),
        ("Reports said that Valdoria allegedly turned a blind eye to AKN fighters crossing the border.",
         ("supports", "valdoria", "akn", "alleged")),
    ],
)
def test_single_pattern(nlp, text: str, expected: tuple[str, str, str, str | None]) -> None:  # type: ignore[no-untyped-def]
    assert expected in relations(nlp, text)


def test_support_list_and_parent_group(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("In the north, AKN has gained the support of local factions such as Saraya Bani Bakr, FNL-Basra and "
            "the Red Dawn Front, the most powerful faction of the Free Northern Legion.")
    found = relations(nlp, text)
    for supporter in ("sbb", "fnl-basra", "rdf"):
        assert ("supports", supporter, "akn", None) in found
    assert ("supports", "fnl", "akn", None) not in found
    assert ("faction_of", "rdf", "fnl", None) in found
    assert ("faction_of", "fnl-basra", "fnl", None) in found  # named after its parent


def test_ties_to_a_list_skip_the_named_leader(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "AKN also has ties to the Red Dawn Front, led by Samir Kudra, and Saraya Bani Bakr."
    found = relations(nlp, text)
    assert ("allied_with", "akn", "rdf", None) in found
    assert ("allied_with", "akn", "sbb", None) in found
    assert not any(t == "allied_with" and "kudra" in (s, o) for t, s, o, _ in found)


def test_rivalry_and_resistance(nlp) -> None:  # type: ignore[no-untyped-def]
    found = relations(nlp, "The rivalry between AKN and the FNL has turned violent in Mosul.")
    assert any(t == "rival_of" and {s, o} == {"akn", "fnl"} for t, s, o, _ in found)
    found = relations(nlp, "In May, AKN distributed leaflets calling on young men to resist the Red Dawn Front.")
    assert any(t == "rival_of" and {s, o} == {"akn", "rdf"} for t, s, o, _ in found)


def test_person_who_switched_sides_was_a_former_member(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Officials said that Samir Kudra, a prominent FNL commander, has switched allegiance to AKN."
    found = relations(nlp, text)
    assert ("member_of", "kudra", "fnl", "former") in found
    assert ("allegiance_to", "kudra", "akn", None) in found


def test_no_actors_no_relations(nlp) -> None:  # type: ignore[no-untyped-def]
    assert relations(nlp, "The weather was mild and the markets were open all week.") == set()
