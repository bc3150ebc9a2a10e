"""The store shared by crawler, feeds and scheduler: sources, articles and crawl runs.

SQLAlchemy so another database URL can be given later; SQLite by default, in WAL mode with
one short transaction per article so a killed process never leaves the store corrupt.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.schema import CreateColumn


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    listing: Mapped[list[str]] = mapped_column(JSON, default=list)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Article(Base):
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


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    started: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # article pages requested, answered 304 (revalidated from the HTTP cache), and not requested
    fetched: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_modified: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # faults met on the way to pages that answered in the end (a 500 retried, then 200)
    recovered: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, server_default="'[]'")


class NearDoc(Base):
    """An article in the near-duplicate index, with the LSH band keys it was filed under."""

    __tablename__ = "near_docs"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    bands: Mapped[bytes] = mapped_column(LargeBinary)


class NearBand(Base):
    """LSH buckets: articles sharing a band key are candidates for being copies of each other."""

    __tablename__ = "near_bands"
    __table_args__ = {"sqlite_with_rowid": False}

    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class NearPair(Base):
    """Two articles found to be copies of one story (stored in both directions)."""

    __tablename__ = "near_pairs"
    __table_args__ = {"sqlite_with_rowid": False}

    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    other_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    similarity: Mapped[float] = mapped_column(Float)


class NearScheme(Base):
    """The shingle and LSH layout the index was filed under (crawler.neardup.SCHEME); one row."""

    __tablename__ = "near_scheme"

    scheme: Mapped[str] = mapped_column(Text, primary_key=True)


class LockRow(Base):
    """Who holds a scheduler or crawl lock, so whoever is refused can be told; the lock is a file lock."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass
class ArticleRecord:
    """What the crawler hands the store for one article page."""

    source_id: str
    url: str
    title: str
    summary: str = ""
    body_html: str = ""
    body_text: str = ""
    author: str | None = None
    image_url: str | None = None
    categories: list[str] = field(default_factory=list)
    published: datetime | None = None
    date_source: str | None = None
    extraction: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""
    aliases: list[str] = field(default_factory=list)


def _add_missing_columns(engine: Engine) -> None:
    """Add columns and indexes that newer versions declare to tables an older version created."""
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.computed is not None:
                    # The database computes the column, so adding it backfills every row.
                    spec = CreateColumn(column).compile(dialect=engine.dialect)
                    connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {spec}"))
                elif column.name not in present and column.server_default is not None:
                    kind = column.type.compile(engine.dialect)
                    default = column.server_default.arg  # type: ignore[attr-defined]
                    connection.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} '
                                            f"{kind} NOT NULL DEFAULT {default}"))
            for index in table.indexes:
                index.create(connection, checkfirst=True)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 8 MB of pages, not 2: at a million articles the inner pages of the LSH buckets
        # (near_bands) alone take 1.8 MB; page reads per indexed article 72 -> 57 (32 MB: 54,
        # not worth the memory a crawl would then hold).
        cursor.execute("PRAGMA cache_size=-8192")
        cursor.close()


