"""Trained extraction components and their registry.

``role_taggers`` maps versioned names to factories ``factory(*, settings)``
returning a callable that predicts MUC-4 templates for a batch of
``Muc4Document`` (and exposes ``predict_annotated`` for watchfloor documents).
Weights live in ``watchfloor/data/models/`` as JSON and load lazily.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from watchfloor.registry import Registry

if TYPE_CHECKING:
    from watchfloor.settings import Settings

role_taggers: Registry[Callable[..., Any]] = Registry("role tagger")


@role_taggers.register("muc4-linear.v1")
def make_muc4_linear(*, settings: Settings) -> Any:
    """The linear MUC-4 tagger (type, sentence-relevance and role models) on the settings' spaCy pipeline."""
    from functools import partial

    from watchfloor.annotate import load_pipeline
    from watchfloor.extract.learned.muc_roles import load_tagger

    tagger = load_tagger()
    return partial(tagger.__call__, nlp=load_pipeline(settings.spacy_model, speedups=settings.spacy_speedups))


@role_taggers.register("native-rules.v1")
def make_native_rules(*, settings: Settings) -> Any:
    """watchfloor's own rules extractor, its native events mapped to MUC-4 templates."""
    from functools import partial

    from watchfloor.bench.muc4 import native_predictor

    return partial(native_predictor, settings=settings)


@role_taggers.register("muc4-linear+native.v1")
def make_combined(*, settings: Settings) -> Any:
    """The learned tagger's templates plus the fillers the native rules add for the same incident types."""
    from functools import partial

    from watchfloor.bench.muc4 import combined_predictor

    return partial(combined_predictor, settings=settings)
