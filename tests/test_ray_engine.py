"""The Ray engine on a local 2-worker cluster started by the test.

Model-free actors check the failure handling (an exception inside the actor
fails one input; an actor killed by an input fails that input only and the
rest lands).  The slow test runs the real pipeline on Ray and on the local
engine and compares the stores.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine_workers import broken_loader, echo_or_die_batch, pid_batch
from watchfloor.engines import Outcome
from watchfloor.engines.ray_engine import DIED, RayPlan, run_actor_plan, run_ray_plan
from watchfloor.errors import ConfigError, InputError
from watchfloor.models import Origin, RawInput
from watchfloor.settings import Settings

ray = pytest.importorskip("ray")

RunPlan = Callable[..., Iterator[Outcome]]


def _raw(name: str, body: str = "text") -> RawInput:
    return RawInput(
        source=f"/in/{name}", origin=Origin.FILE, data=body.encode(), media_type="text/plain", file_name=name
    )


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """A local Ray cluster with 2 CPUs whose workers can import the test helpers (skips if Ray cannot start)."""
    tests_dir = str(Path(__file__).parent)
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (tests_dir, path) if p)
    try:
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        except Exception as exc:  # Ray's startup waits are fixed (15-30 s); a very busy machine misses them
            ray.shutdown()
            pytest.skip(f"Ray could not start a local cluster here: {exc}")
        yield
    finally:
        ray.shutdown()
        if path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = path


#: The two Ray engines' plan runners: ray.v1 (Ray Data map_batches) and ray.v2 (long-lived actors).
RUNNERS = pytest.mark.parametrize("run_plan", [run_ray_plan, run_actor_plan], ids=["ray.v1", "ray.v2"])


@pytest.fixture
def ray_settings() -> Settings:
    """Two Ray workers, small batches."""
    return Settings(workers=2, batch_size=2, engine="ray.v1")


@RUNNERS
def test_failures_are_per_input(ray_cluster: None, ray_settings: Settings, run_plan: RunPlan) -> None:
    items: list[RawInput | InputError] = [_raw(n) for n in ("a.txt", "boom.txt", "b.txt", "c.txt", "d.txt")]
    items.append(InputError("/in/bad.txt", "empty file"))
    outcomes = {o.source: o.problem for o in run_plan(items, ray_settings, plan=RayPlan(echo_or_die_batch))}
    assert outcomes["/in/bad.txt"] == "empty file"
    assert outcomes["/in/boom.txt"] == "internal error: ValueError: cannot parse this"
    assert {outcomes[f"/in/{n}.txt"] for n in "abcd"} == {"size 4"}
    assert len(outcomes) == 6


@RUNNERS
def test_a_worker_that_dies_fails_only_its_input(ray_cluster: None, ray_settings: Settings, run_plan: RunPlan) -> None:
    items: list[RawInput | InputError] = [_raw(n) for n in ("a.txt", "crash.txt", "b.txt", "c.txt")]
    outcomes = list(run_plan(items, ray_settings, plan=RayPlan(echo_or_die_batch)))
    problems = {o.source: o.problem for o in outcomes}
    assert len(outcomes) == 4  # nothing reported twice
    assert problems["/in/crash.txt"] == DIED
    assert {problems[f"/in/{n}.txt"] for n in "abc"} == {"size 4"}


@RUNNERS
def test_workers_that_cannot_start_stop_the_run(ray_cluster: None, ray_settings: Settings, run_plan: RunPlan) -> None:
    items: list[RawInput | InputError] = [_raw(f"r{i}.txt") for i in range(6)]
    with pytest.raises(ConfigError, match="cannot start"):
        list(run_plan(items, ray_settings, plan=RayPlan(broken_loader)))


def test_actor_engine_loads_once_per_worker_and_keeps_input_order(ray_cluster: None, ray_settings: Settings) -> None:
    """ray.v2 sends every batch of a long stream to the same two actors, and gives outcomes back in input order."""
    items: list[RawInput | InputError] = [_raw(f"r{i:02d}.txt") for i in range(40)]
    outcomes = list(run_actor_plan(items, ray_settings, plan=RayPlan(pid_batch)))
    assert [o.source for o in outcomes] == [f"/in/r{i:02d}.txt" for i in range(40)]
    assert len({o.problem for o in outcomes}) == 2


@pytest.mark.slow
def test_ray_gives_the_same_store_as_local(ray_cluster: None, tmp_path: Path) -> None:
    from watchfloor.pipeline import ingest
    from watchfloor.store.repository import Store

    folder = tmp_path / "in"
    folder.mkdir()
    for i, town in enumerate(["Gao", "Timbuktu", "Menaka", "Kidal"]):
        (folder / f"r{i}.txt").write_text(
            f"Militants attacked an army post in {town}, Mali, on 3 May 2022, killing at least {i + 2} soldiers, "
            "the army said.\n",
            encoding="utf-8",
        )
    (folder / "empty.txt").write_text("", encoding="utf-8")
    stores = {}
    for engine in ("local.v1", "ray.v1", "ray.v2"):
        settings = Settings(workers=2, batch_size=2, engine=engine, database_url=f"sqlite:///{tmp_path / engine}.db")
        with Store.open(settings.database_url) as store:
            report = ingest([str(folder)], settings=settings, store=store)
            assert [Path(f.source).name for f in report.failed] == ["empty.txt"]
            events = sorted(repr((e.type, e.killed)) for e in store.list_events(limit=100))
            stores[engine] = (sorted(d.id for d in store.list_documents()), events)
    assert stores["local.v1"] == stores["ray.v1"] == stores["ray.v2"]
    assert len(stores["ray.v1"][0]) == 4 and len(stores["ray.v1"][1]) >= 4
