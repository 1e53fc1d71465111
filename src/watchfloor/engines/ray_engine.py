"""The Ray engines: the same per-document stages on Ray workers that each hold the spaCy pipeline.

* ``ray.v2`` (``run_actor_plan``): ``settings.workers`` long-lived actors fed
  batches directly; the models load once per actor for the whole run.
* ``ray.v1`` (``run_ray_plan``): Ray Data ``map_batches`` over an actor pool,
  one dataset per ``CHUNK`` inputs (each with a fresh pool).

``settings.ray_address`` points at an existing cluster (``ray://host:10001``
or ``auto``); without it a local cluster with ``settings.workers`` CPUs is
started for the run.  Inputs are sent in chunks (v1) or a bounded number of
batches (v2), so a long stream never sits in the driver's memory at once;
the store is written by the driver only.

Failures: an exception on one document comes back as a failed ``Outcome``
(``process_batch``).  An actor that dies (segfault, OOM kill) is not
restarted by Ray (``max_restarts=0``).  With v1 the chunk's execution fails
and the inputs of that chunk not yet returned are re-run; with v2 the dead
actor's batches are re-run and the actor replaced.  Re-runs go one input at
a time on a fresh actor, and only the input that kills an actor is failed.
An actor that cannot even start (its loader raises) ends the run with a
``ConfigError`` instead of failing every input one by one.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

from watchfloor.engines import Outcome, engines
from watchfloor.errors import ConfigError, InputError
from watchfloor.models import RawInput
from watchfloor.settings import Settings

log = logging.getLogger(__name__)

#: Inputs handed to Ray per dataset (bounds the driver's memory).  Every dataset
#: starts its own actor pool, whose actors load the models again (several
#: seconds each), so a chunk holds many batches: with 512 a 600-document run
#: spent a quarter of its time reloading models for the last 88 documents.
CHUNK = 4096

DIED = "worker process died while processing this input"

BatchFn = Callable[[list[RawInput]], list[Outcome]]
LoaderFn = Callable[[Settings], BatchFn]


def load_pipeline_batch(settings: Settings) -> BatchFn:
    """The default actor work: the spaCy pipeline loaded once, batches through ``process_batch``."""
    from watchfloor.engines.local import process_batch
    from watchfloor.pipeline import load_models

    return partial(process_batch, settings=settings, nlp=load_models(settings))


@dataclass(frozen=True, slots=True)
class RayPlan:
    """What each actor runs: ``loader(settings)`` once, giving the per-batch function."""

    loader: LoaderFn = load_pipeline_batch


class _Worker:
    """A Ray Data actor: builds its batch function once, then processes batches of inputs."""

    def __init__(self, settings: Settings, loader: LoaderFn) -> None:
        self.work = loader(settings)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        outcomes = self.work(list(batch["raw"]))
        return {"index": batch["index"], "outcome": np.array(outcomes, dtype=object)}


class _SoloWorker:
    """A plain actor holding the model: batches (``ray.v2``) or single suspect inputs (re-runs)."""

    def __init__(self, settings: Settings, loader: LoaderFn) -> None:
        self.work = loader(settings)

    def run(self, raw: RawInput) -> Outcome:
        return self.work([raw])[0]

    def run_batch(self, raws: list[RawInput]) -> list[Outcome]:
        return self.work(raws)

    def ready(self) -> bool:
        return True


def _ensure_ray(settings: Settings) -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigError("the ray engine needs Ray: pip install 'watchfloor[ray]'") from exc
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    if not ray.is_initialized():
        try:
            if settings.ray_address:
                ray.init(address=settings.ray_address, log_to_driver=False)
            else:
                ray.init(num_cpus=settings.workers, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"cannot start or reach the Ray cluster: {exc}") from exc
    return ray


@engines.register("ray.v1")
def run_ray(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    """Process ``items`` on a Ray cluster; failures come back as ``Outcome``s."""
    yield from run_ray_plan(items, settings)


def run_ray_plan(
    items: Iterable[RawInput | InputError], settings: Settings, *, plan: RayPlan | None = None
) -> Iterator[Outcome]:
    """``run_ray`` with a chosen actor plan (tests pass model-free workers)."""
    plan = plan or RayPlan()
    _ensure_ray(settings)
    iterator = iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        raws: list[RawInput] = []
        for item in chunk:
            if isinstance(item, InputError):
                yield Outcome(source=item.source, problem=item.problem)
            else:
                raws.append(item)
        if raws:
            yield from _run_chunk(raws, settings, plan)


def _run_chunk(raws: list[RawInput], settings: Settings, plan: RayPlan) -> Iterator[Outcome]:
    import ray.data

    done: set[int] = set()
    dataset = ray.data.from_items([{"index": i, "raw": raw} for i, raw in enumerate(raws)])
    results = dataset.map_batches(
        _Worker,
        fn_constructor_kwargs={"settings": settings, "loader": plan.loader},
        batch_size=max(1, min(settings.batch_size, -(-len(raws) // settings.workers))),
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=settings.workers),
        num_cpus=1,
        max_restarts=0,
        max_task_retries=0,
    )
    try:
        for row in results.iter_rows():
            done.add(int(row["index"]))
            yield row["outcome"]
    except Exception as exc:  # Ray wraps an actor death in several exception types
        log.error("a Ray worker failed (%s); re-running the remaining inputs one by one", type(exc).__name__)
        import ray

        slot = _Slot(settings, plan)
        try:
            yield from _isolate([raw for i, raw in enumerate(raws) if i not in done], slot)
        finally:
            ray.kill(slot.actor)


def _start_actors(count: int, settings: Settings, plan: RayPlan) -> list[Any]:
    """``count`` model-holding actors, once all have loaded; one that cannot start fails the run, not every input."""
    import ray
    from ray.exceptions import RayActorError

    solo: Any = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(_SoloWorker)
    actors = [solo.remote(settings, plan.loader) for _ in range(count)]
    try:
        ray.get([actor.ready.remote() for actor in actors])
    except RayActorError as exc:
        for actor in actors:
            ray.kill(actor)
        raise ConfigError(f"a Ray worker cannot start: {exc}") from exc
    return actors


class _Slot:
    """One place in the actor pool: its live actor, replaced by a fresh one when it dies."""

    def __init__(self, settings: Settings, plan: RayPlan, *, actor: Any = None) -> None:
        """The slot of ``actor``, or of a fresh actor started now."""
        self.settings, self.plan = settings, plan
        self.actor = actor if actor is not None else _start_actors(1, settings, plan)[0]

    def replace(self) -> None:
        import ray

        ray.kill(self.actor)  # already dead: frees its CPU before the new one asks for it
        self.actor = _start_actors(1, self.settings, self.plan)[0]


def _isolate(raws: list[RawInput], slot: _Slot) -> Iterator[Outcome]:
    """Run ``raws`` one at a time on the slot's actor; an input that kills it is failed and the actor replaced."""
    import ray
    from ray.exceptions import RayActorError

    for raw in raws:
        try:
            outcome: Outcome = ray.get(slot.actor.run.remote(raw))
            yield outcome
        except RayActorError:
            yield Outcome(source=raw.source, problem=DIED)
            slot.replace()


