"""Throughput benchmark: bare spaCy vs the full watchfloor pipeline to the store.

The corpus is built from real text: MUC-4 train documents (read at run time
from the benchmarks folder), repeated to ``docs`` documents, each copy made
distinct so that it gets its own content hash.  The corpus is written as a
JSONL file, so the full run includes acquire, clean, annotate, extract,
geocode, the store writes and the cross-document fusion.

Every run is timed whole (words/s over the wall time, model loading
included) and in its steady state: ``startup_s`` is the time until the first
``warmup`` documents are out (worker start, model loading, first batches),
and ``steady_words_per_s`` the rate over the rest, measured the same way for
bare spaCy and for watchfloor, from the arrival times of the documents in
the driver.  On Ray the startup includes starting the local cluster; results
come back a batch at a time, so the warm-up there is two rounds of Ray
batches per worker.  The steady state is also measured in CPU time of the
whole process tree (``steady_words_per_cpu_s``, local engine only: Ray's
actors run ahead of the driver, so CPU time in the window is not the CPU
time of the documents that arrive in it), the figure least distorted by
other load on a shared machine.  Peak RSS per worker is the largest peak
resident set (``VmHWM``) among the worker processes, sampled from ``/proc``
(it counts pages forked workers share with their parent).
"""

from __future__ import annotations

import json
import logging
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType

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
    startup_s: float = 0.0  # until the warm-up documents were out (start, model loading, first batches)
    steady_words_per_s: float | None = None  # after the warm-up documents (None: too few documents)
    parent_rss_mb: float = 0.0  # peak RSS of the driver process (it holds the models when workers are forked)
    tail_s: float = 0.0  # after the last document: cross-document fusion, pool shutdown
    steady_cpu_s: float | None = None  # CPU time of the whole process tree in the steady state
    steady_docs: int = 0  # documents out in the steady state

    @property
    def steady_words_per_cpu_s(self) -> float | None:
        """Steady-state words per CPU-second of the process tree: the figure least distorted by load."""
        if not self.steady_cpu_s or not self.steady_docs:
            return None
        return self.words * self.steady_docs / self.docs / self.steady_cpu_s

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


