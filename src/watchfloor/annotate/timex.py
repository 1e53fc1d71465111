"""Time expressions: find dates in text and resolve them against an anchor date.

Public surface:

``find_time_expressions(text, *, anchor, offset=0, day_first=True) -> list[TimeValue]``
    Every date expression in ``text``, in text order, resolved against
    ``anchor`` (the article's publication date).  ``TimeValue.span`` holds the
    expression's offsets plus ``offset`` (pass the sentence start to get
    document offsets).
``resolve_time(expr, *, anchor, day_first=True) -> TimeValue | None``
    One expression on its own ("October last year", "2017", "mid-2014").

Conventions (what callers can rely on):

* ``value`` is an ISO prefix (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) and
  ``start``/``end`` bound the interval it denotes, both inclusive.
* A day or month without a year takes the anchor's year, or the previous year
  when that would put it after the anchor ("December 28" in an article of
  2018-01-26 is 2017-12-28).  Without an anchor such expressions are skipped.
* Parts of a month ("early January", "mid-March", "the end of May") keep the
  month as ``value`` with precision ``MONTH``; ``start``/``end`` are narrowed
  to days 1-10, 11-20 or 21-end (first/second half: 1-15, 16-end).  This
  matches how event dates are scored (month precision) while keeping the
  narrower interval for fusion.
* Parts of a year ("early 2015", "mid-2014", "late 2016") have value ``YYYY``
  and precision ``YEAR``; ``start``/``end`` are Jan-Apr, May-Aug or Sep-Dec
  (first/second half: Jan-Jun, Jul-Dec).
* Seasons ("in the spring of 2016") have value ``YYYY`` and precision
  ``SEASON`` with northern-hemisphere meteorological bounds (spring Mar-May,
  summer Jun-Aug, autumn Sep-Nov, winter Dec of that year to Feb of the next).
* Weeks ("this week", "last week") have the ``YYYY-MM`` of their Monday as
  ``value`` and precision ``PART_OF_MONTH``; ``start``/``end`` are Monday-Sunday.
* A bare weekday ("on Tuesday") is the most recent such day on or before the
  anchor; "last Tuesday" is strictly before it; "next Tuesday" strictly after.
* Relative offsets ("two days later", "the next day", "the same year") count
  from the previously resolved expression in the same text, else the anchor;
  "N days ago", "yesterday", "last month" always count from the anchor.  The
  result is never more precise than the expression it counts from.
* Ranges ("between March 3 and 5", "from 2014 to 2016", "2014-2016") have the
  first endpoint's ``value``/``precision`` and ``start``/``end`` covering the
  whole range.  "since 2015" is a start bound: value ``2015`` with ``end`` set
  to the anchor (or the end of 2015 without an anchor).
* A year on its own is only a date with a cue: four digits 1900-2099 after a
  preposition ("in", "since", "by", "during", ...), a month or range word, in
  parentheses, or opening a sentence followed by "," / "was" / "saw"; never
  when followed by a counted noun ("2000 fighters").  Three-digit and
  comma-grouped numbers are never years.
* Numeric dates ("12/10/2017", "26.1.2018") are day-first unless
  ``day_first=False``; a part above 12 decides the order on its own.
* Non-English month names (French, Spanish, German, Arabic in both the
  Egyptian and Levantine series) are recognised, as are Arabic-Indic digits
  and the Arabic comma.  Matching is case-insensitive (MUC-4 text is all
  lower-case); the ambiguous month words "may" and "march" (and "mars",
  "mai") need a year, a day or a preposition next to them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from watchfloor.models import Precision, Span, TimeValue

log = logging.getLogger(__name__)

__all__ = ["find_time_expressions", "resolve_time"]

# --------------------------------------------------------------------------- tables

_EN_MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
_EN_ABBR = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_FOREIGN_MONTHS: dict[str, int] = {
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    # German
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12,
    # Arabic (Egyptian / Gulf series)
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9,
    "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Arabic (Levantine / Iraqi series)
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5,
    "حزيران": 6, "تموز": 7, "آب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10,
    "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
}  # fmt: skip
_AMBIGUOUS_MONTHS = frozenset({"may", "march", "mars", "mai", "julio", "august", "mar", "sept"})

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_FOREIGN_WEEKDAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "lunes": 0, "martes": 1, "miércoles": 2, "miercoles": 2, "jueves": 3, "viernes": 4, "sábado": 5, "sabado": 5,
    "domingo": 6,
}  # fmt: skip
_WEEKDAY_INDEX = {d: i for i, d in enumerate(_WEEKDAYS)} | _FOREIGN_WEEKDAYS

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "twenty": 20, "thirty": 30,
}  # fmt: skip

# Words that follow a number when it is a count, not a year ("2000 fighters").
_COUNT_NOUNS = (
    r"people|persons|men|women|children|civilians|fighters|militants|soldiers|troops|police(?:men)?|"
    r"members|families|households|refugees|dead|killed|wounded|injured|casualties|victims|"
    r"dollars|usd|euros|km|kilometres|kilometers|metres|meters|miles|tons|tonnes|rounds|hostages|"
    r"insurgents|rebels|guerrillas|residents|students|worshippers|worshipers|personnes|personas|menschen|%"
)

# Arabic-Indic and extended Arabic-Indic digits, and the Arabic comma: mapped one
# character to one character so offsets into the normalised copy stay valid.
_DIGIT_MAP = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)} | {0x060C: ","}


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_ALL_MONTHS: dict[str, int] = {m: i + 1 for i, m in enumerate(_EN_MONTHS)} | _FOREIGN_MONTHS
_FULL = _alternation(list(_ALL_MONTHS))
_ANY = _alternation(list(_ALL_MONTHS) + list(_EN_ABBR))
_MON_ANY = rf"(?P<m>{_ANY})(?!\w)\.?"
_MON_FULL = rf"(?P<m>{_FULL})(?!\w)"
_YEAR = r"(?:19|20)\d\d"
_DAY = r"[0-3]?\d"
_ORD = r"(?:st|nd|rd|th|er|º)?"
_RELYEAR = r"\s+(?:of\s+)?(?P<ry>last|this|next|the\s+same|the\s+previous|the\s+following|that)\s+year\b"
_NEG_THE = r"(?:the\s+)?"
_RANGE_WORD = r"(?:-|–|to|and|until|through|au|al|bis)"
_NUM = r"(?P<n>\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"

# part word -> (day span inside a month, month span inside a year)
_PARTS: list[tuple[str, tuple[int, int], tuple[int, int]]] = [
    (r"first\s+half\s+of", (1, 15), (1, 6)),
    (r"second\s+half\s+of", (16, 31), (7, 12)),
    (r"(?:the\s+)?first\s+(?:week|days|few\s+days)\s+of", (1, 10), (1, 4)),
    (r"(?:the\s+)?last\s+(?:week|days|few\s+days)\s+of", (21, 31), (9, 12)),
    (r"(?:the\s+)?(?:beginning|start)\s+of", (1, 10), (1, 4)),
    (r"(?:the\s+)?middle\s+of", (11, 20), (5, 8)),
    (r"(?:the\s+)?end\s+of", (21, 31), (9, 12)),
    (r"early|début|principios\s+de|comienzos\s+de|anfang", (1, 10), (1, 4)),
    (r"mid|mi|mediados\s+de|mitte", (11, 20), (5, 8)),
    (r"late|fin|finales\s+de|fines\s+de|ende", (21, 31), (9, 12)),
]
_PART_RE = "|".join(f"(?:{p})" for p, _, _ in _PARTS)

_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 14)}

_CUE_WORDS = (
    r"in|since|by|until|till|during|of|from|before|after|around|circa|through|throughout|between|"
    r"early|late|mid|year|years|as\s+of|en|depuis|desde|seit|im|ab|hasta|année|año|jahr"
)
_CUE_BEFORE = re.compile(rf"(?:(?<!\w)(?:{_CUE_WORDS})|عام|سنة|في|منذ|[(\[])\s*$", re.IGNORECASE)
_RANGE_CUE_BEFORE = re.compile(r"(?<!\w)(?:to|and|or|until|till|through)\s*$|[–—]\s*$", re.IGNORECASE)
_RECENT_DATE = re.compile(rf"(?<!\d){_YEAR}(?!\d)|(?<!\w)(?:{_FULL})(?!\w)", re.IGNORECASE)
_SENT_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
_SENT_YEAR_FOLLOW = re.compile(r"\s*(?:,|was\b|saw\b|has\b|had\b|marked\b|proved\b|brought\b)", re.IGNORECASE)
_AMBIG_CUE = re.compile(r"(?:(?<!\w)(?:on|of|since|until|till|by|from|between|before|after|in|to|and)|[(,])\s*$", re.I)
_SINCE_BEFORE = re.compile(r"(?<!\w)(?:since|depuis|desde|seit|منذ)\s*$", re.IGNORECASE)
_RANGE_START_BEFORE = re.compile(r"(?<!\w)(?:between|from|entre|du|de|del|von|zwischen)\s*$", re.IGNORECASE)
_RANGE_GAP = re.compile(r"^\s*(?:-|–|—|to|and|until|till|through|thru|au|à|a|y|al|bis|und|et)\s*$", re.IGNORECASE)
_DASH_GAP = re.compile(r"^\s*[-–—]\s*$")

# --------------------------------------------------------------------------- helpers

_ORDER = [Precision.DAY, Precision.PART_OF_MONTH, Precision.MONTH, Precision.SEASON, Precision.YEAR]


def _coarser(a: Precision, b: Precision) -> Precision:
    if a not in _ORDER or b not in _ORDER:
        return Precision.UNKNOWN
    return a if _ORDER.index(a) >= _ORDER.index(b) else b


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _value(day: dt.date, precision: Precision) -> str:
    if precision == Precision.DAY:
        return day.isoformat()
    if precision in (Precision.MONTH, Precision.PART_OF_MONTH):
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def _at(day: dt.date, precision: Precision) -> TimeValue:
    """The interval of ``precision`` containing ``day``."""
    if precision == Precision.DAY:
        start = end = day
    elif precision in (Precision.MONTH, Precision.PART_OF_MONTH):
        start, end = day.replace(day=1), _month_end(day.year, day.month)
    else:
        start, end = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    return TimeValue(value=_value(day, precision), precision=precision, start=start, end=end)


def _day(year: int, month: int, day: int) -> TimeValue | None:
    try:
        return _at(dt.date(year, month, day), Precision.DAY)
    except ValueError:
        return None


def _month(year: int, month: int) -> TimeValue:
    return _at(dt.date(year, month, 1), Precision.MONTH)


def _year(year: int) -> TimeValue:
    return _at(dt.date(year, 1, 1), Precision.YEAR)


def _infer_year(month: int, day: int | None, anchor: dt.date) -> int:
    """Anchor's year, or the one before if the date would fall after the anchor."""
    if (month, day or 1) > (anchor.month, anchor.day if day else 1):
        return anchor.year - 1
    return anchor.year


