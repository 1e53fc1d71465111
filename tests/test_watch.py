"""Tests of the folder watch (``watchfloor.acquire.watch``): polling finds supported files, a file is ingested
only once its size and mtime hold still over two polls, files already handled are not taken again unless
they change, the loop stops on its event or after ``max_cycles`` polls, and the ``watch`` CLI command.

The ingest runs through ``watchfloor.pipeline.ingest`` into a temporary SQLite store.  The NLP stages are
swapped for a registered clean-only engine (acquire -> clean -> store, no annotation) so that these tests
exercise the watch loop in a second or two; the full pipeline is covered by a ``slow`` test."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from watchfloor.acquire.watch import scan_folder, watch_folder
from watchfloor.clean import clean
from watchfloor.engines import Outcome, engines
from watchfloor.errors import InputError
from watchfloor.models import Extraction, RawInput
from watchfloor.pipeline import IngestReport
from watchfloor.settings import Settings
from watchfloor.store.repository import Store

REPORT = "Gunmen attacked a police checkpoint near Menaka on Sunday, killing four officers, officials said.\n"
CLEAN_ONLY = "test-clean-only.v1"


def _clean_only(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    """An engine that only cleans: each input becomes an Extraction with its Document and nothing else."""
    for item in items:
        if isinstance(item, InputError):
            yield Outcome(source=item.source, problem=item.problem)
            continue
        try:
            yield Outcome(source=item.source, extraction=Extraction(document=clean(item), mentions=[]))
        except InputError as exc:
            yield Outcome(source=item.source, problem=exc.problem)


@pytest.fixture
def quick_settings(tmp_path: Path) -> Settings:
    """Settings on a temp SQLite store that use the clean-only engine."""
    engines.register(CLEAN_ONLY)(_clean_only)
    return Settings(database_url=f"sqlite:///{tmp_path / 'watch.db'}", engine=CLEAN_ONLY)


@pytest.fixture
def store(quick_settings: Settings) -> Iterator[Store]:
    """A fresh temp SQLite store."""
    with Store.open(quick_settings.database_url) as opened:
        yield opened


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An empty folder to watch."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_scan_folder_lists_supported_visible_files(inbox: Path) -> None:
    (inbox / "sub").mkdir()
    (inbox / "a.txt").write_text(REPORT, encoding="utf-8")
    (inbox / "sub" / "b.PDF").write_bytes(b"%PDF-")
    (inbox / "notes.docx").write_bytes(b"x")
    (inbox / "README.md").write_text("# What this folder is for\n", encoding="utf-8")
    (inbox / ".partial.txt").write_text(REPORT, encoding="utf-8")
    found = scan_folder(inbox)
    assert sorted(p.name for p in found) == ["a.txt", "b.PDF"]
    assert found[inbox / "a.txt"][0] == len(REPORT)


def test_file_dropped_in_is_ingested_then_loop_stops(inbox: Path, quick_settings: Settings, store: Store) -> None:
    stop = threading.Event()
    reports: list[IngestReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for report in watch_folder(inbox, settings=quick_settings, store=store, interval=0.05, stop=stop):
                reports.append(report)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(0.15)
    (inbox / "menaka.txt").write_text(REPORT, encoding="utf-8")
    deadline = time.monotonic() + 5
    while not reports and time.monotonic() < deadline and not errors:
        time.sleep(0.02)
    stop.set()
    thread.join(timeout=5)
    assert not errors and not thread.is_alive()
    assert len(reports) == 1 and len(reports[0].added) == 1 and not reports[0].failed
    documents = store.list_documents()
    assert [d.file for d in documents] == ["menaka.txt"]


def test_growing_file_waits_until_stable(
    inbox: Path, quick_settings: Settings, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    path = inbox / "growing.txt"
    words = REPORT.split(" ")
    path.write_text(words[0], encoding="utf-8")
    done_writing = threading.Event()

    def write_slowly() -> None:  # a slow copy: a word every 60 ms, while the folder is polled every 200 ms
        with path.open("a", encoding="utf-8") as handle:
            for word in words[1:]:
                time.sleep(0.06)
                handle.write(" " + word)
                handle.flush()
        done_writing.set()

    writer = threading.Thread(target=write_slowly, daemon=True)
    writer.start()
    loop = watch_folder(inbox, settings=quick_settings, store=store, interval=0.2, max_cycles=25)
    with caplog.at_level(logging.DEBUG, logger="watchfloor.acquire.watch"):
        first = next(loop)
    loop.close()
    writer.join(timeout=5)
    assert done_writing.is_set() and len(first.added) == 1
    assert store.get_document(first.added[0]).text.strip() == REPORT.strip()
    assert len(store.list_documents()) == 1
    changing = [r for r in caplog.records if "new or still changing" in r.getMessage()]
    assert len(changing) >= 3  # the file was seen while it grew, and left alone then


def test_stability_rule_with_max_cycles(inbox: Path, quick_settings: Settings, store: Store) -> None:
    (inbox / "a.txt").write_text(REPORT, encoding="utf-8")
    assert list(watch_folder(inbox, settings=quick_settings, store=store, interval=0.01, max_cycles=1)) == []
    reports = list(watch_folder(inbox, settings=quick_settings, store=store, interval=0.01, max_cycles=4))
    assert len(reports) == 1 and len(reports[0].added) == 1  # taken once, not again on later polls


def test_changed_file_is_taken_again_and_existing_can_be_skipped(
    inbox: Path, quick_settings: Settings, store: Store
) -> None:
    old = inbox / "old.txt"
    old.write_text(REPORT, encoding="utf-8")
    loop = watch_folder(
        inbox, settings=quick_settings, store=store, interval=0.02, max_cycles=250, include_existing=False
    )
    # The generator takes its snapshot of existing files on the first ``next``; drop the new file after that.
    dropper = threading.Timer(0.1, lambda: (inbox / "new.txt").write_text(REPORT.replace("four", "five")))
    dropper.start()
    first = next(loop)
    assert len(first.added) == 1 and [d.file for d in store.list_documents()] == ["new.txt"]
    old.write_text(REPORT.replace("four", "six"), encoding="utf-8")
    os.utime(old, ns=(time.time_ns(), time.time_ns() + 10**9))
    second = next(loop)
    loop.close()
    assert len(second.added) == 1
    assert sorted(d.file for d in store.list_documents()) == ["new.txt", "old.txt"]


def test_failed_file_is_reported_once(inbox: Path, quick_settings: Settings, store: Store) -> None:
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    reports = list(watch_folder(inbox, settings=quick_settings, store=store, interval=0.01, max_cycles=5))
    assert len(reports) == 1 and [f.source for f in reports[0].failed] == [str(inbox / "broken.pdf")]


def test_missing_folder_is_an_input_error(tmp_path: Path, quick_settings: Settings, store: Store) -> None:
    with pytest.raises(InputError, match="no such folder"):
        next(watch_folder(tmp_path / "nope", settings=quick_settings, store=store))


def test_watch_command(inbox: Path, quick_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from watchfloor.cli.watch import watch_command

    app = typer.Typer()
    app.command()(watch_command)
    (inbox / "a.txt").write_text(REPORT, encoding="utf-8")
    monkeypatch.setenv("WATCHFLOOR_ENGINE", CLEAN_ONLY)
    db = inbox.parent / "cli.db"
    result = CliRunner().invoke(app, [str(inbox), "--db", str(db), "--interval", "0.1", "--max-cycles", "3"])
    assert result.exit_code == 0, result.output
    assert "1 added, 0 already present, 0 failed" in result.output
    with Store.open(f"sqlite:///{db}") as opened:
        assert [d.file for d in opened.list_documents()] == ["a.txt"]


@pytest.mark.slow
def test_watch_runs_the_full_pipeline(inbox: Path, tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'full.db'}")
    (inbox / "a.txt").write_text(REPORT, encoding="utf-8")
    with Store.open(settings.database_url) as opened:
        reports = list(watch_folder(inbox, settings=settings, store=opened, interval=0.05, max_cycles=3))
        assert len(reports) == 1 and len(reports[0].added) == 1, reports
        assert [d.file for d in opened.list_documents()] == ["a.txt"]


def test_ingest_watch_is_the_same_loop(inbox: Path, quick_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """``watchfloor ingest --watch DIR`` polls the folder like ``watchfloor watch``; other paths are refused."""
    from watchfloor.cli import app

    (inbox / "a.txt").write_text(REPORT, encoding="utf-8")
    monkeypatch.setenv("WATCHFLOOR_ENGINE", CLEAN_ONLY)
    db = inbox.parent / "ingest-watch.db"
    args = ["ingest", "--watch", str(inbox), "--db", str(db), "--interval", "0.1", "--max-cycles", "3"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 added, 0 already present, 0 failed" in result.output
    with Store.open(f"sqlite:///{db}") as opened:
        assert [d.file for d in opened.list_documents()] == ["a.txt"]

    refused = CliRunner().invoke(app, ["ingest", "--watch", str(inbox / "a.txt"), "--db", str(db)])
    assert refused.exit_code != 0
    assert isinstance(refused.exception, InputError) and "exactly one existing folder" in str(refused.exception)
