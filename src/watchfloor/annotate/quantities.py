"""Reported figures: "at least nine worshipers dead", "killed nearly 20", "the death toll rose to 12".

Public surface:

``find_figures(text, *, offset=0) -> list[Figure]``
    Every casualty, arrest, abduction or head-count figure in ``text`` in text
    order.  ``Figure.span`` covers the figure phrase from its qualifier to the
    counted noun ("at least nine Christian worshipers"), shifted by ``offset``.
``parse_number(text) -> int | None``
    "twenty-three" -> 23, "1,200" -> 1200, "1.5 million" -> 1500000.

Conventions:

* Qualifiers: "at least", "no fewer than", "a minimum of" -> ``at_least``;
  "more than", "over", "upwards of", "in excess of", "above" -> ``more_than``;
  "nearly", "almost", "about", "around", "some", "approximately", "roughly",
  "an estimated", "close to", "circa" -> ``approximately``; "up to", "at most",
  "as many as", "no more than" -> ``at_most``; "fewer than", "less than",
  "under" -> ``fewer_than``.  No qualifier -> ``exact``.
* Ranges ("20 to 30", "20-30", "between 20 and 30"): ``value`` is the low end,
  ``high`` the high end.
* Vague plurals are lower bounds: "dozens" = at least 24, "scores" = at least
  40, "hundreds" = at least 200, "thousands" = at least 2,000, "tens of
  thousands" = at least 20,000 (two of the unit, qualifier ``at_least``).
  "a dozen" is 12, "half a dozen" 6.  "several", "many", "a number of" are
  not figures.
* The kind comes from the clause: a state word after the counted noun ("dead",
  "were killed", "seriously wounded", "arrested", "taken hostage"), else the
  verb before the number ("killed nearly 20", "wounding 30", "arrested
  three", "recruited more than 130"), else a toll phrase ("the death toll rose
  to 12").  A number with none of these is a ``count`` only when it counts
  people ("300 young people", "40 foreign fighters"); other numbers
  ("five networks", "six minutes") are not figures.
* Years, dates, ages, percentages, times, distances and money are not figures.
* Absurd values keep their value and set ``Quantity.implausible`` (more than
  100,000 killed/injured/arrested or 10,000 kidnapped in one report item).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from watchfloor.models import Qualifier, Quantity, Span

log = logging.getLogger(__name__)

__all__ = ["KINDS", "Figure", "find_figures", "parse_number"]

KINDS = ("killed", "injured", "arrested", "kidnapped", "count")


@dataclass(slots=True)
class Figure:
    """One reported figure: kind, quantity, where it is and what it counts.

    ``kind`` is one of ``KINDS``; ``noun`` is the counted noun ("worshipers"),
    empty when the number stands alone ("killing 12").
    """

    kind: str
    quantity: Quantity
    span: Span
    noun: str = ""


# --------------------------------------------------------------------------- numbers

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_VAGUE = {
    "tens of thousands": (20_000, Qualifier.AT_LEAST),
    "hundreds of thousands": (200_000, Qualifier.AT_LEAST),
    "dozens": (24, Qualifier.AT_LEAST),
    "scores": (40, Qualifier.AT_LEAST),
    "hundreds": (200, Qualifier.AT_LEAST),
    "thousands": (2000, Qualifier.AT_LEAST),
}

_UNIT_RE = "|".join(sorted(_UNITS, key=len, reverse=True))
_TEN_RE = "|".join(_TENS)
_SMALL = rf"(?:(?:{_TEN_RE})(?:[-\s](?:{_UNIT_RE}))?|(?:{_UNIT_RE}))"
_WORDNUM = rf"(?:(?:a|{_SMALL})\s+(?:hundred|thousand|million)(?:\s+(?:and\s+)?{_SMALL})?|{_SMALL})"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(?:million|thousand|hundred)\b)?"
_DOZEN = r"(?:half\s+a\s+dozen|(?:a|one|two|three|four|five|six)\s+dozen)"
_VAGUE_RE = r"(?:tens\s+of\s+thousands|hundreds\s+of\s+thousands|dozens|scores|hundreds|thousands)"
_NUMBER = rf"(?:{_DIGITS}|{_DOZEN}|{_WORDNUM})"

_QUALIFIERS: list[tuple[str, Qualifier]] = [
    (r"at\s+least|no\s+(?:fewer|less)\s+than|not\s+(?:fewer|less)\s+than|a\s+minimum\s+of", Qualifier.AT_LEAST),
    (
        r"(?:well\s+|far\s+|many\s+|much\s+)?(?:more\s+than|over|upwards\s+of|in\s+excess\s+of|above|exceeding)",
        Qualifier.MORE_THAN,
    ),
    (
        r"nearly|almost|about|around|some|approximately|approx\.|roughly|an\s+estimated|estimated|close\s+to|"
        r"circa|an\s+approximate|just\s+under|just\s+over|just\s+shy\s+of|as\s+much\s+as\s+about",
        Qualifier.APPROXIMATELY,
    ),
    (
        r"up\s+to|at\s+most|as\s+many\s+as|no\s+more\s+than|not\s+more\s+than|a\s+maximum\s+of",
        Qualifier.AT_MOST,
    ),
    (r"fewer\s+than|less\s+than|under|below", Qualifier.FEWER_THAN),
]
_QUAL_RE = "|".join(f"(?:{p})" for p, _ in _QUALIFIERS)

_FIGURE_RE = re.compile(
    rf"(?<![\w.,/:-])(?:(?P<qual>{_QUAL_RE})\s+)?"
    rf"(?:(?P<vague>{_VAGUE_RE})\s+of|(?P<num>{_NUMBER})"
    rf"(?:\s*(?:-|–|to|or)\s*(?P<high>{_NUMBER}))?)(?![\w]|[.,:/]\d|-year|-month|-day|-hour|-minute|-km|-kg)",
    re.IGNORECASE,
)
_BETWEEN_RE = re.compile(
    rf"(?<![\w])between\s+(?P<num>{_NUMBER})\s+and\s+(?P<high>{_NUMBER})(?![\w]|[.,]\d)", re.IGNORECASE
)


def _words_to_int(text: str) -> int | None:
    tokens = re.split(r"[\s-]+", text.lower().replace(" and ", " "))
    total, current = 0, 0
    seen = False
    for tok in tokens:
        if not tok:
            continue
        if tok in ("a", "an"):
            current = max(current, 1)
        elif tok in _UNITS:
            current += _UNITS[tok]
        elif tok in _TENS:
            current += _TENS[tok]
        elif tok == "hundred":
            current = max(current, 1) * 100
        elif tok in ("thousand", "million"):
            total += max(current, 1) * _SCALES[tok]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def parse_number(text: str) -> int | None:
    """The integer a number phrase denotes: digits, words, "a dozen", or ``None``."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    if not t:
        return None
    dozen = re.fullmatch(r"(half a|a|one|two|three|four|five|six) dozen", t)
    if dozen:
        return 6 if dozen.group(1) == "half a" else 12 * (_words_to_int(dozen.group(1)) or 1)
    digits = re.fullmatch(r"([\d,.]+)\s*(million|thousand|hundred)?", t)
    if digits:
        raw, scale = digits.groups()
        try:
            if scale:
                return round(float(raw.replace(",", "")) * _SCALES[scale])
            if re.fullmatch(r"\d{1,3}(,\d{3})+", raw):
                return int(raw.replace(",", ""))
            if "." in raw:
                return None
            return int(raw)
        except ValueError:
            return None
    return _words_to_int(t)


