"""The actor knowledge base: loader, validation and alias index.

The bundled KB lives in ``watchfloor/data/actors/*.yaml`` (format in that
folder's ``README.md``); users add files through ``Settings.actor_kb_files``.
``load_actor_kb`` validates every file (errors name the file, the line of the
entry and the field), then builds an ``ActorKB`` whose ``lookup`` tolerates the
usual spelling variation of group names: case, hyphens/spaces/dots
("ISK-P" = "ISKP" = "ISK P"), a leading "the", a possessive, accents and a
trailing "group"/"movement".  Short acronyms ("IS", "LeI") only match with
their own capitalisation, so "is" never links to the Islamic State.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from watchfloor.errors import KnowledgeBaseError
from watchfloor.models import ActorKind

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)

#: Version of the bundled KB data format (see data/actors/README.md).
KB_FORMAT_VERSION = 1

AffiliationType = Literal[
    "affiliate_of",
    "faction_of",
    "splinter_of",
    "allegiance_to",
    "allied_with",
    "rival_of",
    "leads",
    "member_of",
    "supports",
]
AffiliationStatus = Literal["current", "former", "alleged"]

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2]))?$")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"(?:'s|(?<=s)')$", re.IGNORECASE)
#: Trailing words a surface may add to a name ("the Haqqani group").
_TRAILING_GENERIC = frozenset({"group", "movement", "organisation", "organization", "network", "outfit", "faction"})
#: Words that make a derived alias of a state ("Afghan government").
_STATE_HEADS = ("government", "authorities", "regime", "administration", "forces", "security forces", "troops",
                "soldiers", "military", "army", "junta")


class KBAffiliation(BaseModel):
    """A typed, time-bounded link from one KB actor to another."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: AffiliationType
    target: str
    start: str | None = None
    end: str | None = None
    status: AffiliationStatus = "current"
    line: int = 0  # line of the affiliation in its file

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        if value is None:
            return None
        text = str(value).strip()
        if not _DATE.match(text):
            raise ValueError(f"expected YYYY or YYYY-MM, got {value!r}")
        return text


class KBActor(BaseModel):
    """One actor of the knowledge base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1)
    kind: ActorKind
    country: str | None = None
    region: str | None = None
    aliases: tuple[str, ...] = ()
    affiliations: tuple[KBAffiliation, ...] = ()
    sovereign: bool = False  # the state itself (not one of its forces or agencies)
    source: str = ""  # file the entry came from
    line: int = 0  # line of the entry in that file

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"id must be a lower-case slug (a-z, 0-9, hyphens), got {value!r}")
        return value

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> str | None:
        if value is None:
            return None
        code = str(value).strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(f"country must be an ISO 3166-1 alpha-2 code, got {value!r}")
        return code

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ValueError("aliases must be a list of strings")
        out: list[str] = []
        for item in value:
            if not isinstance(item, str | int) or not str(item).strip():
                raise ValueError(f"alias {item!r} is not a non-empty string")
            out.append(str(item).strip())
        return tuple(dict.fromkeys(out))

    @property
    def all_names(self) -> tuple[str, ...]:
        """The name followed by every alias."""
        return (self.name, *(a for a in self.aliases if a != self.name))


# --------------------------------------------------------------------------- normalisation


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """NFKD, accents dropped, apostrophes unified, casefolded."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


def name_tokens(text: str) -> list[str]:
    """The word tokens of a name after folding, without possessive and leading article."""
    folded = _POSSESSIVE.sub("", fold(text).strip())
    tokens = _WORD.findall(folded)
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    return tokens


def normalise(text: str) -> str:
    """The spaced lookup key of a name: ``"the ISK-P's"`` -> ``"isk p"``."""
    return " ".join(name_tokens(text))


def _letters(text: str) -> str:
    """Alphanumeric characters only, case kept (to compare acronyms)."""
    text = _POSSESSIVE.sub("", text.translate(_APOSTROPHES).strip())
    text = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    return "".join(ch for ch in text if ch.isalnum())


def is_acronym(alias: str) -> bool:
    """Whether an alias is acronym-like and must match with its own capitalisation ("IS", "LeI", "ISK-P")."""
    letters = _letters(alias)
    if not letters or " " in alias.strip() or len(letters) > 6:
        return False
    upper = sum(1 for ch in letters if ch.isupper())
    return upper >= 2 or (upper == 1 and len(letters) <= 2)


