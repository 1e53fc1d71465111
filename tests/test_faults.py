"""Faults at the pipeline level (bounded versions of ``scripts/bench_faults.py``) and bad store input.

Covers: re-ingesting a batch adds no rows and re-running fusion changes
nothing; an ingest SIGKILLed mid-batch then resumed loses and duplicates no
document, event, claim or fused-event membership (SQLite); two processes
ingesting the same batch at once into PostgreSQL lose and duplicate nothing;
and bad store input gives one clear message with nothing changed: an
unreachable database URL (CLI ``ingest``), a schema from a newer watchfloor
(fusion refuses to open it), a SQLite file locked by another process (fusion
waits, then fails without writing).  The ingest runs use the benchmark's
lightweight ``bench-light.v1`` engine (real cleaning, no spaCy parse).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from watchfloor.errors import StoreError
from watchfloor.store.repository import Store

REPO = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("WATCHFLOOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """``scripts/bench_faults.py`` imported as a module (its engine registered)."""
    spec = importlib.util.spec_from_file_location("bench_faults", REPO / "scripts" / "bench_faults.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_faults"] = module
    spec.loader.exec_module(module)
    module.register_engine()
    return module


@pytest.fixture(scope="module")
def corpus(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """24 synthetic reports in one JSONL file."""
    return list(bench.make_corpus(tmp_path_factory.mktemp("corpus"), 24, seed=3))


@pytest.fixture
def pg_url(bench: ModuleType) -> Iterator[str]:
    """A fresh PostgreSQL database (URL; its own advisory locks), dropped afterwards; skips when no server answers."""
    engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server: skip, saying why
        pytest.skip(f"no PostgreSQL server reachable at {PG_SERVER}: {type(exc).__name__}")
    finally:
        engine.dispose()
    with bench.fresh_database(PG_SERVER) as url:
        yield url


def test_reingest_adds_no_rows(bench: ModuleType, corpus: list[Path], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    expected = bench.expected_counts(corpus)
    added, _ = bench.ingest_into(url, corpus)
    first = bench.audit(url, expected)
    assert added == len(expected) == first.documents and first.lost == first.duplicated == first.unfused_events == 0
    again, unchanged = bench.ingest_into(url, corpus)
    second = bench.audit(url, expected)
    assert again == 0 and unchanged == len(expected)
    assert (second.documents, second.events, second.claims) == (first.documents, first.events, first.claims)


def test_sigkill_then_resume_loses_and_duplicates_nothing(
    bench: ModuleType, corpus: list[Path], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    Store.open(url).close()
    expected = bench.expected_counts(corpus)
    child = bench.start_child(url, corpus)
    deadline = time.monotonic() + 60
    stored = 0
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            stored = bench._document_count(url)
        except StoreError:
            continue
        if stored >= 3:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the writer finished before it could be killed"
    bench.ingest_into(url, corpus)
    result = bench.audit(url, expected)
    assert result.documents == len(expected)
    assert result.lost == 0 and result.duplicated == 0 and result.unfused_events == 0


@pytest.mark.postgres
def test_two_writers_at_once_on_postgres(bench: ModuleType, corpus: list[Path], pg_url: str) -> None:
    expected = bench.expected_counts(corpus)
    codes = bench.concurrent_ingest(pg_url, corpus)
    result = bench.audit(pg_url, expected)
    assert codes == [0, 0]
    assert result.documents == len(expected)
    assert result.lost == 0 and result.duplicated == 0 and result.unfused_events == 0


# -- bad store input ------------------------------------------------------------------------


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("Gunmen attacked a village on Monday.", encoding="utf-8")
    command = "from watchfloor.cli import main; main()"
    url = "postgresql+psycopg://postgres@127.0.0.1:9/none"
    result = subprocess.run(
        [sys.executable, "-c", command, "ingest", str(report), "--db", url], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == StoreError.exit_code
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot connect" in lines[0]


def test_merges_cli_raises_store_errors_for_main(tmp_path: Path) -> None:
    from watchfloor.cli.merges import merges_app

    result = CliRunner().invoke(merges_app, ["list", "--db", "postgresql+psycopg://postgres@127.0.0.1:9/none"])
    assert isinstance(result.exception, StoreError)  # watchfloor.cli.main prints it as one line
    assert "cannot connect" in str(result.exception) and "\n" not in str(result.exception)


def test_newer_schema_is_refused_before_fusion(tmp_path: Path) -> None:
    from watchfloor.resolve.fusion import fuse

    url = f"sqlite:///{tmp_path / 'kb.db'}"
    with Store.open(url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    with pytest.raises(StoreError, match="newer watchfloor"), Store.open(url) as store:
        fuse(store)
    with sqlite3.connect(tmp_path / "kb.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("ffffffffffff",)


def test_locked_sqlite_fails_fusion_cleanly(bench: ModuleType, corpus: list[Path], tmp_path: Path) -> None:
    from watchfloor.resolve.fusion import fuse
    from watchfloor.store.fusion_repo import fusion_counts

    path = tmp_path / "kb.db"
    url = f"sqlite:///{path}"
    bench.ingest_into(url, corpus)  # ingested and fused
    locker = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with Store.open(url, busy_timeout=0.2) as store, pytest.raises(StoreError, match="locked"):
            fuse(store, rebuild=True)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    with Store.open(url) as store:
        assert fusion_counts(store)["members"] == store.counts().events  # the failed rebuild changed nothing
