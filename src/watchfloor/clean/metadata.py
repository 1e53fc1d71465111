"""Document metadata read from the text itself: headline, section label, byline, publication line, date lines.

The page is read as web pages are laid out: host chrome (spam links, the
host's date, a breadcrumb) above the headline, an optional short section label
(kicker) right above it, the date/byline/publication lines right under it, the
body, and sometimes a closing line saying where and when the article first
appeared.  Everything here is a general layout rule; nothing is keyed to one
site.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from watchfloor.clean.boilerplate import boilerplate_kind, is_sentence
from watchfloor.clean.pubdate import (
    DateLabel,
    Dateline,
    LineDate,
    MonthDay,
    date_label,
    date_line,
    find_dates,
    read_date_line,
    read_lede_dateline,
)
from watchfloor.clean.textnorm import match_key
from watchfloor.models import DateMethod

log = logging.getLogger(__name__)

#: How many non-blank lines from the top may belong to the page header.
HEADER_LINES = 14
#: How many non-blank lines from the bottom are searched for a closing "first appeared" line.
CLOSING_LINES = 15

#: Think tanks, research centres and outlets that publish on armed groups and political violence.
KNOWN_PUBLISHERS: tuple[str, ...] = (
    "Jamestown Foundation", "Brookings Institution", "RAND Corporation", "International Crisis Group",
    "Crisis Group", "Carnegie Endowment for International Peace", "Carnegie Middle East Center",
    "Chatham House", "Center for Strategic and International Studies", "Council on Foreign Relations",
    "Combating Terrorism Center", "International Centre for Counter-Terrorism", "Institute for the Study of War",
    "Middle East Institute", "Washington Institute for Near East Policy", "Atlantic Council",
    "Royal United Services Institute", "International Institute for Strategic Studies", "Stimson Center",
    "Wilson Center", "Hudson Institute", "Foundation for Defense of Democracies", "Long War Journal",
    "Afghanistan Analysts Network", "Small Arms Survey", "Soufan Center", "Counter Extremism Project",
    "Global Network on Extremism and Technology", "Institute for Security Studies", "Armed Conflict Location",
    "Human Rights Watch", "Amnesty International", "Middle East Research Institute", "SITE Intelligence Group",
    "Future for Advanced Research and Studies", "Al Jazeera Centre for Studies", "Arab Center for Research",
    "Reuters", "Associated Press", "Agence France-Presse", "BBC", "Al Jazeera", "The Diplomat", "Foreign Policy",
    "War on the Rocks", "Lawfare",
)

_BYLINE = re.compile(
    r"^(?:by|written by|author|authors|par|por|von|di|автор|بقلم|كتب|كتبه)\s*:?\s+(?P<name>[^|•·,;]{2,80}?)"
    r"(?:\s*(?:[|•·,;]|\s-\s|\s–\s|\s—\s)\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)
_PUBLICATION = re.compile(
    r"Publication\s*:\s*(?P<pub>.+?)\s*(?:(?:Volume|Vol\.?)\s*:?\s*(?P<vol>\d+))?\s*,?\s*"
    r"(?:(?:Issue|No\.?|Number|Iss\.?)\s*:?\s*(?P<iss>\d+))?\s*(?P<rest>[^:]*)$",
    re.IGNORECASE,
)
_VOLUME = re.compile(r"\b(?:Volume|Vol\.?)\s*:?\s*(?P<vol>\d+)", re.IGNORECASE)
_ISSUE = re.compile(r"\b(?:Issue|No\.|Number|Iss\.)\s*:?\s*(?P<iss>\d+)", re.IGNORECASE)
_PUBLISHER_LABEL = re.compile(r"^(?:publisher|published by|source|éditeur|editorial)\s*:\s*(?P<name>.{2,80})$", re.I)
_CLOSING = re.compile(
    r"\b(?:appeared (?:first |originally )?(?:in|on|at)|first (?:appeared|published|posted|ran)|"
    r"originally (?:appeared|published|posted|ran)|was published (?:in|on|by|at)|published (?:originally|first)|"
    r"(?:this|the) (?:article|report|piece|analysis|commentary|op-ed) (?:was|is) (?:first |originally )?"
    r"(?:published|posted|written)|republished (?:from|with)|reprinted (?:from|with)|"
    r"publié (?:initialement|pour la première fois|à l'origine|dans|le)|paru (?:dans|le|initialement)|"
    r"publicado (?:originalmente|por primera vez|inicialmente|en)|originalmente publicado|"
    r"zuerst (?:erschienen|veröffentlicht)|erstmals (?:erschienen|veröffentlicht)|"
    r"ursprünglich (?:erschienen|veröffentlicht)|"
    r"نشر (?:هذا المقال )?(?:أولا|لأول مرة|في الأصل|في))",
    re.IGNORECASE,
)
_CLOSING_NAME = re.compile(
    r"\b(?:appeared|published|posted|ran|reprinted|republished)\s+(?:\w+\s+)?(?:in|by|at|from|with)\s+(?:the\s+)?"
    r"(?P<name>[A-Z][\w&'’.-]*(?:\s+(?:[A-Z][\w&'’.-]*|of|for|on|and|the|&))*)"
)
#: A sentence break inside a line ("... agreements? Were there ...") or a speaker label ("QUESTION:").
_INNER_SENTENCE = re.compile(r"\w{2}[.?!؟]\s+[A-Z\u0600-\u06ff]|^[A-Z][A-Z .'-]{1,30}:\s")
#: Personal names in a byline: capitalised words with the usual particles ("Ana de la Cruz", "Abu al-Hasan").
_NAME = re.compile(
    r"^(?:[A-Z\u00c0-\u00de\u0400-\u042f][\w'’.-]*|[\u0600-\u06ff]+|and|&|de|da|del|la|le|van|von|der|al-?\w*|el-?\w*|"
    r"bin|ibn|y|et|und)(?:\s+(?:[A-Z\u00c0-\u00de\u0400-\u042f][\w'’.-]*|[\u0600-\u06ff]+|and|&|de|da|del|la|le|"
    r"van|von|der|al-?\w*|el-?\w*|bin|ibn|y|et|und))*$"
)
_HOME = re.compile(r"^(?:home|accueil|inicio|startseite|الرئيسية|главная)\b", re.IGNORECASE)
_TRAILING_ON_DATE = re.compile(r"\s+(?:on|le|el|am|في)\s*$", re.IGNORECASE)


@dataclass(slots=True)
class DateCandidate:
    """A date the page shows, how it was found, and on which line."""

    date: dt.date
    method: DateMethod
    line: int
    original: bool = False  # from a closing "first appeared ... on" line
    updated: bool = False  # an "Updated ..." date: the published date only when the page shows no other


@dataclass(slots=True)
class MonthDayCandidate:
    """A dateline date without its year ("MOGADISHU, March 3 (Reuters) -"), resolved from the page's other dates."""

    month_day: MonthDay
    line: int


