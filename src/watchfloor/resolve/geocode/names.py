"""Name keys for gazetteer look-ups.

``name_key`` folds case, diacritics and punctuation ("Nangarhār" ->
"nangarhar", "Sar-e Pol" -> "sar e pol").  ``loose_key`` also absorbs the
usual transliteration variants of Arabic/Persian/Pashto names: a leading
Arabic article, vowel quality, doubled letters, the izafe connector and a
final "h" ("Sar-i-Pul" and "Sar-e Pol", "Ar Raqqah" and "Raqqa", "Qosh
Tepa" and "Kosh Tepa" share a loose key).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_PUNCT = re.compile(r"[\s\-‐‑‒–—_.,;:/()\[\]\"“”]+")
_DROP = re.compile(r"['’‘`ʻʼʿʾ´]")
_ARTICLE = re.compile(r"^(?:al|el|ar|as|ad|an|at|ash|az|ath|adh|ul)\s+")
_VOWELS = str.maketrans({"e": "i", "y": "i", "o": "u", "w": "u", "q": "k", "c": "k"})
_REPEAT = re.compile(r"(.)\1+")
_ARTICLE_STARTS = frozenset({"al", "el", "ar", "as", "ad", "an", "at", "az", "ul"})


def _first(match: re.Match[str]) -> str:
    return match.group(1)

#: Characters NFKD does not decompose into ASCII.
_SPECIAL = str.maketrans({"ı": "i", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"})


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """ASCII-fold ``text`` (drop diacritics), keeping case and punctuation."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(text: str) -> str:
    """Exact look-up key: folded, lower-case, punctuation collapsed to single spaces."""
    if text.isascii():
        lowered = text.lower()
        if lowered.isalpha():
            return lowered
        return _PUNCT.sub(" ", _DROP.sub("", lowered)).strip()
    folded = fold(_DROP.sub("", text)).casefold().translate(_SPECIAL)
    return _PUNCT.sub(" ", folded).strip()


def loose_key(text: str) -> str:
    """Transliteration-tolerant key (see module docstring); empty for very short names."""
    return loose_key_of(name_key(text))


def loose_key_of(key: str) -> str:
    """``loose_key`` of a string that is already a ``name_key``."""
    if key[:2] in _ARTICLE_STARTS:
        key = _ARTICLE.sub("", key)
    key = key.replace(" i ", " ").replace(" e ", " ") if len(key) > 6 else key
    key = key.replace(" ", "").replace("kh", "k").replace("gh", "g").replace("dh", "d").replace("th", "t")
    key = key.replace("ou", "u").replace("ee", "i").replace("ai", "i").replace("ay", "i").replace("aw", "u")
    key = key.translate(_VOWELS)
    if _REPEAT.search(key):
        key = _REPEAT.sub(_first, key)
    if key.endswith("h") and len(key) > 4:
        key = key[:-1]
    return key if len(key) >= 4 else ""
