"""Load benchmark of the workbench API: N synthetic events, 20 concurrent local clients, latency percentiles.

    python scripts/bench_api.py --events 1000000          # SQLite: /tmp/bench_api/sqlite_1000000.db (kept, reused)
    python scripts/bench_api.py --events 1000000 --reuse --db postgresql+psycopg://postgres@127.0.0.1:5432/wf_bench_api

1. Fills a fresh store with synthetic documents, places, actors, events (with
   participants), claims and cited sources by bulk inserts (executemany on
   SQLite, COPY on PostgreSQL), not the pipeline.  An existing store that
   already holds events is reused (``--reuse``; the default SQLite file under
   ``--folder`` is reused when it holds ``--events`` events).
2. Starts ``uvicorn`` in a subprocess on 127.0.0.1 (a free port), with
   ``--workers`` processes as ``watchfloor serve --workers`` does.
3. Runs a bounded asyncio client (``--clients`` concurrent keep-alive
   connections, lean raw HTTP/1.1 by default or httpx, a fixed
   number of requests per route, a global time limit) on the main list /
   filter routes and the map aggregation, and prints p50 / p95 / p99
   latency and error counts per route, and whether each meets its target
   (p95 < 100 ms for lists, < 300 ms for the map).  It also prints the CPU
   seconds the server and the client used per request, and the share of a
   core a busy loop got just before the load (below 1.0 the machine was
   shared: latencies are pessimistic then).

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
from urllib.parse import urlencode

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
        else:
            conn.execute(text("ANALYZE"))
    if store.dialect == "postgresql":  # statistics, and the visibility map that index-only scans need
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    return time.perf_counter() - started


# -- serving ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, *, workers: int = 1) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn\n"
        "uvicorn.run('watchfloor.serve.app:app_from_environment', factory=True, host='127.0.0.1', "
        f"port={port}, workers={workers}, log_level='warning', access_log=False)\n"
    )
    env = {**os.environ, "WATCHFLOOR_DATABASE_URL": url}
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its live child processes (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def cpu_share(seconds: float = 1.0) -> float:
    """The share of one core a busy loop gets for ``seconds`` (about 1.0 on an idle machine)."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall0 < seconds:
        pass
    return (time.process_time() - cpu0) / (time.perf_counter() - wall0)


# -- load -------------------------------------------------------------------------


@dataclass(slots=True)
class RouteStats:
    name: str
    target_ms: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

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


