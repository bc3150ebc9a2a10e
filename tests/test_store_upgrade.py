"""A store written by an older version opens and gains the columns newer versions declare.

The old stores are real databases, SQLite files and PostgreSQL databases: made with the tables
the previous version created, or with a column dropped again, holding rows written the way that
version wrote them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import create_engine, inspect, text

from core.config import parse_config
from core.store import ArticleRecord, ListingMark, Store
from feeds.build import build_feeds

pytestmark = pytest.mark.usefixtures("store_url")

OLD_SCHEMA = """
CREATE TABLE sources (
    id VARCHAR(64) NOT NULL, name TEXT NOT NULL, listing JSON NOT NULL, created TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);
CREATE TABLE articles (
    id {serial} NOT NULL, source_id VARCHAR(64) NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,
    summary TEXT NOT NULL, body_html TEXT NOT NULL, body_text TEXT NOT NULL, author TEXT, image_url TEXT,
    categories JSON NOT NULL, published TIMESTAMP, date_source VARCHAR(32), extraction JSON NOT NULL,
    content_hash VARCHAR(64) NOT NULL, cluster_id INTEGER, first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL, updated TIMESTAMP NOT NULL,
    PRIMARY KEY (id), FOREIGN KEY(source_id) REFERENCES sources (id), UNIQUE (url)
);
CREATE INDEX ix_articles_published ON articles (published);
CREATE INDEX ix_articles_source_id ON articles (source_id);
CREATE INDEX ix_articles_updated ON articles (updated);
CREATE INDEX ix_articles_cluster_id ON articles (cluster_id);
CREATE INDEX ix_articles_content_hash ON articles (content_hash);
"""
SITE = "http://sokhcn.cu.gov.vn/tin-tuc/"
DATED = "Hội đồng nghiệm thu đề tài cấp tỉnh năm 2024"
UNDATED = "Thông báo tuyển chọn nhiệm vụ khoa học (không ghi ngày)"
NEWEST = "Tập huấn sở hữu trí tuệ cho doanh nghiệp"


def old_store(url: str) -> None:
    """Two articles as the old version stored them: one dated, one known only by when it was first seen."""
    engine = create_engine(url)
    with engine.begin() as db:
        # What SQLAlchemy made of an integer primary key: SQLite's rowid, PostgreSQL's SERIAL.
        serial = "SERIAL" if db.dialect.name == "postgresql" else "INTEGER"
        for statement in OLD_SCHEMA.format(serial=serial).split(";"):
            if statement.strip():
                db.execute(text(statement))
        db.execute(text("INSERT INTO sources VALUES ('cu', 'Sở KH&CN Cũ', :listing, "
                        "'2024-01-01 00:00:00.000000')"), {"listing": f'["{SITE}"]'})
        rows = [(1, f"{SITE}bai-1.html", DATED, "2024-03-01 08:00:00.000000", "2024-03-02 00:00:00.000000"),
                (2, f"{SITE}bai-2.html", UNDATED, None, "2024-05-10 09:30:00.000000")]
        for article_id, url, title, published, seen in rows:
            db.execute(text("INSERT INTO articles (source_id, url, title, summary, body_html, "
                            "body_text, categories, published, extraction, content_hash, first_seen, "
                            "last_seen, updated) "
                            "VALUES ('cu', :url, :title, '', :html, :title, '[]', "
                            ":published, '{}', :hash, :seen, :seen, :seen)"),
                       {"url": url, "title": title, "html": f"<p>{title}.</p>",
                        "published": published, "hash": f"{article_id:064x}", "seen": seen})
    engine.dispose()


def test_an_old_store_gains_the_sort_date_and_its_feeds_stay_newest_first(tmp_path: Path,
                                                                           store_url: str) -> None:
    old_store(store_url)
    config = parse_config({"store": {"url": store_url}, "feeds": {"dir": "public"},
                           "sources": [{"id": "cu", "name": "Sở KH&CN Cũ", "listing": [SITE]}]},
                          tmp_path / "deptfeeds.toml")
    store = Store(config.store_url)
    try:
        table = inspect(store.engine)
        assert "sort_date" in {c["name"] for c in table.get_columns("articles")}
        assert "ix_articles_source_sort_date" in {i["name"] for i in table.get_indexes("articles")}
        store.save_article(ArticleRecord(source_id="cu", url=f"{SITE}bai-3.html", title=NEWEST,
                                         body_html=f"<p>{NEWEST}.</p>", body_text=NEWEST,
                                         content_hash="3" * 64,
                                         published=datetime(2025, 1, 15, 7, 0, tzinfo=UTC)))
        build_feeds(store, config)
    finally:
        store.close()

    for name in ("cu.rss", "all.atom"):
        feed = feedparser.parse((tmp_path / "public" / name).read_bytes())
        assert not feed.bozo
        assert [e.title for e in feed.entries] == [NEWEST, UNDATED, DATED]
    # Opening the upgraded store again changes nothing and keeps every article.
    again = Store(config.store_url)
    try:
        assert [a.title for a in again.articles("cu")] == [NEWEST, UNDATED, DATED]
    finally:
        again.close()


def test_a_store_from_before_recovered_faults_opens_and_records_them(store_url: str) -> None:
    Store(store_url).close()
    engine = create_engine(store_url)
    with engine.begin() as db:  # as the version before the column existed left it
        db.execute(text("ALTER TABLE crawl_runs DROP COLUMN recovered"))
        db.execute(text("INSERT INTO sources (id, name, listing, created) VALUES ('langson', "
                        "'Sở KH&CN Lạng Sơn', '[]', '2026-11-01 00:00:00')"))
        db.execute(text("INSERT INTO crawl_runs (source_id, started, status, pages, new, updated, "
                        "duplicate, unchanged, errors) VALUES ('langson', '2026-11-01 00:00:00', 'ok', "
                        "3, 1, 0, 0, 0, '[]')"))
    engine.dispose()

    store = Store(store_url)
    try:
        old = store.last_run("langson")
        assert old is not None and old.recovered == [] and old.pages == 3
        fault = {"url": "https://sokhcn.langson.gov.vn/a", "error": "http-500, then answered (2 tries)"}
        run_id = store.start_run("langson")
        store.finish_run(run_id, "ok", {"pages": 2}, [], [fault])
        assert store.last_run("langson").recovered == [fault]
    finally:
        store.close()


def test_an_old_store_gains_the_listing_marks_table(store_url: str) -> None:
    """A store from before listing marks (core/listings.py) gets the table and keeps them."""
    old_store(store_url)
    store = Store(store_url)
    try:
        assert "listing_marks" in inspect(store.engine).get_table_names()
        assert store.listing_marks("cu") == {}
        run = store.start_run("cu")
        store.save_listing_marks("cu", [ListingMark(source_id="cu", url=SITE, run_id=run, digest="d" * 64,
                                                    newest=datetime(2024, 5, 10, tzinfo=UTC), links=2)])
        mark = store.listing_marks("cu")[SITE]
        assert (mark.run_id, mark.links, mark.newest) == (run, 2, datetime(2024, 5, 10, tzinfo=UTC))
    finally:
        store.close()
