"""A page full of script payloads and XML-invalid characters: every feed stays valid and harmless.

Once through a real crawl
(tests/fixtures/feed-sites/sokhcn.thunghiem.gov.vn/2025/04/tap-huan-an-toan-thong-tin/),
once stored straight into the store, so the feed layer is shown to hold even if cleaning at
crawl time lets something through.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import feedparser
from lxml import etree, html

from core.config import parse_config
from core.store import ArticleRecord, Store
from feeds.build import build_feeds
from tests.test_feeds_validity import check_feed, feed_files

# Markers inside the payloads: none may reach a feed, not even as text. (The page also *writes*
# "<img src=x onerror=alert('tom-tat')>" as visible text; that text may stay, escaped.)
PAYLOAD_MARKERS = ["script-tag", "onclick", "onmouseover", "alert('onerror')", "onfocus", "javascript-url",
                   "mixed-case", "svg-script", "khung-an", "doi-tuong", "mat-khau", "alert('css')",
                   "alert('muc')", "alert('head')", "tieu-de", "evil.example", "vbscript", "PHNjcmlwdD5"]
DANGEROUS_TAGS = {"script", "style", "iframe", "frame", "object", "embed", "applet", "svg", "math", "form",
                  "input", "button", "textarea", "select", "base", "meta", "link", "noscript", "template"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def assert_harmless(fragment: str) -> None:
    """No element, attribute or URL in this HTML can run code or load a foreign frame."""
    if not fragment.strip():
        return
    for element in html.fragment_fromstring(fragment, create_parent="div").iter():
        assert element.tag not in DANGEROUS_TAGS, f"<{element.tag}> survived"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name}={value!r} survived"
            assert name.lower() != "style", "style attribute survived"
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href", "srcset", "poster"):
                assert value.lower().startswith(SAFE_SCHEMES), f"{name}={value!r} survived"


def assert_plain(text: str) -> None:
    """Titles, names and summaries carry no markup at all."""
    assert not re.search(r"<\s*[a-z!/]", text, re.I), f"markup in plain text: {text!r}"


def fields(path: Path) -> tuple[list[str], list[str]]:
    """(HTML fragments, plain-text values) of every entry in a feed, as a reader would see them."""
    if path.suffix == ".json":
        items = json.loads(path.read_text(encoding="utf-8"))["items"]
        fragments = [i.get("content_html", "") for i in items]
        texts = [v for i in items for v in (i["title"], i.get("summary", ""), *i.get("tags", []),
                                           *(a["name"] for a in i.get("authors", [])))]
        return fragments, texts
    root = etree.parse(path)
    ns = {"atom": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/",
          "dc": "http://purl.org/dc/elements/1.1/"}
    fragments = root.xpath("//content:encoded/text() | //item/description/text() | //atom:content/text()"
                           " | //atom:summary/text()", namespaces=ns)
    texts = root.xpath("//item/title/text() | //item/category/text() | //dc:creator/text()"
                       " | //atom:entry/atom:title/text() | //atom:category/@term | //atom:name/text()",
                       namespaces=ns)
    return [str(f) for f in fragments], [str(t) for t in texts]


def assert_every_feed_harmless(public: Path, base_url: str) -> None:
    files = feed_files(public)
    assert files
    for path in files:
        check_feed(path, public, base_url)
        text = path.read_text(encoding="utf-8")
        for marker in PAYLOAD_MARKERS:
            assert marker not in text, f"{path.name}: payload {marker!r} reached the feed"
        fragments, texts = fields(path)
        for fragment in fragments:
            assert_harmless(fragment)
        for value in texts:
            assert_plain(value)


def test_the_crawled_hostile_page_leaves_every_feed_valid_and_harmless(feed_sites: Path) -> None:
    public = feed_sites.parent / "public"
    assert_every_feed_harmless(public, "https://feeds.example.vn/khcn/")

    entry = next(e for e in feedparser.parse((public / "thunghiem.atom").read_bytes()).entries
                 if "an toàn thông tin" in e.title)
    assert entry.title == "Tập huấn an toàn thông tin cho cán bộ năm 2025"
    assert entry.author == "Phòng Quản lý chuyên ngành"
    assert [t.term for t in entry.tags] == ["An toàn thông tin"]
    body = html.fragment_fromstring(entry.content[0].value, create_parent="div")
    # The text around the payloads is kept; only what could run, and the bad characters, went.
    assert "Học viên thực hành trên máy tính với các tình huống giả lập" in body.text_content()
    assert [a.text for a in body.xpath("//a[not(@href)]")] == [
        "liên kết giả mạo", "liên kết khác", "tệp đính kèm lạ", "tệp chạy"]
    assert body.xpath("//img/@src") == ["http://sokhcn.thunghiem.gov.vn/wp-content/uploads/2025/04/tap-huan.png"]


HOSTILE_HTML = """<p>Mở đầu\x00\x01\x02\x08\x0b\x0c\x0e\x1f\x7f\x80\x9f\ufffe\uffff bài viết.</p>
<script>alert('script-tag')</script><p onclick="alert('onclick')">Đoạn <b onmouseover="x()">một</b></p>
<a href="javascript:alert('javascript-url')">a</a><a href=" JAVASCRIPT:alert('mixed-case')">b</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">c</a><a href="vbscript:msgbox(1)">d</a>
<img src="x.png" onerror="alert('onerror')"><img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">
<iframe src="http://evil.example/">khung-an</iframe><object data="http://evil.example/x">doi-tuong</object>
<embed src="http://evil.example/e.swf"><svg onload="alert(1)"><script>alert('svg-script')</script></svg>
<style>p { background: url(javascript:alert('css')) }</style><base href="http://evil.example/">
<meta http-equiv="refresh" content="0;url=http://evil.example/"><link rel="stylesheet" href="http://evil.example/c">
<form action="http://evil.example/"><input value="mat-khau">
<button formaction="javascript:alert(1)">x</button></form>
<p style="background:url(javascript:alert('css'))">Kết thúc ]]> bài viết.</p>
<a href="/tai-lieu.pdf" onfocus="alert('onfocus')">Tài liệu</a>
<math><mtext><table><mglyph><style><img src=x onerror="alert('onerror')"></style></mtext></math>"""


def test_payloads_stored_straight_into_the_store_are_neutralised_by_the_feed_layer(tmp_path: Path) -> None:
    config = parse_config({
        "store": {"url": "sqlite:///data/deptfeeds.db"},
        "feeds": {"base_url": "https://feeds.example.vn/"},
        "sources": [{"id": "doc-hai", "name": "Sở \x01<b>độc</b> hại", "listing": ["http://doc-hai.gov.vn/tin/"]}],
        "topics": [{"id": "mo-dau", "name": "Mở đầu <script>alert('muc')</script>", "keywords": ["mở đầu"]}],
    }, tmp_path / "deptfeeds.toml")
    store = Store(config.store_url)
    store.sync_sources(config.sources)
    store.save_article(ArticleRecord(
        source_id="doc-hai", url="http://doc-hai.gov.vn/tin/bai-1.html",
        title="Tiêu đề\x0b <script>alert('tieu-de')</script><img src=x onerror=alert('onerror')> sạch",
        summary="Tóm tắt <b onclick=alert('onclick')>in đậm</b>\x1b",
        body_html=HOSTILE_HTML, body_text="Mở đầu bài viết", author="Tác giả <i>\x07nghiêng</i>",
        image_url="javascript:alert('javascript-url')", categories=["Mục <script>alert('muc')</script>\x00"],
        published=datetime(2025, 5, 1, 1, 0, tzinfo=UTC), content_hash="h1"))
    store.save_article(ArticleRecord(
        source_id="doc-hai", url="http://doc-hai.gov.vn/tin/bai-2.html", title="Ảnh nội tuyến",
        body_html='<p>Ảnh <img src="data:image/png;base64,iVBORw0KGgo="></p>', body_text="Ảnh",
        image_url="data:image/png;base64,iVBORw0KGgo=", published=datetime(2025, 4, 1, tzinfo=UTC),
        content_hash="h2"))

    build_feeds(store, config)
    store.close()

    public = tmp_path / "public"
    assert_every_feed_harmless(public, "https://feeds.example.vn/")
    feed = feedparser.parse((public / "doc-hai.rss").read_bytes())
    assert feed.feed.title == "Sở độc hại"
    first = feed.entries[0]
    assert first.title == "Tiêu đề sạch"
    assert first.author == "Tác giả nghiêng"
    assert [t.term for t in first.tags] == ["Mục"]
    assert first.enclosures == []  # a javascript: "image" is no enclosure
    body = html.fragment_fromstring(first.content[0].value, create_parent="div")
    assert body.xpath("//a/@href") == ["http://doc-hai.gov.vn/tai-lieu.pdf"]
    assert body.xpath("//img/@src") == ["http://doc-hai.gov.vn/tin/x.png"]
    assert "Mở đầu bài viết." in body.text_content() and "Kết thúc ]]> bài viết." in body.text_content()
    assert [e.title for e in feedparser.parse((public / "topics" / "mo-dau.rss").read_bytes()).entries] == [
        "Tiêu đề sạch"]
