"""Train the ``muc4-linear.v1`` role tagger on MUC-4 train, tune its decisions out of fold, report on dev.

Usage (about 12 minutes on 2 shared cores: spaCy parsing ~3 min unless cached, four cross-validation
models ~5 min, threshold tuning on all training documents ~3.5 min, the final model ~1.5 min)::

    nice -n 10 python scripts/train_muc4.py --cache-dir /tmp/muc4-parses \
        --out src/watchfloor/data/models/muc4/muc4_linear_v1.json.gz

With ``--cv K`` (default 4) every training document is predicted by a model trained on the other
folds, and the decision thresholds (gate, roles, caps, template options) are tuned on those
out-of-fold predictions of all training documents; ``--cv 0`` tunes on the last ``--holdout``
documents instead.  The final model is then retrained on all training documents with those
decisions and scored once on dev.  ``--cache-dir`` keeps the spaCy parses (DocBin files) between
runs.  Dev is never used for training or tuning.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from watchfloor.annotate import load_pipeline
from watchfloor.bench.muc4 import Muc4Document, format_score, read_muc4, score_muc4
from watchfloor.extract.learned.muc_roles import (
    MODEL_PATH,
    gate_examples,
    train_tagger,
    training_documents,
    tune_thresholds,
)
from watchfloor.settings import Settings

log = logging.getLogger("train_muc4")


def parse(documents: list[Muc4Document], *, model: str, cache: Path | None) -> list[Any]:
    """spaCy parses of the documents, read from / written to ``cache`` when given."""
    from spacy.tokens import DocBin

    nlp = load_pipeline(model)
    if cache is not None and cache.is_file():
        docs = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
        if len(docs) == len(documents):
            return docs
    started = time.perf_counter()
    docs = list(nlp.pipe((d.text for d in documents), batch_size=32))
    log.info("parsed %d documents in %.0f s", len(docs), time.perf_counter() - started)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        bin_ = DocBin()
        for doc in docs:
            bin_.add(doc)
        bin_.to_disk(cache)
    return docs


def main(
    train: Annotated[Path | None, typer.Option(help="MUC-4 train JSONL (default: the shared one)")] = None,
    dev: Annotated[Path | None, typer.Option(help="MUC-4 dev JSONL, for the final report only")] = None,
    out: Annotated[Path, typer.Option(help="where to write the JSON weights")] = MODEL_PATH,
    holdout: Annotated[int, typer.Option(help="training documents kept aside to tune thresholds")] = 200,
    cv: Annotated[int, typer.Option(help="tune on out-of-fold predictions of CV folds (0: use --holdout)")] = 4,
    method: Annotated[str, typer.Option(help="logistic (numpy) or perceptron")] = "logistic",
    cache_dir: Annotated[Path | None, typer.Option(help="keep spaCy parses here between runs")] = None,
    gate: Annotated[
        bool, typer.Option(help="train a separate binary incident gate (off: no gain on the hold-out)")
    ] = False,
    gate_l2: Annotated[float, typer.Option(help="L2 penalty of the gate's logistic regression")] = 1e-2,
    role_l2: Annotated[float, typer.Option(help="L2 penalty of the role model")] = 1e-4,
    role_iterations: Annotated[int, typer.Option(help="Adam steps of the role model")] = 300,
    sentences: Annotated[bool, typer.Option(help="train the sentence-relevance model and its role features")] = True,
    type_features: Annotated[str, typer.Option(help="incident-type features: document or gate")] = "gate",
    folds: Annotated[int, typer.Option(help="cross-fitting folds for the training sentence relevance")] = 4,
    report_dev: Annotated[bool, typer.Option(help="score the models on dev at the end")] = True,
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings()
    train = train or settings.benchmarks_dir / "muc4" / "train.jsonl"
    dev = dev or settings.benchmarks_dir / "muc4" / "dev.jsonl"
    train_docs = read_muc4(train)
    dev_docs = read_muc4(dev)
    cache = (lambda name: cache_dir / f"{name}.spacy") if cache_dir else (lambda name: None)
    train_parsed = parse(train_docs, model=settings.spacy_model, cache=cache("train"))
    dev_parsed = parse(dev_docs, model=settings.spacy_model, cache=cache("dev"))

    started = time.perf_counter()
    examples = training_documents(train_parsed, train_docs, type_features=type_features)
    gates = gate_examples(train_parsed, train_docs) if gate else None
    log.info("extracted training examples in %.0f s", time.perf_counter() - started)
    options: dict[str, Any] = {
        "method": method,
        "gate_l2": gate_l2,
        "role_l2": role_l2,
        "role_iterations": role_iterations,
        "sentences": sentences,
        "folds": folds,
    }
    if cv > 1:
        # every training document is predicted by a model that did not see it; thresholds are tuned on all
        tagger = None
        held: list[Any] = [None] * len(examples)
        for fold in range(cv):
            inside = [i for i in range(len(examples)) if i % cv != fold]
            model = train_tagger(
                [examples[i] for i in inside], gate=[gates[i] for i in inside] if gates else None, **options
            )
            for i in range(fold, len(examples), cv):
                held[i] = model.prepare(train_parsed[i])
            tagger = tagger or model
        assert tagger is not None
        tuned_docs = train_docs
    else:
        cut = len(train_docs) - holdout
        tagger = train_tagger(examples[:cut], gate=gates[:cut] if gates else None, **options)
        held = [tagger.prepare(doc) for doc in train_parsed[cut:]]
        tuned_docs = train_docs[cut:]
    f1 = tune_thresholds(tagger, held, tuned_docs)
    log.info("held-out F1 %.2f after tuning", f1)
    predictions = {d.docid: tagger.decide(p) for p, d in zip(held, tuned_docs, strict=True)}
    typer.echo(f"train hold-out ({len(tuned_docs)} documents):\n{format_score(score_muc4(predictions, tuned_docs))}")

    final = train_tagger(examples, gate=gates, **options)
    final.adopt_decisions(tagger)
    log.info("trained in %.0f s", time.perf_counter() - started)
    final.save(out)
    log.info("wrote %s (%.1f MB)", out, out.stat().st_size / 1e6)

    if not report_dev:
        return
    for name, model in (("first tuning", tagger), ("final", final)):
        predictions = {d.docid: model.predict_doc(doc) for doc, d in zip(dev_parsed, dev_docs, strict=True)}
        typer.echo(f"dev, {name} model:\n{format_score(score_muc4(predictions, dev_docs))}")


if __name__ == "__main__":
    typer.run(main)
