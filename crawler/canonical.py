"""One article, one URL: canonical forms so every URL that reaches an article agrees."""

from __future__ import annotations

from w3lib.url import canonicalize_url


def canonical_url(url: str) -> str:
    """Sorted query, normalised percent-encoding, no fragment."""
    return canonicalize_url(url, keep_fragments=False)
