"""Text printed next to the title and just after the body: where date lines and bylines sit."""

from __future__ import annotations

from collections.abc import Iterator

from bs4 import NavigableString, Tag

from crawler.extract.text import clean_text, same_text

WINDOW = 600  # characters of short lines read before giving up
PROSE = 120  # a line this long is prose: the lines sought come before it


def texts_after(start: Tag, inside: bool = False) -> Iterator[str]:
    """Non-empty text nodes after `start` in reading order (from its first one, when `inside`)."""
    for node in start.next_elements:
        if isinstance(node, NavigableString) and type(node) is NavigableString:
            if not inside and start in node.parents:
                continue
            text = clean_text(str(node))
            if text:
                yield text


def short_lines(start: Tag, *, inside: bool = False, skip: str = "") -> list[str]:
    """The short lines after `start`, up to the first line of prose (the title is skipped)."""
    lines: list[str] = []
    seen = 0
    for text in texts_after(start, inside):
        if skip and same_text(text, skip):
            continue
        if len(text) >= PROSE or seen > WINDOW:
            break
        lines.append(text)
        seen += len(text)
    return lines
