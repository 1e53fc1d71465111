"""MUC-4 template filling: reader, GTT-style scorer, prediction writer and runner.

The benchmark (``benchmarks/muc4/*.jsonl``) holds one document a line:
``docid``, lower-cased ``doctext`` and gold ``templates``, each with an
``incident_type`` and five role slots (``PerpInd``, ``PerpOrg``, ``Target``,
``Victim``, ``Weapon``) whose fillers are entities: lists of coreferent
``[mention, char offset]`` pairs.

Scoring follows the GTT convention described in ``benchmarks/README.md``:

* per document, predicted templates are mapped one-to-one onto gold templates
  (only pairs whose incident types agree may be mapped; a gold type written
  with alternatives such as ``"bombing / attack"`` agrees with any of them);
  the mapping chosen is the one with the most correct fillers (exhaustive
  over permutations for small documents, Hungarian assignment beyond);
* a predicted filler (its first mention) is correct when, after lower-casing
  and removing punctuation and the articles a/an/the, it equals one of the
  mentions of a gold entity of the same role in the mapped template; each
  gold entity is matched at most once and each predicted filler at most once;
* precision = correct / all predicted fillers, recall = correct / all gold
  entities, micro-averaged over documents, per role and overall.

Document numbers for the prediction file: ``TST1-MUC3-0001`` -> ``"10001"``
(the digit ending the first part times 10000 plus the last part).  The
training documents ``DEV-MUC3-0001`` have no digit in their first part; they
map to digit 0, i.e. ``"1"`` .. ``"1300"``, which cannot collide with the
TST1-4 numbers (10001 and up).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchfloor.errors import BenchmarkDataError, ConfigError

if TYPE_CHECKING:
    from watchfloor.models import Extraction
    from watchfloor.settings import Settings

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("PerpInd", "PerpOrg", "Target", "Victim", "Weapon")
INCIDENT_TYPES: tuple[str, ...] = ("attack", "bombing", "kidnapping", "arson", "robbery", "forced work stoppage")
#: Largest template count on either side for which every permutation is tried.
PERMUTATION_CAP = 7

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


@dataclass(frozen=True, slots=True)
class Muc4Entity:
    """One role filler: coreferent mentions (offsets are -1 when unknown, as in predictions)."""

    mentions: tuple[str, ...]
    offsets: tuple[int, ...] = ()


@dataclass(slots=True)
class Muc4Template:
    """One incident template: its type and the entities filling each role."""

    incident_type: str
    roles: dict[str, list[Muc4Entity]] = field(default_factory=lambda: {role: [] for role in ROLES})

    def fillers(self, role: str) -> list[Muc4Entity]:
        return self.roles.get(role, [])


@dataclass(slots=True)
class Muc4Document:
    """One benchmark document; ``templates`` is None when the input carries no gold."""

    docid: str
    text: str
    templates: list[Muc4Template] | None = None


@dataclass(slots=True)
class RoleCounts:
    """Correct / predicted / gold filler counts with P, R, F1 (in percent)."""

    correct: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: RoleCounts) -> None:
        self.correct += other.correct
        self.predicted += other.predicted
        self.gold += other.gold

    @property
    def precision(self) -> float:
        return 100.0 * self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return 100.0 * self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Muc4Score:
    """Micro-averaged role-filler scores, per role and overall."""

    roles: dict[str, RoleCounts] = field(default_factory=lambda: {role: RoleCounts() for role in ROLES})
    documents: int = 0

    @property
    def overall(self) -> RoleCounts:
        total = RoleCounts()
        for counts in self.roles.values():
            total.add(counts)
        return total


# --------------------------------------------------------------------------- reading


def doc_number(docid: str) -> str:
    """The scorer's key for a document id: ``TST1-MUC3-0001`` -> ``"10001"``, ``DEV-MUC3-0001`` -> ``"1"``."""
    parts = docid.strip().split("-")
    if len(parts) < 2 or not parts[-1].isdigit():
        raise BenchmarkDataError(f"document id {docid!r}: expected PREFIX-...-NUMBER")
    head = parts[0]
    digit = int(head[-1]) if head and head[-1].isdigit() else 0
    return str(digit * 10000 + int(parts[-1]))


def _parse_entity(raw: Any, *, where: str) -> Muc4Entity:
    if not isinstance(raw, list) or not raw:
        raise BenchmarkDataError(f"{where}: a filler must be a non-empty list of mentions")
    texts: list[str] = []
    offsets: list[int] = []
    for mention in raw:
        if isinstance(mention, str):
            texts.append(mention)
            offsets.append(-1)
        elif isinstance(mention, list) and mention and isinstance(mention[0], str):
            texts.append(mention[0])
            offsets.append(int(mention[1]) if len(mention) > 1 and isinstance(mention[1], int) else -1)
        else:
            raise BenchmarkDataError(f"{where}: malformed mention {mention!r}")
    return Muc4Entity(mentions=tuple(texts), offsets=tuple(offsets))


