"""Small dependency-tree helpers shared by the event and relation rules."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

log = logging.getLogger(__name__)


def np_tokens(token: Token) -> list[Token]:
    """A noun phrase without its relative clauses and trailing citations."""
    out: list[Token] = []
    for t in token.subtree:
        if t.i != token.i and any(a.dep_ in {"relcl", "acl"} and (a is t or a.is_ancestor(t)) and token.is_ancestor(a)
                                  for a in [t, *t.ancestors]):
            continue
        if t.text == "(":
            break
        out.append(t)
    return out


def subject_of(token: Token) -> list[Token]:
    """Subject tokens of a verb (active) or of its governing clause (xcomp/conj)."""
    cur = token
    for _ in range(4):
        subj = [c for c in cur.children if c.dep_ in {"nsubj", "csubj"}]
        if subj:
            return np_tokens(subj[0])
        if cur.dep_ == "xcomp":  # object control: "prompted P to criticize"
            obj = [c for c in cur.head.children if c.dep_ == "dobj"]
            if obj:
                return np_tokens(obj[0])
        if cur.dep_ in {"xcomp", "conj", "advcl"} and cur.head is not cur:
            cur = cur.head
            continue
        if cur.dep_ == "relcl":
            return np_tokens(cur.head)
        break
    return []


def agent_of(token: Token) -> list[Token]:
    for child in token.children:
        if child.dep_ == "agent":
            return [t for c in child.children if c.dep_ == "pobj" for t in np_tokens(c)]
    return []


def prep_objects(token: Token, preps: set[str]) -> list[Token]:
    out: list[Token] = []
    for child in token.children:
        if child.dep_ in {"prep", "dative"} and child.lower_ in preps:
            for c in child.children:
                if c.dep_ == "pobj":
                    out.extend(np_tokens(c))
    return out


def is_passive(token: Token) -> bool:
    return any(c.dep_ in {"auxpass", "nsubjpass"} for c in token.children) or (
        token.tag_ == "VBN" and token.dep_ in {"acl", "amod"}
    )
