"""Listing pages of every sample family: article links, the date printed beside each, the next page.

With the source's profile and with no configuration at all, walking a source's listing pages
must reach exactly its sample articles (plus, for Drupal, the featured story's /node/ URL), each
dated as the editor dated it, and stop after the last page.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from bs4 import BeautifulSoup

from crawler.listing import LINKS_READ, MAX_LINKS, article_links, next_page
from crawler.profiles import Profile, profile_for
from tests.sample_pages import ZERO_CONFIG, listing_pages, route_key_of, sample_pages, sources

SOURCES = sorted(s.id for s in sources().values() if s.kind == "news")  # documents: test_documents.py
PAGES_PER_SOURCE = {"langson": 2, "caobang": 3, "dienbien": 2, "hoabinh": 2, "kontum": 2, "bacgiang": 2,
                    "quangtri": 2, "hatinh": 2}


def walk(source_id: str, profile: Profile) -> tuple[list[str], dict[str, datetime | None]]:
    """The listing URLs visited and every article link found, with its listed date."""
    source = sources()[source_id]
    visited, dates = [], {}
    for url, soup in listing_pages(source, profile):
        visited.append(url)
        for link in article_links(soup, url, source.hosts, selectors=profile.links,
                                  patterns=profile.article_urls, timezone=source.timezone):
            dates.setdefault(route_key_of(link.url), link.date)
    return visited, dates


def expected(source_id: str) -> dict[str, datetime]:
    return {route_key_of(page.url): datetime.fromisoformat(page.expected["published"])
            for page in sample_pages() if page.source.id == source_id}


def assert_dated_as_published(found: dict[str, datetime | None], wanted: dict[str, datetime]) -> None:
    for key, published in wanted.items():
        listed = found[key]
        assert listed is not None, key
        if (listed.hour, listed.minute) == (0, 0):
            assert listed.date() == published.date(), key
        else:
            assert listed == published, key


@pytest.mark.parametrize("source_id", SOURCES)
def test_profile_reaches_every_article_with_its_listed_date(source_id: str) -> None:
    visited, found = walk(source_id, profile_for(sources()[source_id]))
    wanted = expected(source_id)
    assert len(visited) == PAGES_PER_SOURCE[source_id]
    extra = set(found) - set(wanted)
    assert extra == ({"sokhcn.langson.gov.vn/node/1587.html"} if source_id == "langson" else set())
    assert_dated_as_published(found, wanted)


@pytest.mark.parametrize("source_id", SOURCES)
def test_zero_config_finds_the_main_list_and_not_the_sidebars(source_id: str) -> None:
    visited, found = walk(source_id, ZERO_CONFIG)
    wanted = expected(source_id)
    assert len(visited) == PAGES_PER_SOURCE[source_id]
    assert set(found) == set(wanted)
    assert_dated_as_published(found, wanted)


LISTING = """<html><body>
<div id="header"><ul class="menu">
  <li><a href="/gioi-thieu">Giới thiệu về Sở Khoa học và Công nghệ</a></li></ul></div>
<div class="col-left"><div class="box"><div class="box-title">Tin mới nhất</div><ul>
  <li><a href="/tin/khac-1.html">Một tin mới ở chuyên mục khác của trang web Sở</a></li>
  <li><a href="/tin/khac-2.html">Một tin mới nữa ở chuyên mục khác của trang web Sở</a></li>
  <li><a href="/tin/khac-3.html">Và thêm một tin mới ở chuyên mục khác của trang web</a></li></ul></div></div>
<div class="col-main">
  <div class="item"><a class="t" href="/tin/hoi-nghi-1.html">Hội nghị tổng kết công tác năm 2024 của Sở</a>
    <span>(10/01/2025)</span>
    <p>Chiều ngày 09/01/2025, Sở Khoa học và Công nghệ tổ chức Hội nghị tổng kết năm 2024.</p></div>
  <div class="item">
    <a class="t" href="/tin/tap-huan-2.html">Tập huấn nghiệp vụ sở hữu trí tuệ cho doanh nghiệp</a>
    <span>(15/03/2024)</span>
    <p>Trong hai ngày 13 - 14/3/2024, Sở tổ chức lớp tập huấn cho hơn 80 học viên.</p></div>
  <div class="paging">Trang: <b>1</b> <a href="?p=2">2</a> <a href="?p=2">Tiếp &gt;&gt;</a></div>
