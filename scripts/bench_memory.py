"""Memory over a long ingest: RSS of the driver and of each worker, sampled every N documents.

Builds the throughput corpus (MUC-4 train documents repeated with distinct
ids) as a JSONL file, ingests it into a fresh store with the chosen engine,
and prints one line per sample: documents done, elapsed seconds, load
average, driver RSS and the RSS of every child process (pool workers).

    python scripts/bench_memory.py --docs 10000 --every 1000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from watchfloor.bench.throughput import build_corpus, load_average, load_muc4_texts
from watchfloor.pipeline import ingest
from watchfloor.settings import Settings
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident set size (or another ``/proc/PID/status`` field in kB) of a process in MB (0.0 if it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size in MB: pages shared with the parent (forked workers) count in part."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", default="local.v1")
    parser.add_argument("--db", default=None, help="store URL (default: a temp SQLite file)")
    parser.add_argument("--no-fuse", action="store_true", help="skip the cross-document fusion at the end")
    args = parser.parse_args()
    settings = Settings()
    corpus = build_corpus(load_muc4_texts(settings.benchmarks_dir / "muc4" / "train.jsonl"), docs=args.docs)
    with tempfile.TemporaryDirectory(prefix="wf-mem-") as tmp:
        source = Path(tmp) / "corpus.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for i, text in enumerate(corpus):
                handle.write(json.dumps({"text": text, "title": f"bench {i}"}) + "\n")
        del corpus
        url = args.db or f"sqlite:///{Path(tmp) / 'mem.db'}"
        run = settings.model_copy(update={"workers": args.workers, "engine": args.engine, "database_url": url})
        start, done = time.perf_counter(), 0
        print(f"start: driver {rss_mb(os.getpid()):.0f} MB", flush=True)

        def sample(_source: str) -> None:
            nonlocal done
            done += 1
            if done % args.every == 0 or done == args.docs:
                kids = sorted(children(os.getpid()))
                workers = " ".join(f"{rss_mb(c):.0f}/{pss_mb(c):.0f}" for c in kids)
                print(
                    f"docs {done:>7}  {time.perf_counter() - start:8.0f} s  load {load_average():5.1f}  "
                    f"driver {rss_mb(os.getpid()):6.0f} MB  workers RSS/PSS MB [{workers}]",
                    flush=True,
                )

        with Store.open(url) as store:
            report = ingest([str(source)], settings=run, store=store, on_item=sample, fuse_events=not args.no_fuse)
    fusion = report.fusion.seconds if report.fusion else 0.0
    print(
        f"{len(report.added)} added, {len(report.failed)} failed, {time.perf_counter() - start:.0f} s "
        f"(fusion {fusion:.0f} s); driver peak RSS {rss_mb(os.getpid(), 'VmHWM'):.0f} MB",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
