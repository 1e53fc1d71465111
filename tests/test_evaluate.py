"""Gold scoring (``watchfloor.evaluate``): the matching rules of shared/gold/README.md on hand-made data."""

from __future__ import annotations

from typing import Any

import pytest

from watchfloor.evaluate import GoldFile, evaluate_export, parse_export

TEXT = "Gunmen killed at least five villagers near Menaka. Later the army arrested two suspects."


@pytest.fixture
def gold() -> GoldFile:
    """A gold file for one invented report: two actors, two events, one relation."""
    return GoldFile.model_validate(
        {
            "document": {"file": "r.txt", "published": "2023-05-04", "boilerplate": ["Share this"]},
            "actors": [
                {"id": "isgs", "name": "Islamic State Sahel", "kind": "armed_group", "aliases": ["ISGS", "IS Sahel"]},
                {"id": "mali", "name": "Mali", "kind": "state", "aliases": ["Malian army"]},
            ],
            "events": [
                {
                    "id": "g1",
                    "type": "attack",
                    "date": "2023-05-02",
                    "location": {"name": "Menaka", "admin1": "Menaka", "country": "ML"},
                    "actors": {"perpetrator": ["isgs"]},
                    "killed": {"value": 5, "qualifier": "at_least"},
                    "sources": [{"outlet": "AFP", "date": "2023-05-03"}],
                },
                {"id": "g2", "type": "arrest", "date": "2023-05", "location": {"country": "ML"}},
            ],
            "relations": [{"type": "rival_of", "source": "mali", "target": "isgs"}],
        }
    )


def _export(**changes: Any) -> dict[str, Any]:
    event = {
        "id": "1",
        "type": "attack",
        "date": "2023-05-02",
        "location": {"name": "Menaka", "admin1": "Menaka", "country": "ML"},
        "actors": {"perpetrator": ["a1"]},
        "killed": {"value": 5, "qualifier": "at_least"},
        "sources": [{"outlet": "AFP", "date": "2023-05-03"}],
        "evidence": [{"document": "d1", "start": 0, "end": 50, "text": TEXT[:50]}],
    }
    event.update(changes)
    return {
        "documents": [{"id": "d1", "file": "r.txt", "published": "2023-05-04", "text": TEXT}],
        "actors": [
            {"id": "a1", "name": "ISGS", "aliases": ["ISGS", "IS Sahel"], "documents": ["d1"]},
            {"id": "a2", "name": "Malian army", "aliases": ["Malian army"], "documents": ["d1"]},
        ],
        "events": [event],
        "relations": [
            {"type": "rival_of", "source": "a1", "target": "a2", "evidence": [{"document": "d1"}]},
        ],
    }


def test_a_perfect_event_scores_every_field(gold: GoldFile) -> None:
    doc = evaluate_export(parse_export(_export()), [gold]).documents[0]
    assert (doc.published.hits, doc.boilerplate_removed.hits) == (1, 1)
    assert (doc.actors_found.hits, doc.actors_found.total) == (2, 2)
    assert doc.aliases_merged.ratio == 1.0
    assert (doc.events_matched.hits, doc.events_matched.total) == (1, 2)  # the arrest is missing
    assert doc.missed_events == ["g2"]
    assert doc.wrong_fields == []
    assert doc.sources_found.ratio == 1.0
    # rival_of is symmetric: the reversed direction counts
    assert doc.relations_found.ratio == 1.0


def test_wrong_fields_are_named(gold: GoldFile) -> None:
    export = _export(killed={"value": 5, "qualifier": "exact"}, actors={"perpetrator": ["a2"]})
    doc = evaluate_export(parse_export(export), [gold]).documents[0]
    assert set(doc.wrong_fields) == {"g1.killed", "g1.actors.perpetrator"}


@pytest.mark.parametrize(
    ("changes", "matched"),
    [
        ({"date": "2023-05"}, True),  # a prefix of the gold date is compatible
        ({"date": "2023-06-02"}, False),
        ({"type": "airstrike"}, False),
        ({"location": {"country": "NE"}}, False),
    ],
)
def test_event_matching_needs_type_country_and_compatible_dates(
    gold: GoldFile, changes: dict[str, Any], matched: bool
) -> None:
    doc = evaluate_export(parse_export(_export(**changes)), [gold]).documents[0]
    assert ("g1" not in doc.missed_events) is matched


def test_a_missing_document_scores_zero(gold: GoldFile) -> None:
    export = _export()
    export["documents"][0]["file"] = "other.txt"
    doc = evaluate_export(parse_export(export), [gold]).documents[0]
    assert not doc.found
    assert doc.events_matched.hits == 0 and doc.events_matched.total > 0
