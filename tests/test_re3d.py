"""re3d benchmark module: reader errors, scorer (exact/overlap, confidence, nesting), writer, LOSO driver."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from watchfloor.bench.re3d import (
    PredictedEntity,
    Re3dDocument,
    default_source_dirs,
    format_loso,
    format_scores,
    leave_one_source_out,
    micro_over_folds,
    read_predictions,
    read_source,
    read_sources,
    score,
    write_predictions,
)
from watchfloor.errors import BenchmarkDataError

TEXT_A = "Rebels fired a mortar at Aleppo on Monday."
TEXT_B = "The coalition destroyed two tanks near Mosul."


def _write_source(folder: Path, docs: dict[str, str], ents: list[dict[str, object]]) -> Path:
    folder.mkdir(parents=True)
    with (folder / "documents.json").open("w") as fh:
        for doc_id, text in docs.items():
            fh.write(json.dumps({"_id": doc_id, "title": doc_id, "text": text}) + "\n")
    with (folder / "entities.json").open("w") as fh:
        for ent in ents:
            fh.write(json.dumps(ent) + "\n")
    (folder / "relations.json").write_text("")
    return folder


def _ent(doc_id: str, text: str, value: str, etype: str, confidence: float = 1.0) -> dict[str, object]:
    begin = text.index(value)
    return {
        "documentId": doc_id,
        "begin": begin,
        "end": begin + len(value),
        "type": etype,
        "value": value,
        "confidence": confidence,
    }


@pytest.fixture
def tiny_sources(tmp_path: Path) -> list[Path]:
    """Two invented one-document re3d sources with a low-confidence, a rare-type and a nested annotation."""
    a = _write_source(
        tmp_path / "src-a",
        {"A": TEXT_A},
        [
            _ent("A", TEXT_A, "Rebels", "Organisation"),
            _ent("A", TEXT_A, "a mortar", "Weapon"),
            _ent("A", TEXT_A, "Aleppo", "Location"),
            _ent("A", TEXT_A, "Monday", "Temporal", 0.2),
            _ent("A", TEXT_A, "Monday", "DocumentReference"),
        ],
    )
    b = _write_source(
        tmp_path / "src-b",
        {"B": TEXT_B},
        [
            _ent("B", TEXT_B, "The coalition", "Organisation"),
            _ent("B", TEXT_B, "two", "Quantity"),
            _ent("B", TEXT_B, "two tanks", "MilitaryPlatform"),
            _ent("B", TEXT_B, "Mosul", "Location"),
        ],
    )
    return [a, b]


def test_reader_reads_documents_and_entities(tiny_sources: list[Path]) -> None:
    docs = read_sources(tiny_sources)
    assert [d.id for d in docs] == ["A", "B"]
    assert docs[0].source == "src-a"
    scored = docs[0].scored_entities()
    assert {e.value for e in scored} == {"Rebels", "a mortar", "Aleppo"}  # low confidence and rare type dropped


def test_reader_missing_file_is_named(tiny_sources: list[Path]) -> None:
    (tiny_sources[0] / "relations.json").unlink()
    with pytest.raises(BenchmarkDataError, match=r"relations\.json"):
        read_source(tiny_sources[0])


def test_reader_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkDataError, match="does not exist"):
        read_source(tmp_path / "nope")


def test_reader_malformed_line_is_named(tiny_sources: list[Path]) -> None:
    with (tiny_sources[0] / "entities.json").open("a") as fh:
        fh.write("{not json\n")
    with pytest.raises(BenchmarkDataError, match=r"entities.json:6: malformed JSON"):
        read_source(tiny_sources[0])


def test_reader_offsets_out_of_range(tmp_path: Path) -> None:
    bad = {"documentId": "A", "begin": 30, "end": 400, "type": "Location", "value": "x", "confidence": 1}
    folder = _write_source(tmp_path / "bad", {"A": TEXT_A}, [bad])
    with pytest.raises(BenchmarkDataError, match="out of range of document 'A'"):
        read_source(folder)


def test_reader_unknown_document_and_missing_field(tmp_path: Path) -> None:
    orphan = {"documentId": "Z", "begin": 0, "end": 3, "type": "Location", "value": "Reb", "confidence": 1}
    with pytest.raises(BenchmarkDataError, match="unknown document 'Z'"):
        read_source(_write_source(tmp_path / "o", {"A": TEXT_A}, [orphan]))
    no_type = {"documentId": "A", "begin": 0, "end": 3, "value": "Reb", "confidence": 1}
    with pytest.raises(BenchmarkDataError, match="'type'"):
        read_source(_write_source(tmp_path / "t", {"A": TEXT_A}, [no_type]))


def _pred(doc: Re3dDocument, value: str, etype: str) -> PredictedEntity:
    begin = doc.text.index(value)
    return PredictedEntity(doc.id, begin, begin + len(value), etype)


def test_score_exact_and_overlap(tiny_sources: list[Path]) -> None:
    a, b = read_sources(tiny_sources)
    preds = [
        _pred(a, "Rebels", "Organisation"),  # exact hit
        _pred(a, "mortar", "Weapon"),  # overlap only
        _pred(a, "Aleppo", "Person"),  # wrong type
        _pred(a, "Monday", "Temporal"),  # gold is low-confidence: a false positive
        _pred(b, "coalition", "Organisation"),  # overlap only
        _pred(b, "two tanks", "MilitaryPlatform"),  # exact (outer of nested pair)
        _pred(b, "Mosul", "Location"),
        PredictedEntity("B", 0, 3, "DocumentReference"),  # unscored type: ignored
    ]
    exact = score([a, b], preds, mode="exact")
    assert (exact.overall.tp, exact.overall.fp, exact.overall.fn) == (3, 4, 4)
    assert exact.per_type["Weapon"].fn == 1
    overlap = score([a, b], preds, mode="overlap")
    assert (overlap.overall.tp, overlap.overall.fp, overlap.overall.fn) == (5, 2, 2)
    assert overlap.overall.precision == pytest.approx(5 / 7)
    table = format_scores(overlap, title="tiny")
    assert "MICRO" in table and "Weapon" in table


def test_overlap_is_one_to_one(tiny_sources: list[Path]) -> None:
    _, b = read_sources(tiny_sources)
    long_pred = PredictedEntity("B", 0, len(b.text), "Location")  # spans both Location? only Mosul
    twice = [long_pred, _pred(b, "Mosul", "Location")]
    s = score([b], twice, mode="overlap")
    assert s.per_type["Location"].tp == 1
    assert s.per_type["Location"].fp == 1


def test_duplicates_count_once(tiny_sources: list[Path]) -> None:
    a, _ = read_sources(tiny_sources)
    preds = [_pred(a, "Aleppo", "Location")] * 3
    s = score([a], preds, mode="exact")
    assert (s.per_type["Location"].tp, s.per_type["Location"].fp) == (1, 0)


def test_predictions_round_trip(tmp_path: Path) -> None:
    preds = [PredictedEntity("A", 0, 6, "Organisation"), PredictedEntity("A", 25, 31, "Location")]
    out = tmp_path / "out" / "preds.jsonl"
    assert write_predictions(out, preds) == 2
    first = json.loads(out.read_text().splitlines()[0])
    assert first == {"documentId": "A", "begin": 0, "end": 6, "type": "Organisation"}
    assert read_predictions(out) == preds


def test_loso_never_scores_training_documents(tiny_sources: list[Path]) -> None:
    import spacy
    from spacy.language import Language

    docs = read_sources(tiny_sources)
    seen: list[set[str]] = []

    def build(train: Sequence[Re3dDocument]) -> Language:
        seen.append({d.source for d in train})
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("entity_ruler")
        ruler.add_patterns([{"label": "Location", "pattern": "Mosul"}, {"label": "Location", "pattern": "Aleppo"}])  # type: ignore[attr-defined]
        return nlp

    results = leave_one_source_out(docs, {"gazetteer": build})
    assert [r.held_out for r in results] == ["src-a", "src-b"]
    assert seen == [{"src-b"}, {"src-a"}]
    pooled = micro_over_folds(results, "gazetteer", mode="exact")
    assert pooled.per_type["Location"].tp == 2
    assert "MICRO (all folds)" in format_loso(results)


def test_default_source_dirs(tmp_path: Path) -> None:
    dirs = default_source_dirs(tmp_path)
    assert len(dirs) == 4 and all(d.parent == tmp_path / "re3d" for d in dirs)


def test_reused_label_follows_the_base_ner() -> None:
    """Gold types are trained as the OntoNotes label the base NER gives an overlapping span, else a default."""
    from watchfloor.bench.re3d import _reused_label

    base = [(0, 5, "LOC"), (10, 14, "DATE"), (20, 25, "PERSON")]
    assert _reused_label("Location", 0, 5, base) == "LOC"
    assert _reused_label("Location", 20, 25, base) == "GPE"  # PERSON is not a Location label
    assert _reused_label("Temporal", 9, 12, base) == "DATE"
    assert _reused_label("Organisation", 30, 35, base) == "ORG"
    assert _reused_label("Weapon", 0, 5, base) == "Weapon"


@pytest.mark.slow
def test_one_loso_fold_on_real_data() -> None:
    """Train on three real re3d sources (few epochs, the shipped label scheme) and score the held-out EU
    delegation source with the bare NER (no rules)."""
    from watchfloor.bench.re3d import predict, train_ner
    from watchfloor.settings import Settings

    docs = read_sources(default_source_dirs(Settings().benchmarks_dir))
    held = "delegation-of-the-european-union-to-syria"
    nlp = train_ner([d for d in docs if d.source != held], epochs=5, reuse_labels=True)
    test = [d for d in docs if d.source == held]
    s = score(test, predict(nlp, test), mode="exact")
    assert s.overall.f1 > 0.4
