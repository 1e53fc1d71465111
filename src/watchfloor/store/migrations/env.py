"""Alembic environment: runs on the connection handed over in ``config.attributes``.

``watchfloor.store.migrate`` builds the ``Config`` in code and passes an open
connection; there is no alembic.ini and no offline (SQL script) mode.
"""

from __future__ import annotations

import logging

from alembic import context

from watchfloor.store.migrate import include_name
from watchfloor.store.schema import Base

log = logging.getLogger(__name__)


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("watchfloor migrations run only through watchfloor.store (no connection given)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
