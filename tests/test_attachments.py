"""Files an article attaches: found on the page, stored with it, described by one HEAD each, in every feed.

The end-to-end test crawls tests/fixtures/sites/sokhcn.kehoach.gov.vn over real HTTP (the
mirror answers HEAD with the file's Content-Type and Content-Length and no body), builds the
feeds and reads them with feedparser.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import inspect

from core.config import Source, load_config
from core.files import FileHead, described
from core.store import ArticleRecord, Store
from crawler.extract.article import extract_article
from crawler.extract.attachments import file_target
from crawler.profiles import profile_for
from deptfeeds.mirror import answer, serving
from tests.sample_crawl import crawl, write_config
from tests.test_samples import editor_view
from tests.test_store_upgrade import old_store

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"
HOST = "sokhcn.kehoach.gov.vn"
SITE = SITES / HOST
ARTICLE = next((SITE / "tin-tuc").glob("ke-hoach-*.html"))
UPLOADS = f"http://{HOST}/uploads/news/2025_03/"
PLAN, RULES, CONTACTS, FORM = (UPLOADS + name for name in (
    "ke-hoach-48-kh-skhcn.pdf", "the-le-cuoc-thi-sang-tao-2025.pdf", "danh-sach-don-vi-dau-moi.xlsx",
    "mau-phieu-dang-ky-du-thi.docx"))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SOURCE = f"""
