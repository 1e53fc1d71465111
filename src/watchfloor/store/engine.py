"""Engines and sessions for the store: SQLite (default) and PostgreSQL.

SQLite connections get WAL journaling, foreign keys and a busy timeout; write
transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the lock
instead of failing half-way.  PostgreSQL connections fail fast
(``connect_timeout``) when the server cannot be reached.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from watchfloor.errors import StoreError

log = logging.getLogger(__name__)

#: Execution option that makes a SQLite transaction start with ``BEGIN IMMEDIATE``.
WRITE_OPTION = "watchfloor_write"

DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_BUSY_TIMEOUT = 10.0
#: Pooled connections kept open (the API's request and aggregation threads each hold one), and the
#: extra ones opened (then closed) beyond that in a busy moment.  Reconnecting per request costs a
#: PostgreSQL backend start, or a cold SQLite page cache.
POOL_SIZE = 16
MAX_OVERFLOW = 8
#: SQLite read tuning for a long-lived reader (the API, ``read_tuned``): pages memory-mapped (shared
#: through the OS cache) and each connection's cache.  Off elsewhere, so that batch jobs (exports,
#: ingest) keep a resident size that does not grow with the database file.
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 32_768


def parse_url(url: str) -> URL:
    """The SQLAlchemy URL for ``url``; a malformed one raises ``StoreError``."""
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"{url}: not a database URL ({exc})") from exc


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def make_engine(
    url: str,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    read_tuned: bool = False,
) -> Engine:
    """An engine for ``url`` (``sqlite:///file.db`` or ``postgresql+psycopg://...``).

    ``read_tuned`` memory-maps SQLite files and enlarges the page cache (for the API server).
    """
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, busy_timeout=busy_timeout, read_tuned=read_tuned)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":  # plain postgresql:// means psycopg 3 here
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed,
            connect_args={"connect_timeout": max(1, round(connect_timeout))},
            pool_pre_ping=True,
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
        )
    raise StoreError(f"{url}: unsupported database backend {backend!r} (use sqlite or postgresql)")


def _sqlite_engine(url: URL, *, busy_timeout: float, read_tuned: bool) -> Engine:
    kwargs: dict[str, Any] = {"connect_args": {"timeout": busy_timeout}}
    memory = _is_memory(url)
    if memory:
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"]["check_same_thread"] = False
    else:
        kwargs.update(pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not the driver) issue BEGIN, so we can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not memory:
                mode = _switch_to_wal(cursor, busy_timeout=busy_timeout)
                if mode and str(mode[0]).lower() != "wal":
                    log.warning("%s: could not switch to WAL journaling (mode %s)", url, mode[0])
                cursor.execute("PRAGMA synchronous = NORMAL")
                if read_tuned:
                    cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
                    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _switch_to_wal(cursor: Any, *, busy_timeout: float) -> Any:
    """``PRAGMA journal_mode = WAL``, retried while another connection holds the file.

    SQLite answers this pragma "database is locked" at once, without waiting
    for ``busy_timeout``, when another connection is using a file that is not
    in WAL mode yet (several processes opening a new store together); so wait
    here, up to the same timeout.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            return cursor.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)
