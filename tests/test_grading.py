"""Admiralty grading: the outlet reliability table and the credibility rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchfloor.errors import KnowledgeBaseError
from watchfloor.models import Certainty
from watchfloor.resolve.grading import credibility, grade_fact, load_grade_table


@pytest.fixture
def table():  # type: ignore[no-untyped-def]
    """The bundled outlet grade table."""
    return load_grade_table()


def test_known_and_unknown_outlets(table) -> None:  # type: ignore[no-untyped-def]
    assert table.reliability("Reuters") == "B"
    assert table.reliability("the express tribune") == "C"
    assert table.reliability("Amaq") == "E"
    assert table.reliability("Some Blog Nobody Knows") == "F"
    assert table.reliability(None) == "F"
    # a syndicated line names two outlets: the better-known part counts
    assert table.reliability("MENAFN – Afghanistan Times") == "C"


@pytest.mark.parametrize(
    ("sources", "certainties", "implausible", "expected"),
    [
        (3, [Certainty.REPORTED, Certainty.ASSERTED, Certainty.REPORTED], False, 1),
        (2, [Certainty.ASSERTED, Certainty.ASSERTED], False, 2),
        (2, [Certainty.ALLEGED, Certainty.POSSIBLE], False, 3),
        (1, [Certainty.REPORTED], False, 3),
        (1, [Certainty.ALLEGED], False, 4),
        (1, [Certainty.ASSERTED], True, 5),
        (0, [], False, 6),
    ],
)
def test_credibility(sources: int, certainties: list[Certainty], implausible: bool, expected: int) -> None:
    assert credibility(independent_sources=sources, certainties=certainties, implausible=implausible) == expected


def test_grade_fact_counts_independent_outlets_once(table) -> None:  # type: ignore[no-untyped-def]
    grade = grade_fact(outlets=["Reuters", "reuters", "Dawn"], certainties=[Certainty.REPORTED] * 3, table=table)
    assert str(grade) == "B2"


def test_user_table_overrides_and_bad_grade_is_named(tmp_path: Path) -> None:
    good = tmp_path / "grades.yaml"
    good.write_text("grades:\n  A:\n    - Our Field Team\n", encoding="utf-8")
    assert load_grade_table(good).reliability("our field team") == "A"
    bad = tmp_path / "bad.yaml"
    bad.write_text("grades:\n  Z:\n    - Someone\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"bad\.yaml"):
        load_grade_table(bad)
