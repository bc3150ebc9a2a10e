"""Text printed next to the title and just after the body: where date lines and bylines sit.

Only the article's own lines count: the search stops at the first line of prose, and at the
first line printed in the page's chrome (a sidebar, the footer) or in an item about another
article (a "Các tin khác" list with its dates, a "Văn bản mới" box of dated titles).
"""

from __future__ import annotations

from crawler.extract.clean import NOT_CHROME, chrome_element
from crawler.extract.dates import find_dates
from crawler.extract.page import Element, marks, text_of, texts_after
from crawler.extract.text import clean_text, same_text

WINDOW = 600  # characters of short lines read before giving up
PROSE = 120  # a line this long is prose: the lines sought come before it
OTHER_TITLE = 25  # a link with this much text is the title of another page
ITEM = 300  # characters: an item about another article (title, date, a few words) is no longer


def _names_another_page(tag: Element) -> bool:
    """It holds a link whose text is a title: long, and not just a date (a permalink prints one)."""
    for link in tag.iter("a"):
        text = clean_text(text_of(link)) if link.get("href") else ""
        if len(text) >= OTHER_TITLE:
            dated = sum(found.end - found.start for found in find_dates(text))
            if len(text) - dated >= OTHER_TITLE:
                return True
    return False


def around(title_tag: Element | None, keep: frozenset[Element] = frozenset()) -> frozenset[Element]:
    """The blocks that are the article's own whatever their marks: those holding its title (a
    theme may mark them as a header) and the wrappers around most of the page (`keep`)."""
    if title_tag is None:
        return keep
    return keep | {title_tag, *title_tag.iterancestors()}


def _short(tag: Element) -> bool:
    """At most ITEM characters of text (counted until passed: an ancestor may be the whole page)."""
    size = 0
    for text in tag.itertext():
        size += len(text.strip())
        if size > ITEM:
            return False
    return True


def elsewhere(tag: Element, own: frozenset[Element] = frozenset(),
              seen: dict[Element, bool] | None = None) -> bool:
    """In the page's chrome or in a short item that links another article by its title.

    `seen` keeps the verdict for each element walked, for the next run of text in the same block.
    """
    seen = {} if seen is None else seen
    walked: list[Element] = []
    verdict = False
    for parent in [tag, *tag.iterancestors()]:
        if parent in seen:
            verdict = seen[parent]
            break
        walked.append(parent)
        if parent.tag in NOT_CHROME or parent in own:
            break
        if chrome_element(parent.tag, marks(parent)) or (_short(parent) and _names_another_page(parent)):
            verdict = True
            break
    for parent in walked:
        seen[parent] = verdict
    return verdict


def short_lines(start: Element, *, inside: bool = False, skip: str = "",
                own: frozenset[Element] = frozenset()) -> list[str]:
    """The short lines after `start`, up to the first line of prose or of another block's."""
    lines: list[str] = []
    seen = 0
    verdicts: dict[Element, bool] = {}
    for run, holder in texts_after(start, inside):
        text = clean_text(run)
        if not text or (skip and same_text(text, skip)):
            continue
        if len(text) >= PROSE or seen > WINDOW or elsewhere(holder, own, verdicts):
            break
        lines.append(text)
        seen += len(text)
    return lines
