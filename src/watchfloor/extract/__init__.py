"""Extract: actors, events and relations (with their claims) from one annotated document.

``extract(annotated, settings=..., kb=...)`` runs the extractor named by
``settings.extractor`` from the ``extractors`` registry.  The rule-based
extractor ``rules.v1`` calls ``extract.actors.extract_actors``, then
``extract.events.extract_events`` and ``extract.relations.extract_relations``;
events and relations refer to actors by ``ActorRecord.local_id``.

Other extractors register a callable ``(annotated, *, kb) -> Extraction``::

    @extractors.register("mine.v1")
    def mine(annotated: Annotated, *, kb: object | None = None) -> Extraction: ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from watchfloor.models import ActorSet, Annotated, Extraction
from watchfloor.registry import Registry

if TYPE_CHECKING:
    from watchfloor.settings import Settings

log = logging.getLogger(__name__)

ExtractorFn = Callable[..., Extraction]

#: Registered extractors by versioned name ("rules.v1").
extractors: Registry[ExtractorFn] = Registry("extractor")


def _actors(annotated: Annotated, *, kb: Any) -> ActorSet:
    try:
        from watchfloor.extract.actors import extract_actors
    except ImportError as exc:  # pragma: no cover - the actor module ships with the package
        log.warning("actor extraction unavailable (%s); events will have no participants", exc)
        return ActorSet()
    return extract_actors(annotated, kb=kb)


@extractors.register("rules.v1")
def extract_rules_v1(annotated: Annotated, *, kb: object | None = None) -> Extraction:
    """The rule-based extractor: actors, then events and relations over the dependency parse."""
    from watchfloor.extract.events import extract_events
    from watchfloor.extract.relations import extract_relations

    document = annotated.document
    if annotated.doc is None:
        log.warning("document %s reached extract without its parse; only mentions are kept", document.id)
        return Extraction(document=document, mentions=list(annotated.mentions), extractor="rules.v1")
    actors = _actors(annotated, kb=kb)
    events = extract_events(annotated, actors=actors, anchor=document.published)
    relations = extract_relations(annotated, actors=actors)
    log.debug("%s: %d actors, %d events, %d relations", document.id, len(actors.actors), len(events), len(relations))
    return Extraction(
        document=document,
        mentions=list(annotated.mentions),
        actors=list(actors.actors),
        events=events,
        relations=relations,
        extractor="rules.v1",
    )


def extract(annotated: Annotated, *, settings: Settings, kb: object | None = None) -> Extraction:
    """Run the extractor ``settings.extractor`` on one annotated document."""
    factory = extractors.get(settings.extractor)
    return factory(annotated, kb=kb)


__all__ = ["extract", "extract_rules_v1", "extractors"]
