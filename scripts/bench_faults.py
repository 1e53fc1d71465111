"""Fault benchmark: re-ingest, SIGKILL-and-resume and two concurrent writers lose and duplicate nothing.

10,000 small synthetic reports (varied groups, towns, dates, figures and
filler sentences; JSONL) are ingested into a fresh PostgreSQL database through
the real ``watchfloor.pipeline.ingest`` (writer, store transactions, repost
marking and event fusion), with one shortcut, printed with the results: the
per-document stages run on the **lightweight engine ``bench-light.v1``**
defined here, which cleans each input with the real ``watchfloor.clean`` but
reads the synthetic sentence with a regular expression instead of the spaCy
parse and the rule extractor (the faults under test are the store's, and
10,000 spaCy parses would take an hour on two cores).

Phases, each on a fresh schema unless said otherwise:

1. ingest everything, then ingest it again: the second run must add 0 rows;
2. ingest in a child process, SIGKILL it at a random point, resume: 0 lost, 0 duplicated;
3. two processes ingest the same batch at once: 0 lost, 0 duplicated.

"Lost" = expected documents (content-hash ids computed from the inputs)
missing from the store, or stored documents with fewer events than their
input gives; "duplicated" = rows beyond the expected (events, claims) or
events in more than one fused event; every event must end in exactly one
fused event.

    python scripts/bench_faults.py                       # 10,000 documents, PostgreSQL
    python scripts/bench_faults.py -n 500 --url sqlite:////tmp/faults.db
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from watchfloor.engines import Outcome, engines
from watchfloor.errors import InputError, WatchfloorError
from watchfloor.models import (
    ActorKind,
    ActorRecord,
    Certainty,
    Citation,
    Claim,
    EventRecord,
    Extraction,
    PlaceRef,
    Precision,
    Qualifier,
    Quantity,
    RawInput,
    Span,
    TimeValue,
)
from watchfloor.settings import Settings

log = logging.getLogger("bench_faults")

ENGINE = "bench-light.v1"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PER_FILE = 500

GROUPS = [
    "Northern Front",
    "Red Banner Brigade",
    "Coastal Liberation Army",
    "Desert Hawks",
    "Sons of the Valley",
    "People's Defence Militia",
    "River Guard",
    "Mountain Lions Movement",
    "Free Highlands Army",
    "Eastern Jihad Cell",
    "Southern Resistance",
    "Black Flag Battalion",
    "Delta Avengers Front",
    "Plateau Self-Defence",
    "Green Crescent",
    "Lakeside Vigilantes",
    "Iron Column",
    "Border Wolves",
    "Night Riders Group",
    "Sahel Martyrs Brigade",
]
#: Invented towns: (name, country, lat, lon), spread out so that distinct towns are far apart.
TOWNS = [
    (
        f"Town{chr(65 + i // 8)}{i % 8}",
        ["AA", "BB", "CC", "DD", "EE"][i % 5],
        5.0 + 2.5 * (i // 8),
        10.0 + 3.0 * (i % 8),
    )
    for i in range(40)
]
VERBS = ["attacked", "raided", "struck", "ambushed", "stormed"]
TARGETS = ["a market", "a police post", "an army patrol", "a village", "a bus station", "a checkpoint", "a school"]
FILLERS = [
    "Residents said the attackers arrived on motorcycles.",
    "Officials did not give further details.",
    "The area has seen repeated violence this year.",
    "Aid groups said hundreds of families had fled.",
    "Security was tightened across the district.",
    "Local radio reported heavy gunfire for several hours.",
    "A curfew was declared in the surrounding villages.",
    "The group has carried out similar raids before.",
]
OUTLETS = ["Reuters", "AFP", "Local Courier", "Daily Monitor", "Radio Coast", "The Herald", "Valley Times"]
_SENTENCE = (
    r"(?P<group>[A-Z][\w' -]+?) (?P<verb>attacked|raided|struck|ambushed|stormed) (?P<target>[a-z ]+?) in "
    r"(?P<town>Town[A-Z]\d) on (?P<date>\d{4}-\d{2}-\d{2}), killing (?P<qual>at least |about )?(?P<killed>\d+) people"
)


# -- the synthetic corpus --------------------------------------------------------------


def make_corpus(folder: Path, n: int, *, seed: int = 7) -> list[Path]:
    """Write ``n`` synthetic reports as JSONL files of ``PER_FILE`` lines; returns the files."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    start = dt.date(2023, 1, 1)
    for first in range(0, n, PER_FILE):
        path = folder / f"batch_{first // PER_FILE:04d}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for index in range(first, min(n, first + PER_FILE)):
                town = rng.choice(TOWNS)
                day = start + dt.timedelta(days=rng.randint(0, 729))
                qualifier = rng.choice(["", "", "at least ", "about "])
                actor, verb, target = rng.choice(GROUPS), rng.choice(VERBS), rng.choice(TARGETS)
                lead = (
                    f"{actor} {verb} {target} in {town[0]} on {day.isoformat()}, "
                    f"killing {qualifier}{rng.randint(1, 60)} people, report {index} said."
                )
                text = " ".join([lead, *rng.sample(FILLERS, rng.randint(1, 3))])
                record = {
                    "title": f"Attack in {town[0]} ({index})",
                    "published": (day + dt.timedelta(days=rng.randint(0, 3))).isoformat(),
                    "publisher": rng.choice(OUTLETS),
                    "text": text,
                }
                handle.write(json.dumps(record) + "\n")
        paths.append(path)
    return paths


