"""Document-local actors: find them, link them to the KB, group their aliases, resolve references.

``extract_actors(annotated, kb=...)`` combines two sources of candidates:

* the entity mentions of the parse (spaCy ``ORG/NORP/PERSON/GPE`` or re3d
  ``Organisation/Person/Nationality/Location``), cleaned of articles,
  possessives and stray punctuation, person names extended over honorifics
  ("Mullah", "Qari", "Haji") and preceding name tokens;
* a scan of the text for every KB name (a dictionary lookup over word
  n-grams, longest match first), which catches names the parser misses or
  mislabels ("Lashkar-e-Jhangvi" tagged PERSON).

Candidates are grouped into document-local actors: by KB id; by an acronym
defined in parentheses after a name ("IS Khorasan Province (ISK-P)"); by
"a.k.a." / "also known as"; by a later partial person name ("Ghous" after
"Ghulam Ghous Kumar"); and by identical normalised text.  Bare country names
become state actors only where the state acts in the sentence (subject,
agent, accused, "Iran's ...").  Finally "the group", "the organization",
"the militants", "it/its/they/their" are attached as extra mentions (not
aliases) to the most salient recent armed-group actor.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from watchfloor.models import ActorKind, ActorRecord, ActorSet, Annotated, Span
from watchfloor.resolve.kb import ActorKB, KBActor, fold, is_acronym, load_actor_kb, name_tokens, normalise

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

log = logging.getLogger(__name__)

_ORG_LABELS = frozenset({"ORG", "Organisation", "Organization"})
_PERSON_LABELS = frozenset({"PERSON", "Person"})
_GPE_LABELS = frozenset({"GPE", "Location", "LOC"})
_NORP_LABELS = frozenset({"NORP", "Nationality"})

#: Honorifics that are part of a person's name as written in the field ("Mullah Omar").
_HONORIFICS = frozenset(
    [
        "mullah", "mulla", "maulana", "maulvi", "mawlawi", "mawlana", "molvi", "qari", "haji", "hajji", "hafiz",
        "sheikh", "shaykh", "shaikh", "mufti", "sayyid", "syed", "sayed", "pir", "abu", "umm", "ustad", "hazrat",
        "amir", "emir", "imam", "mir", "sufi", "allama"
    ]
)
#: Job titles that precede a name but are not part of it.
_TITLES = frozenset(
    [
        "general", "gen.", "gen", "sgt", "spc", "pfc", "cpl", "pvt", "adm", "staff", "lt", "col", "maj", "capt",
        "commander", "cmdr", "colonel", "col.", "major", "maj.", "captain", "capt.",
        "lieutenant", "lt.", "sergeant", "president", "minister", "prime", "governor", "spokesman", "spokesperson",
        "mr", "mr.", "mrs", "ms", "dr", "dr.", "professor", "prof.", "senator", "chief", "leader", "militant",
        "recruiter", "student", "cleric", "judge", "sir", "lord", "king", "prince", "queen", "ambassador"
    ]
)
#: Head words of armed-group names in several languages of the field.
_GROUP_WORDS = frozenset(
    [
        "lashkar", "jaish", "jaysh", "tehrik", "tehreek", "tahrik", "harakat", "harkat", "jamaat", "jama'at",
        "jamaat-ul", "jamiat", "ansar", "ansaru", "ansarul", "jund", "jundallah", "jundullah", "hizb", "hezb",
        "hizbul", "katibat", "katiba", "kataib", "kata'ib", "liwa", "saraya", "asaib", "sipah", "tanzim", "wilayat",
        "wilayah", "brigade", "brigades", "front", "army", "militia", "militias", "movement", "battalion",
        "battalions", "division", "corps", "mujahideen", "mujahidin", "fighters", "rebels", "forces", "guard",
        "guards", "legion", "martyrs", "resistance", "liberation", "insurgents", "taliban", "mahaz", "lashkar-e"
    ]
)
_PARTY_WORDS = frozenset({"party", "league", "congress", "alliance"})
_PLACE_TAILS = frozenset({"department", "province", "district", "municipality", "county", "region", "village", "city",
                          "town", "valley", "governorate", "prefecture", "commune", "oblast"})
#: Weapon and platform acronyms the parser tags as organisations.
_EQUIPMENT = frozenset({"ied", "vbied", "svbied", "pbied", "uav", "uas", "rpg", "manpads", "atgm", "ak47", "apc", "ifv",
                        "mrap", "humvee", "hmmwv"})
_MEDIA_WORDS = frozenset({"agency", "news", "media", "foundation", "press", "radio", "magazine", "newsletter",
                          "tribune", "times", "post", "herald", "gazette", "daily", "channel", "tv", "television"})
#: Nouns naming places/buildings: a name governed by them is not an actor.
_PLACE_NOUNS = frozenset(
    [
        "district", "districts", "village", "villages", "province", "provinces", "area", "areas", "town", "towns",
        "city", "cities", "region", "regions", "valley", "neighborhood", "neighbourhood", "shrine", "mosque",
        "church", "tomb", "camp", "camps", "county", "state", "border", "border-crossing", "road"
    ]
)
_FACILITY_WORDS = frozenset(
    [
        "mosque", "church", "college", "university", "school", "hospital", "embassy", "court", "shrine", "line",
        "bridge", "airport", "base", "prison", "hotel", "market", "station", "center", "centre", "temple",
        "seminary", "madrasa", "madrassa", "institute"
    ]
)
#: Religious/ethnic collectives that the parser likes to tag as ORG/PERSON.
_COLLECTIVES = frozenset(
    [
        "shia", "shias", "shiite", "shiites", "sunni", "sunnis", "sufi", "sufis", "christian", "christians",
        "muslim", "muslims", "hindu", "hindus", "sikh", "sikhs", "ahmadi", "ahmadis", "jews", "yazidi", "yazidis",
        "islam", "islamic", "deobandi", "salafi", "salafis", "media"
    ]
)
#: Words that make a country name an acting state when they are its head ("Iran's support").
_STATE_HEADS = frozenset(
    [
        "government", "regime", "authorities", "forces", "troops", "army", "military", "officials", "president",
        "ministry", "support", "backing", "involvement", "intervention", "role", "intelligence", "agencies", "navy",
        "airstrikes", "strikes", "policy", "leadership"
    ]
)
_ACCUSE_VERBS = frozenset(
    [
        "accuse", "criticize", "criticise", "blame", "condemn", "urge", "warn", "sanction", "support", "fund",
        "arm", "back", "attack", "invade", "pressure", "threaten", "help", "aid", "target", "bomb", "strike",
        "designate"
    ]
)
_FROM_HEADS = frozenset(
    [
        "blows", "strikes", "attacks", "pressure", "pressures", "support", "aid", "backing", "airstrikes",
        "those", "that", "these"
    ]
)
_GENERIC_TAIL = re.compile(r"^[ \u00a0]+(Movement|Group|Organization|Organisation|Network)\b")
_PAREN_AFTER = re.compile(r"^[ \u00a0]*\(([^()\n]{1,20})\)")
_AKA_AFTER = re.compile(
    r"^[ \u00a0]*[(,][ \u00a0]*(?:a\.k\.a\.?|aka|also known as|alias|known as)[ \u00a0]+", re.IGNORECASE
)
_WORD_RE = re.compile(r"[^\W_]+")
_LOCATIVE_BEFORE = re.compile(r"(?:^|\b)(?:[Nn]ear|[Ii]n|[Aa]t|[Oo]utside|[Aa]round)[ \u00a0]+$")
_INLINE_HEADING = re.compile(r"^\s*(?:[\d\W]{1,4}\s*)?((?:[A-Z][\w'’-]*\s+(?:(?:the|of|and|for|a|an|to|in)\s+)?){0,5}"
                             r"[A-Z][\w'’-]*):")
_GAP_OK = re.compile(r"^(?:[ \u00a0]{1,2}|[ \u00a0]?[-–—][ \u00a0]?|'|’|\.|\. )$")

_NOMINALS = re.compile(
    r"\b(?:the|this|that)\s+(?:(?:terrorist|militant|jihadist|extremist|armed|insurgent|islamist|terror)\s+)?"
    r"(group|organization|organisation|outfit|militants|movement)\b(?!\s*(?-i:[A-Z(]))",
    re.IGNORECASE,
)
_PRONOUNS = re.compile(r"\b(it|its|they|their|them)\b", re.IGNORECASE)


@dataclass(slots=True)
class _Cand:
    """A candidate actor mention before grouping."""

    start: int
    end: int
    text: str
    kind: ActorKind
    kb: KBActor | None = None
    source: str = "ner"  # "kb" | "ner" | "acronym" | "aka" | "subunit"
    place_like: bool = False  # a bare country name: an actor only where the state acts

    @property
    def key(self) -> str:
        return normalise(self.text)


@dataclass(slots=True)
class _Group:
    cands: list[_Cand] = field(default_factory=list)
    kb: KBActor | None = None
    kind: ActorKind = ActorKind.ORGANISATION
    refs: list[Span] = field(default_factory=list)  # coreferent nominal/pronoun mentions

    @property
    def first(self) -> int:
        return min(c.start for c in self.cands)


# =========================================================================== public API


def extract_actors(annotated: Annotated, *, kb: ActorKB | None = None) -> ActorSet:
    """The actors of one document with their aliases, mentions, KB links and coreferent mentions."""
    kb = kb if kb is not None else load_actor_kb()
    text = annotated.document.text
    lowercase_doc = _is_lowercase(text)
    headings = _heading_spans(text)
    kb_cands = scan_kb(text, kb, lowercase_doc=lowercase_doc)
    ner_cands = _ner_candidates(annotated, kb, headings)
    cands = _merge_candidates(kb_cands, ner_cands)
    cands = _add_person_group_names(cands, text)
    cands = _filter_states(cands, annotated.doc, text)
    groups = _group(cands, text, kb)
    _attach_references(groups, annotated)
    return _to_actor_set(groups, text)


def scan_kb(text: str, kb: ActorKB, *, lowercase_doc: bool = False) -> list[_Cand]:
    """Every KB name in ``text``, longest match first, as candidates (fast: dictionary look-ups over n-grams)."""
    words = [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    folded = [fold(text[s:e]) for s, e in words]
    out: list[_Cand] = []
    i, n, max_n = 0, len(words), kb.max_alias_tokens
    while i < n:
        found = _longest_at(text, words, folded, i, min(max_n, n - i), kb, lowercase_doc)
        if found is None:
            i += 1
            continue
        j, actor = found
        start, end = words[i][0], words[j - 1][1]
        cand = _kb_cand(text, start, end, actor)
        if cand is not None:
            out.append(cand)
        i = j
    return out


# =========================================================================== KB scan


def _longest_at(
    text: str,
    words: Sequence[tuple[int, int]],
    folded: Sequence[str],
    i: int,
    max_len: int,
    kb: ActorKB,
    lowercase_doc: bool,
) -> tuple[int, KBActor] | None:
    start = words[i][0]
    tokens: list[str] = []
    for k in range(i, i + max_len):
        if k > i:
            gap = text[words[k - 1][1] : words[k][0]]
            if not _GAP_OK.match(gap) or (gap == ". " and words[k - 1][1] - words[k - 1][0] > 1):
                break
        tokens.append(folded[k])
    lengths = kb.candidate_lengths(tokens)
    if not lengths or _inside_compound_left(text, start):
        return None
    for length in lengths:
        j = i + length
        if j > i + 1 and folded[j - 1] == "s" and text[words[j - 1][0] - 1 : words[j - 1][0]] in ("'", "’"):
            continue  # never end on a possessive "s"
        end = words[j - 1][1]
        surface = text[start:end]
        actor = kb.match_key(tokens[: j - i], surface)
        if actor is None:
            continue
        if not _case_ok(surface, j - i, lowercase_doc):
            continue
        if _inside_compound_right(text, end):
            continue
        return j, actor
    return None


def _inside_compound_left(text: str, start: int) -> bool:
    """``start`` continues a hyphenated capitalised compound ("Daesh-Khorasan" seen from "Khorasan")."""
    if start < 2 or text[start - 1] not in "-–" or not text[start - 2].isalnum():
        return False
    m = re.search(r"([^\W_]+)$", text[max(0, start - 41) : start - 1])
    return bool(m and m.group(1)[:1].isupper())


def _inside_compound_right(text: str, end: int) -> bool:
    """``end`` is followed by "-Word" with a capital or digit ("TTP-Karachi"), so the name goes on."""
    return len(text) > end + 1 and text[end] in "-–" and (text[end + 1].isupper() or text[end + 1].isdigit())


def _case_ok(surface: str, n_tokens: int, lowercase_doc: bool) -> bool:
    if lowercase_doc or n_tokens > 1:
        return True
    first = next((ch for ch in surface if ch.isalpha()), "")
    return not first or first.isupper() or not first.isascii()


def _kb_cand(text: str, start: int, end: int, actor: KBActor) -> _Cand | None:
    surface = text[start:end]
    place_like = actor.kind is ActorKind.STATE and _is_country_name(surface, actor)
    m = _GENERIC_TAIL.match(text[end:])
    if m and not place_like and actor.kind is ActorKind.ARMED_GROUP:
        end += m.end()
        surface = text[start:end]
    return _Cand(start, end, surface, actor.kind, kb=actor, source="kb", place_like=place_like)


def _is_country_name(surface: str, actor: KBActor) -> bool:
    folded = fold(surface)
    if any(w in folded for w in ("government", "regime", "authorities", "administration", "forces", "troops",
                                 "army", "military", "junta", "soldiers")):
        return False
    return bool(actor.country)


# =========================================================================== parser mentions


def _ner_candidates(annotated: Annotated, kb: ActorKB, headings: list[tuple[int, int]]) -> list[_Cand]:
    text = annotated.document.text
    doc = annotated.doc
    place_keys = {normalise(m.text) for m in annotated.mentions if m.label in _GPE_LABELS}
    out: list[_Cand] = []
    for mention in annotated.mentions:
        label = mention.label
        if label not in _ORG_LABELS | _PERSON_LABELS | _GPE_LABELS:
            continue
        span = _clean_span(text, mention.start, mention.end)
        if span is None:
            continue
        start, end = span
        if label in _PERSON_LABELS:
            start = _extend_person_left(text, start, doc)
            start, end = _strip_titles(text, start, end)
        if end <= start:
            continue
        surface = text[start:end]
        actor = kb.lookup(surface)
        in_heading = any(hs <= start and end <= he for hs, he in headings)
        if actor is not None:
            place_like = actor.kind is ActorKind.STATE and _is_country_name(surface, actor)
            out.append(_Cand(start, end, surface, actor.kind, kb=actor, source="ner", place_like=place_like))
            continue
        if label in _GPE_LABELS or in_heading or _is_junk(surface, kb) or normalise(surface) in place_keys:
            continue
        kind = _kind_of_unlinked(text, start, end, label, doc)
        if kind is None:
            continue
        if kind is ActorKind.MEDIA and text[max(0, start - 4) : start] in ("The ", "the "):
            start -= 4  # outlets keep their article: "The News", "The Nation"
            surface = text[start:end]
        out.append(_Cand(start, end, surface, kind))
    return out


def _clean_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim articles, possessives, digits, brackets and stray punctuation from a mention span."""
    surface = text[start:end]
    cut = re.search(r"\s*[(\[]|\s+\(|[,;:]|\n", surface)
    if cut:
        end = start + cut.start()
    surface = text[start:end]
    lead = re.match(r"^(?:\d+(?=\s)|[^\w\s]+|\s+|_+|(?:the|The|THE|Near|near|In|At|From|On)\s+)+", surface)
    if lead:
        start += lead.end()
    surface = text[start:end]
    tail = re.search(r"(?:['’]s|['’]|[^\w\])]+)$", surface)
    if tail and tail.start() > 0:
        end = start + tail.start()
    return (start, end) if end > start else None


