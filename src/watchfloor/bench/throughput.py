"""Throughput benchmark: bare spaCy vs the full watchfloor pipeline to the store.

The corpus is built from real text: MUC-4 train documents (read at run time
from the benchmarks folder), repeated to ``docs`` documents, each copy made
distinct so that it gets its own content hash.  The corpus is written as a
JSONL file, so the full run includes acquire, clean, annotate, extract,
geocode and the store writes.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from watchfloor.errors import BenchmarkDataError
from watchfloor.settings import Settings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Run:
    """One timed run."""

    label: str
    workers: int
    docs: int
    words: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float | None = None  # CPU time of this process and its (joined) children; None for Ray
    load: float = 0.0  # 1-minute load average at the end of the run (the machine may be shared)

    @property
    def words_per_s(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.seconds if self.seconds else 0.0

    @property
    def words_per_cpu_s(self) -> float | None:
        """Words per CPU-second summed over all processes: not distorted by other load on the machine."""
        return self.words / self.cpu_seconds if self.cpu_seconds else None


@dataclass(slots=True)
class ThroughputReport:
    engine: str
    runs: list[Run] = field(default_factory=list)

    def get(self, label: str, workers: int) -> Run | None:
        return next((r for r in self.runs if r.label == label and r.workers == workers), None)

    def ratio(self, workers: int) -> float | None:
        """Full pipeline words/s over bare spaCy words/s at the same worker count."""
        bare, full = self.get("bare spaCy", workers), self.get("watchfloor", workers)
        return full.words_per_s / bare.words_per_s if bare and full and bare.words_per_s else None

    def cpu_ratio(self, workers: int) -> float | None:
        """The same ratio on CPU time (words per CPU-second)."""
        bare, full = self.get("bare spaCy", workers), self.get("watchfloor", workers)
        if not (bare and full and bare.words_per_cpu_s and full.words_per_cpu_s):
            return None
        return full.words_per_cpu_s / bare.words_per_cpu_s

    def scaling(self, label: str) -> float | None:
        """Scaling efficiency 1 -> 2 workers: speed-up / 2."""
        one, two = self.get(label, 1), self.get(label, 2)
        return two.words_per_s / (2 * one.words_per_s) if one and two and one.words_per_s else None


def load_muc4_texts(path: Path) -> list[str]:
    """The document texts of a MUC-4 JSONL file."""
    if not path.is_file():
        raise BenchmarkDataError(f"{path}: MUC-4 file not found (set --muc4 or WATCHFLOOR_SHARED_DIR)")
    texts = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                texts.append(json.loads(line)["doctext"])
            except (json.JSONDecodeError, KeyError) as exc:
                raise BenchmarkDataError(f"{path}:{number}: not a MUC-4 record ({exc})") from exc
    if not texts:
        raise BenchmarkDataError(f"{path}: no documents")
    return texts


def build_corpus(texts: list[str], *, docs: int) -> list[str]:
    """``docs`` texts cycling through ``texts``; copies after the first round get a distinct suffix."""
    corpus = []
    for i in range(docs):
        text = texts[i % len(texts)]
        round_ = i // len(texts)
        corpus.append(text if round_ == 0 else f"{text}\n\n(copy {round_})")
    return corpus


def count_words(corpus: list[str]) -> int:
    """Whitespace-separated words: the same count for every run."""
    return sum(len(text.split()) for text in corpus)


def _peak_rss_mb(*, children: bool) -> float:
    """Peak RSS of this process, or of the largest child process waited for so far."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that have been waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load_average() -> float:
    """The 1-minute load average (0.0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def run_bare(corpus: list[str], *, settings: Settings, workers: int) -> Run:
    """Bare ``nlp.pipe`` of the pinned spaCy model, ``n_process=workers``."""
    import spacy

    nlp = spacy.load(settings.spacy_model)
    start, cpu = time.perf_counter(), cpu_seconds()
    for _doc in nlp.pipe(corpus, batch_size=settings.batch_size, n_process=workers):
        pass
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    rss = _peak_rss_mb(children=workers > 1)
    return Run("bare spaCy", workers, len(corpus), count_words(corpus), seconds, rss, cpu, load_average())


def run_full(corpus: list[str], *, settings: Settings, workers: int, engine: str, workdir: Path) -> Run:
    """The whole pipeline from a JSONL file into a fresh store."""
    from watchfloor.pipeline import ingest
    from watchfloor.store.repository import Store

    source = workdir / f"corpus-{workers}.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(corpus):
            handle.write(json.dumps({"text": text, "title": f"bench {i}"}) + "\n")
    url = (
        settings.database_url
        if settings.database_url.startswith("postgresql")
        else (f"sqlite:///{workdir / f'bench-{engine}-{workers}.db'}")
    )
    run_settings = settings.model_copy(update={"workers": workers, "engine": engine, "database_url": url})
    words = count_words(corpus)
    start, cpu = time.perf_counter(), cpu_seconds()
    with Store.open(url) as store:
        report = ingest([str(source)], settings=run_settings, store=store)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if report.failed:
        log.warning("%d documents failed during the benchmark", len(report.failed))
    local = engine.startswith("local")
    rss = _peak_rss_mb(children=workers > 1 and local)
    return Run("watchfloor", workers, len(corpus), words, seconds, rss, cpu if local else None, load_average())


def run_throughput(
    *, docs: int, settings: Settings, engine: str = "local.v1", workers: int = 1, muc4: Path | None = None
) -> ThroughputReport:
    """Bare spaCy and the full pipeline at 1 worker and at ``workers`` (for the scaling figure)."""
    texts = load_muc4_texts(muc4 or settings.benchmarks_dir / "muc4" / "train.jsonl")
    corpus = build_corpus(texts, docs=docs)
    report = ThroughputReport(engine=engine)
    counts = sorted({1, workers})
    with tempfile.TemporaryDirectory(prefix="wf-bench-") as tmp:
        for n in counts:
            report.runs.append(run_bare(corpus, settings=settings, workers=n))
            report.runs.append(run_full(corpus, settings=settings, workers=n, engine=engine, workdir=Path(tmp)))
    return report
