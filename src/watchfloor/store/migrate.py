"""Schema migrations run in code: Alembic ``Config`` built here, no alembic.ini.

``upgrade_to_head(engine)`` checks the database's revision first: a revision
this code does not know means the database was made by a newer watchfloor,
and nothing is touched.  A database already at head is recognised with one
query and a scan of the revision files' headers, without loading Alembic
(opening a store stays cheap).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text

from watchfloor.errors import StoreError
from watchfloor.store.engine import WRITE_OPTION

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

VERSION_TABLE = "alembic_version"
_REVISION_LINE = re.compile(r"^revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION_LINE = re.compile(r"^down_revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)

#: Dialect-specific full-text objects made by hand in the migrations (not in the models).
FTS_NAMES = frozenset({"search_entries", "search_fts", "ix_documents_fts", "ix_claims_fts"})
#: Expression indexes made by hand in the migrations (their expressions differ by dialect).
HAND_MADE_INDEXES = frozenset({"ix_events_date_span"})


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Autogenerate filter: leave the hand-made full-text tables and indexes out of comparisons."""
    if name is None:
        return True
    return not (name in FTS_NAMES or name in HAND_MADE_INDEXES or name.startswith("search_fts"))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (optionally bound to a connection)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@lru_cache(maxsize=1)
def quick_head() -> str | None:
    """The head revision read from the revision files' ``revision``/``down_revision`` lines.

    None when that is not clear-cut (a merge revision, several heads): callers
    then ask Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found = _REVISION_LINE.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        parent = _DOWN_REVISION_LINE.search(source)
        if parent is not None:
            parents.add(parent.group(1))
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def head_revision() -> str:
    """The newest schema revision this code knows."""
    head = _script().get_current_head()
    if head is None:
        raise StoreError(f"{MIGRATIONS_DIR}: no migrations found")
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in _script().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database (None for an empty database)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


#: Key of the PostgreSQL advisory lock held while a process migrates the schema (any fixed 64-bit number).
MIGRATION_LOCK_KEY = 0x77_66_6C_6F_6F_72  # "wfloor"


def upgrade_to_head(engine: Engine, *, label: str) -> str:
    """Migrate the database behind ``engine`` to head; returns the head revision.

    ``label`` names the database in error messages (the URL without password).
    Processes opening the same fresh or old database at once migrate it one
    after the other: the migration runs under the database's write lock
    (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock) and re-reads the
    revision once it holds it, so the second process finds the work done.
    """
    with engine.connect() as connection:
        current = current_revision(connection)
        connection.rollback()
    if current is not None and current == quick_head():
        return current
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        else:
            connection.exec_driver_sql("SELECT 1")  # begins the transaction: BEGIN IMMEDIATE takes the write lock
        current = current_revision(connection)
        if current is not None and current == quick_head():
            connection.rollback()
            return current
        from alembic import command

        head = head_revision()
        if current is not None and current not in known_revisions():
            raise StoreError(
                f"{label}: schema revision {current!r} was created by a newer watchfloor "
                f"(this version knows up to {head!r}); upgrade watchfloor to open it"
            )
        log.info("%s: migrating schema %s -> %s", label, current or "empty", head)
        command.upgrade(alembic_config(connection), "head")
        connection.commit()
    return head
