"""Benchmark the streaming exports on a large synthetic store.

Usage (from the repository root, venv active)::

    python scripts/bench_export.py                      # 1,000,000 events, every format
    python scripts/bench_export.py --events 100000 --formats acled stix
    python scripts/bench_export.py --db /tmp/big.db --keep   # reuse / keep the filled store
    python scripts/bench_export.py --events 200000 --fused 3 --formats acled jsonl   # fused exports

``--fused K`` also fills the fusion tables: event ``j`` of ``K`` consecutive
documents make one fused event (so every event is in a fused event of up to
``K`` reports); ``--events-mode fused|reported`` overrides the formats'
default ``--events``.

The store is filled by bulk insert (SQLAlchemy Core ``executemany`` on the
store's own tables, not the pipeline): documents, actors with aliases and
merges, places, events with participants, one claim with one cited source per
event.  Each format is then exported in its own child process, which reports
its wall time and peak resident memory (``ru_maxrss``, which counts the
pages of the store file SQLite memory-maps, and ``RssAnon``, the process's
own memory, sampled every 0.2 s); the target is under 500 MB whatever the
number of events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert

from watchfloor.export import FORMATS
from watchfloor.store import schema as db
from watchfloor.store import schema_fusion as fdb
from watchfloor.store.repository import Store

CHUNK = 10_000
TYPES = ["suicide_attack", "bombing", "armed_assault", "kidnapping", "clash", "airstrike", "arrest", "recruitment"]
COUNTRIES = ["AF", "PK", "IQ", "SY", "NG", "ML", "SO", "PH", "CO", "MZ"]
KINDS = ["armed_group", "armed_group", "armed_group", "state", "person", "media"]


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(store: Store, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with store.engine.begin() as conn:
        for batch in _chunks(rows):
            conn.execute(insert(table), batch)
            count += len(batch)
    return count


def fill(store: Store, *, events: int, documents: int, actors: int, places: int, fused: int = 0, seed: int = 7) -> None:
    """Bulk-insert a synthetic knowledge base of ``events`` events."""
    rng = random.Random(seed)
    start = dt.date(2015, 1, 1)
    doc_ids = [f"bench-{i:06d}" for i in range(documents)]
    _insert(
        store,
        db.Document.__table__,  # type: ignore[arg-type]
        (
            {
                "id": doc_id,
                "file_name": f"{doc_id}.txt",
                "source": f"/bench/{doc_id}.txt",
                "origin": "file",
                "title": f"Synthetic report {i}",
                "publisher": f"Outlet {i % 40}",
                "published": start + dt.timedelta(days=i % 3000),
                "published_method": "dateline",
                "text": f"Synthetic report {i}. " * 20,
                "raw_sha256": f"{i:064x}",
                "removed_lines": [],
            }
            for i, doc_id in enumerate(doc_ids)
        ),
    )
    kinds = [KINDS[i % len(KINDS)] for i in range(actors)]
    _insert(
        store,
        db.Actor.__table__,  # type: ignore[arg-type]
        (
            {
                "id": i + 1,
                "name": f"Actor {i}",
                "kind": kinds[i],
                "country": COUNTRIES[i % len(COUNTRIES)],
                "kb_id": f"bench:{i}" if i % 3 == 0 else None,
                "name_key": f"{kinds[i]}|actor{i}",
            }
            for i in range(actors)
        ),
    )
    _insert(
        store,
        db.ActorAlias.__table__,  # type: ignore[arg-type]
        (
            {"actor_id": i + 1, "alias": alias, "norm": alias.lower().replace(" ", "")}
            for i in range(actors)
            for alias in (f"Actor {i}", f"A{i}")
        ),
    )
    _insert(
        store,
        db.ActorMerge.__table__,  # type: ignore[arg-type]
        (
            {
                "id": i + 1,
                "actor_id": i + 1,
                "document_id": doc_ids[i % documents],
                "local_id": "a1",
                "local_name": f"Actor {i}",
                "local_kind": kinds[i],
                "local_aliases": [],
                "reason": "new",
                "score": 1.0,
                "undone": False,
            }
            for i in range(actors)
        ),
    )
    _insert(
        store,
        db.Place.__table__,  # type: ignore[arg-type]
        (
            {
                "id": i + 1,
                "key": f"bench:{i}",
                "name": f"Town {i}",
                "admin1": f"Province {i % 30}",
                "country": COUNTRIES[i % len(COUNTRIES)],
                "lat": rng.uniform(-30, 45),
                "lon": rng.uniform(-80, 120),
                "precision": 1 + i % 3,
            }
            for i in range(places)
        ),
    )
    per_doc = max(1, events // documents)

    def event_rows() -> Iterator[dict[str, Any]]:
        for i in range(events):
            day = start + dt.timedelta(days=rng.randrange(3650))
            place = rng.randrange(places) + 1 if rng.random() < 0.9 else None
            killed = rng.randrange(50) if rng.random() < 0.6 else None
            yield {
                "id": i + 1,
                "document_id": doc_ids[min(i // per_doc, documents - 1)],
                "local_id": f"e{i % per_doc}",
                "type": TYPES[i % len(TYPES)],
                "date_value": day.isoformat(),
                "date_precision": "day",
                "date_start": day,
                "date_end": day,
                "place_id": place,
                "country": COUNTRIES[(place or 1) % len(COUNTRIES)] if place else None,
                "killed_value": killed,
                "killed_qualifier": "at_least" if killed else None,
                "suicide": i % 8 == 0,
                "weapons": ["explosives"] if i % 2 else [],
                "perpetrator_individuals": [],
                "victims": [],
                "certainty": "reported" if i % 5 == 0 else "asserted",
                "confidence": 0.9,
            }

    _insert(store, db.Event.__table__, event_rows())  # type: ignore[arg-type]

    def participant_rows() -> Iterator[dict[str, Any]]:
        for i in range(events):
            perpetrator = rng.randrange(actors) + 1
            yield {"event_id": i + 1, "actor_id": perpetrator, "role": "perpetrator"}
            if i % 2:
                target = rng.randrange(actors) + 1
                if target != perpetrator:
                    yield {"event_id": i + 1, "actor_id": target, "role": "target"}

    _insert(store, db.EventParticipant.__table__, participant_rows())  # type: ignore[arg-type]
    _insert(
        store,
        db.Claim.__table__,  # type: ignore[arg-type]
        (
            {
                "id": i + 1,
                "document_id": doc_ids[min(i // per_doc, documents - 1)],
                "event_id": i + 1,
                "evidence_start": 0,
                "evidence_end": 20,
                "evidence_text": f"Synthetic statement number {i}.",
                "certainty": "asserted",
                "extractor": "bench",
                "confidence": 0.9,
                "values": {},
            }
            for i in range(events)
        ),
    )
    _insert(
        store,
        db.ClaimSource.__table__,  # type: ignore[arg-type]
        ({"claim_id": i + 1, "outlet": f"Wire {i % 25}", "text": ""} for i in range(0, events, 2)),
    )
    if fused > 0:
        fill_fusion(store, events=events, documents=documents, per_doc=per_doc, group=fused)
    relations = min(actors * 2, 2000)
    _insert(
        store,
        db.Relation.__table__,  # type: ignore[arg-type]
        (
            {
                "document_id": doc_ids[i % documents],
                "local_id": f"r{i}",
                "type": "allied_with",
                "source_actor_id": rng.randrange(actors) + 1,
                "target_actor_id": rng.randrange(actors) + 1,
            }
            for i in range(relations)
        ),
    )


def fill_fusion(store: Store, *, events: int, documents: int, per_doc: int, group: int) -> None:
    """Fused events of ``group`` reports each: event ``j`` of documents ``d..d+group-1`` (block-aligned)."""

    def key(i: int) -> int:  # fused event id of event i (1-based ids)
        doc, local = min(i // per_doc, documents - 1), i % per_doc
        return (doc // group) * per_doc + local + 1

    ids = sorted({key(i) for i in range(events)})
    _insert(
        store,
        fdb.FusedEvent.__table__,  # type: ignore[arg-type]
        (
            {
                "id": fused_id,
                "type": TYPES[fused_id % len(TYPES)],
                "date_value": "2020-01-01",
                "date_precision": "day",
                "date_start": dt.date(2020, 1, 1),
                "date_end": dt.date(2020, 1, 1),
                "country": COUNTRIES[fused_id % len(COUNTRIES)],
                "killed_low": 3,
                "killed_best": 4,
                "killed_high": 9,
                "reliability": "C",
                "credibility": 2,
                "independent_sources": group,
                "documents": group,
                "fields": {"actors": {"perpetrator": [1 + fused_id % 50]}, "figures": {"killed": []}},
            }
            for fused_id in ids
        ),
    )
    _insert(
        store,
        fdb.FusedMember.__table__,  # type: ignore[arg-type]
        (
            {
                "fused_event_id": key(i),
                "event_id": i + 1,
                "document_id": f"bench-{min(i // per_doc, documents - 1):06d}",
                "reason": "fused",
                "score": 5.0,
                "evidence": {},
            }
            for i in range(events)
        ),
    )


def _anon_kib() -> int:
    """This process's anonymous resident memory (``RssAnon``, KiB; 0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def child(fmt: str, url: str, out: Path, events: str | None = None) -> None:
    """Export one format and print a JSON line with the time and peak RSS of this process."""
    import threading

    from watchfloor.export import run_export

    peak_anon = [_anon_kib()]
    done = threading.Event()

    def sample() -> None:  # RssAnon: the process's own memory, without the store file SQLite maps in
        while not done.wait(0.2):
            peak_anon[0] = max(peak_anon[0], _anon_kib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.perf_counter()
    with Store.open(url) as store:
        result = run_export(store, out, format=fmt, events=events)
    seconds = time.perf_counter() - began
    done.set()
    sampler.join()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "format": fmt,
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(peak_mb, 1),
                "peak_anon_mb": round(max(peak_anon[0], _anon_kib()) / 1024, 1),
                "records": result.records,
                "bytes": out.stat().st_size,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--actors", type=int, default=500)
    parser.add_argument("--places", type=int, default=2_000)
    parser.add_argument("--formats", nargs="*", default=list(FORMATS))
    parser.add_argument("--fused", type=int, default=0, help="fill fused events of this many reports (0: none)")
    parser.add_argument("--events-mode", choices=["fused", "reported"], help="--events of every export")
    parser.add_argument("--db", type=Path, help="SQLite file (filled when missing or empty)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--child", nargs=4, metavar=("FORMAT", "URL", "OUT", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]), None if args.child[3] == "-" else args.child[3])
        return
    work = Path(tempfile.mkdtemp(prefix="wf-bench-export-"))
    path = args.db or work / "bench.db"
    url = f"sqlite:///{path}"
    with Store.open(url) as store:
        if store.counts().events == 0:
            began = time.perf_counter()
            fill(
                store,
                events=args.events,
                documents=args.documents,
                actors=args.actors,
                places=args.places,
                fused=args.fused,
            )
            print(f"filled {path} with {args.events:,} events in {time.perf_counter() - began:.1f} s", flush=True)
        else:
            print(f"using {path}: {store.counts()}", flush=True)
    for fmt in args.formats:
        out = work / f"export.{fmt}"
        done = subprocess.run(
            [sys.executable, __file__, "--child", fmt, url, str(out), args.events_mode or "-"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{fmt}: failed\n{done.stderr[-2000:]}", flush=True)
            continue
        report = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{fmt:8s} {report['seconds']:8.1f} s  peak RSS {report['peak_rss_mb']:7.1f} MB "
            f"(anon {report['peak_anon_mb']:6.1f} MB)  "
            f"{report['records']:>9,} records  {report['bytes'] / 1e6:8.1f} MB",
            flush=True,
        )
        out.unlink(missing_ok=True)
    if args.keep or args.db:
        print(f"kept {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
