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

from watchfloor.bench.throughput import build_corpus, descendants, load_average, load_muc4_texts, proc_mb
from watchfloor.pipeline import ingest
from watchfloor.settings import Settings
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)


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
        print(f"start: driver {proc_mb(os.getpid(), 'VmRSS'):.0f} MB", flush=True)

        def sample(_source: str) -> None:
            nonlocal done
            done += 1
            if done % args.every == 0 or done == args.docs:
                kids = sorted(descendants(os.getpid()))
                workers = " ".join(
                    f"{proc_mb(c, 'VmRSS'):.0f}/{proc_mb(c, 'Pss', table='smaps_rollup'):.0f}" for c in kids
                )
                print(
                    f"docs {done:>7}  {time.perf_counter() - start:8.0f} s  load {load_average():5.1f}  "
                    f"driver {proc_mb(os.getpid(), 'VmRSS'):6.0f} MB  workers RSS/PSS MB [{workers}]",
                    flush=True,
                )

        with Store.open(url) as store:
            report = ingest([str(source)], settings=run, store=store, on_item=sample, fuse_events=not args.no_fuse)
    fusion = report.fusion.seconds if report.fusion else 0.0
    print(
        f"{len(report.added)} added, {len(report.failed)} failed, {time.perf_counter() - start:.0f} s "
        f"(fusion {fusion:.0f} s); driver peak RSS {proc_mb(os.getpid(), 'VmHWM'):.0f} MB",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
