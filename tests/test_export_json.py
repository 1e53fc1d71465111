"""watchfloor-json/1 export: layout, string ids that cross-reference, evidence offsets into the
document text, native event types mapped onto gold types, streaming to a file, and that the
project's own scorer (``watchfloor.evaluate``) reads and matches what the export writes."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from watchfloor.evaluate.formats import GoldFile, parse_export
from watchfloor.evaluate.scoring import evaluate_export
from watchfloor.export.wfjson import FORMAT, write_wfjson
from watchfloor.models import (
    ActorKind,
    ActorRecord,
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
from watchfloor.settings import Settings
from watchfloor.store.repository import Store

TEXT = (
    "A suicide bomber from the Northern Front struck a market in Riverton on March 3, "
    "killing at least 12 people and wounding more than 30, according to Example Wire. "
    "The Northern Front (NF) is an affiliate of the Red Banner."
)


def _span(fragment: str) -> Span:
    start = TEXT.index(fragment)
    return Span(start, start + len(fragment), fragment)


@pytest.fixture
def extraction() -> Extraction:
    """One synthetic report: two armed groups, a suicide bombing with figures, a place, a cited
    outlet and its evidence sentence, and an affiliate_of relation."""
    first_sentence = TEXT[: TEXT.index("Example Wire.") + len("Example Wire.")]
    group = ActorRecord(
        "a1", "Northern Front", ActorKind.ARMED_GROUP, ["Northern Front", "NF"], mentions=[_span("Northern Front")]
    )
    parent = ActorRecord("a2", "Red Banner", ActorKind.ARMED_GROUP, ["Red Banner"], mentions=[_span("Red Banner")])
    event = EventRecord(
        local_id="e1",
        type="suicide_attack",
        date=TimeValue("2021-03-03", Precision.DAY, dt.date(2021, 3, 3), dt.date(2021, 3, 3)),
        location=PlaceRef(
            name="Riverton",
            admin2="River District",
            admin1="North Province",
            country="XK",
            lat=1.5,
            lon=2.5,
            precision=1,
        ),
        participants={"perpetrator": ["a1"]},
        killed=Quantity(12, Qualifier.AT_LEAST),
        injured=Quantity(30, Qualifier.MORE_THAN),
        suicide=True,
        target_type="civilians",
        claims=[
            Claim(
                evidence=Span(0, len(first_sentence), first_sentence),
                sources=[Citation(outlet="Example Wire", date=dt.date(2021, 3, 4))],
            )
        ],
    )
    relation = RelationRecord(
        "r1", "affiliate_of", "a1", "a2", claims=[Claim(evidence=_span("The Northern Front (NF) is an affiliate"))]
    )
    document = Document(
        id="sha-abc",
        file_name="riverton.txt",
        source="/in/riverton.txt",
        origin=Origin.FILE,
        text=TEXT,
        raw_sha256="0" * 64,
        title="Bombing in Riverton",
        publisher="Example Institute",
        published=dt.date(2021, 3, 5),
        published_method=DateMethod.DATELINE,
    )
    return Extraction(document=document, mentions=[], actors=[group, parent], events=[event], relations=[relation])


@pytest.fixture
def store(settings: Settings, extraction: Extraction) -> Iterator[Store]:
    """A temp SQLite store holding the synthetic report."""
    with Store.open(settings.database_url) as opened:
        opened.write_extraction(extraction)
        yield opened


def _export(store: Store) -> dict[str, Any]:
    buffer = io.StringIO()
    write_wfjson(store, buffer)
    return json.loads(buffer.getvalue())


def test_layout_ids_and_offsets(store: Store) -> None:
    data = _export(store)
    assert data["format"] == FORMAT
    [doc] = data["documents"]
    assert (doc["id"], doc["file"], doc["published"], doc["publisher"]) == (
        "sha-abc",
        "riverton.txt",
        "2021-03-05",
        "Example Institute",
    )
    assert doc["text"] == TEXT
    actors = {a["id"]: a for a in data["actors"]}
    assert all(isinstance(i, str) for i in actors)
    [event] = data["events"]
    assert (event["type"], event["subtype"], event["native_type"]) == ("attack", "suicide_attack", "suicide_attack")
    assert (event["date"], event["date_precision"]) == ("2021-03-03", "day")
    assert event["location"] == {
        "name": "Riverton",
        "admin2": "River District",
        "admin1": "North Province",
        "country": "XK",
        "lat": 1.5,
        "lon": 2.5,
        "precision": 1,
    }
    [perpetrator] = event["actors"]["perpetrator"]
    assert actors[perpetrator]["name"] == "Northern Front" and "NF" in actors[perpetrator]["aliases"]
    assert actors[perpetrator]["documents"] == ["sha-abc"]
    assert event["killed"] == {"value": 12, "qualifier": "at_least"}
    assert event["injured"] == {"value": 30, "qualifier": "more_than"}
    assert event["suicide"] is True and event["target_type"] == "civilians"
    assert [(s["outlet"], s["date"]) for s in event["sources"]] == [("Example Wire", "2021-03-04")]
    for record in [event, *data["relations"]]:
        for evidence in record["evidence"]:
            assert evidence["document"] == "sha-abc"
            assert TEXT[evidence["start"] : evidence["end"]] == evidence["text"]
    [relation] = data["relations"]
    assert actors[relation["source"]]["name"] == "Northern Front"
    assert actors[relation["target"]]["name"] == "Red Banner"


def test_file_output_matches_stream(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out" / "export.json"
    out.parent.mkdir()
    counts = write_wfjson(store, out)
    assert (counts.documents, counts.actors, counts.events, counts.relations) == (1, 2, 1, 1)
    assert json.loads(out.read_text(encoding="utf-8")) == _export(store)
    assert [p.name for p in out.parent.iterdir()] == ["export.json"]  # no temporary file left behind


def test_empty_store_exports_valid_json(settings: Settings) -> None:
    with Store.open(settings.database_url) as empty:
        data = _export(empty)
    assert data == {"format": FORMAT, "documents": [], "actors": [], "events": [], "relations": []}


def test_scorer_reads_and_matches_the_export(store: Store) -> None:
    system = parse_export(_export(store))
    gold = GoldFile.model_validate(
        {
            "document": {"file": "riverton.txt", "title": "Bombing in Riverton", "published": "2021-03-05"},
            "actors": [
                {"id": "nf", "name": "Northern Front", "kind": "armed_group", "aliases": ["Northern Front", "NF"]},
                {"id": "rb", "name": "Red Banner", "kind": "armed_group", "aliases": ["Red Banner"]},
            ],
            "events": [
                {
                    "id": "ev1",
                    "type": "attack",
                    "date": "2021-03-03",
                    "location": {"name": "Riverton", "admin1": "North Province", "country": "XK"},
                    "actors": {"perpetrator": ["nf"]},
                    "killed": {"value": 12, "qualifier": "at_least"},
                    "injured": {"value": 30, "qualifier": "more_than"},
                    "suicide": True,
                    "sources": [{"outlet": "Example Wire", "date": "2021-03-04"}],
                }
            ],
            "relations": [{"type": "affiliate_of", "source": "nf", "target": "rb"}],
        }
    )
    [score] = evaluate_export(system, [gold]).documents
    tallies = score.tallies()
    for name in (
        "published",
        "title",
        "actors found",
        "aliases merged",
        "events matched",
        "event fields right",
        "cited sources found",
        "relations found",
    ):
        assert tallies[name].hits == tallies[name].total > 0, (name, score)