def _month_number(token: str) -> int | None:
    key = re.sub(r"\s+", " ", token.lower().rstrip("."))
    return _ALL_MONTHS.get(key) or _EN_ABBR.get(key)


def _two_digit_year(y: str, anchor: dt.date | None) -> int:
    n = int(y.lstrip("'"))
    pivot = ((anchor.year if anchor else dt.date.today().year) % 100) + 1
    return 2000 + n if n <= pivot else 1900 + n


def _shift(day: dt.date, *, days: int = 0, months: int = 0, years: int = 0) -> dt.date:
    if months or years:
        total = day.year * 12 + (day.month - 1) + months + years * 12
        y, m = divmod(total, 12)
        day = dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))
    return day + dt.timedelta(days=days)


def _number(token: str) -> int | None:
    token = token.lower()
    if token.isdigit():
        return int(token)
    return _NUMBER_WORDS.get(token)


# --------------------------------------------------------------------------- rules


@dataclass(slots=True)
class _State:
    """What a text has said so far: anchor and the previously resolved values."""

    anchor: dt.date | None
    day_first: bool
    previous: TimeValue | None = None
    last_year: int | None = None
    history: list[TimeValue] = field(default_factory=list)

    def reference(self) -> TimeValue | None:
        if self.previous is not None:
            return self.previous
        return _at(self.anchor, Precision.DAY) if self.anchor else None

    def year_for(self, ry: str | None, month: int, day: int | None) -> int | None:
        """The year a month (and day) without an explicit year falls in."""
        if ry:
            word = re.sub(r"\s+", " ", ry.lower())
            if word in ("the same", "that"):
                return self.last_year or (self.anchor.year if self.anchor else None)
            if self.anchor is None:
                return None
            base = self.anchor.year
            if word == "the previous":
                base = self.last_year or base
                return base - 1
            if word == "the following":
                return (self.last_year or base) + 1
            return base + {"last": -1, "this": 0, "next": 1}[word]
        if self.anchor is None:
            return None
        return _infer_year(month, day, self.anchor)


