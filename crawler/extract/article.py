"""Extract one article: site selectors first, then structured metadata, then generic rules."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from crawler.extract.dates import DEFAULT_TZ, find_dates, parse_date
from crawler.extract.decode import decode_html
from crawler.extract.rules import RULES
from crawler.extract.text import clean_text


class NoArticle(Exception):
    """The page holds no recognisable article (a listing, an error page, a changed layout)."""


@dataclass(frozen=True)
class SiteRules:
    """Ordered CSS fallbacks per field, from the source's selectors and its family profile."""

    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    strip: tuple[str, ...] = ()
    origins: dict[str, str] = field(default_factory=dict)

    def origin(self, name: str) -> str:
        """Which configuration supplied the selectors for a field ("selector", "family:x")."""
        return self.origins.get(name, "selector")


@dataclass
class Image:
    url: str
    caption: str = ""


@dataclass
class Article:
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
        soup = BeautifulSoup(self.body_html, "lxml")
        blocks = [clean_text(t.get_text(" ")) for t in soup.find_all(BLOCKS)
                  if not t.find(BLOCKS) and not t.find_parent("figure")]
        blocks = [b for b in blocks if b]
        if blocks and self.summary and blocks[0] == self.summary:
            blocks = blocks[1:]
        return blocks


BLOCKS = ["p", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "blockquote", "pre", "div"]
KEEP_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "thead", "tbody",
             "tr", "td", "th", "figure", "figcaption", "img", "a", "strong", "em", "b", "i",
             "br", "blockquote", "sub", "sup"}
GENERIC_BODY = ["[itemprop=articleBody]", ".field-name-body", "#news-bodyhtml", ".bodytext",
                ".entry-content", ".news-content", ".news-detail .content", ".ms-rtestate-field",
                "article", ".content-detail", ".detail-content", "#content"]
CAPTION = re.compile(r"^\(?\s*ảnh\s*:", re.I)
NOT_AUTHORS = {"admin", "administrator", "quản trị", "quantri", "webmaster"}


def extract_article(body: bytes | str, url: str, *, content_type: str | None = None,
                    rules: SiteRules | None = None, timezone: str = DEFAULT_TZ,
                    listing_date: datetime | None = None) -> Article:
    """Extract an article page; raise NoArticle when there is none."""
    rules = rules or SiteRules()
    if isinstance(body, bytes):
        html, encoding = decode_html(body, content_type)
    else:
        html, encoding = body, "utf-8"
    soup = BeautifulSoup(html, "lxml")
    paths: dict[str, str] = {}

    meta = _metadata(soup)
    title, paths["title"] = _title(soup, rules, meta)
    if not title:
        raise NoArticle("no title found")

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for selector in rules.strip:
        for tag in soup.select(selector):
            tag.decompose()

    container, paths["body"] = _body(soup, rules)
    if container is None:
        raise NoArticle("no article body found")

    published, date_source = _date(soup, container, rules, meta, timezone, listing_date)
    paths["date"] = date_source or "none"

    _clean(container)
    _absolutise(container, url)
    _drop_title_copy(container, title)
    author, paths["author"] = _author(soup, container, rules, meta)
    images = _figures(container, soup)
    lead = _lead(container, meta)
    body_html = _simplify(container)
    body_text = clean_text(BeautifulSoup(body_html, "lxml").get_text(" "))
    if len(body_text) < 40:
        raise NoArticle("article body is empty")
    return Article(
        url=url, title=title, body_html=body_html, body_text=body_text, summary=lead,
        published=published, date_source=date_source, author=author, images=images,
        categories=meta.get("categories", []), canonical=_canonical(soup, url),
        encoding=encoding, paths=paths,
    )


def _metadata(soup: BeautifulSoup) -> dict:
    """JSON-LD and meta tags, which are the most trustworthy source of title and date."""
    meta: dict = {}
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else data.get("@graph", [data]):
            if isinstance(item, dict) and item.get("@type") in ("NewsArticle", "Article", "BlogPosting"):
                meta.setdefault("date", item.get("datePublished"))
                meta.setdefault("title", item.get("headline"))
                author = item.get("author")
                if isinstance(author, dict):
                    meta.setdefault("author", author.get("name"))
    for key, names in {"date": ["article:published_time", "pubdate", "date", "dc.date"],
                       "title": ["og:title"], "description": ["og:description", "description"],
                       "author": ["author", "article:author"]}.items():
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
            if tag and tag.get("content") and not meta.get(key):
                meta[key] = tag["content"]
    meta["categories"] = [clean_text(t["content"]) for t in soup.find_all("meta", property="article:section") if t.get("content")]
    return meta