def _extend_person_left(text: str, start: int, doc: Doc | None) -> int:
    """Extend a person name over a preceding honorific or capitalised name token on the same line."""
    for _ in range(3):
        m = re.search(r"([A-Z][\w'’.-]*)[ \u00a0]+$", text[max(0, start - 40) : start])
        if not m:
            break
        word = m.group(1)
        low = word.casefold().rstrip(".")
        if low in _TITLES or low in {"the", "a", "an", "in", "of", "and", "by"}:
            break
        begin = start - (len(text[max(0, start - 40) : start]) - m.start(1))
        if low not in _HONORIFICS and not _is_name_token(text, begin, doc):
            break
        if _sentence_initial(text, begin) and low not in _HONORIFICS:
            break
        start = begin
    return start


def _is_name_token(text: str, begin: int, doc: Doc | None) -> bool:
    if doc is None:
        return False
    span = doc.char_span(begin, begin + 1, alignment_mode="expand")
    if span is None or not len(span):
        return False
    token = span[0]
    return bool(token.pos_ == "PROPN" and not token.ent_type_ and not token.is_sent_start)


def _sentence_initial(text: str, begin: int) -> bool:
    before = text[max(0, begin - 3) : begin].strip()
    return begin == 0 or before == "" or before[-1:] in ".!?\n\"“"


