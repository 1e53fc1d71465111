"""Folder watch: poll a folder and ingest the files that appear in it (or change).

Polling only (file sizes and modification times, no file-system event
daemon): a file is ingested once its size and mtime are the same on two
polls in a row, so a file still being copied in is left until it is
complete.  A file is taken again only when its size or mtime changes; the
store skips content it already holds (documents are keyed by a content hash),
so re-saving a file unchanged adds nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING

from watchfloor.acquire import SUPPORTED_SUFFIXES, is_folder_doc
from watchfloor.errors import InputError
from watchfloor.settings import Settings

if TYPE_CHECKING:
    from watchfloor.pipeline import IngestReport
    from watchfloor.store.repository import Store

log = logging.getLogger(__name__)

__all__ = ["Signature", "scan_folder", "watch_folder"]

#: What a poll records of a file: (size in bytes, mtime in nanoseconds).
Signature = tuple[int, int]


def scan_folder(folder: Path) -> dict[Path, Signature]:
    """Size and mtime of every supported, non-hidden report file under ``folder`` (recursively).

    The same files a folder argument of ``ingest`` reads: folder documentation (README, LICENSE ...) is left out.
    """
    found: dict[Path, Signature] = {}
    try:
        children = list(folder.rglob("*"))
    except OSError as exc:
        log.warning("%s: cannot list folder: %s", folder, exc.strerror or exc)
        return found
    for path in children:
        if path.suffix.lower() not in SUPPORTED_SUFFIXES or is_folder_doc(path):
            continue
        if any(part.startswith((".", "~")) for part in path.relative_to(folder).parts):
            continue
        try:
            stat = path.stat()
        except OSError:  # removed or renamed since the listing
            continue
        if path.is_file():
            found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def watch_folder(
    folder: Path,
    *,
    settings: Settings,
    store: Store,
    interval: float = 2.0,
    stop: threading.Event | None = None,
    max_cycles: int | None = None,
    include_existing: bool = True,
) -> Generator[IngestReport, None, None]:
    """Poll ``folder`` every ``interval`` seconds; yield one ``IngestReport`` per batch of files ingested.

    A file is ingested when it has kept the same size and mtime over two
    polls.  The loop ends when ``stop`` is set or after ``max_cycles`` polls
    (a new file needs two).  Files present at the start are ingested too
    unless ``include_existing`` is false.  ``InputError`` if ``folder`` is not
    a folder.
    """
    from watchfloor.pipeline import ingest

    if not folder.is_dir():
        raise InputError(str(folder), "no such folder" if not folder.exists() else "not a folder")
    if interval <= 0:
        raise ValueError("interval must be positive")
    stop = stop if stop is not None else threading.Event()
    previous: dict[Path, Signature] = {}
    done: dict[Path, Signature] = {} if include_existing else scan_folder(folder)
    cycles = 0
    log.info("watching %s every %g s", folder, interval)
    while not stop.is_set():
        current = scan_folder(folder)
        ready = sorted(path for path, sig in current.items() if previous.get(path) == sig and done.get(path) != sig)
        waiting = sum(1 for path, sig in current.items() if previous.get(path) != sig and done.get(path) != sig)
        if waiting:
            log.debug("%s: %d file(s) new or still changing", folder, waiting)
        done = {path: sig for path, sig in done.items() if path in current}
        previous = current
        if ready:
            log.info("%s: ingesting %d file(s)", folder, len(ready))
            report = ingest([str(path) for path in ready], settings=settings, store=store)
            done.update((path, current[path]) for path in ready)
            yield report
        cycles += 1
        if max_cycles is not None and cycles >= max_cycles:
            break
        stop.wait(interval)
