"""``watchfloor watch DIR``: ingest the files that appear in a folder until interrupted."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import typer

from watchfloor.cli.commands import DB_OPTION, console, err_console, make_settings
from watchfloor.settings import Settings

FOLDER_ARGUMENT = typer.Argument(..., help="Folder to watch (subfolders included).")
INTERVAL_OPTION = typer.Option(2.0, "--interval", min=0.1, help="Seconds between two polls of the folder.")
EXISTING_OPTION = typer.Option(
    True, "--existing/--new-only", help="Also ingest the files already in the folder (default) or only new ones."
)
WORKERS_OPTION = typer.Option(None, "--workers", min=1, help="Worker processes (default 1).")
ENGINE_OPTION = typer.Option(None, "--engine", help="local (default), ray (= ray.v2) or ray.v1.")
MAX_CYCLES_OPTION = typer.Option(None, "--max-cycles", min=1, help="Stop after this many polls.")


def watch_command(
    folder: Path = FOLDER_ARGUMENT,
    db: str | None = DB_OPTION,
    interval: float = INTERVAL_OPTION,
    existing: bool = EXISTING_OPTION,
    workers: int | None = WORKERS_OPTION,
    engine: str | None = ENGINE_OPTION,
    max_cycles: int | None = MAX_CYCLES_OPTION,
) -> None:
    """Watch a folder and ingest each new or changed report once it has finished being written. Ctrl-C stops.

    The same as ``watchfloor ingest --watch FOLDER``.
    """
    overrides = {k: v for k, v in {"workers": workers, "engine": engine}.items() if v is not None}
    follow_folder(
        folder, settings=make_settings(db, **overrides), interval=interval, existing=existing, max_cycles=max_cycles
    )


def follow_folder(folder: Path, *, settings: Settings, interval: float, existing: bool, max_cycles: int | None) -> None:
    """Run the folder watch into the settings' store, printing one summary line per poll that found work."""
    from watchfloor.acquire.watch import watch_folder
    from watchfloor.store.repository import Store

    stop = threading.Event()
    err_console.print(f"watching {folder} every {interval:g} s (Ctrl-C to stop)", highlight=False, markup=False)
    with Store.open(settings.database_url) as store:
        reports = watch_folder(
            folder,
            settings=settings,
            store=store,
            interval=interval,
            stop=stop,
            max_cycles=max_cycles,
            include_existing=existing,
        )
        try:
            for report in reports:
                stamp = dt.datetime.now().strftime("%H:%M:%S")
                for failure in report.failed:
                    err_console.print(f"failed {failure.source}: {failure.problem}", highlight=False, markup=False)
                console.print(
                    f"{stamp} {len(report.added)} added, {len(report.unchanged)} already present, "
                    f"{len(report.failed)} failed",
                    highlight=False,
                )
        except KeyboardInterrupt:
            stop.set()
            err_console.print("stopped", highlight=False, markup=False)
        finally:
            reports.close()
