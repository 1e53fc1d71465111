"""``watchfloor bench muc4``: predict MUC-4 templates for a JSONL file, write them, print the score."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from watchfloor.settings import Settings

log = logging.getLogger(__name__)


def muc4(
    input: Annotated[
        Path | None, typer.Option("--input", help="MUC-4 JSONL file (default: <benchmarks>/muc4/dev.jsonl).")
    ] = None,
    predictions: Annotated[Path, typer.Option("--predictions", help="Where to write the predictions.")] = Path(
        "muc4_predictions.json"
    ),
    tagger: Annotated[str, typer.Option("--tagger", help="Registered role tagger.")] = "muc4-linear.v1",
) -> None:
    """Predict MUC-4 templates, write the GTT-style prediction file and print per-role P/R/F1."""
    from watchfloor.bench.muc4 import format_score, run_muc4

    settings = Settings()
    path = input or settings.benchmarks_dir / "muc4" / "dev.jsonl"
    score = run_muc4(path, predictions_path=predictions, settings=settings, tagger=tagger)
    typer.echo(f"predictions written to {predictions}")
    if score is None:
        typer.echo("no gold templates in the input: nothing to score")
        return
    typer.echo(format_score(score))
