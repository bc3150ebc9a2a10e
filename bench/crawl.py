"""One crawl of a generated mirror in this process: ours, or one of the peer spiders.

Run by the crawl benchmarks as a child process (a Twisted reactor runs once per process),
with `http_proxy` pointing at the mirror. Prints one JSON line: what was crawled, how long
the crawl itself took (without interpreter start-up) and this process's peak memory.

    python -m bench.crawl ours bench/out/mirror/deptfeeds.toml
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.common import Clock, own_usage
from core.config import load_config


def crawl_ours(config_path: Path) -> dict[str, Any]:
    """`deptfeeds crawl` as the demo runs it: every source in one process, no politeness delay."""
    from crawler.runner import crawl
    from deptfeeds.cli import LOCAL_CRAWL, setup_logging

    setup_logging(0, quiet=True)
    config = load_config(config_path)
    with Clock() as clock:
        runs = crawl(config, None, {**LOCAL_CRAWL, "LOG_LEVEL": "WARNING"})
    counts = {key: sum(getattr(r, key, 0) for r in runs)
              for key in ("pages", "new", "updated", "duplicate", "unchanged", "fetched", "not_modified",
                          "skipped")}
    return {"seconds": clock.wall, "cpu_seconds_crawl": clock.cpu, "sources": len(runs), **counts,
            "errors": sum(len(r.errors) for r in runs),
            "status": sorted({r.status for r in runs})}


def crawl_peer(config_path: Path, spider: str, items_path: Path | None) -> dict[str, Any]:
    """A peer spider over every source of the config, in one Scrapy process."""
    from scrapy.crawler import CrawlerProcess

    from bench.peers.spiders import PEER_SETTINGS, FetchSpider, TrafilaturaSpider

    config = load_config(config_path)
    settings = dict(PEER_SETTINGS)
    if items_path is not None:
        settings["FEEDS"] = {str(items_path): {"format": "jsonlines", "overwrite": True}}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(TrafilaturaSpider if spider == "trafilatura" else FetchSpider)
    process.crawl(crawler, config=config)
    with Clock() as clock:
        process.start()
    stats = crawler.stats.get_stats()
    return {"seconds": clock.wall, "cpu_seconds_crawl": clock.cpu, "sources": len(config.sources),
            "pages": stats.get("downloader/response_count", 0),
            "items": stats.get("item_scraped_count", 0),
            "errors": stats.get("log_count/ERROR", 0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spider", choices=("ours", "fetch", "trafilatura"))
    parser.add_argument("config", type=Path, help="the generated deptfeeds.toml")
    parser.add_argument("--items", type=Path, help="where a peer writes its items (JSON lines)")
    args = parser.parse_args(argv)
    if args.spider == "ours":
        result = crawl_ours(args.config)
    else:
        result = crawl_peer(args.config, args.spider, args.items)
    print(json.dumps({"spider": args.spider, **result, **own_usage()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