</div></body></html>"""


def test_a_listing_never_seen_before() -> None:
    soup = BeautifulSoup(LISTING, "lxml")
    base = "http://skhcn.example.gov.vn/tin-tuc/"
    links = article_links(soup, base, {"skhcn.example.gov.vn"})
    assert [(link.url, link.date.date().isoformat()) for link in links] == [
        ("http://skhcn.example.gov.vn/tin/hoi-nghi-1.html", "2025-01-10"),
        ("http://skhcn.example.gov.vn/tin/tap-huan-2.html", "2024-03-15"),
    ]
    assert next_page(soup, base, {"skhcn.example.gov.vn"}) == "http://skhcn.example.gov.vn/tin-tuc/?p=2"


def test_links_to_other_sites_are_never_articles() -> None:
    html = LISTING.replace('href="/tin/tap-huan-2.html"', 'href="http://baodienbien.vn/tap-huan-2.html"')
    links = article_links(BeautifulSoup(html, "lxml"), "http://skhcn.example.gov.vn/tin-tuc/",
                          {"skhcn.example.gov.vn"})
    assert [link.url for link in links] == ["http://skhcn.example.gov.vn/tin/hoi-nghi-1.html"]


@pytest.mark.parametrize("title", ["Tiếp tục triển khai chương trình đổi mới công nghệ",
                                   "Sau 5 năm thực hiện đề án phát triển tài sản trí tuệ"])
def test_an_article_whose_title_starts_like_a_pager_is_not_the_next_page(title: str) -> None:
    html = LISTING.replace("<body>", f'<body><a href="/tin/bai-3.html">{title}</a>', 1)
    assert html != LISTING
    assert next_page(BeautifulSoup(html, "lxml"), "http://skhcn.example.gov.vn/tin-tuc/",
                     {"skhcn.example.gov.vn"}) == "http://skhcn.example.gov.vn/tin-tuc/?p=2"


def test_the_last_page_has_no_next_page() -> None:
    html = LISTING.replace('<a href="?p=2">2</a> <a href="?p=2">Tiếp &gt;&gt;</a>', "")
    assert next_page(BeautifulSoup(html, "lxml"), "http://skhcn.example.gov.vn/tin-tuc/",
                     {"skhcn.example.gov.vn"}) is None


def all_news_page(items: int) -> str:
    """An "all news" page listing every article the site ever published, after a menu."""
    menu = "".join(f'<li><a href="/chuyen-muc-{i}">Chuyên mục {i}</a></li>' for i in range(10))
    rows = "".join(f'<li><a href="/tin-tuc/hoi-nghi-so-{i}.html">Hội nghị khoa học và công nghệ số {i}'
                   f'</a> <span>{1 + i % 28:02d}/05/2024</span></li>' for i in range(items))
    return f'<html><body><ul class="menu">{menu}</ul><ul class="news">{rows}</ul></body></html>'


def test_a_page_of_twenty_thousand_links_gives_its_first_thousand_in_order(
        caplog: pytest.LogCaptureFixture) -> None:
    soup = BeautifulSoup(all_news_page(20_000), "lxml")
    with caplog.at_level("WARNING", logger="deptfeeds.crawl"):
        links = article_links(soup, "http://sokhcn.example.gov.vn/tin-tuc", {"sokhcn.example.gov.vn"})
    assert [link.url for link in links] == [
        f"http://sokhcn.example.gov.vn/tin-tuc/hoi-nghi-so-{i}.html" for i in range(MAX_LINKS)]
    assert links[31].date == datetime(2024, 5, 4, tzinfo=links[31].date.tzinfo)  # each item keeps its date
    assert f"over {LINKS_READ} links on the page" in caplog.text
    assert f"over {MAX_LINKS} article links; taking the first {MAX_LINKS}" in caplog.text
