"""Text hygiene: every string that leaves extraction goes through `clean_text`."""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters, bidi marks, BOMs, soft hyphens and C0/C1 controls. Tab, newline and
# carriage return are kept by `scrub` (they are whitespace in markup) and folded by `clean_text`.
_INVISIBLE = re.compile("[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\u00ad"
                        "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def scrub(text: str) -> str:
    """NFC and no invisible characters, whitespace left as it is (safe on whole HTML pages)."""
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text))


def clean_text(text: str) -> str:
    """NFC, no invisible or control characters, non-breaking spaces folded, whitespace collapsed."""
    return " ".join(scrub(text).split())  # str.split() splits at every Unicode space, as \s does


def same_text(a: str, b: str) -> bool:
    """Equal once cleaned and case-folded: how a title or lead printed twice is recognised."""
    return clean_text(a).casefold() == clean_text(b).casefold()
