"""Text hygiene: every string that leaves extraction goes through `clean_text`."""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters, BOMs and C0/C1 controls (tab and newline are folded as whitespace).
_INVISIBLE = re.compile("[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\u00ad"
                        "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """NFC, no invisible or control characters, non-breaking spaces folded, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip()
