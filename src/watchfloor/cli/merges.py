"""``watchfloor merges``: inspect and undo cross-document event fusion.

A Typer sub-app for the CLI to mount: ``app.add_typer(merges_app, name="merges")``.

* ``merges list``: every join fusion made (member, fused event, score, per-field agreement);
* ``merges show ID``: one fused event with its grade, low/best/high figures, members and claims;
* ``merges undo MEMBER``: split a member off (recording cannot-links, so re-running fusion keeps it apart);
* ``merges fuse``: run fusion now (``--rebuild`` re-fuses everything from scratch).

Library errors propagate to ``watchfloor.cli.main``, which prints them as one line.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from watchfloor.settings import Settings

log = logging.getLogger(__name__)

merges_app = typer.Typer(name="merges", help="Inspect and undo cross-document event fusion.", no_args_is_help=True)
console = Console()

DB_OPTION = typer.Option(None, "--db", help="SQLite file or database URL (default: WATCHFLOOR_DATABASE_URL).")


def _url(db: str | None) -> str:
    if db is None:
        return Settings().database_url
    return db if "://" in db else f"sqlite:///{Path(db).expanduser()}"


def _evidence(evidence: dict[str, object]) -> str:
    parts = [f"{k}={v}" for k, v in evidence.items() if k not in {"matched_document"}]
    return ", ".join(parts)


@merges_app.command("list")
def list_merges(
    db: str | None = DB_OPTION,
    fused_event: int | None = typer.Option(None, "--event", help="Only the joins into this fused event."),
) -> None:
    """List the joins fusion made: which document-level event joined which fused event, why, with what score."""
    from watchfloor.store.fusion_repo import list_fusion_merges
    from watchfloor.store.repository import Store

    with Store.open(_url(db)) as store:
        merges = list_fusion_merges(store, fused_event=fused_event)
    table = Table("merge", "fused event", "event", "document", "outlet", "reason", "score", "evidence")
    for m in merges:
        table.add_row(
            str(m.id),
            str(m.fused_event),
            str(m.event_id),
            m.document[:12],
            m.publisher or "",
            m.reason,
            f"{m.score:.2f}",
            _evidence(m.evidence),
        )
    console.print(table)
    console.print(f"{len(merges)} joins", highlight=False)


@merges_app.command("show")
def show(fused_event: int = typer.Argument(..., help="Fused event id."), db: str | None = DB_OPTION) -> None:
    """Show one fused event: grade, fields, low/best/high figures, members and their claims side by side."""
    from watchfloor.store.fusion_repo import get_fused_event
    from watchfloor.store.repository import Store

    with Store.open(_url(db)) as store:
        event = get_fused_event(store, fused_event)
    place = event.location.name if event.location else "unknown place"
    console.print(
        f"fused event {event.id}: {event.type} on {event.date or 'unknown date'} ({event.date_precision or '-'}) "
        f"at {place}; grade {event.grade} ({event.independent_sources} independent sources, "
        f"{len(event.documents)} documents)",
        highlight=False,
        markup=False,
    )
    for name, figure in (("killed", event.killed), ("injured", event.injured)):
        if figure is not None:
            figures = ", ".join(
                f"{c.low}{'-' + str(c.high) if c.high != c.low else ''} ({c.outlet})" for c in figure.claims
            )
            console.print(
                f"  {name}: low {figure.low} / best {figure.best} / high {figure.high}  [{figures}]",
                highlight=False,
                markup=False,
            )
    table = Table("merge", "event", "document", "outlet", "published", "reason", "score", "evidence")
    for m in event.members:
        table.add_row(
            str(m.id),
            str(m.event_id),
            m.document[:12],
            m.publisher or "",
            str(m.published or ""),
            m.reason + (" (repost)" if m.repost_of else ""),
            f"{m.score:.2f}",
            _evidence(m.evidence),
        )
    console.print(table)
    claims = Table("claim", "document", "outlet", "certainty", "evidence")
    for c in event.claims:
        claims.add_row(str(c.claim_id), c.document[:12], c.publisher or "", c.certainty, c.evidence[:160])
    console.print(claims)


@merges_app.command("undo")
def undo(
    member: int = typer.Argument(..., help="Merge (member) id from 'merges list'."), db: str | None = DB_OPTION
) -> None:
    """Split a member off its fused event; fusion will keep it apart from the others from now on."""
    from watchfloor.store.fusion_repo import undo_member
    from watchfloor.store.repository import Store

    with Store.open(_url(db)) as store:
        new_id = undo_member(store, member)
    console.print(f"merge {member} undone: its event is now fused event {new_id}", highlight=False)


@merges_app.command("fuse")
def fuse_now(
    db: str | None = DB_OPTION,
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop fused events (keeping undo decisions) and re-fuse."),
) -> None:
    """Mark reposts and fuse the events not yet in the knowledge base (ingest does this after each batch)."""
    from watchfloor.resolve.fusion import fuse
    from watchfloor.store.repository import Store

    with Store.open(_url(db)) as store:
        report = fuse(store, rebuild=rebuild)
    console.print(
        f"{report.documents_checked} documents checked ({report.reposts_marked} reposts marked); "
        f"{report.candidates} events placed: {report.joined} joined, {report.created} new fused events "
        f"({report.seconds:.2f}s)",
        highlight=False,
    )
