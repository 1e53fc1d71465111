"""The local engine: one process, or a pool of worker processes.

Each worker holds the models (spaCy pipeline, actor KB, gazetteer) and
processes inputs in batches: the batch is cleaned, parsed with one
``nlp.pipe`` call, then extracted document by document.  At most
``2 * workers`` batches are in flight, so memory stays bounded on long runs.

Workers are started by ``settings.worker_start``: ``fork`` (the default on
Linux, ``auto``) loads the models once in this process and forks the workers
from it, so they start at once and share the model pages copy-on-write;
``spawn`` starts fresh interpreters that each load the models in the pool
initializer (slower to start; use it where forking is unsafe, e.g. a parent
that runs threads holding locks the workers need).

An error on one document fails only that document.  A worker that dies
(segfault, OOM kill) fails only the input that killed it: the pool is
rebuilt and the inputs that were in flight are re-run one at a time.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING

from watchfloor.engines import Outcome, engines
from watchfloor.errors import InputError, WatchfloorError
from watchfloor.models import Document, RawInput
from watchfloor.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)

_worker_nlp: Language | None = None
_worker_settings: Settings | None = None


def _failure(raw: RawInput, exc: Exception) -> Outcome:
    """The failed ``Outcome`` for an error raised while processing ``raw``."""
    if isinstance(exc, InputError):
        return Outcome(source=exc.source, problem=exc.problem)
    if isinstance(exc, WatchfloorError):
        return Outcome(source=raw.source, problem=str(exc))
    log.error("unexpected error on %s", raw.source, exc_info=exc)
    return Outcome(source=raw.source, problem=f"internal error: {type(exc).__name__}: {exc}")


def process_one(raw: RawInput, *, settings: Settings, nlp: Language) -> Outcome:
    """Run the per-document stages on one input, turning any error into a failed ``Outcome``."""
    from watchfloor.pipeline import process_input

    try:
        return Outcome(source=raw.source, extraction=process_input(raw, settings=settings, nlp=nlp))
    except Exception as exc:  # a bug on one document must not stop the batch
        return _failure(raw, exc)


def process_batch(raws: Sequence[RawInput], *, settings: Settings, nlp: Language) -> list[Outcome]:
    """Run the per-document stages on a batch: one ``nlp.pipe`` call, then extraction per document.

    Gives the same outcomes as ``process_one`` on each input; if the batched
    parse itself fails, the batch is re-run one input at a time so that only
    the faulty input fails.
    """
    from watchfloor.annotate import to_annotated
    from watchfloor.clean import clean
    from watchfloor.pipeline import process_document_text

    outcomes: list[Outcome | None] = [None] * len(raws)
    cleaned: list[tuple[int, Document]] = []
    for index, raw in enumerate(raws):
        try:
            cleaned.append((index, clean(raw)))
        except Exception as exc:
            outcomes[index] = _failure(raw, exc)
    try:
        docs = list(nlp.pipe((document.text for _, document in cleaned), batch_size=max(1, len(cleaned))))
    except Exception:
        log.warning("batched parse failed; re-running %d inputs one by one", len(cleaned), exc_info=True)
        return [process_one(raw, settings=settings, nlp=nlp) for raw in raws]
    for (index, document), doc in zip(cleaned, docs, strict=True):
        raw = raws[index]
        try:
            extraction = process_document_text(to_annotated(document, doc), settings=settings)
            outcomes[index] = Outcome(source=raw.source, extraction=extraction)
        except Exception as exc:
            outcomes[index] = _failure(raw, exc)
    return [outcome for outcome in outcomes if outcome is not None]


def _init_worker(settings: Settings) -> None:
    """Load the models for ``settings`` unless this process already holds them (inherited through fork)."""
    global _worker_nlp, _worker_settings
    from watchfloor.pipeline import load_models

    if _worker_nlp is not None and _worker_settings == settings:
        return
    _worker_nlp = load_models(settings)
    _worker_settings = settings


def _work(raw: RawInput) -> Outcome:
    assert _worker_nlp is not None and _worker_settings is not None
    return process_one(raw, settings=_worker_settings, nlp=_worker_nlp)


def _work_batch(raws: list[RawInput]) -> list[Outcome]:
    assert _worker_nlp is not None and _worker_settings is not None
    return process_batch(raws, settings=_worker_settings, nlp=_worker_nlp)


def map_work(work: Callable[[RawInput], Outcome], raws: list[RawInput]) -> list[Outcome]:
    """A batch function made of a per-input one (bind ``work`` with ``functools.partial``)."""
    return [work(raw) for raw in raws]


@engines.register("local.v1")
def run_local(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    """Process ``items`` in this process (``workers == 1``) or in a process pool."""
    if settings.workers <= 1:
        yield from _run_inline(items, settings)
    else:
        yield from run_pool(items, settings)


def input_batches(items: Iterable[RawInput | InputError], size: int) -> Iterator[tuple[list[Outcome], list[RawInput]]]:
    """Batches of up to ``size`` inputs, with the acquire errors met on the way as failed outcomes."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        errors = [Outcome(source=i.source, problem=i.problem) for i in chunk if isinstance(i, InputError)]
        yield errors, [item for item in chunk if not isinstance(item, InputError)]


