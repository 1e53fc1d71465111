"""Document-level geocoding: the country focus of a document, and every event's location.

``document_context`` reads the document's place mentions (spaCy GPE/LOC/FAC,
re3d Location) and demonyms (spaCy NORP, re3d Nationality), resolves each
one alone, and ranks countries by weight: a country named or a demonym
counts 1, a place inside a country counts its candidate's confidence.

``geocode_extraction`` fills ``EventRecord.location``:

* ``place_text`` resolved -> the place with precision 1/2/3 (see ``resolver``);
* ``place_text`` not resolvable -> the mention is kept as ``name`` with no
  coordinates and no gazetteer id; ``country`` is the document's main
  country when there is one (precision 4), else left empty;
* no ``place_text`` -> the country the event's own evidence names: place
  mentions inside its claims' evidence spans when one country clearly
  leads there; else the home country of the armed groups taking part (from
  the actor knowledge base) when they agree — not of states, whose forces
  often act abroad; else place and
  demonym mentions inside the evidence (or, failing that, up to
  ``LOCAL_WINDOW`` characters before it) — demonyms come last because they
  often describe people ("fighters from Russia and Tajikistan in its
  ranks") rather than where something happened; else the document's main
  country when the document
  is clearly about one country (it carries at least half the country
  weight and twice the runner-up's); either way precision 4 and no name.
  Otherwise no location.
"""

from __future__ import annotations

import logging
from collections import Counter

from watchfloor.models import ActorKind, EventRecord, Extraction, Mention, PlaceRef
from watchfloor.resolve.geocode.gazetteer import ADMIN1, ADMIN2, COUNTRY, POPULATED
from watchfloor.resolve.geocode.names import name_key
from watchfloor.resolve.geocode.resolver import PRECISION_COUNTRY_INFERRED, Geocoder, GeoContext

log = logging.getLogger(__name__)

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "Location"})
DEMONYM_LABELS = frozenset({"NORP", "Nationality"})
MAIN_SHARE = 0.5
MAIN_LEAD = 2.0
LOCAL_WINDOW = 300


def _mention_weight(
    geocoder: Geocoder, text: str, context: GeoContext
) -> tuple[str, float, tuple[str, str] | None] | None:
    found = geocoder.best(text, context=context)
    if found is None:
        return None
    place, _phrase = found
    weight = 1.0 if place.kind == COUNTRY else 0.6
    local = place.kind in POPULATED or place.kind in (ADMIN1, ADMIN2)
    admin1 = (place.country, place.admin1) if place.admin1 and local else None
    return place.country, weight, admin1


def _country_weights(mentions: list[Mention], *, geocoder: Geocoder, context: GeoContext) -> dict[str, float]:
    """Country weights of place and demonym mentions (places resolved in ``context``)."""
    weights: dict[str, float] = {}
    for mention in mentions:
        if mention.label in DEMONYM_LABELS:
            country = geocoder.gazetteer.demonyms.get(name_key(mention.text))
            if country:
                weights[country] = weights.get(country, 0.0) + 1.0
        elif mention.label in PLACE_LABELS:
            got = _mention_weight(geocoder, mention.text, context)
            if got is not None:
                weights[got[0]] = weights.get(got[0], 0.0) + got[1]
    return weights


def _leader(weights: dict[str, float]) -> str | None:
    """The country that carries at least half the weight and twice the runner-up's, if any."""
    ranked = sorted(weights, key=lambda c: -weights[c])
    total = sum(weights.values())
    if not ranked or not total:
        return None
    top = weights[ranked[0]]
    runner = weights[ranked[1]] if len(ranked) > 1 else 0.0
    return ranked[0] if top >= MAIN_SHARE * total and top >= MAIN_LEAD * runner else None


def event_country(event: EventRecord, extraction: Extraction, *, geocoder: Geocoder, context: GeoContext) -> str | None:
    """The country an event's own evidence points to (see module docstring), or ``None``."""
    spans = [claim.evidence for claim in event.claims]
    if not spans:
        return None
    inside = [m for m in extraction.mentions if any(s.start <= m.start and m.end <= s.end for s in spans)]
    places_inside = [m for m in inside if m.label in PLACE_LABELS]
    found = _leader(_country_weights(places_inside, geocoder=geocoder, context=context))
    if found is None:
        found = _participants_country(event, extraction)
    if found is None:
        found = _leader(_country_weights(inside, geocoder=geocoder, context=context))
    if found is None:
        before = [m for m in extraction.mentions
                  if any(s.start - LOCAL_WINDOW <= m.start < s.start for s in spans) and m not in inside]
        found = _leader(_country_weights(inside + before, geocoder=geocoder, context=context))
    return found


def _participants_country(event: EventRecord, extraction: Extraction) -> str | None:
    """The one home country of the event's participating armed groups, if they agree."""
    by_id = {actor.local_id: actor for actor in extraction.actors}
    countries = {
        actor.country
        for ids in event.participants.values()
        for actor in (by_id.get(i) for i in ids)
        if actor is not None and actor.country and actor.kind == ActorKind.ARMED_GROUP
    }
    return countries.pop() if len(countries) == 1 else None


def document_context(extraction: Extraction, *, geocoder: Geocoder) -> GeoContext:
    """The ranked country focus and nearby places of a document."""
    weights: dict[str, float] = {}
    places = [m.text for m in extraction.mentions if m.label in PLACE_LABELS]
    for mention in extraction.mentions:
        if mention.label in DEMONYM_LABELS:
            country = geocoder.gazetteer.demonyms.get(name_key(mention.text))
            if country:
                weights[country] = weights.get(country, 0.0) + 1.0
    # first pass: countries and demonyms alone give a rough focus for ambiguous names
    rough = GeoContext(countries=sorted(weights, key=lambda c: -weights[c]))
    admin1s: Counter[tuple[str, str]] = Counter()
    for text in places:
        got = _mention_weight(geocoder, text, rough)
        if got is None:
            continue
        country, weight, admin1 = got
        weights[country] = weights.get(country, 0.0) + weight
        if admin1:
            admin1s[admin1] += 1
    ranked = sorted(weights, key=lambda c: -weights[c])
    context = GeoContext(countries=ranked, nearby=list(dict.fromkeys(places)), admin1s=set(admin1s))
    context.main_country = _leader(weights)
    log.debug("document %s: country focus %s (main %s)", extraction.document.id, ranked[:5], context.main_country)
    return context


def locate_event(
    event: EventRecord, *, geocoder: Geocoder, context: GeoContext, extraction: Extraction | None = None
) -> PlaceRef | None:
    """The location of one event (see module docstring for the rules)."""
    if event.place_text and event.place_text.strip():
        ref = geocoder.resolve(event.place_text, context=context)
        if ref is not None:
            return ref
        country = context.main_country
        return PlaceRef(name=event.place_text.strip(), country=country,
                        precision=PRECISION_COUNTRY_INFERRED if country else None)
    local = event_country(event, extraction, geocoder=geocoder, context=context) if extraction else None
    country = local or context.main_country
    if country:
        return geocoder.country_ref(country, precision=PRECISION_COUNTRY_INFERRED)
    return None


def geocode_extraction(extraction: Extraction, *, geocoder: Geocoder) -> None:
    """Fill ``location`` of every event of ``extraction`` in place."""
    context = document_context(extraction, geocoder=geocoder)
    for event in extraction.events:
        event.location = locate_event(event, geocoder=geocoder, context=context, extraction=extraction)
