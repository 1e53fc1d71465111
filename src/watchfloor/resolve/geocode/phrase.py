"""Parse a place phrase as written into a target name, a feature hint, qualifiers and containers.

"Jhal Magsi district, Balochistan" -> target "Jhal Magsi", hint admin2, containers ["Balochistan"];
"Alkhani village, in Darzab" -> target "Alkhani", hint populated, containers ["Darzab"];
"central Logar province" -> target "Logar", hint admin1, direction "central";
"near Kabul" / "on the outskirts of Kabul" -> near; "in the north of Iraq" -> direction "north";
"the Syrian town of Dabiq" -> country hint from the demonym, hint populated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

#: Feature words after (or before "of") a name, mapped to a kind hint.
FEATURE_WORDS: dict[str, str] = {
    "district": "admin2", "districts": "admin2", "agency": "admin2", "tehsil": "admin2", "county": "admin2",
    "subdistrict": "admin2", "municipality": "admin2", "prefecture": "admin2",
    "province": "admin1", "provinces": "admin1", "governorate": "admin1", "state": "admin1",
    "department": "admin1", "region": "admin1", "division": "admin1",
    "city": "populated", "town": "populated", "village": "populated", "villages": "populated",
    "neighbourhood": "populated", "neighborhood": "populated", "suburb": "populated", "area": "",
    "camp": "populated", "port": "populated", "capital": "populated", "outskirts": "", "vicinity": "",
}
_DIRECTIONS = {
    "north": "north", "northern": "north", "south": "south", "southern": "south", "east": "east",
    "eastern": "east", "west": "west", "western": "west", "central": "central", "centre": "central",
    "center": "central", "northeast": "northeast", "north-east": "northeast", "northeastern": "northeast",
    "north-eastern": "northeast", "northwest": "northwest", "north-west": "northwest", "northwestern": "northwest",
    "north-western": "northwest", "southeast": "southeast", "south-east": "southeast", "southeastern": "southeast",
    "south-eastern": "southeast", "southwest": "southwest", "south-west": "southwest", "southwestern": "southwest",
    "south-western": "southwest", "upper": "", "lower": "", "rural": "", "greater": "",
}
_DIR_WORD = "|".join(sorted((re.escape(w) for w in _DIRECTIONS), key=len, reverse=True))
_NEAR = re.compile(
    r"^(?:near(?:by)?|close to|outside(?: of)?|around|on the outskirts of|the outskirts of|outskirts of|"
    r"(?:in |on )?the (?:vicinity|surroundings|environs|edge) of|(?:the )?(?:areas?|villages?) (?:around|near)|"
    r"(?:some )?\d+ (?:km|kilometres|kilometers|miles) (?:from|of|" + _DIR_WORD + r"(?: of)?))\s+",
    re.IGNORECASE,
)
_DIRECTION_OF = re.compile(
    r"^(?:(?:in|to) )?(?:the |an? )?(?:areas? |parts? )?(?:(" + _DIR_WORD + r")(?: (?:and|or) (?:" + _DIR_WORD
    + r"))?)(?: part| parts| region| area| outskirts| side)? of\s+",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:in|at|on|from|into|across|throughout|inside|within|of|the|a|an|(?:other |some |many )?(?:parts?|areas?) of|"
    r"(?:much|most|all|rest) of)\s+",
    re.IGNORECASE,
)
_TRAILING_NEAR = re.compile(r"\s+(?:suburbs|outskirts|environs|countryside|surroundings|periphery)$", re.IGNORECASE)
_KIND_OF = re.compile(
    r"^(?:the )?(?:([\w'’-]+) )?(?:([\w'’-]+) )?(" + "|".join(FEATURE_WORDS) + r") of\s+", re.IGNORECASE
)
_TRAILING_KIND = re.compile(r"\s+(" + "|".join(FEATURE_WORDS) + r")$", re.IGNORECASE)
_LEADING_DIRECTION = re.compile(r"^(" + _DIR_WORD + r")\s+", re.IGNORECASE)
_NAMED_KIND_OF = re.compile(
    r"^(?!(?:[Tt]he|[Aa]n?|[Ii]n|[Oo]f|[Tt]his|[Tt]hat)\b)([A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*) "
    r"(district|province|governorate|county|state|city|town|village|neighbourhood|neighborhood|area|suburb) of (.+)$"
)
_POSSESSIVE = re.compile(r"^((?:[A-Z][\w-]*\s)*[A-Z][\w-]*)['’]s\s+([A-Z].*)$")
_SPLIT = re.compile(r"\s*,\s*(?:in\s+|of\s+)?|\s+in\s+(?:the\s+)?", re.IGNORECASE)


_ARTICLES = frozenset({"a", "an", "the", "this", "that", "its", "their", "some", "several", "one"})


def is_proper(target: str, *, text: str) -> bool:
    """Whether ``target`` reads as a proper name in ``text`` rather than a common noun ("the mosque").

    In mixed-case text a proper name has a capitalised word; in lower-cased text (MUC-style) the
    phrase must not open with an article.
    """
    words = target.split()
    if not words:
        return False
    if text.islower():
        tokens = text.split()
        first = words[0]
        at = next((i for i, token in enumerate(tokens) if token == first), None)
        return at is None or at == 0 or tokens[at - 1] not in _ARTICLES
    return any(w[:1].isupper() for w in words)


@dataclass(slots=True)
class PlacePhrase:
    """A place phrase taken apart."""

    text: str  # as written
    target: str  # the name to look up
    kind_hint: str = ""  # "admin1" | "admin2" | "populated" | ""
    near: bool = False
    direction: str = ""  # "north", "central", ... when a part of the target is meant
    containers: list[str] = field(default_factory=list)  # names the target lies in, innermost first
    adjectives: list[str] = field(default_factory=list)  # words before a feature word ("Syrian" in "Syrian town of")
    with_feature: str = ""  # the target with its trailing feature word ("Guatemala City"), when one was cut
    proper: bool = True  # False when the target is a common noun ("the mosque in Kabul")
    container_kinds: list[str] = field(default_factory=list)  # kind hint of each container


def _strip_part(part: str, phrase: PlacePhrase, *, first: bool) -> str:
    """Remove prepositions, qualifiers and feature words from one comma part; record what they said."""
    text = part.strip().strip(".;:")
    for _ in range(4):
        before = text
        if first and (m := _NEAR.match(text)):
            phrase.near = True
            text = text[m.end():]
        if first and (m := _DIRECTION_OF.match(text)):
            phrase.direction = _DIRECTIONS.get(m.group(1).casefold(), "")
            phrase.near = phrase.near or not text.casefold().startswith(("in ", "the ", "an ", "a "))
            text = text[m.end():]
        if m := _KIND_OF.match(text):
            for word in (m.group(1), m.group(2)):
                if word and word.casefold() in _DIRECTIONS:
                    phrase.direction = phrase.direction or _DIRECTIONS[word.casefold()]
                elif word and first:
                    phrase.adjectives.append(word)
            if first:
                phrase.kind_hint = phrase.kind_hint or FEATURE_WORDS[m.group(3).casefold()]
            text = text[m.end():]
        if m := _LEADING.match(text):
            text = text[m.end():]
        if first and (m := _LEADING_DIRECTION.match(text)) and len(text) > m.end():
            phrase.direction = phrase.direction or _DIRECTIONS[m.group(1).casefold()]
            text = text[m.end():]
        if (m := _TRAILING_KIND.search(text)) and m.start() > 0:
            if first:
                phrase.kind_hint = phrase.kind_hint or FEATURE_WORDS[m.group(1).casefold()]
                phrase.with_feature = phrase.with_feature or text
            text = text[: m.start()]
        if first and (m := _TRAILING_NEAR.search(text)) and m.start() > 0:
            phrase.near = True
            text = text[: m.start()]
        if text == before:
            break
    return text.strip()


@lru_cache(maxsize=8192)
def parse_place(text: str) -> PlacePhrase:
    """Take a place phrase apart (see module docstring).  Cached: treat the result as read-only."""
    cleaned = " ".join(text.split())
    phrase = PlacePhrase(text=text, target=cleaned)
    head = cleaned
    tail: list[str] = []
    if m := _POSSESSIVE.match(cleaned):  # "Kabul's Dasht-e Barchi area" -> "Dasht-e Barchi area", in Kabul
        head, tail = m.group(2), [m.group(1)]
    elif m := _NAMED_KIND_OF.match(cleaned):
        head, tail = f"{m.group(1)} {m.group(2)}", [m.group(3)]
    parts = [p for p in (*_SPLIT.split(head), *tail) if p and p.strip()]
    if not parts:
        return phrase
    phrase.target = _strip_part(parts[0], phrase, first=True)
    phrase.proper = is_proper(phrase.target, text=parts[0])
    for part in parts[1:]:
        inner = PlacePhrase(text=part, target=part)
        name = _strip_part(part, inner, first=True)
        if name:
            phrase.containers.append(name)
            phrase.container_kinds.append(inner.kind_hint)
    return phrase