# --------------------------------------------------------------------------- YAML with line numbers


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    """A (C) SafeLoader that records the line of every mapping under the key ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    mapping: dict[Any, Any] = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(slots=True)
class _Entry:
    actor_id: str
    exact: str | None  # letters-only form an acronym must match; None = case-insensitive
    explicit: bool = True


@dataclass(slots=True)
class _RawFile:
    path: str
    actors: list[KBActor] = field(default_factory=list)
    demonyms: dict[str, list[str]] = field(default_factory=dict)
    phrases: list[tuple[str, str, int]] = field(default_factory=list)  # phrase, target id, line


# --------------------------------------------------------------------------- the KB


class ActorKB:
    """The loaded, validated actor knowledge base with its alias index."""

    def __init__(self, actors: Sequence[KBActor], *, demonyms: Mapping[str, Sequence[str]] | None = None) -> None:
        self._actors: dict[str, KBActor] = {a.id: a for a in actors}
        self._states: dict[str, tuple[str, ...]] | None = None
        self.demonyms: dict[str, tuple[str, ...]] = {cc: tuple(v) for cc, v in (demonyms or {}).items()}
        self._demonym_country: dict[str, str] = {}
        for cc, words in self.demonyms.items():
            for word in words:
                self._demonym_country.setdefault(normalise(word), cc)
        self._spaced: dict[str, list[_Entry]] = {}
        self._joined: dict[str, list[_Entry]] = {}
        self._spaced_prefixes: set[str] = set()
        self._joined_prefixes: set[str] = set()
        self._surfaces: dict[str, set[str]] = {}  # actor id -> names/aliases (explicit and derived)
        self._max_tokens = 1
        for actor in self._actors.values():
            for alias in actor.all_names:
                self._add(alias, actor.id, explicit=True)
        self._derive_state_aliases()
        self._choices: list[tuple[str, str]] | None = None

    # -- construction helpers
    def _add(self, alias: str, actor_id: str, *, explicit: bool) -> None:
        tokens = name_tokens(alias)
        if not tokens:
            return
        exact = _letters(alias) if is_acronym(alias) else None
        spaced, joined = " ".join(tokens), "".join(tokens)
        for index, key in ((self._spaced, spaced), (self._joined, joined)):
            entries = index.setdefault(key, [])
            if any(e.actor_id == actor_id and e.exact == exact for e in entries):
                continue
            if not explicit and any(e.exact == exact or e.exact is None for e in entries):
                continue  # derived aliases never override explicit ones
            entries.append(_Entry(actor_id, exact, explicit))
        self._surfaces.setdefault(actor_id, set()).add(alias)
        self._max_tokens = max(self._max_tokens, len(tokens))
        for k in range(1, len(tokens) + 1):
            self._spaced_prefixes.add(" ".join(tokens[:k]))
        for k in range(1, len(joined) + 1):
            self._joined_prefixes.add(joined[:k])

    def _derive_state_aliases(self) -> None:
        for actor in self._actors.values():
            if actor.kind is not ActorKind.STATE or not actor.country or not actor.sovereign:
                continue  # only the state itself, not its forces/ministries
            for demonym in self.demonyms.get(actor.country, ())[:2]:
                for head in _STATE_HEADS:
                    self._add(f"{demonym} {head}", actor.id, explicit=False)
            self._add(f"government of {actor.name}", actor.id, explicit=False)

    def country_names(self, country: str) -> tuple[str, ...]:
        """Names of the KB's state entry for an ISO2 code (its name and aliases)."""
        if self._states is None:
            self._states = {}
            for actor in self._actors.values():
                if actor.kind is ActorKind.STATE and actor.country and actor.sovereign:
                    self._states.setdefault(actor.country, actor.all_names)
        return self._states.get(country, ())

    # -- public API
    def __len__(self) -> int:
        return len(self._actors)

    def __iter__(self) -> Iterator[KBActor]:
        return iter(self._actors.values())

    @property
    def max_alias_tokens(self) -> int:
        """Length in word tokens of the longest alias (bounds the text scan)."""
        return self._max_tokens

    def get(self, actor_id: str) -> KBActor | None:
        """The actor with this id, or None."""
        return self._actors.get(actor_id)

    def affiliations_of(self, actor_id: str) -> list[tuple[KBAffiliation, KBActor]]:
        """The affiliations of an actor with their resolved targets."""
        actor = self._actors.get(actor_id)
        if actor is None:
            return []
        return [(aff, self._actors[aff.target]) for aff in actor.affiliations if aff.target in self._actors]

    def demonym_country(self, word: str) -> str | None:
        """ISO2 code of a nationality adjective or noun ("Pakistani" -> "PK"), or None."""
        return self._demonym_country.get(normalise(word))

    def surfaces(self, actor_id: str) -> set[str]:
        """All names under which an actor is indexed (explicit and derived)."""
        return set(self._surfaces.get(actor_id, ()))

    def candidate_lengths(self, tokens: Sequence[str]) -> list[int]:
        """Lengths n (longest first) for which ``tokens[:n]`` is an indexed key (prefix-pruned scan)."""
        out: list[int] = []
        spaced = joined = ""
        for n, token in enumerate(tokens, start=1):
            spaced = f"{spaced} {token}" if spaced else token
            joined += token
            live_s = spaced in self._spaced_prefixes
            live_j = joined in self._joined_prefixes
            if not live_s and not live_j:
                break
            if (live_s and spaced in self._spaced) or (live_j and joined in self._joined):
                out.append(n)
        return out[::-1]

    def match_key(self, tokens: Sequence[str], surface: str) -> KBActor | None:
        """The actor for already-normalised word tokens of ``surface`` (used by the text scan)."""
        if not tokens:
            return None
        for index, key in ((self._spaced, " ".join(tokens)), (self._joined, "".join(tokens))):
            found = self._pick(index.get(key), surface)
            if found is not None:
                return found
        return None

    def _pick(self, entries: list[_Entry] | None, surface: str) -> KBActor | None:
        if not entries:
            return None
        letters = _letters(surface) if any(e.exact is not None for e in entries) else ""
        ok = [e for e in entries if e.exact is None or e.exact == letters]
        if not ok:
            return None
        best = next((e for e in ok if e.explicit), ok[0])
        return self._actors[best.actor_id]

    def lookup(self, surface: str) -> KBActor | None:
        """The actor a surface form names, tolerant to spelling variants; None when unknown."""
        tokens = name_tokens(surface)
        found = self.match_key(tokens, surface)
        if found is None and len(tokens) > 1 and tokens[-1] in _TRAILING_GENERIC:
            stripped = re.sub(r"[\s\-]+\w+\W*$", "", surface.strip())
            found = self.match_key(tokens[:-1], stripped)
        return found

    def search(self, query: str, limit: int = 10) -> list[KBActor]:
        """Actors whose names best match ``query`` (exact lookup first, then fuzzy)."""
        results: list[KBActor] = []
        exact = self.lookup(query)
        if exact is not None:
            results.append(exact)
        key = normalise(query)
        if not key:
            return results
        if self._choices is None:
            self._choices = [(normalise(s), aid) for aid, names in self._surfaces.items() for s in names]
        scored = _fuzzy_scores(key, self._choices)
        for _score, actor_id in scored:
            actor = self._actors[actor_id]
            if actor not in results:
                results.append(actor)
            if len(results) >= limit:
                break
        return results[:limit]

    def alias_patterns(
        self,
        *,
        nlp: Language | None = None,
        labels: Mapping[ActorKind, str] | None = None,
        include_country_names: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """EntityRuler patterns ``{"label", "pattern", "id"}`` (token pattern, KB id), one per KB name.

        Names match case-insensitively (``LOWER``), acronyms with their own
        capitalisation (``ORTH``).  Tokens follow ``nlp.tokenizer`` when given,
        else a close approximation of spaCy's English rules (hyphens between
        letters split).  Default labels: ``PERSON`` for persons, ``ORG`` for the
        rest; bare country names are left out unless ``include_country_names``.
        """
        label_of = dict(labels or {})
        for actor in self._actors.values():
            label = label_of.get(actor.kind, "PERSON" if actor.kind is ActorKind.PERSON else "ORG")
            country = {normalise(n) for n in self.country_names(actor.country)} if actor.country else set()
            for alias in sorted(self._surfaces.get(actor.id, ())):
                if not include_country_names and _bare_country(actor, alias, country):
                    continue
                words = [t.text for t in nlp.tokenizer(alias)] if nlp is not None else _approx_tokens(alias)
                attr = "ORTH" if is_acronym(alias) else "LOWER"
                pattern = [{attr: w if attr == "ORTH" else w.lower()} for w in words]
                yield {"label": label, "pattern": pattern, "id": actor.id}


def _bare_country(actor: KBActor, alias: str, country_keys: set[str]) -> bool:
    """A state's alias that is only its country's name (no "government", "republic", ...)."""
    if actor.kind is not ActorKind.STATE or normalise(alias) not in country_keys:
        return False
    return not any(h in fold(alias) for h in ("government", "republic", "state of", "kingdom", "regime"))


def _approx_tokens(text: str) -> list[str]:
    """Split like spaCy's English tokenizer for names: spaces, letter-hyphen-letter, brackets, possessive."""
    out: list[str] = []
    for chunk in text.split():
        for piece in re.split(r"(?<=[^\W\d_])([-–—])(?=[^\W\d_])|([()\[\],;:\"])", chunk):
            if not piece:
                continue
            m = re.match(r"^(.+?)('s|’s)$", piece)
            out.extend([m.group(1), m.group(2)] if m and len(piece) > 2 else [piece])
    return out


def _fuzzy_scores(key: str, choices: list[tuple[str, str]]) -> list[tuple[float, str]]:
    """(score, actor id) best first, one per actor: rapidfuzz when installed, else difflib."""
    best: dict[str, float] = {}
    try:
        from rapidfuzz import fuzz

        def score(a: str, b: str) -> float:
            return float(fuzz.WRatio(a, b))
    except ImportError:  # pragma: no cover - rapidfuzz is optional

        def score(a: str, b: str) -> float:
            return 100.0 * difflib.SequenceMatcher(None, a, b).ratio()

    for name, actor_id in choices:
        value = score(key, name)
        if value >= 60 and value > best.get(actor_id, 0.0):
            best[actor_id] = value
    return sorted(((v, a) for a, v in best.items()), key=lambda p: (-p[0], p[1]))


# --------------------------------------------------------------------------- loading


def bundled_kb_files() -> list[Path]:
    """The KB files shipped with watchfloor (``data/actors/*.yaml``), sorted."""
    root = resources.files("watchfloor.data") / "actors"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith((".yaml", ".yml", ".json")))


