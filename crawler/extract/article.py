"""Extract one article: site rules first, then structured metadata, then the generic path.

The cascade per field: the source's selectors (or its CMS family's), metadata, generic
heuristics; `Article.paths` records which one produced each field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from w3lib.url import canonicalize_url

from crawler.extract.attachments import Attachment, find_attachments, mark_viewers
from crawler.extract.blocks import OUTPUT, Block, block_text, to_blocks
from crawler.extract.body import (
    densest,
    first_match,
    in_teaser,
    known_body,
    link_density,
    teaser_cards,
    trailing_cards,
)
from crawler.extract.byline import labelled_author, take_byline
from crawler.extract.clean import body_of, oversized, prune, wrappers
from crawler.extract.compose import compose, drop_chrome
from crawler.extract.context import PageContext
from crawler.extract.dates import DEFAULT_TZ
from crawler.extract.decode import decode_html
from crawler.extract.figures import Image, attach_captions
from crawler.extract.metadata import Metadata, find_title, is_author, read_metadata
from crawler.extract.nearby import around, short_lines
from crawler.extract.page import (
    Element,
    elements,
    has_descendant,
    holds,
    is_element,
    parse_page,
    remove,
    text_of,
    to_soup,
)
from crawler.extract.published import date_in_body, find_modified, find_published
from crawler.extract.second import agreeing_element, agreement, agrees, peer_text
from crawler.extract.select import Selection
from crawler.extract.text import clean_text, scrub
from crawler.families import GENERIC
from crawler.siterules import SiteRules

__all__ = ["Article", "Attachment", "Image", "NoArticle", "SiteRules", "extract_article", "body_blocks"]

# The generic path's vocabulary is data: the [generic] table of crawler/families.toml.
KNOWN_LEAD_SELECTION = Selection(GENERIC.lead)
AUTHOR_SELECTION = Selection(GENERIC.author)
MIN_ARTICLE_TEXT = 80
MAX_DEPTH = 400  # real pages nest a few dozen levels; the block walker recurses once per level
MAX_ELEMENTS = 100_000  # a department page has a few thousand elements
MAX_LINK_DENSITY = 0.5  # an article's text is mostly prose; a page of links is a menu or a list
MAX_LEAD = 1500
MAX_CAPTION = 300
GUESS_AGREES = 0.6  # Dice with the second opinion at which our density guess stands
GUESS_MARGIN = 0.02  # how much better an element inside the guess must agree to replace it


class NoArticle(Exception):
    """The page holds no recognisable article (a listing, an error page, a changed layout)."""


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
    modified: datetime | None = None  # when the page says it was last edited
    author: str | None = None
    images: list[Image] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)  # the files it attaches, in page order
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


def _lead_element(root: Element, selectors: tuple[str, ...], title_tag: Element | None) -> Element | None:
    """The sapo: the configured lead, or a known lead container printed after the title."""
    if selectors:
        return first_match(root, selectors)
    order = {tag: index for index, tag in enumerate(elements(root))}
    after = order.get(title_tag, -1) if title_tag is not None else -1
    for found in KNOWN_LEAD_SELECTION.select_each(root):
        for tag in found:
            printed = clean_text(text_of(tag))
            if 40 <= len(printed) <= MAX_LEAD and order[tag] > after and tag.tag != "meta":
                return tag
    return None


def _pictures_before(container: Element) -> list[Element]:
    """Blocks of nothing but photos printed just before the body, outside it: the article's own
    picture, which CMSs keep in a field of its own (Joomla's full-text image beside `articleBody`)."""
    found: list[Element] = []
    for sibling in container.itersiblings(preceding=True):
        if not is_element(sibling):
            continue
        if not (sibling.tag == "img" or has_descendant(sibling, ("img",))) or any(
                text.strip() for text in sibling.itertext()):
            break
        found.insert(0, sibling)
    return found


def _author_element(root: Element, selectors: tuple[str, ...], container: Element) -> Element | None:
    tag = first_match(root, selectors)
    if tag is None:
        for candidate in AUTHOR_SELECTION.select(container):
            if clean_text(text_of(candidate)):
                return candidate
    return tag


def _author(byline: str | None, title_tag: Element | None, title: str, container: Element,
            meta: Metadata, keep: frozenset[Element]) -> tuple[str | None, str]:
    """The author when no selector gave one: byline, a labelled line, then metadata."""
    if byline:
        return byline, "generic:byline"
    near = short_lines(title_tag, skip=title, own=around(title_tag, keep)) if title_tag is not None else []
    labelled = labelled_author(near) or labelled_author(short_lines(container, own=around(container, keep)))
    if labelled:
        return labelled, "generic:labelled-byline"
    names = [clean_text(name) for name, _ in meta.authors if is_author(name)]
    return (names[0], "metadata") if names else (None, "none")


def _canonical(root: Element, url: str) -> str | None:
    """The page's own URL as the site spells it: rel=canonical or og:url on the same site, else
    the ASP.NET form action when it names this very page (same parameters, the site's order)."""
    host = urlsplit(url).hostname
    link = next((tag for tag in root.iter("link")
                 if "canonical" in (tag.get("rel") or "").split() and tag.get("href") is not None), None)
    og = next((tag for tag in root.iter("meta")
               if tag.get("property") == "og:url" and tag.get("content") is not None), None)
    for href in (link is not None and link.get("href"), og is not None and og.get("content")):
        target = urljoin(url, str(href or "").strip())
        if href and urlsplit(target).hostname == host:
            return target
    form = next((tag for tag in root.iter("form") if tag.get("action") is not None), None)
    if form is not None and GENERIC.canonical_from_form_action:
        target = urljoin(url, form.get("action").strip())
        if target != url and canonicalize_url(target) == canonicalize_url(url):
            return target
    return None


def extract_article(body: bytes | str, url: str, *, content_type: str | None = None,
                    rules: SiteRules | None = None, timezone: str = DEFAULT_TZ,
                    listing_date: datetime | None = None, listing_title: str = "") -> Article:
    """Extract an article page; raise NoArticle when there is none.

    Title and date are read on the whole page, before chrome is pruned; then the body, and
    from it the author, the lead and the blocks of the entry. The date and link text the
    listing printed for the page are evidence too, the weakest.
    """
    rules = rules or SiteRules()
    html, encoding = decode_html(body, content_type) if isinstance(body, bytes) else (scrub(body), "utf-8")
    page, paths = _read_page(html, url, timezone, listing_date), {}
    page.title, paths["title"], page.title_tag = find_title(page.root, rules.title, rules.origin("title"),
                                                            page.meta, page.keep, listing_title)
    if not page.title:
        raise NoArticle("no title found")
    configured_body = first_match(page.root, rules.body)
    published, date_source = find_published(page, rules.date, rules.origin("date"), configured_body)
    mark_viewers(page.root, page.url)  # the cleaning drops file viewers: markers keep their files
    prune(page.root, protected=[page.title_tag, configured_body], extra=rules.strip, keep=page.keep)
    container, paths["body"] = _article_body(page, rules, html)
    attachments = find_attachments(page.root, container, page.url, page.keep)
    if published is None:
        published = date_in_body(container, page.title, timezone)
        date_source = "body" if published else None
    paths["date"] = date_source or "none"
    if page.title_tag is not None and page.title_tag is not container and holds(container, page.title_tag):
        remove(page.title_tag)  # the heading is the title, not a line of the body
        page.title_tag = None
    author, author_path = _author_element_text(page, rules, container)
    blocks, images, lead_path = _entry_blocks(page, rules, container)
    blocks, byline = take_byline(blocks)
    if author is None or not is_author(author):
        author, author_path = _author(byline, page.title_tag, page.title, container, page.meta, page.keep)
    paths["author"] = author_path
    lead, blocks = compose(blocks, page.title)
    paths["summary"] = lead_path or ("generic:first-paragraph" if lead else "none")

    body_html = "\n".join(str(block.node) for block in blocks)
    body_text = "\n".join(block.text for block in blocks if block.text)
    if len(clean_text(body_text)) < MIN_ARTICLE_TEXT or not any(b.kind != "figure" for b in blocks):
        raise NoArticle("article body is empty or only chrome")
    return Article(
        url=url, title=page.title, body_html=body_html, body_text=body_text, summary=lead,
        published=published, date_source=date_source, modified=find_modified(page, published),
        author=author, images=images, attachments=attachments,
        categories=page.meta.categories, canonical=page.canonical, encoding=encoding,
        paths=paths,
    )


def _read_page(html: str, url: str, timezone: str, listing_date: datetime | None) -> PageContext:
    """The parsed page with its metadata, refused when it is too big or too deep to walk."""
    root = parse_page(html)  # the page's own URL is read before pruning can drop its <form>
    too_big = oversized(root, MAX_DEPTH, MAX_ELEMENTS)
    if too_big:
        raise NoArticle(too_big)
    return PageContext(root, url, read_metadata(root), wrappers(root), timezone, listing_date,
                       canonical=_canonical(root, url))


def _article_body(page: PageContext, rules: SiteRules, html: str) -> tuple[Element, str]:
    """The element holding the article's text, and which rule found it; NoArticle on a listing."""
    container, path = known_body(page.root, rules.body, rules.origin("body"), page.keep)
    if container is None:
        container, path = _unsure_body(page, html)
    if container is None:
        raise NoArticle("no article body found")
    cards = teaser_cards(container, body_of(page.root), page.url)
    if cards is None and path.startswith("generic:") and in_teaser(container, body_of(page.root), page.url):
        # The vocabulary's container was a related story's teaser, not the article's body.
        container, path = _unsure_body(page, html)
        if container is None:
            raise NoArticle("no article body found")
        cards = teaser_cards(container, body_of(page.root), page.url)
    if cards is None:
        raise NoArticle("the page lists articles, it is not one")
    for card in trailing_cards(container, cards):
        remove(card)  # the next and related stories after the article, not its text
    if link_density(container) > MAX_LINK_DENSITY:
        raise NoArticle("the page is mostly links")
    return container, path


def _agreeing(blocks: list[Block], peer: str) -> list[Block]:
    """The blocks the second opinion also kept, photos and the short line under each (a caption)."""
    kept: list[Block] = []
    for index, block in enumerate(blocks):
        after_photo = index > 0 and blocks[index - 1].kind == "figure" and len(block.text) < MAX_CAPTION
        if block.kind in ("ul", "ol", "table"):
            items = [block_text(item) for item in block.node.find_all(["li", "td", "th"])]
            agreed = sum(len(item) for item in items if agrees(item, peer))
            if 2 * agreed >= sum(len(item) for item in items):
                kept.append(block)
        elif block.kind == "figure" or after_photo or agrees(block.text, peer):
            kept.append(block)
    return kept


def _unsure_body(page: PageContext, html: str) -> tuple[Element | None, str]:
    """Where no rule names the body: our density guess, unless a second opinion (second.py)
    outvotes it; then the element agreeing with it, and its text is kept to filter the blocks."""
    guess = densest(page.root, page.keep)
    peer = peer_text(html)
    scores = agreement(body_of(page.root), peer)
    agreed = agreeing_element(scores)
    if agreed is not None and (guess is None or _outvoted(guess, agreed, scores)):
        page.peer = peer
        return agreed, "second-opinion"
    return (guess, "generic:density") if guess is not None else (None, "none")


def _outvoted(guess: Element, agreed: Element, scores: dict[Element, float]) -> bool:
    """The density guess gives way when it holds little of the second opinion's text, or when
    it climbed past the article into a wrapper with chrome (the agreeing element sits inside it
    and agrees better). A guess inside the agreeing element stays: there the second opinion
    also took text around the article (an old layout's menus), and our cleaning is surer."""
    own = scores.get(guess, 0.0)
    return own < GUESS_AGREES or (agreed is not guess and holds(guess, agreed)
                                  and scores[agreed] > own + GUESS_MARGIN)


def _author_element_text(page: PageContext, rules: SiteRules, container: Element) -> tuple[str | None, str]:
    """The author an element names (removed from the page, so it is no body line), if one does."""
    tag = _author_element(page.root, rules.author, container)
    if tag is None:
        return None, "none"
    remove(tag)
    return clean_text(text_of(tag)), rules.origin("author") if rules.author else "generic:author-element"


def _entry_blocks(page: PageContext, rules: SiteRules, container: Element,
                  ) -> tuple[list[Block], list[Image], str | None]:
    """The entry's blocks (the article's own picture, the lead, the body), its images, the lead's rule."""
    lead_tag = _lead_element(page.root, rules.lead, page.title_tag)
    lead_blocks: list[Block] = []
    lead_path = None
    if lead_tag is not None and not holds(container, lead_tag) and not holds(lead_tag, container):
        lead_blocks = to_blocks(to_soup(lead_tag), page.url)
        lead_path = rules.origin("lead") if rules.lead else "generic:lead-element"
    pictures: list[Block] = []
    images: list[Image] = []
    for picture in _pictures_before(container):
        found, shown = attach_captions(to_blocks(to_soup(picture), page.url), OUTPUT)
        pictures += found
        images += shown
    own = to_blocks(to_soup(container), page.url)
    if page.peer:  # a lead found by its rule stays, whatever the second opinion says
        own = _agreeing(own, " ".join(page.peer.split()))
    blocks = drop_chrome(lead_blocks + own, page.title)
    blocks, in_body = attach_captions(blocks, OUTPUT)
    images += [image for image in in_body if image.url not in {shown.url for shown in images}]
    return pictures + blocks, images, lead_path
