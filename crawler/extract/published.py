"""Choose the publication date, in order of trust, and say where it came from.

Order: the source's date selector, structured metadata (JSON-LD, meta, RDFa), <time>, a
date line by the title, the listing page's date for the link, and last a date in the body.
A header clock (before the title) and dates inside the title are never read. When the most
trusted source gives only a day, a less trusted one that agrees on the day lends its time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from bs4 import BeautifulSoup, NavigableString, Tag

from crawler.extract.dates import FoundDate, first_date
from crawler.extract.metadata import Metadata
from crawler.extract.text import clean_text, same_text

DATELINE_WINDOW = 600  # characters of text after the title searched for a date line
PARAGRAPH = 120  # a text this long is prose: the date line, if any, came before it


def _attribute_date(tag: Tag, timezone: str) -> FoundDate | None:
    for node in [tag, *tag.find_all(True)]:
        for name in ("datetime", "content"):
            if node.get(name):
                found = first_date(str(node[name]), timezone)
                if found:
                    return found
    return None


def _from_selectors(soup: BeautifulSoup, selectors: tuple[str, ...], timezone: str) -> FoundDate | None:
    for selector in selectors:
        for tag in soup.select(selector):
            found = _attribute_date(tag, timezone) or first_date(clean_text(tag.get_text(" ")), timezone)
            if found:
                return found
    return None


def _from_metadata(meta: Metadata, timezone: str) -> FoundDate | None:
    for text, _ in meta.dates:
        found = first_date(text, timezone)
        if found:
            return found
    return None


def _from_time(soup: BeautifulSoup, title_tag: Tag | None, timezone: str) -> FoundDate | None:
    tags = title_tag.find_all_next("time") if title_tag is not None else soup.find_all("time")
    for tag in tags:
        found = first_date(str(tag.get("datetime") or "") or clean_text(tag.get_text(" ")), timezone)
        if found:
            return found
    return None


def _texts_after(start: Tag) -> Iterator[str]:
    for node in start.next_elements:
        if isinstance(node, NavigableString) and type(node) is NavigableString:
            if start in node.parents:
                continue
            yield clean_text(str(node))


def _from_dateline(soup: BeautifulSoup, title_tag: Tag | None, title: str, container: Tag | None,
                   timezone: str) -> FoundDate | None:
    """The first date printed between the title and the first paragraph of prose."""
    start = title_tag if title_tag is not None else container
    if start is None:
        return None
    seen = 0
    lines: list[str] = []
    for text in _texts_after(start):
        if not text or same_text(text, title):
            continue
        if len(text) >= PARAGRAPH or seen > DATELINE_WINDOW:
            break
        lines.append(text)
        seen += len(text)
        found = first_date(" ".join(lines[-3:]), timezone)
        if found:
            return found
    return None


def _listed(listing_date: datetime | None) -> FoundDate | None:
    if listing_date is None:
        return None
    return FoundDate(listing_date, has_time=(listing_date.hour, listing_date.minute) != (0, 0))


def _from_body(container: Tag | None, title: str, timezone: str) -> FoundDate | None:
    if container is None:
        return None
    text = clean_text(container.get_text(" ")).replace(title, " ")
    return first_date(text, timezone)


def find_published(soup: BeautifulSoup, *, selectors: tuple[str, ...], origin: str, meta: Metadata,
                   title_tag: Tag | None, title: str, container: Tag | None, timezone: str,
                   listing_date: datetime | None) -> tuple[datetime | None, str | None]:
    """The publication date and its source ("selector", "family:x", "metadata", "time", ...)."""
    candidates = [
        (origin, lambda: _from_selectors(soup, selectors, timezone)),
        ("metadata", lambda: _from_metadata(meta, timezone)),
        ("time", lambda: _from_time(soup, title_tag, timezone)),
        ("dateline", lambda: _from_dateline(soup, title_tag, title, container, timezone)),
        ("listing", lambda: _listed(listing_date)),
        ("body", lambda: _from_body(container, title, timezone)),
    ]
    chosen: tuple[FoundDate, str] | None = None
    for source, find in candidates:
        found = find()
        if found is None:
            continue
        if chosen is None:
            chosen = (found, source)
            if found.has_time:
                break
        elif found.has_time:
            local = found.value.astimezone(chosen[0].value.tzinfo)
            if local.date() == chosen[0].value.date():
                return local, chosen[1]
    if chosen is None:
        return None, None
    return chosen[0].value, chosen[1]
