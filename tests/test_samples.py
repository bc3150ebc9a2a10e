"""Every sample article page, extracted offline, against what a careful editor kept (its JSON).

One case per page with the source's profile (family and selectors from samples/deptfeeds.toml),
and one per page with no selectors and no family, where the generic path must still get the
title, the date and the lead right and let no chrome through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from crawler.extract.article import Article
from tests.sample_pages import CHROME, ZERO_CONFIG, SamplePage, page_file, sample_pages

PAGES = sample_pages()

ALLOWED_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "table", "tr", "td", "th", "figure", "img",
                "figcaption", "a", "strong", "em", "br", "blockquote", "sub", "sup"}


def editor_view(article: Article) -> dict:
    """The article in the shape of the expected JSON (empty values left out, as there)."""
    view = {
        "url": None,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "author": article.author,
        "lead": article.summary,
        "paragraphs": article.paragraphs,
        "captions": [image.caption for image in article.images if image.caption],
        "images": [image.url for image in article.images],
        "attachments": [{"url": a.url, "title": a.title, "type": a.type} for a in article.attachments],
    }
    return {key: value for key, value in view.items() if value}


def expected_view(page: SamplePage) -> dict:
    return {key: value for key, value in page.expected.items() if key != "url"}


def chrome_in(text: str) -> list[str]:
    return [line for line in CHROME if line in text]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.id)
def test_article_as_the_editor_kept_it(page: SamplePage) -> None:
    assert page_file(page.url) == page.path, "the mirror serves this page at its URL"
    article = page.extract()
    assert editor_view(article) == expected_view(page)
    assert chrome_in(article.body_text) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.id)
def test_zero_config_gets_title_date_and_lead_and_no_chrome(page: SamplePage) -> None:
    article = page.extract(ZERO_CONFIG)
    got = {"title": article.title, "lead": article.summary,
           "published": article.published.isoformat() if article.published else None}
    want = {key: page.expected.get(key) for key in ("title", "lead", "published")}
    assert got == want
    assert chrome_in(article.body_text) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.id)
def test_feed_html_is_simple_and_opens_with_the_lead_once(page: SamplePage) -> None:
    article = page.extract()
    soup = BeautifulSoup(article.body_html, "lxml")
    assert {tag.name for tag in soup.body.find_all(True)} <= ALLOWED_TAGS
    for tag in soup.find_all("img"):
        assert urlsplit(tag["src"]).scheme in ("http", "https")
    for tag in soup.find_all("a", href=True):
        assert urlsplit(tag["href"]).scheme in ("http", "https", "mailto")
    first = soup.body.find(True)
    assert first.name == "p" and first.get_text() == article.summary
    assert article.body_text.count(article.summary) == 1
    assert article.title not in article.body_text.splitlines()
    for figure, image in zip(soup.find_all("figure"), article.images, strict=True):
        caption = figure.find("figcaption")
        assert figure.img["src"] == image.url
        assert (caption.get_text() if caption else "") == image.caption