# --------------------------------------------------------------------------- kind cues

_STATE: list[tuple[str, str]] = [
    ("killed", r"killed|dead|died|deaths?|fatalities|perished|lost\s+their\s+lives|slain|massacred|executed|"
               r"beheaded|shot\s+dead|murdered|lifeless|bodies|corpses|martyred|martyrs"),
    ("injured", r"wounded|injured|hurt|injuries|maimed|hospitali[sz]ed|casualties\s+wounded"),
    ("arrested", r"arrested|detained|apprehended|captured|in\s+custody|rounded\s+up|taken\s+into\s+custody|"
                 r"arrests|detentions|jailed|imprisoned|surrendered"),
    ("kidnapped", r"kidnapped|abducted|taken\s+hostage|held\s+hostage|hostages?|taken\s+captive|seized|"
                  r"kidnappings|abductions"),
    ("count", r"recruited|enlisted|joined|trained|deployed|displaced|fled|defected|recruits"),
]  # fmt: skip
_VERB: list[tuple[str, str]] = [
    ("killed", r"killed|killing|kills|kill|claimed\s+the\s+lives\s+of|massacred|executed|beheaded|"
               r"shot\s+dead|murdered|slew|slaying|left\s+dead|death\s+of|deaths\s+of|lives\s+of|bodies\s+of|"
               r"neutrali[sz]ed|neutrali[sz]ing"),
    ("injured", r"wounded|wounding|wounds|wound|injured|injuring|injures|injure|hurt|hurting|maimed"),
    ("arrested", r"arrested|arresting|arrests|arrest|detained|detaining|detains|detain|apprehended|"
                 r"apprehending|apprehend|captured|capturing|rounded\s+up|nabbed|held"),
    ("kidnapped", r"kidnapped|kidnapping|kidnaps|kidnap|abducted|abducting|abducts|abduct|"
                  r"took|taking|seized|seizing|release\s+of|freed"),
    ("count", r"recruited|recruiting|recruit|recruits|enlisted|trained|training|deployed|deploying|sent|"
              r"mobilised|mobilized|displaced|dispatched|joined\s+by"),
]  # fmt: skip
_TOLL = [
    ("killed", r"(?:death|casualty|fatality)\s+toll|toll|"
               r"number\s+of\s+(?:people\s+|those\s+|persons\s+)?(?:dead|killed|deaths|fatalities)"),
    ("injured", r"number\s+of\s+(?:wounded|injured|injuries)"),
    ("arrested", r"number\s+of\s+(?:arrests|detainees|those\s+arrested)"),
]  # fmt: skip