def _strip_titles(text: str, start: int, end: int) -> tuple[int, int]:
    while True:
        m = re.match(r"([\w.]+)[ \u00a0]+", text[start:end])
        if not m or m.group(1).casefold() not in _TITLES:
            return start, end
        start += m.end()


def _is_junk(surface: str, kb: ActorKB) -> bool:
    """Not an actor name: dates/numbers, collectives, nationalities, titles, weapons, places, buildings."""
    key = normalise(surface)
    if not key or len(key) < 2 or re.fullmatch(r"[\d\W]+", surface) or re.search(r"\b\d{4}\b", surface):
        return True
    words = key.split()
    if all(w in _COLLECTIVES or w in _TITLES or w.rstrip(".") in _TITLES for w in words):
        return True
    if words[-1] in _PLACE_TAILS or key.replace(" ", "") in _EQUIPMENT:
        return True
    if len(words) == 1 and (kb.demonym_country(words[0]) or kb.demonym_country(words[0].removesuffix("s"))):
        return True
    return any(w in _FACILITY_WORDS for w in words)


def _kind_of_unlinked(text: str, start: int, end: int, label: str, doc: Doc | None) -> ActorKind | None:
    surface = text[start:end]
    words = set(fold(surface).replace("-", " ").split())
    if words & _GROUP_WORDS or any(w.startswith(("lashkar", "tehrik", "jamaat", "harakat")) for w in words):
        return ActorKind.ARMED_GROUP
    if _in_citation(text, start, end):
        return ActorKind.MEDIA
    if label in _PERSON_LABELS:
        if _governed_by_place_noun(doc, start, end) or _followed_by_place_noun(text, end):
            return None
        if _LOCATIVE_BEFORE.search(text[max(0, start - 9) : start]):
            return None  # "near Raqqah", "in Jhal Magsi": a place
        if not re.match(r"^[A-Z]", surface) or (" " not in surface and _looks_common(surface, doc, start)):
            return None
        return ActorKind.PERSON
    if label in _ORG_LABELS:
        if words & _PARTY_WORDS:
            return ActorKind.POLITICAL_PARTY
        if words & _MEDIA_WORDS:
            return ActorKind.MEDIA
        if len(words) == 1 and not is_acronym(surface) and _looks_common(surface, doc, start):
            return None
        if _followed_by_place_noun(text, end) or _has_verb(doc, start, end):
            return None
        return ActorKind.ORGANISATION
    return None


