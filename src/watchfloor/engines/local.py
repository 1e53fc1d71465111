"""The local engine: one process, or a pool of worker processes.

Each worker loads the spaCy pipeline once (pool initializer).  At most
``2 * workers * batch`` inputs are in flight, so memory stays bounded on
long runs.  A worker that dies (segfault, OOM kill) fails only the inputs it
held: the pool is rebuilt and the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watchfloor.engines import Outcome, engines
from watchfloor.errors import InputError, WatchfloorError
from watchfloor.models import RawInput
from watchfloor.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)

_worker_nlp: Language | None = None
_worker_settings: Settings | None = None


def process_one(raw: RawInput, *, settings: Settings, nlp: Language) -> Outcome:
    """Run the per-document stages on one input, turning any error into a failed ``Outcome``."""
    from watchfloor.pipeline import process_input

    try:
        return Outcome(source=raw.source, extraction=process_input(raw, settings=settings, nlp=nlp))
    except InputError as exc:
        return Outcome(source=exc.source, problem=exc.problem)
    except WatchfloorError as exc:
        return Outcome(source=raw.source, problem=str(exc))
    except Exception as exc:  # a bug on one document must not stop the batch
        log.exception("unexpected error on %s", raw.source)
        return Outcome(source=raw.source, problem=f"internal error: {type(exc).__name__}: {exc}")


def _init_worker(settings: Settings) -> None:
    global _worker_nlp, _worker_settings
    from watchfloor.pipeline import build_nlp

    _worker_settings = settings
    _worker_nlp = build_nlp(settings)


def _work(raw: RawInput) -> Outcome:
    assert _worker_nlp is not None and _worker_settings is not None
    return process_one(raw, settings=_worker_settings, nlp=_worker_nlp)


@engines.register("local.v1")
def run_local(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    """Process ``items`` in this process (``workers == 1``) or in a process pool."""
    if settings.workers <= 1:
        yield from _run_inline(items, settings)
    else:
        yield from run_pool(items, settings)


def _run_inline(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    from watchfloor.pipeline import build_nlp

    nlp: Language | None = None
    for item in items:
        if isinstance(item, InputError):
            yield Outcome(source=item.source, problem=item.problem)
            continue
        if nlp is None:
            nlp = build_nlp(settings)
        yield process_one(item, settings=settings, nlp=nlp)


WorkFn = Callable[[RawInput], Outcome]
InitFn = Callable[[Settings], None]


@dataclass(frozen=True, slots=True)
class PoolPlan:
    """What each pool worker runs: an initializer (loads models) and the per-input work.

    Both must be importable top-level functions (workers are spawned).
    """

    work: WorkFn = _work
    initializer: InitFn = _init_worker


def _new_pool(settings: Settings, plan: PoolPlan) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=settings.workers, mp_context=context, initializer=plan.initializer, initargs=(settings,)
    )


def run_pool(
    items: Iterable[RawInput | InputError], settings: Settings, *, plan: PoolPlan | None = None
) -> Iterator[Outcome]:
    """Process ``items`` in ``settings.workers`` spawned processes, yielding outcomes in input order."""
    plan = plan or PoolPlan()
    window = 2 * settings.workers * settings.batch_size
    pool = _new_pool(settings, plan)
    pending: deque[tuple[RawInput, Future[Outcome]]] = deque()
    try:
        for item in items:
            if isinstance(item, InputError):
                yield Outcome(source=item.source, problem=item.problem)
                continue
            pending.append((item, pool.submit(plan.work, item)))
            while len(pending) >= window:
                outcomes, pool = _collect(pending, pool, settings, plan)
                yield from outcomes
        while pending:
            outcomes, pool = _collect(pending, pool, settings, plan)
            yield from outcomes
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _collect(
    pending: deque[tuple[RawInput, Future[Outcome]]], pool: ProcessPoolExecutor, settings: Settings, plan: PoolPlan
) -> tuple[list[Outcome], ProcessPoolExecutor]:
    """The oldest pending outcome.

    When a worker has died, every in-flight input is re-run one at a time in
    a fresh pool, so that only the input that kills a worker is failed.
    """
    raw, future = pending.popleft()
    try:
        return [future.result()], pool
    except BrokenProcessPool:
        log.error("a worker died; re-running the %d inputs in flight one by one", len(pending) + 1)
    suspects = [raw, *(item for item, _ in pending)]
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
