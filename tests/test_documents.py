"""Documents sections (`kind = "documents"`): each row of a documents table is an entry, over HTTP.

Two made-up departments in tests/fixtures/sites: one lists its plans, decisions and notices in
a table over two pages (number, date issued, summary, issuer, a file to download; some rows
link a detail page), the other republishes one of the same decisions. Each row becomes an entry
titled by its summary and number, published on the date issued, its file the enclosure, and
the decision both publish is one story in the combined feed.

Two sample sites of two families list their documents without a <table> (NukeViet's laws
module draws one with divs; a Drupal view prints rows of fields): their family's document
selectors read them, and each list has beside it the JSON of what an editor would keep.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from core.config import Source
from crawler.documents import DocumentRow, document_rows
from crawler.profiles import profile_for
from deptfeeds.mirror import MirrorServer
from tests.conftest import REPO, SAMPLES, run_cli
from tests.sample_pages import expected_pages, page_file

SITE = REPO / "tests" / "fixtures" / "sites" / "sokhcn.vanban.gov.vn"
CONFIG = """[store]
url = "sqlite:///data/deptfeeds.db"

[crawl]
delay = 0

[[sources]]
id = "vanban"
name = "Sở KH&CN Văn Bản"
listing = ["http://sokhcn.vanban.gov.vn/van-ban/"]
kind = "documents"

[[sources]]
id = "lienke"
name = "Sở KH&CN Liên Kề"
listing = ["http://skhcn.lienke.gov.vn/tai-lieu/"]
kind = "documents"
"""


def test_the_table_is_found_by_its_header_and_read_row_by_row() -> None:
    rows = document_rows((SITE / "van-ban" / "index.html").read_text("utf-8"),
                         "http://sokhcn.vanban.gov.vn/van-ban/", "Asia/Ho_Chi_Minh")
    assert [(r.number, r.issued.date().isoformat(), r.issuer) for r in rows] == [
        ("48/KH-SKHCN", "2025-03-12", "Sở KH&CN"), ("112/QĐ-UBND", "2025-03-05", "UBND tỉnh")]
    plan, decision = rows
    assert plan.page == "http://sokhcn.vanban.gov.vn/van-ban/chi-tiet-48.html"
    assert [(f.url, f.title, f.type) for f in plan.files] == [
        ("http://sokhcn.vanban.gov.vn/files/kh-48-2025.pdf", "48/KH-SKHCN", "application/pdf")]
    assert decision.page == "" and decision.url == "http://sokhcn.vanban.gov.vn/files/qd-112-2025.pdf"
    assert plan.title == "Kế hoạch triển khai nhiệm vụ khoa học và công nghệ cấp tỉnh năm 2025 (48/KH-SKHCN)"


def test_a_page_without_a_documents_table_gives_no_rows() -> None:
    staff = "<table><tr><th>Họ tên</th><th>Chức vụ</th></tr><tr><td>A</td><td>B</td></tr></table>"
    assert document_rows(staff, "http://x.gov.vn/", "Asia/Ho_Chi_Minh") == []


def test_documents_become_entries_with_their_files(tmp_path: Path, fixture_mirror: MirrorServer) -> None:
    config = tmp_path / "deptfeeds.toml"
    config.write_text(CONFIG, "utf-8")
    result = run_cli("run", "--config", str(config), proxy=fixture_mirror)
    assert result.returncode == 0, result.stderr[-3000:]

    feed = feedparser.parse((tmp_path / "public" / "vanban.rss").read_bytes())
    assert not feed.bozo and len(feed.entries) == 4  # both pages of the table
    plan = next(e for e in feed.entries if "48/KH-SKHCN" in e.title)
    assert plan.link == "http://sokhcn.vanban.gov.vn/van-ban/chi-tiet-48.html"
    assert "12 Mar 2025 00:00:00 +0700" in plan.published
    [enclosure] = plan.enclosures
    assert enclosure.href.endswith("/files/kh-48-2025.pdf") and enclosure.type == "application/pdf"
    assert int(enclosure.length) == (SITE / "files" / "kh-48-2025.pdf").stat().st_size  # from the HEAD
    notice = next(e for e in feed.entries if "35/TB-SKHCN" in e.title)
    assert notice.enclosures[0].type.endswith("wordprocessingml.document")

    combined = feedparser.parse((tmp_path / "public" / "all.atom").read_bytes())
    decisions = [e for e in combined.entries if "112/QĐ-UBND" in e.title]
    assert len(decisions) == 1 and len(combined.entries) == 5  # the shared decision is one story

    # Again: the first page holds only stored documents, so it is the last one read.
    asked_before = len(fixture_mirror.hits)
    again = run_cli("run", "--config", str(config), proxy=fixture_mirror)
    assert again.returncode == 0, again.stderr[-3000:]
    asked = [url for _, url, _ in fixture_mirror.hits[asked_before:] if "vanban" in url]
    assert asked == ["http://sokhcn.vanban.gov.vn/van-ban/"]


def editor_view(row: DocumentRow) -> dict:
    """A document in the shape of the expected JSON (empty values left out, as there)."""
    view = {"number": row.number, "issued": row.issued.isoformat() if row.issued else None,
            "issuer": row.issuer, "summary": row.summary, "title": row.title, "page": row.page,
            "files": [{"url": f.url, "title": f.title, "type": f.type} for f in row.files]}
    return {key: value for key, value in view.items() if value}


@pytest.mark.parametrize(("path", "expected", "source"), expected_pages("documents"),
                         ids=lambda value: value.id if isinstance(value, Source) else None)
def test_documents_list_as_the_editor_kept_it(path: Path, expected: dict, source: Source) -> None:
    assert page_file(expected["url"]) == path, "the mirror serves this page at its URL"
    rows = document_rows(path.read_text("utf-8"), expected["url"], source.timezone,
                         selectors=profile_for(source).documents)
    assert [editor_view(row) for row in rows] == expected["documents"]


def test_a_sources_own_document_selectors_win_over_its_familys() -> None:
    page = (SAMPLES / "sites" / "khcncaobang.gov.vn" / "laws" / "index.html").read_text("utf-8")
    own = {"rows": ".table-rows:not(.table-head)", "summary": ".c-intro strong", "number": ".c-stt"}
    source = Source.model_validate({
        "id": "cb", "name": "CB", "listing": ["http://khcncaobang.gov.vn/laws/"], "family": "nukeviet",
        "kind": "documents", "selectors": {"documents": own}})
    rows = document_rows(page, "http://khcncaobang.gov.vn/laws/", source.timezone,
                         selectors=profile_for(source).documents)
    assert [row.number for row in rows] == ["1", "2", "3"]  # the row's counter, as the source says
    assert rows[0].issued is None and rows[0].page.endswith("-412/")  # no date selector given
