"""Feeds built from a real crawl of tests/fixtures/feed-sites: what each feed holds, and when files change.

Two fixture departments: Thử Nghiệm (an ordinary article, one on measurement, one hostile
page) and Lân Cận (its own article and a republished copy of Thử Nghiệm's workshop story).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import feedparser
import pytest
from lxml import etree, html
from sqlalchemy import select

from core.config import load_config
from core.store import Store, StoredArticle
from feeds.build import build_feeds

WORKSHOP = "Hội thảo chuyển đổi số trong hoạt động khoa học và công nghệ"
TRAINING = "Tập huấn an toàn thông tin cho cán bộ năm 2025"
MEASURING = "Kiểm tra đo lường tại các cửa hàng xăng dầu"
PRODUCTIVITY = "Tổng kết chương trình nâng cao năng suất chất lượng"

# Newest first, by the dates the pages print.
EXPECTED = {
    "thunghiem": [TRAINING, WORKSHOP, MEASURING],
    "lancan": [PRODUCTIVITY, WORKSHOP],
    "all": [TRAINING, PRODUCTIVITY, WORKSHOP, WORKSHOP, MEASURING],
    # Category "Tiêu chuẩn - Đo lường" (Lân Cận) or the keywords "đo lường", "xăng dầu".
    "topics/do-luong": [PRODUCTIVITY, MEASURING],
    # Keyword "chuyển đổi số", Lân Cận only: Thử Nghiệm's own workshop story stays out.
    "topics/chuyen-doi-so-lan-can": [PRODUCTIVITY, WORKSHOP],
}
FORMATS = (".rss", ".atom", ".json")


def public(config: Path) -> Path:
    return config.parent / "public"


def read(path: Path) -> list[Any]:
    """A feed's entries as feedparser gives them; JSON Feed items mapped to the same names.

    feedparser 6 reads RSS and Atom only, so JSON Feed is read with json and checked by name.
    """
    if path.suffix != ".json":
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, f"{path.name}: {feed.get('bozo_exception')}"
        return feed.entries
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    return [SimpleNamespace(
        title=item["title"], link=item["url"], summary=item.get("summary", ""),
        author=", ".join(a["name"] for a in item.get("authors", [])),
        tags=[SimpleNamespace(term=t) for t in item.get("tags", [])],
        content=[SimpleNamespace(value=item.get("content_html", ""))],
        published=item["date_published"],
        published_parsed=datetime.fromisoformat(item["date_published"]).astimezone(UTC).timetuple(),
        enclosures=[SimpleNamespace(href=a["url"], type=a["mime_type"])
                    for a in item.get("attachments", [])],
    ) for item in document["items"]]


def test_every_feed_reads_cleanly_with_its_entries_newest_first(feed_sites: Path) -> None:
    for name, titles in EXPECTED.items():
        for suffix in FORMATS:
            assert [e.title for e in read(public(feed_sites) / f"{name}{suffix}")] == titles, name + suffix


def test_an_entry_carries_the_whole_cleaned_article(feed_sites: Path) -> None:
    for suffix in FORMATS:
        entry = next(e for e in read(public(feed_sites) / f"thunghiem{suffix}") if e.title == WORKSHOP)
        body = html.fromstring(entry.content[0].value)

        assert entry.link == "http://sokhcn.thunghiem.gov.vn/2025/04/hoi-thao-chuyen-doi-so/"
        assert entry.summary.startswith("Sáng ngày 10/4/2025, Sở Khoa học và Công nghệ tổ chức Hội thảo")
        assert entry.author == "Minh Anh"
        assert [t.term for t in entry.tags] == ["Chuyển đổi số"]
        assert entry.published_parsed[:5] == (2025, 4, 10, 2, 30)  # 09:30 +07:00
        assert body.xpath("//figure/img/@src") == [
            "http://sokhcn.thunghiem.gov.vn/wp-content/uploads/2025/04/hoi-thao-chuyen-doi-so.jpg"]
        assert body.xpath("//figure/figcaption/text()") == ["Quang cảnh hội thảo"]
        assert body.xpath("//a/@href") == ["http://sokhcn.thunghiem.gov.vn/2025/03/ke-hoach-chuyen-doi-so/"]
        assert "lộ trình đưa các dịch vụ công trực tuyến" in body.text_content()
        assert "Lượt truy cập" not in body.text_content()
        assert "Chia sẻ Facebook" not in body.text_content()
        assert [(e.href, e.type) for e in entry.enclosures] == [
            ("http://sokhcn.thunghiem.gov.vn/wp-content/uploads/2025/04/hoi-thao-chuyen-doi-so.jpg",
             "image/jpeg")], suffix


def test_combined_entries_name_their_source_feed(feed_sites: Path) -> None:
    rss = etree.parse(public(feed_sites) / "all.rss")
    sources = {item.findtext("title"): (item.find("source").get("url"), item.findtext("source"))
               for item in rss.iterfind("channel/item")}
    assert sources[MEASURING] == ("https://feeds.example.vn/khcn/thunghiem.rss", "Sở KH&CN Thử Nghiệm")
    assert sources[PRODUCTIVITY] == ("https://feeds.example.vn/khcn/lancan.rss", "Sở KH&CN Lân Cận")
    assert etree.parse(public(feed_sites) / "thunghiem.rss").find("channel/item/source") is None


def test_a_rebuild_with_nothing_new_writes_nothing(feed_sites_copy: Path) -> None:
    config = load_config(feed_sites_copy)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in public(feed_sites_copy).rglob("*.*")}

    store = Store(config.store_url)
    written = build_feeds(store, config)
    store.close()

    assert set(written) == set(before)
    assert not any(written.values())
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before} == before


def test_the_limit_keeps_the_newest_entries(feed_sites_copy: Path) -> None:
    text = feed_sites_copy.read_text(encoding="utf-8").replace("limit = 50", "limit = 2")
    feed_sites_copy.write_text(text, encoding="utf-8")
    config = load_config(feed_sites_copy)

    store = Store(config.store_url)
    build_feeds(store, config)
    store.close()

    for name, titles in EXPECTED.items():
        for suffix in FORMATS:
            assert [e.title for e in read(public(feed_sites_copy) / f"{name}{suffix}")] == titles[:2]


def test_building_for_one_source_rewrites_only_the_feeds_it_affects(feed_sites_copy: Path) -> None:
    config = load_config(feed_sites_copy)
    store = Store(config.store_url)
    with store.session() as session:
        article = session.scalars(select(StoredArticle).where(StoredArticle.title == PRODUCTIVITY)).one()
        article.title = PRODUCTIVITY + " (cập nhật)"
        article.updated = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

    written = build_feeds(store, config, sources={"lancan"})
    store.close()

    rebuilt = {p.relative_to(public(feed_sites_copy)).as_posix() for p in written}
    changed = {p.relative_to(public(feed_sites_copy)).as_posix() for p, did in written.items() if did}
    feeds = ["lancan", "all", "topics/do-luong", "topics/chuyen-doi-so-lan-can"]
    assert rebuilt == {f + s for f in feeds for s in FORMATS} | {"feeds.opml", "index.html", "feed.xsl"}
    assert changed == {f + s for f in feeds for s in FORMATS} | {"index.html"}
    rss = etree.parse(public(feed_sites_copy) / "lancan.rss")
    assert rss.findtext("channel/lastBuildDate") == "Wed, 02 Jan 2030 10:04:05 +0700"
    assert rss.findtext("channel/item/title") == PRODUCTIVITY + " (cập nhật)"


def test_opml_lists_every_feed_once(feed_sites: Path) -> None:
    opml = etree.parse(public(feed_sites) / "feeds.opml")
    urls = opml.xpath("//outline[@type='rss']/@xmlUrl")
    assert sorted(urls) == sorted(f"https://feeds.example.vn/khcn/{name}.rss" for name in EXPECTED)
    assert opml.xpath("//outline[@xmlUrl='https://feeds.example.vn/khcn/lancan.rss']/@text") == [
        "Sở KH&CN Lân Cận"]


def test_the_index_page_lists_sources_feeds_and_latest_entries(feed_sites: Path) -> None:
    page = html.parse(str(public(feed_sites) / "index.html")).getroot()
    alternates = {(a.get("type"), a.get("href")) for a in page.xpath("//head/link[@rel='alternate']")}
    types = {".rss": "application/rss+xml", ".atom": "application/atom+xml", ".json": "application/feed+json"}
    assert alternates == {(types[s], name + s) for name in EXPECTED for s in FORMATS}

    row = page.get_element_by_id("source-thunghiem")
    cells = [re.sub(r"\s+", " ", td.text_content()).strip() for td in row.xpath("td")]
    assert cells[0] == "Sở KH&CN Thử Nghiệm" + "http://sokhcn.thunghiem.gov.vn/tin-tuc/"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", cells[1])
    assert cells[2] == "3"
    assert row.xpath(".//td[@class='feeds']/a/@href") == ["thunghiem.rss", "thunghiem.atom", "thunghiem.json"]
    latest = [a.text_content() for a in page.xpath("//section[@id='latest']//a[@class='entry-title']")]
    assert latest == EXPECTED["all"]


def test_a_build_removes_temporary_files_a_killed_build_left(tmp_path: Path) -> None:
    from feeds.write import remove_stale_temporaries

    old, fresh = tmp_path / ".all.atom.x1.tmp", tmp_path / "topics" / ".t.rss.x2.tmp"
    fresh.parent.mkdir()
    for path in (old, fresh):
        path.write_bytes(b"<feed")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert remove_stale_temporaries(tmp_path) == [old]
    assert not old.exists() and fresh.exists()  # a running build's file is left alone


def test_a_dead_builds_temporaries_go_at_once_a_live_ones_stay(tmp_path: Path) -> None:
    from feeds.write import HOST, remove_stale_temporaries

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    leftover = tmp_path / f".all.rss.{HOST}-{dead.stdout.strip()}.k3j2h1.tmp"
    running = tmp_path / f".all.atom.{HOST}-{os.getpid()}.x9y8z7.tmp"
    elsewhere = tmp_path / f".all.json.otherhost-{dead.stdout.strip()}.a1b2c3.tmp"
    for path in (leftover, running, elsewhere):
        path.write_bytes(b"<rss")
    assert remove_stale_temporaries(tmp_path) == [leftover]
    assert running.exists() and elsewhere.exists()


def test_a_build_that_fails_halfway_leaves_every_old_file_as_it_was(tmp_path: Path) -> None:
    from feeds.write import WriteBatch

    rss, atom = tmp_path / "a.rss", tmp_path / "topics" / "t.atom"
    rss.write_bytes(b"<rss>old</rss>")
    with pytest.raises(RuntimeError), WriteBatch() as batch:
        assert batch.write_if_changed(rss, b"<rss>new</rss>")
        assert batch.write_if_changed(atom, b"<feed>new</feed>")
        raise RuntimeError("rendering the next feed failed")
    assert rss.read_bytes() == b"<rss>old</rss>" and not atom.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.rss"]  # no temporaries left

    with WriteBatch() as batch:
        assert not batch.write_if_changed(rss, b"<rss>old</rss>")
        assert batch.write_if_changed(atom, b"<feed>new</feed>")
    assert rss.read_bytes() == b"<rss>old</rss>" and atom.read_bytes() == b"<feed>new</feed>"


def test_each_source_is_dated_in_its_own_timezone(tmp_path: Path) -> None:
    """A source that says `timezone = "Asia/Tokyo"` gets +09:00 dates; the others keep +07:00."""
    from core.config import parse_config
    from core.store import ArticleRecord

    config = parse_config({"sources": [
        {"id": "hanoi", "name": "Sở Hà Nội", "listing": ["http://hanoi.example.vn/tin/"]},
        {"id": "tokyo", "name": "Tokyo", "listing": ["http://tokyo.example.jp/news/"],
         "timezone": "Asia/Tokyo"},
    ]}, tmp_path / "deptfeeds.toml")
    store = Store(config.store_url)
    store.sync_sources(config.sources)
    noon = datetime(2025, 5, 1, 3, 0, tzinfo=UTC)
    for source in config.sources:
        store.save_article(ArticleRecord(source_id=source.id, url=source.listing[0] + "1.html",
                                         title=f"Tin của {source.name}", body_text=source.name,
                                         published=noon))
    build_feeds(store, config)
    store.close()
    dates = {item["url"].split("/")[2]: item["date_published"]
             for item in json.loads((tmp_path / "public" / "all.json").read_text("utf-8"))["items"]}
    assert dates == {"hanoi.example.vn": "2025-05-01T10:00:00+07:00",
                     "tokyo.example.jp": "2025-05-01T12:00:00+09:00"}
    atom = (tmp_path / "public" / "tokyo.atom").read_text("utf-8")
    assert "<published>2025-05-01T12:00:00+09:00</published>" in atom