# -- the lightweight engine ---------------------------------------------------------------


def light_extraction(raw: RawInput) -> Extraction:
    """Clean ``raw`` with the real cleaner, then read the synthetic lead sentence by regular expression."""
    import re

    from watchfloor.clean import clean

    document = clean(raw)
    match = re.search(_SENTENCE, document.text)
    if match is None:
        return Extraction(document=document, mentions=[], extractor=ENGINE)
    town = next(t for t in TOWNS if t[0] == match["town"])
    day = dt.date.fromisoformat(match["date"])
    group = match["group"]
    qualifier = {"at least ": Qualifier.AT_LEAST, "about ": Qualifier.APPROXIMATELY}.get(
        match["qual"] or "", Qualifier.EXACT
    )
    sentence_end = document.text.find(".", match.end()) + 1 or len(document.text)
    evidence = Span(match.start(), sentence_end, document.text[match.start() : sentence_end])
    actor = ActorRecord(
        local_id="a1",
        name=group,
        kind=ActorKind.ARMED_GROUP,
        aliases=[group],
        mentions=[Span(match.start("group"), match.end("group"), group)],
    )
    event = EventRecord(
        local_id="e1",
        type="attack",
        date=TimeValue(day.isoformat(), Precision.DAY, day, day, text=match["date"]),
        location=PlaceRef(name=town[0], country=town[1], lat=town[2], lon=town[3], precision=1),
        place_text=town[0],
        participants={"perpetrator": ["a1"]},
        killed=Quantity(int(match["killed"]), qualifier),
        target=match["target"],
        certainty=Certainty.REPORTED,
        claims=[
            Claim(
                evidence=evidence,
                sources=[Citation(outlet=document.publisher)] if document.publisher else [],
                certainty=Certainty.REPORTED,
                extractor=ENGINE,
            )
        ],
    )
    return Extraction(document=document, mentions=[], actors=[actor], events=[event], extractor=ENGINE)