def _run_inline(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    from watchfloor.pipeline import load_models

    nlp: Language | None = None
    for errors, raws in input_batches(items, settings.batch_size):
        yield from errors
        if raws:
            nlp = nlp or load_models(settings)
            yield from process_batch(raws, settings=settings, nlp=nlp)


WorkFn = Callable[[RawInput], Outcome]
BatchWorkFn = Callable[[list[RawInput]], list[Outcome]]
InitFn = Callable[[Settings], None]


@dataclass(frozen=True, slots=True)
class PoolPlan:
    """What each pool worker runs: an initializer (loads models), the per-batch and per-input work.

    All must be importable top-level functions (workers may be spawned).  When
    ``batch_work`` is not given, batches are mapped through ``work``.  When
    workers are forked, ``initializer`` runs once in this process before the
    fork (the workers inherit what it loaded) and not in the workers.
    """

    work: WorkFn = _work
    initializer: InitFn = _init_worker
    batch_work: BatchWorkFn | None = None

    def batch(self) -> BatchWorkFn:
        if self.batch_work is not None:
            return self.batch_work
        return _work_batch if self.work is _work else partial(map_work, self.work)


def start_method(settings: Settings) -> str:
    """How pool workers start: ``settings.worker_start``, with ``auto`` meaning fork where it is safe."""
    choice = settings.worker_start
    if choice != "auto":
        return choice
    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform != "linux":
        return "spawn"
    ray = sys.modules.get("ray")
    if ray is not None and getattr(ray, "is_initialized", lambda: False)():
        return "spawn"  # Ray's threads and sockets must not be forked
    return "fork"


def _new_pool(settings: Settings, plan: PoolPlan) -> ProcessPoolExecutor:
    method = start_method(settings)
    context = multiprocessing.get_context(method)
    if method == "fork":
        plan.initializer(settings)  # once here; the forked workers inherit the loaded models
        return ProcessPoolExecutor(max_workers=settings.workers, mp_context=context)
    return ProcessPoolExecutor(
        max_workers=settings.workers, mp_context=context, initializer=plan.initializer, initargs=(settings,)
    )


Pending = deque[tuple[list[RawInput], "Future[list[Outcome]]"]]


def pool_batch_size(settings: Settings) -> int:
    """Small enough that every worker gets work on short runs, large enough for ``nlp.pipe``."""
    return max(1, min(settings.batch_size, 16))


def run_pool(
    items: Iterable[RawInput | InputError], settings: Settings, *, plan: PoolPlan | None = None
) -> Iterator[Outcome]:
    """Process ``items`` in ``settings.workers`` worker processes, yielding outcomes in input order.

    Acquire errors are yielded as soon as they are met.
    """
    plan = plan or PoolPlan()
    batch_work = plan.batch()
    window = 2 * settings.workers
    pool = _new_pool(settings, plan)
    pending: Pending = deque()
    try:
        for errors, raws in input_batches(items, pool_batch_size(settings)):
            yield from errors
            if not raws:
                continue
            pending.append((raws, pool.submit(batch_work, raws)))
            while len(pending) >= window:
                outcomes, pool = _collect(pending, pool, settings, plan)
                yield from outcomes
        while pending:
            outcomes, pool = _collect(pending, pool, settings, plan)
            yield from outcomes
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _collect(
    pending: Pending, pool: ProcessPoolExecutor, settings: Settings, plan: PoolPlan
) -> tuple[list[Outcome], ProcessPoolExecutor]:
    """The outcomes of the oldest pending batch.

    When a worker has died, every in-flight input is re-run one at a time in
    a fresh pool, so that only the input that kills a worker is failed.
    """
    raws, future = pending.popleft()
    try:
        return future.result(), pool
    except BrokenProcessPool:
        log.error("a worker died; re-running the inputs in flight one by one")
    suspects = [*raws, *(raw for batch, _ in pending for raw in batch)]
    pending.clear()
    pool.shutdown(wait=False, cancel_futures=True)
    pool = _new_pool(settings, plan)
    outcomes = []
    for item in suspects:
        try:
            outcomes.append(pool.submit(plan.work, item).result())
        except BrokenProcessPool:
            outcomes.append(Outcome(source=item.source, problem="worker process died while processing this input"))
            pool.shutdown(wait=False, cancel_futures=True)
            pool = _new_pool(settings, plan)
    return outcomes, pool
