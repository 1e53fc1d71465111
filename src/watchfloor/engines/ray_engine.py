"""The Ray engine: the same per-document stages as Ray Data ``map_batches``
over an actor pool whose workers each hold the spaCy pipeline.

``settings.ray_address`` points at an existing cluster (``ray://host:10001``
or ``auto``); without it a local cluster with ``settings.workers`` CPUs is
started for the run.  Inputs are sent in chunks so a long stream never sits
in the driver's memory at once; the store is written by the driver only.

Failures: an exception on one document comes back as a failed ``Outcome``
(``process_batch``).  An actor that dies (segfault, OOM kill) is not
restarted by Ray Data here (``max_restarts=0``), so the chunk's execution
fails; the inputs of that chunk not yet returned are then re-run one at a
time on a fresh actor, and only the input that kills an actor is failed.
An actor that cannot even start (its loader raises) ends the run with a
``ConfigError`` instead of failing every input one by one.
"""

from __future__ import annotations

import logging
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
    """A plain actor for re-running suspect inputs one at a time."""

    def __init__(self, settings: Settings, loader: LoaderFn) -> None:
        self.work = loader(settings)

    def run(self, raw: RawInput) -> Outcome:
        return self.work([raw])[0]

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
        yield from _isolate([raw for i, raw in enumerate(raws) if i not in done], settings, plan)


def _isolate(raws: list[RawInput], settings: Settings, plan: RayPlan) -> Iterator[Outcome]:
    """Run ``raws`` one at a time on a fresh actor; an input that kills the actor is failed."""
    import ray
    from ray.exceptions import RayActorError

    solo: Any = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(_SoloWorker)

    def fresh() -> Any:
        """A new actor, once it has loaded; an actor that cannot start fails the run, not every input."""
        actor = solo.remote(settings, plan.loader)
        try:
            ray.get(actor.ready.remote())
        except RayActorError as exc:
            raise ConfigError(f"a Ray worker cannot start: {exc}") from exc
        return actor

    actor: Any = fresh()
    try:
        for raw in raws:
            try:
                outcome: Outcome = ray.get(actor.run.remote(raw))
                yield outcome
            except RayActorError:
                yield Outcome(source=raw.source, problem=DIED)
                actor = fresh()
    finally:
        ray.kill(actor)


def shutdown() -> None:
    """Stop the Ray runtime this process started (tests, benchmarks)."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
