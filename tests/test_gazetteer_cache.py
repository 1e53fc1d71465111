"""The gazetteer's local index cache: reused while its inputs are unchanged, rebuilt when they change."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import pytest

from watchfloor.resolve.geocode import gazetteer as gazetteer_module
from watchfloor.resolve.geocode.gazetteer import Gazetteer, Place, cached_gazetteer


def test_second_load_comes_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = cached_gazetteer(cache_dir=cache, with_cities=False)
    assert len(list(cache.glob("gazetteer-*.pickle"))) == 1
    again = cached_gazetteer(cache_dir=cache, with_cities=False)
    assert again is not first
    assert [p.id for p in again.places] == [p.id for p in first.places]
    assert again.exact == first.exact and again.admin1_canon == first.admin1_canon


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """Replace the slow build with a stub gazetteer of one place per line of each extra file; records builds."""
    done: list[list[Path]] = []

    def build(*, extra_files: Iterable[Path] = (), with_cities: bool = True) -> Gazetteer:
        files = list(extra_files)
        done.append(files)
        found = Gazetteer()
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                found.add(
                    Place(
                        id=line,
                        name=line,
                        kind="town",
                        country="AF",
                        admin1=None,
                        admin2=None,
                        lat=None,
                        lon=None,
                        population=0,
                        source=path.name,
                    )
                )
        return found

    monkeypatch.setattr(gazetteer_module, "load_gazetteer", build)
    return done


def test_a_changed_supplement_builds_a_new_index(tmp_path: Path, builds: list[list[Path]]) -> None:
    cache, extra = tmp_path / "cache", tmp_path / "extra.tsv"
    extra.write_text("Qalat\n", encoding="utf-8")
    assert cached_gazetteer(extra_files=[extra], cache_dir=cache).lookup("Qalat")[0]
    assert cached_gazetteer(extra_files=[extra], cache_dir=cache).lookup("Qalat")[0]
    assert len(builds) == 1
    extra.write_text("Qalat\nDand\n", encoding="utf-8")
    assert cached_gazetteer(extra_files=[extra], cache_dir=cache).lookup("Dand")[0]
    assert len(builds) == 2 and len(list(cache.glob("gazetteer-*.pickle"))) == 2


def test_a_corrupt_cache_file_is_rebuilt(
    tmp_path: Path, builds: list[list[Path]], caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    cached_gazetteer(cache_dir=cache)
    (path,) = cache.glob("gazetteer-*.pickle")
    path.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        assert isinstance(cached_gazetteer(cache_dir=cache), Gazetteer)
    assert len(builds) == 2 and "unreadable" in caplog.text
    assert cached_gazetteer(cache_dir=cache) is not None and len(builds) == 2  # written again, read back


def test_no_cache_dir_builds_without_writing(tmp_path: Path, builds: list[list[Path]]) -> None:
    cached_gazetteer(cache_dir=None)
    cached_gazetteer(cache_dir=None)
    assert len(builds) == 2 and not list(tmp_path.iterdir())
