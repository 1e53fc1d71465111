"""Tests for ``watchfloor.annotate.timex``: finding and resolving time expressions.

Covers absolute dates (English, numeric, ISO, French/Spanish/German/Arabic),
anchor-relative expressions, parts of months and years, seasons, ranges,
open "since" bounds, references to earlier dates in the same text, the
guards against counting numbers as years, and span offsets.
"""

from __future__ import annotations

import datetime as dt

import pytest

from watchfloor.annotate.timex import find_time_expressions, resolve_time
from watchfloor.models import Precision

ANCHOR = dt.date(2018, 1, 26)  # a Friday
D = dt.date

DAY, MONTH, YEAR, SEASON, POM = (
    Precision.DAY,
    Precision.MONTH,
    Precision.YEAR,
    Precision.SEASON,
    Precision.PART_OF_MONTH,
)


@pytest.mark.parametrize(
    ("text", "value", "precision", "start", "end"),
    [
        ("December 17 last year", "2017-12-17", DAY, D(2017, 12, 17), D(2017, 12, 17)),
        ("in early January", "2018-01", MONTH, D(2018, 1, 1), D(2018, 1, 10)),
        ("in mid-January", "2018-01", MONTH, D(2018, 1, 11), D(2018, 1, 20)),
        ("at the end of December", "2017-12", MONTH, D(2017, 12, 21), D(2017, 12, 31)),
        ("on Tuesday", "2018-01-23", DAY, D(2018, 1, 23), D(2018, 1, 23)),
        ("on Friday", "2018-01-26", DAY, D(2018, 1, 26), D(2018, 1, 26)),
        ("last Friday", "2018-01-19", DAY, D(2018, 1, 19), D(2018, 1, 19)),
        ("yesterday", "2018-01-25", DAY, D(2018, 1, 25), D(2018, 1, 25)),
        ("three days ago", "2018-01-23", DAY, D(2018, 1, 23), D(2018, 1, 23)),
        ("October last year", "2017-10", MONTH, D(2017, 10, 1), D(2017, 10, 31)),
        ("last October", "2017-10", MONTH, D(2017, 10, 1), D(2017, 10, 31)),
        ("last month", "2017-12", MONTH, D(2017, 12, 1), D(2017, 12, 31)),
        ("this week", "2018-01", POM, D(2018, 1, 22), D(2018, 1, 28)),
        ("last week", "2018-01", POM, D(2018, 1, 15), D(2018, 1, 21)),
        ("last year", "2017", YEAR, D(2017, 1, 1), D(2017, 12, 31)),
        ("earlier this year", "2018", YEAR, D(2018, 1, 1), ANCHOR),
        ("since 2015", "2015", YEAR, D(2015, 1, 1), ANCHOR),
        ("mid-2014", "2014", YEAR, D(2014, 5, 1), D(2014, 8, 31)),
        ("early 2015", "2015", YEAR, D(2015, 1, 1), D(2015, 4, 30)),
        ("late 2016", "2016", YEAR, D(2016, 9, 1), D(2016, 12, 31)),
        ("in the first half of 2016", "2016", YEAR, D(2016, 1, 1), D(2016, 6, 30)),
        ("in the spring of 2016", "2016", SEASON, D(2016, 3, 1), D(2016, 5, 31)),
        ("in the winter of 2016", "2016", SEASON, D(2016, 12, 1), D(2017, 2, 28)),
        ("last summer", "2017", SEASON, D(2017, 6, 1), D(2017, 8, 31)),
        ("between March 3 and 5", "2017-03-03", DAY, D(2017, 3, 3), D(2017, 3, 5)),
        ("from 3 to 5 March 2016", "2016-03-03", DAY, D(2016, 3, 3), D(2016, 3, 5)),
        ("from 2014 to 2016", "2014", YEAR, D(2014, 1, 1), D(2016, 12, 31)),
        ("the 2011-12 offensive", "2011", YEAR, D(2011, 1, 1), D(2012, 12, 31)),
        ("between January 2015 and March 2016", "2015-01", MONTH, D(2015, 1, 1), D(2016, 3, 31)),
        ("March 2016", "2016-03", MONTH, D(2016, 3, 1), D(2016, 3, 31)),
        ("in 2017", "2017", YEAR, D(2017, 1, 1), D(2017, 12, 31)),
        ("on 30 december", "2017-12-30", DAY, D(2017, 12, 30), D(2017, 12, 30)),
        ("the 5th of January", "2018-01-05", DAY, D(2018, 1, 5), D(2018, 1, 5)),
        ("January 8", "2018-01-08", DAY, D(2018, 1, 8), D(2018, 1, 8)),
        ("in July", "2017-07", MONTH, D(2017, 7, 1), D(2017, 7, 31)),
        ("in January", "2018-01", MONTH, D(2018, 1, 1), D(2018, 1, 31)),
        ("12/10/2017", "2017-10-12", DAY, D(2017, 10, 12), D(2017, 10, 12)),
        ("25/12/2017", "2017-12-25", DAY, D(2017, 12, 25), D(2017, 12, 25)),
        ("12/25/2017", "2017-12-25", DAY, D(2017, 12, 25), D(2017, 12, 25)),
        ("on 26/1/2018", "2018-01-26", DAY, ANCHOR, ANCHOR),
        ("2017-12-10", "2017-12-10", DAY, D(2017, 12, 10), D(2017, 12, 10)),
        ("December 4, 2024", "2024-12-04", DAY, D(2024, 12, 4), D(2024, 12, 4)),
        ("Sept. 11, 2001", "2001-09-11", DAY, D(2001, 9, 11), D(2001, 9, 11)),
        ("March 18. 2017", "2017-03-18", DAY, D(2017, 3, 18), D(2017, 3, 18)),
        ("10 jan 90", "1990-01-10", DAY, D(1990, 1, 10), D(1990, 1, 10)),
        ("le 3 mars 2017", "2017-03-03", DAY, D(2017, 3, 3), D(2017, 3, 3)),
        ("le 1er août 2019", "2019-08-01", DAY, D(2019, 8, 1), D(2019, 8, 1)),
        ("début janvier", "2018-01", MONTH, D(2018, 1, 1), D(2018, 1, 10)),
        ("el 3 de marzo de 2017", "2017-03-03", DAY, D(2017, 3, 3), D(2017, 3, 3)),
        ("am 3. März 2017", "2017-03-03", DAY, D(2017, 3, 3), D(2017, 3, 3)),
        ("18 مارس، 2018", "2018-03-18", DAY, D(2018, 3, 18), D(2018, 3, 18)),
        ("١٨ مارس ٢٠١٨", "2018-03-18", DAY, D(2018, 3, 18), D(2018, 3, 18)),
        ("5 تموز 2016", "2016-07-05", DAY, D(2016, 7, 5), D(2016, 7, 5)),
    ],
)
def test_single_expression(text: str, value: str, precision: Precision, start: dt.date, end: dt.date) -> None:
    found = find_time_expressions(text, anchor=ANCHOR)
    assert len(found) == 1, found
    tv = found[0]
    assert (tv.value, tv.precision, tv.start, tv.end) == (value, precision, start, end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # relative to the previously mentioned date
        ("The raid took place on March 8, 2017. Two days later the group struck again.", ["2017-03-08", "2017-03-10"]),
        ("It began on 3 May 2016; the next day troops arrived.", ["2016-05-03", "2016-05-04"]),
        ("On March 8, 2017 the hospital was hit, and the embassy in July of the same year.", ["2017-03-08", "2017-07"]),
        ("Fighting in 2015 ended later that year.", ["2015", "2015"]),
        ("A week later", ["2018-02-02"]),  # no earlier date: the anchor
        # a year needs a cue; counts are not years
        ("In 2017, 130 people were killed.", ["2017"]),
        ("A force of 2000 fighters moved north.", []),
        ("The group recruited more than 130 people.", []),
        ("Resolution 2254 was adopted.", []),
        ("2017 was the deadliest year.", ["2017"]),
        ("the toll rose to 2015", []),
        # "may" and "march" as words, not months
        ("They may have fled.", []),
        ("Protesters march on the capital.", []),
        ("In May 2017 police arrested three men.", ["2017-05"]),
        ("on 5 may", ["2017-05-05"]),
        # decades, issue numbers and durations are not dates
        ("founded in the mid-1990s", []),
        ("Volume 7, Issue 11 — 29 June 2017", ["2017-06-29"]),
        ("over the past year", []),
        ("less than a week after the ceasefire", []),
        # French and Spanish weekdays are lower-case words; "Domingo" is a name
        ("tués dimanche lors d'une attaque", ["2018-01-21"]),
        ("el frente Domingo Laín", []),
        # a range's first end takes the second end's year
        ("between March and June 2016", ["2016-03"]),
        # "two days earlier" after a year stays inside that year
        ("It split in 2016. Two days earlier, fighting broke out.", ["2016", "2016"]),
        # outlet names are not deictic dates
        ("(Pakistan Today, January 8)", ["2018-01-08"]),
        ("the Tuesday bombing", ["2018-01-23"]),
    ],
)
def test_sequences_and_guards(text: str, expected: list[str]) -> None:
    assert [tv.value for tv in find_time_expressions(text, anchor=ANCHOR)] == expected


