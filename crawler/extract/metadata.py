"""Structured metadata (JSON-LD, OpenGraph, Dublin Core, RDFa, microdata) and the title.

Metadata is the most trustworthy source of a date, but a title in metadata often carries
the site's name; the visible heading that matches it is the title a reader sees.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from crawler.extract.clean import chrome_rule, in_chrome
from crawler.extract.page import Element, elements, has_descendant, marks, select, text_of
from crawler.extract.rules import PAGE_TYPE, SECTION_NAME
from crawler.extract.text import clean_text

ARTICLE_TYPES = {"NewsArticle", "Article", "BlogPosting", "Report", "WebPage", "ReportageNewsArticle"}
DATE_META = ["article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate",
             "publish-date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created",
             "dc.date.created", "date"]
MODIFIED_META = ["article:modified_time", "og:updated_time", "dateModified", "last-modified",
                 "dcterms.modified", "dc.date.modified"]
TITLE_META = ["og:title", "twitter:title", "dc.title", "dcterms.title"]
DESCRIPTION_META = ["og:description", "description", "twitter:description", "dc.description"]
AUTHOR_META = ["author", "article:author", "dc.creator", "dcterms.creator"]
NOT_AUTHORS = re.compile(r"^(admin\w*|administrator|quản trị(?: viên| hệ thống)?|quantri\w*|webmaster|root"
                         r"|editor|bientap\w*|biên tập viên|btv|user\d*|ban biên tập)$", re.I)
SITE_WORDS = re.compile(r"\b(sở|cổng|trang|website|portal|gov|ubnd|khcn|kh&cn)\b", re.I)


@dataclass
class Metadata:
    """What the page says about itself in tags meant for machines."""

    titles: list[tuple[str, str]] = field(default_factory=list)  # (text, where)
    dates: list[tuple[str, str]] = field(default_factory=list)
    modified: list[tuple[str, str]] = field(default_factory=list)  # when the page says it was edited
    authors: list[tuple[str, str]] = field(default_factory=list)
    description: str = ""
    site_name: str = ""
    page_title: str = ""
    categories: list[str] = field(default_factory=list)


def is_author(name: str) -> bool:
    """A person or unit, not a CMS account such as "admin"."""
    name = clean_text(name)
    return bool(name) and not NOT_AUTHORS.match(name) and len(name) <= 120


JSON_LD = re.compile("ld\\+json", re.I)


def _json_ld(root: Element, meta: Metadata) -> None:
    for script in root.iter("script"):
        if not JSON_LD.search(script.get("type") or ""):
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        if isinstance(data, dict):
            data = data.get("@graph", [data])
        items = data if isinstance(data, list) else []
        for item in items:
            kinds = item.get("@type") if isinstance(item, dict) else None
            kinds = set(kinds) if isinstance(kinds, list) else {kinds}
            if not kinds & ARTICLE_TYPES:
                continue
            if isinstance(item.get("datePublished"), str):
                meta.dates.append((item["datePublished"], "json-ld"))
            if isinstance(item.get("dateModified"), str):
                meta.modified.append((item["dateModified"], "json-ld"))
            if isinstance(item.get("headline"), str):
                meta.titles.append((item["headline"], "json-ld"))
            authors = item.get("author")
            for author in authors if isinstance(authors, list) else [authors]:
                name = author.get("name") if isinstance(author, dict) else author
                if isinstance(name, str):
                    meta.authors.append((name, "json-ld"))


def _meta_tags(root: Element) -> dict[str, list[str]]:
    """Every <meta> content by its lower-cased name, property or itemprop, in page order."""
    found: dict[str, list[str]] = {}
    for tag in root.iter("meta"):
        content = clean_text(tag.get("content") or "")
        for key in ("property", "name", "itemprop"):
            if tag.get(key) and content:
                found.setdefault(tag.get(key).lower(), []).append(content)
    return found


def _pick(tags: dict[str, list[str]], names: list[str]) -> list[str]:
    return [value for name in names for value in tags.get(name.lower(), [])]


def _marked(root: Element, meta: Metadata) -> None:
    """RDFa (Drupal's `property="dc:date"`) and microdata (`itemprop="datePublished"`) in the page."""
    for tag in root.xpath("descendant-or-self::*[@property]"):
        names = tag.get("property").split()
        if tag.tag == "meta" or not tag.get("content"):
            continue
        if any(name in ("dc:date", "dc:created", "dc:issued") for name in names):
            meta.dates.append((tag.get("content"), "rdfa"))
        if "dc:title" in names:
            meta.titles.append((clean_text(tag.get("content")), "rdfa"))
    for tag in root.xpath("descendant-or-self::*[@itemprop]"):
        if tag.tag == "meta":
            continue
        if tag.get("itemprop") in ("datePublished", "dateCreated"):
            value = tag.get("content") or tag.get("datetime") or text_of(tag)
            meta.dates.append((value, "microdata"))
        elif tag.get("itemprop") == "dateModified":
            meta.modified.append((tag.get("content") or tag.get("datetime") or text_of(tag), "microdata"))
        elif tag.get("itemprop") == "author":
            name = next((d for d in tag.iterdescendants() if d.get("itemprop") == "name"), None)
            meta.authors.append((clean_text(text_of(tag if name is None else name)), "microdata"))


def _title_tag_text(root: Element) -> str:
    """The <title> text (BeautifulSoup's `soup.title.string`: nothing when it holds markup)."""
    title = next(root.iter("title"), None)
    return (title.text or "") if title is not None and len(title) == 0 else ""


def read_metadata(root: Element) -> Metadata:
    """Collect titles, dates, authors and the description the page declares about itself."""
    meta = Metadata()
    _json_ld(root, meta)
    tags = _meta_tags(root)
    meta.titles += [(value, "meta") for value in _pick(tags, TITLE_META)]
    meta.dates += [(value, "meta") for value in _pick(tags, DATE_META)]
    meta.modified += [(value, "meta") for value in _pick(tags, MODIFIED_META)]
    _marked(root, meta)
    descriptions = _pick(tags, DESCRIPTION_META)
    meta.description = descriptions[0] if descriptions else ""
    names = _pick(tags, ["og:site_name", "application-name"])
    meta.site_name = names[0] if names else ""
    if _title_tag_text(root):
        meta.page_title = clean_text(_title_tag_text(root))
    meta.categories = _pick(tags, ["article:section"])
    site = f"{meta.page_title} {meta.site_name}".casefold()
    meta.authors += [(value, "meta") for value in _pick(tags, AUTHOR_META) if value.casefold() not in site]
    return meta


def strip_site_name(title: str, site_name: str = "") -> str:
    """`Article title | Sở KH&CN tỉnh X` → `Article title`."""
    title = clean_text(title)
    if site_name and title.endswith(site_name) and len(title) > len(site_name) + 5:
        return title[: -len(site_name)].rstrip(" |–—:-»")
    if " | " in title:
        return max(title.split(" | "), key=len).strip()
    head, _, tail = title.rpartition(" - ")
    if head and SITE_WORDS.search(tail) and not SITE_WORDS.search(head):
        return head.strip()
    head, _, tail = title.partition(" - ")
    if tail and SITE_WORDS.search(head) and not SITE_WORDS.search(tail):
        return tail.strip()
    return title


TITLE_MARKS = re.compile(r"title|tieude|tieu-de|headline|(?:article|news|post|entry)[-_]?header", re.I)
NOT_IN_HEADINGS = ("p", "div", "table", "ul", "ol", "li")  # a heading holds none of these
NOT_HEADINGS = ("title", "meta", "a", "html", "body", "ul", "ol", "li", "dl", "menu")
# Where a heading sits, best first: in the page's content; in a block marked as a header
# (Liferay's `taglib-header`, Bootstrap's `page-header` wrap the article's own title), a
# footer or a sidebar; in an item of a list (other articles' titles in "Các tin khác", "Tin mới").
IN_CONTENT, IN_CHROME, IN_LIST = 0, 1, 2


def _place(tag: Element, keep: frozenset[Element]) -> int:
    if any(parent.tag == "li" for parent in tag.iterancestors()):
        return IN_LIST
    return IN_CHROME if in_chrome(tag, keep) else IN_CONTENT


def names_the_page(text: str) -> bool:
    """A page-type or section heading ("Chi tiết tin", "Tin tức - Sự kiện", "News"): never a title."""
    line = clean_text(text).strip(" :|»›>-–—")
    return bool(PAGE_TYPE.fullmatch(line) or SECTION_NAME.fullmatch(line))


TITLE_PARTS = re.compile(r"\s+(?:\||-|–|—|::|»)\s+")


def _declares_the_page(title: str) -> bool:
    """A declared title that is a page-type name, alone or beside the site's ("Chi tiết tin | Sở X")."""
    parts = TITLE_PARTS.split(clean_text(title))
    return names_the_page(title) or any(PAGE_TYPE.fullmatch(part) for part in parts)


def _headings(root: Element) -> list[tuple[str, Element]]:
    """Every element that may print the title: h1-h3 or an element marked as a title."""
    headings = []
    for tag in elements(root):
        if tag.tag not in ("h1", "h2", "h3") and not TITLE_MARKS.search(marks(tag)):
            continue
        if tag.tag in NOT_HEADINGS or has_descendant(tag, NOT_IN_HEADINGS):
            continue
        printed = clean_text(text_of(tag))
        if 10 <= len(printed) <= 400 and not names_the_page(printed):
            headings.append((printed, tag))
    return headings


def _matching(headings: list[tuple[str, Element]], declared: list[str],
              keep: frozenset[Element]) -> tuple[str, Element] | None:
    """The heading that prints a declared title, best placed first.

    The declared title is evidence enough to take a heading from a block marked as chrome, but
    a heading in the content wins, and one in a list of other articles comes last; then the
    order of trust of the declared titles, then the page's order. A heading that prints only
    the start or the end of one ("Title - Section - Site") must be the longest such, and not a
    line of chrome: the site's name in the banner is the end of it too.
    """
    wanted = [clean_text(text).casefold() for text in declared]
    exact, partial = [], []
    for order, (text, tag) in enumerate(headings):
        folded = text.casefold()
        if folded in wanted:
            exact.append((_place(tag, keep), wanted.index(folded), order))
            continue
        if len(text) < 20:
            continue
        ends = [index for index, title in enumerate(wanted)  # or one cut short ("Title of the…")
                if title.startswith(folded) or title.endswith(folded)
                or (len(title) >= 20 and folded.startswith(title))]
        if ends and chrome_rule(text) is None:
            partial.append((_place(tag, keep), ends[0], -len(text), order))
    best = min(exact or partial, default=None)
    return headings[best[-1]] if best else None


def find_title(root: Element, selectors: tuple[str, ...], origin: str, meta: Metadata,
               keep: frozenset[Element] = frozenset(), listed: str = "") -> tuple[str, str, Element | None]:
    """The article's heading as printed: site selectors, else the heading matching the metadata
    (or, last, the listing's link text), never a heading that names the page ("Chi tiết tin")."""
    listed = clean_text(listed).rstrip(" .…")
    for selector in selectors:
        for tag in select(root, selector):
            printed = clean_text(text_of(tag))
            if printed and not names_the_page(printed):
                return printed, origin, tag
    declared = [clean_text(text) for text, _ in meta.titles if clean_text(text)]
    if meta.page_title:
        declared.append(strip_site_name(meta.page_title, meta.site_name))
        declared.append(meta.page_title)
    declared = [text for text in declared if not _declares_the_page(text)]
    if len(listed) >= 20 and not names_the_page(listed):
        declared.append(listed)
    headings = _headings(root)
    found = _matching(headings, declared, keep)
    if found is not None:
        return found[0], "generic:heading", found[1]
    for text, tag in headings:
        if tag.tag == "h1" and len(text) >= 20 and _place(tag, keep) == IN_CONTENT:
            return text, "generic:h1", tag
    for text, where in meta.titles:
        if clean_text(text) and not _declares_the_page(text):
            return strip_site_name(clean_text(text), meta.site_name), "generic:" + where, None
    for text, tag in headings:
        if (len(text) >= 20 and len(text.split()) >= 4 and chrome_rule(text) is None
                and _place(tag, keep) == IN_CONTENT):
            return text, "generic:title-element", tag
    if len(listed.split()) >= 4 and not names_the_page(listed):
        return listed, "generic:listing", None
    if meta.page_title and not _declares_the_page(meta.page_title):
        return strip_site_name(meta.page_title, meta.site_name), "generic:title-tag", None
    return "", "none", None
