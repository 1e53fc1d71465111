"""Hedges and responsibility: how sure a sentence is, and whether it claims or attributes an attack.

Public surface:

``certainty(sentence) -> Certainty``
    The certainty its wording gives a statement.  When several cues occur,
    the weakest wins (POSSIBLE < ALLEGED < REPORTED < ASSERTED):

    * ``POSSIBLE``: "possibly", "possible", "apparent(ly)", "may"/"might"/
      "could" + verb (modal "may", not the month), "suspected", "unconfirmed",
      "unverified", "believed to", "thought to", "presumed", "feared",
      "likely", "probably", "could not be (independently) verified", "unclear".
    * ``ALLEGED``: "allegedly", "alleged", "accused"/"accuses", "purported(ly)",
      "if ... are to be believed", "denied"/"denies", and "claimed"/"claims"
      when a party makes a self-interested claim ("the group claimed it killed
      30 soldiers") — a claim of responsibility ("claimed responsibility",
      "claimed the attack") is not a hedge; see ``responsibility``.
    * ``REPORTED``: "reportedly", "according to", "it was reported", "media
      reports", "X said"/"told"/"stated"/"quoted"/"confirmed" — a statement
      put in a source's mouth.  A parenthetical source note alone ("(Dawn,
      December 12, 2017)") does not lower certainty: the author vouches for
      the fact and shows where it comes from.
    * ``ASSERTED``: none of the above.

``responsibility(sentence) -> str | None``
    ``"claimed"`` when a group claims an attack ("claimed responsibility",
    "claiming the attack", "took responsibility"), ``"attributed"`` when others
    put it on someone ("attributed to", "blamed on", "held responsible",
    "bore the hallmarks of"), else ``None``.  Negated claims ("no group has
    claimed responsibility", "denied responsibility") are not claims; a claim
    outranks an attribution in the same sentence.
"""

from __future__ import annotations

import logging
import re

from watchfloor.models import Certainty

log = logging.getLogger(__name__)

__all__ = ["certainty", "responsibility"]

_I = re.IGNORECASE

_MONTH_CONTEXT = r"(?<!\bin\s)(?<!\bof\s)(?<!\bsince\s)(?<!\bearly\s)(?<!\blate\s)(?<!\bmid-)(?<!\bby\s)"
_POSSIBLE = re.compile(
    r"\b(?:possibly|possible|apparent|apparently|suspected|unconfirmed|unverified|presumed|presumably|"
    r"probably|likely|perhaps|seemingly|(?:is|are|was|were)\s+(?:believed|thought|feared|suspected)\s+to|"
    r"believed\s+to\s+(?:have|be)|thought\s+to\s+(?:have|be)|feared\s+dead|"
    r"could\s+not\s+be\s+(?:independently\s+)?(?:verified|confirmed)|(?:it\s+(?:is|was|remains)\s+)?unclear|"
    r"might|could\s+have|could\s+be)\b"
    rf"|{_MONTH_CONTEXT}\bmay\s+(?:have|be|not|also|well|still|yet|even|already|[a-z]+(?:ed|en)\b)",
)
_POSSIBLE_CAPS = re.compile(r"\b(?:Possibly|Apparently|Perhaps|Presumably|Probably|Suspected|Unconfirmed)\b")

_RESPONSIBILITY_OBJECT = (
    r"(?:(?:the\s+)?(?:responsibility|credit)|(?:the|this|that|these|those|its|last\s+\w+'s|\w+'s)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:attacks?|bombings?|blasts?|explosions?|assaults?|raids?|killings?|kidnappings?|"
    r"abductions?|operations?|ambush(?:es)?|strikes?|shootings?|massacres?|assassinations?|hostage-taking))"
)
_ALLEGED = re.compile(
    r"\b(?:allegedly|alleged|alleges|allege|accused|accuses|accusing|accuse|purportedly|purported|"
    r"denied|denies|denying|"
    r"if\b[^.;]{1,100}?\b(?:is|are)\s+to\s+be\s+believed|"
    rf"(?:claimed|claims|claiming|claim)\b(?!\s+(?:of\s+)?{_RESPONSIBILITY_OBJECT}))",
    _I,
)
_REPORTED = re.compile(
    r"\b(?:reportedly|according\s+to|it\s+(?:was|has\s+been|is)\s+reported|(?:media|press|news|local)\s+reports?|"
    r"reports?\s+(?:say|said|suggest|suggested|indicate|indicated)|"
    r"(?:said|says|told|stated|quoted|confirmed|announced|reported|cited)\b)",
    _I,
)

