"""Engines: the local process pool keeps order, survives a worker that dies, and runs the real pipeline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine_workers import echo_or_die, init_mark, init_nothing, report_init
from watchfloor.engines import get_engine
from watchfloor.engines.local import PoolPlan, run_pool, start_method
from watchfloor.errors import ConfigError, InputError
from watchfloor.models import Origin, RawInput
from watchfloor.settings import Settings


def _raw(name: str, body: str = "text") -> RawInput:
    return RawInput(
        source=f"/in/{name}", origin=Origin.FILE, data=body.encode(), media_type="text/plain", file_name=name
    )


@pytest.fixture
def pool_settings() -> Settings:
    """Two workers with a tiny in-flight window."""
    return Settings(workers=2, batch_size=2)


def test_pool_keeps_input_order_and_passes_acquire_errors(pool_settings: Settings) -> None:
    items: list[RawInput | InputError] = [_raw(f"r{i}.txt", "x" * i) for i in range(6)]
    items.insert(2, InputError("/in/bad.txt", "empty file"))
    plan = PoolPlan(work=echo_or_die, initializer=init_nothing)
    outcomes = list(run_pool(items, pool_settings, plan=plan))
    assert [o.source for o in outcomes][:3] == ["/in/bad.txt", "/in/r0.txt", "/in/r1.txt"]
    assert [o.problem for o in outcomes if o.source.startswith("/in/r")] == [f"size {i}" for i in range(6)]


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_worker_that_dies_fails_only_its_input(pool_settings: Settings, start: str) -> None:
    items: list[RawInput | InputError] = [_raw("a.txt"), _raw("crash.txt"), _raw("b.txt"), _raw("c.txt")]
    plan = PoolPlan(work=echo_or_die, initializer=init_nothing)
    settings = pool_settings.model_copy(update={"worker_start": start})
    outcomes = {o.source: o.problem for o in run_pool(items, settings, plan=plan)}
    assert outcomes["/in/crash.txt"] == "worker process died while processing this input"
    assert {outcomes[f"/in/{n}.txt"] for n in "abc"} == {"size 4"}


def test_forked_workers_inherit_what_the_parent_loaded(pool_settings: Settings) -> None:
    assert start_method(pool_settings) == "fork"  # auto, on Linux without Ray running
    plan = PoolPlan(work=report_init, initializer=init_mark)
    outcomes = list(run_pool([_raw(f"r{i}.txt") for i in range(4)], pool_settings, plan=plan))
    pairs = [tuple(int(x) for x in (o.problem or "").split()) for o in outcomes]
    assert all(loaded == os.getpid() and worker != os.getpid() for loaded, worker in pairs)


def test_spawned_workers_load_for_themselves(pool_settings: Settings) -> None:
    settings = pool_settings.model_copy(update={"worker_start": "spawn"})
    plan = PoolPlan(work=report_init, initializer=init_mark)
    outcomes = list(run_pool([_raw(f"r{i}.txt") for i in range(4)], settings, plan=plan))
    pairs = [tuple(int(x) for x in (o.problem or "").split()) for o in outcomes]
    assert all(loaded == worker != os.getpid() for loaded, worker in pairs)


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown engine"):
        get_engine("spark.v9")


@pytest.mark.slow
def test_two_workers_give_the_same_store_as_one(tmp_path: Path) -> None:
    from watchfloor.pipeline import ingest
    from watchfloor.store.repository import Store

    folder = tmp_path / "in"
    folder.mkdir()
    for i, town in enumerate(["Gao", "Timbuktu", "Menaka"]):
        (folder / f"r{i}.txt").write_text(
            f"Militants attacked an army post in {town}, Mali, on 3 May 2022, killing at least {i + 2} soldiers, "
            "the army said.\n",
            encoding="utf-8",
        )
    ids = []
    for workers in (1, 2):
        settings = Settings(workers=workers, database_url=f"sqlite:///{tmp_path / f'w{workers}.db'}")
        with Store.open(settings.database_url) as store:
            report = ingest([str(folder)], settings=settings, store=store)
            assert report.ok
            ids.append(sorted(d.id for d in store.list_documents()))
            assert store.counts().events >= 3
    assert ids[0] == ids[1]
