"""Core commands: ingest, show, export, evaluate, demo."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from watchfloor.errors import InputError
from watchfloor.settings import Settings

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

DB_OPTION = typer.Option(None, "--db", help="SQLite file or database URL (default: WATCHFLOOR_DATABASE_URL).")


class Kind(enum.StrEnum):
    documents = "documents"
    actors = "actors"
    events = "events"
    relations = "relations"


def make_settings(db: str | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, with CLI overrides applied."""
    if db is not None:
        overrides["database_url"] = db if "://" in db else f"sqlite:///{Path(db).expanduser()}"
    return Settings(**overrides)


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files, folders, globs or URLs (.txt .md .html .htm .jsonl .pdf .xml .rss .atom)."),
    ],
    db: str | None = DB_OPTION,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default 1).")] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="local (default), ray (= ray.v2) or ray.v1.")] = None,
    address: Annotated[
        str | None,
        typer.Option("--address", help="Ray cluster to use with --engine ray: auto or ray://host:10001."),
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep watching the one folder given and ingest files as they arrive.")
    ] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="With --watch: seconds between polls.")] = 2.0,
    existing: Annotated[
        bool, typer.Option("--existing/--new-only", help="With --watch: also ingest the files already there.")
    ] = True,
    max_cycles: Annotated[
        int | None, typer.Option("--max-cycles", min=1, help="With --watch: stop after this many polls.")
    ] = None,
) -> None:
    """Ingest reports into the store. Exit code 2 when any input failed.

    With ``--watch DIR`` the command keeps polling that folder (as ``watchfloor watch``) until Ctrl-C.
    """
    from watchfloor.pipeline import ingest as run_ingest
    from watchfloor.store.repository import Store

    options = {"workers": workers, "engine": engine, "ray_address": address}
    settings = make_settings(db, **{k: v for k, v in options.items() if v is not None})
    if watch:
        from watchfloor.cli.watch import follow_folder

        if len(paths) != 1 or not Path(paths[0]).is_dir():
            raise InputError(" ".join(paths), "--watch takes exactly one existing folder")
        follow_folder(Path(paths[0]), settings=settings, interval=interval, existing=existing, max_cycles=max_cycles)
        return
    total = count_inputs(paths)
    with Store.open(settings.database_url) as store, _progress() as progress:
        task = progress.add_task("ingesting", total=total)

        def step(source: str) -> None:
            progress.update(task, advance=1, description=Path(source).name[:40])

        report = run_ingest(paths, settings=settings, store=store, on_item=step)
    for failure in report.failed:
        err_console.print(f"[red]failed[/red] {failure.source}: {failure.problem}", highlight=False, markup=True)
    console.print(
        f"{len(report.added)} added, {len(report.unchanged)} already present, {len(report.failed)} failed",
        highlight=False,
    )
    if report.failed:
        raise typer.Exit(2)


def count_inputs(paths: list[str]) -> int | None:
    """How many outcomes an ingest of ``paths`` gives (files + JSONL lines), or None when unknown (URLs, feeds).

    Cheap: lists the files and counts JSONL lines without parsing them.
    """
    from watchfloor.acquire import FEED_SUFFIXES, _expand, is_url

    total = 0
    for arg in paths:
        if is_url(arg):
            return None
        for item in _expand(arg):
            if isinstance(item, Path) and item.suffix.lower() in FEED_SUFFIXES:
                return None
            total += _jsonl_records(item) if isinstance(item, Path) and item.suffix.lower() == ".jsonl" else 1
    return total


