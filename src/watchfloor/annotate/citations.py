"""Cited sources: parenthetical source notes and inline attributions.

Public surface:

``find_citations(text, *, anchor, offset=0) -> list[Citation]``
    Every source ``text`` cites, in text order.  ``anchor`` (the article's
    publication date) completes dates without a year ("(Pakistan Today,
    January 8)").  ``Citation.span`` covers the note or the attribution phrase,
    shifted by ``offset``.
``is_outlet(name) -> bool``
    Whether a name is a known outlet/agency or is shaped like one ("... News",
    "... Times", "... Press Agency").

What is recognised:

* Parenthetical notes "(Outlet, Month D, YYYY)", "(Outlet, D Month YYYY)",
  "(Outlet, Month D)", "(Outlet [Country], Month D, YYYY)" (the bracketed
  country is dropped from ``outlet``), typos such as "March 18. 2017", and
  several notes separated by ";" (one ``Citation`` each).  Outlet names may
  contain dashes ("MENAFN – Afghanistan Times").  A dateless note counts only
  when its content is a known outlet ("(Reuters)", "(efe)") or a
  "Source: ..." caption.  Footnote markers ("[1]") and other asides ("(ISK-P)",
  "(a.k.a. ...)") are not citations.
* Inline attributions: "according to Reuters", "Reuters reported",
  "a spokesman told AFP", "claimed via Amaq", "said in a statement on its
  Telegram channel" (outlet "Telegram"), "according to <Person>, a spokesman
  for ..." and "<Person>, a spokesman for ..., said" (``person`` set),
  "spokesman <Person> said".  Inline citations carry no date.

The outlet lexicon below is general knowledge of the field (wire services,
major international and regional outlets, monitoring groups, armed groups'
media wings); anything else is found by shape, not by name.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import lru_cache

from watchfloor.annotate.timex import resolve_time
from watchfloor.models import Citation, Precision, Span

log = logging.getLogger(__name__)

__all__ = ["find_citations", "is_outlet"]

_OUTLETS = """
Reuters|AFP|Agence France-Presse|Agence France Presse|AP|Associated Press|Xinhua|TASS|RIA Novosti|Interfax|
Anadolu|Anadolu Agency|EFE|Europa Press|ANSA|dpa|Kyodo|Yonhap|Notimex|Prensa Latina|ACAN-EFE|Lusa|
BBC|BBC News|BBC Monitoring|Al Jazeera|Al-Jazeera|CNN|Sky News|France 24|RFI|Radio France Internationale|
Deutsche Welle|DW|Voice of America|VOA|Radio Free Europe|Radio Liberty|RFE/RL|Radio Free Asia|
The New York Times|New York Times|The Washington Post|Washington Post|The Guardian|The Wall Street Journal|
Wall Street Journal|Financial Times|The Economist|The Independent|The Telegraph|The Times|Bloomberg|
Al Arabiya|Al-Arabiya|Asharq Al-Awsat|Al-Monitor|The National|Arab News|Gulf News|Rudaw|Kurdistan24|
Shafaq News|SANA|Enab Baladi|Syrian Observatory for Human Rights|SOHR|Iraqi News Agency|INA|Al Mayadeen|
Al-Manar|Al Masirah|Al-Masirah|Saba|Saba News Agency|Yemen Monitor|Press TV|IRNA|Tasnim|Fars|
Dawn|Express Tribune|The Express Tribune|The News|The Nation|Geo News|ARY News|Daily Times|Pakistan Today|
Associated Press of Pakistan|APP|The Friday Times|Pajhwok|Pajhwok Afghan News|TOLOnews|Tolo News|
Khaama Press|Ariana News|Afghanistan Times|Bakhtar News Agency|Afghan Islamic Press|MENAFN|
The Hindu|Hindustan Times|Times of India|The Times of India|NDTV|Press Trust of India|PTI|The Diplomat|
Premium Times|Punch|Vanguard|Daily Trust|HumAngle|Sahara Reporters|Channels TV|The Cable|This Day|ThisDay|
News Agency of Nigeria|NAN|Garowe Online|Hiiraan Online|Shabelle|Radio Shabelle|Radio Dalsan|Somali Guardian|
Radio Mogadishu|SONNA|Daily Nation|The Standard|The EastAfrican|Addis Standard|Sudan Tribune|
Jeune Afrique|Le Monde|Le Figaro|Libération|Mali Web|Sahel Intelligence|Studio Tamani|Radio Omega|
APA|Agence de Presse Africaine|Club of Mozambique|Carta de Moçambique|Zitamar|Zitamar News|Cabo Ligado|
Philippine Daily Inquirer|Inquirer|Rappler|ABS-CBN|ABS-CBN News|GMA News|Philstar|The Philippine Star|
Manila Bulletin|Philippine News Agency|PNA|Mindanao Times|El Tiempo|El Espectador|Semana|Caracol Radio|
RCN Radio|Blu Radio|El Colombiano|Infobae|Clarín|La Nación|
Amaq|Amaq News Agency|Nashir|al-Naba|Al-Naba|Al-Furqan|Al-Hayat Media Center|As-Sahab|Al-Kataib|
Shahada News Agency|Az-Zallaqa|Al-Zallaqa|Thabat|Ebaa|Al-Emarah|Voice of Jihad|Umar Media|Al-Andalus|
SITE Intelligence|SITE Intelligence Group|Long War Journal|FDD's Long War Journal|Critical Threats|ACLED|
Crisis Group|International Crisis Group|ICG|Human Rights Watch|HRW|Amnesty International|UNAMA|OCHA|
Afghanistan Analysts Network|AAN|Jamestown Foundation|Terrorism Monitor|CTC Sentinel|Airwars|Bellingcat|
Telegram|Twitter|X|Facebook|YouTube|WhatsApp
"""

_OUTLET_SUFFIX = re.compile(
    r"(?:News|Times|Tribune|Post|Press|Agency|Herald|Journal|Gazette|Daily|TV|Television|Radio|Channel|Observer|"
    r"Monitor|Chronicle|Express|Network|Online|Media|Reporters|Review|Standard|Telegraph|Guardian|Mail|Wire|"
    r"Today|Inquirer|Bulletin|Star|Sun|Dispatch|Courier|Insider|Report|Intelligence|Weekly|Magazine|Broadcasting|"
    r"Corporation|Centre|Center|Foundation|Institute|Agence|Presse|Research|Studies|Observatory|Tracker)$"
)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    names = [n.strip() for n in _OUTLETS.replace("\n", "").split("|") if n.strip()]
    return {n.lower(): n for n in names}


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip()).lower()


def is_outlet(name: str) -> bool:
    """A known outlet or agency, or a capitalised name ending like one ("Kabul Times")."""
    clean = re.sub(r"\s*\[[^\]]*\]\s*", " ", name).strip()
    if _norm(clean) in _lexicon():
        return True
    words = clean.split()
    return 1 < len(words) <= 8 and words[0][:1].isupper() and bool(_OUTLET_SUFFIX.search(clean))


# --------------------------------------------------------------------------- parenthetical notes

_PAREN = re.compile(r"\(([^()]{2,400})\)")
_SOURCE_PREFIX = re.compile(r"^\s*(?:source|sources|photo|image|credit|via)\s*:\s*", re.IGNORECASE)
_COUNTRY_TAG = re.compile(r"\s*\[[^\]]{1,40}\]")
_OUTLET_SHAPE = re.compile(r"^(?:the\s+)?[\w\"'“‘][^,;:!?]{0,80}$", re.IGNORECASE)
_SENTENCEY = re.compile(
    r"\b(?:is|are|was|were|has|have|had|said|says|which|who|that|when|because|also|known|formerly|a\.k\.a|aka)\b",
    re.IGNORECASE,
)


_SHAPE_ANCHOR = dt.date(2000, 1, 1)  # only used to test whether a remainder is date-shaped


def _note_date(part: str, anchor: dt.date | None) -> tuple[str, dt.date | None] | None:
    """Split "Outlet, <date>" into the outlet and the date; ``None`` when there is no trailing date."""
    for comma in [m.start() for m in re.finditer(r"[,،]", part)]:
        outlet, rest = part[:comma].strip(), part[comma + 1 :].strip().rstrip(".")
        if not outlet or not rest or len(rest) > 40:
            continue
        tv = resolve_time(rest, anchor=anchor or _SHAPE_ANCHOR)
        if tv is None or tv.precision not in (Precision.DAY, Precision.MONTH, Precision.YEAR):
            continue
        if len(tv.text) < len(rest) - 2:  # the date must be the whole remainder
            continue
        if anchor is None and resolve_time(rest, anchor=None) is None:
            return outlet, None  # "January 8" with no anchor: a note, but its year is unknown
        return outlet, tv.start
    return None


def _outlet_ok(outlet: str) -> bool:
    if not _OUTLET_SHAPE.match(outlet) or len(outlet.split()) > 9:
        return False
    first = outlet.lstrip("\"'“‘")[:1]
    return (first.isupper() or first.isdigit() or _norm(outlet) in _lexicon()) and not _SENTENCEY.search(outlet)


def _parenthetical(text: str, anchor: dt.date | None) -> list[Citation]:
    found: list[Citation] = []
    for m in _PAREN.finditer(text):
        inner_start = m.start(1)
        pos = 0
        for part in m.group(1).split(";"):
            part_start = inner_start + pos + (len(part) - len(part.lstrip()))
            pos += len(part) + 1
            raw = part.strip()
            if not raw:
                continue
            body = _SOURCE_PREFIX.sub("", raw)
            prefixed = body != raw
            split = _note_date(body, anchor)
            if split is not None:
                outlet, date = split
            elif prefixed or _norm(body) in _lexicon():
                outlet, date = body, None
            else:
                continue
            outlet = _COUNTRY_TAG.sub("", outlet).strip()
            if not _outlet_ok(outlet):
                continue
            end = part_start + len(raw)
            found.append(
                Citation(
                    outlet=_lexicon().get(_norm(outlet), outlet),
                    date=date,
                    text=raw,
                    span=Span(start=part_start, end=end, text=text[part_start:end]),
                )
            )
    return found


# --------------------------------------------------------------------------- inline attributions

_TITLE = r"(?:(?:Dr|Mr|Mrs|Ms|Gen|Col|Capt|Lt|Maj|Sgt|Brig|Cdr|Prof)\.\s+)"
_CAP = r"(?:[A-Z][\w'’&/-]*|[A-Z]\.)"  # a capitalised word or an initial; no dots that could end a sentence
_NAME = rf"(?:{_CAP}|al-\w+|el-\w+|bin|ibn|ul|de|del|da|van|von)"
_PNAME = rf"(?P<name>{_TITLE}?{_CAP}(?:\s+{_NAME}){{0,5}})"
_ROLE = (
    r"spokes(?:man|woman|person)|official|officer|commander|governor|chief|minister|head|director|leader|"
    r"analyst|researcher|expert|resident|witness|member|lawmaker|senator|mayor|deputy|general|colonel|major|"
    r"captain|lieutenant|representative|envoy|adviser|advisor|secretary|president|elder|doctor|source|"
    r"commissioner|administrator|mayor|prefect|councillor|councilor|chairman|imam|activist|journalist"
)
_OUTLET_NAME = rf"(?P<name>(?:the\s+)?{_CAP}(?:\s+(?:{_CAP}|of|for|and|–|-)){{0,5}})"

_INLINE: list[tuple[str, re.Pattern[str]]] = [
    # according to <Person>, a spokesman for ...
    (
        "person",
        re.compile(rf"\b(?i:according\s+to)\s+{_PNAME},\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){{0,3}}?(?:{_ROLE})\b"),
    ),
    # according to a police spokesman, <Person>,
    (
        "person",
        re.compile(rf"\b(?i:according\s+to)\s+(?:a|an|the)\s+[^,.;()]{{0,50}}?\b(?:{_ROLE}),\s+{_PNAME},"),
    ),
    # a community leader, <Person>, said / a spokesman for the command, <Person>, said
    (
        "person",
        re.compile(
            rf"\b(?i:{_ROLE})\b[^,.;()]{{0,70}}?,\s+{_PNAME},\s+"
            r"(?:said|told|stated|confirmed|added|claimed|announced|noted)\b"
        ),
    ),
    # <Person>, a spokesman for the governor, said
    (
        "person",
        re.compile(
            rf"{_PNAME},\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){{0,3}}?(?:{_ROLE})\b[^.;()]{{0,90}}?,?\s+"
            r"(?:said|told|stated|confirmed|added|claimed|announced|noted)\b"
        ),
    ),
    # spokesman <Person> said
    (
        "person",
        re.compile(rf"\b(?:{_ROLE})\s+{_PNAME}\s+(?:said|told|stated|confirmed|added|claimed|announced)\b"),
    ),
    ("outlet", re.compile(rf"\b(?i:according\s+to)\s+{_OUTLET_NAME}")),
    (
        "outlet",
        re.compile(
            rf"{_OUTLET_NAME}\s+(?:(?:news\s+agency|agency|channel|newspaper|daily|television|radio)\s+)?"
            r"(?:reported|reports|said|says|quoted|cited|carried|published|broadcast|aired|announced)\b"
        ),
    ),
    (
        "outlet",
        re.compile(
            rf"\b(?:told|telling|said\s+to|speaking\s+to|interview\s+with|reported\s+by|quoted\s+by|cited\s+by|"
            rf"carried\s+by|published\s+by|released\s+by|broadcast\s+by|aired\s+by|via|through)\s+"
            rf"(?:its\s+|their\s+|the\s+group's\s+)?{_OUTLET_NAME}"
        ),
    ),
    # a statement on its Telegram channel / posted on Twitter
    (
        "outlet",
        re.compile(
            r"\b(?:on|via|through)\s+(?:its|their|his|the\s+group's|an?|the)?\s*"
            r"(?:official\s+)?(?P<name>Telegram|Twitter|X|Facebook|YouTube|WhatsApp|Rocket\.Chat)\b"
            r"(?:\s+(?:channel|account|page|feed))?",
            re.IGNORECASE,
        ),
    ),
]

_NOT_PERSON = re.compile(
    r"\b(?:Ministry|Police|Army|Forces|Force|Government|Council|Office|Department|Command|Agency|Province|"
    r"State|Group|Movement|Front|Party|Committee|Commission|Directorate|Corps|Brigade|Battalion|Regiment)\b"
)
_TRAILING = re.compile(r"(?:\s+(?:of|for|and|–|-|de|del|da|van|von|bin|ibn|ul))+$")


def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip().rstrip(".,’'")
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE) if name.lower().startswith("the ") else name
    return _TRAILING.sub("", name)


def _outlet_name(name: str) -> str | None:
    """The longest prefix of ``name`` that is an outlet, with the lexicon's spelling."""
    words = name.split()
    for n in range(len(words), 0, -1):
        candidate = " ".join(words[:n])
        for form in (candidate, f"The {candidate}"):
            if _norm(form) in _lexicon():
                return _lexicon()[_norm(form)]
    return name if is_outlet(name) else None  # by shape only the whole name, never a cut one