def _parse_file(path: Path) -> _RawFile:
    stat = path.stat() if path.is_file() else None
    return _parse_file_cached(path, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@lru_cache(maxsize=64)
def _parse_file_cached(path: Path, _mtime: int, _size: int) -> _RawFile:
    """Parse and validate one file (cached per path, modification time and size)."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(name, f"cannot read file: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KnowledgeBaseError(name, f"invalid YAML: {exc}", line=mark.line + 1 if mark else None) from exc
    if data is None:
        return _RawFile(path=name)
    if not isinstance(data, dict):
        raise KnowledgeBaseError(name, "top level must be a mapping with an 'actors' list", line=1)
    data.pop("__line__", None)
    unknown = set(data) - {"version", "region", "actors", "demonyms", "phrases"}
    if unknown:
        raise KnowledgeBaseError(name, f"unknown top-level keys {sorted(unknown)}", field=sorted(unknown)[0])
    version = data.get("version", KB_FORMAT_VERSION)
    if version != KB_FORMAT_VERSION:
        raise KnowledgeBaseError(name, f"unsupported format version {version!r} (expected {KB_FORMAT_VERSION})",
                                 field="version")
    raw = _RawFile(path=name)
    region = data.get("region")
    entries = data.get("actors") or []
    if not isinstance(entries, list):
        raise KnowledgeBaseError(name, "'actors' must be a list", field="actors")
    for entry in entries:
        raw.actors.append(_validate_actor(name, entry, region))
    demonyms = data.get("demonyms") or {}
    if not isinstance(demonyms, dict):
        raise KnowledgeBaseError(name, "'demonyms' must map ISO2 codes to lists of words", field="demonyms")
    dem_line = demonyms.pop("__line__", None)
    for code, words in demonyms.items():
        if not re.fullmatch(r"[A-Z]{2}", str(code)) or not isinstance(words, list):
            raise KnowledgeBaseError(name, f"bad demonym entry {code!r}", line=dem_line, field=f"demonyms.{code}")
        raw.demonyms[str(code)] = [str(w) for w in words]
    phrases = data.get("phrases") or {}
    if not isinstance(phrases, dict):
        raise KnowledgeBaseError(name, "'phrases' must map phrases to actor ids", field="phrases")
    ph_line = phrases.pop("__line__", None)
    for phrase, target in phrases.items():
        raw.phrases.append((str(phrase), str(target), ph_line or 0))
    return raw


def _validate_actor(path: str, entry: Any, region: Any) -> KBActor:
    if not isinstance(entry, dict):
        raise KnowledgeBaseError(path, f"actor entry must be a mapping, got {entry!r}")
    line = int(entry.pop("__line__", 0))
    aff_lines: list[int] = []
    affiliations = entry.get("affiliations")
    if isinstance(affiliations, list):
        for aff in affiliations:
            aff_line = int(aff.pop("__line__", line)) if isinstance(aff, dict) else line
            aff_lines.append(aff_line)
            if isinstance(aff, dict):
                aff["line"] = aff_line
    data = dict(entry)
    if region is not None:
        data.setdefault("region", region)
    try:
        return KBActor.model_validate({**data, "source": path, "line": line})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        where = line
        if len(loc) > 1 and loc[0] == "affiliations" and loc[1].isdigit() and int(loc[1]) < len(aff_lines):
            where = aff_lines[int(loc[1])]
        ident = entry.get("id", "?")
        problem = f"actor {ident!r}: {err['msg']}"
        raise KnowledgeBaseError(path, problem, line=where, field=".".join(loc) or None) from exc


def _build(files: Sequence[_RawFile]) -> ActorKB:
    actors: dict[str, KBActor] = {}
    demonyms: dict[str, list[str]] = {}
    for raw in files:
        for actor in raw.actors:
            if actor.id in actors:
                first = actors[actor.id]
                problem = f"duplicate actor id {actor.id!r} (first at {first.source}:{first.line})"
                raise KnowledgeBaseError(raw.path, problem, line=actor.line, field="id")
            actors[actor.id] = actor
        for code, words in raw.demonyms.items():
            demonyms.setdefault(code, [])
            demonyms[code].extend(w for w in words if w not in demonyms[code])
    for raw in files:  # phrases become aliases of their targets
        for phrase, target, line in raw.phrases:
            if target not in actors:
                raise KnowledgeBaseError(raw.path, f"phrase {phrase!r} names unknown actor {target!r}", line=line,
                                         field=f"phrases.{phrase}")
            actor = actors[target]
            if phrase not in actor.aliases:
                actors[target] = actor.model_copy(update={"aliases": (*actor.aliases, phrase)})
    for actor in actors.values():
        for aff in actor.affiliations:
            if aff.target not in actors:
                problem = f"actor {actor.id!r} affiliation names unknown actor {aff.target!r}"
                where = aff.line or actor.line
                raise KnowledgeBaseError(actor.source, problem, line=where, field="affiliations.target")
    _check_clashes(actors)
    return ActorKB(list(actors.values()), demonyms=demonyms)


def _check_clashes(actors: Mapping[str, KBActor]) -> None:
    """Raise when one alias (same key, same case rule) names two different actors."""
    seen: dict[tuple[str, str | None], KBActor] = {}
    for actor in actors.values():
        for alias in actor.all_names:
            key = (normalise(alias), _letters(alias) if is_acronym(alias) else None)
            if not key[0]:
                continue
            other = seen.setdefault(key, actor)
            if other.id != actor.id:
                raise KnowledgeBaseError(
                    actor.source,
                    f"alias {alias!r} of {actor.id!r} clashes with {other.id!r} ({other.source}:{other.line})",
                    line=actor.line,
                    field="aliases",
                )


@lru_cache(maxsize=8)
def _load_cached(paths: tuple[Path, ...]) -> ActorKB:
    files = [_parse_file(p) for p in paths]
    kb = _build(files)
    log.info("actor KB: %d actors from %d files", len(kb), len(paths))
    return kb


def load_actor_kb(*, extra_files: Sequence[Path] = ()) -> ActorKB:
    """The bundled KB plus ``extra_files`` (e.g. ``settings.actor_kb_files``), validated and cached.

    Raises ``KnowledgeBaseError`` (file, line, field) on the first problem; no
    partial KB is ever returned.
    """
    extras = []
    for path in extra_files:
        p = Path(path)
        if not p.is_file():
            raise KnowledgeBaseError(str(p), "file not found")
        extras.append(p.resolve())
    return _load_cached((*bundled_kb_files(), *extras))
