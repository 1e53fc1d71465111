"""Thin adapters over the annotate stage's domain components (dates, figures, citations, hedges).

They import ``watchfloor.annotate.*`` lazily so that extraction degrades to
"no dates / no figures / no sources / asserted" (with one warning) when a
component is missing, instead of failing at import time.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from typing import Any

from watchfloor.models import Certainty, Citation, TimeValue

log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _warn_missing(name: str) -> None:
    log.warning("annotate component %s is not available; extraction runs without it", name)


def time_expressions(text: str, *, anchor: dt.date | None, offset: int) -> list[TimeValue]:
    try:
        from watchfloor.annotate.timex import find_time_expressions
    except ImportError:
        _warn_missing("timex")
        return []
    return list(find_time_expressions(text, anchor=anchor, offset=offset))


def figures(text: str, *, offset: int) -> list[Any]:
    """``annotate.quantities.find_figures`` results (objects with kind, quantity, span, noun)."""
    try:
        from watchfloor.annotate.quantities import find_figures
    except ImportError:
        _warn_missing("quantities")
        return []
    return list(find_figures(text, offset=offset))


def citations(text: str, *, anchor: dt.date | None, offset: int) -> list[Citation]:
    try:
        from watchfloor.annotate.citations import find_citations
    except ImportError:
        _warn_missing("citations")
        return []
    return list(find_citations(text, anchor=anchor, offset=offset))


def certainty(sentence: str) -> Certainty:
    try:
        from watchfloor.annotate.hedges import certainty as _certainty
    except ImportError:
        _warn_missing("hedges")
        return Certainty.ASSERTED
    return Certainty(_certainty(sentence))


def responsibility(sentence: str) -> str | None:
    try:
        from watchfloor.annotate.hedges import responsibility as _responsibility
    except ImportError:
        _warn_missing("hedges")
        return None
    value = _responsibility(sentence)
    return str(value) if value else None
