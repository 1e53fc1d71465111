"""The Ray engine: the same per-document stages as Ray Data ``map_batches``
over an actor pool whose workers each hold the spaCy pipeline.

``settings.ray_address`` points at an existing cluster (``ray://host:10001``
or ``auto``); without it a local cluster with ``settings.workers`` CPUs is
started for the run.  Inputs are sent in chunks so a long stream never sits
in the driver's memory at once; the store is written by the driver only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from watchfloor.engines import Outcome, engines
from watchfloor.errors import ConfigError, InputError
from watchfloor.models import RawInput
from watchfloor.settings import Settings

log = logging.getLogger(__name__)

#: Inputs handed to Ray per dataset (bounds the driver's memory).
CHUNK = 512


class _Worker:
    """A Ray Data actor: loads the pipeline once, processes batches of inputs."""

    def __init__(self, settings: Settings) -> None:
        from watchfloor.pipeline import build_nlp

        self.settings = settings
        self.nlp = build_nlp(settings)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        from watchfloor.engines.local import process_one

        outcomes = [process_one(raw, settings=self.settings, nlp=self.nlp) for raw in batch["raw"]]
        return {"outcome": np.array(outcomes, dtype=object)}


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
        if settings.ray_address:
            ray.init(address=settings.ray_address, log_to_driver=False)
        else:
            ray.init(num_cpus=settings.workers, include_dashboard=False, log_to_driver=False)
    return ray


@engines.register("ray.v1")
def run_ray(items: Iterable[RawInput | InputError], settings: Settings) -> Iterator[Outcome]:
    """Process ``items`` on a Ray cluster; failures come back as ``Outcome``s."""
    import ray.data

    _ensure_ray(settings)
    iterator = iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        raws: list[RawInput] = []
        for item in chunk:
            if isinstance(item, InputError):
                yield Outcome(source=item.source, problem=item.problem)
            else:
                raws.append(item)
        if not raws:
            continue
        dataset = ray.data.from_items([{"raw": raw} for raw in raws])
        results = dataset.map_batches(
            _Worker,
            fn_constructor_kwargs={"settings": settings},
            batch_size=max(1, min(settings.batch_size, len(raws))),
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=settings.workers),
            num_cpus=1,
        )
        for row in results.iter_rows():
            yield row["outcome"]


def shutdown() -> None:
    """Stop the Ray runtime this process started (tests, benchmarks)."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