def _first(soup: Tag, selectors: tuple[str, ...]) -> Tag | None:
    for selector in selectors:
        found = soup.select_one(selector)
        if found is not None and clean_text(found.get_text(" ")):
            return found
    return None


def _title(soup: BeautifulSoup, rules: SiteRules, meta: dict) -> tuple[str, str]:
    tag = _first(soup, rules.title)
    if tag is not None:
        return clean_text(tag.get_text(" ")), rules.origin("title")
    for h1 in soup.find_all("h1"):
        text = clean_text(h1.get_text(" "))
        if len(text) > 15:
            return text, "generic:h1"
    if meta.get("title"):
        return clean_text(meta["title"]), "metadata"
    if soup.title and soup.title.string:
        return clean_text(re.split(r"\s[|–-]\s", soup.title.string)[0]), "generic:title-tag"
    return "", "none"


def _body(soup: BeautifulSoup, rules: SiteRules) -> tuple[Tag | None, str]:
    tag = _first(soup, rules.body)
    if tag is not None:
        return tag, rules.origin("body")
    for selector in GENERIC_BODY:
        tag = soup.select_one(selector)
        if tag is not None and len(clean_text(tag.get_text(" "))) > 200:
            return tag, "generic:" + selector
    best, best_score = None, 0.0
    for candidate in soup.find_all(["div", "td", "section", "article"]):
        paragraphs = candidate.find_all("p", recursive=False)
        text = sum(len(clean_text(p.get_text(" "))) for p in paragraphs)
        links = sum(len(a.get_text(strip=True)) for p in paragraphs for a in p.find_all("a"))
        score = text - 2 * links
        if score > best_score:
            best, best_score = candidate, score
    return (best, "generic:density") if best is not None and best_score > 200 else (None, "none")


def _date(soup: BeautifulSoup, container: Tag, rules: SiteRules, meta: dict, timezone: str,
          listing_date: datetime | None) -> tuple[datetime | None, str | None]:
    if meta.get("date"):
        found = parse_date(meta["date"], timezone)
        if found:
            return found, "metadata"
    tag = _first(soup, rules.date)
    if tag is not None:
        found = parse_date(clean_text(tag.get_text(" ")), timezone)
        if found:
            return found, rules.origin("date")
    time_tag = soup.find("time", datetime=True)
    if time_tag is not None:
        found = parse_date(time_tag["datetime"], timezone)
        if found:
            return found, "time"
    heading = soup.find("h1")
    if heading is not None:
        for element in heading.find_all_next(string=True, limit=40):
            if container in getattr(element, "parents", ()):
                break
            found = parse_date(clean_text(str(element)), timezone)
            if found:
                return found, "dateline"
    if listing_date is not None:
        return listing_date, "listing"
    dates = find_dates(clean_text(container.get_text(" ")), timezone)
    return (dates[0], "body") if dates else (None, None)


def _clean(container: Tag) -> None:
    for rule in RULES:
        if rule.selector:
            for tag in container.select(rule.selector):
                if container not in tag.parents:
                    continue
                tag.decompose()
    for tag in container.find_all(["p", "div", "span", "td", "li", "h2", "h3", "h4", "strong", "a"]):
        if tag.decomposed or tag.find("img"):
            continue
        text = clean_text(tag.get_text(" "))
        if not text:
            tag.decompose()
            continue
        if len(text) > 160:
            continue
        for rule in RULES:
            if rule.text is not None and rule.text.fullmatch(text):
                tag.decompose()
                break
    for img in container.find_all("img"):
        alt = img.get("alt", "")
        if re.match(r"\s*(description:\s*)?[a-z]:\\", alt, re.I):
            img["alt"] = ""


def _absolutise(container: Tag, url: str) -> None:
    for img in container.find_all("img"):
        source = img.get("data-src") or img.get("data-original") or img.get("data-lazy-src") or img.get("src")
        if source:
            img["src"] = urljoin(url, source.strip())
    for a in container.find_all("a", href=True):
        a["href"] = urljoin(url, a["href"].strip())


