"""Tests for ``watchfloor.annotate.quantities``: reported figures with kind, qualifier and counted noun.

Covers digits and number words, qualifiers, ranges, vague plurals, the kind
read from the clause (state words after the noun, verbs before the number,
death-toll phrases), what is not a figure (years, dates, ages, units,
"several"), implausible values, spans and offsets, and ``parse_number``.
"""

from __future__ import annotations

import pytest

from watchfloor.annotate.quantities import find_figures, parse_number
from watchfloor.models import Qualifier

EX, AL, MT, AP, AM, FT = (
    Qualifier.EXACT,
    Qualifier.AT_LEAST,
    Qualifier.MORE_THAN,
    Qualifier.APPROXIMATELY,
    Qualifier.AT_MOST,
    Qualifier.FEWER_THAN,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "leaving at least nine Christian worshipers dead and more than 50 people seriously wounded",
            [("killed", 9, AL, "worshipers"), ("injured", 50, MT, "people")],
        ),
        ("an ISK-P suicide bomber killed nearly 20 worshippers", [("killed", 20, AP, "worshippers")]),
        ("the death toll rose to 12", [("killed", 12, EX, "")]),
        ("the death toll from the bombing has risen to 27", [("killed", 27, EX, "")]),
        ("the blast left 3 dead", [("killed", 3, EX, "")]),
        ("leaving over 40 people dead and many more injured", [("killed", 40, MT, "people")]),
        ("The suicide attack killed nearly 30 people", [("killed", 30, AP, "people")]),
        ("in which more than 70 people, mostly women and children, were killed", [("killed", 70, MT, "people")]),
        (
            "at least seven foreign fighters—three French and four Uzbek militants— were killed",
            [("killed", 7, AL, "fighters")],
        ),
        ("12 soldiers were killed and 30 wounded", [("killed", 12, EX, "soldiers"), ("injured", 30, EX, "")]),
        ("killing 12 and wounding 30", [("killed", 12, EX, ""), ("injured", 30, EX, "")]),
        ("two killed, five injured", [("killed", 2, EX, ""), ("injured", 5, EX, "")]),
        ("about 15 people were hurt", [("injured", 15, AP, "people")]),
        ("one person was killed", [("killed", 1, EX, "person")]),
        ("one of the soldiers died", [("killed", 1, EX, "soldiers")]),
        ("up to 15 people may have died", [("killed", 15, AM, "people")]),
        ("fewer than 10 soldiers were hurt", [("injured", 10, FT, "soldiers")]),
        ("three people were found dead", [("killed", 3, EX, "people")]),
        # arrests and abductions
        ("security forces in Karachi arrested three students", [("arrested", 3, EX, "students")]),
        ("police detained 14 suspects", [("arrested", 14, EX, "suspects")]),
        ("some 40 men were apprehended", [("arrested", 40, AP, "men")]),
        ("gunmen kidnapped twenty-three passengers", [("kidnapped", 23, EX, "passengers")]),
        ("an estimated 200 girls were abducted", [("kidnapped", 200, AP, "girls")]),
        ("took 40 people hostage", [("kidnapped", 40, EX, "people")]),
        # generic counts
        ("had managed to recruit more than 130 people", [("count", 130, MT, "people")]),
        ("around 300 young people, most of them under 20, have been recruited", [("count", 300, AP, "people")]),
        ("nearly a dozen female students are missing", [("count", 12, AP, "students")]),
        ("more than 40 foreign Islamic State fighters", [("count", 40, MT, "fighters")]),
        ("upwards of 5,000 fighters", [("count", 5000, MT, "fighters")]),
        ("roughly 1.5 million people were displaced", [("count", 1_500_000, AP, "people")]),
        # vague plurals (conventions: two of the unit, at least)
        ("dozens of people were wounded", [("injured", 24, AL, "people")]),
        ("scores of villagers were killed", [("killed", 40, AL, "villagers")]),
        ("hundreds of fighters", [("count", 200, AL, "fighters")]),
        ("thousands of civilians fled", [("count", 2000, AL, "civilians")]),
        ("tens of thousands of people were displaced", [("count", 20_000, AL, "people")]),
        ("half a dozen soldiers were killed", [("killed", 6, EX, "soldiers")]),
        # phrase shapes met in reports
        ("killing two police officers", [("killed", 2, EX, "officers")]),
        ("between 400 and 500 IS fighters are still active", [("count", 400, EX, "fighters")]),
        ("an airstrike killed five suspected IS members", [("killed", 5, EX, "members")]),
        (
            "The number of people killed in Monday's attack on a hotel in the city has risen to 11, officials said",
            [("killed", 11, EX, "")],
        ),
        ('the army had "neutralised" nearly 40 assailants', [("killed", 40, AP, "assailants")]),
        ('the group cited "more than 300 civilians" killed', [("killed", 300, MT, "civilians")]),
        # subsets of a figure already given are not new figures
        ("killing at least eight civilians, including two children", [("killed", 8, AL, "civilians")]),
        ("wounding nine people, among them four civilians", [("injured", 9, EX, "people")]),
        ("killing six people. Two of the dead were guards", [("killed", 6, EX, "people")]),
        # lower-case input (MUC-4)
        (
            "the bomb killed 4 policemen and wounded 11 civilians",
            [("killed", 4, EX, "policemen"), ("injured", 11, EX, "civilians")],
        ),
    ],
)
def test_figures(text: str, expected: list[tuple[str, int, Qualifier, str]]) -> None:
    got = [(f.kind, f.quantity.value, f.quantity.qualifier, f.noun) for f in find_figures(text)]
    assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        "several people were hurt",
        "many fighters were killed",
        "a number of soldiers were wounded",
        "In 2017 the group expanded.",
        "on December 17 last year",
        "at least five recruitment networks",
        "six minutes of footage",
        "a 25-year-old man was arrested",
        "a man aged 30 was arrested",
        "the group has one aim",
        "Resolution 2254 was adopted",
        "Volume: 16 Issue: 2",
        "at 10:30 a bomb exploded",
        "40 percent of the fighters",
        "a 12 km stretch of road",
        "fighters seized two armoured vehicles",
        "the group took three towns",
        "more than 270 militant attacks were recorded",
        "no one has been arrested yet",
    ],
)
def test_not_figures(text: str) -> None:
    assert find_figures(text) == []


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("20 to 30 civilians were killed", 20, 30),
        ("20-30 civilians were killed", 20, 30),
        ("between 20 and 30 civilians were killed", 20, 30),
        ("five or six soldiers died", 5, 6),
    ],
)
def test_ranges(text: str, low: int, high: int) -> None:
    (fig,) = find_figures(text)
    assert (fig.kind, fig.quantity.value, fig.quantity.high) == ("killed", low, high)


def test_implausible_figure_is_kept_and_flagged() -> None:
    (fig,) = find_figures("an estimated 150,000 people were killed in the attack")
    assert fig.quantity.value == 150_000
    assert fig.quantity.implausible
    (small,) = find_figures("150 people were killed")
    assert not small.quantity.implausible


def test_span_text_and_offset() -> None:
    text = "The blast left at least nine worshipers dead."
    (fig,) = find_figures(text, offset=50)
    assert fig.span.text == "at least nine worshipers"
    assert text[fig.span.start - 50 : fig.span.end - 50] == fig.span.text
    assert fig.quantity.text == "at least nine"


@pytest.mark.parametrize(
    ("phrase", "value"),
    [
        ("nine", 9),
        ("twenty-three", 23),
        ("twenty three", 23),
        ("a hundred", 100),
        ("two hundred and fifty", 250),
        ("three thousand", 3000),
        ("1,200", 1200),
        ("1200", 1200),
        ("1.5 million", 1_500_000),
        ("a dozen", 12),
        ("half a dozen", 6),
        ("two dozen", 24),
        ("several", None),
        ("", None),
    ],
)
def test_parse_number(phrase: str, value: int | None) -> None:
    assert parse_number(phrase) == value