_CASELESS_SKIP = frozenset({"app", "nan", "ina", "x", "ap", "dw", "pna", "punch", "vanguard", "semana", "inquirer"})


@lru_cache(maxsize=1)
def _caseless_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Lexicon names matched in any case (MUC-4 text is lower-case): multi-word names and long acronyms."""
    names = [
        n
        for n in _lexicon().values()
        if (" " in n or (n.isupper() and len(n) >= 3) or len(n) >= 5) and n.lower() not in _CASELESS_SKIP
    ]
    alternation = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))
    name = rf"(?P<name>{alternation})(?![\w-])"
    return [
        (
            "outlet",
            re.compile(
                rf"(?<!\w)(?:according\s+to|told|via|reported\s+by|quoted\s+by|cited\s+by|carried\s+by|"
                rf"broadcast\s+by)\s+(?:the\s+)?{name}",
                re.IGNORECASE,
            ),
        ),
        ("outlet", re.compile(rf"(?<![\w-]){name}\s+(?:has\s+)?(?:reported|reports|said|quoted)\b", re.IGNORECASE)),
    ]


def _inline(text: str) -> list[Citation]:
    found: list[Citation] = []
    for kind, pattern in _INLINE + _caseless_patterns():
        for m in pattern.finditer(text):
            raw = m["name"]
            name = _clean_name(raw)
            if not name:
                continue
            start = m.start("name") + raw.find(name.split()[0]) if name.split()[0] in raw else m.start("name")
            if kind == "person":
                if _NOT_PERSON.search(name) or _outlet_name(name) or len(name.split()) < 2:
                    continue
                citation = Citation(person=name)
            else:
                outlet = _outlet_name(name)
                if outlet is None:
                    continue
                citation = Citation(outlet=outlet)
            citation.text = m.group(0).strip()
            citation.span = Span(start=m.start(), end=m.end(), text=m.group(0))
            log.debug("inline citation %r at %d (name at %d)", citation.text, m.start(), start)
            found.append(citation)
    return found


def _dedupe(citations: list[Citation]) -> list[Citation]:
    """Drop citations whose span lies inside another's (parenthetical notes win over inline matches)."""
    out: list[Citation] = []
    for c in sorted(citations, key=lambda c: (c.span.start if c.span else 0, -(c.span.end if c.span else 0))):
        assert c.span is not None
        clash = next(
            (
                o
                for o in out
                if o.span is not None
                and c.span.start < o.span.end
                and o.span.start < c.span.end
                and (o.outlet == c.outlet or o.person == c.person or o.date is not None)
            ),
            None,
        )
        if clash is None:
            out.append(c)
    return out


def find_citations(text: str, *, anchor: dt.date | None, offset: int = 0) -> list[Citation]:
    """Every source ``text`` cites (parenthetical notes and inline attributions), in text order.

    See the module docstring for the recognised forms.  Dates without a year
    take ``anchor``'s year (or the previous one when that would be after the
    anchor); without an anchor such notes keep ``date=None``.
    """
    notes = _parenthetical(text, anchor)
    citations = _dedupe(notes + _inline(text))
    for c in citations:
        if c.span is not None and offset:
            c.span = Span(start=c.span.start + offset, end=c.span.end + offset, text=c.span.text)
    return citations
