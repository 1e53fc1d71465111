"""Tests of the native event taxonomy (``watchfloor.extract.taxonomy``) and its mappings to ACLED/GTD/PLOVER/MUC-4."""

from __future__ import annotations

import pytest

from watchfloor.errors import ConfigError
from watchfloor.extract.taxonomy import (
    ACLED_CODES,
    GTD_ATTACK_TYPES,
    MUC4_TYPES,
    PLOVER_TYPES,
    TAXONOMY,
    Family,
    event_type,
    export_name,
    root_type,
    same_kind,
)

GOLD_TYPES = {
    "attack", "airstrike", "arrest", "recruitment", "propaganda", "allegiance_pledge", "defection", "leader_killed",
    "group_formation", "accusation", "territorial_control",
}
GOLD_SUBTYPES = {"suicide_attack", "bombing", "armed_assault", "assassination", "kidnapping"}
REQUIRED = {
    "attack", "suicide_attack", "bombing", "armed_assault", "assassination", "kidnapping", "arson", "airstrike",
    "shelling", "clash", "arrest", "raid", "leader_killed", "allegiance_pledge", "defection", "group_formation",
    "recruitment", "propaganda", "claim_of_responsibility", "accusation", "territorial_control",
}


def test_every_required_type_is_in_the_table() -> None:
    assert set(TAXONOMY) >= REQUIRED


@pytest.mark.parametrize("name", sorted(TAXONOMY))
def test_type_maps_onto_the_standards(name: str) -> None:
    t = TAXONOMY[name]
    assert t.name == name
    assert t.export_type in GOLD_TYPES
    assert t.export_subtype is None or t.export_subtype in GOLD_SUBTYPES
    if t.acled_event_type is not None:
        assert t.acled_event_type in ACLED_CODES
        assert t.acled_sub_event_type in ACLED_CODES[t.acled_event_type]
    assert t.gtd_attacktype is None or t.gtd_attacktype in GTD_ATTACK_TYPES
    assert t.plover is None or t.plover in PLOVER_TYPES
    assert t.muc4 is None or t.muc4 in MUC4_TYPES
    if t.parent is not None:
        assert TAXONOMY[t.parent].family is t.family


def test_violent_types_have_a_gtd_or_acled_violence_code() -> None:
    for t in TAXONOMY.values():
        if t.family is Family.VIOLENCE:
            assert t.acled_event_type in {"Battles", "Explosions/Remote violence", "Violence against civilians",
                                          "Strategic developments"}
            assert t.plover == "ASSAULT"


def test_export_names_and_roots() -> None:
    assert export_name("suicide_attack") == ("attack", "suicide_attack")
    assert export_name("airstrike") == ("airstrike", None)
    assert export_name("claim_of_responsibility")[0] == "propaganda"
    assert root_type("bombing") == "attack"
    assert event_type("arrest").acled_sub_event_type == "Arrests"
    assert event_type("kidnapping").gtd_attacktype == "Hostage Taking (Kidnapping)"


def test_same_kind_for_coreference() -> None:
    assert same_kind("attack", "suicide_attack")
    assert same_kind("allegiance_pledge", "defection")
    assert not same_kind("attack", "arrest")
    assert not same_kind("airstrike", "bombing")


def test_unknown_type_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown event type 'picnic'"):
        event_type("picnic")
