"""Find the element that holds the article's text.

Cascade: the source's selectors (or its family's), then the body containers of the CMS
families common on government sites (`known_body`), then text and link density scored over
the page (`densest`, which article.py weighs against a second opinion, second.py).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.extract.clean import in_chrome
from crawler.extract.page import Element, has_descendant, holds, is_element, select, text_of
from crawler.extract.select import Selection
from crawler.extract.text import clean_text
from crawler.families import GENERIC

# Body containers of common CMSs (the [generic] table of crawler/families.toml).
KNOWN_BODIES = GENERIC.body
KNOWN_BODY_SELECTION = Selection(KNOWN_BODIES)
MIN_BODY_TEXT = 150
LISTED_TITLE = 25  # a link this long that opens its line is an article title
LISTED_ITEMS = 2  # this many teaser items make a listing page, not an article
MAX_ITEM = 800  # characters: a listing item is a title and a teaser, never a whole article
OWN_PROSE = 500  # characters of its own, outside any teaser card, that make a container an article
TEASER = 60  # characters of text outside links that make an item a teaser
LINE_TAGS = ["p", "li", "td", "div", "h2", "h3", "h4", "dt", "article"]
FOOTER_WORDS = re.compile(r"địa chỉ\s*:|điện thoại\s*:|fax\s*:|email\s*:|giấy phép|chịu trách nhiệm"
                          r"|bản quyền|©", re.I)
FILE = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|zip|rar|7z|jpe?g|png|gif)$", re.I)
MAX_LINK_DENSITY = 0.35
MIN_PARAGRAPH = 25
CANDIDATES = ["div", "td", "section", "article", "main", "form", "center", "font", "span"]
INLINE = {"a", "b", "strong", "i", "em", "span", "font", "u", "sup", "sub", "br", "small"}
NESTED_BLOCKS = ["p", "div", "table", "ul", "ol", "img"]
BLOCK_CHILDREN = ["p", "div", "table", "ul", "ol", "section", "article", "blockquote", "h2", "h3", "h4"]


# Text under an element outside links, comments included (as BeautifulSoup's `find_all(string=True)`).
_LOOSE = etree.XPath("descendant::node()[self::text() or self::comment()][not(ancestor::a)]",
                     smart_strings=False)


def text_length(tag: Element) -> int:
    return len(clean_text(text_of(tag)))


def link_density(tag: Element) -> float:
    """Share of the text that sits in links: high for menus and lists, low for prose."""
    total = text_length(tag)
    if not total:
        return 1.0
    linked = sum(len(clean_text(text_of(a))) for a in tag.iterdescendants("a"))
    return linked / total


def _usable(tag: Element) -> bool:
    return text_length(tag) >= MIN_BODY_TEXT and link_density(tag) <= MAX_LINK_DENSITY


def first_match(root: Element, selectors: tuple[str, ...]) -> Element | None:
    """The first element matched by the first selector that matches one with text."""
    for selector in selectors:
        for tag in select(root, selector):
            if clean_text(text_of(tag)) or has_descendant(tag, ("img",)):
                return tag
    return None


def _own_text(tag: Element) -> str:
    """Text of the tag that is not inside a nested block (its own paragraph text).

    A comment left among the children counts, as it always has (BeautifulSoup's strings).
    """
    parts = [tag.text or ""]
    for child in tag:
        if not is_element(child):
            parts.append(child.text or "")
        elif child.tag in INLINE and not has_descendant(child, NESTED_BLOCKS):
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return clean_text(" ".join(parts))


def _paragraph_score(text: str, links: int) -> float:
    return (1 + text.count(",") + min(len(text) / 100, 3)) * (1 - min(links / max(len(text), 1), 1))


def _site_footer(tag: Element) -> bool:
    """A short block with the site's address, phone and copyright: the footer of a table layout."""
    printed = clean_text(text_of(tag))
    return len(printed) < MAX_ITEM and len(FOOTER_WORDS.findall(printed)) >= 2


def score_candidates(root: Element) -> dict[Element, float]:
    """Readability-style scores: each paragraph credits its container and, less, the one above."""
    scores: dict[Element, float] = {}

    def credit(tag: Element | None, points: float) -> None:
        if tag is None or tag.tag == "html":
            return
        scores[tag] = scores.get(tag, 0.0) + points

    for tag in root.iter("p", "pre", "blockquote", "li", *CANDIDATES):
        own = _own_text(tag)
        if len(own) < MIN_PARAGRAPH:
            continue
        links = sum(len(clean_text(text_of(a))) for a in tag if is_element(a) and a.tag == "a")
        points = _paragraph_score(own, links)
        parent = tag.getparent()
        if tag.tag in ("td", "th"):
            credit(tag, points)  # a layout cell is a column: its row also holds the sidebars
        elif tag.tag in CANDIDATES and has_descendant(tag, BLOCK_CHILDREN):
            credit(tag, points)
            credit(parent, points / 2)
        else:  # a paragraph, or a div of bare text that stands for one
            credit(parent, points)
            if parent is not None:
                credit(parent.getparent(), points / 2)
    return scores


def densest(root: Element, keep: frozenset[Element] = frozenset()) -> Element | None:
    """The container with the best prose score once its link density is taken into account."""
    best, best_score = None, 0.0
    scores = score_candidates(root)
    for tag, score in scores.items():
        if tag.tag not in CANDIDATES or tag.tag == "body" or in_chrome(tag, keep) or _site_footer(tag):
            continue
        final = score * (1 - link_density(tag))
        if final > best_score:
            best, best_score = tag, final
    if best is None or text_length(best) < MIN_BODY_TEXT / 2:
        return None
    return _with_siblings(best, best_score, scores, keep)


SIBLING_SHARE = 0.3  # a sibling block scoring this share of the best one is more of the same text


def _with_siblings(best: Element, best_score: float, scores: dict[Element, float],
                   keep: frozenset[Element]) -> Element:
    """The best block, or its parent when sibling blocks carry the article on (a body split by an
    advert, a newsletter box, an inline gallery): never the page's body, never with chrome between."""
    parent = best.getparent()
    if parent is None or parent.tag in ("body", "html") or in_chrome(parent, keep):
        return best
    more = [sibling for sibling in parent if is_element(sibling) and sibling is not best
            and sibling.tag in CANDIDATES and not in_chrome(sibling, keep)
            and scores.get(sibling, 0.0) * (1 - link_density(sibling)) >= SIBLING_SHARE * best_score]
    if more and link_density(parent) <= MAX_LINK_DENSITY:
        return parent
    return best


def _title_links(page: Element, url: str) -> list[Element]:
    """Links with title-length text that open their line, to other pages of the same site."""
    host = urlsplit(url).hostname
    links = []
    for anchor in page.iterdescendants("a"):
        if anchor.get("href") is None:
            continue
        target = urljoin(url, anchor.get("href").strip()).split("#")[0]
        printed = clean_text(text_of(anchor))
        line = next(anchor.iterancestors(*LINE_TAGS), None)
        if (len(printed) >= LISTED_TITLE and target != url and urlsplit(target).hostname == host
                and not FILE.search(urlsplit(target).path) and line is not None
                and clean_text(text_of(line)).startswith(printed)):
            links.append(anchor)
    return links


def _teaser_items(page: Element, url: str) -> list[Element]:
    """Blocks made of one title link and a teaser: the items of a listing page."""
    links = _title_links(page, url)
    holding: dict[Element, int] = {}
    for anchor in links:
        for parent in anchor.iterancestors():
            holding[parent] = holding.get(parent, 0) + 1
    items = []
    for anchor in links:
        item = anchor
        for parent in anchor.iterancestors():
            if parent.tag in ("body", "html") or holding[parent] > 1:
                break
            item = parent
        loose = [clean_text(node if isinstance(node, str) else node.text or "") for node in _LOOSE(item)]
        if any(len(line) >= TEASER for line in loose) and text_length(item) <= MAX_ITEM:
            items.append(item)
    return items


def teaser_cards(container: Element, page: Element, url: str) -> list[Element] | None:
    """The teaser cards (a title link and a teaser) inside the container; None when it is a listing.

    A listing: the container is one card of a list, or holds several and little else. An article
    may hold cards too (previous and next story, related stories, a promo box): it is still an
    article when its own prose, outside the cards, outweighs them, or when they all follow it.
    """
    items = _teaser_items(page, url)
    if len(items) < LISTED_ITEMS:
        return []
    if any(holds(item, container) for item in items):
        return None
    inside = [item for item in items if item is not container and holds(container, item)]
    if len(inside) < LISTED_ITEMS:
        return inside
    cards = sum(text_length(item) for item in inside)
    own = text_length(container) - cards
    if own < OWN_PROSE:
        return None
    # More cards than prose: a listing with an introduction, unless every card follows the
    # prose (a long related-stories list under a short article).
    return inside if own >= cards or len(trailing_cards(container, inside)) == len(inside) else None


def in_teaser(container: Element, page: Element, url: str) -> bool:
    """The container is one teaser card of a list (a known body class reused by a related story)."""
    return any(holds(item, container) for item in _teaser_items(page, url))


def trailing_cards(container: Element, cards: list[Element]) -> list[Element]:
    """The cards after the article's last paragraph of its own: other stories, not the article's text.

    Cards between paragraphs stay: a list-style article ("five programmes to apply for") is made of them.
    A line mostly of links after them (the post's tags) is no paragraph of the article.
    """
    if not cards:
        return []
    order = {element: index for index, element in enumerate(container.iter())}
    in_card = {element for card in cards for element in card.iter()}
    prose = [order[p] for p in container.iter("p", "li", "blockquote", "h2", "h3", "table")
             if p not in in_card and len(clean_text(text_of(p))) >= TEASER
             and link_density(p) < MAX_LINK_DENSITY]  # a line of tag links is no paragraph
    last = max(prose, default=-1)
    return [card for card in cards if order[card] > last]


def known_body(root: Element, selectors: tuple[str, ...], origin: str,
               keep: frozenset[Element] = frozenset()) -> tuple[Element | None, str]:
    """The article container a rule names (the source's, its family's, a known CMS's), if any."""
    tag = first_match(root, selectors)
    if tag is not None:
        return tag, origin
    for selector, found in zip(KNOWN_BODIES, KNOWN_BODY_SELECTION.select_each(root), strict=True):
        matches = [t for t in found if _usable(t) and not in_chrome(t, keep)]
        if matches:
            return max(matches, key=text_length), "generic:" + selector
    return None, "none"

