"""Event fusion across documents: one knowledge-base event per real-world event.

Each document-level event (an ``events`` row) is a *candidate*.  ``fuse``
first marks reposts (near-duplicate documents, ``watchfloor.resolve.dedup``),
then puts every candidate not yet fused into a fused event:

* candidates are taken in a fixed order (event date, document id, local id),
  so the result does not depend on the order documents arrived in a batch;
* a candidate is compared with every member of each nearby fused event
  (blocked by month and country).  A pair is *vetoed* by incompatible types
  (``taxonomy.same_kind``), dates that cannot overlap (two day-precision dates
  more than one day apart never fuse), different countries, places known to be
  more than ``max_km`` apart or in different admin1 regions, a cannot-link
  recorded by an undo, or the same document (events of one document are
  distinct by construction);
* otherwise the pair gets a weighted score from per-field agreement (type,
  date, place, actors, figures, being reposts of one report);
* the candidate joins the best-scoring fused event whose members are *all*
  compatible with it (no chaining through one similar member) and whose best
  pair score reaches ``threshold``; ties go to the lower fused-event id.
  Otherwise it seeds a new fused event.

Every join stores its score and per-field evidence; ``undo_member`` splits a
member off and records cannot-links so later runs keep it apart.  Running
``fuse`` again with nothing new changes nothing.

Casualty figures reconcile UCDP-style into low / best / high:
*low* is the lowest figure any member reports, *high* the highest (the upper
end of a range when given), *best* the figure reported by the most
independent sources (reposts of one report count once), ties going to the
figure from the most reliable outlet, then to the (lower) median of the
figures still tied.  The
figures stay listed with their documents.

Grades (Admiralty): reliability is the best grade among the outlets behind
the members (publishers and cited outlets); credibility comes from the number
of independent sources (documents in one repost cluster, or from one outlet,
count once) and the surest wording among the members.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from watchfloor.extract.taxonomy import TAXONOMY, export_name, root_type, same_kind
from watchfloor.models import Certainty
from watchfloor.resolve.grading import GradeTable, credibility, load_grade_table, outlet_key

if TYPE_CHECKING:
    from watchfloor.settings import Settings
    from watchfloor.store.repository import Store

log = logging.getLogger(__name__)

FIGURES = ("killed", "injured")
_PRECISION_RANK = {"day": 0, "part_of_month": 1, "month": 2, "season": 3, "year": 4, "unknown": 5}


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """Weights and thresholds of the pair score (defaults tuned on ``tests/data/fusion``)."""

    threshold: float = 3.0
    max_km: float = 25.0  # places closer than this agree
    veto_km: float = 100.0  # places known to be further apart than this never fuse
    day_tolerance: int = 1  # two day-precision dates at most this far apart may fuse
    w_type: float = 0.5
    w_date: float = 2.0
    w_place: float = 2.0
    w_actors: float = 1.5
    w_figures: float = 0.5
    w_repost: float = 2.0
    w_text: float = 1.5
    report_window: int = 10  # an undated event is taken to be at most this many days older than its report
    name_ratio: float = 0.8  # fuzzy-match ratio at which two place / actor names agree


@dataclass(frozen=True, slots=True)
class PlaceInfo:
    """Where a candidate happened, as far as its document says."""

    place_id: int | None = None
    name: str | None = None
    admin2: str | None = None
    admin1: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    gazetteer_id: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A document-level event with what fusion compares."""

    event_id: int
    document_id: str
    local_id: str
    type: str
    date_value: str | None
    date_precision: str | None
    date_start: dt.date | None
    date_end: dt.date | None
    place: PlaceInfo
    actors: frozenset[int]
    actor_names: frozenset[str]
    roles: tuple[tuple[str, int], ...]
    killed: tuple[int, int] | None  # (low, high) as reported
    injured: tuple[int, int] | None
    certainty: str
    repost_group: str  # near-duplicate cluster id, else the document id
    publisher: str | None
    outlets: tuple[str, ...]  # outlets the event's claims cite
    published: dt.date | None
    words: frozenset[str] = frozenset()  # content words of the claims' evidence

    def sort_key(self) -> tuple[Any, ...]:
        return (self.date_start or dt.date.max, self.document_id, self.local_id, self.event_id)


@dataclass(frozen=True, slots=True)
class Comparison:
    """How two candidates agree: per-field agreement in [-1, 1], a weighted score, or a veto."""

    score: float
    fields: dict[str, float]
    veto: str | None = None

    @property
    def compatible(self) -> bool:
        return self.veto is None