def _drop_title_copy(container: Tag, title: str) -> None:
    for tag in container.find_all(["h1", "h2", "h3", "p", "strong"], limit=3):
        if clean_text(tag.get_text(" ")) == title:
            tag.decompose()
            return


def _author(soup: BeautifulSoup, container: Tag, rules: SiteRules, meta: dict) -> tuple[str | None, str]:
    tag = _first(soup, rules.author)
    if tag is not None:
        name = clean_text(tag.get_text(" "))
        tag.decompose()
        if name.lower() not in NOT_AUTHORS:
            return name, rules.origin("author")
    blocks = [b for b in container.find_all(["p", "div"]) if not b.find(["p", "div"]) and clean_text(b.get_text(" "))]
    tail: list[Tag] = []
    for block in reversed(blocks[-2:]):
        text = clean_text(block.get_text(" "))
        if len(text) > 60 or text.endswith((".", "./.", ":", ";")) or CAPTION.match(text):
            break
        tail.insert(0, block)
    if tail:
        name = " - ".join(clean_text(b.get_text(" ")) for b in tail)
        for block in tail:
            block.decompose()
        return name, "generic:byline"
    if meta.get("author") and meta["author"].lower() not in NOT_AUTHORS:
        return clean_text(meta["author"]), "metadata"
    return None, "none"


def _figures(container: Tag, soup: BeautifulSoup) -> list[Image]:
    images = []
    for img in container.find_all("img"):
        src = img.get("src", "")
        if not src or urlsplit(src).scheme not in ("http", "https"):
            img.decompose()
            continue
        block = img
        while block.parent is not None and block.parent is not container and len(clean_text(block.parent.get_text(" "))) == 0:
            block = block.parent
        caption = ""
        following = block.find_next_sibling()
        if following is not None:
            text = clean_text(following.get_text(" "))
            if text and (CAPTION.match(text) or following.find(["em", "i"]) or "center" in str(following.get("style", ""))) and len(text) < 300:
                caption = text
                following.decompose()
        figure = soup.new_tag("figure")
        new_img = soup.new_tag("img", src=src, alt=caption or "")
        figure.append(new_img)
        if caption:
            figcaption = soup.new_tag("figcaption")
            figcaption.string = caption
            figure.append(figcaption)
        block.replace_with(figure)
        images.append(Image(src, caption))
    return images


def _lead(container: Tag, meta: dict) -> str:
    blocks = [b for b in container.find_all(["p", "div", "h2"]) if not b.find(["p", "div"]) and not b.find_parent("figure")]
    texts = [(b, clean_text(b.get_text(" "))) for b in blocks]
    texts = [(b, t) for b, t in texts if t]
    if not texts:
        return ""
    lead_tag, lead = texts[0]
    if len(texts) > 1 and texts[1][1] == lead:
        texts[1][0].decompose()
    return lead


def _simplify(container: Tag) -> str:
    """Keep only content tags, so site classes, styles and layout never reach a feed."""
    for tag in list(container.find_all(True)):
        if tag.decomposed:
            continue
        if tag.name not in KEEP_TAGS:
            if tag.name in ("div", "section", "article", "span", "font", "center", "o:p"):
                tag.unwrap()
            else:
                tag.unwrap()
            continue
        keep = {"href"} if tag.name == "a" else {"src", "alt"} if tag.name == "img" else {"colspan", "rowspan"} if tag.name in ("td", "th") else set()
        tag.attrs = {k: v for k, v in tag.attrs.items() if k in keep}
    for text in container.find_all(string=True):
        if isinstance(text, NavigableString) and not isinstance(text, Comment):
            text.replace_with(re.sub(r"[\s\xa0]+", " ", str(text)))
    html = "".join(str(child) for child in container.children)
    return re.sub(r"\s*\n\s*", "\n", html).strip()


def _canonical(soup: BeautifulSoup, url: str) -> str | None:
    link = soup.find("link", rel="canonical", href=True)
    if link is None:
        return None
    target = urljoin(url, link["href"])
    return target if urlsplit(target).hostname == urlsplit(url).hostname else None
