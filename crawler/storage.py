"""When the disk under the store fails (full, read-only): one message, the crawl stopped, its run failed.

Every article and every cached page is a write; on a full disk each of them failed with its
own traceback and the runs were left "running". A write error that no page can fix (no space,
a read-only or failing filesystem) stops the crawler at the first one instead: the message
names the file and the errno once, and the run is closed as failed with it (when the store
can still take that much; `deptfeeds status` shows it failed otherwise).
"""

from __future__ import annotations

import errno
import logging

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import DBAPIError, OperationalError

from core.database import explain

log = logging.getLogger("deptfeeds.store")

FATAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM}
FATAL_SQLITE = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_CORRUPT",
                "SQLITE_NOTADB")
CLOSE_REASON = "storage-failed"
_said: set[str] = set()  # messages logged in this process: one line each, whoever meets them


def is_fatal(error: BaseException) -> bool:
    """Whether a write error means the store's disk cannot be written (rather than one odd page)."""
    if isinstance(error, OSError):
        return error.errno in FATAL_ERRNOS
    if isinstance(error, DBAPIError):
        name = getattr(error.orig, "sqlite_errorname", None)
        return name.startswith(FATAL_SQLITE) if name else isinstance(error, OperationalError)
    return False


def stop_crawl(crawler: Crawler, error: BaseException, store_url: str) -> str:
    """Say once what failed (file, errno), stop this crawler, and keep the reason for its run record."""
    message = explain(error, store_url)
    spider = crawler.spider
    if getattr(spider, "storage_failure", None) is None:
        spider.storage_failure = message
        if message not in _said:
            _said.add(message)
            log.error("%s; stopping the crawl", message)
        deferred_from_coro(crawler.engine.close_spider_async(reason=CLOSE_REASON))
    return message


def say_once(message: str, *args: object) -> None:
    """Log an error the first time it is met in this process only."""
    text = message % args if args else message
    if text not in _said:
        _said.add(text)
        log.error("%s", text)
