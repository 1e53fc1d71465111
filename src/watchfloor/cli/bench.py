"""``watchfloor bench ...``: benchmark commands that print figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from watchfloor.cli.bench_muc4 import muc4
from watchfloor.cli.bench_re3d import bench_re3d
from watchfloor.cli.commands import make_settings
from watchfloor.cli.geocode import bench_geocode

app = typer.Typer(help="Benchmarks: accuracy on public data sets, throughput.", no_args_is_help=True)
app.command("muc4")(muc4)
app.command("re3d")(bench_re3d)
app.command("geocode")(bench_geocode)
console = Console()


@app.command()
def throughput(
    docs: Annotated[int, typer.Option("--docs", min=1, help="Documents in the corpus (MUC-4 train, repeated).")] = 200,
    engine: Annotated[str, typer.Option("--engine", help="local, ray (= ray.v2) or ray.v1.")] = "local",
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker count (1 is always measured too).")] = 2,
    muc4: Annotated[Path | None, typer.Option("--muc4", help="MUC-4 JSONL file (default: shared benchmarks).")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Postgres URL for full runs (default: temp SQLite).")] = None,
) -> None:
    """Words/s and docs/s: bare spaCy vs the full pipeline, ratio, RSS, scaling 1 -> 2 workers."""
    from watchfloor.bench.throughput import run_throughput

    settings = make_settings(db)
    report = run_throughput(docs=docs, settings=settings, engine=engine, workers=workers, muc4=muc4)
    wide = Console(width=max(console.width, 170))
    table = Table(title=f"throughput ({docs} docs, engine {engine})")
    columns = (
        "run",
        "workers",
        "docs/s",
        "words/s",
        "startup s",
        "steady words/s",
        "words/CPU-s",
        "steady words/CPU-s",
        "tail s",
        "peak RSS/worker MB",
        "driver RSS MB",
        "load",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for run in report.runs:
        per_cpu, steady = run.words_per_cpu_s, run.steady_words_per_s
        table.add_row(
            run.label,
            str(run.workers),
            f"{run.docs_per_s:.1f}",
            f"{run.words_per_s:.0f}",
            f"{run.startup_s:.1f}",
            f"{steady:.0f}" if steady else "-",
            f"{per_cpu:.0f}" if per_cpu else "-",
            f"{run.steady_words_per_cpu_s:.0f}" if run.steady_words_per_cpu_s else "-",
            f"{run.tail_s:.1f}",
            f"{run.peak_rss_mb:.0f}",
            f"{run.parent_rss_mb:.0f}",
            f"{run.load:.1f}",
        )
    wide.print(table)
    for n in sorted({run.workers for run in report.runs}):
        ratio, steady_ratio, cpu_ratio = report.ratio(n), report.steady_ratio(n), report.cpu_ratio(n)
        if ratio is not None:
            parts = [f"whole run {ratio:.2f}"]
            if steady_ratio is not None:
                parts.append(f"steady state {steady_ratio:.2f}")
            if cpu_ratio is not None:
                parts.append(f"on CPU time {cpu_ratio:.2f}")
            if (steady_cpu := report.steady_cpu_ratio(n)) is not None:
                parts.append(f"steady state on CPU time {steady_cpu:.2f}")
            console.print(f"full pipeline / bare spaCy at {n} worker(s): {', '.join(parts)}")
    for label in ("bare spaCy", "watchfloor"):
        efficiency, steady_efficiency = report.scaling(label), report.steady_scaling(label)
        if efficiency is not None:
            steady_part = f", steady state {steady_efficiency:.2f}" if steady_efficiency is not None else ""
            console.print(f"scaling efficiency 1 -> 2 workers, {label}: whole run {efficiency:.2f}{steady_part}")
    console.print(
        "startup: until the warm-up documents are out (model loading, worker start, first batches); "
        "tail: after the last document (fusion, shutdown); peak RSS/worker: largest worker process "
        "(this process for 1 local worker; forked workers share the driver's model pages)"
    )
