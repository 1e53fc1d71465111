"""Exports of fused events (``--events fused``): one record per real-world event with low / best / high
figures, each report's figure, the Admiralty grade and the member reports; unfused events as themselves;
stable keys and deterministic files; filters on the fused fields; the JSON, JSON Lines, GeoJSON, GTD and
STIX renderings; and an ACLED fused export -> import -> export round trip."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fused_samples import HOSTILE_PUBLISHER, fill_fused, fused_extractions
from watchfloor.errors import ConfigError
from watchfloor.export import run_export
from watchfloor.export.filters import make_filter, resolve_actor
from watchfloor.export.fused import iter_fused_records
from watchfloor.export.gtd import FUSED_COLUMNS
from watchfloor.importers import import_file
from watchfloor.resolve.fusion import fuse
from watchfloor.store.repository import Store


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the invented reports, fused (copied for each test)."""
    path = tmp_path_factory.mktemp("fused") / "kb.db"
    with Store.open(f"sqlite:///{path}") as store:
        fill_fused(store)
    return path


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "kb.db"
    shutil.copyfile(template, path)
    with Store.open(f"sqlite:///{path}") as opened:
        yield opened


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _tags(row: dict[str, str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in row["tags"].split("; "))


def _attack(rows: list[dict[str, str]]) -> dict[str, str]:
    return next(r for r in rows if r["event_date"] == "2024-03-08")


def test_acled_fused_one_row_per_real_world_event(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "fused.csv"
    result = run_export(store, path, format="acled")  # fused is the default for ACLED
    rows = _csv(path)
    assert result.events == len(rows) == 3  # the 3-report attack once, the look-alike, the arrest
    attack = _attack(rows)
    tags = _tags(attack)
    assert attack["fatalities"] == "12"  # the best figure: 12 is reported by two independent outlets
    assert (tags["killed_low"], tags["killed_best"], tags["killed_high"]) == ("12", "12", "15")
    assert tags["killed_claims"].count(",") == 2 and "15 Daily Trust" in tags["killed_claims"]
    assert (tags["reports"], tags["grade"], tags["injured_best"]) == ("3", "B1", "4")
    members = tags["members"].split(",")
    assert len(members) == 3 and members[0] == attack["event_id_cnty"]  # the anchor's key is the event's
    assert attack["source"].split("; ")[:2] == ["Reuters", "Daily Trust"]
    assert all(text in attack["notes"] for text in ("at least 12 people", "15 villagers", "gunmen"))
    later = next(r for r in rows if r["event_date"] == "2024-03-20")
    assert (_tags(later)["reports"], later["fatalities"]) == ("1", "3")
    reported = tmp_path / "reported.csv"
    assert run_export(store, reported, format="acled", events="reported").events == 5
    assert members[0] in {r["event_id_cnty"] for r in _csv(reported)}
    assert set(members) <= {r["event_id_cnty"] for r in _csv(reported)}


def test_unfused_store_fused_export_equals_reported(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'raw.db'}") as raw:
        fill_fused(raw, fuse=False)
        fused, reported = tmp_path / "f.csv", tmp_path / "r.csv"
        run_export(raw, fused, format="acled", events="fused")
        run_export(raw, reported, format="acled", events="reported")
    assert fused.read_bytes() == reported.read_bytes()


def test_fused_export_is_deterministic_and_independent_of_row_ids(store: Store, tmp_path: Path) -> None:
    first, again = tmp_path / "a.csv", tmp_path / "b.csv"
    run_export(store, first, format="acled")
    run_export(store, again, format="acled")
    assert first.read_bytes() == again.read_bytes()
    with Store.open(f"sqlite:///{tmp_path / 'reversed.db'}") as other:
        for extraction in reversed(fused_extractions()):
            other.write_extraction(extraction)
        fuse(other)
        other_path = tmp_path / "c.csv"
        run_export(other, other_path, format="acled")
    assert sorted(map(tuple, (r.values() for r in _csv(first)))) == sorted(
        map(tuple, (r.values() for r in _csv(other_path)))
    )


def test_fused_stream_pages_do_not_change_records(store: Store) -> None:
    def summary(page: int) -> list[tuple[str, list[str], str | None]]:
        return [(r.key, [m.key for m in r.members], r.grade) for r in iter_fused_records(store, page=page)]

    assert summary(1) == summary(2) == summary(1000)
    assert [len(members) for _k, members, _g in summary(1)] == [3, 1, 1]


def test_key_stays_when_a_later_report_joins(template: Path, tmp_path: Path) -> None:
    extractions = {e.document.id: e for e in fused_extractions()}
    with Store.open(f"sqlite:///{tmp_path / 'grow.db'}") as grow:
        for doc in ("r-wire", "r-daily", "r-later", "r-kano"):
            grow.write_extraction(extractions[doc])
        fuse(grow)
        before = {r.view.date: r.key for r in iter_fused_records(grow)}
        grow.write_extraction(extractions["r-blog"])  # published after the others
        fuse(grow)
        after = {r.view.date: (r.key, r.reports) for r in iter_fused_records(grow)}
    assert after["2024-03-08"] == (before["2024-03-08"], 3)


def test_fused_filters_apply_to_the_fused_fields(store: Store, tmp_path: Path) -> None:
    def dates(**options: Any) -> list[str]:
        path = tmp_path / "f.csv"
        run_export(store, path, format="acled", flt=resolve_actor(store, make_filter(**options)))
        return [r["event_date"] for r in _csv(path)]

    assert dates(since="2024-03-15") == ["2024-03-20", "2024-04-02"]
    assert dates(actor="Boko Haram") == ["2024-03-08", "2024-03-20"]
    assert dates(type="arrest") == ["2024-04-02"]
    assert dates(country="NG", until="2024-03-10") == ["2024-03-08"]
    with pytest.raises(ConfigError, match="--events"):
        run_export(store, tmp_path / "x.csv", format="acled", events="merged")


def test_json_and_jsonl_carry_members_and_claims_side_by_side(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "kb.json"
    run_export(store, path, format="json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["events"]) == 5 and len(data["fused_events"]) == 3  # reported events stay
    attack = next(f for f in data["fused_events"] if f["date"] == "2024-03-08")
    assert (attack["grade"], attack["reports"], attack["independent_sources"]) == ("B1", 3, 3)
    assert {k: attack["killed"][k] for k in ("low", "best", "high")} == {"low": 12, "best": 12, "high": 15}
    events = {e["id"]: e for e in data["events"]}
    members = attack["members"]
    assert {m["document"] for m in members} == {"r-wire", "r-daily", "r-blog"}
    assert all(m["event"] in events for m in members)
    assert [m["publisher"] for m in members] == ["Reuters", "Daily Trust", HOSTILE_PUBLISHER]  # anchor first
    assert {(c["document"], c["low"]) for c in attack["killed"]["claims"]} == {
        ("r-wire", 12),
        ("r-daily", 15),
        ("r-blog", 12),
    }
    assert {e["event"] for e in attack["evidence"]} == {m["event"] for m in members}
    assert all(e["text"] for e in attack["evidence"])
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(path.read_text(encoding="utf-8"))
    reported = tmp_path / "reported.json"
    run_export(store, reported, format="json", events="reported")
    assert "fused_events" not in json.loads(reported.read_text(encoding="utf-8"))
    filtered = tmp_path / "filtered.json"
    run_export(store, filtered, format="json", flt=make_filter(until="2024-03-10"))
    part = json.loads(filtered.read_text(encoding="utf-8"))
    assert [f["date"] for f in part["fused_events"]] == ["2024-03-08"]
    assert {d["id"] for d in part["documents"]} == {"r-wire", "r-daily", "r-blog"}
    lines = tmp_path / "kb.jsonl"
    run_export(store, lines, format="jsonl")
    records = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert [r["reports"] for r in records] == [3, 1, 1]
    assert records[0] == attack


def test_geojson_and_gtd_fused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "kb.geojson"
    assert run_export(store, path, format="geojson").events == 3
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    props = next(f["properties"] for f in features if f["properties"]["date"] == "2024-03-08")
    assert (props["killed"], props["killed_low"], props["killed_high"], props["grade"], props["reports"]) == (
        12,
        12,
        15,
        "B1",
        3,
    )
    assert all(not isinstance(v, dict | list) for f in features for v in f["properties"].values())
    gtd = tmp_path / "kb.csv"
    result = run_export(store, gtd, format="gtd")
    rows = _csv(gtd)
    assert list(rows[0])[-len(FUSED_COLUMNS) :] == list(FUSED_COLUMNS)
    assert (result.records, result.skipped) == (2, 1)  # the arrest is no GTD incident
    attack = next(r for r in rows if r["iday"] == "8")
    assert (attack["nkill"], attack["wf_nkill_low"], attack["wf_nkill_high"], attack["wf_grade"]) == (
        "12",
        "12",
        "15",
        "B1",
    )
    assert attack["wf_reports"] == "3" and len(attack["wf_members"].split(",")) == 3


def test_stix_fused_adds_valid_groupings(store: Store, tmp_path: Path) -> None:
    from stix2validator import ValidationOptions, validate_string

    path = tmp_path / "bundle.json"
    result = run_export(store, path, format="stix", events="fused", validate=True)
    assert result.events == 5  # the reported events stay
    text = path.read_text(encoding="utf-8")
    outcome = validate_string(text, ValidationOptions(version="2.1", disabled=["103"]))
    assert outcome.is_valid, [str(e) for o in outcome.object_results for e in o.errors]
    objects = json.loads(text)["objects"]
    events = {o["id"] for o in objects if o["type"] == "x-watchfloor-event"}
    groupings = [o for o in objects if o["type"] == "grouping"]
    assert len(groupings) == 3 and all(set(g["object_refs"]) <= events for g in groupings)
    big = next(g for g in groupings if len(g["object_refs"]) == 3)
    ext = next(iter(big["extensions"].values()))
    assert (ext["grade"], ext["reports"], ext["killed"]["low"], ext["killed"]["high"]) == ("B1", 3, 12, 15)
    default = tmp_path / "default.json"
    run_export(store, default, format="stix")
    assert '"grouping"' not in default.read_text(encoding="utf-8")


def test_acled_fused_round_trip_keeps_events_keys_and_figures(store: Store, tmp_path: Path) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    run_export(store, first, format="acled")
    with Store.open(f"sqlite:///{tmp_path / 'empty.db'}") as empty:
        report = import_file(empty, first, format="acled")
        assert report.problems == [] and report.events == 3
        run_export(empty, second, format="acled")
    figures = (f"{n}_{p}" for n in ("killed", "injured") for p in ("low", "best", "high", "claims"))
    fused_only = {"reports", "grade", "members", *figures}
    for before, after in zip(_csv(first), _csv(second), strict=True):
        kept = {k: v for k, v in _tags(before).items() if k not in fused_only}
        assert _tags(after) == kept  # the fused tags describe the store's fused event, not the imported row
        assert {k: v for k, v in before.items() if k != "tags"} == {k: v for k, v in after.items() if k != "tags"}


def test_export_command_events_option(store: Store, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from watchfloor.cli import exports

    app = typer.Typer()
    app.command()(exports.export)
    app.command("import")(exports.import_)
    db = store.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    counts = {}
    for mode in ("fused", "reported"):
        out = tmp_path / f"{mode}.csv"
        result = runner.invoke(app, ["export", "-f", "acled", "--events", mode, "-o", str(out), "--db", db])
        assert result.exit_code == 0, result.output
        counts[mode] = len(_csv(out))
    assert counts == {"fused": 3, "reported": 5}
    bad = runner.invoke(app, ["export", "-f", "acled", "--events", "merged", "-o", str(tmp_path / "x"), "--db", db])
    assert bad.exit_code == 2


@pytest.mark.postgres
def test_fused_export_is_the_same_on_postgresql(store: Store, tmp_path: Path) -> None:
    from test_api import _pg_url

    urls = _pg_url()
    url = next(urls)
    try:
        with Store.open(url) as pg:
            fill_fused(pg)
            for fmt in ("acled", "jsonl"):
                ours, theirs = tmp_path / f"sqlite.{fmt}", tmp_path / f"pg.{fmt}"
                run_export(store, ours, format=fmt)
                run_export(pg, theirs, format=fmt)
                assert theirs.read_bytes() == ours.read_bytes()
    finally:
        for _ in urls:  # the helper's cleanup (drops the schema)
            pass