def parse_template(raw: Any, *, where: str) -> Muc4Template:
    """A template from its JSON form (gold or predicted)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("incident_type"), str):
        raise BenchmarkDataError(f"{where}: a template must be an object with a string incident_type")
    roles: dict[str, list[Muc4Entity]] = {}
    for role in ROLES:
        fillers = raw.get(role, [])
        if not isinstance(fillers, list):
            raise BenchmarkDataError(f"{where}: role {role} must be a list")
        roles[role] = [_parse_entity(entity, where=f"{where} {role}") for entity in fillers]
    return Muc4Template(incident_type=raw["incident_type"].strip().lower(), roles=roles)


def read_muc4(path: Path) -> list[Muc4Document]:
    """Read a MUC-4 JSONL file; raise ``BenchmarkDataError`` naming the file and line on any problem."""
    if not path.is_file():
        raise BenchmarkDataError(f"{path}: MUC-4 file not found")
    documents: list[Muc4Document] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchmarkDataError(f"{where}: invalid JSON ({exc.msg})") from exc
            if not isinstance(raw, dict) or not isinstance(raw.get("docid"), str):
                raise BenchmarkDataError(f"{where}: expected an object with a string 'docid'")
            text = raw.get("doctext")
            if not isinstance(text, str):
                raise BenchmarkDataError(f"{where}: missing string 'doctext'")
            templates: list[Muc4Template] | None = None
            if "templates" in raw:
                if not isinstance(raw["templates"], list):
                    raise BenchmarkDataError(f"{where}: 'templates' must be a list")
                templates = [parse_template(t, where=where) for t in raw["templates"]]
            documents.append(Muc4Document(docid=raw["docid"], text=text, templates=templates))
    log.info("read %d MUC-4 documents from %s", len(documents), path)
    return documents


# --------------------------------------------------------------------------- predictions file


def template_to_json(template: Muc4Template) -> dict[str, Any]:
    """The prediction-file form: each filler a list of mention strings."""
    out: dict[str, Any] = {"incident_type": template.incident_type}
    for role in ROLES:
        out[role] = [list(entity.mentions) for entity in template.fillers(role)]
    return out


def write_predictions(path: Path, predictions: Mapping[str, Sequence[Muc4Template]]) -> None:
    """Write ``{doc number: {"pred_templates": [...]}}``; keys are document ids, converted here."""
    payload = {
        doc_number(docid): {"pred_templates": [template_to_json(t) for t in templates]}
        for docid, templates in predictions.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    log.info("wrote predictions for %d documents to %s", len(payload), path)


def read_predictions(path: Path) -> dict[str, list[Muc4Template]]:
    """Read a prediction file back: document number -> predicted templates."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BenchmarkDataError(f"{path}: prediction file not found") from exc
    except json.JSONDecodeError as exc:
        raise BenchmarkDataError(f"{path}: invalid JSON at line {exc.lineno} ({exc.msg})") from exc
    if not isinstance(raw, dict):
        raise BenchmarkDataError(f"{path}: expected an object keyed by document number")
    out: dict[str, list[Muc4Template]] = {}
    for key, value in raw.items():
        if not isinstance(value, dict) or not isinstance(value.get("pred_templates"), list):
            raise BenchmarkDataError(f"{path}: document {key}: expected {{'pred_templates': [...]}}")
        out[str(key)] = [parse_template(t, where=f"{path} [{key}]") for t in value["pred_templates"]]
    return out


# --------------------------------------------------------------------------- scoring


def normalize_mention(text: str) -> str:
    """Lower-case, drop punctuation and the articles a/an/the, squeeze spaces."""
    lowered = text.lower().translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", lowered).split())


def _types_agree(predicted: str, gold: str) -> bool:
    alternatives = {part.strip() for part in gold.split("/")}
    return predicted.strip() in alternatives


def _max_bipartite(edges: list[list[int]], n_right: int) -> int:
    """Size of a maximum matching (augmenting paths); ``edges[i]`` lists right nodes left node i may take."""
    owner = [-1] * n_right

    def augment(left: int, seen: list[bool]) -> bool:
        for right in edges[left]:
            if seen[right]:
                continue
            seen[right] = True
            if owner[right] < 0 or augment(owner[right], seen):
                owner[right] = left
                return True
        return False

    return sum(1 for left in range(len(edges)) if augment(left, [False] * n_right))


def role_correct(predicted: Sequence[Muc4Entity], gold: Sequence[Muc4Entity]) -> int:
    """Correct fillers of one role: predicted first mention equal to any normalised gold mention, one-to-one."""
    gold_sets = [{normalize_mention(m) for m in entity.mentions} for entity in gold]
    edges = []
    for entity in predicted:
        key = normalize_mention(entity.mentions[0]) if entity.mentions else ""
        edges.append([j for j, names in enumerate(gold_sets) if key and key in names])
    return _max_bipartite(edges, len(gold_sets))


