"""The generic department spider: listing pages, then the article pages they link to."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import scrapy
from bs4 import BeautifulSoup
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.config import Config, Source
from crawler.extract import NoArticle, extract_article
from crawler.failures import describe
from crawler.families import profile_for
from crawler.items import ArticleItem
from crawler.listing import article_links, next_page

log = logging.getLogger("deptfeeds.crawl")


def crawl_settings(config: Config) -> dict[str, Any]:
    """Scrapy settings that come from the [crawl] table of the config."""
    crawl = config.crawl
    return {
        "USER_AGENT": crawl.user_agent,
        "DOWNLOAD_DELAY": crawl.delay,
        "AUTOTHROTTLE_START_DELAY": max(crawl.delay, 0.1),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DEPTFEEDS_CONFIG": str(config.path),
        "DEPTFEEDS_STORE_URL": config.store_url,
    }


def spider_for(source: Source, config: Config) -> type[DepartmentSpider]:
    """A spider class named after the source, so `scrapy crawl <source-id>` finds it."""
    return type(f"Spider_{source.id}", (DepartmentSpider,), {
        "name": source.id,
        "source": source,
        "allowed_domains": sorted(source.hosts),
        "custom_settings": crawl_settings(config),
    })


class DepartmentSpider(scrapy.Spider):
    name = "department"
    source: Source

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.profile = profile_for(self.source)
        self.failures: list[dict[str, str]] = []
        # The hosts this source may be crawled on; grows when the whole site moves.
        self.hosts: set[str] = set(self.source.hosts)
        self.listing_seen: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.source.listing:
            self.listing_seen.add(url)
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.failed,
                                 cb_kwargs={"page": 1})

    def fail(self, url: str, reason: str) -> None:
        """Remember a failure for the run record and say it in the log, then carry on."""
        self.failures.append({"url": url, "error": reason})
        log.warning("%s: %s: %s", self.source.id, url, reason)

    def failed(self, failure: Failure) -> None:
        """Errback: name the fault (crawler/failures.py) in the run record and the log."""
        request = getattr(failure, "request", None)
        url = (request.meta.get("redirect_urls") or [request.url])[0] if request is not None else "?"
        self.fail(url, describe(failure))

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.fail(response.url, "listing page is not HTML")
            return
        soup = BeautifulSoup(response.text, "lxml")
        links = article_links(soup, response.url, self.hosts,
                              selectors=self.profile.links, patterns=self.profile.article_urls,
                              timezone=self.source.timezone)
        log.info("%s: listing page %d: %d article links (%s)", self.source.id, page, len(links),
                 response.url)
        if not links:
            self.fail(response.url, "listing page has no article links")
        for link in links:
            yield scrapy.Request(link.url, callback=self.parse_article, errback=self.failed,
                                 cb_kwargs={"listing_date": link.date})
        following = next_page(soup, response.url, self.hosts,
                              selectors=self.profile.next_page)
        if following and page < self.source.max_pages and following not in self.listing_seen:
            self.listing_seen.add(following)
            yield scrapy.Request(following, callback=self.parse_listing, errback=self.failed,
                                 cb_kwargs={"page": page + 1})

    def parse_article(self, response: Response,
                      listing_date: datetime | None = None) -> Iterator[ArticleItem]:
        if not isinstance(response, TextResponse):
            content_type = response.headers.get("Content-Type", b"").decode("latin-1")
            self.fail(response.url, f"not an HTML page ({content_type or 'no content type'})")
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            article = extract_article(response.body, response.url, content_type=content_type,
                                      rules=self.profile.extract, timezone=self.source.timezone,
                                      listing_date=listing_date)
        except NoArticle as exc:
            self.fail(response.url, f"no article: {exc}")
            return
        except Exception as exc:  # a page that breaks the parser must not stop the crawl
            log.exception("%s: extraction crashed on %s", self.source.id, response.url)
            self.fail(response.url, f"extraction error: {type(exc).__name__}: {exc}")
            return
        yield ArticleItem(self.source.id, response.request.url, article)
