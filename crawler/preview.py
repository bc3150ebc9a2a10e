"""Read a listing page and a few of its articles as a crawl would, storing nothing.

`deptfeeds preview` and `deptfeeds discover` show with it what a source would give before it
is added or after its selectors were edited: the same listing reader, profile and extractor as
a crawl, through a small polite fetcher (robots.txt, the crawl's user agent, http_proxy from the
environment) instead of Scrapy, because a handful of pages needs no reactor and no store.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from core.config import Source
from crawler.extract.article import NoArticle, extract_article
from crawler.extract.clean import chrome_rule
from crawler.extract.decode import decode_html
from crawler.listing import article_links, next_page, next_postback
from crawler.profiles import profile_for

TIMEOUT = 20.0
MAX_BYTES = 5_000_000


class FetchError(Exception):
    """A page that could not be had; the message says which and why."""


@dataclass
class Page:
    url: str  # after redirects
    html: str
    content_type: str


class Fetcher:
    """GET pages one at a time, asking each host's robots.txt first."""

    def __init__(self, user_agent: str, timeout: float = TIMEOUT):
        self.user_agent, self.timeout = user_agent, timeout
        self.robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.opener = urllib.request.build_opener()  # http_proxy from the environment, as crawls use

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self.robots:
            rules = urllib.robotparser.RobotFileParser()
            try:
                rules.parse(self._get(root + "/robots.txt").decode("utf-8", "replace").splitlines())
            except FetchError:
                rules.parse([])  # no robots.txt: everything is allowed
            self.robots[root] = rules
        return self.robots[root].can_fetch(self.user_agent, url)

    def _get(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self.opener.open(request, timeout=self.timeout) as reply:
                return reply.read(MAX_BYTES)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise FetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None

    def page(self, url: str) -> Page:
        if not self._allowed(url):
            raise FetchError(f"{url}: robots.txt disallows it")
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self.opener.open(request, timeout=self.timeout) as reply:
                body, ctype, final = reply.read(MAX_BYTES), reply.headers.get("Content-Type", ""), reply.url
        except urllib.error.HTTPError as exc:
            raise FetchError(f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise FetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None
        html, _ = decode_html(body, ctype or None)
        return Page(final, html, ctype)


@dataclass
class ArticlePreview:
    url: str
    title: str = ""
    published: str = ""
    author: str = ""
    body_chars: int = 0
    images: int = 0
    attachments: int = 0
    chrome: list[str] = field(default_factory=list)  # lines of the text a noise rule would remove
    error: str = ""


@dataclass
class ListingPreview:
    url: str
    family: str
    links: int = 0
    next_page: str = ""
    articles: list[ArticlePreview] = field(default_factory=list)
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.links > 0 and any(not a.error for a in self.articles)


def preview(fetcher: Fetcher, source: Source, articles: int = 3) -> ListingPreview:
    """The source's first listing page and its first `articles` articles, read and extracted."""
    profile = profile_for(source)
    url = source.listing[0]
    result = ListingPreview(url, source.family or "generic")
    try:
        page = fetcher.page(url)
    except FetchError as exc:
        result.error = str(exc)
        return result
    soup = BeautifulSoup(page.html, "lxml")
    links = article_links(soup, page.url, source.hosts, selectors=profile.links,
                          patterns=profile.article_urls, timezone=source.timezone)
    result.links = len(links)
    following = next_page(soup, page.url, source.hosts, selectors=profile.next_page)
    postback = None if following else next_postback(soup, page.url, selectors=profile.next_page)
    result.next_page = following or (f"form postback {postback.argument}" if postback else "")
    for link in links[:articles]:
        result.articles.append(_article(fetcher, source, profile, link.url, link.text, link.date))
    return result


def _article(fetcher: Fetcher, source: Source, profile, url: str, text: str, date) -> ArticlePreview:
    shown = ArticlePreview(url)
    try:
        page = fetcher.page(url)
        article = extract_article(page.html, page.url, content_type=page.content_type, rules=profile.extract,
                                  timezone=source.timezone, listing_date=date, listing_title=text)
    except (FetchError, NoArticle) as exc:
        shown.error = str(exc)
        return shown
    shown.title, shown.author = article.title, article.author or ""
    shown.published = article.published.isoformat() if article.published else ""
    shown.body_chars, shown.images = len(article.body_text), len(article.images)
    shown.attachments = len(article.attachments)
    shown.chrome = [line for line in article.body_text.splitlines() if chrome_rule(line) is not None]
    return shown