@dataclass(slots=True)
class FigureClaim:
    """One member's figure for a fused quantity."""

    event_id: int
    document_id: str
    low: int
    high: int
    outlet: str | None


@dataclass(slots=True)
class FigureRange:
    """Low / best / high of a fused quantity, with the figures it came from."""

    low: int
    best: int
    high: int
    claims: list[FigureClaim] = field(default_factory=list)


@dataclass(slots=True)
class FusedFields:
    """The derived fields of a fused event."""

    type: str
    date_value: str | None
    date_precision: str | None
    date_start: dt.date | None
    date_end: dt.date | None
    place_id: int | None
    country: str | None
    admin1: str | None
    figures: dict[str, FigureRange]
    reliability: str
    credibility: int
    independent_sources: int
    documents: int
    actors: dict[str, list[int]]


@dataclass(slots=True)
class FusionReport:
    """What one ``fuse`` call did."""

    documents_checked: int = 0
    reposts_marked: int = 0
    candidates: int = 0  # new candidates placed
    joined: int = 0  # of which joined an existing or new fused event
    created: int = 0  # fused events created
    fused_events: int = 0  # fused events touched (recomputed)
    seconds: float = 0.0


# -- comparing ---------------------------------------------------------------


def normalise_name(text: str) -> str:
    """Casefolded, accent-free, alphanumeric-only form of a name ("Al-Shabaab" -> "alshabaab")."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(c for c in folded if c.isalnum())


def name_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two normalised names (1 when one contains the other)."""
    if not a or not b:
        return 0.0
    if a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a)):
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _squash(name: str) -> str:
    """A looser key: no leading article "al", doubled letters collapsed ("alshabaab" -> "shabab")."""
    key = name[2:] if name.startswith("al") and len(name) > 5 else name
    out: list[str] = []
    for char in key:
        if not out or out[-1] != char:
            out.append(char)
    return "".join(out)


def _names_agree(a: Iterable[str], b: Iterable[str], *, ratio: float) -> bool:
    left, right = list(a), list(b)
    return any(
        name_similarity(x, y) >= ratio or name_similarity(_squash(x), _squash(y)) >= ratio for x in left for y in right
    )


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _compare_type(a: Candidate, b: Candidate) -> float | None:
    if a.type not in TAXONOMY or b.type not in TAXONOMY:
        return 1.0 if a.type == b.type else None
    if a.type == b.type:
        return 1.0
    if same_kind(a.type, b.type):
        return 0.7 if root_type(a.type) == root_type(b.type) else 0.4
    # "raided" read as a security raid, a burnt village read as arson: one exported kind, weak agreement
    return 0.2 if export_name(a.type)[0] == export_name(b.type)[0] else None


def _near_publication(undated: Candidate, dated: Candidate, config: FusionConfig) -> bool:
    if undated.published is None or dated.date_start is None:
        return False
    earliest = undated.published - dt.timedelta(days=config.report_window)
    return earliest <= (dated.date_end or dated.date_start) and dated.date_start <= undated.published


def _compare_date(a: Candidate, b: Candidate, config: FusionConfig) -> float | None:
    if a.date_start is None and b.date_start is None:
        return 0.0
    if a.date_start is None or b.date_start is None:
        undated, dated = (a, b) if a.date_start is None else (b, a)
        return 0.2 if _near_publication(undated, dated, config) else 0.0
    a_end, b_end = a.date_end or a.date_start, b.date_end or b.date_start
    if a.date_precision == "day" and b.date_precision == "day":
        gap = abs((a.date_start - b.date_start).days)
        if gap > config.day_tolerance:
            return None
        return 1.0 if gap == 0 else 0.5
    slack = dt.timedelta(days=config.day_tolerance)
    if a.date_start > b_end + slack or b.date_start > a_end + slack:
        return None
    coarsest = max(
        _PRECISION_RANK.get(a.date_precision or "unknown", 5), _PRECISION_RANK.get(b.date_precision or "unknown", 5)
    )
    return {1: 0.5, 2: 0.3, 3: 0.2}.get(coarsest, 0.1)


def _place_names(place: PlaceInfo) -> list[str]:
    return [n for n in (normalise_name(place.name or ""),) if n]


def _specific(place: PlaceInfo) -> bool:
    return place.lat is not None or place.admin1 is not None


def _same_place_score(place: PlaceInfo) -> float:
    """Agreement of two candidates at the same place: a town agrees fully, a region or a country hardly."""
    if place.gazetteer_id and place.gazetteer_id.startswith("country:"):
        return 0.1
    if place.lat is not None or place.admin2 or place.name:
        return 1.0
    return 0.4 if place.admin1 else 0.1


