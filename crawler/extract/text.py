"""Text hygiene: every string that leaves extraction goes through `clean_text`."""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters, bidi marks, BOMs, soft hyphens and C0/C1 controls. Tab, newline and
# carriage return are kept by `scrub` (they are whitespace in markup) and folded by `clean_text`.
_INVISIBLE = re.compile("[\u200b\u200c\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\u00ad"
                        "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The zero-width joiner too, except between two pictographs: there it makes one emoji of them
# (👩‍🔬 is 👩 ZWJ 🔬; 🏳️‍🌈 has a variation selector before the joiner).
_PICTOGRAPH = "\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_LONE_JOINER = re.compile(f"(?<![{_PICTOGRAPH}\ufe0f])\u200d|\u200d(?![{_PICTOGRAPH}])")


def scrub(text: str) -> str:
    """NFC and no invisible characters, whitespace left as it is (safe on whole HTML pages)."""
    text = _INVISIBLE.sub("", text)
    if "\u200d" in text:
        text = _LONE_JOINER.sub("", text)
    return unicodedata.normalize("NFC", text)


def clean_text(text: str) -> str:
    """NFC, no invisible or control characters, non-breaking spaces folded, whitespace collapsed."""
    return " ".join(scrub(text).split())  # str.split() splits at every Unicode space, as \s does


def same_text(a: str, b: str) -> bool:
    """Equal once cleaned and case-folded: how a title or lead printed twice is recognised."""
    return clean_text(a).casefold() == clean_text(b).casefold()
