"""Articles in the store: the record a crawl hands in, the stored row, and the URLs that reach it.

One record travels from extraction to the store: `ArticleRecord.from_page` files an extracted
page under its source and URLs, and its fields are named as the columns they fill, so nothing
is copied by hand on the way. Saving is one transaction with the dedup that goes with it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Computed,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from core import dedup
from core.database import Base, Database, UTCDateTime, utcnow
from core.files import FileHead, described

log = logging.getLogger("deptfeeds.store")

# What a feed entry can carry sensibly: a hostile page's 960 KB <title> would otherwise be
# stored and published whole. Longer text is cut at a word boundary, ending in "…".
TITLE_MAX = 300
SUMMARY_MAX = 1000
AUTHOR_MAX = 200
CATEGORY_MAX = 100
CATEGORIES_MAX = 20
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut after a whole word (unless that loses over half)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + ELLIPSIS


class StoredArticle(Base):
    """An article as the store keeps it: one row per story per source."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_source_sort_date", "source_id", "sort_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The files it attaches, in page order: [{"url", "title", "type", "length"?}] (core/files.py).
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    date_source: Mapped[str | None] = mapped_column(String(32))
    extraction: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The date feeds sort on, computed by the database so every write keeps it and an index covers it.
    sort_date: Mapped[datetime] = mapped_column(UTCDateTime, Computed("coalesce(published, first_seen)"),
                                                index=True)


class ArticleUrl(Base):
    """Every URL that reached an article, so a second URL never makes a second row."""

    __tablename__ = "article_urls"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)


class _Image(Protocol):
    url: str


class _Attachment(Protocol):
    url: str
    title: str
    type: str


class ExtractedPage(Protocol):
    """What extraction makes of an article page (crawler.extract.Article), as the store reads it."""

    title: str
    summary: str
    body_html: str
    body_text: str
    author: str | None
    categories: list[str]
    published: datetime | None
    date_source: str | None
    modified: datetime | None
    images: Sequence[_Image]
    attachments: Sequence[_Attachment]
    paths: Mapping[str, str]


# Fields an extracted page and a record share by name; the record derives the others.
PAGE_FIELDS = ("title", "summary", "body_html", "body_text", "author", "categories", "published",
               "date_source", "modified")
NOT_COLUMNS = ("source_id", "url", "aliases", "modified")


