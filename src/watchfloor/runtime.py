"""Process-level helpers: the garbage collector paused while large data loads, and frozen once it has."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector off inside the block (restored as it was).

    Loading models, knowledge bases and gazetteers builds millions of
    long-lived objects and no garbage cycles, so collections during the load
    only cost time (a third of the gazetteer's load time, measured).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_frozen = False


def freeze_once() -> None:
    """Move every object alive now to the collector's permanent generation, once per process.

    Later collections no longer traverse the loaded models, and forked
    workers share their pages copy-on-write without the collector touching
    them.
    """
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True
