"""Source grading on the Admiralty (NATO) two-axis system.

* Source reliability A-F per outlet, from a configurable table
  (``data/sources/outlets.yaml``; unknown outlets get F).
* Information credibility 1-6 per fused fact, from how many independent
  sources corroborate it and how sure their wording is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from watchfloor.errors import KnowledgeBaseError
from watchfloor.models import Certainty

log = logging.getLogger(__name__)

RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}


def outlet_key(name: str) -> str:
    """Case-, article- and punctuation-insensitive key of an outlet name."""
    key = re.sub(r"[^\w]+", " ", name.casefold()).strip()
    return re.sub(r"^the ", "", key)


@dataclass(frozen=True, slots=True)
class GradeTable:
    """Outlet -> reliability grade."""

    grades: dict[str, str]

    def reliability(self, outlet: str | None) -> str:
        if not outlet:
            return "F"
        key = outlet_key(outlet)
        if key in self.grades:
            return self.grades[key]
        # "MENAFN - Afghanistan Times": the best grade of its named parts
        parts = [p for p in re.split(r"\s+[-–—]\s+|\s*/\s*", outlet) if p.strip()]
        found = [self.grades[outlet_key(p)] for p in parts if outlet_key(p) in self.grades]
        return min(found) if found else "F"


def _parse_table(text: str, *, source: str) -> dict[str, str]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise KnowledgeBaseError(source, f"malformed YAML: {exc}", line=None if line is None else line + 1) from exc
    if not isinstance(data, dict) or not isinstance(data.get("grades"), dict):
        raise KnowledgeBaseError(source, "expected a mapping with a 'grades' table", field="grades")
    table: dict[str, str] = {}
    for grade, outlets in data["grades"].items():
        if grade not in RELIABILITY:
            raise KnowledgeBaseError(source, f"unknown grade {grade!r} (use A-F)", field="grades")
        if not isinstance(outlets, list) or not all(isinstance(o, str) for o in outlets):
            raise KnowledgeBaseError(source, f"grade {grade}: expected a list of outlet names", field=grade)
        for outlet in outlets:
            table[outlet_key(outlet)] = grade
    return table


@lru_cache(maxsize=8)
def load_grade_table(extra: Path | None = None) -> GradeTable:
    """The bundled table, overridden entry by entry by ``extra`` when given."""
    bundled = resources.files("watchfloor.data").joinpath("sources/outlets.yaml").read_text(encoding="utf-8")
    grades = _parse_table(bundled, source="watchfloor/data/sources/outlets.yaml")
    if extra is not None:
        try:
            text = extra.read_text(encoding="utf-8")
        except OSError as exc:
            raise KnowledgeBaseError(str(extra), f"cannot read ({exc.strerror or exc})") from exc
        grades.update(_parse_table(text, source=str(extra)))
    return GradeTable(grades=grades)


@dataclass(frozen=True, slots=True)
class Grade:
    """An Admiralty grade such as B2."""

    reliability: str
    credibility: int

    def __str__(self) -> str:
        return f"{self.reliability}{self.credibility}"


_CERTAINTY_RANK = {Certainty.ASSERTED: 0, Certainty.REPORTED: 0, Certainty.ALLEGED: 1, Certainty.POSSIBLE: 2}


def credibility(*, independent_sources: int, certainties: Sequence[Certainty], implausible: bool = False) -> int:
    """Information credibility 1-6.

    1 confirmed: three or more independent sources, at least one stating it plainly;
    2 probably true: two independent sources;
    3 possibly true: one source stating or reporting it;
    4 doubtful: only hedged wording (alleged / possible) from a single source;
    5 improbable: flagged as implausible (absurd figures);
    6 cannot be judged: no source or certainty known.
    """
    if implausible:
        return 5
    if not certainties:
        return 6
    best = min(_CERTAINTY_RANK[c] for c in certainties)
    if independent_sources >= 3 and best == 0:
        return 1
    if independent_sources >= 2:
        return 2 if best == 0 else 3
    return 3 if best == 0 else 4


def grade_fact(
    *, outlets: Iterable[str | None], certainties: Sequence[Certainty], table: GradeTable, implausible: bool = False
) -> Grade:
    """The grade of a fused fact: its best outlet's reliability, credibility from corroboration."""
    names = [o for o in outlets if o]
    independent = len({outlet_key(o) for o in names}) or (1 if certainties else 0)
    reliability = min((table.reliability(o) for o in names), default="F")
    return Grade(
        reliability=reliability,
        credibility=credibility(independent_sources=independent, certainties=certainties, implausible=implausible),
    )
