"""Pairwise precision / recall of cross-document event fusion on ``tests/data/fusion/reports.jsonl``.

Every line of the set is an invented report with a gold ``event`` label.  The
reports are ingested with the real pipeline into a SQLite store (or an
existing one with ``--db``), fusion runs, and every pair of reports is
scored: *predicted* together when an event of one and an event of the other
ended in the same fused event, *gold* together when both carry the same label.

    python scripts/bench_fusion.py                      # fresh temporary store
    python scripts/bench_fusion.py --db /tmp/fusion.db  # reuse (ingests only what is missing)
    python scripts/bench_fusion.py --db /tmp/fusion.db --rebuild  # re-fuse from scratch first

Targets: precision >= 0.95, recall >= 0.90.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SET = REPO / "tests" / "data" / "fusion" / "reports.jsonl"

log = logging.getLogger("bench_fusion")


@dataclass(frozen=True, slots=True)
class PairScore:
    """Pairwise fusion scores over all report pairs."""

    reports: int
    gold_pairs: int
    predicted_pairs: int
    true_pairs: int
    reports_without_events: int

    @property
    def precision(self) -> float:
        return self.true_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_pairs / self.gold_pairs if self.gold_pairs else 1.0


def gold_labels(path: Path) -> dict[int, str]:
    """Line number (1-based) -> gold event label."""
    labels = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            labels[number] = str(json.loads(line)["event"])
    return labels


def score_store(url: str, labels: dict[int, str]) -> tuple[PairScore, list[tuple[int, int, bool]]]:
    """Pairwise scores of the fused events in the store at ``url`` against ``labels``.

    Also returns the wrong pairs as (line, line, predicted_together).
    """
    from sqlalchemy import select

    from watchfloor.store import schema as db
    from watchfloor.store import schema_fusion as fdb
    from watchfloor.store.repository import Store

    with Store.open(url) as store, store.session() as session:
        line_of = {
            doc_id: int(source.rsplit(":", 1)[1])
            for doc_id, source in session.execute(select(db.Document.id, db.Document.source))
            if ":" in source and source.rsplit(":", 1)[1].isdigit()
        }
        fused_of_line: dict[int, set[int]] = {}
        for doc_id, fused_id in session.execute(select(fdb.FusedMember.document_id, fdb.FusedMember.fused_event_id)):
            if doc_id in line_of:
                fused_of_line.setdefault(line_of[doc_id], set()).add(fused_id)
    lines = sorted(labels)
    gold = predicted = true = 0
    wrong: list[tuple[int, int, bool]] = []
    for a, b in combinations(lines, 2):
        same_gold = labels[a] == labels[b]
        same_pred = bool(fused_of_line.get(a, set()) & fused_of_line.get(b, set()))
        gold += same_gold
        predicted += same_pred
        true += same_gold and same_pred
        if same_gold != same_pred:
            wrong.append((a, b, same_pred))
    missing = sum(1 for line in lines if line not in fused_of_line)
    return PairScore(len(lines), gold, predicted, true, missing), wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="JSONL reports with gold 'event' labels")
    parser.add_argument("--db", help="SQLite file or database URL to use (default: a temporary SQLite file)")
    parser.add_argument("--rebuild", action="store_true", help="drop fused events and fuse again before scoring")
    parser.add_argument("--show-errors", type=int, default=10, help="print up to this many wrong pairs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from watchfloor.pipeline import ingest
    from watchfloor.resolve.fusion import fuse
    from watchfloor.settings import Settings
    from watchfloor.store.repository import Store

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'fusion.db'}"
        if "://" not in url:
            url = f"sqlite:///{Path(url).expanduser()}"
        settings = Settings(database_url=url)
        with Store.open(url) as store:
            report = ingest([args.set], settings=settings, store=store)
            if report.failed:
                print(f"{len(report.failed)} reports failed to ingest", file=sys.stderr)
            if args.rebuild:
                fuse(store, settings=settings, rebuild=True)
        labels = gold_labels(args.set)
        score, wrong = score_store(url, labels)
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    for a, b, together in wrong[: args.show_errors]:
        kind = "false merge" if together else "missed merge"
        print(f"{kind}: line {a} [{labels[a]}] {rows[a - 1]['text'][:90]!r}")
        print(f"{' ' * len(kind)}  line {b} [{labels[b]}] {rows[b - 1]['text'][:90]!r}")
    print(
        f"fusion pairs: {score.reports} reports, gold pairs {score.gold_pairs}, predicted {score.predicted_pairs}, "
        f"correct {score.true_pairs}, reports without events {score.reports_without_events}"
    )
    print(f"precision {score.precision:.3f} (target 0.95)  recall {score.recall:.3f} (target 0.90)")
    return 0 if score.precision >= 0.95 and score.recall >= 0.90 else 1


if __name__ == "__main__":
    sys.exit(main())