def _has_verb(doc: Doc | None, start: int, end: int) -> bool:
    span = _doc_span(doc, start, end)
    return bool(span is not None and any(t.pos_ == "VERB" for t in span))


def _looks_common(surface: str, doc: Doc | None, start: int) -> bool:
    """A single word the parser does not take as a proper noun."""
    if doc is None:
        return False
    span = doc.char_span(start, start + len(surface), alignment_mode="expand")
    return bool(span is not None and len(span) and all(t.pos_ not in ("PROPN",) for t in span))


def _in_citation(text: str, start: int, end: int) -> bool:
    """The span opens a bracketed source citation: "(Dawn, December 12, 2017)"."""
    open_at = text.rfind("(", max(0, start - 40), start + 1)
    if open_at < 0 or text[open_at + 1 : start].strip(" \u00a0The"):
        return False
    after = text[end : end + 60]
    return bool(re.match(r"^[^()\n]{0,50}?,\s*(?:[A-Z][a-z]+\.? \d{1,2}|\d{1,2}[ /]|[A-Z][a-z]+ \d{4}|\d{4})", after))


def _followed_by_place_noun(text: str, end: int) -> bool:
    m = re.match(r"^[ \u00a0]+([a-z]+)", text[end : end + 20])
    return bool(m and m.group(1) in _PLACE_NOUNS)


def _governed_by_place_noun(doc: Doc | None, start: int, end: int) -> bool:
    span = _doc_span(doc, start, end)
    if span is None:
        return False
    token: Token = span.root
    for _ in range(3):
        if token.head is token:
            break
        token = token.head
        if token.lower_ in _PLACE_NOUNS or token.ent_type_ in ("GPE", "LOC", "FAC"):
            return True
        if token.pos_ == "VERB":
            break
    return False


