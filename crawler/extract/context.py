"""What every step of an extraction reads about the page, gathered once and passed as one object.

The steps of `extract_article` (title, date, body, author, lead) each need the parsed page,
its metadata, the wrappers that must survive pruning and what was found before them; the
date alone took ten keyword arguments threaded by hand through its helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.extract.metadata import Metadata
from crawler.extract.page import Element


@dataclass
class PageContext:
    """One article page being extracted; `title` and `title_tag` are set once the title is found."""

    root: Element
    url: str
    meta: Metadata
    keep: frozenset[Element]  # wrappers around the article that pruning must not remove
    timezone: str
    listing_date: datetime | None = None  # the date the listing page printed beside the link
    canonical: str | None = None  # the page's own URL as the site spells it
    title: str = ""
    title_tag: Element | None = None
    peer: str = ""  # a second opinion's text of the article, when one was asked (second.py)
