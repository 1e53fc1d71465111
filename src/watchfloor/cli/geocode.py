"""``watchfloor geocode``: look a place up in the gazetteer (candidates with scores), and benchmark the geocoder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from watchfloor.resolve.geocode import GeoContext, get_geocoder
from watchfloor.resolve.geocode.bench import run_bench
from watchfloor.settings import Settings

console = Console()

_DEFAULT_MENTIONS = Path(__file__).resolve().parents[3] / "tests" / "data" / "place_mentions.tsv"


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def geocode(
    place: str = typer.Argument(..., help='A place as written, e.g. "Jalalabad, Nangarhar" or "near Quetta".'),
    country: str | None = typer.Option(None, "--country", "-c", help="Document country focus (ISO alpha-2)."),
    limit: int = typer.Option(10, "--limit", min=1, help="At most this many candidates."),
) -> None:
    """Show gazetteer candidates with scores, and how the phrase resolves."""
    geocoder = get_geocoder(Settings())
    table = Table("score", "name", "kind", "admin2", "admin1", "country", "lat", "lon", "population", "source", "id")
    for c in geocoder.candidates(place, country=country, limit=limit):
        table.add_row(f"{c.score:.2f}", c.name, c.kind, c.admin2 or "", c.admin1 or "", c.country, _fmt(c.lat),
                      _fmt(c.lon), str(c.population or ""), c.source, c.gazetteer_id, )
    console.print(table)
    ref = geocoder.resolve(place, context=GeoContext(countries=[country.upper()] if country else []))
    if ref is None:
        console.print(f"[bold]{place}[/bold]: unresolved", markup=True, highlight=False)
        return
    where = ", ".join(x for x in (ref.name, ref.admin2, ref.admin1, ref.country) if x)
    console.print(f"resolved: {where} (precision {ref.precision}, {ref.gazetteer_id})", markup=False, highlight=False)


def bench_geocode(
    mentions: Annotated[Path, typer.Option("--mentions", help="Labelled mention file (TSV).")] = _DEFAULT_MENTIONS,
    rounds: int = typer.Option(20, "--rounds", min=1, help="Passes over the mentions for the speed figure."),
    show_misses: bool = typer.Option(False, "--misses", help="List the mentions resolved wrongly."),
) -> None:
    """Load time, memory, look-ups per second and accuracy on the labelled place mentions."""
    result = run_bench(mentions_file=mentions if mentions.exists() else None,
                       extra_files=tuple(Settings().gazetteer_files), rounds=rounds)
    console.print(f"gazetteer load: {result.load_seconds:.2f} s wall ({result.load_cpu_seconds:.2f} s CPU), "
                  f"{result.places} places, max RSS {result.max_rss_mb:.0f} MB", highlight=False)
    console.print(f"look-ups: {result.lookups} in context, {result.lookups_per_second:,.0f}/s wall, "
                  f"{result.cpu_lookups_per_second:,.0f}/s CPU", highlight=False)
    acc = result.accuracy
    if acc is not None:
        console.print(f"mentions: {acc.total}; country accuracy {acc.country_accuracy:.1%}; admin1 accuracy "
                      f"{acc.admin1_accuracy:.1%} ({acc.admin1_right}/{acc.admin1_total})", highlight=False)
        if show_misses:
            for miss in acc.misses:
                console.print(f"  {miss}", markup=False, highlight=False)
