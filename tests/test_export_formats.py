"""Exports into the field's formats: ACLED-style and GTD-style CSV (columns, code lists, which events),
STIX 2.1 (validated with stix2-validator and the stix2 library, deterministic ids), GeoJSON, GraphML,
JSON Lines, the event filters, and the ``export`` command function."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from export_samples import sample_extractions
from watchfloor.errors import ConfigError
from watchfloor.export import FORMATS, run_export
from watchfloor.export.acled import COLUMNS as ACLED_COLUMNS
from watchfloor.export.filters import ExportFilter, make_filter, resolve_actor
from watchfloor.export.gtd import ATTACK_TYPES, TARGET_TYPES, WEAPON_TYPES
from watchfloor.export.gtd import COLUMNS as GTD_COLUMNS
from watchfloor.export.gtd import FUSED_COLUMNS as GTD_FUSED_COLUMNS
from watchfloor.export.stix import EVENT_EXTENSION_ID, EVENT_TYPE, PROPERTY_EXTENSION_ID
from watchfloor.store.repository import Store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A temp SQLite store holding the two synthetic reports of ``export_samples`` (shared: tests only read it)."""
    with Store.open(f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.db'}") as opened:
        for extraction in sample_extractions():
            opened.write_extraction(extraction)
        yield opened


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _by_type(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {dict(t.split("=", 1) for t in r["tags"].split("; "))["type"]: r for r in rows}


def test_acled_columns_codes_and_rows(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "acled.csv"
    result = run_export(store, path, format="acled")
    assert result.events == 6
    with path.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == list(ACLED_COLUMNS)
    rows = _by_type(_csv(path))
    bomb = rows["suicide_attack"]
    assert (bomb["event_type"], bomb["sub_event_type"]) == ("Explosions/Remote violence", "Suicide bomb")
    assert bomb["disorder_type"] == "Political violence"
    assert (bomb["actor1"], bomb["inter1"], bomb["actor2"], bomb["inter2"]) == (
        "Northern Front",
        "2",
        "Civilians (Kosovo)",
        "7",
    )
    assert (bomb["interaction"], bomb["civilian_targeting"]) == ("27", "Civilian targeting")
    assert (bomb["event_date"], bomb["year"], bomb["time_precision"]) == ("2021-03-03", "2021", "1")
    assert (bomb["country"], bomb["region"], bomb["admin1"], bomb["admin2"], bomb["location"]) == (
        "Kosovo",
        "Europe",
        "North Province",
        "River District",
        "Riverton",
    )
    assert (bomb["latitude"], bomb["longitude"], bomb["geo_precision"]) == ("42.5000", "20.7500", "1")
    assert (bomb["fatalities"], bomb["source"]) == ("12", "Example Wire")
    assert bomb["notes"].startswith("A suicide bomber from the Northern Front")
    assert "killed=12 at_least" in bomb["tags"] and "injured=30 more_than" in bomb["tags"]
    assert rows["kidnapping"]["time_precision"] == "2" and rows["kidnapping"]["geo_precision"] == "2"
    clash = rows["clash"]
    assert (clash["time_precision"], clash["actor1"], clash["inter1"], clash["actor2"], clash["inter2"]) == (
        "3",
        "Kosovo Army",
        "1",
        "Red Banner",
        "2",
    )
    assert clash["interaction"] == "12"
    arrest = rows["arrest"]
    assert (arrest["event_type"], arrest["sub_event_type"], arrest["disorder_type"]) == (
        "Strategic developments",
        "Arrests",
        "Strategic developments",
    )
    assert arrest["source"] == "Capital Times"  # no cited outlet: the publishing outlet
    recruitment = rows["recruitment"]
    assert recruitment["event_date"] == "" and recruitment["source"] == "Omar Test"
    assert rows["armed_assault"]["iso"] == ""  # Kosovo has no ISO numeric code


def test_event_ids_do_not_depend_on_row_ids(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    run_export(store, first, format="acled")
    with Store.open(f"sqlite:///{tmp_path / 'reversed.db'}") as other:
        for extraction in reversed(sample_extractions()):
            other.write_extraction(extraction)
        second = tmp_path / "b.csv"
        run_export(other, second, format="acled")
    assert sorted(map(tuple, (r.values() for r in _csv(first)))) == sorted(
        map(tuple, (r.values() for r in _csv(second)))
    )
    again = tmp_path / "again.csv"
    run_export(store, again, format="acled")
    assert again.read_bytes() == first.read_bytes()


def test_gtd_only_violent_non_state_events_with_gtd_labels(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "gtd.csv"
    result = run_export(store, path, format="gtd")
    rows = _csv(path)
    assert list(rows[0]) == [*GTD_COLUMNS, *GTD_FUSED_COLUMNS]  # fused by default: wf_ columns appended
    reported = tmp_path / "gtd-reported.csv"
    run_export(store, reported, format="gtd", events="reported")
    assert list(_csv(reported)[0]) == list(GTD_COLUMNS)
    assert (result.records, result.skipped) == (3, 3)  # clash by state forces, arrest, recruitment left out
    by_attack = {r["attacktype1_txt"]: r for r in rows}
    assert set(by_attack) == {"Bombing/Explosion", "Hostage Taking (Kidnapping)", "Armed Assault"}
    for row in rows:
        assert row["attacktype1_txt"] in ATTACK_TYPES
        assert row["targtype1_txt"] in TARGET_TYPES
        assert row["weaptype1_txt"] in WEAPON_TYPES
    bomb = by_attack["Bombing/Explosion"]
    assert (bomb["iyear"], bomb["imonth"], bomb["iday"], bomb["suicide"], bomb["nkill"], bomb["nwound"]) == (
        "2021",
        "3",
        "3",
        "1",
        "12",
        "30",
    )
    assert (bomb["gname"], bomb["targtype1_txt"], bomb["weaptype1_txt"], bomb["specificity"]) == (
        "Northern Front",
        "Private Citizens & Property",
        "Explosives",
        "1",
    )
    assert bomb["scite1"] == "Example Wire, 2021-03-04" and "Bombing in Riverton" in bomb["scite2"]
    kidnap = by_attack["Hostage Taking (Kidnapping)"]
    assert (kidnap["imonth"], kidnap["iday"], kidnap["targtype1_txt"]) == ("4", "0", "Business")
    assert by_attack["Armed Assault"]["targtype1_txt"] == "Police"


def _stix_objects(path: Path) -> list[dict[str, Any]]:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert bundle["type"] == "bundle"
    objects: list[dict[str, Any]] = bundle["objects"]
    return objects


def test_stix_bundle_is_valid_and_complete(store: Store, tmp_path: Path) -> None:
    import stix2
    from stix2validator import ValidationOptions, validate_file

    path = tmp_path / "kb.stix.json"
    run_export(store, path, format="stix", validate=True)
    results = validate_file(str(path), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(e) for r in results.object_results for e in r.errors]
    objects = _stix_objects(path)
    for obj in objects:
        stix2.parse(obj, allow_custom=obj["type"] in {"relationship", "report", "extension-definition"})
    by_id = {o["id"]: o for o in objects}
    assert len(by_id) == len(objects)
    definitions = {o["id"]: o for o in objects if o["type"] == "extension-definition"}
    assert definitions[EVENT_EXTENSION_ID]["extension_types"] == ["new-sdo"]
    assert definitions[PROPERTY_EXTENSION_ID]["extension_types"] == ["property-extension"]
    groups = {o["name"]: o for o in objects if o["type"] == "intrusion-set"}
    assert groups["Northern Front"]["aliases"] == ["NF"]
    assert groups["Red Banner"]["aliases"] == ["RB"]
    identities = {o["name"]: o for o in objects if o["type"] == "identity"}
    assert identities["Police"]["extensions"][PROPERTY_EXTENSION_ID]["kind"] == "state"
    assert identities["Omar Test"]["identity_class"] == "individual"
    assert identities["Capital Times"]["sectors"] == ["communications"]  # outlet of a report
    events = [o for o in objects if o["type"] == EVENT_TYPE]
    assert len(events) == 6
    bomb = next(e for e in events if e["event_type"] == "suicide_attack")
    assert bomb["killed"] == {"value": 12, "qualifier": "at_least"}
    assert bomb["extensions"] == {EVENT_EXTENSION_ID: {"extension_type": "new-sdo"}}
    assert bomb["created"] == "2021-04-20T00:00:00.000Z"  # the source document's published date
    rels = [o for o in objects if o["type"] == "relationship"]
    assert {
        (r["relationship_type"], by_id[r["target_ref"]]["type"]) for r in rels if r["source_ref"] == bomb["id"]
    } == {("attributed-to", "intrusion-set"), ("located-at", "location")}
    shooting = next(e for e in events if e["event_type"] == "armed_assault")
    assert any(r["relationship_type"] == "targets" and r["source_ref"] == shooting["id"] for r in rels)
    assert any(r["relationship_type"] == "affiliate-of" for r in rels)
    reports = [o for o in objects if o["type"] == "report"]
    assert len(reports) == 2
    for report in reports:
        assert all(ref in by_id for ref in report["object_refs"])
    riverton = next(r for r in reports if r["name"] == "Bombing in Riverton")
    assert {by_id[ref]["type"] for ref in riverton["object_refs"]} >= {EVENT_TYPE, "intrusion-set", "relationship"}
    assert sum(by_id[ref]["type"] == EVENT_TYPE for ref in riverton["object_refs"]) == 3


def test_stix_export_is_byte_identical_when_repeated(store: Store, tmp_path: Path) -> None:
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    run_export(store, first, format="stix")
    run_export(store, second, format="stix")
    assert first.read_bytes() == second.read_bytes()


def test_geojson_points_and_unlocated_events(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "events.geojson"
    result = run_export(store, path, format="geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 6 == result.events
    located = [f for f in data["features"] if f["geometry"] is not None]
    assert len(located) == 4 and result.skipped == 2
    bomb = next(f for f in located if f["properties"]["native_type"] == "suicide_attack")
    assert bomb["geometry"] == {"type": "Point", "coordinates": [20.75, 42.5]}
    props = bomb["properties"]
    assert (props["perpetrators"], props["killed"], props["killed_qualifier"], props["country_name"]) == (
        "Northern Front",
        12,
        "at_least",
        "Kosovo",
    )
    assert all(not isinstance(v, dict | list) for f in data["features"] for v in f["properties"].values())


def test_graphml_actors_and_relations(store: Store, tmp_path: Path) -> None:
    import networkx as nx

    path = tmp_path / "actors.graphml"
    run_export(store, path, format="graphml")
    graph = nx.read_graphml(path)
    nodes = {data["name"]: data for _, data in graph.nodes(data=True)}
    assert set(nodes) == {"Northern Front", "Red Banner", "Kosovo Army", "Police", "Omar Test"}
    assert nodes["Northern Front"]["kb_id"] == "wf:northern-front" and nodes["Northern Front"]["kind"] == "armed_group"
    assert (nodes["Northern Front"]["event_count"], nodes["Omar Test"]["event_count"]) == (3, 0)
    edges = {(graph.nodes[u]["name"], d["type"], graph.nodes[v]["name"]): d for u, v, d in graph.edges(data=True)}
    assert edges[("Northern Front", "affiliate_of", "Red Banner")]["evidence_count"] == 1
    assert edges[("Omar Test", "leads", "Red Banner")]["status"] == "alleged"
    assert ("Red Banner", "rival_of", "Northern Front") in edges


def test_jsonl_one_event_per_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    run_export(store, path, format="jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    records = [json.loads(line) for line in lines]
    assert {"id", "type", "native_type", "date", "location", "actors", "killed", "evidence", "key"} <= set(records[0])
    assert records[0]["key"].startswith("WF")


def _keys(store: Store, tmp_path: Path, flt: ExportFilter) -> list[str]:
    path = tmp_path / "filtered.jsonl"
    run_export(store, path, format="jsonl", flt=resolve_actor(store, flt))
    return [json.loads(line)["native_type"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_filters(store: Store, tmp_path: Path) -> None:
    attacks = ["suicide_attack", "kidnapping", "clash", "armed_assault"]  # clash is exported as attack
    assert _keys(store, tmp_path, make_filter(type="attack")) == attacks
    assert _keys(store, tmp_path, make_filter(type="Battles")) == ["clash"]
    assert _keys(store, tmp_path, make_filter(since="2021-04", until="2021-05-09")) == ["kidnapping", "arrest"]
    assert _keys(store, tmp_path, make_filter(actor="NF")) == ["suicide_attack", "kidnapping", "arrest"]
    assert _keys(store, tmp_path, make_filter(actor="nf", type="attack")) == ["suicide_attack", "kidnapping"]
    assert _keys(store, tmp_path, make_filter(country="xk", until="2020")) == ["clash"]
    filtered = tmp_path / "filtered.json"
    run_export(store, filtered, format="json", flt=resolve_actor(store, make_filter(actor="Police")))
    data = json.loads(filtered.read_text(encoding="utf-8"))
    assert [e["native_type"] for e in data["events"]] == ["arrest", "armed_assault"]
    assert [d["id"] for d in data["documents"]] == ["doc-b"]
    with pytest.raises(ConfigError, match="--type"):
        make_filter(type="picnic")
    with pytest.raises(ConfigError, match="--since"):
        make_filter(since="March")
    with pytest.raises(ConfigError, match="no such actor"):
        resolve_actor(store, make_filter(actor="Nobody Here"))


def test_export_command_writes_every_format(store: Store, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from watchfloor.cli import exports

    app = typer.Typer()
    app.command()(exports.export)
    app.command("import")(exports.import_)
    runner = CliRunner()
    db = store.engine.url.render_as_string(hide_password=False)
    for fmt in FORMATS:
        out = tmp_path / "cli" / f"kb.{fmt}"
        result = runner.invoke(app, ["export", "--format", fmt, "-o", str(out), "--db", db])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0 and "wrote" in result.output
    bad = runner.invoke(app, ["export", "--format", "acled", "-o", str(tmp_path / "x.csv"), "--db", db, "--type", "x"])
    assert isinstance(bad.exception, ConfigError)


def test_export_stream_matches_the_store_views(store: Store) -> None:
    from watchfloor.export.stream import iter_export_events

    streamed = list(iter_export_events(store, ExportFilter(), page=2))
    assert [ev.view for ev in streamed] == list(store.iter_events())
    assert [ev.local_id for ev in streamed] == ["e1", "e2", "e3", "e1", "e2", "e3"]
    assert {ev.doc.id for ev in streamed} == {"doc-a", "doc-b"}