class RawConnection:
    """One keep-alive HTTP/1.1 connection that sends GETs: a lean load generator.

    On a small shared machine the client's CPU comes out of the server's;
    httpx spends about as much per request as the server does, this a
    fraction of it.  It reads ``Content-Length`` and chunked bodies and
    reconnects after ``Connection: close`` or a dropped connection.
    """

    def __init__(self, host: str, port: int, *, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, params: dict[str, Any]) -> tuple[int, bytes]:
        """(status, body) of ``GET path?params``; connection problems raise ``OSError``."""
        try:
            return await asyncio.wait_for(self._get(path, params), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.close()
            raise OSError(f"{type(exc).__name__}: {exc}") from exc

    async def _get(self, path: str, params: dict[str, Any]) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        target = f"{path}?{urlencode(params)}" if params else path
        self._writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode("ascii"))
        status = int((await self._reader.readline()).split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks = []
            while size := int((await self._reader.readline()).split(b";")[0], 16):
                chunks.append(await self._reader.readexactly(size))
                await self._reader.readline()
            await self._reader.readline()
            body = b"".join(chunks)
        else:
            body = await self._reader.readexactly(int(headers.get(b"content-length", b"0")))
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


async def run_load(
    base: str, shape: Shape, *, clients: int, per_route: int, seed: int, limit_s: float, raw: bool = True
) -> list[RouteStats]:
    rng = random.Random(seed)
    address = httpx.URL(base)
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

        async def fetch(connection: RawConnection | None, path: str, params: dict[str, Any]) -> tuple[int, bytes]:
            if connection is not None:
                return await connection.get(path, params)
            response = await client.get(path, params=params)
            return response.status_code, response.content

        async def worker() -> None:
            connection = RawConnection(address.host, address.port or 80, timeout=30) if raw else None
            while not queue.empty() and time.monotonic() < deadline:
                name, params = queue.get_nowait()
                path = "/api/map" if name.startswith("map") else "/api/events"
                t0 = time.perf_counter()
                failure = ""
                try:
                    status, body = await fetch(connection, path, params)
                    if status != 200:
                        failure = f"HTTP {status}: {body[:120].decode('utf-8', 'replace')}"
                except (httpx.HTTPError, OSError) as exc:
                    status, failure = 0, f"{type(exc).__name__}: {str(exc)[:120]}"
                elapsed = (time.perf_counter() - t0) * 1000
                entry = stats[name]
                entry.statuses[status] = entry.statuses.get(status, 0) + 1
                if status == 200:
                    entry.latencies.append(elapsed)
                else:
                    entry.errors += 1
                    entry.failures[failure] = entry.failures.get(failure, 0) + 1

            if connection is not None:
                connection.close()

        await asyncio.gather(*(worker() for _ in range(clients)))
    return list(stats.values())


def report(stats: list[RouteStats], *, events: int, dialect: str, clients: int, workers: int) -> bool:
    print(f"\n{events:,} events on {dialect}, {clients} concurrent clients, {workers} server process(es)")
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
    for s in stats:
        for failure, count in s.failures.items():
            print(f"  {s.name}: {count} x {failure}")
    every = [x for s in stats for x in s.latencies]
    if every:
        print(f"{'all':22} {len(every):5d} {statistics.median(every):8.1f}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: sqlite_<events>.db in --folder)")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "bench_api")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="server processes (watchfloor serve --workers)")
    parser.add_argument(
        "--client", choices=("raw", "httpx"), default="raw", help="load client: lean raw HTTP/1.1, or httpx"
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per route")
    parser.add_argument("--time-limit", type=float, default=600.0, help="stop the load after this many seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="reuse a store that already holds events")
    parser.add_argument("--fill-only", action="store_true", help="fill the store, then stop (no load)")
    args = parser.parse_args()

    args.folder.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{args.folder / f'sqlite_{args.events}.db'}"
    shape = Shape.for_events(args.events)
    store = Store.open(url)
    with store.session() as session:
        have = int(session.scalar(select(func.count()).select_from(db.Event)) or 0)
    if have and not args.db and have == args.events:
        print(f"reusing {store.label} ({have:,} events)", flush=True)
    elif have and not args.reuse:
        raise SystemExit(f"{store.label} already holds {have:,} events: use an empty database or --reuse")
    if not have:
        print(f"filling {store.label} with {args.events:,} events ...", flush=True)
        seconds = fill(store, shape, seed=args.seed)
        print(f"filled in {seconds:.1f} s", flush=True)
    else:
        shape = Shape.for_events(have)
    dialect = store.dialect
    store.close()
    if args.fill_only:
        return
    port = free_port()
    server = start_server(url, port, workers=args.workers)
    try:
        share = cpu_share()
        server_cpu0, client_cpu0, wall0 = cpu_seconds(server.pid), time.process_time(), time.perf_counter()
        stats = asyncio.run(
            run_load(
                f"http://127.0.0.1:{port}",
                shape,
                clients=args.clients,
                per_route=args.requests,
                seed=args.seed,
                limit_s=args.time_limit,
                raw=args.client == "raw",
            )
        )
        wall = time.perf_counter() - wall0
        server_cpu, client_cpu = cpu_seconds(server.pid) - server_cpu0, time.process_time() - client_cpu0
        ok = report(stats, events=shape.events, dialect=dialect, clients=args.clients, workers=args.workers)
        print(f"load client: {args.client}")
        done = sum(len(s.latencies) + s.errors for s in stats)
        print(
            f"{done / wall:.0f} requests/s over {wall:.1f} s;"
            f" CPU per request: server {1000 * server_cpu / done:.1f} ms, client {1000 * client_cpu / done:.1f} ms;"
            f" a busy loop got {share:.2f} of a core before the load;"
            f" load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    if not args.db:
        print(f"(SQLite store kept in {args.folder} for reruns; delete it when done)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