def light_engine(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    """``bench-light.v1``: in-process, no spaCy (see the module docstring)."""
    del settings
    for item in items:
        if isinstance(item, InputError):
            yield Outcome(source=item.source, problem=item.problem)
            continue
        try:
            yield Outcome(source=item.source, extraction=light_extraction(item))
        except WatchfloorError as exc:
            yield Outcome(source=item.source, problem=str(exc))


def register_engine() -> None:
    with contextlib.suppress(WatchfloorError):  # already registered in this process
        engines.register(ENGINE)(light_engine)


# -- running and auditing --------------------------------------------------------------------


def ingest_into(url: str, paths: list[Path]) -> tuple[int, int]:
    """Ingest ``paths`` into ``url`` with the lightweight engine (this process); returns (added, unchanged)."""
    from watchfloor.pipeline import ingest
    from watchfloor.store.repository import Store

    register_engine()
    settings = Settings(database_url=url, engine=ENGINE)
    with Store.open(url) as store:
        report = ingest(paths, settings=settings, store=store)
    if report.fusion is not None:
        log.warning("fusion: %d events placed in %.1fs", report.fusion.candidates, report.fusion.seconds)
    return len(report.added), len(report.unchanged)


def start_child(url: str, paths: list[Path]) -> subprocess.Popen[bytes]:
    """An ingest of ``paths`` into ``url`` in a child process (this script's ``child`` mode)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--url", url, "child", *map(str, paths)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@dataclass(frozen=True, slots=True)
class Audit:
    """What the store holds against what the inputs give."""

    expected_documents: int
    documents: int
    lost: int
    duplicated: int
    events: int
    claims: int
    unfused_events: int

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.documents == self.expected_documents


def expected_counts(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """Document id -> (events, claims) the inputs give (light engine run in this process)."""
    from watchfloor.acquire import iter_inputs

    out: dict[str, tuple[int, int]] = {}
    for item in iter_inputs(paths, settings=Settings()):
        if isinstance(item, InputError):
            continue
        extraction = light_extraction(item)
        out[extraction.document.id] = (len(extraction.events), sum(len(e.claims) for e in extraction.events))
    return out


def audit(url: str, expected: dict[str, tuple[int, int]]) -> Audit:
    from sqlalchemy import func, select

    from watchfloor.store import schema as db
    from watchfloor.store import schema_fusion as fdb
    from watchfloor.store.repository import Store

    with Store.open(url) as store, store.session() as session:
        stored = set(session.scalars(select(db.Document.id)))
        events = dict(
            session.execute(select(db.Event.document_id, func.count()).group_by(db.Event.document_id)).tuples().all()
        )
        claims = dict(
            session.execute(select(db.Claim.document_id, func.count()).group_by(db.Claim.document_id)).tuples().all()
        )
        total_events = sum(events.values())
        members = int(session.scalar(select(func.count()).select_from(fdb.FusedMember)) or 0)
        distinct_members = int(session.scalar(select(func.count(func.distinct(fdb.FusedMember.event_id)))) or 0)
    lost = len(set(expected) - stored) + sum(
        1
        for doc, (n_events, n_claims) in expected.items()
        if doc in stored and (events.get(doc, 0) < n_events or claims.get(doc, 0) < n_claims)
    )
    duplicated = (
        len(stored - set(expected))
        + sum(max(0, events.get(doc, 0) - n) for doc, (n, _c) in expected.items())
        + sum(max(0, claims.get(doc, 0) - c) for doc, (_n, c) in expected.items())
        + (members - distinct_members)
    )
    return Audit(
        expected_documents=len(expected),
        documents=len(stored),
        lost=lost,
        duplicated=duplicated,
        events=total_events,
        claims=sum(claims.values()),
        unfused_events=total_events - distinct_members,
    )


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A fresh, empty store URL: a new PostgreSQL database on ``url``'s server (dropped after), or ``url``
    itself for SQLite (its file removed first and after)."""
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        yield url
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    # A database of its own (not just a schema): PostgreSQL advisory locks are per database, so other
    # users of the server's test database do not queue behind this benchmark's writers, nor it behind them.
    from sqlalchemy.engine import make_url

    name = f"wf_faults_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _document_count(url: str) -> int:
    from watchfloor.store.repository import Store

    with Store.open(url) as store:
        return store.counts().documents


def kill_and_resume(url: str, paths: list[Path], *, total: int, seed: int) -> tuple[int, float]:
    """Start an ingest, SIGKILL it once a random share (20-80 %) of documents is stored, resume in this process.

    Returns (documents stored when killed, seconds before the kill).  A child that ends before it is
    killed (it crashed, or finished first) raises ``RuntimeError`` with its exit code and last error lines.
    """
    rng = random.Random(seed)
    target = int(total * rng.uniform(0.2, 0.8))
    began = time.perf_counter()
    child = start_child(url, paths)
    stored = 0
    while child.poll() is None:
        time.sleep(0.2)
        with contextlib.suppress(WatchfloorError):
            stored = _document_count(url)
        if stored >= target:
            os.kill(child.pid, signal.SIGKILL)
            break
    _, errors = child.communicate()
    if child.returncode != -signal.SIGKILL:
        tail = " | ".join(errors.decode("utf-8", "replace").strip().splitlines()[-3:])
        raise RuntimeError(f"the child ingest ended by itself (exit code {child.returncode}) before the kill: {tail}")
    killed_at = time.perf_counter() - began
    with contextlib.suppress(WatchfloorError):
        stored = _document_count(url)
    ingest_into(url, paths)
    return stored, killed_at


def concurrent_ingest(url: str, paths: list[Path]) -> list[int]:
    """Two child processes ingest the same batch at once; returns their exit codes."""
    from watchfloor.store.repository import Store

    Store.open(url).close()  # migrate first, so both start writing at once
    children = [start_child(url, paths), start_child(url, paths)]
    codes = []
    for child in children:
        _out, err = child.communicate()
        if child.returncode:
            log.warning("writer exited %s: %s", child.returncode, err.decode(errors="replace")[-500:])
        codes.append(child.returncode)
    return codes


# -- command line -------------------------------------------------------------------------------


def _line(name: str, result: Audit, extra: str = "") -> str:
    return (
        f"{name:<28} documents {result.documents}/{result.expected_documents}  lost {result.lost}  "
        f"duplicated {result.duplicated}  events {result.events}  unfused {result.unfused_events}{extra}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "child"])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("-n", type=int, default=10_000, help="number of synthetic documents")
    parser.add_argument(
        "--url", default=DEFAULT_SERVER, help="PostgreSQL server URL (a fresh database is made) or SQLite URL"
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.mode == "child":
        ingest_into(args.url, list(args.paths))
        return 0

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_corpus(Path(tmp) / "corpus", args.n, seed=args.seed)
        expected = expected_counts(paths)
        print(f"engine: {ENGINE} (lightweight: real cleaning, regex extraction, no spaCy); {len(expected)} documents")

        with fresh_database(args.url) as url:
            began = time.perf_counter()
            added, _ = ingest_into(url, paths)
            first = audit(url, expected)
            seconds = time.perf_counter() - began
            print(_line("1. ingest", first, f"  ({added} added, {seconds:.0f}s)"))
            again_added, unchanged = ingest_into(url, paths)
            second = audit(url, expected)
            rows_added = (
                (second.documents - first.documents) + (second.events - first.events) + (second.claims - first.claims)
            )
            print(
                _line(
                    "1b. re-ingest", second, f"  (rows added {rows_added}, {again_added} added, {unchanged} unchanged)"
                )
            )
            ok &= first.ok and second.ok and rows_added == 0 and again_added == 0

        with fresh_database(args.url) as url:
            at_kill, seconds = kill_and_resume(url, paths, total=len(expected), seed=args.seed)
            resumed = audit(url, expected)
            print(_line("2. SIGKILL + resume", resumed, f"  (killed after {seconds:.0f}s with {at_kill} stored)"))
            ok &= resumed.ok and resumed.unfused_events == 0

        with fresh_database(args.url) as url:
            codes = concurrent_ingest(url, paths)
            both = audit(url, expected)
            print(_line("3. two writers at once", both, f"  (exit codes {codes})"))
            ok &= both.ok and both.unfused_events == 0 and codes == [0, 0]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
