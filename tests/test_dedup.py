"""Near-duplicate fingerprints: reposts score high, different reports low, results are deterministic."""

from __future__ import annotations

from watchfloor.resolve.dedup import NEAR_DUPLICATE, fingerprint

ORIGINAL = (
    "Gunmen on motorcycles attacked a village market near Djibo in northern Burkina Faso on Friday, "
    "killing at least 12 traders and wounding nine others, local officials said. No group has claimed "
    "the attack, but militants linked to al-Qaeda have been active in the area for several years, and "
    "residents said the attackers set fire to shops before fleeing towards the border with Mali."
)
REPOST = "Home | News | World\n" + ORIGINAL + "\nShare this article. Related posts. Leave a comment."
OTHER = (
    "Security forces arrested four suspected members of a kidnapping ring in the port city of Mombasa "
    "on Tuesday, police said, adding that weapons and a list of targets were seized during the raid, "
    "which followed weeks of surveillance by counter-terrorism officers in the coastal region."
)


def test_repost_is_a_near_duplicate() -> None:
    assert fingerprint(ORIGINAL).similarity(fingerprint(REPOST)) >= NEAR_DUPLICATE


def test_different_report_is_not() -> None:
    assert fingerprint(ORIGINAL).similarity(fingerprint(OTHER)) < 0.2


def test_fingerprint_is_deterministic_and_shares_bands() -> None:
    a, b = fingerprint(ORIGINAL), fingerprint(REPOST)
    assert a == fingerprint(ORIGINAL)
    assert set(a.bands) & set(b.bands)
