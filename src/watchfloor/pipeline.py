"""The pipeline: acquire -> clean -> annotate -> extract -> resolve -> store.

``process_input`` runs the per-document stages (pure: the same in one
process, a worker pool or a Ray task); ``ingest`` drives a batch into a
store, one transaction per document, recording failures without stopping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from watchfloor.errors import InputError, WatchfloorError
from watchfloor.models import Extraction, RawInput
from watchfloor.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

    from watchfloor.store.repository import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestFailure:
    """One input that could not be ingested, and why."""

    source: str
    problem: str


@dataclass(slots=True)
class IngestReport:
    """What one ``ingest`` call did."""

    added: list[str] = field(default_factory=list)  # document ids written
    unchanged: list[str] = field(default_factory=list)  # already in the store
    failed: list[IngestFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


ProgressCallback = Callable[[str], None]


def build_nlp(settings: Settings) -> Language:
    """The spaCy pipeline with watchfloor's domain components (once per process)."""
    from watchfloor.annotate import load_pipeline
    from watchfloor.annotate.entities import add_domain_components

    return add_domain_components(load_pipeline(settings.spacy_model), settings=settings)


def process_input(raw: RawInput, *, settings: Settings, nlp: Language) -> Extraction:
    """Clean, annotate, extract and geocode one input (no store access)."""
    from watchfloor.annotate import annotate
    from watchfloor.clean import clean

    document = clean(raw)
    return process_document_text(annotate(document, nlp=nlp), settings=settings)


def process_document_text(annotated: object, *, settings: Settings) -> Extraction:
    """Extract and resolve places for an annotated document."""
    from watchfloor.extract import extract
    from watchfloor.models import Annotated
    from watchfloor.resolve.geocode import geocode_extraction, get_geocoder
    from watchfloor.resolve.kb import load_actor_kb

    assert isinstance(annotated, Annotated)
    kb = load_actor_kb(extra_files=tuple(settings.actor_kb_files))
    extraction = extract(annotated, settings=settings, kb=kb)
    geocode_extraction(extraction, geocoder=get_geocoder(settings))
    return extraction


def ingest(
    paths: Sequence[str | Path],
    *,
    settings: Settings,
    store: Store,
    on_item: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest files, folders and globs into ``store``.

    Every input either lands whole (one transaction) or is reported in
    ``IngestReport.failed``; the rest of the batch goes on.  Inputs whose
    content hash is already stored are left alone, so re-running a batch
    (for instance after a crash) adds nothing twice.
    """
    from watchfloor.acquire import iter_inputs

    report = IngestReport()
    nlp: Language | None = None
    for item in iter_inputs(paths, settings=settings):
        if isinstance(item, InputError):
            _fail(report, store, item.source, item.problem)
            continue
        if on_item is not None:
            on_item(item.source)
        try:
            if nlp is None:
                nlp = build_nlp(settings)
            extraction = process_input(item, settings=settings, nlp=nlp)
        except InputError as exc:
            _fail(report, store, exc.source, exc.problem)
            continue
        except WatchfloorError as exc:
            _fail(report, store, item.source, str(exc))
            continue
        except Exception as exc:  # a bug on one document must not stop the batch
            log.exception("unexpected error on %s", item.source)
            _fail(report, store, item.source, f"internal error: {type(exc).__name__}: {exc}")
            continue
        result = store.write_extraction(extraction)
        (report.added if result.created else report.unchanged).append(extraction.document.id)
    return report


def _fail(report: IngestReport, store: Store, source: str, problem: str) -> None:
    log.warning("%s: %s", source, problem)
    report.failed.append(IngestFailure(source=source, problem=problem))
    store.record_failure(source, problem)