def _compare_place(a: PlaceInfo, b: PlaceInfo, config: FusionConfig) -> float | None:
    if (a.place_id is not None and a.place_id == b.place_id) or (a.gazetteer_id and a.gazetteer_id == b.gazetteer_id):
        return _same_place_score(a)
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        km = haversine_km((a.lat, a.lon), (b.lat, b.lon))
        if km <= config.max_km:
            return 1.0 - 0.2 * km / config.max_km
        if km > config.veto_km:
            return None
        return 0.2
    if a.country and b.country and a.country != b.country and _specific(a) and _specific(b):
        return None
    names_a, names_b = _place_names(a), _place_names(b)
    if a.admin2 and b.admin2 and normalise_name(a.admin2) == normalise_name(b.admin2):
        return 0.9
    if names_a and names_b and _names_agree(names_a, names_b, ratio=config.name_ratio):
        return 0.8
    if (names_a and b.admin1 and _names_agree(names_a, [normalise_name(b.admin1)], ratio=1.0)) or (
        names_b and a.admin1 and _names_agree(names_b, [normalise_name(a.admin1)], ratio=1.0)
    ):
        return 0.5  # "Santander" vs a place in Norte de Santander
    if a.admin1 and b.admin1:
        # geocoding of a bare name can land in the wrong region: disagreement is evidence, not a veto
        return 0.4 if normalise_name(a.admin1) == normalise_name(b.admin1) else -1.0
    if a.country and b.country:
        return 0.1 if a.country == b.country else -0.25
    return 0.0


def _compare_actors(a: Candidate, b: Candidate, config: FusionConfig) -> float:
    if not a.actors or not b.actors:
        return 0.0
    if a.actors & b.actors:
        return 1.0
    if _names_agree(a.actor_names, b.actor_names, ratio=config.name_ratio + 0.05):
        return 0.8
    return -0.3


_STOP = frozenset(
    {
        "about",
        "after",
        "again",
        "against",
        "also",
        "been",
        "before",
        "being",
        "between",
        "could",
        "during",
        "from",
        "have",
        "into",
        "killed",
        "more",
        "near",
        "other",
        "others",
        "over",
        "said",
        "says",
        "some",
        "than",
        "that",
        "their",
        "them",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "told",
        "under",
        "were",
        "when",
        "where",
        "which",
        "while",
        "with",
        "would",
        "people",
        "least",
    }
)


def content_words(text: str) -> frozenset[str]:
    """Lower-case words of four letters or more, minus common function words (for text overlap)."""
    words = "".join(c if c.isalnum() else " " for c in normalise_text(text)).split()
    return frozenset(w for w in words if len(w) >= 4 and not w.isdigit() and w not in _STOP)


def normalise_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _compare_text(a: Candidate, b: Candidate) -> float:
    if not a.words or not b.words:
        return 0.0
    return len(a.words & b.words) / len(a.words | b.words)


def _compare_figures(a: Candidate, b: Candidate) -> float:
    scores = []
    for name in FIGURES:
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            continue
        low, high = min(x[0], y[0]), max(x[1], y[1])
        if high - low <= 3 or (low > 0 and high / low <= 2.0):
            scores.append(1.0)
        elif low == 0 or high / low > 5.0:
            scores.append(-1.0)
        else:
            scores.append(0.0)
    return sum(scores) / len(scores) if scores else 0.0


def compare(a: Candidate, b: Candidate, *, config: FusionConfig) -> Comparison:
    """Per-field agreement of two candidates and their weighted score (or the veto that keeps them apart)."""
    if a.document_id == b.document_id:
        return Comparison(0.0, {}, veto="same document")
    type_score = _compare_type(a, b)
    if type_score is None:
        return Comparison(0.0, {}, veto="type")
    date_score = _compare_date(a, b, config)
    if date_score is None:
        return Comparison(0.0, {"type": type_score}, veto="date")
    place_score = _compare_place(a.place, b.place, config)
    if place_score is None:
        return Comparison(0.0, {"type": type_score, "date": date_score}, veto="place")
    repost = 1.0 if a.repost_group == b.repost_group else 0.0
    fields = {
        "type": type_score,
        "date": date_score,
        "place": place_score,
        "actors": _compare_actors(a, b, config),
        "figures": _compare_figures(a, b),
        "repost": repost,
        "text": _compare_text(a, b),
    }
    score = (
        config.w_type * fields["type"]
        + config.w_date * fields["date"]
        + config.w_place * fields["place"]
        + config.w_actors * fields["actors"]
        + config.w_figures * fields["figures"]
        + config.w_repost * fields["repost"]
        + config.w_text * fields["text"]
    )
    return Comparison(round(score, 4), {k: round(v, 3) for k, v in fields.items()})