def test_range_bounds() -> None:
    (tv,) = find_time_expressions("between March and June 2016", anchor=ANCHOR)
    assert (tv.start, tv.end) == (D(2016, 3, 1), D(2016, 6, 30))
    (night,) = find_time_expressions("on the night of 12 to 13 June 2021, gunmen", anchor=ANCHOR)
    assert (night.value, night.start, night.end) == ("2021-06-12", D(2021, 6, 12), D(2021, 6, 13))


def test_relative_without_anchor_and_without_previous_is_skipped() -> None:
    assert find_time_expressions("two days later, on Tuesday, in early January", anchor=None) == []


def test_explicit_years_resolve_without_anchor() -> None:
    found = find_time_expressions("in March 2016 and on 4 April 2017", anchor=None)
    assert [tv.value for tv in found] == ["2016-03", "2017-04-04"]


def test_day_first_switch() -> None:
    (tv,) = find_time_expressions("12/10/2017", anchor=None, day_first=False)
    assert tv.value == "2017-12-10"


def test_spans_and_offset() -> None:
    text = "In early January, at least seven were killed (Outlet, January 2)."
    found = find_time_expressions(text, anchor=ANCHOR, offset=100)
    assert [tv.text for tv in found] == ["early January", "January 2"]
    for tv in found:
        assert tv.span is not None
        assert text[tv.span.start - 100 : tv.span.end - 100] == tv.span.text == tv.text


