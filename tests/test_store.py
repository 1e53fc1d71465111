"""Store tests, run on SQLite and on PostgreSQL (``store_url`` is parametrised over both).

Covers: opening and migrating (schema at head and equal to the models),
refusing unreachable / locked / newer-schema databases without changing them,
one transaction per document (idempotent re-writes), several documents
in one all-or-nothing transaction and ``ingest`` writing in such batches
(a document the store refuses fails alone), read views and
streaming, cross-document actor identity (KB id, name, alias, kind) and
undoing a merge, near-duplicate band lookups, full-text search (including
queries full of FTS syntax), the ``watchfloor store`` sub-app, two processes
writing overlapping batches at once (PostgreSQL by default; the SQLite run is
marked slow), and resuming after a writer is SIGKILLed mid-batch (SQLite by
default; the PostgreSQL run is marked slow).

PostgreSQL runs use one schema per test session (migrated once, emptied
before each test, dropped at the end; the migration test gets a schema of
its own) in the database at ``WATCHFLOOR_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); they are skipped, with
the reason printed, only when no server answers there.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from watchfloor.errors import StoreError
from watchfloor.models import (
    ActorKind,
    ActorRecord,
    Certainty,
    Citation,
    Claim,
    DateMethod,
    Document,
    EventRecord,
    Extraction,
    Mention,
    Origin,
    PlaceRef,
    Precision,
    Qualifier,
    Quantity,
    RelationRecord,
    Span,
    TimeValue,
)
from watchfloor.resolve.actors import normalise_alias, undo_merge
from watchfloor.settings import Settings
from watchfloor.store import schema as db
from watchfloor.store.migrate import head_revision, quick_head
from watchfloor.store.repository import Store

PG_SERVER = os.environ.get("WATCHFLOOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# ---------------------------------------------------------------------------
# synthetic extractions (module level: the multiprocessing tests import them)
# ---------------------------------------------------------------------------

#: Actor identities the synthetic documents draw from: (key, kind, kb_id, surface-name variants).
IDENTITIES: list[tuple[str, ActorKind, str | None, list[str]]] = [
    ("kp", ActorKind.ARMED_GROUP, "kb-kp", ["Khorasan Province", "KP", "K-P"]),
    ("nf", ActorKind.ARMED_GROUP, None, ["Northern Front", "the Northern Front", "Northern-Front"]),
    ("rb", ActorKind.ARMED_GROUP, None, ["Red Banner Brigade", "Red Banner brigade"]),
    ("army", ActorKind.STATE, None, ["National Army", "the National Army"]),
    ("abu", ActorKind.PERSON, None, ["Abu Example", "Abu  Example"]),
]


def synthetic_extraction(index: int) -> Extraction:
    """Document ``index``: two actors from ``IDENTITIES`` (name variant depends on the index),
    one attack with a place, a figure, a cited source and one claim, and one relation."""
    first = IDENTITIES[index % len(IDENTITIES)]
    second = IDENTITIES[(index + 1) % len(IDENTITIES)]
    name_a = first[3][index % len(first[3])]
    name_b = second[3][(index // 2) % len(second[3])]
    sentence = f"Report {index}: {name_a} attacked {name_b} near Town{index % 3}, killing at least {index + 2} people."
    body = sentence + f" The claim was carried by Outlet{index % 2}."
    start_a = sentence.index(name_a)
    start_b = sentence.index(name_b, start_a + len(name_a))
    actors = [
        ActorRecord(
            local_id="a1",
            name=name_a,
            kind=first[1],
            aliases=[name_a],
            mentions=[Span(start_a, start_a + len(name_a), name_a)],
            kb_id=first[2],
        ),
        ActorRecord(
            local_id="a2",
            name=name_b,
            kind=second[1],
            aliases=[name_b],
            mentions=[Span(start_b, start_b + len(name_b), name_b)],
            kb_id=second[2],
        ),
    ]
    claim = Claim(
        evidence=Span(0, len(sentence), sentence),
        sources=[Citation(outlet=f"Outlet{index % 2}", date=dt.date(2020, 1, 1 + index % 28))],
        certainty=Certainty.REPORTED,
        extractor="test.v1",
        confidence=0.8,
        values={"killed": Quantity(index + 2, Qualifier.AT_LEAST), "day": dt.date(2020, 2, 1)},
    )
    event = EventRecord(
        local_id="e1",
        type="attack",
        subtype="armed_assault",
        date=TimeValue("2020-02", Precision.MONTH, dt.date(2020, 2, 1), dt.date(2020, 2, 29), text="in February"),
        location=PlaceRef(
            name=f"Town{index % 3}", admin1="Province One", country="af", lat=34.0 + index % 3, lon=70.0, precision=1
        ),
        participants={"perpetrator": ["a1"], "target": ["a2"]},
        killed=Quantity(index + 2, Qualifier.AT_LEAST),
        suicide=False,
        weapons=["rifle"],
        certainty=Certainty.REPORTED,
        claims=[claim],
    )
    relation = RelationRecord(
        local_id="r1",
        type="rival_of",
        source="a1",
        target="a2",
        status="alleged",
        claims=[Claim(evidence=Span(0, len(sentence), sentence), extractor="test.v1")],
    )
    document = Document(
        id=f"doc-{index:04d}",
        file_name=f"report_{index:04d}.txt",
        source=f"/corpus/report_{index:04d}.txt",
        origin=Origin.FILE,
        text=body,
        raw_sha256=f"{index:064x}",
        title=f"Report number {index}",
        publisher="Example Institute",
        publication="Example Monitor",
        volume=3,
        issue=index,
        language="en",
        published=dt.date(2020, 3, 1),
        published_method=DateMethod.DATELINE,
        page_date=dt.date(2024, 1, 1),
    )
    mentions = [Mention(a.mentions[0].start, a.mentions[0].end, "ORG", a.mentions[0].text, 0) for a in actors]
    return Extraction(
        document=document, mentions=mentions, actors=actors, events=[event], relations=[relation], extractor="test.v1"
    )


def write_batch(url: str, indices: list[int]) -> None:
    """Child process body: write the synthetic documents ``indices`` to the store at ``url``."""
    with Store.open(url) as store:
        for index in indices:
            store.write_extraction(synthetic_extraction(index))


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL database the tests make their schemas in (URL); skips when none answers."""
    engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server: skip the PostgreSQL half, saying why
        reason = f"no PostgreSQL server reachable at {PG_SERVER}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        print(reason)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return PG_SERVER


