"""Near-duplicate detection for reposts and syndicated copies.

A document's text becomes a MinHash signature over word 5-shingles
(``datasketch``); the signature is cut into LSH bands whose hashes the store
indexes, so candidates are found with one indexed query and confirmed by the
estimated Jaccard similarity.  With 128 permutations in 32 bands of 4 rows,
pairs above ~0.5 similarity become candidates; ``NEAR_DUPLICATE`` decides.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 5
NEAR_DUPLICATE = 0.8  # estimated Jaccard at or above which two texts are one report
_SEED = 7

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A document's MinHash signature and its LSH band keys."""

    signature: tuple[int, ...]
    bands: tuple[str, ...]

    def similarity(self, other: Fingerprint) -> float:
        """Estimated Jaccard similarity of the two texts' shingle sets."""
        a, b = np.asarray(self.signature), np.asarray(other.signature)
        return float(np.count_nonzero(a == b)) / len(a)


def shingles(text: str, *, size: int = SHINGLE) -> set[str]:
    words = _WORD.findall(text.casefold())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The MinHash permutations for ``NUM_PERM`` and ``_SEED``, drawn once (drawing them costs more than hashing)."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=NUM_PERM, seed=_SEED).permutations
    return a, b


def fingerprint(text: str) -> Fingerprint:
    """MinHash signature and band keys of ``text`` (deterministic across runs)."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, permutations=_permutations())
    minhash.update_batch([s.encode("utf-8") for s in shingles(text)])
    signature = tuple(int(v) for v in minhash.hashvalues)
    return Fingerprint(signature=signature, bands=band_keys(signature))


def band_keys(signature: tuple[int, ...]) -> tuple[str, ...]:
    """One key per band: band number + a short hash of its rows."""
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr(rows).encode(), digest_size=8).hexdigest()
        keys.append(f"{band:02d}:{digest}")
    return tuple(keys)
