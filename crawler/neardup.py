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

import hashlib
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
# Drawn once from the seed: the same permutations in every process.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED).permutations


def near_text(title: str, body_text: str) -> str:
    """The text compared between articles: the title and the cleaned body."""
    return f"{title}\n{body_text}"


def shingles(text: str) -> set[str]:
    """Overlapping runs of SHINGLE_WORDS words of the normalised text (NFC, case-folded)."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(run) for run in zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)}


def _hash(shingle: str) -> int:
    return zlib.crc32(shingle.encode("utf-8"))


def signature(items: set[str]) -> np.ndarray:
    """The MinHash signature (NUM_PERM unsigned 32-bit values) of a shingle set."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_hash, permutations=_PERMUTATIONS,
                      scheme="affine32")
    minhash.update_batch(items)
    return minhash.hashvalues


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 32-bit key per band: equal keys mean the band's rows are all equal."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS:(band + 1) * ROWS].astype("<u4").tobytes()
        digest = hashlib.blake2b(chunk, digest_size=4, salt=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def index_keys(text: str) -> tuple[set[str], list[int]]:
    """Shingles and band keys of a text; no keys when it is too short to judge."""
    items = shingles(text)
    if len(items) < MIN_SHINGLES:
        return items, []
    return items, band_keys(signature(items))