# -- clustering --------------------------------------------------------------


@dataclass(slots=True)
class Cluster:
    """A fused event being built: its id (None until written) and members."""

    key: int  # fused event id, or a negative provisional key
    members: list[Candidate]


@dataclass(slots=True)
class Placement:
    """Where one candidate went: the cluster key, and the score / evidence of the join."""

    candidate: Candidate
    cluster: int
    joined: bool
    score: float
    evidence: dict[str, Any]


def _month_keys(candidate: Candidate, *, slack: int) -> list[tuple[int, int]]:
    if candidate.date_start is None:
        return []
    start = candidate.date_start - dt.timedelta(days=slack)
    end = (candidate.date_end or candidate.date_start) + dt.timedelta(days=slack)
    keys: list[tuple[int, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month) and len(keys) < 40:
        keys.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


class ClusterIndex:
    """Clusters blocked by month (dated) or admin1/country (undated) for cheap candidate lookup."""

    def __init__(self, *, config: FusionConfig) -> None:
        self.config = config
        self.clusters: dict[int, Cluster] = {}
        self._by_month: dict[tuple[int, int], set[int]] = {}
        self._by_area: dict[str, set[int]] = {}

    @staticmethod
    def _area(candidate: Candidate) -> str | None:
        place = candidate.place
        if place.country is None and place.name is None:
            return None
        return f"{place.country or ''}|{normalise_name(place.admin1 or '')}"

    def add(self, key: int, candidate: Candidate) -> None:
        cluster = self.clusters.setdefault(key, Cluster(key=key, members=[]))
        cluster.members.append(candidate)
        for month in _month_keys(candidate, slack=self.config.day_tolerance):
            self._by_month.setdefault(month, set()).add(key)
        area = self._area(candidate)
        if area is not None:
            self._by_area.setdefault(area, set()).add(key)

    def remove(self, key: int, event_id: int) -> None:
        cluster = self.clusters.get(key)
        if cluster is not None:
            cluster.members = [m for m in cluster.members if m.event_id != event_id]

    def nearby(self, candidate: Candidate) -> list[int]:
        keys: set[int] = set()
        months = _month_keys(candidate, slack=self.config.day_tolerance)
        if months:
            for month in months:
                keys |= self._by_month.get(month, set())
        else:
            area = self._area(candidate)
            if area is None:
                return []
            keys |= self._by_area.get(area, set())
        return sorted(k for k in keys if self.clusters[k].members)


def place_candidate(
    candidate: Candidate,
    index: ClusterIndex,
    *,
    cannot_link: set[tuple[int, int]],
    config: FusionConfig,
) -> tuple[int | None, float, dict[str, Any]]:
    """The cluster ``candidate`` should join (None: none fits), with the join's score and evidence."""
    best: tuple[float, int, dict[str, Any]] | None = None
    for key in index.nearby(candidate):
        cluster = index.clusters[key]
        top: tuple[float, Candidate, Comparison] | None = None
        compatible = True
        for member in cluster.members:
            pair = (min(member.event_id, candidate.event_id), max(member.event_id, candidate.event_id))
            if pair in cannot_link:
                compatible = False
                break
            comparison = compare(candidate, member, config=config)
            if not comparison.compatible:
                compatible = False
                break
            if top is None or comparison.score > top[0]:
                top = (comparison.score, member, comparison)
        if not compatible or top is None or top[0] < config.threshold:
            continue
        score, member, comparison = top
        if best is None or score > best[0] or (score == best[0] and key < best[1]):
            evidence = {"matched_event": member.event_id, "matched_document": member.document_id, **comparison.fields}
            best = (score, key, evidence)
    if best is None:
        return None, 0.0, {}
    return best[1], best[0], best[2]


# -- deriving the fused fields -----------------------------------------------


def _independent_groups(members: Sequence[Candidate]) -> list[set[str]]:
    """Sets of outlet keys, one per independent source (repost clusters and shared outlets merge)."""
    groups: dict[str, set[str]] = {}
    for member in members:
        keys = {outlet_key(o) for o in (member.publisher, *member.outlets) if o}
        groups.setdefault(member.repost_group, set()).update(keys or {f"doc:{member.repost_group}"})
    merged: list[set[str]] = []
    for keys in groups.values():
        overlapping = [g for g in merged if g & keys]
        union = set(keys).union(*overlapping)
        merged = [g for g in merged if not g & keys] + [union]
    return merged


def reconcile_figure(members: Sequence[Candidate], name: str, *, table: GradeTable) -> FigureRange | None:
    """Low / best / high of figure ``name`` over ``members`` (see the module docstring for the rule)."""
    claims = []
    support: dict[int, set[str]] = {}
    reliability: dict[int, str] = {}
    for member in members:
        figure = getattr(member, name)
        if figure is None:
            continue
        low, high = figure
        claims.append(FigureClaim(member.event_id, member.document_id, low, high, member.publisher))
        support.setdefault(low, set()).add(member.repost_group)
        grade = min((table.reliability(o) for o in (member.publisher, *member.outlets) if o), default="F")
        reliability[low] = min(reliability.get(low, "F"), grade)
    if not claims:
        return None
    top = min((-len(support[v]), reliability[v]) for v in support)
    tied = sorted(v for v in support if (-len(support[v]), reliability[v]) == top)
    best = tied[(len(tied) - 1) // 2]  # the (lower) median of equally supported, equally reliable figures
    return FigureRange(low=min(c.low for c in claims), best=best, high=max(c.high for c in claims), claims=claims)


def _mode(values: Sequence[Any]) -> Any:
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], str(v)))