def _quotient(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing or the denominator is zero."""
    return numerator / denominator if numerator is not None and denominator else None


@dataclass(slots=True)
class ThroughputReport:
    engine: str
    runs: list[Run] = field(default_factory=list)

    def get(self, label: str, workers: int) -> Run | None:
        return next((r for r in self.runs if r.label == label and r.workers == workers), None)

    def _versus(self, attr: str, *, workers: int) -> float | None:
        """Full pipeline over bare spaCy at ``workers`` on the ``Run`` speed ``attr`` (None when unmeasured)."""
        bare, full = self.get("bare spaCy", workers), self.get("watchfloor", workers)
        return _quotient(getattr(full, attr, None), getattr(bare, attr, None))

    def _scaling(self, label: str, attr: str) -> float | None:
        """Speed ``attr`` at 2 workers over twice that at 1 worker."""
        one, two = self.get(label, 1), self.get(label, 2)
        base = getattr(one, attr, None)
        return _quotient(getattr(two, attr, None), 2 * base if base else None)

    def ratio(self, workers: int) -> float | None:
        """Full pipeline words/s over bare spaCy words/s at the same worker count."""
        return self._versus("words_per_s", workers=workers)

    def steady_cpu_ratio(self, workers: int) -> float | None:
        """The steady-state ratio on CPU time (words per CPU-second of all processes)."""
        return self._versus("steady_words_per_cpu_s", workers=workers)

    def steady_ratio(self, workers: int) -> float | None:
        """The same ratio in the steady state (after model loading and the first batches)."""
        return self._versus("steady_words_per_s", workers=workers)

    def cpu_ratio(self, workers: int) -> float | None:
        """The same ratio on CPU time (words per CPU-second)."""
        return self._versus("words_per_cpu_s", workers=workers)

    def scaling(self, label: str) -> float | None:
        """Scaling efficiency 1 -> 2 workers: speed-up / 2."""
        return self._scaling(label, "words_per_s")

    def steady_scaling(self, label: str) -> float | None:
        """Scaling efficiency 1 -> 2 workers in the steady state."""
        return self._scaling(label, "steady_words_per_s")


class Clock:
    """Timestamps of documents coming out of a run: startup and steady-state rate.

    ``tick()`` once per document out.  The first ``warmup`` documents count as
    startup; the steady rate is measured from the ``warmup``-th document to
    the last, over the documents in between.
    """

    def __init__(self, *, warmup: int) -> None:
        self.warmup = max(1, warmup)
        self.start = time.perf_counter()
        self.count = 0
        self.warm_at: float | None = None
        self.last = self.start
        self.warm_cpu: dict[int, float] | None = None
        self.last_cpu: dict[int, float] | None = None

    def tick(self, _item: object = None) -> None:
        self.count += 1
        self.last = time.perf_counter()
        if self.count == self.warmup:
            self.warm_at = self.last
            self.warm_cpu = process_tree_cpu_by_pid()

    def stop(self) -> None:
        """Call right after the last document is out (before workers are shut down)."""
        self.last_cpu = process_tree_cpu_by_pid()

    @property
    def steady_docs(self) -> int:
        return max(0, self.count - self.warmup)

    @property
    def steady_cpu_s(self) -> float | None:
        if self.warm_cpu is None or self.last_cpu is None or not self.steady_docs:
            return None
        # per process, so that processes exiting in between (Ray's idle workers) do not cancel out others' time
        return sum(max(0.0, cpu - self.warm_cpu.get(pid, 0.0)) for pid, cpu in self.last_cpu.items())

    @property
    def startup_s(self) -> float:
        return (self.warm_at or self.last) - self.start

    def steady_rate(self, words: int, docs: int) -> float | None:
        """Words/s after the warm-up (``words`` over ``docs`` documents in all); None if too few."""
        if self.warm_at is None or self.count <= self.warmup or self.last <= self.warm_at:
            return None
        return words * (self.count - self.warmup) / docs / (self.last - self.warm_at)


def warmup_docs(docs: int, *, settings: Settings, workers: int, engine: str = "local.v1") -> int:
    """Documents counted as startup: two rounds of batches per worker.

    Results come out a batch at a time, so a steady-state window needs several
    batches after the warm-up: runs shorter than twice the warm-up get no
    steady-state figures (``Clock.steady_rate`` is then None).  The local pool
    uses smaller batches than ``settings.batch_size``; Ray uses that size.
    """
    from watchfloor.engines.local import pool_batch_size

    local_pool = workers > 1 and engine.startswith("local")
    batch = pool_batch_size(settings) if local_pool else settings.batch_size
    warmup = 2 * workers * batch
    return warmup if docs >= 2 * warmup else docs


def process_tree_cpu_by_pid() -> dict[int, float]:
    """CPU seconds per process: this process with its joined children (``cpu_seconds``), and each live
    descendant (read from /proc)."""
    own = os.getpid()
    found = {own: cpu_seconds()}
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in descendants(own):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return found


def proc_mb(pid: int, *fields: str, table: str = "status") -> float:
    """The largest of ``fields`` (kB lines such as ``VmRSS``, ``VmHWM``; ``Pss`` with ``table="smaps_rollup"``)
    of ``/proc/PID/<table>``, in MB; 0.0 when the process has gone or there is no /proc."""
    try:
        text = Path(f"/proc/{pid}/{table}").read_text()
    except OSError:
        return 0.0
    values = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return max((int(values[f].split()[0]) / 1024 for f in fields if f in values), default=0.0)


def descendants(pid: int) -> list[int]:
    """Every live descendant process of ``pid`` (from /proc; empty where there is no /proc)."""
    parents: dict[int, list[int]] = {}
    try:
        entries = [e for e in Path("/proc").iterdir() if e.name.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class RssSampler:
    """Samples the peak RSS of this process's descendants (pool workers, Ray workers) in a thread.

    ``worker_peak_mb`` is the largest peak RSS (``VmHWM``) seen among the
    descendants whose command line ``is_worker`` accepts (default: all).
    """

    def __init__(self, *, every: float = 0.5, ray: bool = False) -> None:
        self.every = every
        self.ray = ray
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _is_worker(self, pid: int) -> bool:
        if not self.ray:
            return True
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return b"default_worker.py" in command or command.startswith(b"ray::")

    def sample(self) -> None:
        for pid in descendants(os.getpid()):
            if pid in self.peaks or self._is_worker(pid):
                peak = proc_mb(pid, "VmHWM", "VmRSS")
                if peak:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), peak)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    @property
    def worker_peak_mb(self) -> float:
        return max(self.peaks.values(), default=0.0)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.sample()
        self._stop.set()
        self._thread.join()


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


def _self_peak_mb() -> float:
    """Peak RSS of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bare(corpus: list[str], *, settings: Settings, workers: int) -> Run:
    """Bare ``nlp.pipe`` of the pinned spaCy model, ``n_process=workers`` (timed from loading the model)."""
    import spacy

    words = count_words(corpus)
    start, cpu = time.perf_counter(), cpu_seconds()
    clock = Clock(warmup=warmup_docs(len(corpus), settings=settings, workers=workers))
    with RssSampler() as sampler:
        nlp = spacy.load(settings.spacy_model)
        for _doc in nlp.pipe(corpus, batch_size=settings.batch_size, n_process=workers):
            clock.tick()
            if clock.count == len(corpus):
                clock.stop()
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    rss = sampler.worker_peak_mb if workers > 1 else _self_peak_mb()
    return Run(
        "bare spaCy",
        workers,
        len(corpus),
        words,
        seconds,
        rss,
        cpu,
        load_average(),
        startup_s=clock.startup_s,
        steady_words_per_s=clock.steady_rate(words, len(corpus)),
        parent_rss_mb=_self_peak_mb(),
        tail_s=time.perf_counter() - start - (clock.last - clock.start),
        steady_cpu_s=clock.steady_cpu_s,
        steady_docs=clock.steady_docs,
    )


def run_full(corpus: list[str], *, settings: Settings, workers: int, engine: str, workdir: Path) -> Run:
    """The whole pipeline from a JSONL file into a fresh store (timed from loading the models)."""
    from watchfloor.pipeline import ingest
    from watchfloor.store.repository import Store

    source = workdir / f"corpus-{engine}-{workers}.jsonl"
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
    local = engine.startswith("local")
    start, cpu = time.perf_counter(), cpu_seconds()
    clock = Clock(warmup=warmup_docs(len(corpus), settings=settings, workers=workers, engine=engine))

    def tick(item: str) -> None:
        clock.tick()
        if clock.count == len(corpus):
            clock.stop()  # the store write of the last document is left out, a negligible part

    with RssSampler(ray=not local) as sampler, Store.open(url) as store:
        report = ingest([str(source)], settings=run_settings, store=store, on_item=tick)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if report.failed:
        log.warning("%d documents failed during the benchmark", len(report.failed))
    rss = sampler.worker_peak_mb if workers > 1 or not local else _self_peak_mb()
    # Ray's workers are not waited-for children: no whole-run CPU time (the steady window reads /proc instead)
    return Run(
        "watchfloor",
        workers,
        len(corpus),
        words,
        seconds,
        rss,
        cpu if local else None,
        load_average(),
        startup_s=clock.startup_s,
        steady_words_per_s=clock.steady_rate(words, len(corpus)),
        parent_rss_mb=_self_peak_mb(),
        tail_s=time.perf_counter() - start - (clock.last - clock.start),
        # Ray Data buffers results ahead of the driver, so actor CPU spent before the warm-up point goes to
        # documents that arrive after it: the window's CPU time would not be those documents' CPU time
        steady_cpu_s=clock.steady_cpu_s if local else None,
        steady_docs=clock.steady_docs,
    )


def run_throughput(
    *,
    docs: int,
    settings: Settings,
    engine: str = "local.v1",
    workers: int = 1,
    muc4: Path | None = None,
    isolated: bool = True,
) -> ThroughputReport:
    """Bare spaCy and the full pipeline at 1 worker and at ``workers`` (for the scaling figure).

    With ``isolated`` (the default) every run happens in a fresh process, so
    each starts cold (no model cached by an earlier run) and its CPU time and
    memory are its own.
    """
    texts = load_muc4_texts(muc4 or settings.benchmarks_dir / "muc4" / "train.jsonl")
    corpus = build_corpus(texts, docs=docs)
    report = ThroughputReport(engine=engine)
    counts = sorted({1, workers})
    with tempfile.TemporaryDirectory(prefix="wf-bench-") as tmp:
        for n in counts:
            bare = partial(run_bare, corpus, settings=settings, workers=n)
            full = partial(run_full, corpus, settings=settings, workers=n, engine=engine, workdir=Path(tmp))
            for job in (bare, full):
                report.runs.append(_in_fresh_process(job) if isolated else job())
    return report


def _in_fresh_process(job: Callable[[], Run]) -> Run:
    """Run ``job`` in a newly spawned interpreter and return its result."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(job).result()
