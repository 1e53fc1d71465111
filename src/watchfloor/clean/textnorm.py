"""Unicode normalisation of cleaned text and the matching key used elsewhere.

``normalize_text`` is what ``Document.text`` goes through: NFC, every Unicode
space turned into an ordinary space, zero-width characters dropped, runs of
spaces collapsed inside lines, paragraph breaks kept.  Curly quotes and dashes
are kept so that offsets into the text show what the report printed.

``match_key`` is a lossy key for comparing strings (names, titles, evidence):
straight quotes, ASCII hyphens, casefolded, whitespace collapsed.
"""

from __future__ import annotations

import logging
import re
import unicodedata

log = logging.getLogger(__name__)

#: Characters that are spaces in every sense but are not U+0020.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\f\v"
#: Invisible characters removed outright (zero-width space/joiners, word joiner, BOM, soft hyphen, bidi marks).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

_SPACE_TABLE = {ord(c): " " for c in _SPACES} | {ord(c): None for c in _INVISIBLE}
_LINE_BREAKS = re.compile(r"\r\n|\r|\u2028|\u2029|\u0085")
_SPACE_RUN = re.compile(r" {2,}")
_BLANK_RUN = re.compile(r"\n{3,}")

_QUOTES = {
    ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4`"
} | {ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"}
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
_WS = re.compile(r"\s+")


def normalize_line(line: str) -> str:
    """One line: Unicode spaces to ' ', invisibles dropped, space runs collapsed, ends stripped."""
    line = line.translate(_SPACE_TABLE)
    return _SPACE_RUN.sub(" ", line).strip()


def normalize_text(text: str) -> str:
    """NFC, unified line breaks and spaces; keeps single and paragraph (blank-line) breaks."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    lines = [normalize_line(line) for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")


def match_key(s: str) -> str:
    """A key for matching: straight quotes, '-' for dashes, casefolded, whitespace collapsed."""
    s = unicodedata.normalize("NFC", s).translate(_SPACE_TABLE).translate(_QUOTES).translate(_DASHES)
    return _WS.sub(" ", s.casefold()).strip()