def test_invalid_dates_are_dropped() -> None:
    assert find_time_expressions("on February 30, 2017", anchor=ANCHOR) == []


@pytest.mark.parametrize(
    ("expr", "value", "precision"),
    [
        ("2017", "2017", YEAR),
        ("October last year", "2017-10", MONTH),
        ("May", "2017-05", MONTH),
        ("mid-2014", "2014", YEAR),
        ("  December 28  ", "2017-12-28", DAY),
    ],
)
def test_resolve_time(expr: str, value: str, precision: Precision) -> None:
    tv = resolve_time(expr, anchor=ANCHOR)
    assert tv is not None
    assert (tv.value, tv.precision) == (value, precision)


def test_resolve_time_none() -> None:
    assert resolve_time("several fighters", anchor=ANCHOR) is None


def test_seed_sentence() -> None:
    text = (
        "In Pakistan, a deadly sectarian attack on December 17 last year in Balochistan was attributed to ISK-P "
        "and allied factions. Two armed militants with suicide vests and assault rifles stormed the church "
        "(The Nation, December 17, 2017)."
    )
    found = find_time_expressions(text, anchor=ANCHOR)
    assert [(tv.value, tv.precision) for tv in found] == [("2017-12-17", DAY), ("2017-12-17", DAY)]