#: Batches queued on each ``ray.v2`` actor beyond the one it is working on, so it never waits for the driver.
AHEAD = 2


@engines.register("ray.v2")
def run_ray_actors(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    """Process ``items`` on a pool of long-lived Ray actors; failures come back as ``Outcome``s."""
    yield from run_actor_plan(items, settings)


def run_actor_plan(
    items: Iterable[RawInput | InputError], settings: Settings, *, plan: RayPlan | None = None
) -> Iterator[Outcome]:
    """``ray.v2``: batches sent straight to ``settings.workers`` actors that live for the whole run.

    Unlike ``ray.v1`` there is no dataset per chunk, so the models are loaded
    once per actor however long the stream, and Ray Data's start-up is not
    paid.  Batches go round-robin with ``AHEAD`` queued per actor (so the
    driver holds at most ``workers * (AHEAD + 1)`` batches) and come back in
    input order.  A batch whose actor died is re-run one input at a time on a
    fresh actor that replaces the dead one (``_isolate``).
    """
    import ray
    from ray.exceptions import RayActorError

    from watchfloor.engines.local import input_batches

    plan = plan or RayPlan()
    _ensure_ray(settings)
    # started together, so the actors load their models in parallel
    slots = [_Slot(settings, plan, actor=actor) for actor in _start_actors(max(1, settings.workers), settings, plan)]
    pending: deque[tuple[_Slot, Any, list[RawInput], Any]] = deque()

    def collect() -> Iterator[Outcome]:
        slot, actor, raws, future = pending.popleft()
        try:
            outcomes: list[Outcome] = ray.get(future)
        except RayActorError:
            log.error("a Ray worker died; re-running its batch of %d inputs one by one", len(raws))
            if slot.actor is actor:  # the first of its batches to fail: replace it
                slot.replace()
            yield from _isolate(raws, slot)
            return
        yield from outcomes

    try:
        for turn, (errors, raws) in enumerate(input_batches(items, settings.batch_size)):
            yield from errors
            if not raws:
                continue
            while len(pending) >= len(slots) * (AHEAD + 1):
                yield from collect()
            slot = slots[turn % len(slots)]
            pending.append((slot, slot.actor, raws, slot.actor.run_batch.remote(raws)))
        while pending:
            yield from collect()
    finally:
        for slot in slots:
            ray.kill(slot.actor)


def shutdown() -> None:
    """Stop the Ray runtime this process started (tests, benchmarks)."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
