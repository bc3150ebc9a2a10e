"""Extract one article: site rules first, then structured metadata, then the generic path.

The cascade per field: the source's selectors (or its CMS family's), metadata, generic
heuristics; `Article.paths` records which one produced each field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from w3lib.url import canonicalize_url

from crawler.extract.blocks import Block, block_text, to_blocks
from crawler.extract.body import find_body, first_match, link_density, looks_like_listing
from crawler.extract.byline import labelled_author, take_byline
from crawler.extract.clean import page_shape, prune, wrappers
from crawler.extract.compose import compose, drop_chrome
from crawler.extract.dates import DEFAULT_TZ
from crawler.extract.decode import decode_html
from crawler.extract.figures import Image, attach_captions
from crawler.extract.metadata import Metadata, find_title, is_author, read_metadata
from crawler.extract.nearby import short_lines
from crawler.extract.published import date_in_body, find_published
from crawler.extract.select import Selection
from crawler.extract.text import clean_text, scrub

__all__ = ["Article", "Image", "NoArticle", "SiteRules", "extract_article", "body_blocks"]

# Lead (sapo) containers of common CMSs; a lead printed outside the body goes back on top.
KNOWN_LEADS = (".hometext", ".sapo", ".news-sapo", ".lead", ".news-lead", ".summary", ".news-summary",
               ".tomtat", ".tom-tat", ".field-name-field-tom-tat", ".field-name-field-sapo", ".chapeau",
               ".article-summary", ".short-content", "[itemprop=description]")
KNOWN_LEAD_SELECTION = Selection(KNOWN_LEADS)
AUTHOR_SELECTORS = ("[itemprop=author]", "[rel=author]", ".author", ".tac-gia", ".tacgia", ".byline")
AUTHOR_SELECTION = Selection(AUTHOR_SELECTORS)
MIN_ARTICLE_TEXT = 80
MAX_DEPTH = 400  # real pages nest a few dozen levels; the block walker recurses once per level
MAX_ELEMENTS = 100_000  # a department page has a few thousand elements
MAX_LINK_DENSITY = 0.5  # an article's text is mostly prose; a page of links is a menu or a list
MAX_LEAD = 1500


class NoArticle(Exception):
    """The page holds no recognisable article (a listing, an error page, a changed layout)."""


@dataclass(frozen=True)
class SiteRules:
    """Ordered CSS fallbacks per field, from the source's selectors and its family profile."""

    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    strip: tuple[str, ...] = ()
    origins: dict[str, str] = field(default_factory=dict)

    def origin(self, name: str) -> str:
        """Which configuration supplied the selectors for a field ("selector", "family:x")."""
        return self.origins.get(name, "selector")


@dataclass
class Article:
    """One article as a feed entry needs it; `paths` says which rule produced each field."""

    url: str
    title: str
    body_html: str
    body_text: str
    summary: str = ""
    published: datetime | None = None
    date_source: str | None = None
    author: str | None = None
    images: list[Image] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    canonical: str | None = None
    encoding: str = "utf-8"
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def paragraphs(self) -> list[str]:
        """Body blocks after the lead, without captions: what the expected JSON lists."""
        blocks = body_blocks(self.body_html)
        return blocks[1:] if blocks and self.summary and blocks[0] == self.summary else blocks


BLOCK_NAMES = ["p", "h2", "h3", "h4", "li", "td", "th", "blockquote"]


def body_blocks(body_html: str) -> list[str]:
    """The text of each paragraph, heading, list item and table cell, captions left out."""
    soup = BeautifulSoup(body_html, "lxml")
    texts = [block_text(tag) for tag in soup.find_all(BLOCK_NAMES)
             if not tag.find(BLOCK_NAMES) and tag.find_parent("figure") is None]
    return [text for text in texts if text]


def _lead_element(soup: BeautifulSoup, selectors: tuple[str, ...], title_tag: Tag | None) -> Tag | None:
    """The sapo: the configured lead, or a known lead container printed after the title."""
    if selectors:
        return first_match(soup, selectors)
    order = {id(tag): index for index, tag in enumerate(soup.find_all(True))}
    after = order.get(id(title_tag), -1) if title_tag is not None else -1
    for found in KNOWN_LEAD_SELECTION.select_each(soup):
        for tag in found:
            text = clean_text(tag.get_text(" "))
            if 40 <= len(text) <= MAX_LEAD and order[id(tag)] > after and tag.name != "meta":
                return tag
    return None


def _author_element(soup: BeautifulSoup, selectors: tuple[str, ...], container: Tag) -> Tag | None:
    tag = first_match(soup, selectors)
    if tag is None:
        for candidate in AUTHOR_SELECTION.select(container):
            if clean_text(candidate.get_text(" ")):
                return candidate
    return tag