def _empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a database with nothing in it: a new SQLite file, or a new PostgreSQL schema (via
    ``search_path``) dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("pg_server")
    schema = f"wf_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite store file, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    Store.open(f"sqlite:///{path}").close()
    return path


@pytest.fixture(scope="session")
def pg_schema(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL schema for this test session, migrated once and dropped at the end (URL)."""
    urls = _empty_url("postgresql", request, tmp_path_factory.getbasetemp())
    url = next(urls)
    Store.open(url).close()
    yield url
    next(urls, None)  # drops the schema


def _reset_postgres(url: str) -> None:
    """Empty every table of the session schema (ids restart) and set the schema revision back to head."""
    schema = url.rsplit("search_path%3D", 1)[1]
    engine = create_engine(url.split("?", 1)[0])
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
            {"s": schema},
        ).scalars()
        names = ", ".join(f'"{schema}"."{name}"' for name in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(text(f'UPDATE "{schema}".alembic_version SET version_num = :v'), {"v": head_revision()})
    engine.dispose()


def _backend_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store: a copy of the SQLite template, or the session's PostgreSQL schema emptied."""
    if backend == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_schema")
    _reset_postgres(url)
    yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database (no tables) on each backend."""
    yield from _empty_url(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a migrated, empty store on each backend: a copy of a template SQLite file, or the
    session's PostgreSQL schema with every table emptied."""
    yield from _backend_url(request.param, request, tmp_path)


@pytest.fixture(
    params=[pytest.param("sqlite", marks=pytest.mark.slow), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def shared_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``store_url``, for the two-writer test: the PostgreSQL run is in the default set, the
    SQLite run (two local writers queueing on ``BEGIN IMMEDIATE``) is marked slow."""
    yield from _backend_url(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])])
def crash_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``store_url``, for the SIGKILL test: the SQLite run is in the default set, the
    PostgreSQL run (where the server rolls the killed transaction back) is marked slow."""
    yield from _backend_url(request.param, request, tmp_path)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An opened, migrated, empty store on the parametrised backend."""
    with Store.open(store_url) as opened:
        yield opened


# ---------------------------------------------------------------------------
# opening and migrating
# ---------------------------------------------------------------------------


def test_processes_opening_a_fresh_database_at_once_migrate_it_once(empty_url: str) -> None:
    """Writers started together on an empty database (two ingest processes, a server and a CLI) all
    open it: one migrates while the others wait for its lock and then find the schema at head."""
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_once() -> None:
        barrier.wait()
        try:
            Store.open(empty_url, busy_timeout=30).close()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "an opener is stuck (lock wait)"
    assert errors == []
    with Store.open(empty_url) as store:
        assert store.counts().documents == 0


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")  # hand-made, on purpose
def test_open_migrates_to_head_and_matches_models(empty_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from watchfloor.store.migrate import include_name

    store = Store.open(empty_url)
    assert quick_head() == head_revision()  # the fast open path finds the newest migration
    assert store.schema_revision() == head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
        context = MigrationContext.configure(conn, opts={"include_name": include_name, "compare_type": True})
        assert compare_metadata(context, db.Base.metadata) == []
    store.close()
    with Store.open(empty_url) as again:  # reopening an up-to-date store is a no-op
        assert again.counts().documents == 0


def test_newer_schema_is_refused_untouched(store_url: str) -> None:
    with Store.open(store_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    with pytest.raises(StoreError, match="newer watchfloor"):
        Store.open(store_url)
    engine = create_engine(store_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "ffffffffffff"
    engine.dispose()


def test_unreachable_postgres_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(StoreError, match="cannot connect"):
        Store.open("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    assert time.monotonic() - started < 5


def test_locked_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE other (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="database is locked"):
            Store.open(f"sqlite:///{path}", busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
    tables = {row[0] for row in holder.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    holder.close()
    assert tables == {"other"}


def test_bad_urls_raise_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        Store.open(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("not a url")
    with pytest.raises(StoreError, match="unsupported"):
        Store.open("mysql://localhost/x")


# ---------------------------------------------------------------------------
# writing and reading
# ---------------------------------------------------------------------------


def test_write_is_idempotent_and_counted(store: Store) -> None:
    first = store.write_extraction(synthetic_extraction(0))
    assert first.created and first.events == 1 and first.relations == 1 and first.claims == 2
    assert first.actors_created == 2
    again = store.write_extraction(synthetic_extraction(0))
    assert not again.created
    assert store.has_document("doc-0000") and not store.has_document("doc-9999")
    store.record_failure("/corpus/broken.html", "no text after cleaning")
    counts = store.counts()
    assert (counts.documents, counts.actors, counts.events, counts.relations, counts.claims, counts.failures) == (
        1,
        2,
        1,
        1,
        2,
        1,
    )


@pytest.fixture
def refuse_document(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Makes the store refuse (an integrity error, after writing it) any document whose id is put in the set."""
    from sqlalchemy.exc import IntegrityError

    from watchfloor.store import repository

    refused: set[str] = set()
    real = repository._write_extraction

    def write(session: Any, extraction: Extraction, dedup: Any) -> Any:
        result = real(session, extraction, dedup)
        if extraction.document.id in refused:
            raise IntegrityError("INSERT ...", {}, Exception(f"{extraction.document.id} refused"))
        return result

    monkeypatch.setattr(repository, "_write_extraction", write)
    return refused


def test_batch_write_lands_all_or_nothing(store: Store, refuse_document: set[str]) -> None:
    results = store.write_extractions([synthetic_extraction(0), synthetic_extraction(1), synthetic_extraction(0)])
    assert [(r.document_id, r.created) for r in results] == [
        ("doc-0000", True),
        ("doc-0001", True),
        ("doc-0000", False),  # the same document again in the batch: left alone
    ]
    refuse_document.add("doc-0003")
    with pytest.raises(StoreError, match="doc-0003 refused"):
        store.write_extractions([synthetic_extraction(2), synthetic_extraction(3)])
    assert not store.has_document("doc-0002") and store.counts().documents == 2
    assert store.write_extractions([]) == []


EngineStub = Callable[..., None]


@pytest.fixture
def engine_yielding(monkeypatch: pytest.MonkeyPatch) -> EngineStub:
    """Call it with ``n`` (and an ``error``): ingest's engine then yields synthetic documents 0..n-1 as
    inputs ``in-0.txt``... and afterwards raises ``error``, if one is given; no spaCy parse involved."""
    from watchfloor import engines
    from watchfloor.engines import Outcome

    def install(count: int, *, error: Exception | None = None) -> None:
        def engine(items: Any, settings: Settings) -> Iterator[Outcome]:
            for index in range(count):
                yield Outcome(source=f"in-{index}.txt", extraction=synthetic_extraction(index))
            if error is not None:
                raise error

        monkeypatch.setattr(engines, "get_engine", lambda name: engine)

    return install


def test_ingest_writes_in_batches_and_a_refused_document_fails_alone(
    store: Store, refuse_document: set[str], engine_yielding: EngineStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seven documents, three per transaction: the one the store refuses is a failure, the other six land."""
    from watchfloor.pipeline import ingest

    engine_yielding(7)
    refuse_document.add("doc-0004")
    transactions = 0
    real_write = Store.write

    def counting_write(self: Store, *args: Any, **kwargs: Any) -> Any:
        nonlocal transactions
        transactions += 1
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Store, "write", counting_write)
    report = ingest([], settings=Settings(write_batch=3), store=store, fuse_events=False)
    assert report.added == [f"doc-{i:04d}" for i in (0, 1, 2, 3, 5, 6)]
    assert [(f.source, "doc-0004 refused" in f.problem) for f in report.failed] == [("in-4.txt", True)]
    # batches [0 1 2] and [6] at once; [3 4 5] refused, then 3, 4 (refused), 5 and the failure record one by one
    assert transactions == 2 + 1 + 4
    assert store.counts().documents == 6 and store.counts().failures == 1


def test_ingest_keeps_what_was_processed_when_the_engine_stops(store: Store, engine_yielding: EngineStub) -> None:
    """Five documents out, then the engine fails (a lost cluster, Ctrl-C): the five are stored, the error raised."""
    from watchfloor.pipeline import ingest

    engine_yielding(5, error=RuntimeError("cluster lost"))
    with pytest.raises(RuntimeError, match="cluster lost"):
        ingest([], settings=Settings(write_batch=32), store=store, fuse_events=False)
    assert store.counts().documents == 5


def test_views_round_trip(store: Store) -> None:
    extraction = synthetic_extraction(7)
    store.write_extraction(extraction)
    [doc] = store.list_documents()
    assert doc.id == "doc-0007" and doc.file == "report_0007.txt" and doc.text == extraction.document.text
    assert doc.published == dt.date(2020, 3, 1) and doc.published_method == "dateline"
    assert doc.page_date == dt.date(2024, 1, 1) and doc.publication == "Example Monitor" and doc.issue == 7
    actors = {a.id: a for a in store.list_actors()}
    [event] = store.list_events()
    assert event.type == "attack" and event.subtype == "armed_assault"
    assert event.date == "2020-02" and event.date_precision == "month"
    assert event.location is not None and event.location.name == "Town1" and event.location.country == "AF"
    assert event.killed == Quantity(9, Qualifier.AT_LEAST)
    assert event.suicide is False and event.weapons == ["rifle"] and event.certainty == "reported"
    [perpetrator] = event.actors["perpetrator"]
    [target] = event.actors["target"]
    assert actors[perpetrator].name == extraction.actors[0].name
    assert actors[target].name == extraction.actors[1].name
    assert [(s.outlet, s.date) for s in event.sources] == [("Outlet1", dt.date(2020, 1, 8))]
    [evidence] = event.evidence
    assert doc.text[evidence.start : evidence.end] == evidence.text and evidence.file == doc.file
    [relation] = store.list_relations()
    assert (relation.source, relation.target, relation.status) == (perpetrator, target, "alleged")
    assert store.get_event(event.id) == event
    assert store.list_events(country="af", since=dt.date(2020, 2, 10), actor=perpetrator) == [event]
    assert store.list_events(until=dt.date(2020, 1, 31)) == []


def test_iteration_is_batched_and_limited(store: Store) -> None:
    for index in range(12):
        store.write_extraction(synthetic_extraction(index))
    ids = [d.id for d in store.iter_documents(batch_size=5)]
    assert ids == sorted(f"doc-{i:04d}" for i in range(12))
    assert len(store.list_documents(limit=7)) == 7
    assert len(list(store.iter_events(batch_size=4))) == 12
    assert [e.id for e in store.list_events(limit=3)] == [e.id for e in store.list_events()][:3]
    assert len(store.list_relations(limit=100)) == 12


def test_near_duplicate_bands(store: Store) -> None:
    store.write_extraction(synthetic_extraction(1), minhash=[1, 2, 3], bands=["00:aa", "01:bb", "02:cc"])
    store.write_extraction(synthetic_extraction(2), minhash=[1, 2, 4], bands=["00:aa", "01:zz"], repost_of="doc-0001")
    store.write_extraction(synthetic_extraction(3), repost_of="doc-unknown")  # unknown target: left empty
    candidates = store.near_duplicates(["00:aa", "01:bb", "09:xx"])
    assert [(c.document, c.shared_bands) for c in candidates] == [("doc-0001", 2), ("doc-0002", 1)]
    assert candidates[0].minhash == [1, 2, 3] and candidates[1].repost_of == "doc-0001"
    assert [c.document for c in store.near_duplicates(["00:aa"], exclude="doc-0001")] == ["doc-0002"]
    store.mark_repost("doc-0003", repost_of="doc-0001", cluster_id="c1")
    documents = {d.id: d for d in store.list_documents()}
    assert (documents["doc-0003"].repost_of, documents["doc-0003"].cluster_id) == ("doc-0001", "c1")


# ---------------------------------------------------------------------------
# cross-document actor identity
# ---------------------------------------------------------------------------


def test_normalise_alias_variants() -> None:
    assert normalise_alias("ISK-P") == normalise_alias("ISKP") == normalise_alias("Isk P") == "iskp"
    assert normalise_alias("The Taliban's") == normalise_alias("Taliban") == "taliban"
    assert normalise_alias("Tehrik-e Taliban") == normalise_alias("Tehrik-e-Taliban")
    assert normalise_alias("Fatemiyoun’s") == normalise_alias("Fâtemiyoun")
    assert normalise_alias("—") == ""


def _one_actor_doc(index: int, record: ActorRecord) -> Extraction:
    extraction = synthetic_extraction(index)
    extraction.actors = [record]
    extraction.events[0].participants = {"perpetrator": [record.local_id]}
    extraction.relations = []
    return extraction


def test_actors_join_across_documents(store: Store) -> None:
    kinds = ActorKind
    store.write_extraction(
        _one_actor_doc(1, ActorRecord("x", "Islamic State Khorasan Province", kinds.ARMED_GROUP, ["ISK-P"], kb_id="kp"))
    )
    store.write_extraction(_one_actor_doc(2, ActorRecord("y", "Wilayat Khorasan", kinds.ARMED_GROUP, [], kb_id="kp")))
    store.write_extraction(_one_actor_doc(3, ActorRecord("z", "ISKP", kinds.ARMED_GROUP, ["IS-K"])))  # alias, no KB
    store.write_extraction(
        _one_actor_doc(4, ActorRecord("w", "The Red Banner's", kinds.ARMED_GROUP, ["Red-Banner", "Red Banner"]))
    )
    store.write_extraction(_one_actor_doc(5, ActorRecord("v", "Red Banner", kinds.ARMED_GROUP, ["RB"])))  # by name
    store.write_extraction(_one_actor_doc(6, ActorRecord("u", "Red Banner", kinds.PERSON, [])))  # other kind
    actors = store.list_actors()
    by_name = {a.name: a for a in actors}
    assert len(actors) == 3, actors
    kp = by_name["Islamic State Khorasan Province"]
    assert kp.kb_id == "kp"
    assert {"ISK-P", "Wilayat Khorasan", "ISKP", "IS-K"} <= set(kp.aliases)
    assert kp.documents == ["doc-0001", "doc-0002", "doc-0003"]
    red = by_name["The Red Banner's"]
    assert red.kind == "armed_group" and {"RB", "Red-Banner", "Red Banner"} <= set(red.aliases)  # variants kept
    with store.session() as session:
        reasons = [m.reason for m in session.scalars(select(db.ActorMerge).order_by(db.ActorMerge.id))]
    assert reasons == ["new", "kb_id", "alias", "new", "name", "new"]


def test_actors_join_within_one_document(store: Store) -> None:
    """A document's records are linked in order: later ones see the actors, aliases and KB ids earlier ones left."""
    group = ActorKind.ARMED_GROUP
    records = [
        ActorRecord("a", "Red Banner", group, ["RB"]),  # new
        ActorRecord("b", "The Red Banner", group, []),  # same name as a
        ActorRecord("c", "RB Movement", group, ["RB"]),  # shares a's alias
        ActorRecord("d", "Red Banner", group, [], kb_id="q1"),  # a has no KB id yet: adopts it
        ActorRecord("e", "Red Banner Front", group, ["Red Banner"], kb_id="q2"),  # may not join a (other KB id)
        ActorRecord("f", "Red Banner", group, [], kb_id="q3"),  # name held by a: new actor without the name key
        ActorRecord("g", "Anything", group, [], kb_id="q1"),  # by the KB id d gave a
    ]
    extraction = _one_actor_doc(1, records[0])
    extraction.actors = records
    store.write_extraction(extraction)
    store.write_extraction(_one_actor_doc(2, ActorRecord("h", "Red Banner", group, [], kb_id="q3")))
    with store.session() as session:
        merges = session.execute(
            select(db.ActorMerge.local_id, db.ActorMerge.reason, db.ActorMerge.score, db.ActorMerge.actor_id).order_by(
                db.ActorMerge.id
            )
        ).all()
        keys = dict(session.execute(select(db.Actor.id, db.Actor.name_key)).tuples().all())
    assert [(m.local_id, m.reason, m.score) for m in merges] == [
        ("a", "new", 1.0),
        ("b", "name", 0.95),
        ("c", "alias", 0.75),
        ("d", "name", 0.95),
        ("e", "new", 1.0),
        ("f", "new", 1.0),
        ("g", "kb_id", 1.0),
        ("h", "kb_id", 1.0),
    ]
    actor = {m.local_id: m.actor_id for m in merges}
    assert actor["a"] == actor["b"] == actor["c"] == actor["d"] == actor["g"]
    assert len({actor["a"], actor["e"], actor["f"]}) == 3 and actor["h"] == actor["f"]
    assert keys[actor["f"]] is None and keys[actor["e"]] == "armed_group|redbannerfront"
    by_id = {a.id: a for a in store.list_actors()}
    assert by_id[actor["a"]].kb_id == "q1" and by_id[actor["e"]].kb_id == "q2" and by_id[actor["f"]].kb_id == "q3"
    assert {"Red Banner", "The Red Banner", "RB", "RB Movement"} <= set(by_id[actor["a"]].aliases)


def test_undo_merge_detaches_one_document(store: Store) -> None:
    store.write_extraction(_one_actor_doc(1, ActorRecord("x", "Northern Front", ActorKind.ARMED_GROUP, ["NF"])))
    local = ActorRecord(
        "y", "NF", ActorKind.ARMED_GROUP, ["Nusra Front"], mentions=[Span(0, 2, "NF"), Span(10, 12, "NF")]
    )
    store.write_extraction(_one_actor_doc(2, local))
    [joined] = store.list_actors()
    assert "Nusra Front" in joined.aliases and len(joined.documents) == 2
    [merge] = store.list_merges(document="doc-0002")
    assert (merge.actor, merge.reason, merge.local_name, merge.undone) == (joined.id, "alias", "NF", False)
    merge_id = merge.id
    with store.session() as session, session.begin():
        fresh_id = undo_merge(session, merge_id)
    actors = {a.id: a for a in store.list_actors()}
    assert set(actors) == {joined.id, fresh_id}
    assert actors[joined.id].documents == ["doc-0001"] and "Nusra Front" not in actors[joined.id].aliases
    assert actors[fresh_id].documents == ["doc-0002"] and set(actors[fresh_id].aliases) == {"NF", "Nusra Front"}
    events = {e.document: e for e in store.list_events()}
    assert events["doc-0002"].actors == {"perpetrator": [fresh_id]}
    assert events["doc-0001"].actors == {"perpetrator": [joined.id]}
    with store.session() as session:
        spans = session.scalars(
            select(db.ActorMention).join(db.ActorMerge).where(db.ActorMerge.actor_id == fresh_id)
        ).all()
        undone = session.get(db.ActorMerge, merge_id)
        assert undone is not None and undone.undone
    assert sorted((s.start, s.end) for s in spans) == [(0, 2), (10, 12)]
    with pytest.raises(Exception, match="already undone"):
        store.undo_merge(merge_id)


def test_store_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from watchfloor.cli.store import store_app

    path = tmp_path / "cli.db"
    with Store.open(f"sqlite:///{path}") as store:
        store.write_extraction(synthetic_extraction(4))
    runner = CliRunner()
    result = runner.invoke(store_app, ["info", "--db", str(path)])
    assert result.exit_code == 0 and "documents" in result.output
    result = runner.invoke(store_app, ["search", "Town1", "--db", str(path)])
    assert result.exit_code == 0 and "report_0004.txt" in result.output
    result = runner.invoke(store_app, ["merges", "--db", str(path)])
    assert result.exit_code == 0 and "new" in result.output
    result = runner.invoke(store_app, ["undo-merge", "1", "--db", str(path)])
    assert result.exit_code == 0 and "merge 1 undone" in result.output


# ---------------------------------------------------------------------------
# search
# ---------------------------------------------------------------------------


def test_search_documents_and_claims(store: Store) -> None:
    for index in range(4):
        store.write_extraction(synthetic_extraction(index))
    hits = store.search("attacked near Town2")
    assert hits, "expected matches"
    assert {h.document for h in hits} == {"doc-0002"}
    kinds = {h.kind for h in hits}
    assert kinds == {"document", "claim"}
    claim_hit = next(h for h in hits if h.kind == "claim")
    assert claim_hit.event_id is not None and claim_hit.start == 0 and "Town2" in claim_hit.snippet
    outlet_hits = store.search("carried Outlet1", limit=10)
    assert {(h.kind, h.document) for h in outlet_hits} == {("document", "doc-0001"), ("document", "doc-0003")}
    assert len(store.search("report", limit=3)) == 3


NASTY_QUERIES = [
    '"',
    "Town2 OR",
    "NEAR(",
    "a AND (b",
    "*",
    "col:Town2",
    "'; DROP TABLE documents; --",
    "^Town2",
    "",
    "   ",
    "-x",
    'Town2"',
    "Town2 NOT",
    "{Town2}",
    "Town2\x00",
]


def test_search_syntax_never_raises(store: Store) -> None:
    store.write_extraction(synthetic_extraction(2))
    for query in NASTY_QUERIES:
        assert isinstance(store.search(query), list), query
    hits = store.search('"Town2*" (near')
    assert sorted(h.kind for h in hits) == ["claim", "claim", "document"]  # body, event claim, relation claim
    assert {h.document for h in hits} == {"doc-0002"}
    assert store.counts().documents == 1


def test_search_random_text_never_raises(tmp_path: Path) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    with Store.open(f"sqlite:///{tmp_path / 'fuzz.db'}") as store:
        store.write_extraction(synthetic_extraction(1))

        @given(st.text(max_size=40))
        @settings(max_examples=150, deadline=None)
        def check(query: str) -> None:
            assert isinstance(store.search(query, limit=5), list)

        check()


# ---------------------------------------------------------------------------
# concurrency and crashes
# ---------------------------------------------------------------------------


def _assert_complete(url: str, expected: set[int]) -> None:
    """Every expected document once, each with its event, relation and claims; no duplicate actors."""
    with Store.open(url) as store:
        counts = store.counts()
        assert counts.documents == len(expected)
        assert {d.id for d in store.iter_documents()} == {f"doc-{i:04d}" for i in expected}
        assert counts.events == counts.relations == len(expected) and counts.claims == 2 * len(expected)
        actors = store.list_actors()
        assert len(actors) == len(IDENTITIES), [a.name for a in actors]
        with store.session() as session:
            per_doc = session.execute(select(db.Event.document_id, func.count()).group_by(db.Event.document_id)).all()
        assert all(n == 1 for _, n in per_doc)


def test_two_processes_write_overlapping_batches(shared_store_url: str) -> None:
    store_url = shared_store_url
    Store.open(store_url).close()
    context = multiprocessing.get_context("spawn")
    first = list(range(0, 12))
    second = list(range(6, 18))[::-1]
    workers = [context.Process(target=write_batch, args=(store_url, batch)) for batch in (first, second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    _assert_complete(store_url, set(range(18)))


def test_resume_after_sigkill(crash_store_url: str) -> None:
    store_url = crash_store_url
    Store.open(store_url).close()
    context = multiprocessing.get_context("spawn")
    indices = list(range(30))
    child = context.Process(target=write_batch, args=(store_url, indices))
    child.start()
    with Store.open(store_url) as watcher:
        deadline = time.monotonic() + 60
        while watcher.counts().documents < 3 and time.monotonic() < deadline and child.is_alive():
            time.sleep(0.02)
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=10)
        assert child.exitcode == -signal.SIGKILL
        written = watcher.counts().documents
    assert 3 <= written < len(indices)
    write_batch(store_url, indices)  # resume: the whole batch again
    _assert_complete(store_url, set(indices))
