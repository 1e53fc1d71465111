"""Tests for ``watchfloor.annotate.citations``: parenthetical source notes and inline attributions.

Covers "(Outlet, Month D, YYYY)" notes and their variants (no year, country
tag, ";"-separated lists, dashes in names, "March 18. 2017" typos, non-English
dates, numeric dates, "Source:" captions, dateless wire-service notes),
things that are not citations (footnote markers, asides), inline outlets
("according to Reuters", "told AFP", "via Amaq", Telegram statements), named
persons with a role, lower-case text, spans and offsets, and ``is_outlet``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from watchfloor.annotate.citations import find_citations, is_outlet

ANCHOR = dt.date(2018, 1, 26)
D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stormed the church (The Nation, December 17, 2017).", [("The Nation", D(2017, 12, 17))]),
        ("across the country (Pakistan Today, January 8).", [("Pakistan Today", D(2018, 1, 8))]),
        ("in December (Kabul Daily, December 28).", [("Kabul Daily", D(2017, 12, 28))]),
        (
            "near the village (DID Press Agency [Afghanistan], December 10, 2017).",
            [("DID Press Agency", D(2017, 12, 10))],
        ),
        (
            "joined militant groups (Express Tribune, September 14, 2017; The News, March 18. 2017).",
            [("Express Tribune", D(2017, 9, 14)), ("The News", D(2017, 3, 18))],
        ),
        (
            "killed in an airstrike (MENAFN – Afghanistan Times, January 2).",
            [("MENAFN – Afghanistan Times", D(2018, 1, 2))],
        ),
        ("the town fell (Garowe Online, 12 March 2017)", [("Garowe Online", D(2017, 3, 12))]),
        ("les assaillants (Le Monde, 3 mars 2017)", [("Le Monde", D(2017, 3, 3))]),
        ("the checkpoint (Hiiraan Online, 14/3/2019)", [("Hiiraan Online", D(2019, 3, 14))]),
        ("the raid (Rudaw, 2016-05-04)", [("Rudaw", D(2016, 5, 4))]),
        ("bombed the market (Reuters)", [("Reuters", None)]),
        ("bogota, 7 jan 90 (efe) -- a bomb", [("EFE", None)]),
        ("Flag in Islamabad (Source: Express Tribune)", [("Express Tribune", None)]),
        (
            "in Jowzjan (Pajhwok, December 7, 2017; Pajhwok, December 7, 2017)",
            [("Pajhwok", D(2017, 12, 7)), ("Pajhwok", D(2017, 12, 7))],
        ),
    ],
)
def test_parenthetical_notes(text: str, expected: list[tuple[str, dt.date | None]]) -> None:
    got = [(c.outlet, c.date) for c in find_citations(text, anchor=ANCHOR)]
    assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        "all to the world.” [1] Media reports corroborated",
        "Islamic State Khorasan Province (ISK-P) is growing",
        "Nabeel Ahmed (a.k.a. Abu Abdullah) was named",
        "the caliphate (khilafat) is coming",
        "the attack (which killed 12 people) was condemned",
        "in the south (see map, page 4)",
    ],
)
def test_not_citations(text: str) -> None:
    assert find_citations(text, anchor=ANCHOR) == []


@pytest.mark.parametrize(
    ("text", "outlet"),
    [
        ("According to Reuters, 12 people died.", "Reuters"),
        ("Reuters reported that the convoy was hit.", "Reuters"),
        ("a police spokesman told AFP on Monday", "AFP"),
        ("The group claimed the attack via Amaq.", "Amaq"),
        ("The group said in a statement on its Telegram channel that it had struck.", "Telegram"),
        ("the Associated Press reported", "Associated Press"),
        ("according to the Syrian Observatory for Human Rights", "Syrian Observatory for Human Rights"),
        ("speaking to the Kabul Times, the governor said", "Kabul Times"),
        ("according to reuters, the attackers fled", "Reuters"),
        ("a military source told xinhua", "Xinhua"),
    ],
)
def test_inline_outlets(text: str, outlet: str) -> None:
    got = [c.outlet for c in find_citations(text, anchor=ANCHOR)]
    assert got == [outlet]


@pytest.mark.parametrize(
    ("text", "person"),
    [
        (
            "According to Mohammad Reza Ghafoori, a spokesman for the governor of Jowzjan, there are fighters",
            "Mohammad Reza Ghafoori",
        ),
        ("Abdi Hassan Farah, a district commissioner in the region, said the attackers fled.", "Abdi Hassan Farah"),
        ("provincial police spokesman Ahmad Zia Durrani said five were killed", "Ahmad Zia Durrani"),
        ("a community leader, Bulama Musa Kyari, said the gunmen came at night", "Bulama Musa Kyari"),
        (
            "According to a district police spokesman, Abdiwali Hersi Nur, five attackers took part",
            "Abdiwali Hersi Nur",
        ),
        ("Dr. Amina Yusuf Ali, director of the hospital, said 50 were treated", "Dr. Amina Yusuf Ali"),
        ("said district police officer Omar Khan Afridi. The group denied it", None),
    ],
)
def test_inline_persons(text: str, person: str | None) -> None:
    got = [(c.person, c.outlet) for c in find_citations(text, anchor=ANCHOR)]
    assert got == ([(person, None)] if person else [])


def test_person_and_outlet_in_one_sentence() -> None:
    text = "Abu Bakr Umar, a spokesman for the group, told Reuters the fighters withdrew."
    got = {(c.person, c.outlet) for c in find_citations(text, anchor=ANCHOR)}
    assert got == {("Abu Bakr Umar", None), (None, "Reuters")}


def test_name_does_not_run_into_next_sentence() -> None:
    text = "according to district police officer Ghulam Haider Khattak. The TTP claimed it."
    assert all("TTP" not in (c.person or "") for c in find_citations(text, anchor=ANCHOR))


def test_not_an_outlet_inline() -> None:
    assert find_citations("according to local media reports, 200 fighters camped", anchor=ANCHOR) == []
    assert find_citations("the Interior Ministry said on Monday", anchor=ANCHOR) == []
    assert find_citations("the car bomb hit the gate of the Hotel Jubba Star", anchor=ANCHOR) == []
    # a name that is an outlet only when cut short is not taken
    assert find_citations("according to the Security Media Cell", anchor=ANCHOR) == []


def test_no_anchor_keeps_note_without_date() -> None:
    (c,) = find_citations("(Pakistan Today, January 8)", anchor=None)
    assert (c.outlet, c.date) == ("Pakistan Today", None)
    (full,) = find_citations("(Dawn, December 12, 2017)", anchor=None)
    assert full.date == D(2017, 12, 12)


def test_spans_and_offset() -> None:
    text = "were killed (Express Tribune, September 14, 2017; The News, March 18. 2017)."
    found = find_citations(text, anchor=ANCHOR, offset=1000)
    assert [c.text for c in found] == ["Express Tribune, September 14, 2017", "The News, March 18. 2017"]
    for c in found:
        assert c.span is not None
        assert text[c.span.start - 1000 : c.span.end - 1000] == c.span.text == c.text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Reuters", True),
        ("the new york times", True),
        ("Khartoum Tribune", True),
        ("Radio Ergo", False),
        ("Islamic State", False),
        ("Monday", False),
        ("Islamabad Centre for Conflict Research", True),
        ("Hotel Jubba", False),
    ],
)
def test_is_outlet(name: str, expected: bool) -> None:
    assert is_outlet(name) is expected
