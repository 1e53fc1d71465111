"""Exact, faster stand-ins for the base pipeline's ``attribute_ruler`` and rule ``lemmatizer``.

Measured on news text with ``en_core_web_sm``, spaCy's own two components
cost about 10 ms per 300-word document, a sixth of the whole parse: the
attribute ruler's ``Matcher`` calls a Python predicate per token for each of
its ``IN`` / ``NOT_IN`` / ``REGEX`` conditions, and the lemmatizer looks each
token up through several Python calls.  Both results depend only on a few
attributes of each token, so they can be computed once per distinct value
and cached:

``FastAttributeRuler``
    compiles the ruler's patterns into bit masks: for each attribute a
    pattern tests (``TAG``, ``LOWER``, ``DEP``, ``IS_SPACE``), a cache maps
    each value met to the set of token conditions it satisfies.  A token's
    conditions are the AND of its attributes' masks, so matching costs four
    dict lookups per token.  Matches are applied in the ruler's order (later
    patterns win), exactly as ``AttributeRuler.set_annotations`` does.
``FastLemmatizer``
    caches each lemma by ``(ORTH, POS, MORPH)``, the inputs of the rule
    lemmatizer, and writes a document's lemmas with one ``Doc.from_array``;
    the lemmatizer's word index (lists it only tests membership of) becomes
    sets, so a word met for the first time is cheap too.

``speed_up(nlp)`` swaps them in where the loaded components allow it (a
ruler pattern outside what ``FastAttributeRuler`` compiles, or a lemmatizer
not in ``rule`` mode, keeps spaCy's component).  ``tests/test_speedups.py``
checks that the annotations are identical to spaCy's own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import AttributeRuler, Lemmatizer
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

#: Token attributes ``FastAttributeRuler`` compiles, in the column order of ``Doc.to_array``.
RULER_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")
#: The caches are cleared past this many entries, so a long run's memory stays bounded.
MAX_CACHE = 500_000

FAST_RULER = "watchfloor_attribute_ruler"
FAST_LEMMATIZER = "watchfloor_lemmatizer"

Test = Callable[[Any], bool]


class Unsupported(ValueError):
    """A pattern uses something ``FastAttributeRuler`` does not compile."""


def _test(value: Any) -> Test:
    """The test one pattern condition makes of a token's attribute value (a string, or a bool for ``IS_SPACE``)."""
    if isinstance(value, (str, bool)):
        return lambda actual: actual == value
    if isinstance(value, dict) and len(value) == 1:
        [(operator, operand)] = value.items()
        if operator == "IN" and isinstance(operand, list):
            members = frozenset(operand)
            return lambda actual: actual in members
        if operator == "NOT_IN" and isinstance(operand, list):
            members = frozenset(operand)
            return lambda actual: actual not in members
        if operator == "REGEX" and isinstance(operand, str):
            search = re.compile(operand).search
            return lambda actual: isinstance(actual, str) and search(actual) is not None
    raise Unsupported(f"condition {value!r}")


@dataclass(frozen=True, slots=True)
class _Rule:
    """One alternative of one ruler pattern: its token conditions as bits, and what it sets where."""

    rule: int  # the ruler's pattern number: later numbers win
    bits: tuple[int, ...]  # one condition bit per token of the alternative
    index: int  # which matched token gets the attributes
    label: int  # the match id the ruler's own Matcher reports