@dataclass
class ArticleRecord:
    """One crawled article for the store: its columns, its source and every URL it answers to."""

    source_id: str
    url: str
    title: str
    summary: str = ""
    body_html: str = ""
    body_text: str = ""
    author: str | None = None
    image_url: str | None = None
    categories: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # see core/files.py
    published: datetime | None = None
    date_source: str | None = None
    modified: datetime | None = None  # when the page says it was edited (stored as `updated`)
    extraction: dict[str, str] = field(default_factory=dict)  # which rule produced each field
    content_hash: str = ""  # computed from title and text when not given
    aliases: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cap()
        if not self.content_hash:
            self.content_hash = dedup.content_hash(self.title, self.body_text)

    def _cap(self) -> None:
        """Cut title, summary, author and categories to what a feed entry can carry; log each cut."""
        for name, limit in (("title", TITLE_MAX), ("summary", SUMMARY_MAX), ("author", AUTHOR_MAX)):
            value = getattr(self, name)
            if value and len(value) > limit:
                setattr(self, name, shorten(value, limit))
                log.warning("%s: %s: %s of %d characters cut to %d", self.source_id, self.url, name,
                            len(value), len(getattr(self, name)))
        capped = [shorten(c, CATEGORY_MAX) for c in self.categories[:CATEGORIES_MAX]]
        if capped != self.categories:
            log.warning("%s: %s: %d categories cut to %d of at most %d characters", self.source_id,
                        self.url, len(self.categories), len(capped), CATEGORY_MAX)
            self.categories = capped

    @classmethod
    def from_page(cls, page: ExtractedPage, *, source_id: str, url: str,
                  aliases: Iterable[str] = ()) -> ArticleRecord:
        """File an extracted page under its source, its URL and the other URLs that reached it."""
        return cls(source_id=source_id, url=url, aliases=sorted(aliases),
                   image_url=page.images[0].url if page.images else None, extraction=dict(page.paths),
                   attachments=[{"url": a.url, "title": a.title, "type": a.type} for a in page.attachments],
                   **{name: getattr(page, name) for name in PAGE_FIELDS})

    def changed(self, otherwise: datetime | None, now: datetime) -> datetime:
        """The article's own modification time: the page's stated one, else `otherwise`, never the future.

        So a feed's entries carry their own `updated`, not all the time of the crawl that found them.
        """
        return min(self.modified or otherwise or now, now)

    def columns(self) -> dict[str, Any]:
        """The article columns that come from the crawled page."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in NOT_COLUMNS}


_ARTICLES_AT = (select(ArticleUrl.url, StoredArticle.id, StoredArticle.content_hash, StoredArticle.source_id,
                       StoredArticle.attachments)
                .join(StoredArticle, StoredArticle.id == ArticleUrl.article_id)
                .where(ArticleUrl.url.in_(bindparam("urls", expanding=True))))
_INSERT_ARTICLE = StoredArticle.__table__.insert()
_UPDATE_ARTICLE = (StoredArticle.__table__.update()
                   .where(StoredArticle.__table__.c.id == bindparam("article_id")))
_INSERT_URL = ArticleUrl.__table__.insert()


SAVE_TRIES = 5


def _lost_a_race(error: DBAPIError) -> bool:
    """Another writer got there first: the same URL stored meanwhile, or a deadlock the server broke."""
    return isinstance(error, IntegrityError) or str(getattr(error.orig, "sqlstate", "")).startswith("40")


class ArticleRows(Database):
    _near_scheme_checked = False

    def save_article(self, record: ArticleRecord, configured: Collection[str] | None = None) -> str:
        """Store one crawled article; say whether it was new, updated, unchanged or a duplicate.

        An article stored under a source that is not `configured` (one removed or renamed in the
        config) is taken over by the record's source, and counts as new to it.

        Idempotent, also when two processes save the same URL at once (a crawl redelivered to a
        second worker, two sources that link one page): the one that loses the race on the
        unique URL tries again, now finds the row, and merges into it.
        """
        for _ in range(SAVE_TRIES - 1):
            try:
                return self._save_once(record, configured)
            except (IntegrityError, OperationalError) as error:
                if not _lost_a_race(error):
                    raise
        return self._save_once(record, configured)

    def _save_once(self, record: ArticleRecord, configured: Collection[str] | None) -> str:
        """One try at saving, in one transaction.

        Core statements on one connection, not ORM objects: a crawl saves every article it
        fetches, and the ORM's bookkeeping cost more than the crawl's extraction.
        """
        if not self._near_scheme_checked:
            with self.engine.begin() as db:
                dedup.ensure_scheme(db)
            self._near_scheme_checked = True
        now = utcnow()
        urls = list(dict.fromkeys([record.url, *record.aliases]))
        with self.session() as s:
            db = s.connection()
            found = {row.url: row for row in db.execute(_ARTICLES_AT, {"urls": urls})}
            known = next((found[url] for url in urls if url in found), None)
            adopted = (known is not None and configured is not None and known.source_id != record.source_id
                       and known.source_id not in configured)
            if known is not None:
                outcome = "unchanged" if known.content_hash == record.content_hash else "updated"
                article_id = known.id
                if adopted:
                    db.execute(_UPDATE_ARTICLE, {"article_id": article_id, "source_id": record.source_id})
            else:
                article_id = dedup.copy_in_source(db, record.content_hash, record.source_id)
                outcome = "duplicate" if article_id is not None else "new"
            if outcome == "new":
                row = {"source_id": record.source_id, "url": record.url, "first_seen": now, "last_seen": now,
                       "updated": record.changed(record.published, now), **record.columns()}
                article_id = db.execute(_INSERT_ARTICLE, row).inserted_primary_key[0]
            elif outcome == "updated":
                db.execute(_UPDATE_ARTICLE, {"article_id": article_id, "updated": record.changed(now, now),
                                             "last_seen": now, **record.columns()})
            elif outcome == "unchanged" and (known.attachments or []) != record.attachments:
                # The same text with files now described (or first seen by this version): no edit.
                db.execute(_UPDATE_ARTICLE, {"article_id": article_id, "last_seen": now,
                                             "attachments": record.attachments})
            else:
                db.execute(_UPDATE_ARTICLE, {"article_id": article_id, "last_seen": now})
            if outcome in ("new", "updated"):
                from core.neardup import near_text  # numpy and MinHash: only once a page changed

                dedup.cluster_article(db, article_id, near_text(record.title, record.body_text))
            new_urls = [{"url": url, "article_id": article_id} for url in urls if url not in found]
            if new_urls:
                db.execute(_INSERT_URL, new_urls)
            return "new" if adopted else outcome

    def describe_attachment(self, article_url: str, head: FileHead) -> bool:
        """Write what a file's server said into the article that attaches it; whether it changed."""
        with self.session() as s:
            article = s.scalars(select(StoredArticle).join(ArticleUrl)
                                .where(ArticleUrl.url == article_url)).first()
            if article is None:
                return False
            before = list(article.attachments or [])
            after = [found for attachment in before
                     if (found := described(attachment, head) if attachment.get("url") == head.url
                         else attachment) is not None]
            if after == before:
                return False
            article.attachments = after
            return True

    def article_for_url(self, url: str) -> StoredArticle | None:
        with self.session() as s:
            return s.scalars(
                select(StoredArticle).join(ArticleUrl).where(ArticleUrl.url == url)
            ).first()

    def known_urls(self, urls: list[str], sources: Collection[str] | None = None) -> dict[str, datetime]:
        """For each URL that reached a stored article (of one of `sources`, if given): when it appeared.

        That is the earlier of its publication and its first sight, so a story found late is
        as old as its date says, and one with a date in the future is as old as its discovery.
        """
        if not urls:
            return {}
        query = (select(ArticleUrl.url, StoredArticle.published, StoredArticle.first_seen)
                 .join(StoredArticle, StoredArticle.id == ArticleUrl.article_id)
                 .where(ArticleUrl.url.in_(set(urls))))
        if sources is not None:
            query = query.where(StoredArticle.source_id.in_(sorted(sources)))
        with self.session() as s:
            rows = s.execute(query)
            return {url: min(published, first_seen) if published else first_seen
                    for url, published, first_seen in rows}

    def articles(self, source_id: str | None = None, limit: int | None = None) -> list[StoredArticle]:
        """Articles newest first (by publication, then first sight)."""
        query = select(StoredArticle).order_by(StoredArticle.sort_date.desc(), StoredArticle.id.desc())
        if source_id is not None:
            query = query.where(StoredArticle.source_id == source_id)
        if limit is not None:
            query = query.limit(limit)
        with self.session() as s:
            return list(s.scalars(query))

    def newest_article_date(self, source_id: str) -> datetime | None:
        """When the source last published, as far as the store knows (first sight if undated)."""
        with self.session() as s:
            return s.scalar(select(func.max(StoredArticle.sort_date))
                            .where(StoredArticle.source_id == source_id))

    def count_articles(self, source_id: str | None = None) -> int:
        query = select(func.count(StoredArticle.id))
        if source_id is not None:
            query = query.where(StoredArticle.source_id == source_id)
        with self.session() as s:
            return s.scalar(query) or 0
