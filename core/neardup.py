"""Near-duplicate arithmetic: word shingles, MinHash signatures, LSH band keys, exact Jaccard.

Pure functions with fixed seeds, so the same text gives the same keys in every process; the
index itself lives in the store (see core/dedup.py).

Why these numbers (measured on tests/fixtures/near_duplicates, 3-word shingles):
- copies of one story republished by another department: Jaccard 0.61 to 0.85;
- different stories written on one template (meeting reports, inspections): 0.13 to 0.45;
- unrelated department stories (samples/ and the seeds, 1,027 pairs): 0.017 on average,
  0.07 at the 99th percentile, 0.12 at most.
So a pair is a copy when its exact Jaccard is at least THRESHOLD = 0.5, the middle of the gap.

LSH: BANDS = 28 bands of ROWS = 3 MinHash values (84 permutations), and a stored article is a
candidate when it shares at least MIN_BANDS = 2 band keys. With p = J^3 per band, a pair is a
candidate with probability P(Binomial(28, p) >= 2): 0.88 at J = 0.5, 0.99 at J = 0.6, 0.9999 at
J = 0.7, but 0.17 at J = 0.3, 4e-4 at J = 0.1 and 3e-8 at J = 0.02. The former layout (32 bands
of 4, one shared key enough) had the same 0.87 at J = 0.5, but on the unrelated samples it
would make about 55 candidates per new article in a store of a million such stories, each
costing a text read and an exact check; this one makes about 4.5, with 4 fewer index rows per
article and 84 instead of 128 permutations. Two shared keys also make 32-bit keys safe: a chance
collision of one key with a million articles' keys is 0.65 %, of two with the same article
never in practice.
"""

from __future__ import annotations

import unicodedata

import numpy as np
from datasketch import MinHash

SHINGLE_WORDS = 3
BANDS, ROWS = 28, 3
NUM_PERM = BANDS * ROWS
MIN_BANDS = 2
SEED = 20240518
THRESHOLD = 0.5
MIN_SHINGLES = 12  # shorter texts say too little to call anything a copy of them
SCHEME = f"minhash-affine32-s{SEED}-k{SHINGLE_WORDS}-b{BANDS}r{ROWS}m{MIN_BANDS}"

_U64 = np.uint64
_SHIFT = _U64(32)
# Drawn once from the seed: the same numbers in every process.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED).permutations
_random = np.random.RandomState(SEED)
_WORD_MULT = _U64(_random.randint(1, 2**62, dtype=np.uint64) * 2 + 1)
_WORD_MULT_INVERSE = _U64(pow(int(_WORD_MULT), -1, 2**64))
_WORD_FINISH = _U64(_random.randint(1, 2**62, dtype=np.uint64) * 2 + 1)
_SHINGLE_MIX = _random.randint(1, 2**62, size=SHINGLE_WORDS, dtype=np.uint64) * 2 + 1
_BAND_MIX = _random.randint(1, 2**62, size=ROWS, dtype=np.uint64) * 2 + 1
_BAND_SALT = _random.randint(0, 2**62, size=BANDS, dtype=np.uint64)
_POWERS = np.cumprod(np.full(1 << 14, _WORD_MULT, dtype=np.uint64))
_INVERSES = np.ones((1 << 14) + 1, dtype=np.uint64)
np.cumprod(np.full(1 << 14, _WORD_MULT_INVERSE, dtype=np.uint64), out=_INVERSES[1:])
# Which code points of the Basic Multilingual Plane are word characters, as `\w` in `re` says.
_WORD_CHAR = np.array([chr(c).isalnum() or c == 0x5F for c in range(0x10000)], dtype=bool)


def near_text(title: str, body_text: str) -> str:
    """The text compared between articles: the title and the cleaned body."""
    return f"{title}\n{body_text}"


def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """WORD_MULT^1..^size and its inverse ^0..^size (mod 2^64), from the tables when long enough."""
    if size <= _POWERS.size:
        return _POWERS[:size], _INVERSES[:size + 1]
    powers = np.cumprod(np.full(size, _WORD_MULT, dtype=np.uint64))
    inverses = np.ones(size + 1, dtype=np.uint64)
    np.cumprod(np.full(size, _WORD_MULT_INVERSE, dtype=np.uint64), out=inverses[1:])
    return powers, inverses


def _word_hashes(text: str) -> np.ndarray:
    """A 64-bit hash of every word (run of `\\w` characters) of the text, in order.

    Computed on the array of code points at once (a polynomial hash per word from one prefix
    sum): a third of the time of `re.findall` and a hash call per word.
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if points.size == 0:
        return np.zeros(0, dtype=np.uint64)
    is_word = np.zeros(points.size + 2, dtype=bool)  # with a non-word either side
    if points.max() > 0xFFFF:  # rare: decide those beyond the table one by one
        is_word[1:-1] = _WORD_CHAR[np.minimum(points, 0xFFFF)]
        astral = np.flatnonzero(points > 0xFFFF)
        is_word[astral + 1] = [chr(c).isalnum() for c in points[astral].tolist()]
    else:
        is_word[1:-1] = _WORD_CHAR[points]
    edges = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    powers, inverses = _powers(points.size)
    prefix = np.zeros(points.size + 1, dtype=np.uint64)
    np.cumsum(points * powers, out=prefix[1:])
    hashes = (prefix[ends] - prefix[starts]) * inverses[starts]
    hashes ^= hashes >> _U64(29)  # let every bit depend on every character
    hashes *= _WORD_FINISH
    hashes ^= hashes >> _SHIFT
    return hashes


def shingles(text: str) -> np.ndarray:
    """Sorted distinct 32-bit hashes of the runs of SHINGLE_WORDS words of the normalised text."""
    words = _word_hashes(unicodedata.normalize("NFC", text).casefold())
    if words.size == 0:
        return words
    runs = max(1, words.size - SHINGLE_WORDS + 1)
    mixed = np.zeros(runs, dtype=np.uint64)
    for i in range(min(SHINGLE_WORDS, words.size)):
        mixed += words[i:i + runs] * _SHINGLE_MIX[i]
    mixed >>= _SHIFT
    mixed.sort()
    distinct = np.ones(runs, dtype=bool)  # np.unique costs five times as much on a few hundred
    np.not_equal(mixed[1:], mixed[:-1], out=distinct[1:])
    return mixed[distinct]


def signature(items: np.ndarray) -> np.ndarray:
    """The MinHash signature (NUM_PERM values below 2^32) of a set of shingle hashes."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=_PERMUTATIONS,
                      scheme="affine32")
    minhash.update_batch(items.tolist())
    return minhash.hashvalues


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 32-bit key per band: equal keys mean the band's rows are all equal."""
    rows = sig.reshape(BANDS, ROWS)
    mixed = (rows * _BAND_MIX).sum(axis=1, dtype=np.uint64) + _BAND_SALT
    return (mixed >> _SHIFT).astype(np.uint32).view(np.int32).tolist()


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle sets (as `shingles` gives them)."""
    if not len(a) or not len(b):
        return 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (len(a) + len(b) - common)


def index_keys(text: str) -> tuple[np.ndarray, list[int]]:
    """Shingles and band keys of a text; no keys when it is too short to judge."""
    items = shingles(text)
    if items.size < MIN_SHINGLES:
        return items, []
    return items, band_keys(signature(items))
