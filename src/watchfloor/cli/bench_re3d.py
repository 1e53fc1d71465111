"""``watchfloor bench re3d``: tag re3d documents, write predictions, print scores.

Mount with ``app.command("re3d")(bench_re3d)`` on the ``bench`` Typer app.
The shipped model was trained on the four re3d sources on disk, so scores on
them are training-set figures; held-out figures come from
``scripts/train_re3d.py --loso``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from watchfloor.errors import WatchfloorError

log = logging.getLogger(__name__)


def bench_re3d(
    source: Annotated[
        list[Path] | None,
        typer.Option("--source", help="re3d source folder (repeatable); default: the four under benchmarks_dir"),
    ] = None,
    predictions: Annotated[Path, typer.Option("--predictions", help="write predicted entities here (JSONL)")] = Path(
        "re3d_predictions.jsonl"
    ),
    bare: Annotated[bool, typer.Option("--bare", help="score the bare spaCy NER (labels mapped), not ours")] = False,
) -> None:
    """Tag re3d documents with the entity pipeline, write predictions and print exact/overlap scores."""
    from watchfloor.annotate import load_pipeline
    from watchfloor.annotate.entities import add_domain_components
    from watchfloor.bench.re3d import (
        default_source_dirs,
        format_scores,
        predict,
        read_sources,
        score,
        write_predictions,
    )
    from watchfloor.settings import get_settings

    settings = get_settings()
    try:
        folders = list(source) if source else default_source_dirs(settings.benchmarks_dir)
        docs = read_sources(folders)
        if bare:
            import spacy

            nlp = spacy.load(settings.spacy_model)
        else:
            nlp = add_domain_components(
                load_pipeline(settings.spacy_model, speedups=settings.spacy_speedups), settings=settings
            )
        preds = predict(nlp, docs, batch_size=settings.batch_size)
    except WatchfloorError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from exc
    count = write_predictions(predictions, preds)
    typer.echo(f"{len(docs)} documents, {count} predicted entities -> {predictions}")
    if not bare:
        typer.echo(
            "note: the shipped model was trained on the four re3d sources on disk; these are not held-out scores"
        )
    for mode in ("exact", "overlap"):
        typer.echo(format_scores(score(docs, preds, mode=mode), title="re3d"))
