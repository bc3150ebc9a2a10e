"""Text printed next to the title and just after the body: where date lines and bylines sit."""

from __future__ import annotations

from crawler.extract.page import Element, texts_after
from crawler.extract.text import clean_text, same_text

WINDOW = 600  # characters of short lines read before giving up
PROSE = 120  # a line this long is prose: the lines sought come before it


def short_lines(start: Element, *, inside: bool = False, skip: str = "") -> list[str]:
    """The short lines after `start`, up to the first line of prose (the title is skipped)."""
    lines: list[str] = []
    seen = 0
    for run in texts_after(start, inside):
        text = clean_text(run)
        if not text or (skip and same_text(text, skip)):
            continue
        if len(text) >= PROSE or seen > WINDOW:
            break
        lines.append(text)
        seen += len(text)
    return lines
