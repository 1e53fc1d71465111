"""Finding and parsing calendar dates in report text, in several languages and scripts.

Numeric dates are day-first (26/1/2018) unless that is impossible (1/26/2018).
Month names: English, French, Spanish, Portuguese, Italian, German, Russian and
Arabic (Egyptian/Gulf names, Levantine names and the Maghreb names), with
Arabic-Indic digits and the Arabic comma.  The tables are our own; no network.

Besides bare dates, the news dateline conventions are read: a place or an
outlet, a separator and the date ("Kabul, 12 December 2023", "Levant Wire —
27 November 2023", "Lake Chad Monitor | 3 May 2024"), labelled lines
("Published: 2023-11-27", "Posted on 27/11/2023 by Jane Doe", "Updated ..."),
and the dateline that opens the first paragraph of a wire story ("BAMAKO,
Mali — 4 June 2024: ...", "MOGADISHU, March 3 (Reuters) - ...").  An agency
dateline often gives only the month and day: that is a ``MonthDay`` whose year
the caller resolves from the page's other dates (``MonthDay.latest_not_after``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

log = logging.getLogger(__name__)

_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "enero", "ene", "janeiro", "gennaio", "januar", "jänner", "januari",
        "января", "январь", "يناير", "كانون الثاني", "جانفي", "ينایر"),
    2: ("february", "feb", "février", "fevrier", "févr", "fevr", "febrero", "fevereiro", "febbraio", "februar",
        "februari", "февраля", "февраль", "فبراير", "شباط", "فيفري", "فبرایر"),
    3: ("march", "mar", "mars", "marzo", "março", "marco", "märz", "maerz", "maart", "марта", "март", "مارس",
        "آذار", "اذار", "أذار"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile", "апреля", "апрель", "أبريل", "ابريل", "إبريل",
        "نيسان", "أفريل", "افريل"),
    5: ("may", "mai", "mayo", "maio", "maggio", "mei", "мая", "май", "مايو", "أيار", "ايار", "ماي"),
    6: ("june", "jun", "juin", "junio", "junho", "giugno", "juni", "июня", "июнь", "يونيو", "يونيه", "حزيران",
        "جوان"),
    7: ("july", "jul", "juillet", "juil", "julio", "julho", "luglio", "juli", "июля", "июль", "يوليو", "يوليه",
        "تموز", "جويلية"),
    8: ("august", "aug", "août", "aout", "agosto", "ago", "augusti", "augustus", "августа", "август", "أغسطس",
        "اغسطس", "آب", "اب", "أوت", "اوت"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "setembro", "settembre", "сентября",
        "сентябрь", "سبتمبر", "أيلول", "ايلول", "شتنبر"),
    10: ("october", "oct", "octobre", "octubre", "outubro", "ottobre", "oktober", "okt", "октября", "октябрь",
         "أكتوبر", "اكتوبر", "تشرين الأول", "تشرين الاول", "أكتوبر"),
    11: ("november", "nov", "novembre", "noviembre", "novembro", "ноября", "ноябрь", "نوفمبر", "تشرين الثاني",
         "نونبر"),
    12: ("december", "dec", "décembre", "decembre", "déc", "diciembre", "dezembro", "dicembre", "dezember",
         "dez", "декабря", "декабрь", "ديسمبر", "كانون الأول", "كانون الاول", "دجنبر"),
}

WEEKDAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "lunes", "martes", "miércoles", "miercoles", "jueves", "viernes", "sábado", "sabado", "domingo",
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
    "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
    "lunedì", "martedì", "mercoledì", "giovedì", "venerdì",
    "понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье",
    "الأحد", "الاحد", "الإثنين", "الاثنين", "الثلاثاء", "الأربعاء", "الاربعاء", "الخميس", "الجمعة", "السبت",
)

#: Arabic-Indic and Eastern Arabic-Indic digits to ASCII, Arabic comma to ','; same length, so offsets hold.
_DIGITS = {0x660 + i: str(i) for i in range(10)} | {0x6F0 + i: str(i) for i in range(10)} | {0x60C: ","}


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A calendar date found in a string: ``[start, end)`` offsets and the date."""

    start: int
    end: int
    date: dt.date


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    ordered = sorted({w.casefold() for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


@lru_cache(maxsize=1)
def _month_lookup() -> dict[str, int]:
    return {name.casefold(): month for month, names in _MONTHS.items() for name in names}


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    month = rf"(?P<month>{_alternation([n for names in _MONTHS.values() for n in names])})"
    day = r"(?P<day>[0-3]?\d)"
    year = r"(?P<year>(?:1[89]|20)\d\d)"
    left = r"(?<![\w/.\-])"
    right = r"(?:\s?م)?(?![\w/])"  # Arabic dates may end the year with "م" (AD)
    return (
        # 2018-01-26, 2018/01/26, 2018.01.26 (optionally followed by a time)
        re.compile(rf"{left}{year}(?P<sep>[-/.])(?P<num_month>[01]?\d)(?P=sep){day}(?!\d)"),
        # 26/1/2018, 26.01.2018, 26-1-2018 (day-first unless impossible)
        re.compile(rf"{left}(?P<a>[0-3]?\d)(?P<sep>[/.\-])(?P<b>[01]?\d|[0-3]?\d)(?P=sep){year}(?!\d)"),
        # 26 January 2018, 26th of January, 2018, 26 de enero de 2018, 26. Januar 2018, 18 مارس، 2018
        re.compile(
            rf"{left}{day}(?:st|nd|rd|th|er|e|º|°|\.)?\s*(?:of\s+|de\s+)?{month}\.?,?\s*(?:de\s+|del\s+)?{year}{right}",
            re.IGNORECASE,
        ),
        # January 26, 2018 / Jan. 26th 2018
        re.compile(rf"(?<!\w){month}\.?\s+{day}(?:st|nd|rd|th)?[,.]?\s+{year}{right}", re.IGNORECASE),
    )


def prepare(text: str) -> str:
    """``text`` with Arabic-Indic digits and the Arabic comma mapped to ASCII (same length)."""
    return text.translate(_DIGITS)


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _from_match(m: re.Match[str]) -> dt.date | None:
    groups = m.groupdict()
    year = int(groups["year"])
    if groups.get("num_month"):
        return _make(year, int(groups["num_month"]), int(groups["day"]))
    if groups.get("a"):
        a, b = int(groups["a"]), int(groups["b"])
        if b > 12 >= a:  # 1/26/2018: month-first is the only reading
            return _make(year, a, b)
        return _make(year, b, a)
    name = re.sub(r"\s+", " ", groups["month"].casefold())
    month = _month_lookup().get(name)
    if month is None:
        return None
    return _make(year, month, int(groups["day"]))


def find_dates(text: str) -> list[FoundDate]:
    """Every full calendar date (day, month, year) in ``text``, in order, non-overlapping."""
    prepared = prepare(text)
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in _patterns():
        for m in pattern.finditer(prepared):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            date = _from_match(m)
            if date is not None:
                found.append(FoundDate(m.start(), m.end(), date))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def parse_date(text: str) -> dt.date | None:
    """The first full date in ``text``, or None."""
    found = find_dates(text)
    return found[0].date if found else None


_LABELS = (
    "published", "posted", "updated", "last updated", "date", "dated", "on", "at", "am", "pm", "le", "el", "il",
    "publié", "publie", "mis à jour", "publicado", "publicada", "actualizado", "veröffentlicht", "aktualisiert",
    "last modified", "modified", "revised", "first published", "originally published",
    "vom", "des", "du", "den", "опубликовано", "обновлено", "نشر", "نشر في", "تاريخ النشر", "بتاريخ", "في",
    "à", "a las", "um", "uhr", "h", "gmt", "utc", "est", "edt", "cet", "cest", "bst", "ist", "pst", "pdt",
    "eat", "wat", "cat", "ast", "pkt", "msk", "eet", "eest", "local time", "hrs", "last update", "mis en ligne",
)


@lru_cache(maxsize=1)
def _residue_pattern() -> re.Pattern[str]:
    words = _alternation(list(WEEKDAYS) + list(_LABELS))
    time = r"T?\d{1,2}[:h.]\d\d(?::\d\d)?(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)|{time}|[\s,.:;|/\-–—()\[\]·•+،؛]+", re.IGNORECASE)


def date_line(line: str, *, max_chars: int = 80) -> dt.date | None:
    """The date of a line that holds only a date (with weekday, "Published:", a time...), else None."""
    if not line or len(line) > max_chars:
        return None
    found = find_dates(line)
    if len(found) != 1:
        return None
    hit = found[0]
    rest = line[: hit.start] + " " + line[hit.end :]
    return hit.date if not _residue_pattern().sub("", rest) else None


def parse_caller_date(value: str) -> dt.date | None:
    """A caller-supplied date (ISO date or datetime, or any form ``find_dates`` knows)."""
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    return parse_date(value)


# --- news datelines -------------------------------------------------------------------------------------------


class DateLabel(StrEnum):
    """What a date line says its date is."""

    NONE = "none"  # a bare date or a place/outlet dateline
    PUBLISHED = "published"  # "Published", "Posted", "Date:", "Publié le" ...
    UPDATED = "updated"  # "Updated", "Last modified", "Mis à jour" ...


_UPDATED_WORDS = (
    "updated", "last updated", "last update", "modified", "last modified", "revised", "mis à jour", "actualizado",
    "actualizada", "atualizado", "aggiornato", "aktualisiert", "обновлено", "تم التحديث", "آخر تحديث", "تحديث",
)
_PUBLISHED_WORDS = (
    "published", "posted", "date", "dated", "first published", "originally published", "publié", "publie",
    "mis en ligne", "publicado", "publicada", "pubblicato", "veröffentlicht", "опубликовано", "نشر", "نشر في",
    "تاريخ النشر", "بتاريخ",
)
#: Words that open a sentence, never a place name ("In Kabul, 12 December 2023 - ..." is prose).
_NOT_PLACE = frozenset(
    (
        "in", "on", "at", "since", "after", "before", "during", "by", "from", "until", "till", "when", "as",
        "for", "to", "with", "between", "near", "about", "over", "under", "this", "that", "these", "those",
        "it", "he", "she", "they", "we", "i", "his", "her", "their", "our", "its", "a", "an", "but", "and",
        "or", "if", "while",
    )
)
#: Particles allowed inside a place or outlet name.
_PARTICLES = frozenset(
    (
        "of", "the", "and", "&", "de", "del", "della", "des", "du", "da", "do", "dos", "la", "le", "les", "el", "al",
        "van", "von", "der", "sur", "upon", "y", "et",
    )
)
_BYLINE_WORDS = frozenset(("by", "par", "por", "von", "di", "written", "author", "автор", "بقلم"))
_SEGMENT_SPLIT = re.compile(r"\s*(?:,|،|\s[—–-]\s|—|–)\s*")
_STRIP_SPLIT = re.compile(r"\s*[|•·]\s*")
_AGENCY = re.compile(r"^\s*\((?P<agency>[^()\d]{2,60})\)")
_LEDE_SEPARATOR = re.compile(r"^\s*(?:—|–|--|-|:)\s+(?=\S)")
_BY_TAIL = re.compile(
    r"(?:^|[\s,|–—-])(?:by|par|por|von)\s+(?P<name>[A-Z\u00c0-\u00de][\w'’.-]*(?:\s+[A-Z\u00c0-\u00de][\w'’.-]*){0,4})\s*$"
)


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A day of the year without its year, as agency datelines write it ("March 3")."""

    month: int
    day: int

    def latest_not_after(self, reference: dt.date) -> dt.date | None:
        """The latest date with this month and day that is not after ``reference`` (None if there is none)."""
        for year in range(reference.year, reference.year - 8, -1):
            date = _make(year, self.month, self.day)
            if date is not None and date <= reference:
                return date
        return None


@dataclass(frozen=True, slots=True)
class LineDate:
    """One date of a date line: a full ``date`` or, when the year is not written, a ``month_day``; and its label."""

    date: dt.date | None
    month_day: MonthDay | None
    label: DateLabel


@dataclass(frozen=True, slots=True)
class Dateline:
    """A date line or a paragraph-opening dateline: its dates, the place/outlet before them, an author after them.

    ``end`` is the offset in the text where the dateline ends (for a paragraph
    dateline: where the article's own words begin).
    """

    dates: tuple[LineDate, ...]
    place: str | None
    author: str | None
    end: int


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    date: dt.date | None
    month_day: MonthDay | None


@lru_cache(maxsize=1)
def _month_day_patterns() -> tuple[re.Pattern[str], ...]:
    month = rf"(?P<month>{_alternation([n for names in _MONTHS.values() for n in names])})"
    day = r"(?P<day>[0-3]?\d)"
    no_year = r"(?![\w/])(?![.,]?\s*(?:1[89]|20)\d\d)"
    return (
        re.compile(rf"(?<![\w/.\-]){month}\.?\s+{day}(?:st|nd|rd|th)?{no_year}", re.IGNORECASE),
        re.compile(rf"(?<![\w/.\-]){day}(?:st|nd|rd|th|er|e|\.)?\s+(?:de\s+)?{month}\.?{no_year}", re.IGNORECASE),
    )


def _month_day(m: re.Match[str]) -> MonthDay | None:
    month = _month_lookup().get(re.sub(r"\s+", " ", m.group("month").casefold()))
    day = int(m.group("day"))
    if month is None or _make(2000, month, day) is None:  # 2000 is a leap year: 29 February is allowed
        return None
    return MonthDay(month, day)


def _hits(text: str) -> list[_Hit]:
    """Full dates and, where no full date is, month-day dates in ``text``, in order."""
    hits = [_Hit(f.start, f.end, f.date, None) for f in find_dates(text)]
    prepared = prepare(text)
    for pattern in _month_day_patterns():
        for m in pattern.finditer(prepared):
            if any(m.start() < h.end and h.start < m.end() for h in hits):
                continue
            month_day = _month_day(m)
            if month_day is not None:
                hits.append(_Hit(m.start(), m.end(), None, month_day))
    return sorted(hits, key=lambda h: h.start)


@lru_cache(maxsize=1)
def _label_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(updated words, published words, trailing labels/weekdays/separators of a prefix)."""
    updated = re.compile(rf"(?<!\w)(?:{_alternation(_UPDATED_WORDS)})(?!\w)", re.IGNORECASE)
    published = re.compile(rf"(?<!\w)(?:{_alternation(_PUBLISHED_WORDS)})(?!\w)", re.IGNORECASE)
    words = _alternation(list(WEEKDAYS) + list(_LABELS))
    trailing = re.compile(rf"(?:(?<!\w)(?:{words})(?!\w)|[\s,.:;|/\-–—·•،])+$", re.IGNORECASE)
    return updated, published, trailing


def date_label(lead: str) -> DateLabel:
    """The label the words before a date give it: updated, published, or none."""
    updated, published, _ = _label_patterns()
    if updated.search(lead):
        return DateLabel.UPDATED
    if published.search(lead):
        return DateLabel.PUBLISHED
    return DateLabel.NONE


def _name_like(segment: str, *, max_words: int = 6) -> bool:
    """A place or outlet name: capitalised words with the usual particles, no digits, no sentence marks."""
    words = segment.split()
    if not words or len(words) > max_words or any(ch.isdigit() for ch in segment):
        return False
    if words[0].casefold() in _NOT_PLACE or words[0].casefold() in _BYLINE_WORDS or segment.endswith(("?", "!")):
        return False
    for word in words:
        core = word.strip("()'’\"")
        if not core:
            return False
        if core.casefold() in _PARTICLES or re.match(r"^(?:al|el|ad|ar|as|an|ash|at|az)-", core, re.IGNORECASE):
            continue
        if not (core[0].isupper() or "\u0600" <= core[0] <= "\u06ff"):
            return False
    return True


def _strip_segment(segment: str) -> bool:
    """A field of a metadata strip ("Outlet | Section | date"): a short capitalised phrase."""
    words = segment.split()
    return (
        1 <= len(words) <= 6
        and (segment[0].isupper() or "\u0600" <= segment[0] <= "\u06ff")
        and not any(ch.isdigit() for ch in segment)
        and words[0].casefold() not in _BYLINE_WORDS
        and ":" not in segment
        and not segment.endswith((".", "?", "!"))
    )


def _split_prefix(prefix: str, *, allow_strip: bool) -> tuple[str, DateLabel] | None:
    """(place or outlet, label) of the text before a dateline's date, or None if it is not a dateline prefix."""
    _, _, trailing = _label_patterns()
    m = trailing.search(prefix)
    head = prefix[: m.start()] if m else prefix
    label = date_label(prefix[len(head) :])
    head = head.strip()
    if not head:
        return "", label
    if date_label(head) is not DateLabel.NONE and not _name_like(head):
        return None
    fields = _STRIP_SPLIT.split(head)
    if len(fields) > 1:
        if allow_strip and len(fields) <= 4 and all(_strip_segment(f) for f in fields):
            return head, label
        return None
    segments = _SEGMENT_SPLIT.split(head)
    if len(segments) <= 3 and all(_name_like(s) for s in segments):
        return head, label
    return None


def _only_residue(text: str) -> bool:
    return not _residue_pattern().sub("", text)


def read_date_line(line: str, *, max_chars: int = 120) -> Dateline | None:
    """The dates of a line that is only a dateline, else None.

    Accepted: a bare date; labels and times around it ("Posted on 27/11/2023
    at 10:30 by Jane Doe", "27 Nov 2023 | 14:05 GMT"); a place or outlet before
    it ("Kabul, 12 December 2023", "Levant Wire — 27 November 2023", "Lake
    Chad Monitor | Analysis | 3 May 2024"); an agency tag after it; a second,
    labelled date ("Published 3 May 2024 | Updated 4 May 2024").  A date
    without its year counts only with a place or an agency tag.
    """
    if not line or len(line) > max_chars or not any(ch.isdigit() for ch in line):
        return None
    hits = _hits(line)
    if not hits or len(hits) > 2:
        return None
    prefix = _split_prefix(line[: hits[0].start], allow_strip=True)
    if prefix is None:
        return None
    place, first_label = prefix
    labels = [first_label]
    for before, after in itertools.pairwise(hits):
        between = line[before.end : after.start]
        if not _only_residue(between):
            return None
        labels.append(date_label(between))
    tail = line[hits[-1].end :]
    agency = _AGENCY.match(tail)
    if agency:
        tail = tail[agency.end() :]
    author = _BY_TAIL.search(tail)
    if author:
        tail = tail[: author.start()]
    if not _only_residue(tail):
        return None
    if any(h.date is None for h in hits) and not (place or agency):
        return None
    dates = tuple(LineDate(h.date, h.month_day, label) for h, label in zip(hits, labels, strict=True))
    return Dateline(dates, place or None, author.group("name") if author else None, len(line))


def read_lede_dateline(paragraph: str, *, max_prefix: int = 80) -> Dateline | None:
    """The dateline that opens a news paragraph ("KABUL, 12 December 2023 - Gunmen ..."), else None.

    The shape is: a place (with its region or country) or nothing, a separator,
    the date (month and day are enough: "MOGADISHU, March 3 (Reuters) - "), an
    optional agency or outlet in brackets, and a dash or colon before the
    article's first words.
    """
    hits = _hits(paragraph[: max_prefix + 40])
    if not hits or hits[0].start > max_prefix:
        return None
    hit = hits[0]
    prefix = _split_prefix(paragraph[: hit.start], allow_strip=False)
    if prefix is None:
        return None
    place, label = prefix
    rest = paragraph[hit.end :]
    offset = hit.end
    agency = _AGENCY.match(rest)
    if agency:
        offset += agency.end()
        rest = rest[agency.end() :]
    separator = _LEDE_SEPARATOR.match(rest)
    if separator is None:
        return None
    if hit.date is None and not (place or agency):
        return None
    return Dateline((LineDate(hit.date, hit.month_day, label),), place or None, None, offset + separator.end())
