"""The sources table: one row per configured source, kept in step with the config."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import JSON, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core import dedup
from core.articles import ArticleUrl, StoredArticle
from core.database import Base, Database, UTCDateTime, utcnow
from core.listings import ListingMark
from core.runs import CrawlRun


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    listing: Mapped[list[str]] = mapped_column(JSON, default=list)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NamedSource(Protocol):
    id: str
    name: str
    listing: list[str]


class SourceRows(Database):
    def sync_sources(self, sources: Iterable[NamedSource]) -> None:
        """Insert or update a row for every configured source.

        Crawl processes starting together on a new store insert the same rows at once: the one
        that loses the race on the primary key tries again, and now updates.
        """
        sources = list(sources)
        try:
            self._sync_sources(sources)
        except IntegrityError:
            self._sync_sources(sources)

    def _sync_sources(self, sources: list[NamedSource]) -> None:
        with self.session() as s:
            for source in sources:
                row = s.get(SourceRow, source.id)
                if row is None:
                    s.add(SourceRow(id=source.id, name=source.name, listing=list(source.listing)))
                else:
                    row.name, row.listing = source.name, list(source.listing)

    def stored_source_ids(self) -> list[str]:
        """Every source the store has a row for, configured or not any more."""
        with self.session() as s:
            return list(s.scalars(select(SourceRow.id).order_by(SourceRow.id)))

    def remove_source(self, source_id: str) -> int:
        """Delete a source, its articles (URLs and index entries too) and its runs; return the articles.

        One transaction: a failure leaves the source whole. Copies of its stories elsewhere stay,
        in clusters named after their earliest remaining member.
        """
        with self.session() as s:
            db = s.connection()
            ids = list(s.scalars(select(StoredArticle.id).where(StoredArticle.source_id == source_id)))
            others = dedup.forget_articles(db, ids)
            for start in range(0, len(ids), 500):
                batch = ids[start:start + 500]
                s.execute(delete(ArticleUrl).where(ArticleUrl.article_id.in_(batch)))
                s.execute(delete(StoredArticle).where(StoredArticle.id.in_(batch)))
            dedup.relabel(db, others)
            s.execute(delete(ListingMark).where(ListingMark.source_id == source_id))
            s.execute(delete(CrawlRun).where(CrawlRun.source_id == source_id))
            s.execute(delete(SourceRow).where(SourceRow.id == source_id))
            return len(ids)