def _author(byline: str | None, title_tag: Tag | None, title: str, container: Tag,
            meta: Metadata) -> tuple[str | None, str]:
    """The author when no selector gave one: byline, a labelled line, then metadata."""
    if byline:
        return byline, "generic:byline"
    near = short_lines(title_tag, skip=title) if title_tag is not None else []
    labelled = labelled_author(near) or labelled_author(short_lines(container))
    if labelled:
        return labelled, "generic:labelled-byline"
    names = [clean_text(name) for name, _ in meta.authors if is_author(name)]
    return (names[0], "metadata") if names else (None, "none")


def _canonical(soup: BeautifulSoup, url: str) -> str | None:
    """The page's own URL as the site spells it: rel=canonical or og:url on the same site, else
    the ASP.NET form action when it names this very page (same parameters, the site's order)."""
    host = urlsplit(url).hostname
    link = soup.find("link", rel="canonical", href=True)
    og = soup.find("meta", property="og:url", content=True)
    for href in (link and link["href"], og and og["content"]):
        target = urljoin(url, str(href or "").strip())
        if href and urlsplit(target).hostname == host:
            return target
    form = soup.find("form", action=True)
    if form is not None:
        target = urljoin(url, str(form["action"]).strip())
        if target != url and canonicalize_url(target) == canonicalize_url(url):
            return target
    return None


def extract_article(body: bytes | str, url: str, *, content_type: str | None = None,
                    rules: SiteRules | None = None, timezone: str = DEFAULT_TZ,
                    listing_date: datetime | None = None) -> Article:
    """Extract an article page; raise NoArticle when there is none."""
    rules = rules or SiteRules()
    html, encoding = decode_html(body, content_type) if isinstance(body, bytes) else (scrub(body), "utf-8")
    soup = BeautifulSoup(html, "lxml")
    paths: dict[str, str] = {}
    meta = read_metadata(soup)
    canonical = _canonical(soup, url)

    depth, elements = page_shape(soup)
    if depth > MAX_DEPTH or elements > MAX_ELEMENTS:
        raise NoArticle(f"page too large or too deep to be an article ({elements} elements, {depth} levels)")
    keep = wrappers(soup)
    title, paths["title"], title_tag = find_title(soup, rules.title, rules.origin("title"), meta, keep)
    if not title:
        raise NoArticle("no title found")
    configured_body = first_match(soup, rules.body)
    published, date_source = find_published(
        soup, selectors=rules.date, origin=rules.origin("date"), meta=meta, title_tag=title_tag,
        title=title, container=configured_body, timezone=timezone, listing_date=listing_date)
    prune(soup, protected=[title_tag, configured_body], extra=rules.strip, keep=keep)

    container, paths["body"] = find_body(soup, rules.body, rules.origin("body"), keep)
    if container is None:
        raise NoArticle("no article body found")
    if looks_like_listing(container, soup.body or soup, url):
        raise NoArticle("the page lists articles, it is not one")
    if link_density(container) > MAX_LINK_DENSITY:
        raise NoArticle("the page is mostly links")
    if published is None:
        published = date_in_body(container, title, timezone)
        date_source = "body" if published else None
    paths["date"] = date_source or "none"

    if title_tag is not None and container in title_tag.parents:
        title_tag.decompose()  # the heading is the title, not a line of the body
    author_tag = _author_element(soup, rules.author, container)
    author = clean_text(author_tag.get_text(" ")) if author_tag is not None else None
    if author_tag is not None:
        paths["author"] = rules.origin("author") if rules.author else "generic:author-element"
        author_tag.decompose()
    lead_tag = _lead_element(soup, rules.lead, title_tag)
    lead_blocks: list[Block] = []
    if lead_tag is not None and lead_tag is not container and container not in lead_tag.parents \
            and lead_tag not in container.parents:
        lead_blocks = to_blocks(lead_tag, url)
        paths["summary"] = rules.origin("lead") if rules.lead else "generic:lead-element"

    blocks = drop_chrome(lead_blocks + to_blocks(container, url), title)
    blocks, images = attach_captions(blocks, BeautifulSoup("", "lxml"))
    blocks, byline = take_byline(blocks)
    if author is None or not is_author(author):
        author, paths["author"] = _author(byline, title_tag, title, container, meta)
    lead, blocks = compose(blocks, title)
    paths.setdefault("summary", "generic:first-paragraph" if lead else "none")

    body_html = "\n".join(str(block.node) for block in blocks)
    body_text = "\n".join(block.text for block in blocks if block.text)
    if len(clean_text(body_text)) < MIN_ARTICLE_TEXT or not any(b.kind != "figure" for b in blocks):
        raise NoArticle("article body is empty or only chrome")
    return Article(
        url=url, title=title, body_html=body_html, body_text=body_text, summary=lead,
        published=published, date_source=date_source, author=author, images=images,
        categories=meta.categories, canonical=canonical, encoding=encoding, paths=paths,
    )
