"""Peer spiders: the pages our crawler fetches, fetched by a plain Scrapy spider.

`FetchSpider` follows the same listing pages and article links (the CSS selectors and article
URL patterns of crawler/families.toml, through parsel; on a source with neither, our generic
link finder) and does nothing with an article; `TrafilaturaSpider`
is the same spider handing each article page to trafilatura's `bare_extraction` with metadata,
which is what a user would write instead of deptfeeds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from bs4 import BeautifulSoup
from scrapy.http import Response

from core.config import Config, Source
from crawler.listing import article_links, next_page
from crawler.profiles import profile_for
from crawler.settings import USER_AGENT
from deptfeeds.cli import LOCAL_CRAWL

# The same politeness (none) and limits as our crawl of the mirror.
PEER_SETTINGS: dict[str, Any] = {
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS": 16,
    **LOCAL_CRAWL,
    "DOWNLOAD_TIMEOUT": 30,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "FEED_EXPORT_ENCODING": "utf-8",
}


def _first(response: Response, selectors: tuple[str, ...]) -> list[str]:
    """hrefs of the first selector that matches anything, as our spider picks them."""
    for selector in selectors:
        hrefs = [h for h in response.css(selector).xpath("@href").getall() if h]
        if hrefs:
            return hrefs
    return []


def _matching(response: Response, patterns: list[re.Pattern[str]]) -> list[str]:
    """Links whose path matches the family's article URL patterns, as a LinkExtractor(allow=...)."""
    found = []
    for href in response.xpath("//a/@href").getall():
        parts = urlsplit(response.urljoin(href))
        path = parts.path + ("?" + parts.query if parts.query else "")
        if any(p.search(path) for p in patterns):
            found.append(href)
    return found


def _generic(response: Response, source: Source) -> tuple[list[str], list[str]]:
    """A site with no selectors at all: its user would have written some; borrow our finder."""
    soup = BeautifulSoup(response.text, "lxml")
    links = [link.url for link in article_links(soup, response.url, source.hosts)]
    following = next_page(soup, response.url, source.hosts)
    return links, [following] if following else []


class FetchSpider(scrapy.Spider):
    """Listing pages, their next pages and their article links; nothing else."""

    name = "peer-fetch"

    def __init__(self, config: Config, **kwargs: Any):
        super().__init__(**kwargs)
        self.sources = config.sources
        self.profiles = {s.id: profile_for(s) for s in config.sources}
        self.patterns = {source: [re.compile(p) for p in profile.article_urls]
                         for source, profile in self.profiles.items()}

    async def start(self) -> Any:
        for source in self.sources:
            for url in source.listing:
                yield scrapy.Request(url, callback=self.parse_listing,
                                     cb_kwargs={"source": source, "page": 1})

    def parse_listing(self, response: Response, source: Source, page: int) -> Iterator[Any]:
        profile = self.profiles[source.id]
        links = _first(response, profile.links) or _matching(response, self.patterns[source.id])
        following = _first(response, (*profile.next_page, "a[rel~=next]"))
        if not profile.links and not profile.article_urls:
            links, following = _generic(response, source)
        for href in links:
            yield response.follow(href, callback=self.parse_article)
        if following and page < source.max_pages:
            yield response.follow(following[0], callback=self.parse_listing,
                                  cb_kwargs={"source": source, "page": page + 1})

    def parse_article(self, response: Response) -> Iterator[Any]:
        return iter(())


class TrafilaturaSpider(FetchSpider):
    """The same spider, extracting every article with trafilatura (text and metadata)."""

    name = "peer-trafilatura"

    def parse_article(self, response: Response) -> Iterator[Any]:
        from trafilatura import bare_extraction

        document = bare_extraction(response.text, url=response.url, with_metadata=True)
        if document is None:
            return
        data = document if isinstance(document, dict) else document.as_dict()
        yield {key: data.get(key) for key in ("url", "title", "date", "author", "text")}