_Handler = Callable[[re.Match[str], _State], TimeValue | None]


@dataclass(slots=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    handler: _Handler
    check: Callable[[str, re.Match[str]], bool] | None = None
    group: str | None = None  # the span is this group's, not the whole match


def _h_iso(m: re.Match[str], st: _State) -> TimeValue | None:
    return _day(int(m["y"]), int(m["mo"]), int(m["d"]))


def _h_numeric(m: re.Match[str], st: _State) -> TimeValue | None:
    a, b = int(m["a"]), int(m["b"])
    y = int(m["y"]) if len(m["y"]) == 4 else _two_digit_year(m["y"], st.anchor)
    if a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        day, month = b, a
    elif st.day_first:
        day, month = a, b
    else:
        day, month = b, a
    return _day(y, month, day)


def _explicit_or_inferred_year(m: re.Match[str], st: _State, month: int, day: int | None) -> int | None:
    y = m.groupdict().get("y")
    if y:
        if len(y.lstrip("'")) == 2:
            return _two_digit_year(y, st.anchor)
        return int(y)
    return st.year_for(m.groupdict().get("ry"), month, day)


def _h_day_month(m: re.Match[str], st: _State) -> TimeValue | None:
    month = _month_number(m["m"])
    if month is None:
        return None
    day = int(m["d"])
    year = _explicit_or_inferred_year(m, st, month, day)
    if year is None:
        return None
    tv = _day(year, month, day)
    if tv is None:
        return None
    if m.groupdict().get("d2"):
        end = _day(year, month, int(m["d2"]))
        if end is None or end.start < tv.start:
            return None
        tv.end = end.end
    return tv


def _h_month_year(m: re.Match[str], st: _State) -> TimeValue | None:
    month = _month_number(m["m"])
    if month is None:
        return None
    year = _explicit_or_inferred_year(m, st, month, None)
    return _month(year, month) if year else None


def _h_rel_month(m: re.Match[str], st: _State) -> TimeValue | None:
    """ "last October", "this March", "next June"."""
    month = _month_number(m["m"])
    if month is None or st.anchor is None:
        return None
    rel = m["rel"].lower()
    year = st.anchor.year
    if rel in ("last", "past"):
        year = year if month < st.anchor.month else year - 1
    elif rel == "next":
        year = year if month > st.anchor.month else year + 1
    return _month(year, month)


def _part_bounds(word: str) -> tuple[tuple[int, int], tuple[int, int]]:
    for pattern, days, months in _PARTS:
        if re.fullmatch(pattern, word.strip(), re.IGNORECASE):
            return days, months
    return (1, 31), (1, 12)


def _h_part_month(m: re.Match[str], st: _State) -> TimeValue | None:
    tv = _h_month_year(m, st)
    if tv is None:
        return None
    (d1, d2), _ = _part_bounds(m["part"])
    last = tv.end.day
    tv.start = tv.start.replace(day=min(d1, last))
    tv.end = tv.end.replace(day=min(d2, last))
    return tv


def _h_part_year(m: re.Match[str], st: _State) -> TimeValue | None:
    if m["y"]:
        year: int | None = int(m["y"])
    else:
        year = st.year_for(m["ry"], 1, 1)
    if year is None:
        return None
    _, (m1, m2) = _part_bounds(m["part"])
    tv = _year(year)
    tv.start, tv.end = dt.date(year, m1, 1), _month_end(year, m2)
    return tv


def _season(name: str, year: int) -> TimeValue:
    first, last = _SEASONS[name.lower()]
    end_year, end_month = (year + 1, last - 12) if last > 12 else (year, last)
    return TimeValue(
        value=f"{year:04d}",
        precision=Precision.SEASON,
        start=dt.date(year, first, 1),
        end=_month_end(end_year, end_month),
    )


def _h_season_year(m: re.Match[str], st: _State) -> TimeValue | None:
    if m["y"]:
        return _season(m["season"], int(m["y"]))
    if st.anchor is None:
        return None
    rel = (m["rel"] or m["ry"] or "this").lower()
    year = st.anchor.year
    if rel in ("last", "past"):
        # the latest such season that ended before the anchor
        while _season(m["season"], year).end >= st.anchor:
            year -= 1
    elif rel == "next":
        while _season(m["season"], year).start <= st.anchor:
            year += 1
    return _season(m["season"], year)


def _h_year(m: re.Match[str], st: _State) -> TimeValue | None:
    return _year(int(m["y"]))


def _h_year_range(m: re.Match[str], st: _State) -> TimeValue | None:
    y1 = int(m["y"])
    raw = m["y2"]
    y2 = int(raw) if len(raw) == 4 else (y1 // 100) * 100 + int(raw)
    if y2 <= y1 or y2 - y1 > 50:
        return None
    tv = _year(y1)
    tv.end = dt.date(y2, 12, 31)
    return tv


def _h_deictic(m: re.Match[str], st: _State) -> TimeValue | None:
    if st.anchor is None:
        return None
    word = re.sub(r"\s+", " ", m["w"].lower())
    delta = {
        "yesterday": -1, "hier": -1, "ayer": -1, "gestern": -1, "the day before yesterday": -2,
        "today": 0, "tonight": 0, "aujourd'hui": 0, "hoy": 0, "heute": 0, "this morning": 0,
        "this evening": 0, "earlier today": 0, "last night": -1, "tomorrow": 1,
    }.get(word)  # fmt: skip
    if delta is None:
        return None
    return _at(st.anchor + dt.timedelta(days=delta), Precision.DAY)


def _week(monday: dt.date) -> TimeValue:
    return TimeValue(
        value=_value(monday, Precision.PART_OF_MONTH),
        precision=Precision.PART_OF_MONTH,
        start=monday,
        end=monday + dt.timedelta(days=6),
    )


def _unit_value(base: dt.date, unit: str, step: int) -> TimeValue:
    """The week/month/year ``step`` units from the one containing ``base``."""
    if unit == "week":
        return _week(base - dt.timedelta(days=base.weekday()) + dt.timedelta(weeks=step))
    if unit == "month":
        return _at(_shift(base.replace(day=1), months=step), Precision.MONTH)
    return _year(base.year + step)


def _h_rel_unit(m: re.Match[str], st: _State) -> TimeValue | None:
    """ "last month", "this week", "next year" (anchor-relative)."""
    if st.anchor is None:
        return None
    step = {"last": -1, "past": -1, "previous": -1, "this": 0, "current": 0, "next": 1, "coming": 1}[m["rel"].lower()]
    return _unit_value(st.anchor, m["unit"].lower(), step)


def _h_earlier_this(m: re.Match[str], st: _State) -> TimeValue | None:
    """ "earlier this year/month/week": from the unit's start to the anchor."""
    if st.anchor is None:
        return None
    tv = _unit_value(st.anchor, m["unit"].lower(), 0)
    tv.end = st.anchor
    return tv


def _offset_from(base: TimeValue, unit: str, n: int) -> TimeValue:
    unit = unit.lower().rstrip("s")
    if unit in ("day", "morning", "evening", "night", "afternoon"):
        day, unit_precision = _shift(base.start, days=n), Precision.DAY
    elif unit == "week":
        day, unit_precision = _shift(base.start, days=7 * n), Precision.DAY
    elif unit == "month":
        day, unit_precision = _shift(base.start, months=n), Precision.MONTH
    else:
        day, unit_precision = _shift(base.start, years=n), Precision.YEAR
    if base.precision in _ORDER and _ORDER.index(base.precision) > _ORDER.index(unit_precision):
        # "two days later" after "in 2016": no finer than the base, and never outside it
        return TimeValue(value=base.value, precision=base.precision, start=base.start, end=base.end)
    return _at(day, unit_precision)


def _h_ago(m: re.Match[str], st: _State) -> TimeValue | None:
    n = _number(m["n"])
    if n is None or st.anchor is None:
        return None
    return _offset_from(_at(st.anchor, Precision.DAY), m["unit"], -n)


def _h_later(m: re.Match[str], st: _State) -> TimeValue | None:
    n = _number(m["n"])
    base = st.reference()
    if n is None or base is None:
        return None
    sign = 1 if m["dir"].lower() in ("later", "after", "afterwards", "on") else -1
    return _offset_from(base, m["unit"], sign * n)


def _h_next_unit(m: re.Match[str], st: _State) -> TimeValue | None:
    """ "the next day", "the following week", "the previous day", "the day before"."""
    base = st.reference()
    if base is None:
        return None
    sign = 1 if m["dir"].lower() in ("next", "following", "after") else -1
    return _offset_from(base, m["unit"], sign)


def _h_same(m: re.Match[str], st: _State) -> TimeValue | None:
    """ "the same year", "that month", "the same day": the previous expression's unit."""
    unit = m["unit"].lower()
    base = st.reference()
    if unit == "year":
        year = st.last_year or (base.start.year if base else None)
        return _year(year) if year else None
    if base is None:
        return None
    if unit == "month":
        return _at(base.start, _coarser(Precision.MONTH, base.precision))
    if unit == "week":
        return _week(base.start - dt.timedelta(days=base.start.weekday()))
    return _at(base.start, base.precision)


def _h_weekday(m: re.Match[str], st: _State) -> TimeValue | None:
    if st.anchor is None:
        return None
    wd = _WEEKDAY_INDEX[m["wd"].lower()]
    rel = (m["rel"] or "").lower()
    if rel == "next":
        delta = (wd - st.anchor.weekday()) % 7 or 7
        return _at(st.anchor + dt.timedelta(days=delta), Precision.DAY)
    delta = (st.anchor.weekday() - wd) % 7
    if rel in ("last", "past") and delta == 0:
        delta = 7
    return _at(st.anchor - dt.timedelta(days=delta), Precision.DAY)


# --------------------------------------------------------------------------- cue checks


def _ambiguous_ok(text: str, m: re.Match[str]) -> bool:
    """ "may"/"march" need a capital letter, a year, or a preposition before the match."""
    token = m["m"]
    if token.lower().rstrip(".") not in _AMBIGUOUS_MONTHS:
        return True
    if m.groupdict().get("y") or m.groupdict().get("ry"):
        return True
    if token[0].isupper() and not text[max(0, m.start() - 1) : m.start()].isupper():
        return token.lower() != "may" or bool(re.match(r"\s*\d", text[m.end("m") :]))  # "May 5", not "May we"
    return bool(_AMBIG_CUE.search(text[max(0, m.start() - 12) : m.start()]))


def _abbr_year_ok(text: str, m: re.Match[str]) -> bool:
    y = m.groupdict().get("y")
    if y and len(y.lstrip("'")) == 2 and m["m"].lower().rstrip(".") not in _EN_ABBR:
        return False
    return _ambiguous_ok(text, m)


_ISSUE_BEFORE = re.compile(r"(?:\b(?:issue|volume|vol|no|number|page|pp?|art|article|chapter|section)\.?|#)\s*$", re.I)


def _day_month_ok(text: str, m: re.Match[str]) -> bool:
    """Not "Issue 11 - 29 June"; otherwise as ``_abbr_year_ok``."""
    if _ISSUE_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
        return False
    return _abbr_year_ok(text, m)


def _bare_month_ok(text: str, m: re.Match[str]) -> bool:
    token = m["m"]
    before = text[max(0, m.start() - 25) : m.start()]
    if _CUE_BEFORE.search(before):
        return True
    english = token.lower() in _EN_MONTHS
    return english and token[0].isupper() and token.lower() not in _AMBIGUOUS_MONTHS


def _year_ok(text: str, m: re.Match[str]) -> bool:
    s = m.start("y")
    before = text[max(0, s - 30) : s]
    if _CUE_BEFORE.search(before):
        return True
    if _RANGE_CUE_BEFORE.search(before):
        return bool(_RECENT_DATE.search(before))
    return bool(_SENT_START.search(before) and _SENT_YEAR_FOLLOW.match(text, m.end("y")))


def _weekday_ok(text: str, m: re.Match[str]) -> bool:
    """French/Spanish weekdays are written lower-case; "Domingo" is a name."""
    token = m["wd"]
    return token.lower() in _WEEKDAYS or token.islower()


def _capitalised_name_ok(text: str, m: re.Match[str]) -> bool:
    """Reject "Today" in outlet names ("Pakistan Today", "USA Today")."""
    word = m["w"]
    if not word[0].isupper():
        return True
    before = text[max(0, m.start() - 30) : m.start()]
    prev = re.search(r"(\w+)\W*$", before)
    return not (prev and prev.group(1)[0].isupper() and not _SENT_START.search(before))


# --------------------------------------------------------------------------- rule table

_F = re.IGNORECASE


def _rules() -> list[_Rule]:
    wd = _alternation(list(_WEEKDAY_INDEX))
    no_count = rf"(?!\s*(?:{_COUNT_NOUNS})(?!\w))"
    return [
        _Rule("iso", re.compile(rf"(?<![\d/.-])(?P<y>{_YEAR})[-/](?P<mo>[01]\d)[-/](?P<d>[0-3]\d)(?![\d])"), _h_iso),
        _Rule(
            "numeric",
            re.compile(rf"(?<![\d/.])(?P<a>{_DAY})[/.](?P<b>{_DAY})[/.](?P<y>{_YEAR}|\d\d)(?![\d/]|\.\d)"),
            _h_numeric,
        ),
        _Rule(
            "month_day",
            re.compile(
                rf"(?<!\w){_MON_ANY}\s+(?P<d>{_DAY}){_ORD}(?!\d)"
                rf"(?:\s*{_RANGE_WORD}\s*(?P<d2>{_DAY}){_ORD}(?![\d,]))?"
                rf"(?:\s*[,.]?\s*(?P<y>{_YEAR})(?!\d)|{_RELYEAR})?(?!\s*(?:{_COUNT_NOUNS})(?!\w))",
                _F,
            ),
            _h_day_month,
            _abbr_year_ok,
        ),
        _Rule(
            "day_month",
            re.compile(
                rf"(?<![\w,.]){_NEG_THE}(?P<d>{_DAY}){_ORD}\.?"
                rf"(?:\s*{_RANGE_WORD}\s*(?P<d2>{_DAY}){_ORD}\.?)?"
                rf"\s*(?:of\s+|de\s+)?{_MON_ANY}"
                rf"(?:\s*,?\s*(?:de\s+|del\s+)?(?P<y>{_YEAR}(?!\d|'?s\b)|'?\d\d(?![\d,]))|{_RELYEAR})?",
                _F,
            ),
            _h_day_month,
            _day_month_ok,
        ),
        _Rule(
            "month_year",
            re.compile(rf"(?<!\w){_MON_ANY}\s*,?\s*(?:de\s+|del\s+|of\s+)?(?P<y>{_YEAR})(?!\d){no_count}", _F),
            _h_month_year,
        ),
        _Rule("month_relyear", re.compile(rf"(?<!\w){_MON_FULL}{_RELYEAR}", _F), _h_month_year),
        _Rule("rel_month", re.compile(rf"(?<!\w)(?P<rel>last|this|next|past)\s+{_MON_FULL}", _F), _h_rel_month),
        _Rule(
            "part_month",
            re.compile(
                rf"(?<!\w)(?P<part>{_PART_RE})[-\s]+{_MON_FULL}"
                rf"(?:\s*,?\s*(?:de\s+)?(?P<y>{_YEAR})(?!\d)|{_RELYEAR})?",
                _F,
            ),
            _h_part_month,
        ),
        _Rule(
            "part_year",
            re.compile(
                rf"(?<!\w)(?P<part>{_PART_RE})[-\s]+(?:(?P<y>{_YEAR})(?!\d){no_count}"
                rf"|(?P<ry>last|this|next)\s+year\b)(?!'?s\b)",
                _F,
            ),
            _h_part_year,
        ),
        _Rule(
            "season",
            re.compile(
                r"(?<!\w)(?:the\s+)?(?:(?P<rel>last|this|next|past)\s+)?(?P<season>spring|summer|autumn|fall|winter)"
                rf"(?:\s+(?:of\s+)?(?P<y>{_YEAR})(?!\d)|\s+(?:of\s+)?(?P<ry>last|this|next)\s+year\b)?",
                _F,
            ),
            _h_season_year,
            lambda text, m: bool(m["y"] or m["rel"] or m["ry"]),
        ),
        _Rule(
            "year_range",
            re.compile(rf"(?<![\w/.-])(?P<y>{_YEAR})\s*[-–—/]\s*(?P<y2>{_YEAR}|\d\d)(?![\w/-])"),
            _h_year_range,
        ),
        _Rule(
            "year",
            re.compile(rf"(?<![\w.,/-])(?P<y>{_YEAR})(?![\w/]|'s\b|[.,]\d|\s*-\s*\d){no_count}"),
            _h_year,
            _year_ok,
            group="y",
        ),
        _Rule("month", re.compile(rf"(?<!\w){_MON_FULL}", _F), _h_month_year, _bare_month_ok),
        _Rule(
            "deictic",
            re.compile(
                r"(?<!\w)(?P<w>the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow|last\s+night|"
                r"this\s+morning|this\s+evening|earlier\s+today|hier|aujourd'hui|ayer|hoy|gestern|heute)(?!\w)",
                _F,
            ),
            _h_deictic,
            _capitalised_name_ok,
        ),
        _Rule(
            "rel_unit",
            re.compile(r"(?<!\w)(?P<rel>last|this|current|next|coming)\s+(?P<unit>week|month|year)(?!\w)", _F),
            _h_rel_unit,
        ),
        _Rule(
            "earlier_this", re.compile(r"(?<!\w)earlier\s+this\s+(?P<unit>week|month|year)(?!\w)", _F), _h_earlier_this
        ),
        _Rule(
            "ago",
            re.compile(rf"(?<!\w){_NUM}\s+(?P<unit>days?|weeks?|months?|years?)\s+ago(?!\w)", _F),
            _h_ago,
        ),
        _Rule(
            "later",
            re.compile(
                rf"(?<!\bthan\s)(?<!\bwithin\s)(?<!\bfor\s)(?<!\bover\s)(?<!\babout\s)(?<!\bnearly\s)"
                rf"(?<!\w){_NUM}\s+(?P<unit>days?|weeks?|months?|years?)\s+"
                r"(?P<dir>later|earlier|before|after|afterwards|previously|on)(?!\w)",
                _F,
            ),
            _h_later,
        ),
        _Rule(
            "next_unit",
            re.compile(
                r"(?<!\w)the\s+(?:(?P<dir>next|following|previous|preceding)\s+"
                r"(?P<unit>day|morning|evening|night|week|month|year)"
                r"|(?P<unit2>day|night|week|month|year)\s+(?P<dir2>before|after)(?!\s+\w+ing\b))(?!\w)",
                _F,
            ),
            _h_next_or_before,
        ),
        _Rule(
            "same",
            re.compile(r"(?<!\w)(?:the\s+same|that)\s+(?P<unit>day|week|month|year)(?!\w)", _F),
            _h_same,
        ),
        _Rule(
            "weekday",
            re.compile(rf"(?<!\w)(?:(?P<rel>last|next|this|past)\s+)?(?P<wd>{wd})(?!\w)", _F),
            _h_weekday,
            _weekday_ok,
        ),
    ]


def _h_next_or_before(m: re.Match[str], st: _State) -> TimeValue | None:
    if m["unit2"]:
        base = st.reference()
        if base is None:
            return None
        sign = 1 if m["dir2"].lower() == "after" else -1
        return _offset_from(base, m["unit2"], sign)
    return _h_next_unit(m, st)


# --------------------------------------------------------------------------- engine


@dataclass(slots=True)
class _Candidate:
    start: int
    end: int
    rank: int
    rule: _Rule
    match: re.Match[str]


_RULES: list[_Rule] | None = None


def _rule_table() -> list[_Rule]:
    global _RULES
    if _RULES is None:
        _RULES = _rules()
    return _RULES


def _candidates(norm: str, *, loose: bool) -> list[_Candidate]:
    found: list[_Candidate] = []
    for rank, rule in enumerate(_rule_table()):
        for m in rule.pattern.finditer(norm):
            if rule.check is not None and not rule.check(norm, m):
                # a lone expression ("2017", "May") is a date by construction
                whole = loose and m.start() == 0 and m.end() == len(norm.rstrip())
                if not whole:
                    continue
            start, end = (m.start(rule.group), m.end(rule.group)) if rule.group else m.span()
            found.append(_Candidate(start, end, rank, rule, m))
    # longest first at each position, then earlier rules
    found.sort(key=lambda c: (c.start, -(c.end - c.start), c.rank))
    chosen: list[_Candidate] = []
    for cand in sorted(found, key=lambda c: (-(c.end - c.start), c.rank, c.start)):
        if all(cand.end <= o.start or cand.start >= o.end for o in chosen):
            chosen.append(cand)
    chosen.sort(key=lambda c: c.start)
    return chosen


def _same_year_as(first: TimeValue, second: TimeValue, first_text: str) -> TimeValue:
    """In "between March and June 2022" the first end takes the second's year when it had none of its own."""
    if re.search(r"\d{4}", first_text) or first.precision not in (Precision.DAY, Precision.MONTH):
        return first
    if first.start <= second.end and first.start.year == second.start.year:
        return first
    try:
        start = first.start.replace(year=second.start.year)
        end = first.end.replace(year=second.start.year)
    except ValueError:  # 29 February
        return first
    if start > second.end:
        return first
    return TimeValue(value=_value(start, first.precision), precision=first.precision, start=start, end=end)


def _merge_ranges(norm: str, values: list[tuple[int, int, TimeValue]]) -> list[tuple[int, int, TimeValue]]:
    """Join "between X and Y" / "from X to Y" / "X - Y" into one range value."""
    out: list[tuple[int, int, TimeValue]] = []
    for start, end, tv in values:
        if out:
            p_start, p_end, prev = out[-1]
            gap = norm[p_end:start]
            opened = _RANGE_START_BEFORE.search(norm[max(0, p_start - 12) : p_start])
            if _RANGE_GAP.match(gap) and (opened or _DASH_GAP.match(gap)):
                prev = _same_year_as(prev, tv, norm[p_start:p_end])
            if _RANGE_GAP.match(gap) and (opened or _DASH_GAP.match(gap)) and tv.end >= prev.start:
                prev.end = max(prev.end, tv.end)
                out[-1] = (p_start, end, prev)
                continue
        out.append((start, end, tv))
    return out


def _find(text: str, *, anchor: dt.date | None, offset: int, day_first: bool, loose: bool) -> list[TimeValue]:
    norm = text.translate(_DIGIT_MAP)
    state = _State(anchor=anchor, day_first=day_first)
    resolved: list[tuple[int, int, TimeValue]] = []
    for cand in _candidates(norm, loose=loose):
        try:
            tv = cand.rule.handler(cand.match, state)
        except (ValueError, OverflowError) as exc:  # impossible dates, out-of-range shifts
            log.debug("time expression %r not resolved: %s", cand.match.group(0), exc)
            tv = None
        if tv is None:
            continue
        state.previous = tv
        if cand.rule.name not in ("same", "later", "next_unit", "weekday", "deictic", "ago", "rel_unit"):
            state.last_year = tv.start.year
        resolved.append((cand.start, cand.end, tv))
    out: list[TimeValue] = []
    for start, end, tv in _merge_ranges(norm, resolved):
        if _SINCE_BEFORE.search(norm[max(0, start - 10) : start]):
            tv.end = max(anchor, tv.end) if anchor else tv.end
        tv.text = text[start:end]
        tv.span = Span(start=start + offset, end=end + offset, text=text[start:end])
        out.append(tv)
    return out


def find_time_expressions(
    text: str, *, anchor: dt.date | None, offset: int = 0, day_first: bool = True
) -> list[TimeValue]:
    """Every date expression in ``text``, resolved against ``anchor``, in text order.

    ``anchor`` is the article's publication date (``None`` when unknown: then
    only expressions carrying their own year are returned).  ``offset`` is
    added to each ``span`` so that sentence-level calls yield document
    offsets.  ``day_first`` decides ambiguous numeric dates ("12/10/2017").
    See the module docstring for the conventions on precision and ranges.
    """
    return _find(text, anchor=anchor, offset=offset, day_first=day_first, loose=False)


def resolve_time(expr: str, *, anchor: dt.date | None, day_first: bool = True) -> TimeValue | None:
    """Resolve one time expression ("October last year", "2017", "mid-2014").

    Returns the value covering the largest part of ``expr`` or ``None`` when
    nothing in it is a date.  Unlike ``find_time_expressions``, a bare year or
    month is accepted without a contextual cue.
    """
    values = _find(expr.strip(), anchor=anchor, offset=0, day_first=day_first, loose=True)
    if not values:
        return None
    return max(values, key=lambda tv: len(tv.text))
