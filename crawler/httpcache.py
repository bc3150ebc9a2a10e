"""Scrapy's filesystem HTTP cache, gzipped at the fastest level, stopping the crawl when its disk fails."""

from __future__ import annotations

import gzip
import shutil
from functools import partial
from pathlib import Path
from typing import Any

from scrapy.extensions.httpcache import FilesystemCacheStorage
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

from crawler.storage import is_fatal, stop_crawl


class FastGzipCacheStorage(FilesystemCacheStorage):
    """FilesystemCacheStorage writing gzip level 1 instead of gzip.open's default 9.

    Storing a response writes seven small gzip files: at level 9 that cost 2.7 ms of CPU per
    page, at level 1 1.3 ms; the mirror's pages come out 35 % of their size instead of 31 %.
    Reading is the same for any level, so caches written before still serve.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        if self.use_gzip:
            self._open = partial(gzip.open, compresslevel=1)

    def store_response(self, spider: Any, request: Request, response: Response) -> None:
        """Store as Scrapy does; a disk that cannot be written stops the crawl once, named."""
        try:
            super().store_response(spider, request, response)
        except OSError as exc:
            if not is_fatal(exc):
                raise
            shutil.rmtree(Path(self._get_request_path(spider, request)), ignore_errors=True)
            stop_crawl(spider.crawler, exc, spider.config.store_url)