def _jsonl_records(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return max(1, sum(1 for line in handle if line.strip()))
    except OSError:
        return 1


class RateColumn(ProgressColumn):
    """Documents per second over the run's recent progress."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} docs/s" if speed is not None else "- docs/s", style="progress.data.speed")


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def show(
    kind: Annotated[Kind, typer.Argument(help="What to list.")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    db: str | None = DB_OPTION,
) -> None:
    """List what the knowledge base holds."""
    from watchfloor.store.repository import Store

    settings = make_settings(db)
    with Store.open(settings.database_url) as store:
        rows = getattr(store, f"list_{kind.value}")(limit=limit)
    if as_json:
        typer.echo(json.dumps(_to_jsonable(rows), ensure_ascii=False, indent=1))
        return
    console.print(_table(kind, rows))


def _table(kind: Kind, rows: list[Any]) -> Table:
    table = Table(title=kind.value, show_lines=False)
    columns: dict[Kind, list[str]] = {
        Kind.documents: ["id", "file", "title", "published", "published_method", "publisher"],
        Kind.actors: ["id", "name", "kind", "aliases"],
        Kind.events: ["id", "type", "date", "location", "killed", "injured", "actors"],
        Kind.relations: ["id", "type", "source", "target", "status"],
    }
    for name in columns[kind]:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(getattr(row, name, None)) for name in columns[kind]))
    return table


def _cell(value: Any) -> str:
    """A table cell; rich markup in report text is escaped by Text()."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {k: v for k, v in _to_jsonable(value).items() if v not in (None, [], {})}
        return ", ".join(f"{v}" for v in data.values())
    return str(_to_jsonable(value))


def evaluate(
    gold: Annotated[Path | None, typer.Option("--gold", help="Gold file or folder (default: gold seeds).")] = None,
    export_file: Annotated[
        Path | None, typer.Option("--export", help="Score this watchfloor-json file instead of the store.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    db: str | None = DB_OPTION,
) -> None:
    """Score the store (or an export) against gold annotations."""
    from watchfloor.evaluate import evaluate_export, load_export, load_gold
    from watchfloor.evaluate.store import export_from_store

    settings = make_settings(db)
    golds = load_gold(gold or settings.gold_dir / "seeds")
    system = load_export(export_file) if export_file else export_from_store(settings)
    report = evaluate_export(system, golds)
    if as_json:
        typer.echo(json.dumps(_to_jsonable(report), indent=1))
        return
    print_evaluation(report)


def print_evaluation(report: Any) -> None:
    """Per-document and overall figures, then what was missed."""
    table = Table(title="watchfloor evaluate")
    table.add_column("measure")
    for doc in report.documents:
        table.add_column(doc.file, justify="right")
    table.add_column("overall", justify="right")
    overall = report.overall()
    for name in overall:
        cells = [_fraction(doc.tallies()[name]) for doc in report.documents]
        table.add_row(name, *cells, _fraction(overall[name]))
    console.print(table)
    for doc in report.documents:
        for label, items in (
            ("missed actors", doc.missed_actors),
            ("missed events", doc.missed_events),
            ("wrong fields", doc.wrong_fields),
            ("missed relations", doc.missed_relations),
        ):
            if items:
                console.print(f"{doc.file} {label}: {', '.join(items)}", highlight=False, markup=False)


def _fraction(tally: Any) -> str:
    if not tally.total:
        return "-"
    return f"{tally.hits}/{tally.total} ({100 * tally.ratio:.0f}%)"


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the store and exports.")] = Path("out"),
    corpus: Annotated[
        list[Path] | None, typer.Option("--corpus", help="Folders to ingest (default: demo corpus + seeds).")
    ] = None,
) -> None:
    """Ingest the demo corpus (and the seed reports when present), summarise, export."""
    from watchfloor.export.wfjson import write_wfjson
    from watchfloor.pipeline import ingest as run_ingest
    from watchfloor.store.repository import Store

    out.mkdir(parents=True, exist_ok=True)
    settings = make_settings(str(out / "watchfloor.db"))
    sources = list(corpus or [])
    if not sources:
        sources = [Path(__file__).resolve().parents[3] / "demo" / "corpus"]
        if settings.seeds_dir.is_dir():
            sources.append(settings.seeds_dir)
    with Store.open(settings.database_url) as store:
        with _progress() as progress:
            task = progress.add_task("ingesting", total=None)
            report = run_ingest(
                [str(s) for s in sources],
                settings=settings,
                store=store,
                on_item=lambda source: progress.update(task, advance=1, description=Path(source).name[:40]),
            )
        counts = store.counts()
        write_wfjson(store, out / "watchfloor.json")
    for failure in report.failed:
        err_console.print(f"failed {failure.source}: {failure.problem}", highlight=False, markup=False)
    console.print(
        f"ingested {', '.join(str(s) for s in sources)}: {len(report.added)} added, "
        f"{len(report.unchanged)} already present, {len(report.failed)} failed",
        highlight=False,
    )
    summary = ", ".join(f"{value} {name}" for name, value in _to_jsonable(counts).items())
    console.print(f"store {settings.database_url}: {summary}", highlight=False)
    console.print(f"exports in {out}/", highlight=False)


def register(app: typer.Typer) -> None:
    """Mount the core commands and the stage-specific sub-apps."""
    app.command()(ingest)
    app.command()(show)
    app.command()(evaluate)
    app.command()(demo)

    from watchfloor.cli import actors, bench, exports, geocode, merges, serve, store, watch

    app.command("export")(exports.export)
    app.command("import")(exports.import_)
    app.command("watch")(watch.watch_command)
    app.command("serve")(serve.serve)
    app.command("geocode")(geocode.geocode)
    app.add_typer(actors.app, name="actors")
    app.add_typer(bench.app, name="bench")
    app.add_typer(store.store_app, name="store")
    app.add_typer(merges.merges_app, name="merges")
