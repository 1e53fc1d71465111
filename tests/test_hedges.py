"""Tests for ``watchfloor.annotate.hedges``: sentence certainty and claimed/attributed responsibility.

Covers each certainty level and its cues, the "weakest cue wins" rule, modal
"may" versus the month, parenthetical source notes not lowering certainty,
claims of responsibility (and their negations), attributions, and sentences
with neither.
"""

from __future__ import annotations

import pytest

from watchfloor.annotate.hedges import certainty, responsibility
from watchfloor.models import Certainty

AS, RE, AL, PO = Certainty.ASSERTED, Certainty.REPORTED, Certainty.ALLEGED, Certainty.POSSIBLE


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # asserted
        ("Two armed militants stormed the church, leaving nine worshipers dead.", AS),
        ("The suicide attack killed nearly 30 people (Khaama Press, October 20, 2017).", AS),
        ("In May 2017 police arrested three men.", AS),
        ("in may 1990 the army took the town.", AS),
        ("IS claimed responsibility for the attack.", AS),
        # reported
        ("Around 300 young people have reportedly been recruited into the group.", RE),
        ("According to local media, 200 fighters are camping near the village.", RE),
        ("Officials said 12 soldiers were killed.", RE),
        ("A spokesman told Reuters the convoy was ambushed.", RE),
        ("It was reported that the group had distributed leaflets.", RE),
        # alleged
        ("If Pakistani law enforcement sources are to be believed, security forces arrested three students.", AL),
        ("The commander was allegedly a recruiter for the group.", AL),
        ("The Taliban claimed they had killed 30 soldiers.", AL),
        ("The government accused the rebels of shelling the market.", AL),
        ("The group denied any involvement.", AL),
        ("The alleged mastermind was arrested.", AL),
        # possible
        ("On December 28, an apparent suicide attack was carried out at the centre.", PO),
        ("A militant possibly succeeded him as leader.", PO),
        ("The group may have recruited hundreds of students.", PO),
        ("Fighters might be preparing new operations.", PO),
        ("Suspected Boko Haram fighters raided the village.", PO),
        ("Unconfirmed reports put the toll at 40.", PO),
        ("The students are believed to have joined militant groups.", PO),
        ("The claim could not be independently verified.", PO),
        # weakest cue wins
        ("Officials said the attackers were allegedly paid.", AL),
        ("According to residents, the blast was possibly caused by a drone.", PO),
    ],
)
def test_certainty(sentence: str, expected: Certainty) -> None:
    assert certainty(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "The IS Amaq news agency, while claiming responsibility for the attack, argued it was a target.",
            "claimed",
        ),
        ("IS claimed responsibility for the attack.", "claimed"),
        ("JNIM claimed the ambush in a statement.", "claimed"),
        ("Al-Shabaab took responsibility for the bombing.", "claimed"),
        ("Responsibility was claimed by the Islamic State.", "claimed"),
        ("In a claim of responsibility, the group named the bomber.", "claimed"),
        ("The attack was attributed to ISK-P and allied factions.", "attributed"),
        ("Authorities blamed the attack on the ELN.", "attributed"),
        ("No group has claimed responsibility, but officials blamed al-Shabaab.", "attributed"),
        ("Police held the NPA responsible for the ambush.", "attributed"),
        ("The bombing bore the hallmarks of al-Shabaab.", "attributed"),
        ("The raid is believed to have been carried out by ISWAP.", "attributed"),
        ("No group has claimed responsibility for the blast.", None),
        ("The group has yet to claim the attack.", None),
        ("The group denied responsibility.", None),
        ("A statement attributed to the group praised the fighters.", None),
        ("Gunmen stormed a hotel in Mogadishu.", None),
    ],
)
def test_responsibility(sentence: str, expected: str | None) -> None:
    assert responsibility(sentence) == expected
