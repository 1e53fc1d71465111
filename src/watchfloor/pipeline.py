"""The pipeline: acquire -> clean -> annotate -> extract -> resolve -> store.

``process_input`` runs the per-document stages (pure: the same in one
process, a worker pool or a Ray task); ``ingest`` drives a batch into a
store, one transaction per batch of documents (``write_batch``), recording
failures without stopping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from watchfloor.models import Annotated, Extraction, RawInput
from watchfloor.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

    from watchfloor.resolve.fusion import FusionReport
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
    fusion: FusionReport | None = None  # cross-document event fusion run after the batch

    @property
    def ok(self) -> bool:
        return not self.failed


ProgressCallback = Callable[[str], None]


def build_nlp(settings: Settings) -> Language:
    """The spaCy pipeline with watchfloor's domain components (once per process)."""
    from watchfloor.annotate import load_pipeline
    from watchfloor.annotate.entities import add_domain_components

    nlp = load_pipeline(settings.spacy_model, speedups=settings.spacy_speedups)
    return add_domain_components(nlp, settings=settings)


def load_models(settings: Settings) -> Language:
    """Load everything the per-document stages use, once per process: spaCy pipeline, actor KB, geocoder.

    Called by every engine before its first document (in each worker, or in
    the parent before worker processes are forked from it).  The models are
    millions of long-lived objects: the garbage collector is off while they
    load (it cost a third of the gazetteer's load time), and the first call
    in a process then moves them to the collector's permanent generation
    (``gc.freeze``), so collections no longer traverse them (measured: the
    collector's share fell from about 6 to 0.6 ms per document) and forked
    workers share their pages copy-on-write without the collector writing
    to them.
    """
    from watchfloor.resolve.geocode import get_geocoder
    from watchfloor.resolve.kb import load_actor_kb
    from watchfloor.runtime import freeze_once, gc_paused

    with gc_paused():
        nlp = build_nlp(settings)
        load_actor_kb(extra_files=tuple(settings.actor_kb_files))
        get_geocoder(settings)
    freeze_once()
    return nlp


def process_input(raw: RawInput, *, settings: Settings, nlp: Language) -> Extraction:
    """Clean, annotate, extract and geocode one input (no store access)."""
    from watchfloor.annotate import annotate
    from watchfloor.clean import clean

    document = clean(raw)
    return process_document_text(annotate(document, nlp=nlp), settings=settings)


def process_document_text(annotated: Annotated, *, settings: Settings) -> Extraction:
    """Extract and resolve places for an annotated document."""
    from watchfloor.extract import extract
    from watchfloor.resolve.dedup import fingerprint
    from watchfloor.resolve.geocode import geocode_extraction, get_geocoder
    from watchfloor.resolve.kb import load_actor_kb

    kb = load_actor_kb(extra_files=tuple(settings.actor_kb_files))
    extraction = extract(annotated, settings=settings, kb=kb)
    geocode_extraction(extraction, geocoder=get_geocoder(settings))
    # per document, so the workers do it rather than the fusion step in the single writer
    extraction.signature = fingerprint(annotated.document.text).signature
    return extraction


def ingest(
    paths: Sequence[str | Path],
    *,
    settings: Settings,
    store: Store,
    on_item: ProgressCallback | None = None,
    fuse_events: bool = True,
) -> IngestReport:
    """Ingest files, folders and globs into ``store``.

    The per-document stages run on the engine ``settings.engine`` picks (in
    process, a process pool of ``settings.workers``, or Ray); this process is
    the single writer.  It stores ``settings.write_batch`` documents per
    transaction; every input either lands whole or is reported in
    ``IngestReport.failed`` (a batch the store refuses is written again one
    document per transaction, so only the faulty one fails); the rest of the
    batch goes on.
    Inputs whose content hash is already stored are left alone, so re-running
    a batch (for instance after a crash) adds nothing twice.  Afterwards
    (unless ``fuse_events`` is false) reposts are marked and the new events
    are fused into the cross-document knowledge base
    (``watchfloor.resolve.fusion.fuse``).
    """
    from watchfloor.acquire import iter_inputs
    from watchfloor.engines import get_engine

    report = IngestReport()
    engine = get_engine(settings.engine)
    pending: list[tuple[str, Extraction]] = []  # (input, extraction) waiting for the next write
    try:
        for outcome in engine(iter_inputs(paths, settings=settings), settings):
            if on_item is not None:
                on_item(outcome.source)
            if outcome.extraction is None:
                _fail(report, store, outcome.source, outcome.problem or "unknown failure")
                continue
            pending.append((outcome.source, outcome.extraction))
            if len(pending) >= settings.write_batch:
                batch, pending = pending, []
                _write(report, store, batch)
    finally:  # what was processed is kept, also when the engine stops the run (Ctrl-C, a lost cluster)
        if pending:
            _write(report, store, pending)
    if fuse_events:  # also after a re-run: a killed run may have stored documents without fusing them
        from watchfloor.resolve.fusion import fuse

        report.fusion = fuse(store, settings=settings)  # reposts + new events join the knowledge base
    return report


def _write(report: IngestReport, store: Store, pending: list[tuple[str, Extraction]]) -> None:
    """Store a batch in one transaction; if that fails, document by document (so one bad document fails alone)."""
    from watchfloor.errors import StoreError

    try:
        results = store.write_extractions([extraction for _, extraction in pending])
    except StoreError as exc:
        log.info("batch of %d documents not written at once (%s); writing them one by one", len(pending), exc)
        results = []
        for source, extraction in pending:
            try:
                results.append(store.write_extraction(extraction))
            except StoreError as one:
                _fail(report, store, source, f"not stored: {one}")
    for result in results:
        (report.added if result.created else report.unchanged).append(result.document_id)


def _fail(report: IngestReport, store: Store, source: str, problem: str) -> None:
    log.warning("%s: %s", source, problem)
    report.failed.append(IngestFailure(source=source, problem=problem))
    store.record_failure(source, problem)