def derive_fields(members: Sequence[Candidate], *, table: GradeTable) -> FusedFields:
    """The fused event's fields from its members (deterministic)."""
    types = Counter(m.type for m in members)
    fused_type = min(types, key=lambda t: (-types[t], TAXONOMY[t].parent is None if t in TAXONOMY else True, t))
    dated = [m for m in members if m.date_start is not None]
    date_value = date_precision = None
    date_start = date_end = None
    if dated:
        finest = min(_PRECISION_RANK.get(m.date_precision or "unknown", 5) for m in dated)
        precise = [m for m in dated if _PRECISION_RANK.get(m.date_precision or "unknown", 5) == finest]
        date_value = _mode([m.date_value for m in precise])
        date_precision = precise[0].date_precision
        date_start = min(m.date_start for m in precise if m.date_start is not None)
        date_end = max((m.date_end or m.date_start) for m in precise if m.date_start is not None)
    placed = [m for m in members if m.place.place_id is not None]
    place_id = country = admin1 = None
    if placed:
        resolved = [m for m in placed if m.place.lat is not None] or placed
        place_id = _mode([m.place.place_id for m in resolved])
        chosen = next(m.place for m in resolved if m.place.place_id == place_id)
        country, admin1 = chosen.country, chosen.admin1
    figures = {name: r for name in FIGURES if (r := reconcile_figure(members, name, table=table)) is not None}
    outlets = [o for m in members for o in (m.publisher, *m.outlets) if o]
    certainties = [_certainty(m.certainty) for m in members]
    independent = len(_independent_groups(members))
    actors: dict[str, list[int]] = {}
    for member in members:
        for role, actor in member.roles:
            if actor not in actors.setdefault(role, []):
                actors[role].append(actor)
    return FusedFields(
        type=fused_type,
        date_value=date_value,
        date_precision=date_precision,
        date_start=date_start,
        date_end=date_end,
        place_id=place_id,
        country=country,
        admin1=admin1,
        figures=figures,
        reliability=min((table.reliability(o) for o in outlets), default="F"),
        credibility=credibility(independent_sources=independent, certainties=certainties),
        independent_sources=independent,
        documents=len({m.document_id for m in members}),
        actors={role: sorted(ids) for role, ids in sorted(actors.items())},
    )


def _certainty(value: str) -> Certainty:
    try:
        return Certainty(value)
    except ValueError:
        return Certainty.REPORTED


# -- entry points ------------------------------------------------------------


def fuse(
    store: Store,
    *,
    settings: Settings | None = None,
    config: FusionConfig | None = None,
    rebuild: bool = False,
) -> FusionReport:
    """Mark reposts, then fuse every document-level event not yet in a fused event (one transaction).

    ``rebuild`` drops the fused events (keeping cannot-links) and fuses
    everything again from scratch.  ``settings`` is accepted for symmetry with
    the other stages (fusion has no settings of its own yet).
    """
    from watchfloor.store.fusion_repo import run_fusion

    del settings
    began = time.perf_counter()
    report = run_fusion(store, config=config or FusionConfig(), table=load_grade_table(), rebuild=rebuild)
    report.seconds = round(time.perf_counter() - began, 3)
    log.info(
        "fusion: %d documents checked (%d reposts), %d candidates -> %d joined, %d new fused events in %.2fs",
        report.documents_checked,
        report.reposts_marked,
        report.candidates,
        report.joined,
        report.created,
        report.seconds,
    )
    return report
