"""The store shared by crawler, feeds and scheduler: sources, articles, crawl runs, dedup and locks.

Each part is a module of its own (core/sources.py, articles.py, runs.py, dedup.py, locks.py)
declaring its tables and queries; `Store` opens the database, creates or upgrades the schema,
and offers every part's queries on one object.
"""

from __future__ import annotations

from core import dedup  # noqa: F401 - declares the near-duplicate tables
from core.articles import ArticleRecord, ArticleRows, ArticleUrl, StoredArticle
from core.database import create_schema, utcnow
from core.locks import LockRow, LockRows
from core.runs import CrawlRun
from core.sources import SourceRow, SourceRows

__all__ = ["ArticleRecord", "ArticleUrl", "CrawlRun", "LockRow", "SourceRow", "Store", "StoredArticle",
           "utcnow"]


class Store(ArticleRows, SourceRows, LockRows):
    """Open (and create or upgrade if needed) the database behind a URL."""

    def __init__(self, url: str):
        super().__init__(url)
        create_schema(self.engine)
