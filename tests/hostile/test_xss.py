"""Known XSS vectors in article titles and bodies: nothing executable reaches a feed or the index page.

The XSS site (tests/faults/server.py, generator "xss") has one article per vector in
xss_vectors.txt: the vector escaped in its title (a CMS escapes titles) and raw in its body,
in a paragraph, a block and a link. Feeds are read raw and their HTML parsed as browsers do.
"""

from __future__ import annotations

from tests.faults.server import xss_vectors
from tests.hostile.conftest import HostileRun
from tests.hostile.executable import executable_in_feed, executable_parts

VECTORS = xss_vectors()
# Vectors that only old browsers ran (backtick quotes, Netscape JS entities, IE data binding and
# XML namespaces) or that an HTML5 parser turns into text or comments: inert on their own.
INERT = {
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<BR SIZE=\"&{alert('XSS')}\">",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version=\"1.0\"?><html xmlns:xss><xss:script>alert(1)</xss:script></html>",
    "<HTML xmlns:xss><?import namespace=\"xss\" implementation=\"http://xss.rocks/xss.htc\">"
    "<xss:xss>XSS</xss:xss></HTML>",
    "<SPAN DATASRC=\"#xss\" DATAFLD=\"B\" DATAFORMATAS=\"HTML\"></SPAN>",
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    "<img src=\"x` `<script>alert(1)</script>\"` `>",
}


def test_there_are_at_least_100_distinct_vectors() -> None:
    assert len(set(VECTORS)) == len(VECTORS) >= 100


def test_the_checker_sees_what_a_browser_would_run() -> None:
    missed = [v for v in VECTORS if not executable_parts(f"<div>{v}</div>")]
    assert set(missed) <= INERT, missed
    assert executable_parts("<p>Hội nghị <a href='https://so.gov.vn/a'>khoa học</a></p>") == []


def test_every_vector_article_is_stored_or_named(content: HostileRun) -> None:
    urls = {f"http://xss.example.gov.vn/index.php/bai-{n}" for n in range(1, len(VECTORS) + 1)}
    stored = set(content.after.articles["xss"])
    named = {e["url"] for e in content.errors("xss")}
    assert stored | named == urls
    assert len(stored) >= 100
    # A <meta refresh> to javascript: is ignored, not followed into a crash.
    assert not [e for e in content.errors("xss") if e["error"].startswith("error: ")]


def test_no_feed_carries_anything_executable(content: HostileRun) -> None:
    files = [p for p in sorted(content.feeds.iterdir()) if p.suffix in (".rss", ".atom", ".json")]
    assert {"xss.rss", "xss.atom", "all.rss"} <= {p.name for p in files}
    found = [part for path in files for part in executable_in_feed(path)]
    assert found == []


def test_the_feeds_still_hold_the_vector_articles(content: HostileRun) -> None:
    text = (content.feeds / "xss.atom").read_text("utf-8")
    assert text.count("<entry>") == len(content.after.articles["xss"])
    assert "Nội dung cảnh báo số 1" in text


def test_the_index_page_runs_nothing(content: HostileRun) -> None:
    page = (content.feeds / "index.html").read_text("utf-8")
    assert "Sở KH&amp;CN thử nghiệm xss" in page
    assert executable_parts(page, page=True) == []
