"""A small offline language guesser: script first, then stop-word counts.

Arabic, Persian, Cyrillic (Russian/Ukrainian), Hebrew, Chinese, Japanese,
Korean and Devanagari are told by script; Latin-script English, French,
Spanish, Portuguese, Italian, German, Dutch and Turkish by their commonest
function words.  Good enough to route a report, not a linguistic tool.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache

log = logging.getLogger(__name__)

_STOPWORDS: dict[str, str] = {
    "en": "the of and to in is that for it was on with as by at from are this be have has which were an their "
    "its not but or they had been who will said would also after",
    "fr": "le la les de des du et est un une dans que qui pour pas sur au aux avec par ce cette sont été il elle "
    "ont plus ses leur selon",
    "es": "el la los las de del y en que es un una por con para se su al lo como más fue sus ha han según pero "
    "este esta",
    "pt": "o a os as de do da dos das e em que um uma para com não no na por se foi ao pelo pela são mais seus "
    "segundo",
    "it": "il lo la gli le di del della dei e che è un una per con non sono nel nella ha al alla da anche come "
    "secondo",
    "de": "der die das und ist nicht ein eine zu den von mit sich des auf für im dem nach auch als bei wurde "
    "wurden sind hat",
    "nl": "de het een en van is dat op te in voor niet met zijn die aan er door werd worden ook bij",
    "tr": "ve bir bu da de için ile olarak olan gibi daha çok ancak sonra ise kadar",
}
_PERSIAN_LETTERS = set("پچژگکی")
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
)
_WORD = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


@lru_cache(maxsize=1)
def _stopword_sets() -> dict[str, frozenset[str]]:
    return {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}


def detect_language(text: str, *, sample: int = 20000) -> str | None:
    """ISO 639-1 code of the main language of ``text``, or None when there is too little to tell."""
    text = text[:sample]
    letters = _LATIN.findall(text)
    counts = {lang: len(pattern.findall(text)) for lang, pattern in _SCRIPTS}
    script, n = max(counts.items(), key=lambda kv: kv[1])
    if n > len(letters):
        if script == "ar":
            persian = sum(1 for ch in text if ch in _PERSIAN_LETTERS)
            return "fa" if persian > 0.02 * n else "ar"
        if script == "ja" or (script == "zh" and counts["ja"] > 0):
            return "ja"
        return script
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) < 3:
        return None
    sets = _stopword_sets()
    hits: Counter[str] = Counter()
    for word in words:
        for lang, stop in sets.items():
            if word in stop:
                hits[lang] += 1
    if not hits:
        return None
    lang, best = hits.most_common(1)[0]
    return lang if best >= max(1, len(words) // 50) else None
