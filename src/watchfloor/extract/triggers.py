"""Event trigger detection on a spaCy parse, and the lexicons the event rules use.

A trigger is a token (verb or noun) that names an event of a native type from
``watchfloor.extract.taxonomy``.  Detection works on lemmas and dependencies so
it is insensitive to case (MUC-4 text is lower-cased).  Lexicons are general
knowledge of the field (weapons, target nouns), never keyed to a given report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

log = logging.getLogger(__name__)

#: Verb lemma -> native type.
VERB_TRIGGERS: dict[str, str] = {
    "attack": "attack",
    "storm": "armed_assault",
    "ambush": "armed_assault",
    "raid": "raid",
    "assault": "armed_assault",
    "shoot": "armed_assault",
    "gun": "armed_assault",
    "massacre": "attack",
    "bomb": "bombing",
    "assassinate": "assassination",
    "murder": "assassination",
    "behead": "assassination",
    "execute": "assassination",
    "kidnap": "kidnapping",
    "abduct": "kidnapping",
    "torch": "arson",
    "burn": "arson",
    "shell": "shelling",
    "clash": "clash",
    "arrest": "arrest",
    "detain": "arrest",
    "apprehend": "arrest",
    "defect": "defection",
    "recruit": "recruitment",
    "accuse": "accusation",
    "criticize": "accusation",
    "criticise": "accusation",
    "blame": "accusation",
    "condemn": "accusation",
    "found": "group_formation",
    "establish": "group_formation",
    "form": "group_formation",
}

#: Verbs that are events only with one of these object nouns.
OBJECT_TRIGGERS: dict[str, tuple[frozenset[str], str]] = {
    "target": (frozenset(), "attack"),  # any concrete object
    "hit": (frozenset(), "attack"),
    "strike": (frozenset(), "attack"),
    "pledge": (frozenset({"allegiance", "loyalty", "bay'ah", "bayah", "baya"}), "allegiance_pledge"),
    "declare": (frozenset({"allegiance", "loyalty"}), "allegiance_pledge"),
    "swear": (frozenset({"allegiance", "loyalty"}), "allegiance_pledge"),
    "switch": (frozenset({"allegiance", "loyalty", "side", "sides"}), "defection"),
    "release": (frozenset({"video", "film", "statement", "leaflet", "propaganda", "message", "audio", "recording",
                           "footage", "magazine", "pamphlet", "communique", "clip", "documentary", "poster"}),
                "propaganda"),
    "publish": (frozenset({"video", "film", "statement", "leaflet", "propaganda", "message", "magazine", "pamphlet",
                           "communique", "poster"}), "propaganda"),
    "issue": (frozenset({"video", "statement", "leaflet", "message", "communique", "pamphlet", "fatwa"}),
              "propaganda"),
    "distribute": (frozenset({"leaflet", "pamphlet", "propaganda", "video", "poster", "flyer", "letter"}),
                   "propaganda"),
    "air": (frozenset({"video", "film", "message", "footage"}), "propaganda"),
    "broadcast": (frozenset({"video", "film", "message", "footage"}), "propaganda"),
    "post": (frozenset({"video", "film", "message", "footage", "statement"}), "propaganda"),
    "hoist": (frozenset({"flag", "banner"}), "propaganda"),
    "raise": (frozenset({"flag", "banner"}), "propaganda"),
    "plant": (frozenset({"flag", "banner"}), "propaganda"),
    "seize": (frozenset({"control"}), "territorial_control"),
    "take": (frozenset({"control"}), "territorial_control"),
    "gain": (frozenset({"control"}), "territorial_control"),
    "wrest": (frozenset({"control"}), "territorial_control"),
    "assume": (frozenset({"control"}), "territorial_control"),
    "capture": (frozenset({"town", "city", "village", "district", "area", "territory", "base", "province"}),
                "territorial_control"),
    "overrun": (frozenset(), "territorial_control"),
    "open": (frozenset({"fire"}), "armed_assault"),
    "set": (frozenset({"fire", "ablaze"}), "arson"),
    "blow": (frozenset(), "bombing"),  # "blew up"
    "detonate": (frozenset(), "bombing"),
    "claim": (frozenset({"responsibility"}), "claim_of_responsibility"),
}

#: Noun lemma -> native type.
NOUN_TRIGGERS: dict[str, str] = {
    "attack": "attack",
    "assault": "armed_assault",
    "bombing": "bombing",
    "blast": "bombing",
    "explosion": "bombing",
    "ambush": "armed_assault",
    "massacre": "attack",
    "shooting": "armed_assault",
    "raid": "raid",
    "assassination": "assassination",
    "kidnapping": "kidnapping",
    "abduction": "kidnapping",
    "arson": "arson",
    "airstrike": "airstrike",
    "shelling": "shelling",
    "clash": "clash",
    "battle": "clash",
    "arrest": "arrest",
    "defection": "defection",
    "recruitment": "recruitment",
    "bomber": "bombing",
    "bomb": "bombing",
}

#: Weak triggers: only events on their own when nothing stronger is in the sentence.
WEAK_VERBS: frozenset[str] = frozenset({"kill", "die", "wound", "injure", "explode", "eliminate"})

#: Nouns naming the death of someone ("the death of P").
DEATH_NOUNS: frozenset[str] = frozenset({"death", "killing", "assassination", "elimination"})

#: Aerial words turning a strike into an airstrike.
AERIAL_WORDS: frozenset[str] = frozenset(
    {"air", "drone", "aircraft", "jet", "warplane", "helicopter", "airplane", "plane", "aerial", "airforce", "uav"}
)

#: Words that mark leadership (for leader_killed).
LEADER_NOUNS: frozenset[str] = frozenset(
    {"leader", "commander", "chief", "emir", "amir", "head", "founder", "spokesman", "deputy", "militant"}
)

#: Lemmas under which a trigger is hypothetical (not a specific past event).
IRREALIS_LEMMAS: frozenset[str] = frozenset(
    {
        "plan", "threaten", "vow", "intend", "want", "seek", "aim", "hope", "try", "attempt", "enable", "allow",
        "prepare", "continue", "begin", "start", "likelihood", "possibility", "ability", "capacity", "capability",
        "able", "fear", "warn", "prevent", "avoid", "refuse", "fail", "threat", "risk", "wish", "expect",
        "call", "urge", "invite", "ask", "encourage", "order", "bid", "effort", "demand", "need", "goal",
    }
)
#: Irrealis lemmas that still report a real event when a date is given ("started to seize control in 2014").
SOFT_IRREALIS: frozenset[str] = frozenset({"begin", "start", "continue", "try", "attempt"})
MODALS: frozenset[str] = frozenset({"could", "would", "may", "might", "should", "will", "shall", "can", "must", "'ll"})

#: Modifiers saying an event is a different one from the one before ("a similar attack").
NEW_EVENT_MODIFIERS: frozenset[str] = frozenset(
    {"similar", "another", "second", "third", "other", "further", "separate", "new", "earlier", "previous", "latest"}
)

#: Target nouns -> target type (GTD-like target categories).
TARGET_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ["church", "mosque", "shrine", "temple", "synagogue", "cathedral", "chapel", "imambargah", "worship",
         "worshipper", "worshiper", "pilgrim", "congregation", "seminary", "madrasa", "madrassa", "monastery",
         "gurdwara", "dargah", "shia", "sufi", "christian", "priest", "cleric", "imam"],
        "religious",
    ),
    **dict.fromkeys(
        ["court", "ministry", "parliament", "government", "governor", "official", "mayor", "minister", "office",
         "council", "judge", "municipality", "administration", "legislature", "senator", "congressman", "palace",
         "compound", "election", "polling", "headquarters"],
        "government",
    ),
    **dict.fromkeys(
        ["army", "military", "soldier", "troop", "base", "barracks", "garrison", "battalion", "brigade", "convoy",
         "checkpoint", "outpost", "cadet", "academy", "officer", "serviceman", "patrol"],
        "military",
    ),
    **dict.fromkeys(["police", "policeman", "policemen", "station", "constable", "cop", "guard"], "police"),
    **dict.fromkeys(["embassy", "consulate", "diplomat", "ambassador", "mission"], "diplomatic"),
    **dict.fromkeys(
        ["market", "bazaar", "hotel", "restaurant", "bank", "shop", "store", "company", "factory", "business",
         "mall", "plant"],
        "business",
    ),
    **dict.fromkeys(["school", "university", "college", "student", "teacher", "campus"], "educational"),
    **dict.fromkeys(
        ["bus", "train", "airport", "station", "bridge", "highway", "railway", "vehicle", "road"], "transport"
    ),
    **dict.fromkeys(["journalist", "reporter", "newspaper", "radio", "television", "tv"], "journalists"),
    **dict.fromkeys(
        ["civilian", "people", "villager", "resident", "passenger", "park", "wedding", "funeral", "crowd",
         "peasant", "family", "children", "child", "woman", "women"],
        "civilians",
    ),
    **dict.fromkeys(["hospital", "clinic", "doctor", "nurse"], "civilians"),
    **dict.fromkeys(["pipeline", "tower", "power", "substation", "dam", "electricity"], "utilities"),
}
#: Adjectives forcing a target type whatever the noun ("Military Hospital", "Shia cultural center").
TARGET_MODIFIERS: dict[str, str] = {
    "military": "military",
    "army": "military",
    "police": "police",
    "shia": "religious",
    "sufi": "religious",
    "christian": "religious",
    "hindu": "religious",
    "sikh": "religious",
    "ahmadi": "religious",
    "supreme": "government",
    "government": "government",
    "presidential": "government",
}

#: Weapon words -> general weapon class (GTD weaptype names, lower case).
WEAPONS: dict[str, str] = {
    **dict.fromkeys(
        ["bomb", "ied", "explosive", "explosives", "vest", "grenade", "mine", "landmine", "dynamite", "rocket",
         "mortar", "missile", "shell", "artillery", "tnt", "detonator", "blast", "explosion", "bombing", "bomber",
         "rpg", "c-4", "carbomb", "vbied"],
        "explosives",
    ),
    **dict.fromkeys(
        ["rifle", "gun", "firearm", "pistol", "ak-47", "kalashnikov", "machinegun", "submachinegun", "shotgun",
         "m-16", "revolver", "gunfire", "bullet", "gunman", "gunmen", "shooting", "sniper", "fal", "galil", "uzi"],
        "firearms",
    ),
    **dict.fromkeys(["fire", "arson", "molotov", "incendiary", "gasoline", "petrol", "torch"], "incendiary"),
    **dict.fromkeys(["knife", "machete", "axe", "sword", "stab"], "melee"),
    **dict.fromkeys(["truck", "car"], "vehicle"),
}


@dataclass(slots=True)
class Trigger:
    """A token naming an event, with the native type it names."""

    token: Token
    type: str
    weak: bool = False
    object_token: Token | None = None  # the object that licensed an object trigger ("allegiance", "video")


def _objects(token: Token) -> list[Token]:
    """Direct and prepositional objects of a verb, and particles ("blew up")."""
    out: list[Token] = []
    for child in token.children:
        if child.dep_ in {"dobj", "attr", "nsubjpass", "oprd"}:
            out.append(child)
            out.extend(c for c in child.children if c.dep_ == "conj")
        elif child.dep_ in {"prep", "agent"}:
            out.extend(c for c in child.children if c.dep_ == "pobj")
    return out


def _is_modifier(token: Token) -> bool:
    """A noun used as a modifier of another noun ("recruitment networks", "attack helicopters")."""
    return token.dep_ in {"compound", "amod", "nmod"} and token.head.pos_ in {"NOUN", "PROPN"} and (
        token.head.lemma_.lower() not in NOUN_TRIGGERS
    )


def _verb_trigger(token: Token) -> Trigger | None:
    lemma = token.lemma_.lower()
    if lemma in OBJECT_TRIGGERS:
        nouns, kind = OBJECT_TRIGGERS[lemma]
        objs = _objects(token)
        if lemma == "blow":
            if any(c.dep_ == "prt" and c.lower_ == "up" for c in token.children):
                return Trigger(token, kind)
            return None
        if lemma in {"target", "hit", "strike"}:
            concrete = [o for o in objs if o.dep_ in {"dobj", "nsubjpass"} and o.lower_ not in {"it", "them"}]
            return Trigger(token, kind, weak=lemma != "target", object_token=concrete[0]) if concrete else None
        if not nouns:
            return Trigger(token, kind)
        # objects the parser attached elsewhere ("distributed leaflets calling on ...")
        window = [t for t in token.doc[token.i + 1: min(token.i + 5, token.sent.end)] if t.pos_ == "NOUN"]
        if token.dep_ in {"xcomp", "oprd", "ccomp"}:  # "a flag was seen hoisted"
            window += [c for c in token.head.children if c.dep_ in {"nsubjpass", "nsubj", "dobj"}]
        for obj in objs + window:
            if obj.lemma_.lower() in nouns or obj.lower_ in nouns:
                return Trigger(token, kind, object_token=obj)
            # "released a new propaganda film": object compound
            if any(c.lemma_.lower() in nouns for c in obj.children if c.dep_ in {"compound", "amod"}):
                return Trigger(token, kind, object_token=obj)
        return None
    if lemma == "come" and any(
        c.dep_ == "prep" and c.lower_ == "into" and any(g.lower_ == "existence" for g in c.children)
        for c in token.children
    ):
        return Trigger(token, "group_formation")
    if lemma in {"found", "form", "establish"}:
        # only passive or with a group-like object: "was founded", "formed a new group"
        passive = any(c.dep_ == "auxpass" for c in token.children)
        grouplike = {"group", "organization", "organisation", "movement", "faction", "front", "party", "militia",
                     "branch", "wing", "province", "alliance", "coalition"}
        objs = _objects(token)
        subj = [c for c in token.children if c.dep_ in {"nsubjpass", "nsubj"}]
        if passive and subj and (subj[0].pos_ == "PROPN" or subj[0].lemma_.lower() in grouplike):
            return Trigger(token, "group_formation")
        if any(o.dep_ == "dobj" and o.lemma_.lower() in grouplike for o in objs):
            return Trigger(token, "group_formation")
        return None
    if lemma in VERB_TRIGGERS:
        return Trigger(token, VERB_TRIGGERS[lemma])
    if lemma in WEAK_VERBS:
        return Trigger(token, "attack", weak=True)
    return None


def _noun_trigger(token: Token) -> Trigger | None:
    lemma = token.lemma_.lower()
    text = token.lower_
    if lemma == "strike" or lemma == "raid":
        mods = {c.lower_ for c in token.children if c.dep_ in {"compound", "amod", "nmod"}}
        if mods & AERIAL_WORDS:
            return Trigger(token, "airstrike")
        if lemma == "raid":
            return Trigger(token, "raid")
        return None
    if text in {"airstrike", "airstrikes", "air-strike", "air-strikes"}:
        return Trigger(token, "airstrike")
    if lemma in DEATH_NOUNS and any(c.dep_ == "prep" and c.lower_ == "of" for c in token.children):
        if lemma == "assassination":
            return Trigger(token, "assassination")
        return Trigger(token, "leader_killed", weak=True)
    if lemma in NOUN_TRIGGERS:
        if _is_modifier(token):
            return None
        if lemma == "bomber" and not any(c.lower_ == "suicide" for c in token.children):
            return None
        if lemma == "battle" and token.head.lemma_.lower() in {"win", "lose"}:
            return None
        return Trigger(token, NOUN_TRIGGERS[lemma])
    return None


def find_triggers(sent: SpacySpan) -> list[Trigger]:
    """All triggers in one sentence, in token order."""
    found: list[Trigger] = []
    for token in sent:
        trig: Trigger | None = None
        if token.pos_ in {"VERB", "AUX"} or token.tag_.startswith("VB"):
            trig = _verb_trigger(token)
        if trig is None and token.pos_ in {"NOUN", "PROPN"} and token.tag_ != "NNPS":
            trig = _noun_trigger(token)
        if trig is not None:
            found.append(trig)
    return found


def is_suicide(tokens: list[Token]) -> bool:
    """Whether "suicide" modifies one of ``tokens`` or a word of their clause."""
    return any(t.lower_ in {"suicide", "self-immolation"} for t in tokens)


def weapon_classes(tokens: list[Token]) -> list[str]:
    """General weapon classes named among ``tokens`` (order of first mention, no repeats)."""
    out: list[str] = []
    for t in tokens:
        for key in (t.lower_, t.lemma_.lower(), t.lower_.removesuffix("s")):
            cls = WEAPONS.get(key)
            if cls is not None:
                if key == "fire" and not (t.head.lemma_.lower() in {"set", "open"} or t.dep_ == "dobj"):
                    continue
                if key == "fire" and t.head.lemma_.lower() == "open":
                    cls = "firearms"
                if cls not in out:
                    out.append(cls)
                break
    return out


def target_type(tokens: list[Token]) -> str | None:
    """The target category of a target phrase (modifiers win over the head noun)."""
    for t in tokens:
        forced = TARGET_MODIFIERS.get(t.lower_)
        if forced and t.dep_ in {"compound", "amod", "nmod"}:
            return forced
    for t in reversed(tokens):
        kind = TARGET_TYPES.get(t.lemma_.lower()) or TARGET_TYPES.get(t.lower_)
        if kind:
            return kind
    return None
