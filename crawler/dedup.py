"""Duplicate detection: exact content hashes now, near-duplicate clusters across sources."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def content_hash(title: str, text: str) -> str:
    """Hash of the normalised text (NFC, whitespace, case), equal for the same story anywhere."""
    normal = unicodedata.normalize("NFC", f"{title}\n{text}").casefold()
    return hashlib.sha256(_SPACE.sub(" ", normal).strip().encode("utf-8")).hexdigest()