_FILLER = (
    r"(?:were|was|are|is|have|has|had|been|being|be|got|get|reportedly|allegedly|also|later|all|seriously|"
    r"critically|severely|badly|slightly|lightly|fatally|mortally|gravely|reported|believed|feared|said|"
    r"thought|confirmed|to|left|remain|remained|still|now|then|either|being|subsequently|eventually|"
    r"apparently|initially|officially|who|which|that|of\s+them|of\s+whom|others?|more|people|persons|may|might|"
    r"could|would|will|likely|probably|possibly|presumed|presumably|now|feared|found|left|lay|lie|lying)"
)
_STATE_AFTER = [
    (kind, re.compile(rf"^[\s,\"”’']*(?:{_FILLER}[\s,]+){{0,5}}(?:{pat})(?!\w)", re.IGNORECASE)) for kind, pat in _STATE
]
_VERB_BEFORE = [
    (
        kind,
        re.compile(
            rf"(?<!\w)(?:{pat})[\"”’']?\s+(?:(?:only|just|another|a\s+further|some|the)\s+)?[\"“‘']?$", re.IGNORECASE
        ),
    )
    for kind, pat in _VERB
]
_TOLL_BEFORE = [
    (
        kind,
        re.compile(
            rf"(?<!\w)(?:{pat})(?:\s+[\w'’-]+){{0,12}}?\s+(?:to|at|of|is|was|reached|hit|stood\s+at|rose\s+to)\s+$",
            re.IGNORECASE,
        ),
    )
    for kind, pat in _TOLL
]


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PEOPLE = _wordset(
    """people persons person men women children boys girls civilians fighters fighter militants militant soldiers
    soldier troops policemen police officers officer personnel members member recruits students student
    worshipers worshippers worshiper worshipper pilgrims villagers residents farmers herders miners workers
    passengers guards gunmen insurgents insurgent rebels rebel guerrillas guerrilla jihadists jihadist terrorists
    terrorist attackers attacker assailants suspects suspect militiamen militia commanders commander leaders
    elements volunteers mercenaries foreigners nationals refugees migrants families households hostages
    captives prisoners detainees inmates schoolgirls schoolboys schoolchildren pupils
    teachers doctors nurses journalists aid staff employees contractors
    tourists shoppers mourners protesters demonstrators voters candidates officials judges lawyers clerics
    imams priests christians muslims shias sunnis sufis youths youth adults infants babies others individuals
    bodyguards gendarmes marines sailors airmen cadets recruits operatives loyalists supporters sympathizers
    sympathisers defectors deserters combatants casualties victims dead wounded injured"""
)
_NOT_COUNTED = _wordset(
    """years year months month weeks week days day hours hour minutes minute seconds km kilometres kilometers
    miles metres meters feet percent per cent times am pm o'clock dollars euros pounds rupees afghanis naira
    kg tons tonnes rounds"""
)
_STOP = _wordset(
    """of in at on from with by for to into near during after before since as than and or but were was are is
    have has had been be who which that whom whose while when where seriously critically dead killed wounded
    injured hurt arrested detained kidnapped abducted died"""
)