def _doc_span(doc: Doc | None, start: int, end: int) -> SpacySpan | None:
    if doc is None:
        return None
    span = doc.char_span(start, end, alignment_mode="expand")
    return span if span is not None and len(span) else None


# =========================================================================== merging candidates


def _merge_candidates(kb_cands: list[_Cand], ner_cands: list[_Cand]) -> list[_Cand]:
    """KB scan matches win over overlapping parser mentions, except a longer linked/person mention."""
    out = list(kb_cands)
    for cand in ner_cands:
        overlapping = [k for k in kb_cands if k.start < cand.end and cand.start < k.end]
        if not overlapping:
            out.append(cand)
            continue
        if cand.kb is not None:
            continue  # the scan holds the same or a more precise KB match
        if cand.kind is ActorKind.PERSON and all(k.kb is not None and k.kb.kind is not ActorKind.PERSON
                                                 for k in overlapping):
            continue
        # parser mention strictly larger than the KB matches and unlinked: a different, longer name
        if all(cand.start <= k.start and k.end <= cand.end for k in overlapping) and cand.kind is ActorKind.PERSON:
            out = [c for c in out if c not in overlapping]
            out.append(cand)
    out.sort(key=lambda c: (c.start, -c.end))
    return out


def _add_person_group_names(cands: list[_Cand], text: str) -> list[_Cand]:
    """A person's name followed by "group"/"faction"/"network" names an armed group ("the Hafiz X group")."""
    out: list[_Cand] = []
    for cand in cands:
        if cand.kind is ActorKind.PERSON:
            m = re.match(r"^[ \u00a0]+(group|faction|network|militia)\b", text[cand.end : cand.end + 12])
            if m:
                end = cand.end + m.end()
                out.append(_Cand(cand.start, end, text[cand.start : end], ActorKind.ARMED_GROUP, source="ner"))
                continue
        out.append(cand)
    return out


def _subunit(text: str, cand: _Cand) -> _Cand | None:
    """"TTP-Karachi": a known group's acronym or name joined to a capitalised word by a hyphen."""
    m = re.match(r"^[-–]([A-Z][\w]+)", text[cand.end : cand.end + 30])
    if not m:
        return None
    end = cand.end + m.end()
    return _Cand(cand.start, end, text[cand.start : end], ActorKind.ARMED_GROUP, source="subunit")


# =========================================================================== states


def _filter_states(cands: list[_Cand], doc: Doc | None, text: str) -> list[_Cand]:
    """Keep bare country names only where the state acts."""
    return [c for c in cands if not c.place_like or _state_acts(doc, c.start, c.end, text)]


def _state_acts(doc: Doc | None, start: int, end: int, text: str) -> bool:
    span = _doc_span(doc, start, end)
    if span is None:
        verbs = r"^[ \u00a0]+(?:has|have|had|accused|said|says|warned|denied|claimed|launched)\b"
        return bool(re.match(verbs, text[end:]))
    token = span.root
    while token.dep_ == "conj" and token.head is not token:
        token = token.head
    dep, head = token.dep_, token.head
    if dep in ("nsubj", "nsubjpass") and head.pos_ in ("VERB", "AUX"):
        return dep == "nsubj" or head.lemma_ in _ACCUSE_VERBS
    if dep == "pobj" and head.lower_ == "by" and head.head.pos_ == "VERB":
        return True
    if dep == "poss" and head.lower_ in _STATE_HEADS:
        return True
    if dep == "dobj" and head.lemma_.casefold() in _ACCUSE_VERBS:
        return True
    return bool(dep == "pobj" and head.lower_ == "from" and head.head.lower_ in _FROM_HEADS)


# =========================================================================== grouping


def _group(cands: list[_Cand], text: str, kb: ActorKB) -> list[_Group]:
    by_kb: dict[str, _Group] = {}
    by_key: dict[str, _Group] = {}
    groups: list[_Group] = []

    def group_for(cand: _Cand) -> _Group:
        if cand.kb is not None and cand.kb.id in by_kb:
            return by_kb[cand.kb.id]
        key = cand.key
        existing = by_key.get(key)
        if existing is not None and (cand.kb is None or existing.kb is None):
            if cand.kb is not None:
                existing.kb = cand.kb
                by_kb[cand.kb.id] = existing
            return existing
        grp = _Group(kb=cand.kb, kind=cand.kind)
        groups.append(grp)
        if cand.kb is not None:
            by_kb[cand.kb.id] = grp
        by_key.setdefault(key, grp)
        return grp

    subunits = [s for s in (_subunit(text, c) for c in cands if c.kind is ActorKind.ARMED_GROUP) if s is not None]
    for cand in sorted([*cands, *subunits], key=lambda c: (c.start, -c.end)):
        if cand.source != "subunit" and any(s.start == cand.start and s.end > cand.end for s in subunits):
            continue
        grp = group_for(cand)
        grp.cands.append(cand)
        if cand.kb is not None:
            grp.kind = cand.kb.kind
        by_key.setdefault(cand.key, grp)
    _merge_acronyms(groups, text, kb, by_key)
    _merge_aka(groups, text)
    _merge_partial_persons(groups)
    _scan_surnames(groups, text)
    _attach_media_owner(groups, text)
    return [g for g in groups if g.cands]


def _absorb(into: _Group, other: _Group) -> None:
    if into is other:
        return
    into.cands.extend(other.cands)
    other.cands = []
    if into.kb is None and other.kb is not None:
        into.kb = other.kb
        into.kind = other.kind
    elif into.kind is ActorKind.ORGANISATION and other.kind is not ActorKind.ORGANISATION:
        into.kind = other.kind


