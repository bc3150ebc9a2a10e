"""Layouts no family or sample covers, extracted with no configuration at all.

Written after the samples to check the generic path on other shapes FIELD_NOTES describes:
an ASP.NET table portal with its title in a styled span (Cần Thơ), a Bootstrap theme with
lazy images and share buttons (Bến Tre), an old layout of `<font>` text broken by `<br>`
(Lâm Đồng), and an old page with a Flash clip in an unclosed `<embed>` mid-article (Sóc Trăng:
libxml2 nests what follows an `<embed>` inside it, which took the rest of the article with it).
Then the classes the generality issue names: a VNPT-built portal whose page heading and <title>
say only "Chi tiết tin" (news detail), and a general news layout whose body is split by an
advert slot and a newsletter box, with a trending list, an "Updated" stamp, a slideshow counter
and next-story cards after the text.
Each page sits in tests/extract_pages/ beside the JSON an editor would write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract.article import extract_article
from tests.sample_pages import CHROME

PAGES = sorted((Path(__file__).parent / "extract_pages").glob("*.html"))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_a_layout_never_configured(page: Path) -> None:
    expected = json.loads(page.with_suffix(".json").read_text("utf-8"))
    article = extract_article(page.read_bytes(), expected["url"])
    got = {
        "url": article.url, "title": article.title, "published": article.published.isoformat(),
        "author": article.author, "lead": article.summary, "paragraphs": article.paragraphs,
        "images": [{"url": image.url, "caption": image.caption} for image in article.images],
        "canonical": article.canonical,
    }
    assert got == expected
    assert [line for line in CHROME if line in article.body_text] == []
