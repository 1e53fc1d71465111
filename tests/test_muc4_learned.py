"""The learned MUC-4 tagger's parts on hand-made text: candidate spans, sentence relevance, incident
splitting, the top-entity threshold, the relevance gate and the weights' JSON round trip."""

from __future__ import annotations

import json

from watchfloor.bench.muc4 import ROLES, Muc4Document, Muc4Entity, Muc4Template
from watchfloor.extract.learned.muc_roles import (
    Candidate,
    Muc4RoleTagger,
    Prepared,
    extract_candidates,
    relevance_bin,
    relevance_of,
    sentence_labels,
    train_sentence_model,
    training_documents,
)
from watchfloor.extract.learned.perceptron import MultiPerceptron


def _candidate(key: str, sentence: int) -> Candidate:
    return Candidate(key=key, text=key, sentences={sentence}, first_sentence=sentence)


def _tagger(**options: object) -> Muc4RoleTagger:
    types = MultiPerceptron(outputs=["attack", "kidnapping"], bias=[1.0, -5.0])
    roles = MultiPerceptron(outputs=list(ROLES), bias=[0.0] * len(ROLES))
    return Muc4RoleTagger(type_model=types, role_model=roles, **options)  # type: ignore[arg-type]


def test_parenthesised_acronym_splits_into_its_own_candidates(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("guerrillas of the army of national liberation (eln) kidnapped a us citizen in medellin today.")
    keys = {c.key for c in extract_candidates(doc)}
    assert "eln" in keys
    assert "guerrillas of army of national liberation" in keys
    assert "army of national liberation" in keys


def test_relevance_levels_reach_candidate_features(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("the weather was fine. a bomb exploded at the bank.")
    plain = {c.key: c for c in extract_candidates(doc)}
    leveled = {c.key: c for c in extract_candidates(doc, [0.01, 0.9])}
    assert not any(f.startswith("sr") for f in plain["bank"].features)
    assert f"srmax={relevance_bin(0.9)}" in leveled["bank"].features
    assert f"srmax={relevance_bin(0.01)}" in leveled["weather"].features
    assert any(f.startswith(f"sr{relevance_bin(0.9)}|") for f in leveled["bank"].features)
    assert relevance_bin(0.0) == 0 and relevance_bin(1.0) > relevance_bin(0.2)


def test_sentence_relevance_is_learned_from_gold_mentions(nlp) -> None:  # type: ignore[no-untyped-def]
    gold = Muc4Template("bombing", {role: [] for role in ROLES})
    gold.roles["Target"] = [Muc4Entity(mentions=("the bank",))]
    gold.roles["Weapon"] = [Muc4Entity(mentions=("bomb",))]
    texts = [
        "the minister spoke about the economy. a bomb destroyed the bank last night. talks will go on.",
        "prices rose again this month. terrorists placed a bomb at the bank. the president travelled.",
    ] * 4
    docs = [nlp(t) for t in texts]
    documents = [Muc4Document(docid=f"DEV-MUC3-{i:04d}", text=t, templates=[gold]) for i, t in enumerate(texts)]
    assert sentence_labels(docs[0], documents[0]) == [False, True, False]
    data = training_documents(docs, documents)
    model = train_sentence_model([ex for item in data for ex in item.sentence_examples], l2=1e-4)
    relevance = relevance_of(model, nlp("the economy grew. a bomb damaged the bank."))
    assert len(relevance) == 2 and relevance[1] > relevance[0]


def test_split_incidents_share_perpetrators(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("rebels kidnapped the mayor on monday. two days later they kidnapped a judge. police searched.")
    cands = [_candidate("rebels", 0), _candidate("mayor", 0), _candidate("judge", 1)]
    scores = [{"PerpInd": 2.0}, {"Victim": 2.0}, {"Victim": 1.0}]
    scores = [{role: s.get(role, -5.0) for role in ROLES} for s in scores]
    prepared = Prepared(doc=doc, types=[("attack", 1.0)], candidates=cands, scores=scores)
    single = _tagger().decide(prepared)
    assert len(single) == 1 and len(single[0].roles["Victim"]) == 2
    split = _tagger(split_incidents=4).decide(prepared)
    assert [[e.mentions for e in t.roles["Victim"]] for t in split] == [[("mayor",)], [("judge",)]]
    assert all([e.mentions for e in t.roles["PerpInd"]] == [("rebels",)] for t in split)


def test_top_threshold_keeps_only_the_best_weak_entity(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("gunmen shot the mayor and his driver.")
    cands = [_candidate("mayor", 0), _candidate("driver", 0)]
    scores = [{role: -5.0 for role in ROLES} for _ in cands]
    scores[0]["Victim"], scores[1]["Victim"] = -1.0, -1.5
    prepared = Prepared(doc=doc, types=[("attack", 1.0)], candidates=cands, scores=scores)
    assert _tagger().decide(prepared)[0].roles["Victim"] == []
    templates = _tagger(top_thresholds={"Victim": -2.0}).decide(prepared)
    assert [e.mentions for e in templates[0].roles["Victim"]] == [("mayor",)]


def test_relevance_weight_gates_documents() -> None:
    tagger = _tagger(relevance_weight=1.0, type_threshold=0.5)
    ranked = [("attack", 1.0), ("kidnapping", -5.0)]
    assert tagger.choose_types(ranked) == ["attack"]
    assert tagger.choose_types(ranked, relevance=[0.01, 0.02, 0.01]) == []
    assert tagger.choose_types(ranked, relevance=[0.9, 0.01]) == ["attack"]


def test_new_settings_round_trip_and_are_adopted() -> None:
    tagger = _tagger(
        split_incidents=3,
        split_shared=("PerpOrg",),
        top_thresholds={"Victim": -2.0},
        relevance_weight=0.5,
        sentence_model=MultiPerceptron(outputs=["relevant"], weights={"t=attack": [1.0]}, bias=[-1.0]),
    )
    again = Muc4RoleTagger.from_json(json.loads(json.dumps(tagger.to_json())))
    assert again.split_incidents == 3 and again.split_shared == ("PerpOrg",)
    assert again.top_thresholds == {"Victim": -2.0} and again.relevance_weight == 0.5
    assert again.sentence_model is not None and again.sentence_model.weights == {"t=attack": [1.0]}
    fresh = _tagger()
    fresh.adopt_decisions(again)
    assert fresh.split_incidents == 3 and fresh.top_thresholds == {"Victim": -2.0}
    assert fresh.sentence_model is None  # models are not decisions


def test_type_features_choice_round_trips_and_is_checked(nlp) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from watchfloor.errors import ConfigError

    tagger = _tagger(type_features="gate")
    raw = json.loads(json.dumps(tagger.to_json()))
    assert Muc4RoleTagger.from_json(raw).type_features == "gate"
    doc = nlp("gunmen killed the mayor yesterday.")
    assert tagger.type_scores(doc)[0][0] == "attack"
    with pytest.raises(ConfigError):
        Muc4RoleTagger.from_json({**raw, "type_features": "nonsense"})