def _group_of(groups: list[_Group], start: int, end: int) -> _Group | None:
    for grp in groups:
        for cand in grp.cands:
            if cand.start == start and cand.end == end:
                return grp
    return None


def _merge_acronyms(groups: list[_Group], text: str, kb: ActorKB, by_key: dict[str, _Group]) -> None:
    """"Name (ACR)" defines ACR as an alias of Name; every later bare ACR joins that actor."""
    for grp in list(groups):
        for cand in list(grp.cands):
            if cand.kind is ActorKind.PERSON:
                continue
            m = _PAREN_AFTER.match(text[cand.end :])
            if not m:
                continue
            acr = m.group(1).strip()
            if not is_acronym(acr) or not _initials_fit(acr, cand.text):
                continue
            a_start = cand.end + m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
            target = grp
            other = next((g for g in groups if g is not grp and any(normalise(c.text) == normalise(acr) and
                                                                    c.text.replace("-", "") == acr.replace("-", "")
                                                                    for c in g.cands)), None)
            if other is not None:
                if other.kb is not None and grp.kb is not None and other.kb.id != grp.kb.id:
                    continue  # both linked, to different actors: trust the KB
                _absorb(other if grp.kb is None and other.kb is not None else grp, grp if other.kb and not grp.kb
                        else other)
                target = other if other.cands else grp
            known = {(c.start, c.end) for g in groups for c in g.cands}
            for occ in re.finditer(rf"(?<![\w-]){re.escape(acr)}(?![\w]|-[A-Z0-9])", text[a_start:]):
                s, e = a_start + occ.start(), a_start + occ.end()
                if (s, e) not in known and not any(c.start <= s < c.end for g in groups for c in g.cands):
                    target.cands.append(_Cand(s, e, acr, target.kind, kb=target.kb, source="acronym"))
            by_key.setdefault(normalise(acr), target)


def _initials_fit(acr: str, name: str) -> bool:
    letters = [ch for ch in acr if ch.isalpha()]
    skip = {"of", "the", "and", "for", "e", "i", "ul", "al"}
    words = [w for w in re.findall(r"[^\W\d_]+", name) if w.casefold() not in skip]
    return bool(letters and words and letters[0].casefold() == words[0][0].casefold())


def _merge_aka(groups: list[_Group], text: str) -> None:
    """"Karim Haddad (a.k.a. Abu Yasir)": the second name joins the first's actor."""
    starts = {c.start: g for g in groups for c in g.cands}
    for grp in list(groups):
        for cand in list(grp.cands):
            m = _AKA_AFTER.match(text[cand.end :])
            if not m:
                continue
            other = starts.get(cand.end + m.end())
            if other is not None and other is not grp and not (other.kb and grp.kb and other.kb.id != grp.kb.id):
                _absorb(grp, other)
                starts.update({c.start: grp for c in grp.cands})


def _merge_partial_persons(groups: list[_Group]) -> None:
    """A later mention made of tokens of one earlier full person name joins that person ("Ghous")."""
    persons = sorted((g for g in groups if g.kind is ActorKind.PERSON and g.cands), key=lambda g: g.first)
    for grp in persons:
        if not grp.cands:
            continue
        short = max(grp.cands, key=lambda c: len(c.text))
        tokens = [t for t in name_tokens(short.text) if t not in _HONORIFICS]
        if len(tokens) >= 2:
            continue
        first = grp.first
        hosts = [
            g for g in persons
            if g is not grp and g.cands and g.first < first and len(tokens) >= 1
            and set(tokens) <= {t for c in g.cands for t in name_tokens(c.text)}
            and max(len(name_tokens(c.text)) for c in g.cands) > len(tokens)
        ]
        if len(hosts) == 1 and not (hosts[0].kb and grp.kb and hosts[0].kb.id != grp.kb.id):
            _absorb(hosts[0], grp)


def _scan_surnames(groups: list[_Group], text: str) -> None:
    """Later bare surnames of a person named in full ("Mahsood told ...") join that person."""
    owners: dict[str, _Group | None] = {}
    person: _Group | None
    for grp in groups:
        if grp.kind is not ActorKind.PERSON or not grp.cands:
            continue
        full = max(grp.cands, key=lambda c: len(c.text))
        words = [w for w in re.findall(r"[^\W\d_][\w'’]*", full.text) if w.casefold() not in _HONORIFICS]
        if len(words) < 2 or len(words[-1]) < 4 or not words[-1][0].isupper():
            continue
        surname = words[-1]
        owners[surname] = None if surname in owners and owners[surname] is not grp else grp
    for surname, person in owners.items():
        if person is None:
            continue
        grp = person
        after = min(c.start for c in grp.cands)
        for m in re.finditer(rf"(?<![\w-]){re.escape(surname)}(?![\w]|-[A-Z])", text[after:]):
            start, end = after + m.start(), after + m.end()
            clash = [(g, c) for g in groups for c in g.cands if c.start < end and start < c.end]
            if any(g is grp or c.kb is not None or g.kind not in (ActorKind.PERSON, ActorKind.ORGANISATION)
                   for g, c in clash):
                continue
            for g, c in clash:  # a mislabelled single-name mention: move it to the person
                g.cands.remove(c)
            grp.cands.append(_Cand(start, end, surname, ActorKind.PERSON, source="surname"))


