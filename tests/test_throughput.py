"""Throughput bench helpers (corpus, figures) and the ingest progress total: fast, no model."""

from __future__ import annotations

import json
from pathlib import Path

from watchfloor.bench.throughput import (
    Clock,
    Run,
    ThroughputReport,
    build_corpus,
    count_words,
    descendants,
    warmup_docs,
)
from watchfloor.cli.commands import count_inputs
from watchfloor.settings import Settings


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


def test_steady_state_figures_leave_out_the_startup() -> None:
    report = ThroughputReport(engine="local.v1")
    report.runs += [
        Run("bare spaCy", 1, 10, 1000, 10.0, 200.0, steady_words_per_s=200.0, steady_cpu_s=4.0, steady_docs=8),
        Run("watchfloor", 1, 10, 1000, 20.0, 300.0, steady_words_per_s=150.0, steady_cpu_s=8.0, steady_docs=8),
        Run("watchfloor", 2, 10, 1000, 12.5, 300.0, steady_words_per_s=240.0),
    ]
    assert report.steady_ratio(1) == 0.75
    assert report.steady_cpu_ratio(1) == 0.5  # 800 words in 8 CPU-s against 800 in 4
    assert report.steady_scaling("watchfloor") == 0.8
    assert report.steady_ratio(2) is None


def test_clock_counts_documents_after_the_warmup() -> None:
    clock = Clock(warmup=2)
    for _ in range(5):
        clock.tick()
    clock.stop()
    assert clock.steady_docs == 3
    assert clock.warm_at is not None and clock.last >= clock.warm_at >= clock.start
    assert clock.steady_cpu_s is not None and clock.steady_cpu_s >= 0.0
    few = Clock(warmup=10)
    few.tick()
    assert few.steady_rate(100, 10) is None  # the run ended inside the warm-up


def test_warmup_is_two_rounds_of_the_engines_batches() -> None:
    settings = Settings(batch_size=32)
    assert warmup_docs(600, settings=settings, workers=1) == 64
    assert warmup_docs(600, settings=settings, workers=2) == 64  # the local pool's batches are 16
    assert warmup_docs(600, settings=settings, workers=2, engine="ray.v1") == 128  # Ray's are batch_size
    assert warmup_docs(100, settings=settings, workers=2, engine="ray.v1") == 100  # too short: all startup


def test_descendants_finds_child_processes() -> None:
    import os
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        assert child.pid in descendants(os.getpid())
    finally:
        child.kill()
        child.wait()


def test_count_inputs_counts_files_and_jsonl_records(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one", encoding="utf-8")
    (tmp_path / "README.md").write_text("not a report", encoding="utf-8")
    lines = [json.dumps({"text": f"report {i}"}) for i in range(3)]
    (tmp_path / "b.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    assert count_inputs([str(tmp_path)]) == 4
    assert count_inputs([str(tmp_path / "missing.txt")]) == 1  # reported as one failed input
    assert count_inputs(["https://example.org/report"]) is None