_CLAIMED = re.compile(
    rf"\b(?:claimed|claims|claiming|claim|took|taken|take|taking|accepted|accepts|accepting|assumed|assumes|"
    rf"admitted)\s+(?:[\w-]+\s+){{0,2}}?(?:of\s+)?{_RESPONSIBILITY_OBJECT}"
    r"|\b(?:claims?|statements?)\s+of\s+responsibility"
    r"|\bresponsibility\s+(?:was|has\s+been|had\s+been)\s+claimed"
    r"|\b(?:claimed|claiming)\s+by\b"
    r"|\badmitted\s+(?:to\s+)?(?:carrying\s+out|staging|conducting)",
    _I,
)
_NEGATED_CLAIM = re.compile(
    r"\b(?:no(?:\s+\w+){0,2}|nobody|none|not|never|yet\s+to|denied|denies|denying|disclaimed|rejected)\b"
    r"[^.;]{0,30}?\b(?:claim|claimed|claims|claiming|responsibility|took|taken)\b",
    _I,
)
_ATTRIBUTED = re.compile(
    r"(?<!statement\s)(?<!statements\s)(?<!quote\s)(?<!remarks\s)(?<!message\s)(?<!comments\s)"
    r"\battributed\s+(?:it\s+)?to\b"
    r"|\bblam(?:ed|es|ing|e)\b"
    r"|\bheld\s+(?:[\w-]+\s+){0,4}?responsible\b"
    r"|\b(?:bore|bears|bearing|had|has)\s+(?:all\s+)?the\s+hallmarks\s+of\b"
    r"|\b(?:believed|thought|suspected|said)\s+to\s+(?:have\s+been\s+)?(?:carried\s+out|perpetrated|staged|"
    r"conducted|orchestrated|masterminded)\s+by\b"
    r"|\baccused\s+(?:[\w-]+\s+){1,5}?of\s+(?:carrying\s+out|staging|conducting|perpetrating|being\s+behind)"
    r"|\bpointed\s+the\s+finger\s+at\b"
    r"|\b(?:was|were)\s+behind\s+the\b",
    _I,
)

_ORDER = [Certainty.ASSERTED, Certainty.REPORTED, Certainty.ALLEGED, Certainty.POSSIBLE]


def _normalise(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence.replace("’", "'")).strip()


def _cues(sentence: str) -> list[Certainty]:
    s = _normalise(sentence)
    # drop parenthetical source notes: they cite, they do not hedge
    s = re.sub(r"\([^()]*\b(?:19|20)\d\d\)|\([^()]{0,60}\)", " ", s)
    found = [Certainty.ASSERTED]
    if _POSSIBLE.search(s.lower()) or _POSSIBLE_CAPS.search(s):
        found.append(Certainty.POSSIBLE)
    if _ALLEGED.search(s):
        found.append(Certainty.ALLEGED)
    if _REPORTED.search(s):
        found.append(Certainty.REPORTED)
    return found


def certainty(sentence: str) -> Certainty:
    """The certainty the wording gives ``sentence``; the weakest cue wins (see module docstring)."""
    return max(_cues(sentence), key=_ORDER.index)


def responsibility(sentence: str) -> str | None:
    """``"claimed"``, ``"attributed"`` or ``None`` for a sentence about an attack (see module docstring)."""
    s = _normalise(sentence)
    claims = [m for m in _CLAIMED.finditer(s) if not _negated(s, m.start(), m.end())]
    if claims:
        return "claimed"
    if _ATTRIBUTED.search(s):
        return "attributed"
    return None


def _negated(s: str, start: int, end: int) -> bool:
    """A negation word shortly before the claim ("no group has claimed", "denied responsibility")."""
    return bool(_NEGATED_CLAIM.search(s[max(0, start - 40) : end]))