def _attach_media_owner(groups: list[_Group], text: str) -> None:
    """"the IS Amaq news agency": a group name right before a media name is part of the outlet's surface."""
    owner_ends = {c.end: c for g in groups if g.kind is ActorKind.ARMED_GROUP for c in g.cands}
    for grp in groups:
        if grp.kind is not ActorKind.MEDIA:
            continue
        for cand in list(grp.cands):
            gap = re.search(r"[ \u00a0]+$", text[max(0, cand.start - 3) : cand.start])
            if not gap:
                continue
            owner = owner_ends.get(cand.start - len(gap.group(0)))
            if owner is not None and owner.kind is ActorKind.ARMED_GROUP:
                grp.cands.append(_Cand(owner.start, cand.end, text[owner.start : cand.end], ActorKind.MEDIA,
                                       kb=grp.kb, source="media-owner"))


# =========================================================================== coreference

#: Last words that make an actor's name grammatically plural ("the Taliban ... they").
_PLURAL_HEADS = frozenset(
    {
        "taliban", "houthis", "haqqanis", "forces", "militants", "fighters", "rebels", "mujahideen", "mujahidin",
        "brigades", "units", "troops", "guards", "militias", "zetas", "tigers", "peshmerga", "dissidents"
    }
)
_SINGULAR_REFS = frozenset({"it", "its"})
_NOMINAL_REFS = frozenset({"group", "organization", "organisation", "outfit", "movement", "militants"})
_ANCHOR_KINDS = frozenset({ActorKind.ARMED_GROUP, ActorKind.STATE, ActorKind.POLITICAL_PARTY})


@dataclass(slots=True)
class _Anchor:
    start: int
    end: int
    sentence: int
    subject: bool
    group: _Group


def _attach_references(groups: list[_Group], annotated: Annotated) -> None:
    """Attach "the group", "it/its", "they/their" to the actor the text makes clear (rules over the parse).

    The antecedent is the most recent actor in subject position in the same
    sentence (before the reference) or in the two sentences before it; nouns
    in subject position in between block the link (they are the likelier
    antecedent), and plural pronouns need a plural name ("the Taliban") with
    no plural noun in between.  Nominals ("the group") only take armed groups.
    """
    text = annotated.document.text
    if not annotated.sentences:
        return
    sent_starts = [s.start for s in annotated.sentences]
    anchors = _anchors(groups, annotated, sent_starts)
    if not anchors:
        return
    taken = sorted((c.start, c.end) for g in groups for c in g.cands)
    headings = _heading_spans(text)
    for start, end, word in _iter_references(text, annotated.doc):
        if any(s < end and start < e for s, e in taken) or any(hs <= start < he for hs, he in headings):
            continue
        if (text[start - 1 : start] in "-/" and start > 0) or text[end : end + 1] in ("-", "/"):
            continue  # inside a URL or compound
        if word in ("it", "them") and _object_of_own_clause(annotated.doc, start, end):
            continue
        sent = _sentence_index(sent_starts, start)
        floor = max((he for hs, he in headings if he <= start), default=0)  # a heading starts a new section
        section = [a for a in anchors if a.start >= floor]
        target = _resolve_reference(section, start, sent, word, annotated.doc, taken)
        if target is not None:
            target.refs.append(Span(start, end, text[start:end]))


def _object_of_own_clause(doc: Doc | None, start: int, end: int) -> bool:
    """"they broke it": a non-reflexive object pronoun whose verb has its own subject is not that subject."""
    span = _doc_span(doc, start, end)
    if span is None:
        return False
    token = span.root
    if token.dep_ != "dobj":
        return False
    return any(child.dep_ in ("nsubj", "nsubjpass") for child in token.head.children)


def _anchors(groups: list[_Group], annotated: Annotated, sent_starts: Sequence[int]) -> list[_Anchor]:
    out: list[_Anchor] = []
    for grp in groups:
        if grp.kind not in _ANCHOR_KINDS:
            continue
        for cand in grp.cands:
            out.append(_Anchor(cand.start, cand.end, _sentence_index(sent_starts, cand.start),
                               _is_subject(annotated.doc, cand.start, cand.end), grp))
    out.sort(key=lambda a: a.start)
    return out


def _is_subject(doc: Doc | None, start: int, end: int) -> bool:
    span = _doc_span(doc, start, end)
    if span is None:
        return False
    root = span.root
    while root.dep_ in ("conj", "appos", "compound") and root.head is not root:
        root = root.head
    if root.dep_ == "pobj" and root.head.dep_ == "agent":
        return True  # "carried out by Lashkar-e-Jhangvi"
    return root.dep_ in ("nsubj", "nsubjpass")


def _iter_references(text: str, doc: Doc | None) -> Iterable[tuple[int, int, str]]:
    for m in _NOMINALS.finditer(text):
        yield m.start(), m.end(), m.group(1).casefold()
    for m in _PRONOUNS.finditer(text):
        word = m.group(1).casefold()
        if word == "it" and _expletive_it(text, m.end(), doc, m.start()):
            continue
        yield m.start(), m.end(), word


def _expletive_it(text: str, end: int, doc: Doc | None, start: int) -> bool:
    after = text[end : end + 80]
    if re.match(r"^\s+(?:is|was|has been|had been|seems|seemed|appears|appeared|remains|would be|will be|may be)\b"
                r"[^.;]*?\b(?:that|to|whether|who|if|how|why|when|unclear|clear|certain|likely|possible|reported|said|"
                r"believed|known|estimated)\b", after):
        return True
    span = _doc_span(doc, start, end)
    return bool(span is not None and span.root.dep_ == "expl")


