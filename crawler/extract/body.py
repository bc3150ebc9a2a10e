"""Find the element that holds the article's text.

Cascade: the source's selectors (or its family's), then the body containers of the CMS
families common on government sites, then text and link density scored over the page.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, NavigableString, Tag

from crawler.extract.text import clean_text

# Body containers of common CMSs, most specific first. Each must still hold real prose.
KNOWN_BODIES = [
    "[itemprop=articleBody]", ".field-name-body .field-item", ".field-name-body", "#news-bodyhtml",
    ".bodytext", ".entry-content", ".post-content", ".article-content", ".article-body", ".news-content",
    ".news-detail-content", ".content-detail", ".detail-content", ".chi-tiet-tin", ".noidung", ".noi-dung",
    ".ms-rtestate-field", "#ArticleContent", ".td-post-content", ".single-content", "article .content",
]
MIN_BODY_TEXT = 150
MAX_LINK_DENSITY = 0.35
MIN_PARAGRAPH = 25
CANDIDATES = ["div", "td", "section", "article", "main", "form", "center", "font", "span"]
INLINE = {"a", "b", "strong", "i", "em", "span", "font", "u", "sup", "sub", "br", "small"}
NESTED_BLOCKS = ["p", "div", "table", "ul", "ol", "img"]


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
        if tag.name in CANDIDATES:
            credit(tag, points)
            credit(tag.parent, points / 2)
        else:
            credit(tag.parent, points)
            if tag.parent is not None:
                credit(tag.parent.parent, points / 2)
    return scores


def densest(soup: BeautifulSoup) -> Tag | None:
    """The container with the best prose score once its link density is taken into account."""
    best, best_score = None, 0.0
    for tag, score in score_candidates(soup).values():
        if tag.name not in CANDIDATES or tag.name == "body":
            continue
        final = score * (1 - link_density(tag))
        if final > best_score:
            best, best_score = tag, final
    return best if best is not None and text_length(best) >= MIN_BODY_TEXT / 2 else None


def find_body(soup: BeautifulSoup, selectors: tuple[str, ...], origin: str) -> tuple[Tag | None, str]:
    """The article container and which path found it."""
    tag = first_match(soup, selectors)
    if tag is not None:
        return tag, origin
    for selector in KNOWN_BODIES:
        matches = [t for t in soup.select(selector) if _usable(t)]
        if matches:
            return max(matches, key=text_length), "generic:" + selector
    tag = densest(soup)
    return (tag, "generic:density") if tag is not None else (None, "none")
