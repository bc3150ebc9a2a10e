"""The store shared by crawler, feeds and scheduler: sources, articles, crawl runs, dedup and locks.

Each part is a module of its own (core/sources.py, articles.py, runs.py, dedup.py, locks.py,
files.py, listings.py) declaring its tables and queries; `Store` opens the database, creates or
upgrades the schema, and offers every part's queries on one object.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.exc import OperationalError

from core import dedup  # noqa: F401 - declares the near-duplicate tables
from core.alerts import AlertRows
from core.articles import ArticleRecord, ArticleRows, ArticleUrl, StoredArticle
from core.database import create_schema, sqlite_file, utcnow
from core.files import FileHead, FileRows
from core.listings import ListingMark, ListingRows
from core.locks import LockRow, LockRows
from core.runs import CrawlRun
from core.sources import SourceRow, SourceRows

__all__ = ["ArticleRecord", "ArticleUrl", "CrawlRun", "FileHead", "ListingMark", "LockRow", "SourceRow",
           "Store", "StoreError", "StoredArticle", "utcnow"]


class StoreError(Exception):
    """A store that cannot be opened; the message names the file and what to do about it."""


class Store(ArticleRows, SourceRows, LockRows, FileRows, AlertRows, ListingRows):
    """Open (and create or upgrade if needed) the database behind a URL.

    `create=False` is for commands that only read what crawls stored (build, status, prune):
    a mistyped path or an empty file is an error naming the file, never a new empty store
    whose feeds would replace the real ones. A file its user may not write is opened read-only.
    """

    def __init__(self, url: str, *, create: bool = True):
        path = sqlite_file(url)
        if path is not None and not create:
            if not path.is_file():
                raise StoreError(f"no store at {path}: run `deptfeeds crawl` or `deptfeeds run` first, "
                                 "or check [store] url in the config")
            if path.stat().st_size == 0:
                raise StoreError(f"the store {path} is an empty file: nothing was ever crawled into it; "
                                 "check [store] url in the config, or delete the file and crawl")
        modes = [""]
        if path is not None and path.is_file() and not _writable(path):
            modes = ["ro", "immutable"]
        for mode in modes:
            try:
                super().__init__(url, read_only=mode)
                if mode:
                    with self.engine.connect() as connection:
                        connection.exec_driver_sql("SELECT count(*) FROM sqlite_master")
                else:
                    create_schema(self.engine)
                break
            except OperationalError as exc:
                self.close()
                if mode != modes[-1]:
                    continue
                raise StoreError(f"cannot open the store {path or url}: {exc.orig}") from None


def _writable(path: Path) -> bool:
    """Whether this process may write the file and the folder its journal files go in."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
