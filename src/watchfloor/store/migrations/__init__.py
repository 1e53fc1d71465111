"""Alembic migrations of the store (run in code by ``watchfloor.store.repository``; no alembic.ini)."""