class Store:
    """Open (and create if needed) the database behind a URL."""

    def __init__(self, url: str):
        parsed = make_url(url)
        if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        # Last in, first out: the same pooled connection serves transaction after transaction, so
        # its SQLite page cache stays valid (two connections taken in turn each find the other's
        # writes and drop their cache: 84 instead of 54 page reads per indexed article at 1M).
        self.engine = create_engine(url, pool_use_lifo=True)
        if parsed.drivername.startswith("sqlite"):
            _sqlite_pragmas(self.engine)
        Base.metadata.create_all(self.engine)
        _add_missing_columns(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._near_scheme_checked = False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    # sources

    def sync_sources(self, sources: list[Any]) -> None:
        """Insert or update a row for every configured source (config objects)."""
        with self.session() as s:
            for source in sources:
                row = s.get(SourceRow, source.id)
                if row is None:
                    s.add(SourceRow(id=source.id, name=source.name, listing=list(source.listing)))
                else:
                    row.name, row.listing = source.name, list(source.listing)

    # crawl runs

    def start_run(self, source_id: str) -> int:
        with self.session() as s:
            run = CrawlRun(source_id=source_id, started=utcnow(), status="running")
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, counts: dict[str, int],
                   errors: list[dict[str, str]],
                   recovered: list[dict[str, str]] | None = None) -> CrawlRun:
        with self.session() as s:
            run = s.get_one(CrawlRun, run_id)
            run.ended, run.status, run.errors = utcnow(), status, errors
            run.recovered = recovered or []
            for key, value in counts.items():
                setattr(run, key, value)
            return run

    def run(self, run_id: int) -> CrawlRun:
        with self.session() as s:
            return s.get_one(CrawlRun, run_id)

    def last_run(self, source_id: str) -> CrawlRun | None:
        with self.session() as s:
            return s.scalars(
                select(CrawlRun).where(CrawlRun.source_id == source_id)
                .order_by(CrawlRun.id.desc()).limit(1)
            ).first()

    def runs(self, source_id: str, after_id: int = 0, limit: int | None = None) -> list[CrawlRun]:
        """Runs of a source newest first, only those after `after_id` if given."""
        query = (select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.id > after_id)
                 .order_by(CrawlRun.id.desc()).limit(limit))
        with self.session() as s:
            return list(s.scalars(query))

    def last_run_id(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.max(CrawlRun.id))) or 0

    def add_failed_run(self, source_id: str, started: datetime, error: dict[str, str]) -> int:
        """Record a crawl that failed before it could record itself (a crash at start-up)."""
        with self.session() as s:
            run = CrawlRun(source_id=source_id, started=started, ended=utcnow(), status="failed",
                           errors=[error])
            s.add(run)
            s.flush()
            return run.id

    def mark_run(self, run_id: int, status: str, error: dict[str, str]) -> None:
        """Close or amend a run that its own process could not finish honestly (killed, stopped)."""
        with self.session() as s:
            run = s.get_one(CrawlRun, run_id)
            run.status, run.ended = status, run.ended or utcnow()
            run.errors = [*run.errors, error]

    # locks (the owner of each file lock, for messages)

    def set_lock_owner(self, name: str, pid: int, host: str) -> None:
        with self.session() as s:
            s.merge(LockRow(name=name, pid=pid, host=host, since=utcnow()))

    def clear_lock_owner(self, name: str, pid: int) -> None:
        with self.session() as s:
            row = s.get(LockRow, name)
            if row is not None and row.pid == pid:
                s.delete(row)

    def lock_owner(self, name: str) -> LockRow | None:
        with self.session() as s:
            return s.get(LockRow, name)

    # articles

    def article_for_url(self, url: str) -> Article | None:
        with self.session() as s:
            return s.scalars(
                select(Article).join(ArticleUrl).where(ArticleUrl.url == url)
            ).first()

    def known_urls(self, urls: list[str]) -> dict[str, datetime]:
        """For each URL that reached a stored article: when that article appeared.

        That is the earlier of its publication and its first sight, so a story found late is
        as old as its date says, and one with a date in the future is as old as its discovery.
        """
        if not urls:
            return {}
        with self.session() as s:
            rows = s.execute(
                select(ArticleUrl.url, Article.published, Article.first_seen)
                .join(Article, Article.id == ArticleUrl.article_id)
                .where(ArticleUrl.url.in_(set(urls)))
            )
            return {url: min(published, first_seen) if published else first_seen
                    for url, published, first_seen in rows}

    def cluster(self, cluster_id: int) -> list[Article]:
        """The copies of one story across sources, earliest first."""
        with self.session() as s:
            return list(s.scalars(
                select(Article).where(Article.cluster_id == cluster_id)
                .order_by(Article.sort_date, Article.id)
            ))

    def save_article(self, record: ArticleRecord) -> str:
        """Store one crawled article; say whether it was new, updated, unchanged or a duplicate.

        Core statements on one connection, not ORM objects: a crawl saves every article it
        fetches, and the ORM's bookkeeping cost more than the crawl's extraction.
        """
        # Imported here: MinHash pulls numpy, which only crawls need.
        from crawler.dedup import cluster_article, ensure_scheme
        from crawler.neardup import near_text

        if not self._near_scheme_checked:
            with self.engine.begin() as db:
                ensure_scheme(db)
            self._near_scheme_checked = True
        now = utcnow()
        urls = list(dict.fromkeys([record.url, *record.aliases]))
        with self.session() as s:
            db = s.connection()
            found = {row.url: row for row in db.execute(_ARTICLES_AT, {"urls": urls})}
            known = next((found[url] for url in urls if url in found), None)
            if known is not None:
                outcome = "unchanged" if known.content_hash == record.content_hash else "updated"
                article_id = known.id
            else:
                # By hash alone, then the source: with both in the query SQLite picks the
                # source_id index and reads every article of the source (44 ms at 1M stored).
                same_text = db.execute(_SAME_TEXT, {"hash": record.content_hash})
                article_id = next((i for i, source in same_text if source == record.source_id), None)
                outcome = "duplicate" if article_id is not None else "new"
            if outcome == "new":
                article_id = db.execute(_INSERT_ARTICLE, {
                    "source_id": record.source_id, "url": record.url, "first_seen": now,
                    "last_seen": now, "updated": now, **_fields(record)}).inserted_primary_key[0]
            elif outcome == "updated":
                db.execute(_UPDATE_ARTICLE, {"article_id": article_id, "updated": now, "last_seen": now,
                                             **_fields(record)})
            else:
                db.execute(_UPDATE_ARTICLE, {"article_id": article_id, "last_seen": now})
            if outcome in ("new", "updated"):
                cluster_article(db, article_id, near_text(record.title, record.body_text))
            new_urls = [{"url": url, "article_id": article_id} for url in urls if url not in found]
            if new_urls:
                db.execute(_INSERT_URL, new_urls)
            return outcome

    def articles(self, source_id: str | None = None, limit: int | None = None) -> list[Article]:
        """Articles newest first (by publication, then first sight)."""
        query = select(Article).order_by(Article.sort_date.desc(), Article.id.desc())
        if source_id is not None:
            query = query.where(Article.source_id == source_id)
        if limit is not None:
            query = query.limit(limit)
        with self.session() as s:
            return list(s.scalars(query))

    def newest_article_date(self, source_id: str) -> datetime | None:
        """When the source last published, as far as the store knows (first sight if undated)."""
        with self.session() as s:
            return s.scalar(select(func.max(Article.sort_date))
                            .where(Article.source_id == source_id))

    def count_articles(self, source_id: str | None = None) -> int:
        query = select(func.count(Article.id))
        if source_id is not None:
            query = query.where(Article.source_id == source_id)
        with self.session() as s:
            return s.scalar(query) or 0


_ARTICLES_AT = (select(ArticleUrl.url, Article.id, Article.content_hash)
                .join(Article, Article.id == ArticleUrl.article_id)
                .where(ArticleUrl.url.in_(bindparam("urls", expanding=True))))
_SAME_TEXT = select(Article.id, Article.source_id).where(Article.content_hash == bindparam("hash"))
_INSERT_ARTICLE = Article.__table__.insert()
_UPDATE_ARTICLE = Article.__table__.update().where(Article.__table__.c.id == bindparam("article_id"))
_INSERT_URL = ArticleUrl.__table__.insert()


def _fields(record: ArticleRecord) -> dict[str, Any]:
    """The article columns that come from the crawled page."""
    return {name: getattr(record, name) for name in (
        "title", "summary", "body_html", "body_text", "author", "image_url", "categories",
        "published", "date_source", "extraction", "content_hash")}