@dataclass(slots=True)
class Header:
    """Metadata read from the text and the lines it used (index -> reason)."""

    title: str | None = None
    title_line: int | None = None
    section: str | None = None
    author: str | None = None
    publication: str | None = None
    publisher: str | None = None
    volume: int | None = None
    issue: int | None = None
    dates: list[DateCandidate] = field(default_factory=list)
    month_days: list[MonthDayCandidate] = field(default_factory=list)
    dateline_place: str | None = None
    consumed: dict[int, str] = field(default_factory=dict)


def _words(line: str) -> int:
    return len(line.split())


def is_date_line(line: str) -> bool:
    """A line that is only a date or a dateline ("Kabul, 12 December 2023", "Published: 2023-11-27")."""
    if len(line) > 120 or not any(ch.isdigit() for ch in line):
        return False
    return date_line(line) is not None or read_date_line(line) is not None


def is_paragraph(line: str) -> bool:
    """A body paragraph: long prose."""
    n = _words(line)
    return n >= 35 or (n >= 16 and line.rstrip().endswith((".", "!", "؟", "?", "»", "”", '"', ")")) and "." in line)


def is_headline_like(line: str) -> bool:
    """A line shaped like a headline: 2-30 words, no sentence-final full stop, not a date or boilerplate."""
    n = _words(line)
    if n < 2 or n > 30 or len(line) > 220:
        return False
    if line.rstrip().endswith((".", ":", ";", ",")) and not line.rstrip().endswith("..."):
        return False
    if is_date_line(line) or boilerplate_kind(line) is not None or _INNER_SENTENCE.search(line):
        return False
    return not _BYLINE.match(line) and "publication:" not in line.casefold()


