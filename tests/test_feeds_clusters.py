"""Copies of one story: the combined and topic feeds show it once, each source keeps its own.

The contract with the dedup engine: articles sharing a non-null `cluster_id` are copies of one
story, and `cluster_id` is the id of the earliest-published member. Here the test marks the
cluster itself in the real SQLite store of a crawl: Lân Cận republished Thử Nghiệm's workshop
story a day later.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
from lxml import html
from sqlalchemy import select

from core.config import load_config
from core.store import Store, StoredArticle
from feeds.build import build_feeds
from tests.test_feeds_validity import check_feed, feed_files

ORIGINAL = "http://sokhcn.thunghiem.gov.vn/2025/04/hoi-thao-chuyen-doi-so/"
COPY = "http://sokhcn.lancan.gov.vn/2025/04/hoi-thao-chuyen-doi-so-tinh-ban/"
WORKSHOP = "Hội thảo chuyển đổi số trong hoạt động khoa học và công nghệ"


def mark_copies(config_path: Path, *urls: str) -> None:
    """Give the articles at `urls` one cluster id: the earliest-published one's id; rebuild."""
    config = load_config(config_path)
    store = Store(config.store_url)
    with store.session() as session:
        members = session.scalars(select(StoredArticle).where(StoredArticle.url.in_(urls))).all()
        earliest = min(members, key=lambda a: a.published)
        for member in members:
            member.cluster_id = earliest.id
    build_feeds(store, config)
    store.close()


def links(path: Path) -> list[str]:
    return [e.link for e in feedparser.parse(path.read_bytes()).entries]


def test_the_combined_feed_shows_a_story_once_as_its_earliest_copy(feed_sites_copy: Path) -> None:
    public = feed_sites_copy.parent / "public"
    assert links(public / "all.rss").count(ORIGINAL) == 1 and COPY in links(public / "all.rss")

    mark_copies(feed_sites_copy, ORIGINAL, COPY)

    for suffix in (".rss", ".atom"):
        entries = feedparser.parse((public / f"all{suffix}").read_bytes()).entries
        assert [e.link for e in entries if e.title == WORKSHOP] == [ORIGINAL]
        assert len(entries) == 4
        workshop = next(e for e in entries if e.title == WORKSHOP)
        body = html.fragment_fromstring(workshop.content[0].value, create_parent="div")
        other = body.xpath("//li/a")
        assert [(a.get("href"), a.text) for a in other] == [(COPY, "Sở KH&CN Lân Cận")]
        assert "Tin này cũng được đăng tại:" in body.text_content()
        assert "(11/04/2025)" in body.text_content()


def test_each_source_keeps_its_own_copy(feed_sites_copy: Path) -> None:
    mark_copies(feed_sites_copy, ORIGINAL, COPY)
    public = feed_sites_copy.parent / "public"

    assert ORIGINAL in links(public / "thunghiem.rss")
    assert COPY in links(public / "lancan.rss")
    for path in feed_files(public):
        check_feed(path, public, "https://feeds.example.vn/khcn/")


def test_a_topic_limited_to_some_sources_shows_the_earliest_copy_it_covers(feed_sites_copy: Path) -> None:
    # "chuyen-doi-so-lan-can" covers Lân Cận only: its copy stands for the story there.
    mark_copies(feed_sites_copy, ORIGINAL, COPY)
    public = feed_sites_copy.parent / "public"

    assert links(public / "topics" / "chuyen-doi-so-lan-can.rss") == [
        "http://sokhcn.lancan.gov.vn/2025/04/tong-ket-chuong-trinh-nang-suat/", COPY]
    assert "Tin này cũng được đăng tại" not in (public / "topics" / "chuyen-doi-so-lan-can.rss").read_text()


def test_marking_copies_is_a_change_and_unmarking_restores_the_feed(feed_sites_copy: Path) -> None:
    public = feed_sites_copy.parent / "public"
    before = (public / "all.atom").read_bytes()

    mark_copies(feed_sites_copy, ORIGINAL, COPY)
    assert (public / "all.atom").read_bytes() != before

    config = load_config(feed_sites_copy)
    store = Store(config.store_url)
    with store.session() as session:
        for article in session.scalars(select(StoredArticle).where(StoredArticle.url.in_([ORIGINAL, COPY]))):
            article.cluster_id = None
    build_feeds(store, config)
    store.close()
    assert (public / "all.atom").read_bytes() == before