class FastAttributeRuler:
    """``AttributeRuler.__call__`` with the same result, through cached bit masks (see the module docs)."""

    def __init__(self, ruler: AttributeRuler) -> None:
        from spacy.attrs import IDS

        self.ruler = ruler
        self.strings = ruler.vocab.strings
        self.columns = [IDS[name] for name in RULER_ATTRS]
        self.tests: dict[str, list[tuple[int, Test]]] = {name: [] for name in RULER_ATTRS}
        rules: list[_Rule] = []
        bit = 0
        everything = 0
        patterns: list[dict[str, Any]] = cast(Any, ruler.patterns)
        for number, pattern in enumerate(patterns):
            for alternative in pattern["patterns"]:
                bits = []
                for token in alternative:
                    unknown = set(token) - set(RULER_ATTRS)
                    if unknown:
                        raise Unsupported(f"pattern {number} tests {sorted(unknown)}")
                    for name, value in token.items():
                        self.tests[name].append((1 << bit, _test(value)))
                    bits.append(1 << bit)
                    everything |= 1 << bit
                    bit += 1
                label = self.strings.add(str(number))
                rules.append(_Rule(rule=number, bits=tuple(bits), index=int(pattern["index"]), label=label))
        constrained = {name: sum(b for b, _ in tests) for name, tests in self.tests.items()}
        self.unconstrained: dict[str, int] = {name: everything & ~constrained[name] for name in RULER_ATTRS}
        self.single = [r for r in rules if len(r.bits) == 1]
        self.multi = [r for r in rules if len(r.bits) > 1]
        self.multi_first = sum(r.bits[0] for r in self.multi)
        self.masks: dict[str, dict[Any, int]] = {name: {} for name in RULER_ATTRS}
        self.singles_of: dict[int, list[_Rule]] = {}

    def _mask(self, name: str, value: Any) -> int:
        cache = self.masks[name]
        mask = cache.get(value)
        if mask is None:
            if len(cache) > MAX_CACHE:
                cache.clear()
            actual = bool(value) if name == "IS_SPACE" else self.strings[value]
            mask = self.unconstrained[name]
            for bit, test in self.tests[name]:
                if test(actual):
                    mask |= bit
            cache[value] = mask
        return mask

    def _singles(self, satisfied: int) -> list[_Rule]:
        rules = self.singles_of.get(satisfied)
        if rules is None:
            if len(self.singles_of) > MAX_CACHE:
                self.singles_of.clear()
            rules = [r for r in self.single if satisfied & r.bits[0]]
            self.singles_of[satisfied] = rules
        return rules

    def matches(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """``(rule, label, start, end)`` for every match, sorted as ``AttributeRuler.match`` sorts them."""
        rows = doc.to_array(self.columns).tolist() if len(doc) else []
        satisfied = [
            self._mask("TAG", tag) & self._mask("LOWER", lower) & self._mask("DEP", dep) & self._mask("IS_SPACE", space)
            for tag, lower, dep, space in rows
        ]
        found = [(r.rule, r.label, i, i + 1) for i, mask in enumerate(satisfied) for r in self._singles(mask)]
        for start, mask in enumerate(satisfied):
            if not mask & self.multi_first:
                continue
            for r in self.multi:
                end = start + len(r.bits)
                if end <= len(satisfied) and all(satisfied[start + k] & b for k, b in enumerate(r.bits)):
                    found.append((r.rule, r.label, start, end))
        found.sort()
        return found

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens._retokenize import set_token_attrs

        indices = self.ruler.indices
        attrs = self.ruler.attrs
        for rule, _label, start, end in self.matches(doc):
            index = indices[rule]
            position = start + index if index >= 0 else end + index
            if not start <= position < end:
                raise ValueError(f"attribute ruler pattern {rule}: index {index} outside its {end - start}-token match")
            set_token_attrs(doc[position], attrs[rule])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


class FastLemmatizer:
    """A rule ``Lemmatizer`` with its lemmas cached by ``(ORTH, POS, MORPH)`` and written in one array."""

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self.strings = lemmatizer.vocab.strings
        self.cache: dict[tuple[int, int, int], int] = {}
        if lemmatizer.lookups.has_table("lemma_index"):
            # The rule lemmatizer only asks "is this form in the index?", of lists of up to 60,000
            # words per part of speech: as sets, a first-seen word costs microseconds, not a scan.
            index = lemmatizer.lookups.get_table("lemma_index")
            for key in list(index.keys()):
                index[key] = frozenset(index[key])

    def __call__(self, doc: Doc) -> Doc:
        import numpy as np
        from spacy.attrs import LEMMA, MORPH, ORTH, POS

        if not len(doc):
            return doc
        inner = self.lemmatizer
        if not inner._validated:
            inner._validate_tables()
        rows = doc.to_array([ORTH, POS, MORPH, LEMMA]).tolist()
        lemmas = []
        for i, (orth, pos, morph, lemma) in enumerate(rows):
            if lemma and not inner.overwrite:
                lemmas.append(lemma)
                continue
            key = (orth, pos, morph)
            found = self.cache.get(key)
            if found is None:
                if len(self.cache) > MAX_CACHE:
                    self.cache.clear()
                found = self.cache[key] = self.strings.add(inner.lemmatize(doc[i])[0])
            lemmas.append(found)
        doc.from_array([LEMMA], cast(Any, np.asarray(lemmas, dtype="uint64").reshape(-1, 1)))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


def speed_up(nlp: Language) -> Language:
    """Replace ``attribute_ruler`` and a rule ``lemmatizer`` in ``nlp`` by their cached stand-ins, where possible."""
    if "attribute_ruler" in nlp.pipe_names:
        try:
            _swap(nlp, "attribute_ruler", FAST_RULER, FastAttributeRuler)
        except Unsupported as exc:
            log.info("keeping spaCy's attribute_ruler: %s", exc)
    if "lemmatizer" in nlp.pipe_names and getattr(nlp.get_pipe("lemmatizer"), "mode", None) == "rule":
        _swap(nlp, "lemmatizer", FAST_LEMMATIZER, FastLemmatizer)
    return nlp


def _swap(nlp: Language, old: str, new: str, build: Callable[[Any], Any]) -> None:
    """Put ``build(old component)``, registered as the factory ``new``, where the pipe ``old`` was; remove ``old``."""
    from spacy.language import Language

    if not Language.has_factory(new):

        def create(nlp: Language, name: str, source: str) -> Any:
            return build(nlp.get_pipe(source))

        Language.factory(new, func=create, default_config={"source": old})
    nlp.add_pipe(new, before=old, config={"source": old})
    nlp.remove_pipe(old)