def is_kicker(line: str) -> bool:
    """A short section label above a headline: 1-3 words, no final punctuation, not a date."""
    n = _words(line)
    stripped = line.rstrip()
    return (
        1 <= n <= 3
        and len(line) <= 40
        and not stripped.endswith((".", "!", "?", "؟", ":", ",", ";"))
        and not is_date_line(line)
        and not any(ch.isdigit() for ch in line)
    )


def clean_publisher(name: str) -> str | None:
    """A publisher name from the tail of a publication line, or None if it is not name-like."""
    name = _TRAILING_ON_DATE.sub("", name).strip(" ,;|-–—:")
    if not name or _words(name) > 8 or not any(ch.isupper() for ch in name[:1]):
        return None
    return name


def known_publisher(line: str) -> str | None:
    """A publisher from ``KNOWN_PUBLISHERS`` named in ``line`` (longest match), or None."""
    key = match_key(line)
    hits = [name for name in KNOWN_PUBLISHERS if re.search(rf"(?<!\w){re.escape(match_key(name))}(?!\w)", key)]
    return max(hits, key=len) if hits else None


def read_publication(line: str, header: Header) -> bool:
    """Fill publication, volume, issue and publisher from a publication line; True if it was one."""
    before_date = line
    found = find_dates(line)
    if found:
        before_date = line[: found[0].start]
    m = _PUBLICATION.search(before_date)
    if m is None:
        vol, iss = _VOLUME.search(before_date), _ISSUE.search(before_date)
        if vol is None:
            return False
        header.volume = header.volume or int(vol.group("vol"))
        if iss is not None:
            header.issue = header.issue or int(iss.group("iss"))
        header.publisher = header.publisher or known_publisher(line)
        return True
    header.publication = header.publication or m.group("pub").strip(" ,;|")
    if m.group("vol"):
        header.volume = header.volume or int(m.group("vol"))
    if m.group("iss"):
        header.issue = header.issue or int(m.group("iss"))
    header.publisher = header.publisher or known_publisher(line) or clean_publisher(m.group("rest") or "")
    return True


def _find_title(lines: list[str], order: list[int], *, title_hint: str | None) -> int | None:
    """Index of the headline line among the header lines ``order``, or None."""
    keys = {i: match_key(lines[i]) for i in order}
    if title_hint:
        hint = match_key(title_hint)
        for i in order:
            if keys[i] == hint or (len(keys[i]) > 12 and (hint.startswith(keys[i]) or keys[i].startswith(hint))):
                return i
        return None
    # A headline the page prints twice (once in a breadcrumb or a share box) is the title.
    for pos, i in enumerate(order):
        if not is_headline_like(lines[i]) or _words(lines[i]) < 3:
            continue
        others = [keys[j] for j in order if j != i]
        if any(k == keys[i] or (k.endswith(keys[i]) and len(k) > len(keys[i])) for k in others):
            return order[pos]
    # Otherwise: the first headline-shaped line, skipping host chrome above a top date line.
    start = 0
    for pos, i in enumerate(order[:4]):
        if is_date_line(lines[i]):
            if any(is_headline_like(lines[j]) for j in order[pos + 1 :]):
                start = pos + 1
            break
    for pos in range(start, len(order)):
        i = order[pos]
        if not is_headline_like(lines[i]):
            continue
        nxt = order[pos + 1] if pos + 1 < len(order) else None
        if (
            is_kicker(lines[i])
            and nxt is not None
            and is_headline_like(lines[nxt])
            and _words(lines[nxt]) > _words(lines[i])
        ):
            continue  # a short label above the real headline
        return i
    return None


