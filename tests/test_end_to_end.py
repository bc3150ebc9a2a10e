"""The whole pipeline for real: sample sites over HTTP → Scrapy → SQLite → feeds → feedparser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest

from core.config import load_config
from tests.conftest import SAMPLES, run_cli

# Chrome seen in the seed pages (../shared/seeds): none of it may reach a feed entry.
SEED_CHROME = [
    "Skip to main content", "MỪNG ĐẤT NƯỚC ĐỔI MỚI", "Quyết tâm thực hiện thắng lợi Nghị quyết",
    "Chế độ ban đêm", "In trang", "Xuất PDF", "Đọc nội dung", "-A A +A", "Description: C:\\",
    "Description: H:\\", "Đánh giá:", "lượt đánh giá", "trung bình:", "Tin liên quan", "Bình luận",
    "Mã xác thực không đúng", "Thống kê truy cập", "Online: 15",
]


def expected_articles() -> dict[str, dict]:
    """Every sample article's expected JSON, by URL, and every listed document's, by its page."""
    pages = [json.loads(p.read_text("utf-8")) for p in sorted((SAMPLES / "sites").rglob("*.json"))]
    documents = {doc["page"]: doc for page in pages for doc in page.get("documents", [])}
    return {**{page["url"]: page for page in pages if "documents" not in page}, **documents}


@pytest.fixture(scope="module")
def crawled(mirror, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One full `deptfeeds run` over the sample sites into a temporary store and feed folder."""
    folder = tmp_path_factory.mktemp("e2e")
    config = folder / "deptfeeds.toml"
    config.write_text((SAMPLES / "deptfeeds.toml").read_text("utf-8"), "utf-8")
    result = run_cli("run", "--config", str(config), proxy=mirror)
    assert result.returncode == 0, result.stderr[-3000:]
    return config, result.stdout


def entry_text(entry: feedparser.FeedParserDict) -> str:
    parts = [entry.get("title", ""), entry.get("summary", "")]
    parts += [c.value for c in entry.get("content", [])]
    return "\n".join(parts)


def test_every_sample_article_is_in_the_combined_feed_once(crawled: tuple[Path, str]) -> None:
    config_path, _ = crawled
    feeds_dir = load_config(config_path).feeds_dir
    expected = expected_articles()
    for name in ("all.atom", "all.rss"):
        feed = feedparser.parse((feeds_dir / name).read_bytes())
        assert not feed.bozo, f"{name}: {feed.bozo_exception}"
        links = [e.link for e in feed.entries]
        assert len(links) == len(set(links)), f"{name} repeats an entry"
        copies = {u for e in feed.entries for u in re.findall(r'href="([^"]+)"', entry_text(e))}
        missing = [url for url in expected if url not in links and url not in copies]
        assert not missing, f"{name} lacks {missing}"


def test_each_source_feed_opens_and_holds_its_own_articles(crawled: tuple[Path, str]) -> None:
    config_path, _ = crawled
    config = load_config(config_path)
    expected = expected_articles()
    for source in config.sources:
        hosts = source.hosts
        own = {u for u, page in expected.items() if re.match(r"https?://([^/]+)", u).group(1) in hosts
               and ("issued" in page) == (source.kind == "documents")}  # a document's JSON has `issued`
        for suffix in ("atom", "rss"):
            feed = feedparser.parse((config.feeds_dir / f"{source.id}.{suffix}").read_bytes())
            assert not feed.bozo, f"{source.id}.{suffix}: {feed.bozo_exception}"
            assert {e.link for e in feed.entries} == own, f"{source.id}.{suffix}"


def test_no_seed_chrome_in_any_entry(crawled: tuple[Path, str]) -> None:
    config_path, _ = crawled
    feeds_dir = load_config(config_path).feeds_dir
    for path in sorted(feeds_dir.glob("*.atom")):
        for entry in feedparser.parse(path.read_bytes()).entries:
            text = entry_text(entry)
            leaked = [chrome for chrome in SEED_CHROME if chrome in text]
            assert not leaked, f"{path.name}: {entry.link} keeps {leaked}"


def test_summary_names_every_source(crawled: tuple[Path, str]) -> None:
    config_path, stdout = crawled
    for source in load_config(config_path).sources:
        assert re.search(rf"^{source.id}\s+ok\s+\d+\s+\d+", stdout, re.M), stdout
