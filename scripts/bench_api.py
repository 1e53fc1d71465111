"""Load benchmark of the workbench API: N synthetic events, 20 concurrent local clients, latency percentiles.

    python scripts/bench_api.py --events 100000                      # SQLite in a temp folder
    python scripts/bench_api.py --events 100000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

1. Fills a fresh store with synthetic documents, places, actors, events (with
   participants), claims and cited sources by bulk inserts (executemany on
   SQLite, COPY on PostgreSQL), not the pipeline.  An existing store that
   already holds events is reused (``--reuse``).
2. Starts ``uvicorn`` in a subprocess on 127.0.0.1 (a free port).
3. Runs a bounded asyncio client (httpx, ``--clients`` concurrent, a fixed
   number of requests per route, a global time limit) on the main list /
   filter routes and the map aggregation, and prints p50 / p95 / p99
   latency and error counts per route, and whether each meets its target
   (p95 < 100 ms for lists, < 300 ms for the map).

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

from watchfloor.store import Store
from watchfloor.store import schema as db

TYPES = [
    "bombing",
    "armed_clash",
    "armed_assault",
    "abduction",
    "assassination",
    "shelling",
    "airstrike",
    "protest_violence",
    "arrest",
    "looting",
]
CERTAINTIES = ["asserted", "reported", "alleged", "possible"]
OUTLETS = ["Reuters", "Associated Press", "BBC", "Al Jazeera", "Local Radio", "Unknown Blog", "Pajhwok", "Xinhua"]
COUNTRIES = ["AF", "PK", "SO", "ML", "NG", "SY", "IQ", "YE", "CD", "BF", "MZ", "SD", "LY", "CM", "NE"]
DAY0 = dt.date(2015, 1, 1)
DAYS = 3650
LIST_TARGET_MS = 100.0
MAP_TARGET_MS = 300.0


# -- filling ----------------------------------------------------------------------


@dataclass(slots=True)
class Shape:
    events: int
    places: int
    actors: int
    documents: int

    @classmethod
    def for_events(cls, n: int) -> Shape:
        return cls(
            events=n,
            places=max(50, min(20_000, n // 50)),
            actors=max(20, min(5_000, n // 200)),
            documents=max(10, n // 10),
        )


def _rows(count: int, make: Callable[[int], dict[str, Any]], *, batch: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    for i in range(1, count + 1):
        rows.append(make(i))
        if len(rows) == batch:
            yield rows
            rows = []
    if rows:
        yield rows


def _generators(shape: Shape, rng: random.Random) -> dict[str, tuple[int, Callable[[int], dict[str, Any]]]]:
    place_info = {}
    for i in range(1, shape.places + 1):
        country = COUNTRIES[i % len(COUNTRIES)]
        place_info[i] = (country, f"{country}-R{i % 12}", rng.uniform(-35, 55), rng.uniform(-20, 75))
    now = dt.datetime.now(dt.UTC)

    def document(i: int) -> dict[str, Any]:
        return {
            "id": f"d{i:09d}",
            "file_name": f"synthetic_{i}.txt",
            "source": f"synthetic/{i}",
            "origin": "file",
            "title": f"Synthetic report {i}",
            "publisher": OUTLETS[i % len(OUTLETS)],
            "language": "en",
            "published": DAY0 + dt.timedelta(days=i % DAYS),
            "published_method": "dateline",
            "text": f"Synthetic report number {i} about an incident.",
            "raw_sha256": f"{i:064x}",
            "removed_lines": "[]",
            "extractor": "synthetic",
            "ingested_at": now,
        }

    def place(i: int) -> dict[str, Any]:
        country, admin1, lat, lon = place_info[i]
        return {
            "id": i,
            "key": f"syn:{i}",
            "name": f"Place {i}",
            "admin1": admin1,
            "country": country,
            "lat": round(lat, 4),
            "lon": round(lon, 4),
            "precision": 1,
        }

    def actor(i: int) -> dict[str, Any]:
        return {
            "id": i,
            "name": f"Group {i}",
            "kind": "armed_group",
            "country": COUNTRIES[i % len(COUNTRIES)],
            "name_key": f"armed_group|group {i}",
            "created_at": now,
        }

    def merge(i: int) -> dict[str, Any]:
        return {
            "id": i,
            "actor_id": i,
            "document_id": f"d{(i % shape.documents) + 1:09d}",
            "local_id": "a1",
            "local_name": f"Group {i}",
            "local_kind": "armed_group",
            "local_aliases": "[]",
            "reason": "new",
            "score": 1.0,
            "undone": False,
            "created_at": now,
        }

    def event(i: int) -> dict[str, Any]:
        place_id = rng.randint(1, shape.places)
        country, admin1, _lat, _lon = place_info[place_id]
        day = DAY0 + dt.timedelta(days=rng.randrange(DAYS))
        return {
            "id": i,
            "document_id": f"d{(i - 1) // 10 + 1:09d}",
            "local_id": f"e{i}",
            "type": rng.choice(TYPES),
            "date_value": day.isoformat(),
            "date_precision": "day",
            "date_start": day,
            "date_end": day,
            "place_id": place_id,
            "country": country,
            "admin1": admin1,
            "killed_value": rng.randint(0, 30),
            "killed_qualifier": "exact",
            "certainty": rng.choice(CERTAINTIES),
            "confidence": 1.0,
            "weapons": "[]",
            "perpetrator_individuals": "[]",
            "victims": "[]",
        }

    def participant(i: int) -> dict[str, Any]:
        return {"id": i, "event_id": i, "actor_id": rng.randint(1, shape.actors), "role": "perpetrator"}

    def claim(i: int) -> dict[str, Any]:
        return {
            "id": i,
            "document_id": f"d{(i - 1) // 10 + 1:09d}",
            "event_id": i,
            "evidence_start": 0,
            "evidence_end": 10,
            "evidence_text": "Synthetic.",
            "certainty": "reported",
            "extractor": "synthetic",
            "confidence": 1.0,
            "values": "{}",
        }

    def source(i: int) -> dict[str, Any]:
        return {"id": i, "claim_id": i * 2, "outlet": OUTLETS[i % len(OUTLETS)], "text": ""}

    return {
        "documents": (shape.documents, document),
        "places": (shape.places, place),
        "actors": (shape.actors, actor),
        "actor_merges": (shape.actors, merge),
        "events": (shape.events, event),
        "event_participants": (shape.events, participant),
        "claims": (shape.events, claim),
        "claim_sources": (shape.events // 2, source),
    }


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def fill(store: Store, shape: Shape, *, seed: int) -> float:
    """Bulk-insert the synthetic knowledge base; returns the seconds taken."""
    rng = random.Random(seed)
    started = time.perf_counter()
    indexes = [index for table in db.Base.metadata.sorted_tables for index in table.indexes]
    with store.engine.begin() as conn:  # bulk load first, index after: much faster than indexed inserts
        for index in indexes:
            index.drop(conn)
    for name, (count, make) in _generators(shape, rng).items():
        t0 = time.perf_counter()
        with store.engine.begin() as conn:
            for rows in _rows(count, make):
                if store.dialect == "postgresql":
                    columns = list(rows[0])
                    buffer = io.StringIO()
                    for row in rows:
                        buffer.write("\t".join(_copy_value(row[c]) for c in columns) + "\n")
                    raw = conn.connection.dbapi_connection
                    with raw.cursor() as cursor:  # type: ignore[union-attr]
                        quoted = ", ".join(f'"{c}"' for c in columns)
                        with cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
                            copy.write(buffer.getvalue())
                else:
                    columns = list(rows[0])
                    quoted = ", ".join(f'"{c}"' for c in columns)
                    sql = f"INSERT INTO {name} ({quoted}) VALUES ({', '.join('?' * len(columns))})"
                    raw = conn.connection.dbapi_connection
                    cursor = raw.cursor()  # type: ignore[union-attr]
                    cursor.executemany(sql, [tuple(_sqlite_value(row[c]) for c in columns) for row in rows])
                    cursor.close()
        print(f"  {name}: {count:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        for index in indexes:
            index.create(conn)
    print(f"  indexes: {len(indexes)} built in {time.perf_counter() - t0:.1f} s", flush=True)
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            for name in (
                "documents",
                "places",
                "actors",
                "actor_merges",
                "events",
                "event_participants",
                "claims",
                "claim_sources",
            ):
                if name != "documents":
                    conn.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                    )
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


# -- serving ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn\n"
        "from watchfloor.serve import create_app\n"
        "from watchfloor.settings import Settings\n"
        f"uvicorn.run(create_app(Settings(database_url={url!r})), host='127.0.0.1', port={port}, "
        "log_level='warning', access_log=False)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/facets", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
    process.terminate()
    raise SystemExit("server did not start within 60 s")


# -- load -------------------------------------------------------------------------


@dataclass(slots=True)
class RouteStats:
    name: str
    target_ms: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def route_params(shape: Shape, rng: random.Random, cursors: list[str]) -> dict[str, Callable[[], dict[str, Any]]]:
    def window() -> dict[str, Any]:
        start = DAY0 + dt.timedelta(days=rng.randrange(DAYS - 90))
        return {"since": start.isoformat(), "until": (start + dt.timedelta(days=rng.choice([30, 90]))).isoformat()}

    def bbox() -> dict[str, Any]:
        lon, lat = rng.uniform(-20, 65), rng.uniform(-35, 45)
        return {"bbox": f"{lon:.2f},{lat:.2f},{lon + 10:.2f},{lat + 10:.2f}"}

    return {
        "events (no filter)": lambda: {},
        "events country": lambda: {"country": rng.choice(COUNTRIES)},
        "events type+dates": lambda: {"type": rng.choice(TYPES), **window()},
        "events dates": window,
        "events actor": lambda: {"actor": rng.randint(1, shape.actors)},
        "events bbox": bbox,
        "events certainty": lambda: {"certainty": rng.choice(CERTAINTIES), "country": rng.choice(COUNTRIES)},
        "events next page": lambda: {"cursor": rng.choice(cursors)} if cursors else {},
        "map (all)": lambda: {},
        "map country": lambda: {"country": rng.choice(COUNTRIES)},
        "map type+year": lambda: {"type": rng.choice(TYPES), **window()},
    }


async def run_load(
    base: str, shape: Shape, *, clients: int, per_route: int, seed: int, limit_s: float
) -> list[RouteStats]:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=clients)) as client:
        cursors = []
        for country in COUNTRIES[:5]:
            page = (await client.get("/api/events", params={"country": country})).json()
            if page.get("next_cursor"):
                cursors.append(page["next_cursor"])
        routes = route_params(shape, rng, cursors)
        stats = {name: RouteStats(name, MAP_TARGET_MS if name.startswith("map") else LIST_TARGET_MS) for name in routes}
        jobs = [(name, routes[name]()) for name in routes for _ in range(per_route)]
        rng.shuffle(jobs)
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        deadline = time.monotonic() + limit_s

        async def worker() -> None:
            while not queue.empty() and time.monotonic() < deadline:
                name, params = queue.get_nowait()
                path = "/api/map" if name.startswith("map") else "/api/events"
                t0 = time.perf_counter()
                try:
                    response = await client.get(path, params=params)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                elapsed = (time.perf_counter() - t0) * 1000
                entry = stats[name]
                entry.statuses[status] = entry.statuses.get(status, 0) + 1
                if status == 200:
                    entry.latencies.append(elapsed)
                else:
                    entry.errors += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return list(stats.values())


def report(stats: list[RouteStats], *, events: int, dialect: str, clients: int) -> bool:
    print(f"\n{events:,} events on {dialect}, {clients} concurrent clients")
    print(f"{'route':22} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}  target")
    ok = True
    for s in stats:
        p95 = s.percentile(0.95)
        meets = s.errors == 0 and p95 < s.target_ms
        ok = ok and meets
        print(
            f"{s.name:22} {len(s.latencies):5d} {s.percentile(0.5):8.1f} {p95:8.1f} {s.percentile(0.99):8.1f} "
            f"{s.errors:6d}  p95<{s.target_ms:.0f} {'ok' if meets else 'MISSED'}"
        )
    every = [x for s in stats for x in s.latencies]
    if every:
        print(f"{'all':22} {len(every):5d} {statistics.median(every):8.1f}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="requests per route")
    parser.add_argument("--time-limit", type=float, default=600.0, help="stop the load after this many seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="reuse a store that already holds events")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="wf_bench_api_"))
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    shape = Shape.for_events(args.events)
    store = Store.open(url)
    with store.session() as session:
        have = int(session.scalar(select(func.count()).select_from(db.Event)) or 0)
    if have and not args.reuse:
        raise SystemExit(f"{store.label} already holds {have:,} events: use an empty database or --reuse")
    if not have:
        print(f"filling {store.label} with {args.events:,} events ...", flush=True)
        seconds = fill(store, shape, seed=args.seed)
        print(f"filled in {seconds:.1f} s", flush=True)
    else:
        shape = Shape.for_events(have)
    dialect = store.dialect
    store.close()
    port = free_port()
    server = start_server(url, port)
    try:
        stats = asyncio.run(
            run_load(
                f"http://127.0.0.1:{port}",
                shape,
                clients=args.clients,
                per_route=args.requests,
                seed=args.seed,
                limit_s=args.time_limit,
            )
        )
        ok = report(stats, events=shape.events, dialect=dialect, clients=args.clients)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    if not args.db:
        print(f"(SQLite store left in {folder}; delete it when done)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