def _header_order(lines: list[str]) -> list[int]:
    """Non-blank line indexes from the top up to (not including) the first body paragraph."""
    order: list[int] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if is_paragraph(line) or len(order) >= HEADER_LINES:
            break
        order.append(i)
    return order


def _read_byline(line: str, i: int, header: Header) -> bool:
    m = _BYLINE.match(line)
    if m is None:
        return False
    name = m.group("name").strip()
    dates = find_dates(line)
    if dates and dates[0].start < m.end("name"):
        name = line[m.start("name") : dates[0].start].strip(" ,|-–—")
    if not name or _words(name) > 8 or not _NAME.match(name):
        return False
    header.author = header.author or name
    for found in dates:
        header.dates.append(DateCandidate(found.date, DateMethod.BYLINE, i))
    return True


def analyse_header(lines: list[str], *, title_hint: str | None = None) -> Header:
    """Read headline, section, byline, publication and date lines around the top of ``lines``."""
    header = Header()
    order = _header_order(lines)
    title_at = _find_title(lines, order, title_hint=title_hint)
    if title_hint:
        header.title = title_hint
    if title_at is not None:
        header.title_line = title_at
        header.title = header.title or lines[title_at]
        header.consumed[title_at] = "title"
    title_key = match_key(header.title) if header.title else None
    before = [i for i in order if title_at is not None and i < title_at]
    after = [i for i in order if title_at is None or i > title_at]
    for pos, i in enumerate(before):
        line = lines[i]
        dateline = _line_dateline(line)
        if dateline is not None:
            _record_dateline(header, dateline, i, method=DateMethod.PAGE_DATE)
            header.consumed[i] = "page_date"
        elif pos == len(before) - 1 and is_kicker(line) and boilerplate_kind(line) is None:
            header.section = line
            header.consumed[i] = "section"
        elif read_publication(line, header):
            header.consumed[i] = "publication"
        elif _read_byline(line, i, header):
            header.consumed[i] = "byline"
        elif _HOME.match(line) or (title_key and match_key(line).endswith(title_key)):
            header.consumed[i] = "navigation"
        else:
            header.consumed[i] = "header_chrome"
    for i in after:
        line = lines[i]
        key = match_key(line)
        method = DateMethod.DATELINE if title_at is not None or not header.dates else DateMethod.PAGE_DATE
        dateline = _line_dateline(line, strict=True)
        if dateline is not None:
            _record_dateline(header, dateline, i, method=method)
            header.consumed[i] = "dateline"
        elif title_key and (key == title_key or (_HOME.match(line) and key.endswith(title_key))):
            header.consumed[i] = "repeated_title"
        elif _read_byline(line, i, header):
            header.consumed[i] = "byline"
        elif read_publication(line, header):
            for hit in find_dates(line):
                header.dates.append(DateCandidate(hit.date, DateMethod.BYLINE, i))
            header.consumed[i] = "publication"
        elif (dateline := _line_dateline(line)) is not None:
            _record_dateline(header, dateline, i, method=method)
            header.consumed[i] = "dateline"
        else:
            m = _PUBLISHER_LABEL.match(line)
            if m and not is_sentence(line):
                header.publisher = header.publisher or clean_publisher(m.group("name"))
                header.consumed[i] = "publication"
    _read_lede(lines, header, start=title_at + 1 if title_at is not None else 0)
    _read_closing(lines, header)
    return header


def _line_dateline(line: str, *, strict: bool = False) -> Dateline | None:
    """The dateline a whole line is; with ``strict``, only a line that is just a date (with labels, a time...)."""
    bare = date_line(line)
    extended = read_date_line(line)
    if bare is None:
        return None if strict else extended
    return extended or Dateline((LineDate(bare, None, date_label(line)),), None, None, len(line))


def _record_dateline(header: Header, dateline: Dateline, i: int, *, method: DateMethod) -> None:
    """Add the dates of a date line (a date without its year only as the article's own dateline)."""
    for found in dateline.dates:
        if found.date is not None:
            updated = found.label is DateLabel.UPDATED
            header.dates.append(DateCandidate(found.date, method, i, updated=updated))
        elif found.month_day is not None and method is DateMethod.DATELINE:
            header.month_days.append(MonthDayCandidate(found.month_day, i))
    if dateline.author and _NAME.match(dateline.author):
        header.author = header.author or dateline.author