_IMPLAUSIBLE = {"killed": 100_000, "injured": 100_000, "arrested": 100_000, "kidnapped": 10_000, "count": 10_000_000}
_PARTITIVE = re.compile(
    r"^\s+of\s+(?:them|whom)\b|^\s+of\s+(?:the|these|those|their|its|his|her)\s+([\w'-]+)", re.IGNORECASE
)
_SUBSET_BEFORE = re.compile(r"(?:\bincluding|\bamong\s+them|\bamong\s+whom|\bof\s+whom|\bincluded)\s*$", re.I)
_CASUALTY_NOUNS = frozenset({"dead", "wounded", "injured", "victims", "casualties", "killed"})
_ATTRIBUTIVE = frozenset(
    {"jihadist", "militant", "rebel", "terrorist", "insurgent", "guerrilla", "militia", "police", "youth", "aid",
     "student", "army", "civilian", "security"}
)  # fmt: skip
_AMBIGUOUS_OBJECT_VERB = re.compile(
    r"(?:took|taking|seized|seizing|captured|capturing|held|sent|trained|training|deployed|deploying)\W*\s+"
    r"(?:(?:only|just|another|a\s+further|some|the)\s+)?$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\S\n]*([A-Za-z][\w'’-]*)")
_APPOSITIVE = re.compile(r"^\s*(?:[—–]|\s-\s|\()[^—–()]{1,80}?(?:[—–]|\s-\s|\))|^\s*[—–]", re.IGNORECASE)

_COMMA_ASIDE = re.compile(r"^\s*,[^,.;:()\d]{1,70},")


@lru_cache(maxsize=1)
def _date_anchor() -> dt.date:
    return dt.date(2000, 1, 1)


def _date_spans(text: str) -> list[tuple[int, int]]:
    from watchfloor.annotate.timex import find_time_expressions

    return [
        (tv.span.start, tv.span.end) for tv in find_time_expressions(text, anchor=_date_anchor()) if tv.span is not None
    ]


def _noun_phrase(text: str, pos: int) -> tuple[str, int]:
    """The counted noun after ``pos`` (last word of up to four modifiers) and where the phrase ends."""
    noun, end, words = "", pos, 0
    cursor = pos
    while words < 4:
        m = _WORD.match(text, cursor)
        if m is None:
            break
        word = m.group(1)
        low = word.lower()
        if (low in _STOP and not word.isupper()) or low.endswith("ly") or (words and _is_number_word(low)):
            break
        noun, end, cursor, words = word, m.end(), m.end(), words + 1
        if low in _PEOPLE:
            follow = _WORD.match(text, cursor)
            nxt = follow.group(1) if follow else ""
            if low in _ATTRIBUTIVE and nxt.islower() and nxt not in _STOP and not nxt.endswith("ly"):
                continue  # "police officers", "jihadist coalitions"
            break  # the head of the phrase: "young people", "foreign fighters"
    return noun, end


def _is_number_word(word: str) -> bool:
    return word in _UNITS or word in _TENS or word in _SCALES


def _kind_after(rest: str) -> str | None:
    for kind, pattern in _STATE_AFTER:
        if pattern.match(rest):
            return kind
    return None


def _kind_before(before: str) -> str | None:
    for kind, pattern in _TOLL_BEFORE:
        if pattern.search(before):
            return kind
    for kind, pattern in _VERB_BEFORE:
        if pattern.search(before):
            return kind
    return None


