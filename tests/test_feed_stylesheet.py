"""A feed opened in a browser: `deptfeeds serve` sends RSS and Atom with their stylesheet, and
Debian's headless Chromium shows a page (title, how to subscribe, the entries), not raw XML.

The fixture sites' feeds are served over HTTP, as a reader's browser would get them; a topic's
feed sits one folder down and names the stylesheet relatively. Chromium is installed by
tests/install-tools.sh (run by `make test`); without it the rendering test skips.
"""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

import feedparser
import pytest
from lxml import html

from tests.test_index_page import CHROMIUM, FLAGS

FEEDS = ["thunghiem.rss", "thunghiem.atom", "all.atom", "all.rss", "topics/do-luong.atom"]


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # Chromium's
READER_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"


def fetch(url: str, accept: str = READER_ACCEPT) -> tuple[str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["Content-Type"], response.read()


def test_readers_get_the_feed_types_and_browsers_plain_xml(feed_server: str) -> None:
    """Chromium applies a stylesheet only to a generic XML type; it shows application/rss+xml as text."""
    for name, feed_type in (("all.rss", "application/rss+xml"), ("all.atom", "application/atom+xml")):
        assert fetch(f"{feed_server}/{name}")[0] == f"{feed_type}; charset=utf-8"
        assert fetch(f"{feed_server}/{name}", BROWSER_ACCEPT)[0] == "application/xml; charset=utf-8"
    assert fetch(f"{feed_server}/all.json", BROWSER_ACCEPT)[0] == "application/feed+json; charset=utf-8"


def test_rss_and_atom_name_the_stylesheet_and_it_is_served_as_xsl(feed_server: str) -> None:
    content_type, stylesheet = fetch(f"{feed_server}/feed.xsl")
    assert content_type == "text/xsl; charset=utf-8"
    assert b"<xsl:stylesheet" in stylesheet
    for name in FEEDS:
        _, feed = fetch(f"{feed_server}/{name}")
        href = "../feed.xsl" if "/" in name else "feed.xsl"
        assert f'<?xml-stylesheet type="text/xsl" href="{href}"?>'.encode() in feed.splitlines()[1]
        assert not feedparser.parse(feed).bozo  # readers are not put off by it


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (tests/install-tools.sh installs "
                                              "Debian's chromium with apt-get; it needs root or sudo)")
@pytest.mark.parametrize("name", FEEDS)
def test_a_feed_opened_in_chromium_is_a_readable_page(feed_server: str, tmp_path: Path, name: str) -> None:
    _, data = fetch(f"{feed_server}/{name}")
    feed = feedparser.parse(data)
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                             f"{feed_server}/{name}"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    page = html.fromstring(result.stdout)

    assert page.xpath("string(//h1)").strip() == feed.feed.title
    subscribe = " ".join(page.xpath("string(//*[@id='subscribe'])").split())
    assert "Đây là nguồn tin" in subscribe and "trình đọc tin" in subscribe
    assert feed.feed.links[0].href in subscribe or any(link.href in subscribe for link in feed.feed.links)
    shown = [(" ".join(a.text_content().split()), a.get("href"))
             for a in page.xpath("//ol[@id='entries']//a[@class='entry-title']")]
    assert shown == [(entry.title, entry.link) for entry in feed.entries]
    assert shown, "the fixture feeds have entries"
    assert "&amp;" not in page.xpath("string(//ol[@id='entries'])")  # summaries unescaped once