def _read_lede(lines: list[str], header: Header, *, start: int) -> None:
    """A dateline opening the first body paragraph ("KABUL, 12 December 2023 - Gunmen ..."); the line is kept."""
    seen = 0
    for i in range(start, len(lines)):
        line = lines[i]
        if not line.strip() or i in header.consumed or boilerplate_kind(line) is not None:
            continue
        seen += 1
        if seen > HEADER_LINES:
            return
        if not is_sentence(line):
            continue
        dateline = read_lede_dateline(line)
        if dateline is not None:
            log.debug("dateline opening the first paragraph (line %d): %.60s", i, line)
            _record_dateline(header, dateline, i, method=DateMethod.DATELINE)
        return


def _read_closing(lines: list[str], header: Header) -> None:
    """A closing line such as "This article first appeared in X on 26/1/2018" gives the original date."""
    tail = [i for i, line in enumerate(lines) if line.strip()][-CLOSING_LINES:]
    for i in tail:
        if i in header.consumed:
            continue
        line = lines[i]
        if _words(line) > 45 or not _CLOSING.search(line):
            continue
        found = find_dates(line)
        if not found:
            continue
        header.dates.append(DateCandidate(found[-1].date, DateMethod.DATELINE, i, original=True))
        if not read_publication(line, header):
            named = _CLOSING_NAME.search(line[: found[-1].start])
            if named is not None:
                header.publisher = header.publisher or clean_publisher(named.group("name"))
        header.publisher = header.publisher or known_publisher(line)
        header.consumed[i] = "closing_dateline"


def resolve_month_days(
    header: Header, *, caller: dt.date | None, html_date: dt.date | None
) -> list[DateCandidate]:
    """Datelines without a year, dated to the latest such day not after any date the page or its metadata gives.

    With no such date the year is unknown and the dateline is left out rather
    than guessed.
    """
    references = [d for d in (caller, html_date) if d is not None] + [c.date for c in header.dates]
    resolved: list[DateCandidate] = []
    for candidate in header.month_days:
        date = candidate.month_day.latest_not_after(min(references)) if references else None
        if date is None:
            log.debug("dateline %s on line %d: no year in the text or metadata", candidate.month_day, candidate.line)
            continue
        resolved.append(DateCandidate(date, DateMethod.DATELINE, candidate.line))
    return resolved


def choose_published(
    header: Header, *, caller: dt.date | None, html_date: dt.date | None
) -> tuple[dt.date | None, DateMethod, dt.date | None]:
    """(published, method, page_date) by the rules: caller > original/dateline > byline > HTML meta > page date.

    An "Updated ..." date is the published date only when nothing else is:
    it ranks after the HTML meta date and before the host page's date.
    """
    page_dates = [c.date for c in header.dates if c.method is DateMethod.PAGE_DATE]
    host = page_dates[0] if page_dates else None
    text_dates = sorted(
        header.dates + resolve_month_days(header, caller=caller, html_date=html_date), key=lambda c: c.line
    )
    first_hand = [c for c in text_dates if not c.updated]
    ranked: list[tuple[dt.date, DateMethod]] = []
    if caller is not None:
        ranked.append((caller, DateMethod.METADATA))
    ranked += [(c.date, c.method) for c in first_hand if c.original]
    ranked += [(c.date, c.method) for c in first_hand if c.method is DateMethod.DATELINE and not c.original]
    ranked += [(c.date, c.method) for c in first_hand if c.method is DateMethod.BYLINE]
    if html_date is not None:
        ranked.append((html_date, DateMethod.HTML_META))
    ranked += [(c.date, c.method) for c in text_dates if c.updated and c.method is not DateMethod.PAGE_DATE]
    if host is not None:
        ranked.append((host, DateMethod.PAGE_DATE))
    if not ranked:
        return None, DateMethod.NONE, None
    published, method = ranked[0]
    other = [d for d in (host, html_date) if d is not None and d != published]
    return published, method, other[0] if other else None