def _pair_correct(predicted: Muc4Template, gold: Muc4Template) -> dict[str, int]:
    if not _types_agree(predicted.incident_type, gold.incident_type):
        return {role: 0 for role in ROLES}
    return {role: role_correct(predicted.fillers(role), gold.fillers(role)) for role in ROLES}


def _hungarian(cost: list[list[float]]) -> list[tuple[int, int]]:
    """Minimum-cost assignment of a rectangular matrix (rows <= cols), O(n^2 m)."""
    n, m = len(cost), len(cost[0])
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    p, way = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    return [(p[j] - 1, j - 1) for j in range(1, m + 1) if p[j] > 0]


def _best_mapping(table: list[list[dict[str, int]]]) -> list[tuple[int, int]]:
    """Pairs (pred, gold) maximising the total of correct fillers."""
    n_pred = len(table)
    n_gold = len(table[0]) if table else 0
    if not n_pred or not n_gold:
        return []
    totals = [[sum(cell.values()) for cell in row] for row in table]
    if max(n_pred, n_gold) <= PERMUTATION_CAP:
        best: list[tuple[int, int]] = []
        best_total = -1
        if n_pred <= n_gold:
            for perm in itertools.permutations(range(n_gold), n_pred):
                total = sum(totals[i][j] for i, j in enumerate(perm))
                if total > best_total:
                    best_total, best = total, list(enumerate(perm))
        else:
            for perm in itertools.permutations(range(n_pred), n_gold):
                total = sum(totals[i][j] for j, i in enumerate(perm))
                if total > best_total:
                    best_total, best = total, [(i, j) for j, i in enumerate(perm)]
        return best
    if n_pred <= n_gold:
        return _hungarian([[-float(x) for x in row] for row in totals])
    transposed = [[-float(totals[i][j]) for i in range(n_pred)] for j in range(n_gold)]
    return [(i, j) for j, i in _hungarian(transposed)]


def score_document(predicted: Sequence[Muc4Template], gold: Sequence[Muc4Template]) -> dict[str, RoleCounts]:
    """Per-role counts for one document under the best one-to-one template mapping."""
    counts = {role: RoleCounts() for role in ROLES}
    for role in ROLES:
        counts[role].predicted = sum(len(t.fillers(role)) for t in predicted)
        counts[role].gold = sum(len(t.fillers(role)) for t in gold)
    table = [[_pair_correct(p, g) for g in gold] for p in predicted]
    for i, j in _best_mapping(table):
        for role in ROLES:
            counts[role].correct += table[i][j][role]
    return counts


def score_muc4(predictions: Mapping[str, Sequence[Muc4Template]], documents: Iterable[Muc4Document]) -> Muc4Score:
    """Score predictions keyed by document id (or document number) against the documents' gold templates."""
    score = Muc4Score()
    for document in documents:
        if document.templates is None:
            raise BenchmarkDataError(f"document {document.docid}: no gold templates to score against")
        predicted = predictions.get(document.docid)
        if predicted is None:
            predicted = predictions.get(doc_number(document.docid), [])
        for role, counts in score_document(predicted, document.templates).items():
            score.roles[role].add(counts)
        score.documents += 1
    return score


