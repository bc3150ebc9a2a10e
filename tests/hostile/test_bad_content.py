"""Bad content: broken markup, lying charsets, control characters, odd scripts, empty and changed pages.

The `content` source gains hostile articles on its second crawl (tests/faults/sites/
content.example.gov.vn/); the `layout` source's article pages turn into a script-rendered
shell. Each page is either stored cleanly or named in the run record, and the feeds stay valid.
"""

from __future__ import annotations

import json
import unicodedata

import pytest

from core.config import load_config
from core.store import Store, StoredArticle
from tests.hostile.conftest import HostileRun, cli
from tests.hostile.executable import executable_in_feed
from tests.hostile.feedcheck import feed_files, feed_links, read_feed

HOST = "http://content.example.gov.vn/index.php/"
XML_INVALID = [chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF]]


def stored(run: HostileRun, url: str) -> StoredArticle:
    store = Store(load_config(run.config).store_url)
    try:
        article = store.article_for_url(url)
    finally:
        store.close()
    assert article is not None, f"{url} was not stored; errors: {run.errors('content')}"
    return article


def feed_entry(run: HostileRun, url: str) -> dict:
    for entry in read_feed(run.feeds / "content.atom").entries:
        if entry.link == url:
            return entry
    raise AssertionError(f"{url} is not in content.atom")


def test_malformed_html_is_read_to_the_end(content: HostileRun) -> None:
    article = stored(content, HOST + "trang-loi-cu-phap")
    assert article.title == "Hội nghị tổng kết công tác tiêu chuẩn đo lường chất lượng năm 2024"
    assert "Đoạn sau thẻ đóng html lạc chỗ vẫn là nội dung" in article.body_text
    assert "Ô thứ hai" in article.body_text


def test_a_lying_charset_header_does_not_garble_the_text(content: HostileRun) -> None:
    article = stored(content, HOST + "bang-ma-noi-doi")
    assert article.title == "Tập huấn nâng cao năng lực đo lường cho doanh nghiệp"
    assert "đo lường" in article.body_text


def test_windows_1258_declared_only_in_meta_is_decoded(content: HostileRun) -> None:
    article = stored(content, HOST + "windows-1258")
    expected = "Nghiệm thu đề tài ứng dụng công nghệ sinh học trong sản xuất nông nghiệp"
    assert article.title == expected
    assert unicodedata.is_normalized("NFC", article.title + article.body_text)
    assert feed_entry(content, HOST + "windows-1258").title == expected


def test_xml_invalid_control_characters_are_dropped(content: HostileRun) -> None:
    article = stored(content, HOST + "ky-tu-dieu-khien")
    entry = feed_entry(content, HOST + "ky-tu-dieu-khien")
    for text in (article.title, entry.title, entry.content[0].value):
        assert not any(c in text for c in XML_INVALID), repr(text)
    assert entry.title.startswith("Hội nghị về an toàn bức xạ năm 2024")


def test_a_2000_character_title_is_cut_at_a_word_and_the_feed_stays_valid(content: HostileRun) -> None:
    article = stored(content, HOST + "tieu-de-rat-dai")
    assert article.title.startswith("Hội nghị triển khai nhiệm vụ") and article.title.endswith("…")
    assert 150 <= len(article.title) <= 300
    phrase = "Hội nghị triển khai nhiệm vụ khoa học và công nghệ cấp tỉnh".split()  # noqa: SIM905
    assert article.title.removesuffix("…").split()[-1] in phrase  # cut after a whole word
    assert f"content: {HOST}tieu-de-rat-dai: title of " in content.log and " cut to " in content.log
    assert feed_entry(content, HOST + "tieu-de-rat-dai").title == article.title


def test_right_to_left_text_and_emoji_survive_but_bidi_overrides_do_not(content: HostileRun) -> None:
    title = feed_entry(content, HOST + "rtl-emoji").title
    for part in ("🇻🇳", "🤝", "مؤتمر العلوم والتكنولوجيا", "שיתוף פעולה", "👩\u200d🔬"):
        assert part in title
    assert "\u202e" not in title and "\u202e" not in stored(content, HOST + "rtl-emoji").body_text


def test_an_article_without_text_is_named_not_stored(content: HostileRun) -> None:
    url = HOST + "khong-co-noi-dung"
    assert any(e["url"] == url and e["error"].startswith("no article") for e in content.errors("content"))
    assert f"content: {url}: no article" in content.log
    assert url not in content.after.articles["content"]


def test_script_style_iframe_and_handlers_in_an_article_are_removed(content: HostileRun) -> None:
    url = HOST + "ma-doc-trong-bai"
    article = stored(content, url)
    assert "quản lý khoa học" in article.title and "lộ trình số hóa" in article.body_text
    entry = feed_entry(content, url)
    assert "lộ trình số hóa" in entry.content[0].value


def test_a_changed_layout_is_warned_and_old_entries_are_kept(content: HostileRun) -> None:
    urls = [f"http://layout.example.gov.vn/index.php/bai-{n}" for n in (1, 2, 3, 4)]
    named = {e["url"] for e in content.errors("layout") if e["error"].startswith("no article")}
    assert named == set(urls)
    assert all(f"layout: {url}: no article" in content.log for url in urls)
    assert set(content.after.articles["layout"]) == set(urls) == set(content.before.articles["layout"])
    assert set(urls) <= feed_links(content.feeds / "layout.rss")


def test_the_other_sources_are_untouched(content: HostileRun) -> None:
    healthy = content.after.runs["healthy"]
    assert (healthy.status, healthy.errors, healthy.unchanged) == ("ok", [], 4)
    for url, title in content.before.articles["content"].items():
        assert content.after.articles["content"][url] == title


@pytest.mark.parametrize("suffix", [".rss", ".atom", ".json"])
def test_every_feed_is_valid_and_runs_nothing(content: HostileRun, suffix: str) -> None:
    files = [p for p in feed_files(content.feeds) if p.suffix == suffix] if suffix != ".json" else sorted(
        content.feeds.glob("*.json"))
    assert files, f"no {suffix} feeds in {content.feeds}"
    for path in files:
        if suffix != ".json":
            read_feed(path)
        assert executable_in_feed(path) == []


def test_status_flags_the_changed_layout(content: HostileRun) -> None:
    result = cli("status", "--json", "--config", str(content.config), proxy=content.server)
    assert result.returncode in (0, 1), result.stderr
    flags = {s["id"]: [f["kind"] for f in s["flags"]] for s in json.loads(result.stdout)["sources"]}
    assert "layout" in flags["layout"]
    assert "layout" not in flags["healthy"] and "failing" not in flags["healthy"]
