"""Imports back into the store: export -> import into an empty store -> export is byte-identical for ACLED
CSV and STIX bundles; an ACLED-style CSV from elsewhere (ACLED's own date format, civilian placeholder,
associated actors) becomes events with evidence spans into a synthetic document; bad rows, missing
columns and corrupt bundles give one message per item while the rest is imported; re-importing the
same file adds nothing; the ``import`` command function reports problems with exit code 2."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from export_samples import sample_extractions
from watchfloor.errors import InputError
from watchfloor.export import run_export
from watchfloor.export.acled import COLUMNS
from watchfloor.importers import import_file
from watchfloor.store.repository import Store


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store holding the two synthetic reports of ``export_samples`` (read only)."""
    with Store.open(f"sqlite:///{tmp_path_factory.mktemp('src') / 'src.db'}") as opened:
        for extraction in sample_extractions():
            opened.write_extraction(extraction)
        yield opened


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store."""
    with Store.open(f"sqlite:///{tmp_path / 'empty.db'}") as opened:
        yield opened


@pytest.mark.parametrize("fmt", ["acled", "stix"])
def test_export_import_export_is_identical(source: Store, empty: Store, tmp_path: Path, fmt: str) -> None:
    first, second = tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}"
    run_export(source, first, format=fmt)
    report = import_file(empty, first, format=fmt)
    assert report.problems == [] and report.events == 6
    run_export(empty, second, format=fmt)
    assert second.read_bytes() == first.read_bytes()
    again = import_file(empty, first, format=fmt)  # the same file twice adds nothing
    assert again.documents == [] and again.unchanged
    assert empty.counts().events == 6


def test_stix_import_keeps_reports_as_documents(source: Store, empty: Store, tmp_path: Path) -> None:
    path = tmp_path / "kb.json"
    run_export(source, path, format="stix")
    report = import_file(empty, path, format="stix")
    assert len(report.documents) == 2 and report.relations == 3
    docs = {d.title: d for d in empty.iter_documents()}
    assert set(docs) == {"Bombing in Riverton", "Arrests in the capital"}
    riverton = docs["Bombing in Riverton"]
    assert (riverton.publisher, str(riverton.published), riverton.file) == (
        "Example Institute",
        "2021-04-20",
        "riverton.txt",
    )
    for event in empty.iter_events():
        for evidence in event.evidence:
            assert docs_text(empty, evidence.document)[evidence.start : evidence.end] == evidence.text
    nf = next(a for a in empty.iter_actors() if a.name == "Northern Front")
    assert (nf.kb_id, nf.kind, nf.aliases) == ("wf:northern-front", "armed_group", ["Northern Front", "NF"])


def docs_text(store: Store, doc_id: str) -> str:
    return store.get_document(doc_id).text


def _write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def _row(**values: str) -> dict[str, str]:
    base = {
        "event_id_cnty": "XYZ1",
        "event_date": "14 February 2022",
        "time_precision": "1",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "Military Forces of Testland (2020-)",
        "inter1": "1",
        "actor2": "Hill Brigade",
        "inter2": "2",
        "iso": "",
        "country": "Afghanistan",
        "admin1": "Kandahar",
        "location": "Spin Boldak",
        "latitude": "31.0069",
        "longitude": "66.3947",
        "geo_precision": "1",
        "source": "Local Wire; National Daily",
        "notes": "On 14 February 2022, soldiers clashed with the Hill Brigade near Spin Boldak.",
        "fatalities": "3",
    }
    return base | values


def test_foreign_acled_csv_with_bad_rows(empty: Store, tmp_path: Path) -> None:
    path = tmp_path / "acled_download.csv"
    rows = [
        _row(),
        _row(event_id_cnty="XYZ2", event_date="31 Febtember 2022"),
        _row(
            event_id_cnty="XYZ3",
            event_date="2022-03-01",
            time_precision="3",
            event_type="Violence against civilians",
            sub_event_type="Attack",
            actor1="Hill Brigade",
            inter1="2",
            assoc_actor_1="Valley Youth",
            actor2="Civilians (Afghanistan)",
            inter2="7",
            civilian_targeting="Civilian targeting",
            fatalities="0",
            notes="Gunmen of the Hill Brigade and Valley Youth attacked villagers.",
        ),
        _row(event_id_cnty="XYZ4", event_type="Protests", sub_event_type="Peaceful protest"),
        _row(event_id_cnty="XYZ5", latitude="north"),
        _row(event_id_cnty="XYZ1"),
        _row(event_id_cnty="XYZ7", event_type="Strategic developments", sub_event_type="Change to group/activity"),
        _row(event_id_cnty="XYZ8", event_type="Explosions/Remote violence", sub_event_type="Grenade"),
    ]
    _write_csv(
        path,
        rows,
        [*COLUMNS[:20], "location", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities"],
    )
    report = import_file(empty, path, format="acled")
    problems = {p.item: p.problem for p in report.problems}
    assert set(problems) == {"row 2", "row 4", "row 5", "row 6", "row 7"}
    assert "bad event_date" in problems["row 2"]
    assert "Protests" in problems["row 4"]
    assert "latitude" in problems["row 5"]
    assert "duplicate" in problems["row 6"]
    assert "no single watchfloor type" in problems["row 7"]
    assert report.events == 3
    *events, grenade = list(empty.iter_events())
    assert grenade.type == "bombing"  # no native type for grenades: the event type's fallback
    actors = {a.id: a for a in empty.iter_actors()}
    clash, attack = events
    assert (clash.type, clash.date, clash.date_precision) == ("clash", "2022-02-14", "day")
    assert clash.location is not None and (clash.location.country, clash.location.lat) == ("AF", 31.0069)
    assert clash.killed is not None and clash.killed.value == 3
    assert [c.outlet for c in clash.sources] == ["Local Wire", "National Daily"]
    assert {role: [actors[a].kind for a in ids] for role, ids in clash.actors.items()} == {
        "perpetrator": ["state"],
        "target": ["armed_group"],
    }
    assert (attack.type, attack.date_precision, attack.target_type, attack.killed) == (
        "attack",
        "month",
        "civilians",
        None,
    )
    assert [actors[a].name for a in attack.actors["perpetrator"]] == ["Hill Brigade", "Valley Youth"]
    assert "target" not in attack.actors  # the civilian placeholder is a target type, not an actor
    document = empty.get_document(clash.document)
    for event in events:
        [evidence] = event.evidence
        assert document.text[evidence.start : evidence.end] == evidence.text
    assert attack.evidence[0].text == "Gunmen of the Hill Brigade and Valley Youth attacked villagers."


def test_csv_without_required_columns_is_refused(empty: Store, tmp_path: Path) -> None:
    path = tmp_path / "not_acled.csv"
    path.write_text("id,date,what\n1,2022-01-01,something\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column.*event_date"):
        import_file(empty, path, format="acled")
    assert empty.counts().documents == 0


def test_corrupt_stix_bundles(source: Store, empty: Store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "bundle", "objects": [', encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON"):
        import_file(empty, broken, format="stix")
    good = tmp_path / "good.json"
    run_export(source, good, format="stix")
    bundle = json.loads(good.read_text(encoding="utf-8"))
    events = [o for o in bundle["objects"] if o["type"] == "x-watchfloor-event"]
    next(o for o in bundle["objects"] if o["type"] == "location")["latitude"] = 500.0
    events[0]["killed"] = {"value": 3, "qualifier": "roughly"}
    events[1]["date_start"] = "sometime"
    bundle["objects"].append("not an object")
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(bundle), encoding="utf-8")
    report = import_file(empty, damaged, format="stix")
    items = [p.item for p in report.problems]
    assert len(items) == 4
    assert any(item.startswith("object ") and "location--" in item for item in items)
    assert f"event {events[0]['id']}" in items and f"event {events[1]['id']}" in items
    assert any(item == f"object {len(bundle['objects'])}" for item in items)
    assert report.events == 4  # the two damaged events are skipped, the rest imported


def test_import_command_reports_problems(empty: Store, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from watchfloor.cli import exports

    app = typer.Typer()
    app.command()(exports.export)
    app.command("import")(exports.import_)
    path = tmp_path / "rows.csv"
    _write_csv(path, [_row(), _row(event_id_cnty="B", event_date="soon")], list(_row()))
    db = empty.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app, ["import", "--format", "acled", str(path), str(tmp_path / "missing.csv"), "--db", db]
    )
    assert result.exit_code == 2
    assert "row 2" in result.output and "bad event_date" in result.output
    assert "missing.csv" in result.output and "1 events" in result.output
