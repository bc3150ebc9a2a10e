"""Near-duplicate arithmetic: word shingles, MinHash signatures, LSH band keys, exact Jaccard.

Pure functions with fixed seeds, so the same text gives the same keys in every process; the
index itself lives in the store (see crawler/dedup.py).

Why these numbers (measured on tests/fixtures/near_duplicates, 3-word shingles):
- copies of one story republished by another department: Jaccard 0.61 to 0.85;
- different stories written on one template (meeting reports, inspections): 0.13 to 0.45;
- unrelated department stories: 0.016 on average, 0.08 at most.
So a pair is a copy when its exact Jaccard is at least THRESHOLD = 0.5, the middle of the gap.
LSH with 32 bands of 4 rows (128 permutations) makes a pair a candidate with probability
1 - (1 - J^4)^32: 0.87 at J = 0.5, 0.99 at J = 0.6, 0.9998 at J = 0.7, but only 5e-6 at
J = 0.02, which keeps the candidates to check few even with a million stored articles.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

import numpy as np
from datasketch import MinHash

SHINGLE_WORDS = 3
NUM_PERM = 128
BANDS, ROWS = 32, 4
SEED = 20240518
THRESHOLD = 0.5
MIN_SHINGLES = 12  # shorter texts say too little to call anything a copy of them
SCHEME = f"minhash-affine32-s{SEED}-k{SHINGLE_WORDS}-b{BANDS}r{ROWS}"

_WORD = re.compile(r"\w+")
# Drawn once from the seed: the same numbers in every process.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED).permutations
_random = np.random.RandomState(SEED)
_SHINGLE_MIX = _random.randint(1, 2**62, size=SHINGLE_WORDS, dtype=np.uint64) * 2 + 1
_BAND_MIX = _random.randint(1, 2**62, size=ROWS, dtype=np.uint64) * 2 + 1
_BAND_SALT = _random.randint(0, 2**62, size=BANDS, dtype=np.uint64)


def near_text(title: str, body_text: str) -> str:
    """The text compared between articles: the title and the cleaned body."""
    return f"{title}\n{body_text}"


def shingles(text: str) -> set[int]:
    """Hashes (32 bits) of the overlapping runs of SHINGLE_WORDS words of the normalised text.

    Words are hashed once and combined per run (multiply-shift), in numpy: a third of the
    time of hashing every run as a string, with the same sets up to 2^-32 collisions.
    """
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    if not words:
        return set()
    hashes = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words))
    runs = max(1, len(words) - SHINGLE_WORDS + 1)
    mixed = np.zeros(runs, dtype=np.uint64)
    for i in range(min(SHINGLE_WORDS, len(words))):
        mixed += hashes[i:i + runs] * _SHINGLE_MIX[i]
    return set((mixed >> np.uint64(32)).tolist())


def signature(items: set[int]) -> np.ndarray:
    """The MinHash signature (NUM_PERM unsigned 32-bit values) of a set of shingle hashes."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=_PERMUTATIONS,
                      scheme="affine32")
    minhash.update_batch(items)
    return minhash.hashvalues


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 32-bit key per band: equal keys mean the band's rows are all equal."""
    rows = sig.astype(np.uint64).reshape(BANDS, ROWS)
    mixed = (rows * _BAND_MIX).sum(axis=1, dtype=np.uint64) + _BAND_SALT
    return (mixed >> np.uint64(32)).astype(np.uint32).view(np.int32).tolist()


def jaccard(a: set[int], b: set[int]) -> float:
    """Exact Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def index_keys(text: str) -> tuple[set[int], list[int]]:
    """Shingles and band keys of a text; no keys when it is too short to judge."""
    items = shingles(text)
    if len(items) < MIN_SHINGLES:
        return items, []
    return items, band_keys(signature(items))
