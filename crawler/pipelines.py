"""Store every article and record the crawl run, whatever happened during the crawl."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler.canonical import canonical_url, clean_url, trusted_canonical
from crawler.config import load_config
from crawler.dedup import content_hash
from crawler.items import ArticleItem
from crawler.store import ArticleRecord, Store

log = logging.getLogger("deptfeeds.store")


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        config = load_config(crawler.settings.get("DEPTFEEDS_CONFIG"))
        self.store = Store(crawler.settings.get("DEPTFEEDS_STORE_URL") or config.store_url)
        self.store.sync_sources(config.sources)
        self.counts = {"new": 0, "updated": 0, "duplicate": 0, "unchanged": 0}
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        self.run_id = self.store.start_run(spider.source.id)
        spider.run_id = self.run_id

    def process_item(self, item: ArticleItem, spider: Any = None) -> ArticleItem:
        spider = spider or self.crawler.spider
        article = item.article
        keep = getattr(spider, "keep_params", None)
        preferred = trusted_canonical(article.canonical, article.url, spider.source.listing) or article.url
        url = clean_url(preferred, keep)
        # Rows are found by the canonical forms of every URL that reached them.
        aliases = {canonical_url(u, keep) for u in (preferred, item.requested_url, article.url)} - {url}
        record = ArticleRecord(
            source_id=item.source_id, url=url, title=article.title, summary=article.summary,
            body_html=article.body_html, body_text=article.body_text, author=article.author,
            image_url=article.images[0].url if article.images else None,
            categories=article.categories, published=article.published,
            date_source=article.date_source, extraction=article.paths,
            content_hash=content_hash(article.title, article.body_text), aliases=sorted(aliases),
        )
        outcome = self.store.save_article(record)
        self.counts[outcome] += 1
        self.crawler.stats.inc_value(f"deptfeeds/{outcome}")
        log.debug("%s: %s %s", item.source_id, outcome, url)
        return item

    def close_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        stats = self.crawler.stats
        pages = stats.get_value("downloader/response_count", 0)
        articles = {name: stats.get_value(f"deptfeeds/articles_{name}", 0)
                    for name in ("fetched", "not_modified", "skipped")}
        failures = list(getattr(spider, "failures", []))
        # A run that read no listing page (dead site, changed layout) failed, whatever else
        # answered (robots.txt, retries); one that lost only some pages is partial.
        if not failures:
            status = "ok"
        elif stats.get_value("deptfeeds/listing_pages_read", 0):
            status = "partial"
        else:
            status = "failed"
        if self.run_id is not None:
            self.store.finish_run(self.run_id, status, {"pages": pages, **self.counts, **articles},
                                  failures, list(getattr(spider, "recovered", [])))
        log.info("%s: %d article pages fetched (%d not modified), %d known ones skipped",
                 spider.source.id, articles["fetched"], articles["not_modified"], articles["skipped"])
        self.store.close()
