"""``watchfloor export`` (every format, with filters) and ``watchfloor import`` (ACLED CSV, STIX bundle).

Mount with ``app.command()(exports.export)`` and ``app.command("import")(exports.import_)``.
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path

import typer
from rich.console import Console

from watchfloor.cli.commands import DB_OPTION, make_settings

log = logging.getLogger(__name__)

console = Console()
err_console = Console(stderr=True)


class ExportFormat(enum.StrEnum):
    json = "json"
    jsonl = "jsonl"
    stix = "stix"
    acled = "acled"
    gtd = "gtd"
    geojson = "geojson"
    graphml = "graphml"


class EventsMode(enum.StrEnum):
    fused = "fused"
    reported = "reported"


class ImportFormat(enum.StrEnum):
    acled = "acled"
    stix = "stix"


_EXPORT_FORMAT = typer.Option(ExportFormat.json, "--format", "-f", help="Output format.")
_OUTPUT = typer.Option(..., "--output", "-o", help="File to write.")
_SINCE = typer.Option(None, "--since", help="Events ending on or after this date (YYYY[-MM[-DD]]).")
_UNTIL = typer.Option(None, "--until", help="Events starting on or before this date (YYYY[-MM[-DD]]).")
_COUNTRY = typer.Option(None, "--country", help="Events in this country (ISO 3166-1 alpha-2).")
_ACTOR = typer.Option(None, "--actor", help="Events involving this actor (id, KB id, name or alias).")
_TYPE = typer.Option(None, "--type", help="Native, export or ACLED event type.")
_VALIDATE = typer.Option(False, "--validate", help="STIX: parse every object with the stix2 library.")
_EVENTS = typer.Option(
    None,
    "--events",
    help="fused: one record per real-world (fused) event; reported: one per report's event. "
    "Default: fused, except stix and graphml (reported).",
)
_FILES = typer.Argument(..., help="Files to import.")
_IMPORT_FORMAT = typer.Option(..., "--format", "-f", help="Input format.")


def export(
    fmt: ExportFormat = _EXPORT_FORMAT,
    output: Path = _OUTPUT,
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    country: str | None = _COUNTRY,
    actor: str | None = _ACTOR,
    type_: str | None = _TYPE,
    validate: bool = _VALIDATE,
    events: EventsMode | None = _EVENTS,
    db: str | None = DB_OPTION,
) -> None:
    """Export the knowledge base (json, jsonl, stix, acled, gtd, geojson, graphml)."""
    from watchfloor.export import run_export
    from watchfloor.export.filters import make_filter, resolve_actor
    from watchfloor.store.repository import Store

    flt = make_filter(since=since, until=until, country=country, actor=actor, type=type_)
    settings = make_settings(db)
    with Store.open(settings.database_url) as store:
        result = run_export(
            store,
            output,
            format=fmt.value,
            flt=resolve_actor(store, flt),
            validate=validate,
            events=events.value if events is not None else None,
        )
    extra = f", {result.skipped} skipped" if result.skipped else ""
    summary = f"{fmt.value}: {result.records} records, {result.events} events{extra}"
    console.print(f"wrote {output} ({summary})", highlight=False)


def import_(
    files: list[Path] = _FILES,
    fmt: ImportFormat = _IMPORT_FORMAT,
    db: str | None = DB_OPTION,
) -> None:
    """Import ACLED-style CSVs or STIX 2.1 bundles as claims. Exit code 2 when anything was skipped."""
    from watchfloor.errors import InputError
    from watchfloor.importers import import_file
    from watchfloor.store.repository import Store

    settings = make_settings(db)
    failed = False
    with Store.open(settings.database_url) as store:
        for path in files:
            try:
                report = import_file(store, path, format=fmt.value)
            except InputError as exc:
                err_console.print(f"[red]failed[/red] {exc}", highlight=False, markup=True)
                failed = True
                continue
            for problem in report.problems:
                err_console.print(f"[yellow]skipped[/yellow] {path}: {problem}", highlight=False, markup=True)
            failed = failed or bool(report.problems)
            state = "already present" if report.unchanged and not report.documents else "imported"
            console.print(
                f"{path}: {state}: {report.events} events, {report.actors} actors, {report.relations} relations "
                f"in {len(report.documents) + len(report.unchanged)} document(s); {len(report.problems)} skipped",
                highlight=False,
            )
    if failed:
        raise typer.Exit(2)
