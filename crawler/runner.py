"""Run crawls of configured sources in this process and report what each run did."""

from __future__ import annotations

import gc
import logging
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from core.config import Config
from core.store import CrawlRun, Store
from crawler.pipelines import INTERRUPTED
from crawler.spiders.department import spider_for


def scrapy_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    if overrides:
        settings.update(overrides, priority="cmdline")
    return settings


def crawl(config: Config, source_ids: list[str] | None = None,
          overrides: dict[str, Any] | None = None) -> list[CrawlRun]:
    """Crawl the given sources (all when None) together; return their run records.

    Twisted's reactor cannot be restarted, so this runs once per process: the scheduler
    calls it in a fresh subprocess for every crawl.
    """
    sources = [config.source(i) for i in source_ids] if source_ids else list(config.sources)
    # The spiders are handed over built from the parsed config: no loader may read a config file
    # (the project's loader would read ./deptfeeds.toml, whatever --config said).
    settings = scrapy_settings({"LOG_INSTALL_ROOT_HANDLER": False,
                                "SPIDER_LOADER_CLASS": "scrapy.spiderloader.DummySpiderLoader",
                                **(overrides or {})})
    process = CrawlerProcess(settings)
    # Scrapy resets its loggers to DEBUG; bring them back to the level asked for.
    for name in ("scrapy", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(settings.get("LOG_LEVEL"))
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(spider_for(source, config))
        process.crawl(crawler)
        crawlers.append((source, crawler))
    # What is imported and built by now lives as long as the process: frozen, the cyclic collector
    # no longer walks it at every collection (`deptfeeds crawl` had it off until now; a full
    # collection first cost more CPU than it saved, for some 40,000 start-up objects it frees).
    gc.freeze()
    gc.enable()
    process.start()
    store = Store(config.store_url)
    try:
        runs = []
        for source, crawler in crawlers:
            run_id = getattr(crawler.spider, "run_id", None)
            if run_id is None:
                raise RuntimeError(f"crawl of {source.id!r} did not start; see the log above")
            if store.run(run_id).status == "running":  # stopped hard (a second signal): no close ran
                error = {"url": source.listing[0], "error": f"{INTERRUPTED}: the crawl was stopped at once"}
                store.mark_run(run_id, INTERRUPTED, error)
            runs.append(store.run(run_id))
        return runs
    finally:
        store.close()
