"""Actor-to-actor relations: affiliation, factions, support, alliances, rivalry, leadership, membership.

``extract_relations(annotated, *, actors)`` reads each sentence's actor
mentions (from ``extract.actors``) and the words between them, plus a few
dependency patterns, and returns one ``RelationRecord`` per (type, source,
target) with a ``Claim`` per sentence that states it.

Types: affiliate_of, faction_of, supports, allied_with, rival_of, leads,
member_of, allegiance_to, contact_with, recruits_for.  Status: ``former``
("the former chief of", "ex-", a person who switched sides in the same
sentence) or ``alleged`` ("allegedly", "is believed to", reported hedges).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watchfloor.extract import annotators
from watchfloor.extract.syntax import np_tokens, prep_objects, subject_of
from watchfloor.models import ActorKind, ActorRecord, ActorSet, Annotated, Certainty, Claim, RelationRecord, Span

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

log = logging.getLogger(__name__)

EXTRACTOR = "rules.v1"

RELATION_TYPES: tuple[str, ...] = (
    "affiliate_of", "faction_of", "supports", "allied_with", "rival_of", "leads", "member_of", "allegiance_to",
    "contact_with", "recruits_for",
)
#: Actor kinds that take part in group relations (other organisations and media outlets do not).
_GROUPS = frozenset({ActorKind.ARMED_GROUP, ActorKind.POLITICAL_PARTY, ActorKind.STATE})
_I = re.IGNORECASE

_LEADER_WORDS = r"(?:leader|chief|head|emir|amir|founder|chairman|supremo|commander-in-chief)"
_MEMBER_WORDS = (r"(?:commander|leader|member|militant|fighter|official|spokesman|spokesperson|operative|recruiter|"
                 r"emir|amir|cleric|ideologue|activist|chief|financier|facilitator|loyalist)")
_FORMER = re.compile(r"\b(?:former|ex-|erstwhile|one-time|onetime|then)\b", _I)
_ALLEGED = re.compile(r"\b(?:allegedly|alleged|reportedly|is believed to|are believed to|suspected|"
                      r"purported(?:ly)?|accused of|said to)\b", _I)

_APPOS_DET = re.compile(r"^\s*,\s*(?:the|an?|its|their)\s+(?:[\w’'-]+\s+){0,3}$", _I)
_AFFIL_AFTER = re.compile(r"^\s*(?:\([^()]{1,40}\)\s*)?(?:['’]s\s+)?(?:[\w-]+\s+){0,2}"
                          r"(affiliate|branch|franchise|offshoot|province|chapter|wing|faction|splinter)s?\b", _I)
_FACTION_BETWEEN = re.compile(r"^\s*,\s*(?:the|an?|one)\s+(?:[\w’'-]+\s+){0,3}(faction|splinter(?: group)?|wing|"
                              r"sub-?group|branch|affiliate|offshoot|franchise|cell)s?\s+of\s+(?:the\s+)?$", _I)
_FACTIONS_OF = re.compile(r"\b(?:factions?|wings?|splinter groups?|branches|affiliates|offshoots)\s+of\s+(?:the\s+)?$",
                          _I)
_PARENT_BEFORE = re.compile(r"\b(?:factions?|wings?|splinter groups?|branch|branches|affiliates?|offshoots?)\s+of\s+"
                            r"(?:the\s+)?[^,;()]{0,30}(?:\(\s*)?$", _I)
_IS_PARENTS = re.compile(r"^\s*,?\s*(?:(?:which|that)\b[^.;]{0,60}?)?\b(?:is|was|remains|as)\s+(?:one of\s+)?$", _I)
_PARENTS_PART = re.compile(
    r"^['’]s\s+(?:[\w-]+\s+){0,3}(?:branch|affiliate|offshoot|franchise|province|wing)(?:e?s)?\b", _I
)
_ANAPHOR = re.compile(r"\bthe\s+(?:organi[sz]ation|group|movement)\b(?!\s+of\b)", _I)
_LIST_INTRO = re.compile(r"^\s*(?:\([^()]{1,40}\)\s*)?(?:movement|group|network|organi[sz]ation)?\s*,?\s*"
                         r"(?:such as|such|including|like|notably|namely|especially|primarily|mainly)\s+(?:the\s+)?$",
                         _I)
_LIST_GAP = re.compile(r"^\s*(?:\([^()]{1,40}\)\s*)?(?:,\s*)?(?:(?:and|or|as well as)\s+)?(?:the\s+)?$", _I)
_SUPPORT = re.compile(r"\b(?:support|backing|help|assistance|patronage|sponsorship)\s+(?:of|from)\b|"
                      r"\b(?:supported|backed|aided|sponsored|funded|armed|helped)\s+by\b", _I)
_BLIND_EYE = re.compile(r"\bturn(?:ed|s|ing)? a blind eye to\b", _I)
_ALLY = re.compile(r"\b(?:ties|links|connections|alliances?|partnerships?)\s+(?:to|with)\b|\ballied\s+(?:to|with)\b|"
                   r"\bin alliance with\b|\bjoined forces with\b|\bcooperat(?:es|ed|ing|ion)\s+with\b", _I)
_LED_BY = re.compile(r"^\s*(?:\([^()]{1,40}\)\s*)?,?\s*(?:(?:which|that|who)\s+(?:is|was|are|were)\s+)?"
                     r"(?:led|headed|commanded|founded|run)\s+by\s+$", _I)
_LEADER_OF_BEFORE = re.compile(_LEADER_WORDS + r"\s+of\s+(?:the\s+)?$", _I)
_BETWEEN_ORG_PERSON = re.compile(r"^\s*(?:\([^()]{1,40}\)\s*)?(?:party|group|movement|organi[sz]ation|network)?"
                                 r"\s*,?\s*$", _I)
_PERSON_THE_ROLE_OF = re.compile(r"^\s*,\s*(?:the|its|a|an)\s+(?:[\w-]+\s+){0,2}?(" + _MEMBER_WORDS +
                                 r")\s+of\s+(?:the\s+)?$", _I)
_ORG_ROLE_PERSON = re.compile(r"^\s*(?:['’]s\s+)?(?:(?:top|supreme|senior|former|deputy|slain|late|chief|local)\s+)?("
                              + _MEMBER_WORDS + r")\s*(?:,\s*|named\s+|called\s+|known as\s+)?$", _I)
_PERSON_A_ORG = re.compile(r"^\s*,\s*(?:a|an|another|one|the)\s+(?:[\w-]+\s+){0,3}$", _I)
_ROLE_AFTER = re.compile(r"^\s*(?:['’]s\s+)?(" + _MEMBER_WORDS + r")s?\b", _I)
_CONTACT = re.compile(r"\b(?:in\s+(?:direct\s+|close\s+|regular\s+|constant\s+)?(?:contact|touch|communication)\s+with|"
                      r"contacts?\s+with|met\s+with|communicated\s+with|liaised\s+with|corresponded\s+with)\b", _I)
_RIVAL_BETWEEN = re.compile(r"\b(?:rivalry|rivalries|conflict|clashes|fighting|war|feud|hostility|hostilities|enmity|"
                            r"competition|infighting|battles?)\s+between\b", _I)
_RIVAL_WITH = re.compile(r"\b(?:rivalry|rivals?|feud|enmity|competition|conflict|war|fighting|clashes)\s+with\b", _I)
_RIVAL_THEIR = re.compile(r"\b(?:rivalry|rivalries|enmity|hostility|competition)\b.*\btheir\b|"
                          r"\btheir\b.*\b(?:rivalry|rivalries|enmity|hostility)\b", _I)
_OPPOSE_VERBS = frozenset({"resist", "fight", "oppose", "battle", "confront", "combat", "clash", "attack"})
_ALLEGIANCE_VERBS = frozenset({"pledge", "declare", "swear", "switch", "give", "offer", "transfer", "shift", "renew"})
_MESSAGE_NOUNS = frozenset({"leaflet", "video", "statement", "message", "film", "pamphlet", "poster", "audio",
                            "propaganda", "recording", "communique", "magazine", "letter", "speech", "sermon"})
_ALLEGIANCE_NOUNS = frozenset({"allegiance", "loyalty", "bay'ah", "bayah", "baya", "bayat", "oath"})


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    actor: ActorRecord
    anaphor: bool = False


@dataclass(slots=True)
class _Found:
    type: str
    source: ActorRecord
    target: ActorRecord
    status: str | None
    pattern: str


def _is_group(a: ActorRecord) -> bool:
    """Armed groups, parties and states; other organisations only under a proper name ("TTP-Karachi")."""
    if a.kind in _GROUPS:
        return True
    if a.kind is not ActorKind.ORGANISATION:
        return False
    words = a.name.split()
    return bool(words) and words[0][:1].isupper() and words[-1][:1].isupper()


def _is_person(a: ActorRecord) -> bool:
    return a.kind is ActorKind.PERSON


def _salient_group(
    actors: ActorSet, offset: int, *, exclude: ActorRecord | None = None, title: str | None = None
) -> ActorRecord | None:
    """The armed group the text is about: named in the title, else mentioned most often before ``offset``."""
    best: tuple[int, int, int, ActorRecord] | None = None
    for a in actors.actors:
        if a.kind is not ActorKind.ARMED_GROUP or a is exclude:
            continue
        before = [m.start for m in a.mentions if m.end <= offset]
        if not before:
            continue
        names = sorted({a.name, *a.aliases}, key=len, reverse=True)
        in_title = int(bool(title) and any(re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", title or "")
                                          for n in names if len(n) > 2))
        key = (in_title, len(before), max(before))
        if best is None or key > best[:3]:
            best = (*key, a)
    return best[3] if best else None


def _sentence_mentions(
    actors: ActorSet, start: int, end: int, text: str = "", *, title: str | None = None
) -> list[_Mention]:
    """Non-overlapping actor mentions inside ``[start, end)``, longest first on overlap, in text order.

    With ``text`` (the sentence), "the organization/group/movement" not already a mention stands for the
    document's most salient armed group.
    """
    spans = sorted(
        ((m.start, m.end, a) for a in actors.actors for m in a.mentions if m.start >= start and m.end <= end),
        key=lambda x: (x[0], -(x[1] - x[0])),
    )
    anaphors: set[int] = set()
    for m in _ANAPHOR.finditer(text):
        s0, e0 = start + m.start(), start + m.end()
        if any(s < e0 and s0 < e for s, e, _ in spans):
            continue
        group = _salient_group(actors, s0, title=title)
        if group is not None:
            spans.append((s0, e0, group))
            anaphors.add(s0)
    spans.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    out: list[_Mention] = []
    for s, e, a in spans:
        if out and s < out[-1].end:
            continue
        out.append(_Mention(s, e, a, anaphor=s in anaphors))
    return out


def _status(window: str) -> str | None:
    if _FORMER.search(window):
        return "former"
    if _ALLEGED.search(window):
        return "alleged"
    return None


def _list_after(mentions: list[_Mention], first: int, text: str, offset: int) -> list[_Mention]:
    """``mentions[first]`` and the mentions coordinated with it ("A, B and C")."""
    out = [mentions[first]]
    for j in range(first + 1, len(mentions)):
        gap = text[mentions[j - 1].end - offset:mentions[j].start - offset]
        if mentions[j].actor is out[-1].actor and re.match(r"^\s*\(\s*$", gap):  # "Name (ACR)"
            continue
        if not _LIST_GAP.match(gap):
            break
        out.append(mentions[j])
    return out


def _resolve_before(actors: ActorSet, offset: int, *, person: bool) -> ActorRecord | None:
    best: tuple[int, ActorRecord] | None = None
    for a in actors.actors:
        if _is_person(a) != person:
            continue
        for m in a.mentions:
            if m.end <= offset and (best is None or m.start > best[0]):
                best = (m.start, a)
    return best[1] if best else None


def _actors_of(tokens: list[Token], mentions: list[_Mention], actors: ActorSet) -> list[ActorRecord]:
    out: list[ActorRecord] = []
    if not tokens:
        return out
    spans = [(t.idx, t.idx + len(t.text)) for t in tokens]
    for m in mentions:
        if any(s < m.end and m.start < e for s, e in spans) and m.actor not in out:
            out.append(m.actor)
    if not out:
        for t in tokens:
            if t.lower_ in {"he", "she", "him", "his", "her"}:
                found = _resolve_before(actors, t.idx, person=True)
            elif t.lower_ in {"it", "its", "they", "their"}:
                found = _resolve_before(actors, t.idx, person=False)
            else:
                continue
            if found is not None and found not in out:
                out.append(found)
    return out


# --------------------------------------------------------------------------- surface patterns


def _surface(mentions: list[_Mention], text: str, offset: int, actors: ActorSet) -> Iterator[_Found]:
    for i, a in enumerate(mentions):
        before_a = text[:a.start - offset]
        for j in range(i + 1, min(i + 4, len(mentions))):
            b = mentions[j]
            if b.actor is a.actor and b.anaphor:  # "A ... the organization's": the organization is not A
                other = _salient_group(actors, b.start, exclude=a.actor)
                if other is None:
                    continue
                b = _Mention(b.start, b.end, other, anaphor=True)
            if b.actor is a.actor:
                continue
            gap = text[a.end - offset:b.start - offset]
            after_b = text[b.end - offset:]
            ga, gb = _is_group(a.actor), _is_group(b.actor)
            pa, pb = _is_person(a.actor), _is_person(b.actor)
            # "A, the B affiliate" / "A, the most powerful faction of B"
            if ga and gb and _APPOS_DET.match(gap):
                m = _AFFIL_AFTER.match(after_b)
                if m:
                    kind = "faction_of" if m.group(1).lower() in {"faction", "splinter", "wing"} else "affiliate_of"
                    yield _Found(kind, a.actor, b.actor, None, "appositive-affiliate")
            if ga and gb:
                m2 = _FACTION_BETWEEN.match(gap)
                if m2:
                    word = m2.group(1).lower()
                    kind = "affiliate_of" if word in {"branch", "affiliate", "offshoot", "franchise"} else "faction_of"
                    yield _Found(kind, a.actor, b.actor, None, "appositive-faction")
            # "A, which ... , is the group's strongest branch"
            if ga and gb and _IS_PARENTS.match(gap) and _PARENTS_PART.match(after_b):
                yield _Found("affiliate_of", a.actor, b.actor, None, "is-parents-branch")
            # "B, led by P"
            if ga and pb and _LED_BY.match(gap):
                yield _Found("leads", b.actor, a.actor, _status(gap), "led-by")
            # "leader of B [party] P"
            if ga and pb and _BETWEEN_ORG_PERSON.match(gap):
                lm = _LEADER_OF_BEFORE.search(before_a[-40:])
                if lm:
                    yield _Found("leads", b.actor, a.actor, _status(before_a[-40:]), "leader-of")
            # "B leader P", "an X-based B commander, P", "an B commander named P"
            if ga and pb:
                rm = _ORG_ROLE_PERSON.match(gap)
                if rm:
                    word = rm.group(1).lower()
                    article = re.search(r"\b(an?|one)\s+(?:[\w-]+\s+){0,2}$", before_a[-30:], _I)
                    status = _status(gap + before_a[-12:])
                    if re.fullmatch(_LEADER_WORDS, word) and not article:
                        yield _Found("leads", b.actor, a.actor, status, "org-leader-person")
                    yield _Found("member_of", b.actor, a.actor, status, "org-role-person")
            # "P, the former chief of B"
            if pa and gb:
                pm = _PERSON_THE_ROLE_OF.match(gap)
                if pm:
                    status = _status(gap)
                    if re.fullmatch(_LEADER_WORDS, pm.group(1).lower()) and not re.search(r"\b(an?)\b", gap, _I):
                        yield _Found("leads", a.actor, b.actor, status, "person-leader-of")
                    yield _Found("member_of", a.actor, b.actor, status, "person-role-of")
                # "P, a prominent B leader"
                if _PERSON_A_ORG.match(gap) and _ROLE_AFTER.match(after_b):
                    yield _Found("member_of", a.actor, b.actor, _status(gap), "person-a-org-role")
        # list after "factions of A(, such as) B1 and B2"
        if _is_group(a.actor) and _FACTIONS_OF.search(before_a[-40:]):
            for j in range(i + 1, len(mentions)):
                gap = text[a.end - offset:mentions[j].start - offset]
                if _LIST_INTRO.match(gap):
                    for member in _list_after(mentions, j, text, offset):
                        if _is_group(member.actor) and member.actor is not a.actor:
                            yield _Found("faction_of", member.actor, a.actor, None, "factions-such-as")
                    break


def _phrase_relations(mentions: list[_Mention], text: str, offset: int, actors: ActorSet) -> Iterator[_Found]:
    """Relations named by a phrase: support of, ties to, in contact with, rivalry between."""
    def subject_before(pos: int, *, person: bool | None = None) -> ActorRecord | None:
        before = [m for m in mentions if m.end - offset <= pos and (person is None or _is_person(m.actor) == person)]
        if before:
            return before[0].actor if person is None and _is_group(before[0].actor) else before[-1].actor
        head = text[:pos]
        if re.search(r"\b(?:he|she)\b", head, _I):
            return _resolve_before(actors, offset, person=True)
        if re.search(r"\b(?:it|its|they|their)\b", head, _I):
            return _resolve_before(actors, offset, person=False)
        return None

    def after(pos: int) -> list[_Mention]:
        return [m for m in mentions if m.start - offset >= pos]

    def stop_at_clause(ms: list[_Mention], pos: int) -> list[_Mention]:
        out = []
        for m in ms:
            seg = text[pos:m.start - offset]
            if re.search(r"\b(?:which|who|whose|that)\b|;", seg, _I):
                break
            out.append(m)
        return out

    status = _status(text)
    for m in _SUPPORT.finditer(text):
        backed = None
        if m.group(0).lower().endswith("by"):
            backed = subject_before(m.start())
        else:
            backed = subject_before(m.start(), person=None)
        supporters = stop_at_clause(after(m.end()), m.end())
        if m.group(0).lower().endswith("by"):  # "backed by A (and B)": the phrase right after "by" only
            first = [j for j, x in enumerate(mentions) if x.start - offset >= m.end()][:1]
            supporters = []
            if first and len(re.findall(r"[\w-]+", text[m.end():mentions[first[0]].start - offset])) <= 2:
                supporters = _list_after(mentions, first[0], text, offset)
        for s in supporters:
            before_s = text[:s.start - offset]
            if before_s.endswith("-") or re.match(r"^[\s-]*(?:rivalry|infighting|split|pressure|defeat|decline)\b",
                                                  text[s.end - offset:], _I):
                continue  # "intra-Taliban rivalry": the name is a modifier
            if _PARENT_BEFORE.search(before_s[-60:]) or backed is None or not _is_group(backed) \
                    or s.actor is backed or not _is_group(s.actor):
                continue
            yield _Found("supports", s.actor, backed, status, "support-of")
    for m in _BLIND_EYE.finditer(text):
        giver = subject_before(m.start())
        for s in stop_at_clause(after(m.end()), m.end())[:1]:
            if giver is not None and s.actor is not giver:
                yield _Found("supports", giver, s.actor, status or "alleged", "blind-eye")
    for m in _ALLY.finditer(text):
        src = subject_before(m.start())
        if src is None:
            continue
        prev_end = m.end()
        for s in after(m.end()):
            gap = text[prev_end:s.start - offset]
            if re.search(r"\b(?:which|who|whose)\b|;", gap, _I) or len(re.findall(r"[\w-]+", gap)) > 4:
                break
            prev_end = s.end - offset
            if _is_person(s.actor):
                continue
            if s.actor is not src:
                yield _Found("allied_with", src, s.actor, status, "ties-to")
    for m in _CONTACT.finditer(text):
        src = subject_before(m.start(), person=True) or subject_before(m.start())
        if src is None:
            continue
        for s in after(m.end()):
            if s.actor is not src and _is_person(s.actor) == _is_person(src):
                yield _Found("contact_with", src, s.actor, status, "in-contact-with")
    for m in _RIVAL_BETWEEN.finditer(text):
        pair = [x for x in after(m.end()) if _is_group(x.actor)][:2]
        if len(pair) == 2 and pair[0].actor is not pair[1].actor:
            yield _Found("rival_of", pair[0].actor, pair[1].actor, status, "rivalry-between")
    for m in _RIVAL_WITH.finditer(text):
        src = subject_before(m.start())
        tgt = [x for x in after(m.end()) if _is_group(x.actor)][:1]
        if src is not None and tgt and tgt[0].actor is not src and _is_group(src):
            yield _Found("rival_of", src, tgt[0].actor, status, "rivalry-with")
    if _RIVAL_THEIR.search(text):
        groups: list[ActorRecord] = []
        for x in mentions:
            if _is_group(x.actor) and x.actor not in groups and x.actor.kind is not ActorKind.STATE:
                groups.append(x.actor)
        if len(groups) == 2:
            yield _Found("rival_of", groups[0], groups[1], status, "their-rivalry")


# --------------------------------------------------------------------------- dependency patterns


def _syntactic(sent: SpacySpan, mentions: list[_Mention], actors: ActorSet) -> Iterator[_Found]:
    for tok in sent:
        lemma = tok.lemma_.lower()
        if lemma in _ALLEGIANCE_VERBS or lemma == "defect":
            objs = [c for c in tok.children if c.dep_ == "dobj" and c.lemma_.lower() in _ALLEGIANCE_NOUNS]
            if not objs and lemma != "defect":
                continue
            targets_tok = prep_objects(tok, {"to"}) + [t for o in objs for t in prep_objects(o, {"to"})]
            targets = [a for a in _actors_of(targets_tok, mentions, actors) if _is_group(a)]
            rel = next((c for c in tok.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
            if rel is not None and rel.lower_ in {"which", "who", "that"}:
                # "..., which has sworn allegiance to B": the mention before "which"
                cut = rel.idx
                before = [m for m in mentions if m.end <= cut]
                sources = [before[-1].actor] if before else []
            else:
                subj = _actors_of(subject_of(tok), mentions, actors)
                sources = [a for a in subj if _is_person(a)] or subj[:1]
            for s in sources:
                for t in targets:
                    if s is not t:
                        yield _Found("allegiance_to", s, t, None, "allegiance")
        if lemma == "recruit" and tok.pos_ == "VERB":
            for_tok = prep_objects(tok, {"for"}) + [t for c in tok.children if c.dep_ == "dobj"
                                                    for t in prep_objects(c, {"for"})]
            targets = [a for a in _actors_of(for_tok, mentions, actors) if _is_group(a)]
            sources = _actors_of(subject_of(tok), mentions, actors)
            for s in sources[:1]:
                for t in targets:
                    if s is not t:
                        yield _Found("recruits_for", s, t, None, "recruit-for")
        if lemma in _OPPOSE_VERBS and tok.pos_ == "VERB":
            objs = [c for c in tok.children if c.dep_ == "dobj"] + [
                c for p in tok.children if p.dep_ == "prep" and p.lower_ in {"against", "with"} for c in p.children
                if c.dep_ == "pobj"
            ]
            targets = [a for o in objs for a in _actors_of(np_tokens(o), mentions, actors) if _is_group(a)]
            subj_tokens = subject_of(tok)
            sources = [a for a in _actors_of(subj_tokens, mentions, actors) if _is_group(a)]
            if not sources:
                sources = [a for a in _actors_of(_issuer(tok, subj_tokens), mentions, actors) if _is_group(a)]
            for s in sources[:1]:
                for t in targets[:1]:
                    if s is not t and t.kind is not ActorKind.STATE and s.kind is not ActorKind.STATE:
                        yield _Found("rival_of", s, t, None, "resist")


def _issuer(tok: Token, subj: list[Token]) -> list[Token]:
    """Who speaks through a message ("leaflets calling on youth to resist B"): the subject of the verb issuing it."""
    root = next((t for t in subj if t.head not in subj), None)
    message: Token | None = root if root is not None and root.lemma_.lower() in _MESSAGE_NOUNS else None
    if message is None:
        message = next((a for a in tok.ancestors if a.lemma_.lower() in _MESSAGE_NOUNS), None)
    if message is None:
        return []
    verb = next((a for a in [message.head, *message.head.ancestors] if a.pos_ == "VERB" and a is not tok
                 and a.lemma_.lower() not in {"call", "urge", "invite", "ask"}), None)
    return subject_of(verb) if verb is not None else []


def _name_factions(actors: ActorSet) -> Iterator[tuple[_Found, Span]]:
    """Sub-units named after their parent ("TTP-Karachi" is a faction of "TTP")."""
    for a in actors.actors:
        if not _is_group(a) or not a.mentions:
            continue
        for b in actors.actors:
            if b is a or not _is_group(b):
                continue
            names = {b.name, *b.aliases}
            if any(a.name.startswith(n + "-") and len(a.name) > len(n) + 2 and a.name[len(n) + 1].isupper()
                   for n in names if n):
                yield _Found("faction_of", a, b, None, "name-derived"), a.mentions[0]


def _kinds_fit(found: _Found) -> bool:
    """Whether the source and target kinds suit the relation type (persons lead groups, groups ally ...)."""
    src, tgt = found.source, found.target
    if found.type in {"member_of", "leads"}:
        return _is_person(src) and _is_group(tgt)
    if found.type in {"allegiance_to", "recruits_for"}:
        return (_is_person(src) or _is_group(src)) and _is_group(tgt)
    if found.type == "contact_with":
        return (_is_person(src) or _is_group(src)) and (_is_person(tgt) or _is_group(tgt))
    return _is_group(src) and _is_group(tgt)


# --------------------------------------------------------------------------- entry point


def extract_relations(annotated: Annotated, *, actors: ActorSet) -> list[RelationRecord]:
    """Relations between the document's actors, one record per (type, source, target)."""
    doc = annotated.doc
    text = annotated.document.text
    records: dict[tuple[str, str, str], RelationRecord] = {}

    def add(found: _Found, evidence: Span, certainty: Certainty) -> None:
        if found.source.local_id == found.target.local_id:
            return
        if not _kinds_fit(found):
            return
        key = (found.type, found.source.local_id, found.target.local_id)
        if found.type in {"allied_with", "rival_of", "contact_with"}:  # symmetric: one record per pair
            low, high = sorted((found.source.local_id, found.target.local_id))
            key = (found.type, low, high)
        rec = records.get(key)
        if rec is None:
            rec = RelationRecord(local_id=f"r{len(records) + 1}", type=found.type, source=found.source.local_id,
                                 target=found.target.local_id, status=found.status)
            records[key] = rec
        elif found.status == "former" or (found.status and rec.status is None):
            rec.status = found.status
        rec.claims.append(Claim(evidence=evidence, certainty=certainty, extractor=EXTRACTOR, confidence=0.7,
                                values={"pattern": found.pattern, "status": found.status}))

    if doc is None:
        log.warning("document %s has no spaCy parse; no relations extracted", annotated.document.id)
        return []
    for sent in doc.sents:
        s_start, s_end = sent.start_char, sent.start_char + len(sent.text.rstrip())
        s_text = text[s_start:s_end]
        mentions = _sentence_mentions(actors, s_start, s_end, s_text, title=annotated.document.title)
        if not mentions:
            continue
        cut = text.rfind("\n", s_start, mentions[0].start)  # drop a heading glued to the sentence
        e_start = cut + 1 if cut >= 0 else s_start
        evidence = Span(e_start, s_end, text[e_start:s_end])
        certainty = annotators.certainty(s_text)
        found = [*_surface(mentions, s_text, s_start, actors), *_phrase_relations(mentions, s_text, s_start, actors),
                 *_syntactic(sent, mentions, actors)]
        switched = any(t.lemma_.lower() in {"switch", "defect"} for t in sent)
        for f in found:
            if f.type == "member_of" and switched and f.status is None:
                f.status = "former"
            if f.status is None and certainty in {Certainty.ALLEGED} and f.type == "supports":
                f.status = "alleged"
            add(f, evidence, certainty)
    for f, span in _name_factions(actors):
        add(f, Span(span.start, span.end, span.text), Certainty.ASSERTED)
    return list(records.values())
