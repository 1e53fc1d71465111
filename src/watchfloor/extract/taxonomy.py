"""watchfloor's native event taxonomy and its mappings onto the field's standards.

Each native type is a frozen ``EventType``: its family, its parent type, the
``watchfloor-gold/1`` export name (type and subtype), and where one applies the
ACLED ``event_type``/``sub_event_type``, the GTD ``attacktype1`` label, the
PLOVER event type and the MUC-4 incident type.  Values are taken from those
standards' published code lists (ACLED codebook 2023, GTD codebook, PLOVER
ontology, MUC-4 task definition as processed by GTT).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from watchfloor.errors import ConfigError

log = logging.getLogger(__name__)


class Family(StrEnum):
    VIOLENCE = "violence"
    SECURITY_OPERATION = "security_operation"
    GROUP_LIFE_CYCLE = "group_life_cycle"


@dataclass(frozen=True, slots=True)
class EventType:
    """One native event type with its mappings."""

    name: str
    family: Family
    parent: str | None
    export_type: str
    export_subtype: str | None = None
    acled_event_type: str | None = None
    acled_sub_event_type: str | None = None
    gtd_attacktype: str | None = None
    plover: str | None = None
    muc4: str | None = None


#: ACLED event types and sub-event types (ACLED codebook).
ACLED_CODES: dict[str, frozenset[str]] = {
    "Battles": frozenset({"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}),
    "Explosions/Remote violence": frozenset(
        {
            "Chemical weapon",
            "Air/drone strike",
            "Suicide bomb",
            "Shelling/artillery/missile attack",
            "Remote explosive/landmine/IED",
            "Grenade",
        }
    ),
    "Violence against civilians": frozenset({"Sexual violence", "Attack", "Abduction/forced disappearance"}),
    "Protests": frozenset({"Peaceful protest", "Protest with intervention", "Excessive force against protesters"}),
    "Riots": frozenset({"Violent demonstration", "Mob violence"}),
    "Strategic developments": frozenset(
        {
            "Agreement",
            "Arrests",
            "Change to group/activity",
            "Disrupted weapons use",
            "Headquarters or base established",
            "Looting/property destruction",
            "Non-violent transfer of territory",
            "Other",
        }
    ),
}

#: GTD ``attacktype1_txt`` values.
GTD_ATTACK_TYPES: frozenset[str] = frozenset(
    {
        "Assassination",
        "Armed Assault",
        "Bombing/Explosion",
        "Hijacking",
        "Hostage Taking (Barricade Incident)",
        "Hostage Taking (Kidnapping)",
        "Facility/Infrastructure Attack",
        "Unarmed Assault",
        "Unknown",
    }
)

#: PLOVER event types.
PLOVER_TYPES: frozenset[str] = frozenset(
    {
        "AGREE",
        "CONSULT",
        "SUPPORT",
        "CONCEDE",
        "COOPERATE",
        "AID",
        "RETREAT",
        "REQUEST",
        "ACCUSE",
        "REJECT",
        "THREATEN",
        "PROTEST",
        "SANCTION",
        "MOBILIZE",
        "COERCE",
        "ASSAULT",
    }
)

#: MUC-4 incident types (GTT processed form, lower case).
MUC4_TYPES: frozenset[str] = frozenset({"attack", "bombing", "kidnapping", "arson", "robbery", "forced work stoppage"})

_V = Family.VIOLENCE
_S = Family.SECURITY_OPERATION
_G = Family.GROUP_LIFE_CYCLE
_EXV = "Explosions/Remote violence"
_VAC = "Violence against civilians"
_SD = "Strategic developments"

_TYPES: tuple[EventType, ...] = (
    EventType("attack", _V, None, "attack", None, _VAC, "Attack", "Unknown", "ASSAULT", "attack"),
    EventType(
        "suicide_attack", _V, "attack", "attack", "suicide_attack", _EXV, "Suicide bomb", "Bombing/Explosion",
        "ASSAULT", "bombing",
    ),
    EventType(
        "bombing", _V, "attack", "attack", "bombing", _EXV, "Remote explosive/landmine/IED", "Bombing/Explosion",
        "ASSAULT", "bombing",
    ),
    EventType(
        "armed_assault", _V, "attack", "attack", "armed_assault", _VAC, "Attack", "Armed Assault", "ASSAULT", "attack"
    ),
    EventType(
        "assassination", _V, "attack", "attack", "assassination", _VAC, "Attack", "Assassination", "ASSAULT", "attack"
    ),
    EventType(
        "kidnapping", _V, "attack", "attack", "kidnapping", _VAC, "Abduction/forced disappearance",
        "Hostage Taking (Kidnapping)", "ASSAULT", "kidnapping",
    ),
    EventType(
        "arson", _V, "attack", "attack", None, _SD, "Looting/property destruction", "Facility/Infrastructure Attack",
        "ASSAULT", "arson",
    ),
    EventType("airstrike", _V, None, "airstrike", None, _EXV, "Air/drone strike", None, "ASSAULT", "attack"),
    EventType(
        "shelling", _V, None, "attack", None, _EXV, "Shelling/artillery/missile attack", "Bombing/Explosion",
        "ASSAULT", "attack",
    ),
    EventType("clash", _V, None, "attack", "armed_assault", "Battles", "Armed clash", "Armed Assault", "ASSAULT",
              "attack"),
    EventType("arrest", _S, None, "arrest", None, _SD, "Arrests", None, "COERCE", None),
    EventType("raid", _S, None, "attack", "armed_assault", "Battles", "Armed clash", None, "ASSAULT", "attack"),
    EventType("leader_killed", _S, None, "leader_killed", None, _SD, "Change to group/activity", None, "ASSAULT",
              None),
    EventType("allegiance_pledge", _G, None, "allegiance_pledge", None, _SD, "Change to group/activity", None,
              "COOPERATE", None),
    EventType("defection", _G, None, "defection", None, _SD, "Change to group/activity", None, "COOPERATE", None),
    EventType("group_formation", _G, None, "group_formation", None, _SD, "Change to group/activity", None,
              "MOBILIZE", None),
    EventType("recruitment", _G, None, "recruitment", None, _SD, "Change to group/activity", None, "MOBILIZE", None),
    EventType("propaganda", _G, None, "propaganda", None, _SD, "Other", None, "THREATEN", None),
    EventType("claim_of_responsibility", _G, None, "propaganda", None, _SD, "Other", None, "THREATEN", None),
    EventType("accusation", _G, None, "accusation", None, _SD, "Other", None, "ACCUSE", None),
    EventType("territorial_control", _G, None, "territorial_control", None, "Battles",
              "Non-state actor overtakes territory", None, "COERCE", None),
)

TAXONOMY: dict[str, EventType] = {t.name: t for t in _TYPES}

#: Gold export types that count as one family when matching (``allegiance_pledge`` ~ ``defection``).
EXPORT_FAMILIES: dict[str, str] = {"defection": "allegiance_pledge"}


def event_type(name: str) -> EventType:
    """The native type called ``name``; unknown names raise ``ConfigError``."""
    try:
        return TAXONOMY[name]
    except KeyError:
        raise ConfigError(f"unknown event type {name!r} (known: {', '.join(sorted(TAXONOMY))})") from None


def export_name(name: str) -> tuple[str, str | None]:
    """``(type, subtype)`` of a native type in ``watchfloor-gold/1``."""
    t = event_type(name)
    return t.export_type, t.export_subtype


def family(name: str) -> Family:
    return event_type(name).family


def root_type(name: str) -> str:
    """The top-level native type (``suicide_attack`` -> ``attack``)."""
    t = event_type(name)
    while t.parent is not None:
        t = event_type(t.parent)
    return t.name


def same_kind(a: str, b: str) -> bool:
    """Whether two native types can describe the same real-world event (coreference)."""
    if a == b:
        return True
    fa, fb = family(a), family(b)
    if fa != fb:
        return False
    if fa is Family.VIOLENCE:
        violent_core = {"attack", "shelling", "clash"}
        ra, rb = root_type(a), root_type(b)
        return ra == rb or (ra in violent_core and rb in violent_core)
    pair = {a, b}
    return pair <= {"allegiance_pledge", "defection"} or pair <= {"propaganda", "claim_of_responsibility"}
