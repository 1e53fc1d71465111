"""``watchfloor store``: look after the knowledge-base store (info, search, merges, undo-merge).

A Typer sub-app for the CLI to mount: ``app.add_typer(store_app, name="store")``.
"""

from __future__ import annotations

import logging

import typer
from rich.console import Console
from rich.table import Table

from watchfloor.cli.commands import DB_OPTION, make_settings

log = logging.getLogger(__name__)

store_app = typer.Typer(name="store", help="Inspect and repair the knowledge-base store.", no_args_is_help=True)
console = Console()


def _url(db: str | None) -> str:
    return make_settings(db).database_url


@store_app.command("info")
def info(db: str | None = DB_OPTION) -> None:
    """Open (and migrate) the store; print its schema revision and record counts."""
    from watchfloor.store.repository import Store

    with Store.open(_url(db)) as store:
        counts = store.counts()
        revision = store.schema_revision()
        console.print(f"{store.label} (schema {revision}, {store.dialect})", highlight=False, markup=False)
    table = Table("records", "count")
    for name in ("documents", "actors", "events", "relations", "claims", "failures"):
        table.add_row(name, str(getattr(counts, name)))
    console.print(table)


@store_app.command("search")
def search(
    query: str = typer.Argument(..., help="Words to find in document bodies and claim evidence."),
    limit: int = typer.Option(20, "--limit", min=1, help="At most this many hits."),
    db: str | None = DB_OPTION,
) -> None:
    """Full-text search over the stored reports and the evidence of their claims."""
    from watchfloor.store.repository import Store

    with Store.open(_url(db)) as store:
        hits = store.search(query, limit=limit)
    table = Table("kind", "file", "event", "snippet")
    for hit in hits:
        table.add_row(hit.kind, hit.file, str(hit.event_id or ""), hit.snippet)
    console.print(table)


@store_app.command("merges")
def merges(
    actor: int | None = typer.Option(None, "--actor", help="Only merges into this global actor id."),
    document: str | None = typer.Option(None, "--document", help="Only merges from this document id."),
    db: str | None = DB_OPTION,
) -> None:
    """How document-local actors joined global actors (reason and score)."""
    from watchfloor.store.repository import Store

    with Store.open(_url(db)) as store:
        rows = store.list_merges(actor=actor, document=document)
    table = Table("merge", "actor", "document", "local name", "reason", "score", "undone")
    for m in rows:
        table.add_row(
            str(m.id),
            str(m.actor),
            m.document[:16],
            m.local_name,
            m.reason,
            f"{m.score:.2f}",
            "yes" if m.undone else "",
        )
    console.print(table)


@store_app.command("undo-merge")
def undo_merge(
    merge_id: int = typer.Argument(..., help="Merge id (see `watchfloor store merges`)."),
    db: str | None = DB_OPTION,
) -> None:
    """Split a wrongly merged document-local actor off onto a fresh global actor."""
    from watchfloor.store.repository import Store

    with Store.open(_url(db)) as store:
        actor_id = store.undo_merge(merge_id)
    console.print(f"merge {merge_id} undone: its mentions and roles now belong to actor {actor_id}", highlight=False)