def format_score(score: Muc4Score) -> str:
    """A plain-text table of per-role and overall P/R/F1."""
    lines = [f"{'role':<10}{'P':>8}{'R':>8}{'F1':>8}{'correct':>9}{'pred':>7}{'gold':>7}"]
    rows = [*score.roles.items(), ("overall", score.overall)]
    for name, c in rows:
        lines.append(f"{name:<10}{c.precision:8.2f}{c.recall:8.2f}{c.f1:8.2f}{c.correct:9d}{c.predicted:7d}{c.gold:7d}")
    lines.append(f"({score.documents} documents)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- running


Predictor = Callable[[Sequence[Muc4Document]], dict[str, list[Muc4Template]]]


def get_predictor(name: str, *, settings: Settings) -> Predictor:
    """The registered role tagger ``name`` (see ``watchfloor.extract.learned``) as a batch predictor."""
    from watchfloor.extract.learned import role_taggers

    factory = role_taggers.get(name)
    predictor = factory(settings=settings)
    if not callable(predictor):
        raise ConfigError(f"role tagger {name!r} did not build a callable predictor")
    return predictor


def run_muc4(
    input_path: Path,
    *,
    predictions_path: Path,
    settings: Settings,
    tagger: str = "muc4-linear.v1",
) -> Muc4Score | None:
    """Predict templates for every document of ``input_path``, write them, and score them when gold is present."""
    documents = read_muc4(input_path)
    predictor = get_predictor(tagger, settings=settings)
    predictions = predictor(documents)
    write_predictions(predictions_path, {d.docid: predictions.get(d.docid, []) for d in documents})
    if any(d.templates is None for d in documents):
        log.info("%s has no gold templates: predictions written, nothing scored", input_path)
        return None
    return score_muc4(predictions, documents)


# --------------------------------------------------------------------------- native events -> MUC-4


def events_to_templates(extraction: Extraction) -> list[Muc4Template]:
    """Map watchfloor's native events onto MUC-4 templates (one per event whose type has a MUC-4 type).

    Perpetrator actors become ``PerpOrg`` (groups, states) or ``PerpInd`` (persons), actor targets and
    ``victims`` become ``Victim``, the ``target`` text becomes ``Target``, ``weapons`` become ``Weapon``.
    Events of the same MUC-4 type are merged, so a document yields at most one template per type.
    """
    from watchfloor.extract.taxonomy import event_type
    from watchfloor.models import ActorKind

    actors = {a.local_id: a for a in extraction.actors}
    merged: dict[str, dict[str, list[str]]] = {}
    for event in extraction.events:
        try:
            muc_type = event_type(event.type).muc4
        except ConfigError:
            muc_type = None
        if muc_type is None:
            continue
        roles = merged.setdefault(muc_type, {role: [] for role in ROLES})
        for local_id in event.participants.get("perpetrator", []) + event.participants.get("actor", []):
            actor = actors.get(local_id)
            if actor is not None:
                roles["PerpInd" if actor.kind == ActorKind.PERSON else "PerpOrg"].append(actor.name)
        for local_id in event.participants.get("target", []):
            actor = actors.get(local_id)
            if actor is not None:
                roles["Victim"].append(actor.name)
        roles["PerpInd"].extend(event.perpetrator_individuals)
        roles["Victim"].extend(event.victims)
        if event.target:
            roles["Target"].append(event.target)
        roles["Weapon"].extend(event.weapons)
    templates = []
    for muc_type, roles in merged.items():
        template = Muc4Template(incident_type=muc_type)
        for role, names in roles.items():
            seen: set[str] = set()
            for name in names:
                key = normalize_mention(name)
                if key and key not in seen:
                    seen.add(key)
                    template.roles[role].append(Muc4Entity(mentions=(name.lower(),)))
        templates.append(template)
    return templates


def native_predictor(documents: Sequence[Muc4Document], *, settings: Settings) -> dict[str, list[Muc4Template]]:
    """Run watchfloor's own pipeline (annotate + rules extractor) and map its events to MUC-4 templates."""
    import hashlib

    from watchfloor.annotate import annotate
    from watchfloor.extract import extract
    from watchfloor.models import Document, Origin
    from watchfloor.pipeline import build_nlp
    from watchfloor.resolve.kb import load_actor_kb

    nlp = build_nlp(settings)
    kb = load_actor_kb(extra_files=tuple(settings.actor_kb_files))
    out: dict[str, list[Muc4Template]] = {}
    for item in documents:
        digest = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
        document = Document(
            id=digest[:16],
            file_name=item.docid,
            source=item.docid,
            origin=Origin.JSONL,
            text=item.text,
            raw_sha256=digest,
        )
        out[item.docid] = events_to_templates(extract(annotate(document, nlp=nlp), settings=settings, kb=kb))
    return out


def merge_templates(primary: Sequence[Muc4Template], extra: Sequence[Muc4Template]) -> list[Muc4Template]:
    """``primary`` templates enriched with the fillers of ``extra`` templates of the same incident type.

    Templates of ``extra`` whose type ``primary`` lacks are ignored: the primary predictor decides whether
    and what kind of incident a report describes; the extra one only adds fillers it missed.
    """
    merged = [Muc4Template(t.incident_type, {r: list(t.fillers(r)) for r in ROLES}) for t in primary]
    for other in extra:
        target = next((t for t in merged if t.incident_type == other.incident_type), None)
        if target is None:
            continue
        for role in ROLES:
            known = {normalize_mention(m) for e in target.roles[role] for m in e.mentions}
            for entity in other.fillers(role):
                if entity.mentions and normalize_mention(entity.mentions[0]) not in known:
                    target.roles[role].append(entity)
                    known.add(normalize_mention(entity.mentions[0]))
    return merged


def combined_predictor(documents: Sequence[Muc4Document], *, settings: Settings) -> dict[str, list[Muc4Template]]:
    """The learned tagger's templates enriched with fillers from the native rules (see ``merge_templates``)."""
    learned = get_predictor("muc4-linear.v1", settings=settings)(documents)
    native = native_predictor(documents, settings=settings)
    return {d.docid: merge_templates(learned.get(d.docid, []), native.get(d.docid, [])) for d in documents}
