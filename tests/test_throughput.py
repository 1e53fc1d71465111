"""Throughput bench helpers (corpus, figures) and the ingest progress total: fast, no model."""

from __future__ import annotations

import json
from pathlib import Path

from watchfloor.bench.throughput import Run, ThroughputReport, build_corpus, count_words
from watchfloor.cli.commands import count_inputs


def test_corpus_repeats_texts_with_distinct_copies() -> None:
    corpus = build_corpus(["a b", "c"], docs=5)
    assert corpus[:2] == ["a b", "c"]
    assert len(set(corpus)) == 5
    assert count_words(corpus) == 2 + 1 + 4 + 3 + 4  # copies carry "(copy n)"


def test_ratio_and_scaling_figures() -> None:
    report = ThroughputReport(engine="local.v1")
    report.runs += [
        Run("bare spaCy", 1, 10, 1000, 10.0, 200.0, cpu_seconds=10.0),
        Run("watchfloor", 1, 10, 1000, 20.0, 300.0, cpu_seconds=12.5),
        Run("watchfloor", 2, 10, 1000, 12.5, 300.0, cpu_seconds=13.0),
    ]
    assert report.ratio(1) == 0.5
    assert report.cpu_ratio(1) == 0.8
    assert report.scaling("watchfloor") == 0.8
    assert report.scaling("bare spaCy") is None


def test_count_inputs_counts_files_and_jsonl_records(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one", encoding="utf-8")
    (tmp_path / "README.md").write_text("not a report", encoding="utf-8")
    lines = [json.dumps({"text": f"report {i}"}) for i in range(3)]
    (tmp_path / "b.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    assert count_inputs([str(tmp_path)]) == 4
    assert count_inputs([str(tmp_path / "missing.txt")]) == 1  # reported as one failed input
    assert count_inputs(["https://example.org/report"]) is None
