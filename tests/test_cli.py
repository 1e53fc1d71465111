"""End-to-end tests of the CLI: ingest, re-ingest, bad inputs, show, export, evaluate, demo.

These run the whole pipeline (acquire -> store -> export) on small invented
reports written into a temp folder, through Typer's test runner.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from watchfloor.cli import app

runner = CliRunner()

REPORT = """Gunmen attack police post in Borno

MAIDUGURI, 14 March 2023 - Suspected Boko Haram fighters attacked a police post in Konduga, Borno State,
on Sunday night, killing at least four officers and wounding six others, a police spokesman told Reuters.
The group has not claimed responsibility.
"""

SECOND = """Car bomb hits market in Mogadishu

A car bomb exploded near a busy market in Mogadishu on 2 February 2024, killing more than 10 people,
according to Somali police. Al-Shabaab claimed responsibility for the blast in a statement.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder with two good reports and three bad inputs (empty, binary, malformed JSONL line)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "borno.txt").write_text(REPORT, encoding="utf-8")
    (folder / "mogadishu.txt").write_text(SECOND, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "batch.jsonl").write_text(
        json.dumps({"text": "Militants kidnapped two aid workers near Gao, Mali, on 3 May 2022.", "title": "Gao"})
        + "\n{not json\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def db(tmp_path: Path) -> str:
    """Path of a fresh SQLite store in the test's temp folder."""
    return str(tmp_path / "kb.db")


def _ingest(paths: list[str], db: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ingest", *paths, "--db", db])
    return result.exit_code, result.output


def test_ingest_reports_bad_inputs_and_keeps_going(corpus: Path, db: str) -> None:
    code, output = _ingest([str(corpus)], db)
    assert code == 2, output
    assert "empty.txt" in output and "junk.txt" in output and "batch.jsonl:2" in output
    assert "3 added" in output


def test_reingest_adds_nothing(corpus: Path, db: str) -> None:
    _ingest([str(corpus)], db)
    first = json.loads(runner.invoke(app, ["show", "documents", "--json", "--db", db]).output)
    code, output = _ingest([str(corpus)], db)
    assert code == 2  # the bad inputs fail again
    assert "0 added" in output and "3 already present" in output
    second = json.loads(runner.invoke(app, ["show", "documents", "--json", "--db", db]).output)
    assert [d["id"] for d in first] == [d["id"] for d in second]


def test_missing_path_is_one_line(db: str, tmp_path: Path) -> None:
    code, output = _ingest([str(tmp_path / "nope.txt")], db)
    assert code == 2
    assert "nope.txt" in output


def test_show_and_export(corpus: Path, db: str, tmp_path: Path) -> None:
    _ingest([str(corpus)], db)
    events = json.loads(runner.invoke(app, ["show", "events", "--json", "--db", db]).output)
    assert any(e["type"] for e in events)
    out = tmp_path / "kb.json"
    result = runner.invoke(app, ["export", "--format", "json", "-o", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "watchfloor-json/1"
    docs = {d["id"]: d for d in data["documents"]}
    for event in data["events"]:
        for ev in event["evidence"]:
            assert docs[ev["document"]]["text"][ev["start"] : ev["end"]] == ev["text"]


def test_unknown_show_kind_is_a_usage_error(db: str) -> None:
    result = runner.invoke(app, ["show", "weapons", "--db", db])
    assert result.exit_code == 2
