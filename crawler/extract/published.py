"""Choose the publication date, in order of trust, and say where it came from.

Order: the source's date selector, structured metadata (JSON-LD, meta, RDFa), <time>, a
date line by the title, the listing page's date for the link, and last a date in the body.
Read on the whole page before chrome is removed (date lines are chrome once read). A header
clock (before the title) and dates inside the title are never read. When the most trusted
source gives only a day, a less trusted one that agrees on the day lends its time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from crawler.extract.context import PageContext
from crawler.extract.dates import FoundDate, first_date
from crawler.extract.nearby import around, elsewhere, short_lines
from crawler.extract.page import Element, elements, select, text_of
from crawler.extract.text import clean_text

_TIMES_FROM = etree.XPath("descendant::time | following::time")


def _attribute_date(tag: Element, timezone: str) -> FoundDate | None:
    for node in elements(tag):
        for name in ("datetime", "content"):
            if node.get(name):
                found = first_date(node.get(name), timezone)
                if found:
                    return found
    return None


def _from_selectors(root: Element, selectors: tuple[str, ...], timezone: str) -> FoundDate | None:
    for selector in selectors:
        for tag in select(root, selector):
            found = _attribute_date(tag, timezone) or first_date(clean_text(text_of(tag)), timezone)
            if found:
                return found
    return None


def _from_metadata(page: PageContext) -> FoundDate | None:
    for text, _ in page.meta.dates:
        found = first_date(text, page.timezone)
        if found:
            return found
    return None


def _from_time(page: PageContext) -> FoundDate | None:
    """The first <time> after the title (anywhere without one), not a clock or another article's."""
    own = around(page.title_tag, page.keep)
    tags = _TIMES_FROM(page.title_tag) if page.title_tag is not None else page.root.iter("time")
    for tag in tags:
        if elsewhere(tag, own):
            continue
        found = first_date(tag.get("datetime") or clean_text(text_of(tag)), page.timezone)
        if found:
            return found
    return None


def _from_dateline(page: PageContext, container: Element | None) -> FoundDate | None:
    """The first date printed between the title and the first paragraph of prose."""
    start = page.title_tag if page.title_tag is not None else container
    if start is None:
        return None
    lines = short_lines(start, inside=page.title_tag is None, skip=page.title, own=around(start, page.keep))
    for end in range(1, len(lines) + 1):
        found = first_date(" ".join(lines[max(0, end - 3):end]), page.timezone)
        if found:
            return found
    return None


def _listed(page: PageContext) -> FoundDate | None:
    listed = page.listing_date
    if listed is None:
        return None
    return FoundDate(listed, has_time=(listed.hour, listed.minute) != (0, 0))


def date_in_body(container: Element, title: str, timezone: str) -> datetime | None:
    """The last resort: the first plausible date in the article's text (never in its title)."""
    found = first_date(clean_text(text_of(container)).replace(title, " "), timezone)
    return found.value.astimezone(ZoneInfo(timezone)) if found else None


def find_published(page: PageContext, selectors: tuple[str, ...], origin: str,
                   container: Element | None) -> tuple[datetime | None, str | None]:
    """The publication date and its source ("selector", "family:x", "metadata", "time", ...)."""
    timezone = page.timezone
    candidates = [
        (origin, lambda: _from_selectors(page.root, selectors, timezone)),
        ("metadata", lambda: _from_metadata(page)),
        ("time", lambda: _from_time(page)),
        ("dateline", lambda: _from_dateline(page, container)),
        ("listing", lambda: _listed(page)),
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
                return local.astimezone(ZoneInfo(timezone)), chosen[1]
    if chosen is None:
        return None, None
    return chosen[0].value.astimezone(ZoneInfo(timezone)), chosen[1]


def find_modified(page: PageContext, published: datetime | None) -> datetime | None:
    """When the page says it was last edited (dateModified, article:modified_time), if after publication."""
    for text, _ in page.meta.modified:
        found = first_date(text, page.timezone)
        if found is None:
            continue
        value = found.value.astimezone(ZoneInfo(page.timezone))
        if published is None or value >= published:
            return value
    return None