def _sentence_index(starts: Sequence[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _resolve_reference(
    anchors: list[_Anchor], start: int, sent: int, word: str, doc: Doc | None, taken: Sequence[tuple[int, int]]
) -> _Group | None:
    window = [a for a in anchors if a.end <= start and sent - 2 <= a.sentence <= sent]
    if word in _NOMINAL_REFS:
        window = [a for a in window if a.group.kind is ActorKind.ARMED_GROUP]
    plural = word in ("they", "their", "them", "militants")
    if plural:
        window = [a for a in window if _plural_name(a.group)]
    if not window:
        return None
    same = [a for a in window if a.sentence == sent]
    subj = [a for a in same if a.subject] or [a for a in window if a.subject and a.sentence < sent]
    choice = subj[-1] if subj else None
    if choice is not None and choice.sentence == sent and _in_copula_predicate(doc, start):
        # "X is one of the group's franchises": the reference is not the subject X
        others = [a for a in same if not a.subject and a.group is not choice.group]
        choice = others[-1] if others else None
    if choice is None or _blocked(doc, choice.end, start, taken, plural=plural):
        return None
    return choice.group


def _in_copula_predicate(doc: Doc | None, start: int) -> bool:
    span = _doc_span(doc, start, start + 1)
    if span is None:
        return False
    token = span[0]
    for _ in range(6):
        if token.head is token:
            return False
        if token.dep_ == "attr" and token.head.lemma_ == "be":
            return True
        token = token.head
    return False


def _plural_name(grp: _Group) -> bool:
    return any(name_tokens(c.text)[-1:] and name_tokens(c.text)[-1] in _PLURAL_HEADS for c in grp.cands)


def _blocked(doc: Doc | None, start: int, end: int, taken: Sequence[tuple[int, int]], *, plural: bool) -> bool:
    """A noun in subject position (or, for plural pronouns, any plural noun) between antecedent and reference."""
    if doc is None:
        return False
    span = doc.char_span(start, end, alignment_mode="contract")
    if span is None:
        return False
    covered = {i for s, e in taken if s < end and start < e for i in range(max(s, start), min(e, end))}
    for token in span:
        if token.idx in covered:
            continue
        if token.pos_ not in ("NOUN", "PROPN"):
            continue
        if token.dep_ in ("nsubj", "nsubjpass") and token.ent_type_ not in ("DATE", "TIME"):
            return True
        if plural and token.tag_ in ("NNS", "NNPS"):
            return True
    return False


# =========================================================================== output


def _surface(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _to_actor_set(groups: list[_Group], text: str) -> ActorSet:
    out: list[ActorRecord] = []
    for n, grp in enumerate(sorted(groups, key=lambda g: g.first), start=1):
        cands = sorted(grp.cands, key=lambda c: (c.start, c.end))
        aliases: list[str] = []
        for cand in cands:
            for form in _alias_forms(cand, grp):
                if form not in aliases:
                    aliases.append(form)
        spans: dict[tuple[int, int], Span] = {}
        for cand in cands:
            spans.setdefault((cand.start, cand.end), Span(cand.start, cand.end, text[cand.start : cand.end]))
        for ref in grp.refs:
            spans.setdefault((ref.start, ref.end), ref)
        if grp.kb is not None:
            name, country = grp.kb.name, grp.kb.country
        else:
            name, country = max(aliases, key=lambda a: (len(a.split()), len(a))), None
        out.append(ActorRecord(
            local_id=f"a{n}",
            name=name,
            kind=grp.kb.kind if grp.kb is not None else grp.kind,
            aliases=aliases,
            mentions=sorted(spans.values(), key=lambda s: s.start),
            kb_id=grp.kb.id if grp.kb is not None else None,
            country=country,
        ))
    return ActorSet(actors=out)


def _alias_forms(cand: _Cand, grp: _Group) -> list[str]:
    form = _surface(cand.text)
    forms = [form]
    if cand.kind is ActorKind.MEDIA or grp.kind is ActorKind.MEDIA:
        core = re.sub(r"[ \u00a0]+(?:news agency|agency|media foundation|foundation|media center|media centre|"
                      r"magazine|newsletter|radio)$", "", form, flags=re.IGNORECASE)
        if core != form and core:
            forms.append(core.split()[-1] if cand.source == "media-owner" else core)
    return forms


# =========================================================================== helpers


def _is_lowercase(text: str) -> bool:
    letters = [ch for ch in text[:5000] if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) < 0.01 * len(letters)


def _heading_spans(text: str) -> list[tuple[int, int]]:
    """Short title-like lines without final punctuation (headings, navigation, captions)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        lead = _INLINE_HEADING.match(line)
        if lead:
            out.append((pos, pos + lead.end(1)))  # inline heading: "2- Hindering Political Efforts: ..."
        stripped = line.strip()
        if stripped and len(stripped.split()) <= 14 and not re.search(r"[.!?:\"”)]$", stripped):
            words = [w for w in stripped.split() if w[:1].isalpha()]
            caps = sum(1 for w in words if w[:1].isupper())
            if words and caps >= 0.6 * len(words):
                out.append((pos, pos + len(line)))
        pos += len(line)
    return out


def actor_kinds() -> list[str]:
    """The actor kinds the extractor emits (for CLI filters and docs)."""
    return [k.value for k in ActorKind]
