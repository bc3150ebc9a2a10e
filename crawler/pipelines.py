"""Store every article and record the crawl run, whatever happened during the crawl."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy.exc import DBAPIError

from core.store import ArticleRecord
from crawler.shared_store import open_store, release_store
from crawler.storage import is_fatal, say_once, stop_crawl

log = logging.getLogger("deptfeeds.store")


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        # The parsed config travels on the spider class (crawler.spiders.department.spider_for).
        config = crawler.spidercls.config
        self.store_url = config.store_url
        self.store = open_store(config.store_url)
        # Its own row only: a batch of a hundred spiders would otherwise each write every source's.
        self.store.sync_sources([crawler.spidercls.source])
        self.configured = {s.id for s in config.sources}  # a renamed source takes its articles over
        self.counts = {"new": 0, "updated": 0, "duplicate": 0, "unchanged": 0}
        self.run_id: int | None = None
        # The run is recorded once the spider has closed, when the reason is known.
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        self.run_id = self.store.start_run(spider.source.id)
        spider.run_id = self.run_id

    def process_item(self, item: ArticleRecord, spider: Any = None) -> ArticleRecord:
        if getattr(spider or self.crawler.spider, "storage_failure", None):
            return item  # the crawl is stopping: the disk under the store cannot take it
        try:
            outcome = self.store.save_article(item, self.configured)
        except (DBAPIError, OSError) as exc:
            if not is_fatal(exc):
                raise
            stop_crawl(self.crawler, exc, self.store_url)
            return item
        self.counts[outcome] += 1
        self.crawler.stats.inc_value(f"deptfeeds/{outcome}")
        log.debug("%s: %s %s", item.source_id, outcome, item.url)
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = self.crawler.stats
        # Pages, not the HEAD answers about attached files (crawler/files.py).
        pages = (stats.get_value("downloader/response_count", 0)
                 - stats.get_value("deptfeeds/files_answered", 0))
        articles = {name: stats.get_value(f"deptfeeds/articles_{name}", 0)
                    for name in ("fetched", "not_modified", "skipped")}
        failures = list(getattr(spider, "failures", []))
        status = run_status(reason, failures, stats.get_value("deptfeeds/listing_pages_read", 0))
        if getattr(spider, "storage_failure", None):
            status = "failed"
            failures.append({"url": spider.source.listing[0], "error": f"storage: {spider.storage_failure}"})
        elif status == "interrupted":
            failures.append({"url": spider.source.listing[0], "error": f"{INTERRUPTED}: {reason}"})
            log.warning("%s: crawl interrupted (%s) after %d new articles; the next run crawls what this "
                        "one did not finish", spider.source.id, reason, self.counts["new"])
        try:
            if self.run_id is not None:
                self.store.finish_run(self.run_id, status, {"pages": pages, **self.counts, **articles},
                                      failures, list(getattr(spider, "recovered", [])))
            if self.run_id is not None and status == "ok":  # only a clean run vouches for its pages
                self.store.save_listing_marks(spider.source.id, spider.listing_marks(self.run_id))
        except (DBAPIError, OSError) as exc:
            if not is_fatal(exc):
                raise
            say_once("could not record run %s of %s as %s either (%s); `deptfeeds status` shows it "
                     "as failed", self.run_id, spider.source.id, status, type(exc).__name__)
        log.info("%s: %d article pages fetched (%d not modified), %d known ones skipped",
                 spider.source.id, articles["fetched"], articles["not_modified"], articles["skipped"])
        release_store(self.store)


INTERRUPTED = "interrupted"


def run_status(reason: str, failures: list[dict[str, str]], listing_pages_read: int) -> str:
    """How a run ended, from Scrapy's close reason and the faults met.

    A crawl stopped before its end ("shutdown" on SIGTERM or Ctrl-C, a close extension) was
    interrupted, whatever it stored; a run that read no listing page (dead site, changed
    layout) failed, whatever else answered (robots.txt, retries); one that lost only some
    pages is partial.
    """
    if reason != "finished":
        return INTERRUPTED
    if not failures:
        return "ok"
    return "partial" if listing_pages_read else "failed"
