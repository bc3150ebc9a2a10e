"""An article is dated by its own changes: what a feed entry's `updated` says, per entry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from core.config import Source
from core.store import ArticleRecord, Store


def test_an_article_is_updated_at_its_own_time_not_the_crawls(tmp_path: Path) -> None:
    """A new article's `updated` is the page's stated change, else its publication; an edit's is now."""
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.sync_sources([Source(id="s", name="Sở thử", listing=["http://a.gov.vn/tin-tuc"])])
    published = datetime(2024, 3, 12, 7, 20, tzinfo=UTC)
    modified = datetime(2024, 3, 13, 2, 5, tzinfo=UTC)
    store.save_article(ArticleRecord("s", "http://a.gov.vn/1", "Một", body_text="một " * 50,
                                     published=published))
    store.save_article(ArticleRecord("s", "http://a.gov.vn/2", "Hai", body_text="hai " * 50,
                                     published=published, modified=modified))
    assert store.article_for_url("http://a.gov.vn/1").updated == published
    assert store.article_for_url("http://a.gov.vn/2").updated == modified
    before = datetime.now(UTC)
    store.save_article(ArticleRecord("s", "http://a.gov.vn/1", "Một", body_text="một sửa " * 50,
                                     published=published))
    assert store.article_for_url("http://a.gov.vn/1").updated >= before
    store.close()