def _quantity(m: re.Match[str]) -> Quantity | None:
    qual_text = m.groupdict().get("qual")
    qualifier = Qualifier.EXACT
    if qual_text:
        for pattern, q in _QUALIFIERS:
            if re.fullmatch(pattern, qual_text, re.IGNORECASE):
                qualifier = q
                break
    if m.groupdict().get("vague"):
        vague_value, vague_q = _VAGUE[re.sub(r"\s+", " ", m["vague"].lower())]
        if qualifier == Qualifier.EXACT:
            qualifier = vague_q
        return Quantity(value=vague_value, qualifier=qualifier, text=m.group(0))
    value = parse_number(m["num"])
    if value is None:
        return None
    high = parse_number(m["high"]) if m.groupdict().get("high") else None
    if high is not None and high <= value:
        return None
    return Quantity(value=value, qualifier=qualifier, high=high, text=m.group(0))


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _is_excluded(text: str, m: re.Match[str], noun: str) -> bool:
    before = text[max(0, m.start() - 12) : m.start()].lower()
    after = text[m.end() : m.end() + 12].lower()
    if re.search(r"(?:aged|age|ages|no\.|number|resolution|article|volume|issue|vol\.|page|\$|€|£|#)\s*$", before):
        return True
    if re.match(r"\s*(?:%|percent|per\s+cent|years?\s+old|-year-old|:\d|h\b|am\b|pm\b|gmt\b)", after):
        return True
    return noun.lower() in _NOT_COUNTED


def _figure_matches(text: str) -> list[re.Match[str]]:
    found = list(_BETWEEN_RE.finditer(text))
    for m in _FIGURE_RE.finditer(text):
        if not any(b.start() <= m.start() < b.end() for b in found):
            found.append(m)
    found.sort(key=lambda x: x.start())
    return found


def find_figures(text: str, *, offset: int = 0) -> list[Figure]:
    """Every casualty / arrest / abduction / head-count figure in ``text``, in text order.

    See the module docstring for qualifiers, vague plurals, kinds and what is
    excluded.  Offsets in ``span`` are shifted by ``offset``.
    """
    matches = _figure_matches(text)
    if not matches:
        return []
    dates = _date_spans(text)
    figures: list[Figure] = []
    skip_until = -1
    for m in matches:
        if m.start() < skip_until or _overlaps(m.start(), m.end(), dates):
            continue
        number_text = (m.groupdict().get("num") or "").strip()
        quantity = _quantity(m)
        if quantity is None:
            continue
        noun_start = m.end()
        noun, np_end = _noun_phrase(text, noun_start)
        partitive = _PARTITIVE.match(text[np_end : np_end + 60])
        if partitive:
            noun = noun or (partitive.group(1) or "")
            np_end += partitive.end()
        if _is_excluded(text, m, noun) or _SUBSET_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue  # units, ages, ... and subsets ("including two children")
        if partitive and noun.lower() in _CASUALTY_NOUNS:
            continue  # "two of the dead were guards": a subset of a figure already given
        rest_start = np_end
        appositive = _APPOSITIVE.match(text[rest_start : rest_start + 100])
        if appositive:
            rest_start += appositive.end()
            skip_until = rest_start
        rest = text[rest_start : rest_start + 120]
        kind = None if (not noun and rest.startswith(",")) else _kind_after(rest)
        aside = _COMMA_ASIDE.match(rest) if noun else None
        if kind is None and aside:  # "70 people, mostly women and children, were killed"
            kind = _kind_after(rest[aside.end() :])
        kind = kind or _kind_before(text[max(0, m.start() - 80) : m.start()])
        if kind is None and noun.lower() in _PEOPLE:
            kind = "count"
        before = text[max(0, m.start() - 40) : m.start()]
        if noun and noun.lower() not in _PEOPLE and _AMBIGUOUS_OBJECT_VERB.search(before):
            continue  # "seized two armoured vehicles"
        if number_text.lower() == "one" and re.search(r"(?:\bno|\bnot|\bany|\bevery)\s*$", before, re.I):
            continue  # "no one has been arrested"
        if kind is None or (kind == "count" and number_text.lower() == "one"):
            continue  # "one" counts nothing on its own ("one aim", "one of the few")
        if re.fullmatch(r"(?:19|20)\d\d", number_text) and not m.groupdict().get("qual") and not noun:
            continue  # a bare year-like number with no counted noun
        quantity.implausible = quantity.value > _IMPLAUSIBLE[kind]
        end = max(np_end if noun else m.end(), m.end())
        figures.append(
            Figure(
                kind=kind,
                quantity=quantity,
                span=Span(start=m.start() + offset, end=end + offset, text=text[m.start() : end]),
                noun=noun,
            )
        )
    log.debug("found %d figures in %d characters", len(figures), len(text))
    return figures
