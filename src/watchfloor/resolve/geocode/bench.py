"""Geocoder benchmark: load time, memory, look-up speed, and accuracy on a labelled mention file.

The labelled file (``tests/data/place_mentions.tsv``) has a header
``mention, context, country, admin1, source``: ``context`` is the document's
country focus (comma-separated alpha-2 codes), ``country`` "-" means the
mention must stay unresolved, an empty ``admin1`` means none is expected.
"""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

from watchfloor.errors import BenchmarkDataError
from watchfloor.resolve.geocode.gazetteer import load_gazetteer
from watchfloor.resolve.geocode.resolver import Geocoder, GeoContext

log = logging.getLogger(__name__)


@dataclass(slots=True, frozen=True)
class LabelledMention:
    """One hand-labelled place mention."""

    mention: str
    context: tuple[str, ...]
    country: str  # "-" when it must stay unresolved
    admin1: str
    source: str


@dataclass(slots=True)
class Accuracy:
    """Accuracy of ``Geocoder.resolve`` on labelled mentions."""

    total: int = 0
    country_right: int = 0
    admin1_total: int = 0
    admin1_right: int = 0
    misses: list[str] = field(default_factory=list)  # "mention: expected -> got"

    @property
    def country_accuracy(self) -> float:
        return self.country_right / self.total if self.total else 0.0

    @property
    def admin1_accuracy(self) -> float:
        return self.admin1_right / self.admin1_total if self.admin1_total else 0.0


@dataclass(slots=True)
class BenchResult:
    """Figures of one benchmark run."""

    load_seconds: float
    load_cpu_seconds: float
    places: int
    max_rss_mb: float
    lookups: int
    lookups_per_second: float
    cpu_lookups_per_second: float
    accuracy: Accuracy | None = None


def read_mentions(path: Path) -> list[LabelledMention]:
    """Read a labelled mention file; raises ``BenchmarkDataError`` on a malformed one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BenchmarkDataError(f"{path}: cannot read: {exc}") from exc
    rows = [(n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")]
    if not rows or rows[0][1].split("\t")[:4] != ["mention", "context", "country", "admin1"]:
        raise BenchmarkDataError(f"{path}: header must start with mention, context, country, admin1")
    mentions = []
    for number, line in rows[1:]:
        cells = line.split("\t")
        if len(cells) < 4:
            raise BenchmarkDataError(f"{path}:{number}: expected at least 4 tab-separated cells, got {len(cells)}")
        context = tuple(c.strip().upper() for c in cells[1].split(",") if c.strip())
        mentions.append(LabelledMention(cells[0], context, cells[2].strip(), cells[3].strip(),
                                        cells[4].strip() if len(cells) > 4 else ""))
    return mentions


def score_mentions(geocoder: Geocoder, mentions: list[LabelledMention]) -> Accuracy:
    """Resolve each mention in its context and compare country and admin1 with the labels."""
    result = Accuracy()
    for item in mentions:
        ref = geocoder.resolve(item.mention, context=GeoContext(countries=list(item.context)))
        got_country = ref.country if ref is not None and ref.country else "-"
        got_admin1 = (ref.admin1 or "") if ref is not None else ""
        result.total += 1
        country_ok = got_country == item.country
        result.country_right += country_ok
        if item.admin1:
            result.admin1_total += 1
            result.admin1_right += country_ok and got_admin1 == item.admin1
        if not country_ok or (item.admin1 and got_admin1 != item.admin1):
            result.misses.append(f"{item.mention}: {item.country}/{item.admin1} -> {got_country}/{got_admin1}")
    return result


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bench(
    *, mentions_file: Path | None = None, extra_files: tuple[Path, ...] = (), rounds: int = 20
) -> BenchResult:
    """Load a fresh gazetteer (timed), then time ``rounds`` passes of look-ups over the mention file."""
    started, cpu = time.perf_counter(), time.process_time()
    geocoder = Geocoder(load_gazetteer(extra_files=extra_files))
    load_seconds, load_cpu = time.perf_counter() - started, time.process_time() - cpu
    mentions = read_mentions(mentions_file) if mentions_file else []
    names = [(m.mention, GeoContext(countries=list(m.context))) for m in mentions] or [
        ("Kabul", GeoContext(countries=["AF"])), ("Jalalabad, Nangarhar", GeoContext()), ("near Quetta", GeoContext())]
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    for _ in range(rounds):
        for name, context in names:
            geocoder.resolve(name, context=context)
            count += 1
    elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu
    accuracy = score_mentions(geocoder, mentions) if mentions else None
    return BenchResult(load_seconds=load_seconds, load_cpu_seconds=load_cpu, places=len(geocoder.gazetteer.places),
                       max_rss_mb=_max_rss_mb(), lookups=count, lookups_per_second=count / elapsed if elapsed else 0.0,
                       cpu_lookups_per_second=count / cpu_elapsed if cpu_elapsed else 0.0, accuracy=accuracy)
