"""A second opinion on where the article is, for pages no rule covers: trafilatura's text.

Our density score guesses one block; on general news layouts the body is often split across
sibling blocks or sits beside a denser box (a signatories list, an author bio), and the guess
keeps the wrong one. trafilatura reads the page its own way; its text says which element of our
(already pruned) tree holds the article: the one whose text agrees best with it (Dice over
characters). The element, not trafilatura's text, becomes the body, so our cleaning, captions,
bylines and lead stay in charge. Imported lazily: pages that a family or a known container
covers (every configured source) never load it.
"""

from __future__ import annotations

import re

from crawler.extract.page import NOT_TEXT, Element, is_element

MIN_RUN = 12  # characters: shorter text runs ("|", "Home", a date) say nothing either way
MIN_AGREEMENT = 0.5  # Dice below this: trafilatura found something else, or nothing we hold
SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return SPACE.sub(" ", text).strip()


def peer_text(html: str) -> str:
    """trafilatura's text of the page (empty when it finds none or fails)."""
    try:
        from trafilatura import extract
    except ImportError:  # an install without it: our own guess stands
        return ""
    try:
        return extract(html, fast=True, include_comments=False, include_tables=True,
                       include_formatting=False) or ""
    except Exception:  # a second opinion never breaks extraction
        return ""


def agreement(page: Element, text: str) -> dict[Element, float]:
    """How well each element's text agrees with `text`: Dice over the characters of its runs."""
    wanted = _norm(text)
    if not wanted:
        return {}
    matched: dict[Element, int] = {}
    total: dict[Element, int] = {}
    quiet: set[Element] = set()
    order: list[Element] = []
    for node in page.iter():
        if not is_element(node):
            continue
        parent = node.getparent()
        if node.tag in NOT_TEXT or parent in quiet:
            quiet.add(node)
            continue
        order.append(node)
        own_total = own_matched = 0
        for run in [node.text or ""] + [child.tail or "" for child in node]:
            run = _norm(run)
            if len(run) >= MIN_RUN:
                own_total += len(run)
                own_matched += len(run) if run in wanted else 0
        matched[node], total[node] = own_matched, own_total
    for node in reversed(order):
        parent = node.getparent()
        if node is not page and parent in matched:
            matched[parent] += matched[node]
            total[parent] += total[node]
    size = len(wanted)
    return {node: 2 * matched[node] / (total[node] + size) for node in order if total[node]}


def agreeing_element(scores: dict[Element, float]) -> Element | None:
    """The element that agrees best, when one agrees well enough."""
    best = max(scores, key=scores.__getitem__, default=None)
    return best if best is not None and scores[best] > MIN_AGREEMENT else None

EDGE = 40  # characters: a block agrees when it opens and ends as a passage of the other text does


def agrees(text: str, other: str) -> bool:
    """The block's text is printed in the other text (its start and its end, when it is long)."""
    line = _norm(text)
    if len(line) <= 2 * EDGE:
        return line in other
    return line[:EDGE] in other and line[-EDGE:] in other
