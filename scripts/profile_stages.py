"""CPU time per pipeline stage on the throughput corpus (MUC-4 train documents).

Runs the same stages as ``watchfloor ingest`` in one process, stage by stage,
and charges ``time.process_time`` (CPU time of this process, not distorted by
other load on the machine) to each: acquire, clean, every spaCy component
(base parse, re3d NER, domain rule components), extraction (actors, events
with its annotators, relations), geocoding, the store write and the
cross-document fusion.  Model loading is timed separately.  It also prints
issue 5's figure: the event stage (``extract_events`` with the timex,
quantities, citations and hedges annotators it calls) as a share of the
per-document time of the rest of the pipeline.

    python scripts/profile_stages.py --docs 200
    python scripts/profile_stages.py --docs 100 --cprofile /tmp/stages.prof
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from watchfloor.bench.throughput import build_corpus, count_words, load_average, load_muc4_texts
from watchfloor.settings import Settings

#: Where each spaCy component's time is charged.
BASE = "parse: base spaCy"
RE3D = "annotate: re3d NER"
RULES = "annotate: domain rule components"

_cpu: defaultdict[str, float] = defaultdict(float)
_calls: defaultdict[str, int] = defaultdict(int)
_stack: list[str] = []


@contextmanager
def charge(stage: str) -> Iterator[None]:
    """Charge the CPU time of the block to ``stage`` (nested stages are subtracted from the outer one)."""
    began = time.process_time()
    _stack.append(stage)
    try:
        yield
    finally:
        spent = time.process_time() - began
        _stack.pop()
        _cpu[stage] += spent
        _calls[stage] += 1
        if _stack:
            _cpu[_stack[-1]] -= spent


def wrap(module: Any, name: str, stage: str) -> None:
    """Charge every call of ``module.name`` to ``stage``, nested inside whatever stage calls it."""
    original: Callable[..., Any] = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        with charge(f"{_stack[-1].split(':')[1].split()[0]}: {stage}" if _stack else stage):
            return original(*args, **kwargs)

    setattr(module, name, timed)


def _track_gc() -> list[float]:
    """CPU seconds spent in the cyclic garbage collector from now on (a one-item list, updated)."""
    import gc

    spent = [0.0]
    began = [0.0]

    def callback(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.process_time()
        else:
            spent[0] += time.process_time() - began[0]

    gc.callbacks.append(callback)
    return spent


def component_stage(name: str) -> str:
    """The row a spaCy component's time is charged to: its group and its name."""
    from watchfloor.annotate.speedups import FAST_LEMMATIZER, FAST_RULER

    if name == "re3d_ner":
        return RE3D
    if name in (FAST_RULER, FAST_LEMMATIZER):  # stand-ins for the base pipeline's own components
        return f"{BASE} [{name}]"
    if name.startswith("re3d") or name.startswith("watchfloor"):
        return f"{RULES} [{name}]"
    return f"{BASE} [{name}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--db", default=None, help="store URL (default: a temp SQLite file)")
    parser.add_argument("--cprofile", type=Path, default=None, help="also write a cProfile dump of the steady state")
    parser.add_argument("--no-gc-freeze", action="store_true", help="leave the models to the garbage collector")
    parser.add_argument("--no-bare", action="store_true", help="skip timing bare spaCy on the same corpus")
    parser.add_argument("--no-base-ner", action="store_true", help="entity_base_ner=False")
    args = parser.parse_args()

    from watchfloor.acquire import iter_inputs
    from watchfloor.annotate import to_annotated
    from watchfloor.clean import clean
    from watchfloor.extract import actors as actors_module
    from watchfloor.extract import annotators, events, relations
    from watchfloor.models import Extraction, RawInput
    from watchfloor.pipeline import load_models
    from watchfloor.resolve.dedup import fingerprint
    from watchfloor.resolve.fusion import fuse
    from watchfloor.resolve.geocode import geocode_extraction, get_geocoder
    from watchfloor.resolve.kb import load_actor_kb
    from watchfloor.store.repository import Store

    settings = Settings(entity_base_ner=False) if args.no_base_ner else Settings()
    corpus = build_corpus(load_muc4_texts(settings.benchmarks_dir / "muc4" / "train.jsonl"), docs=args.docs)
    words = count_words(corpus)
    loads: dict[str, float] = {}
    began, wall = time.process_time(), time.perf_counter()
    if args.no_gc_freeze:
        import gc

        gc.freeze = lambda: None  # measure the pipeline as it was before load_models froze the models
    nlp = load_models(settings)
    loads["CPU s"] = time.process_time() - began
    loads["wall s"] = time.perf_counter() - wall
    kb = load_actor_kb(extra_files=tuple(settings.actor_kb_files))
    geocoder = get_geocoder(settings)
    gc_seconds = _track_gc()

    for attr, stage in (
        ("time_expressions", "timex"),
        ("figures", "quantities"),
        ("citations", "citations"),
        ("certainty", "hedges"),
        ("responsibility", "hedges"),
    ):
        wrap(annotators, attr, stage)

    profiler = cProfile.Profile() if args.cprofile else None
    with tempfile.TemporaryDirectory(prefix="wf-prof-") as tmp:
        source = Path(tmp) / "corpus.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for i, text in enumerate(corpus):
                handle.write(json.dumps({"text": text, "title": f"bench {i}"}) + "\n")
        url = args.db or f"sqlite:///{Path(tmp) / 'prof.db'}"
        wall = time.perf_counter()
        with Store.open(url) as store:
            if profiler:
                profiler.enable()
            with charge("acquire"):
                raws = [item for item in iter_inputs([str(source)], settings=settings) if isinstance(item, RawInput)]
            for first in range(0, len(raws), settings.batch_size):
                batch = raws[first : first + settings.batch_size]
                with charge("clean"):
                    documents = [clean(raw) for raw in batch]
                with charge(f"{BASE} [tokenizer]"):
                    docs = [nlp.make_doc(document.text) for document in documents]
                for name, proc in nlp.pipeline:
                    with charge(component_stage(name)):
                        if hasattr(proc, "pipe"):
                            docs = list(proc.pipe(docs, batch_size=settings.batch_size))
                        else:
                            docs = [proc(doc) for doc in docs]
                extractions = []
                for document, doc in zip(documents, docs, strict=True):
                    with charge("annotate: to_annotated"):
                        annotated = to_annotated(document, doc)
                    with charge("extract: actors (incl. KB linking)"):
                        found = actors_module.extract_actors(annotated, kb=kb)
                    with charge("extract: events (rules)"):
                        found_events = events.extract_events(annotated, actors=found, anchor=document.published)
                    with charge("extract: relations"):
                        found_relations = relations.extract_relations(annotated, actors=found)
                    extraction = Extraction(
                        document=document,
                        mentions=list(annotated.mentions),
                        actors=list(found.actors),
                        events=found_events,
                        relations=found_relations,
                        extractor="rules.v1",
                    )
                    with charge("resolve: geocode"):
                        geocode_extraction(extraction, geocoder=geocoder)
                    with charge("resolve: near-duplicate fingerprint"):
                        extraction.signature = fingerprint(document.text).signature
                    extractions.append(extraction)
                with charge("store: write (incl. global actor linking)"):  # one transaction a batch, as ingest does
                    for start in range(0, len(extractions), settings.write_batch):
                        store.write_extractions(extractions[start : start + settings.write_batch])
            with charge("fusion (once, after the batch)"):
                fuse(store, settings=settings)
            if profiler:
                profiler.disable()
        wall = time.perf_counter() - wall
    if profiler and args.cprofile:
        profiler.dump_stats(str(args.cprofile))

    total = sum(_cpu.values())
    print(f"{args.docs} docs, {words} words; load average at end {load_average():.1f}; wall {wall:.0f} s")
    print(
        "model loading (spaCy + re3d, actor KB, gazetteer; load_models): "
        + ", ".join(f"{v:.1f} {k}" for k, v in loads.items())
    )
    print(f"garbage collector: {gc_seconds[0]:.2f} CPU s (spread over the stages below)")
    print(f"{'stage':48} {'CPU s':>8} {'ms/doc':>8} {'share':>7}")
    groups: defaultdict[str, float] = defaultdict(float)
    for stage, seconds in _cpu.items():
        groups[stage.split(" [")[0]] += seconds
    for group, group_seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(
            f"{group:48} {group_seconds:8.2f} {1000 * group_seconds / args.docs:8.1f} "
            f"{100 * group_seconds / total:6.1f}%"
        )
        parts = sorted(((k, v) for k, v in _cpu.items() if k.startswith(group + " [")), key=lambda kv: -kv[1])
        for stage, seconds in parts if len(parts) > 1 else ():
            label = "    " + stage[len(group) + 1 :]
            print(f"{label:48} {seconds:8.2f} {1000 * seconds / args.docs:8.1f} {100 * seconds / total:6.1f}%")
    print(f"{'total':48} {total:8.2f} {1000 * total / args.docs:8.1f}  ({words / total:.0f} words per CPU-s)")
    event_stage = _cpu["extract: events (rules)"] + sum(v for k, v in _cpu.items() if k.startswith("events:"))
    rest = total - event_stage
    print(
        f"issue 5: event stage {1000 * event_stage / args.docs:.1f} ms/doc = {100 * event_stage / total:.1f} % "
        f"of per-document time; adds {100 * event_stage / rest:.1f} % over the rest of the pipeline "
        f"({1000 * rest / args.docs:.1f} ms/doc)  (target <= 30 %)"
    )
    parse = sum(v for k, v in _cpu.items() if k.startswith(BASE))
    print(f"pipeline's own work (all but the base spaCy components run here): {100 * (total - parse) / total:.1f} %")
    if not args.no_bare:
        import spacy

        bare = spacy.load(settings.spacy_model)
        began = time.process_time()
        for _doc in bare.pipe(corpus, batch_size=settings.batch_size):
            pass
        bare_cpu = time.process_time() - began
        print(
            f"bare {settings.spacy_model} nlp.pipe: {1000 * bare_cpu / args.docs:.1f} ms/doc; "
            f"full/bare words per CPU-s: {bare_cpu / total:.2f} (target >= 0.7)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