[[sources]]
id = "kehoach"
name = "Sở KH&CN Kế Hoạch"
listing = ["http://{HOST}/tin-tuc/"]
family = "nukeviet"
"""
BASE = "http://sokhcn.vidu.gov.vn/tin-tuc/bai.html"
PROSE = ("<p>Sở Khoa học và Công nghệ thông báo kế hoạch tuyển chọn tổ chức, cá nhân chủ trì thực hiện "
         "nhiệm vụ khoa học và công nghệ cấp tỉnh năm 2026, hồ sơ nộp trước ngày 30/6/2025.</p>")


def page(body: str, around: str = "") -> str:
    return (f"<html><head><title>Thông báo tuyển chọn</title></head><body>{around}<article>"
            f"<h1>Thông báo tuyển chọn nhiệm vụ khoa học và công nghệ năm 2026</h1>{PROSE}{body}"
            "</article></body></html>")


def found(body: str, around: str = "") -> list[tuple[str, str, str]]:
    article = extract_article(page(body, around), BASE)
    return [(a.url, a.title, a.type) for a in article.attachments]


@pytest.mark.parametrize("name, kind", [
    ("qd.pdf", "application/pdf"), ("qd.doc", "application/msword"), ("qd.docx", DOCX),
    ("bang.xls", "application/vnd.ms-excel"), ("bang.XLSX", "application/vnd.openxmlformats-officedocument"
                                                               ".spreadsheetml.sheet"),
    ("slide.ppt", "application/vnd.ms-powerpoint"), ("slide.pptx", "application/vnd.openxmlformats-"
                                                                   "officedocument.presentationml.presentation"),
    ("vb.odt", "application/vnd.oasis.opendocument.text"), ("bang.ods", "application/vnd.oasis.opendocument"
                                                                        ".spreadsheet"),
    ("ho-so.zip", "application/zip"), ("ho-so.rar", "application/vnd.rar"),
    ("ho-so.7z", "application/x-7z-compressed"),
])
def test_a_link_to_a_file_is_an_attachment_by_its_extension(name: str, kind: str) -> None:
    assert found(f'<p>Xem <a href="/files/{name}">Quyết định số 12/QĐ-SKHCN</a> kèm theo.</p>') == [
        (f"http://sokhcn.vidu.gov.vn/files/{name}", "Quyết định số 12/QĐ-SKHCN", kind)]


@pytest.mark.parametrize("text", ["Tệp đính kèm", "File đính kèm", "Tải về", "Văn bản đính kèm", "Download"])
def test_a_link_is_an_attachment_by_its_text_and_then_named_by_its_file(text: str) -> None:
    got = found(f'<p>Mẫu hồ sơ: <a href="/DownloadFile.aspx?id=77">{text}</a></p>')
    assert got == [("http://sokhcn.vidu.gov.vn/DownloadFile.aspx?id=77", "DownloadFile.aspx",
                    "application/octet-stream")]


def test_a_link_with_a_download_attribute_is_an_attachment() -> None:
    got = found('<p>Mẫu hồ sơ: <a download href="/uploads/file/77">Mẫu đề xuất nhiệm vụ</a></p>')
    assert got == [("http://sokhcn.vidu.gov.vn/uploads/file/77", "Mẫu đề xuất nhiệm vụ",
                    "application/octet-stream")]


@pytest.mark.parametrize("viewer, title", [
    ('<iframe src="/pdfjs/web/viewer.html?file=%2Fupload%2Ftb-12.pdf" title="Thông báo 12"></iframe>',
     "Thông báo 12"),
    ('<iframe src="https://docs.google.com/viewer?url=http://sokhcn.vidu.gov.vn/upload/tb-12.pdf&embedded=true">'
     "</iframe>", "tb-12.pdf"),
    ('<object data="/upload/tb-12.pdf" type="application/pdf" height="600"></object>', "tb-12.pdf"),
    ('<embed src="/upload/tb-12.pdf" type="application/pdf" width="100%" height="600">', "tb-12.pdf"),
])
def test_a_file_shown_in_an_embedded_viewer_is_an_attachment(viewer: str, title: str) -> None:
    assert found(f"<p>{viewer}</p><p>Các đơn vị nghiên cứu kỹ thông báo trước khi lập hồ sơ.</p>") == [
        ("http://sokhcn.vidu.gov.vn/upload/tb-12.pdf", title, "application/pdf")]


def test_images_stay_figures_and_pages_are_not_attachments() -> None:
    article = extract_article(page(
        '<p><a href="/upload/anh-hoi-nghi.jpg"><img src="/upload/anh-hoi-nghi.jpg" width="600"></a></p>'
        '<p>Xem thêm <a href="/tin-tuc/bai-khac.html">Tải về</a>, <a href="/tin-tuc/bai-2">bài trước</a> và '
        '<a href="https://www.youtube.com/watch?v=abc">video</a>.</p>'), BASE)
    assert article.attachments == []
    assert [image.url for image in article.images] == ["http://sokhcn.vidu.gov.vn/upload/anh-hoi-nghi.jpg"]
    assert file_target("http://sokhcn.vidu.gov.vn/upload/anh.png") is None
    assert file_target("http://sokhcn.vidu.gov.vn/GetFile.aspx?f=KH48.pdf") == \
        "http://sokhcn.vidu.gov.vn/GetFile.aspx?f=KH48.pdf"


def test_a_query_value_in_brackets_is_no_url_and_no_crash() -> None:
    """urlsplit refuses "[...]" as a host; such a parameter names no file (seen on a real page)."""
    assert file_target("http://sokhcn.vidu.gov.vn/suche?q=[@attr_id='bgbl115s2553.pdf']") is None


def test_a_labelled_list_leaves_the_body_and_a_link_in_the_prose_stays() -> None:
    article = extract_article(page(
        '<p>Chi tiết tại <a href="/files/tb-12.pdf">Thông báo số 12/TB-SKHCN</a>.</p>'
        "<p><strong>Tệp đính kèm:</strong></p>"
        '<ul><li><a href="/files/tb-12.pdf">Thông báo 12 (245 KB)</a></li>'
        '<li><a href="/files/mau-01.docx">Tải về</a></li></ul>'), BASE)
    assert [(a.url, a.title) for a in article.attachments] == [
        ("http://sokhcn.vidu.gov.vn/files/tb-12.pdf", "Thông báo số 12/TB-SKHCN"),
        ("http://sokhcn.vidu.gov.vn/files/mau-01.docx", "mau-01.docx")]
    assert article.body_html.count("tb-12.pdf") == 1 and "Tệp đính kèm" not in article.body_text
    assert "mau-01.docx" not in article.body_html


def test_a_cms_attachment_panel_beside_the_body_counts_but_links_in_the_menu_do_not() -> None:
    panel = ('<div class="list-group news-download-file"><a class="list-group-item" download '
             'href="/uploads/news/2025_05/qd-35.pdf">Quyết định 35/QĐ-UBND</a></div>')
    got = found("", around='<nav><a href="/uploads/huong-dan.pdf">Hướng dẫn</a></nav>')
    assert got == []
    html = page("").replace("</article>", f"</article>{panel}")
    article = extract_article(html, BASE)
    assert [(a.url, a.title) for a in article.attachments] == [
        ("http://sokhcn.vidu.gov.vn/uploads/news/2025_05/qd-35.pdf", "Quyết định 35/QĐ-UBND")]


def test_the_sample_article_is_extracted_as_the_editor_kept_it() -> None:
    expected = json.loads(ARTICLE.with_suffix(".json").read_text(encoding="utf-8"))
    source = Source(id="kehoach", name="Sở KH&CN Kế Hoạch", listing=[f"http://{HOST}/tin-tuc/"],
                    family="nukeviet")
    article = extract_article(ARTICLE.read_bytes(), expected["url"], content_type="text/html; charset=utf-8",
                              rules=profile_for(source).extract, timezone=source.timezone)
    assert editor_view(article) == {key: value for key, value in expected.items() if key != "url"}


def test_a_server_answer_describes_a_file() -> None:
    attachment = {"url": PLAN, "title": "Kế hoạch", "type": "application/pdf"}
    assert described(attachment, None) == attachment
    assert described(attachment, FileHead(url=PLAN, status=405)) == attachment
    answered = FileHead(url=PLAN, status=200, media_type="application/x-pdf", length=9)
    assert described(attachment, answered) == {**attachment, "type": "application/x-pdf", "length": 9}
    assert described(attachment, FileHead(url=PLAN, status=200, media_type="application/octet-stream")) == \
        attachment
    page_link = {"url": "http://x.gov.vn/tai-ve?id=1", "title": "Tải về", "type": "application/octet-stream"}
    assert described(page_link, FileHead(url=page_link["url"], status=200, media_type="text/html")) is None


def test_an_old_store_gains_attachments_and_file_heads(tmp_path: Path) -> None:
    old_store(f"sqlite:///{tmp_path / 'store.db'}")
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        schema = inspect(store.engine)
        assert "attachments" in {c["name"] for c in schema.get_columns("articles")}
        assert "file_heads" in schema.get_table_names()
        assert [a.attachments for a in store.articles("cu")] == [[], []]
        files = [{"url": PLAN, "title": "Kế hoạch 48", "type": "application/pdf"}]
        record = ArticleRecord(source_id="cu", url="http://sokhcn.cu.gov.vn/tin-tuc/bai-3.html",
                               title="Kế hoạch", body_text="Kế hoạch số 48", attachments=files)
        assert store.save_article(record) == "new"
        head = store.save_file_head(PLAN, 200, "application/pdf", 2509)
        assert store.describe_attachment(record.url, head)
        assert store.article_for_url(record.url).attachments == [{**files[0], "length": 2509}]
        assert store.save_file_head(PLAN, 404).status == 200  # the first answer stays
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "store.db") as db:  # the column as the upgrade added it
        assert db.execute("SELECT attachments FROM articles WHERE id = 1").fetchone() == ("[]",)
    db.close()


def test_the_mirror_answers_head_with_type_and_length_and_no_body() -> None:
    _, reply = answer(SITES, "HEAD", FORM, "", {})
    assert reply.status == 200 and reply.headers["Content-Type"] == DOCX
    with serving(SITES) as server:
        host, port = server.server_address[:2]
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("HEAD", PLAN, headers={"Host": HOST})
        response = connection.getresponse()
        size = (SITE / "uploads/news/2025_03/ke-hoach-48-kh-skhcn.pdf").stat().st_size
        assert (response.status, response.getheader("Content-Type"),
                response.getheader("Content-Length")) == (200, "application/pdf", str(size))
        assert response.read() == b""
        connection.close()


def test_crawled_files_are_described_once_and_enclosed_in_every_feed(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, recheck_days=100_000, sources=SOURCE)  # the article is read again
    size = {url: (SITE / url.removeprefix(f"http://{HOST}/")).stat().st_size for url in (PLAN, RULES, FORM)}
    with serving(SITES) as server:
        first = crawl(config_path, server)
        second = crawl(config_path, server)
    heads = [(url, status) for method, url, status in first.hits if method == "HEAD"]
    assert sorted(heads) == sorted([(PLAN, 200), (RULES, 200), (CONTACTS, 404), (FORM, 200)])
    assert [hit for hit in first.hits if hit[0] == "GET" and "/uploads/" in hit[1]] == []  # never a body
    assert [hit for hit in second.hits if hit[0] == "HEAD"] == []  # each file URL asked once, ever
    assert any("ke-hoach-to-chuc" in url for _, url, _ in second.hits)  # though the article was read again
    # Pages: robots.txt, the listing and the article; the HEAD answers are not pages.
    assert [(run.status, run.new, run.pages) for run in first.runs] == [("ok", 1, 3)]

    config = load_config(config_path)
    store = Store(config.store_url)
    try:
        (article,) = store.articles("kehoach")
        assert article.attachments == [
            {"url": PLAN, "title": "Kế hoạch số 48/KH-SKHCN", "type": "application/pdf",
             "length": size[PLAN]},
            {"url": RULES, "title": "Thể lệ Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng năm 2025",
             "type": "application/pdf", "length": size[RULES]},
            {"url": CONTACTS, "title": "danh-sach-don-vi-dau-moi.xlsx",
             "type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
            {"url": FORM, "title": "Mẫu phiếu đăng ký dự thi", "type": DOCX, "length": size[FORM]}]
    finally:
        store.close()
    from tests.conftest import run_cli
    assert run_cli("build", "--config", str(config_path)).returncode == 0
    public = config.feeds_dir

    rss = feedparser.parse((public / "kehoach.rss").read_bytes())
    assert not rss.bozo
    (entry,) = rss.entries
    assert [(e.href, e.type, e.length) for e in entry.enclosures] == [
        (PLAN, "application/pdf", str(size[PLAN]))]  # RSS allows one: the first file
    content = entry.content[0].value
    assert "Tệp đính kèm" in content and "(PDF, 2 KB)" in content and "(XLSX)" in content
    assert content.count(f'href="{PLAN}"') == 2  # in the prose, and in the list after the body

    atom = feedparser.parse((public / "kehoach.atom").read_bytes())
    assert not atom.bozo
    links = [(link.href, link.type, link.get("length"))
             for link in atom.entries[0].links if link.rel == "enclosure"]
    assert links == [(PLAN, "application/pdf", str(size[PLAN])), (RULES, "application/pdf", str(size[RULES])),
                     (CONTACTS, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
                     (FORM, DOCX, str(size[FORM]))]

    (item,) = json.loads((public / "kehoach.json").read_text(encoding="utf-8"))["items"]
    assert item["attachments"][0] == {"url": PLAN, "mime_type": "application/pdf",
                                      "title": "Kế hoạch số 48/KH-SKHCN", "size_in_bytes": size[PLAN]}
    assert [a["url"] for a in item["attachments"]] == [PLAN, RULES, CONTACTS, FORM]
    assert "size_in_bytes" not in item["attachments"][2]
