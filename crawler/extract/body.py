"""Find the element that holds the article's text.

Cascade: the source's selectors (or its family's), then the body containers of the CMS
families common on government sites, then text and link density scored over the page.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from crawler.extract.clean import in_chrome
from crawler.extract.select import Selection
from crawler.extract.text import clean_text

# Body containers of common CMSs, most specific first. Each must still hold real prose.
KNOWN_BODIES = [
    "[itemprop=articleBody]", ".field-name-body .field-item", ".field-name-body", "#news-bodyhtml",
    ".bodytext", ".entry-content", ".post-content", ".article-content", ".article-body", ".news-content",
    ".news-detail-content", ".content-detail", ".detail-content", ".chi-tiet-tin", ".noidung", ".noi-dung",
    ".ms-rtestate-field", "#ArticleContent", ".td-post-content", ".single-content", "article .content",
]
KNOWN_BODY_SELECTION = Selection(KNOWN_BODIES)
MIN_BODY_TEXT = 150
LISTED_TITLE = 25  # a link this long that opens its line is an article title
LISTED_ITEMS = 2  # this many teaser items make a listing page, not an article
MAX_ITEM = 800  # characters: a listing item is a title and a teaser, never a whole article
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


def text_length(tag: Tag) -> int:
    return len(clean_text(tag.get_text(" ")))


def link_density(tag: Tag) -> float:
    """Share of the text that sits in links: high for menus and lists, low for prose."""
    total = text_length(tag)
    if not total:
        return 1.0
    linked = sum(len(clean_text(a.get_text(" "))) for a in tag.find_all("a"))
    return linked / total


def _usable(tag: Tag) -> bool:
    return text_length(tag) >= MIN_BODY_TEXT and link_density(tag) <= MAX_LINK_DENSITY


def first_match(soup: BeautifulSoup | Tag, selectors: tuple[str, ...]) -> Tag | None:
    """The first element matched by the first selector that matches one with text."""
    for selector in selectors:
        for tag in soup.select(selector):
            if clean_text(tag.get_text(" ")) or tag.find("img"):
                return tag
    return None


def _own_text(tag: Tag) -> str:
    """Text of the tag that is not inside a nested block (its own paragraph text)."""
    parts = []
    for child in tag.children:
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag) and child.name in INLINE and not child.find(NESTED_BLOCKS):
            parts.append(child.get_text(" "))
    return clean_text(" ".join(parts))


def _paragraph_score(text: str, links: int) -> float:
    return (1 + text.count(",") + min(len(text) / 100, 3)) * (1 - min(links / max(len(text), 1), 1))


def _site_footer(tag: Tag) -> bool:
    """A short block with the site's address, phone and copyright: the footer of a table layout."""
    text = clean_text(tag.get_text(" "))
    return len(text) < MAX_ITEM and len(FOOTER_WORDS.findall(text)) >= 2


def score_candidates(soup: BeautifulSoup) -> dict[int, tuple[Tag, float]]:
    """Readability-style scores: each paragraph credits its container and, less, the one above."""
    scores: dict[int, tuple[Tag, float]] = {}

    def credit(tag: Tag | None, points: float) -> None:
        if tag is None or tag.name in ("html", "[document]"):
            return
        known = scores.get(id(tag))
        scores[id(tag)] = (tag, (known[1] if known else 0.0) + points)

    for tag in soup.find_all(["p", "pre", "blockquote", "li", *CANDIDATES]):
        text = _own_text(tag)
        if len(text) < MIN_PARAGRAPH:
            continue
        links = sum(len(clean_text(a.get_text(" "))) for a in tag.find_all("a", recursive=False))
        points = _paragraph_score(text, links)
        if tag.name in ("td", "th"):
            credit(tag, points)  # a layout cell is a column: its row also holds the sidebars
        elif tag.name in CANDIDATES and tag.find(BLOCK_CHILDREN) is not None:
            credit(tag, points)
            credit(tag.parent, points / 2)
        else:  # a paragraph, or a div of bare text that stands for one
            credit(tag.parent, points)
            if tag.parent is not None:
                credit(tag.parent.parent, points / 2)
    return scores


def densest(soup: BeautifulSoup, keep: frozenset[int] = frozenset()) -> Tag | None:
    """The container with the best prose score once its link density is taken into account."""
    best, best_score = None, 0.0
    for tag, score in score_candidates(soup).values():
        if tag.name not in CANDIDATES or tag.name == "body" or in_chrome(tag, keep) or _site_footer(tag):
            continue
        final = score * (1 - link_density(tag))
        if final > best_score:
            best, best_score = tag, final
    return best if best is not None and text_length(best) >= MIN_BODY_TEXT / 2 else None


def _title_links(page: Tag, url: str) -> list[Tag]:
    """Links with title-length text that open their line, to other pages of the same site."""
    host = urlsplit(url).hostname
    links = []
    for anchor in page.find_all("a", href=True):
        target = urljoin(url, str(anchor["href"]).strip()).split("#")[0]
        text = clean_text(anchor.get_text(" "))
        line = anchor.find_parent(LINE_TAGS)
        if (len(text) >= LISTED_TITLE and target != url and urlsplit(target).hostname == host
                and not FILE.search(urlsplit(target).path) and line is not None
                and clean_text(line.get_text(" ")).startswith(text)):
            links.append(anchor)
    return links


def _teaser_items(page: Tag, url: str) -> list[Tag]:
    """Blocks made of one title link and a teaser: the items of a listing page."""
    links = _title_links(page, url)
    holding: dict[int, int] = {}
    for anchor in links:
        for parent in anchor.parents:
            holding[id(parent)] = holding.get(id(parent), 0) + 1
    items = []
    for anchor in links:
        item = anchor
        for parent in anchor.parents:
            if parent.name in ("body", "html", "[document]") or holding[id(parent)] > 1:
                break
            item = parent
        loose = [clean_text(str(s)) for s in item.find_all(string=True) if s.find_parent("a") is None]
        if any(len(text) >= TEASER for text in loose) and text_length(item) <= MAX_ITEM:
            items.append(item)
    return items


def looks_like_listing(container: Tag, page: Tag, url: str) -> bool:
    """The container is one teaser of a list of articles, or holds several: a listing page."""
    items = _teaser_items(page, url)
    if len(items) < LISTED_ITEMS:
        return False
    inside = sum(1 for item in items if container in item.parents)
    return inside >= LISTED_ITEMS or any(item is container or item in container.parents for item in items)


def find_body(soup: BeautifulSoup, selectors: tuple[str, ...], origin: str,
              keep: frozenset[int] = frozenset()) -> tuple[Tag | None, str]:
    """The article container and which path found it."""
    tag = first_match(soup, selectors)
    if tag is not None:
        return tag, origin
    for selector, found in zip(KNOWN_BODIES, KNOWN_BODY_SELECTION.select_each(soup), strict=True):
        matches = [t for t in found if _usable(t) and not in_chrome(t, keep)]
        if matches:
            return max(matches, key=text_length), "generic:" + selector
    tag = densest(soup, keep)
    return (tag, "generic:density") if tag is not None else (None, "none")
