"""Layouts no family or sample covers, extracted with no configuration at all.

Written after the samples to check the generic path on other shapes FIELD_NOTES describes:
an ASP.NET table portal with its title in a styled span (Cần Thơ), a Bootstrap theme with
lazy images and share buttons (Bến Tre), an old layout of `<font>` text broken by `<br>`
(Lâm Đồng), and an old page with a Flash clip in an unclosed `<embed>` mid-article (Sóc Trăng:
libxml2 nests what follows an `<embed>` inside it, which took the rest of the article with it).
Then the classes the generality issue names: a VNPT-built portal whose page heading and <title>
say only "Chi tiết tin" (news detail), and a general news layout whose body is split by an
advert slot and a newsletter box, with a trending list, an "Updated" stamp, a slideshow counter
and next-story cards after the text; and a page whose density guess overgrows into the page's
wrapper (a partners box denser than the article's short paragraphs, the menu, the address
footer), where trafilatura's second opinion points at the article inside it (second.py); and an article
whose body class a related story's teaser also uses, with its tag links under the text (the
teaser is no body and the page is no listing); and a WordPress theme that names its entry
"entry themeform share" (the share rule's class on the article's own container).
Each page sits in tests/extract_pages/ beside the JSON an editor would write.
"""

from __future__ import annotations

import json
import subprocess
import sys
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


SECOND_OPINION_CHECK = """
import sys
from tests.sample_pages import sample_pages
from crawler.extract.second import peer_text
for page in sample_pages():
    page.extract()
print("trafilatura" in sys.modules)
"""


def test_configured_pages_never_load_the_second_opinion() -> None:
    """trafilatura is imported only for a page no rule covers: every configured sample page
    extracts without it (it costs as much as our whole extraction, and a second of imports)."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", SECOND_OPINION_CHECK], cwd=root, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_second_opinion_finds_the_article_inside_an_overgrown_guess() -> None:
    """The density guess took the page's wrapper (menu, partners box, address footer): the
    element agreeing with trafilatura's text sits inside it and becomes the body."""
    page = Path(__file__).parent / "extract_pages" / "haugiang-dense-box-beside.html"
    expected = json.loads(page.with_suffix(".json").read_text("utf-8"))
    article = extract_article(page.read_bytes(), expected["url"])
    assert article.paths["body"] == "second-opinion"
    assert "Đối tác của chương trình" not in article.body_text and "Địa chỉ:" not in article.body_text
