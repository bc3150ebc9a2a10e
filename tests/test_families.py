"""CMS family profiles: a new province on a known CMS is one line (`family = "liferay"`).

The held-out Liferay and Joomla sites are configured with no family (they measure the generic
path); here the same sources name their family, and the family's selectors must do the work:
reach every article from the listing with its listed date, and extract each page exactly as
the editor kept it, with title and body (and Joomla's date) from the family's selectors.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from core.config import Source
from crawler.canonical import canonical_url
from crawler.extract.article import extract_article
from crawler.families import FAMILIES
from crawler.listing import article_links
from crawler.profiles import Profile, profile_for
from tests.sample_pages import SamplePage, listing_pages, route_key_of, sample_pages, sources
from tests.test_samples import chrome_in, editor_view, expected_view

HELD_OUT = {"quangtri": "liferay", "hatinh": "joomla"}
FROM_FAMILY = {"liferay": ("title", "body"), "joomla": ("title", "body", "date")}


def with_family(source_id: str) -> tuple[Source, Profile]:
    source = sources()[source_id].model_copy(update={"family": HELD_OUT[source_id]})
    return source, profile_for(source)


def listed(source: Source, profile: Profile) -> tuple[int, dict[str, datetime | None]]:
    """Listing pages walked, and every article link found (by the file it reaches) with its date."""
    pages, dates = 0, {}
    for url, soup in listing_pages(source, profile):
        pages += 1
        assert any(soup.select(selector) for selector in profile.links), f"no family link selector on {url}"
        if pages == 1:
            assert any(soup.select(selector) for selector in profile.next_page), f"no family pager on {url}"
        for link in article_links(soup, url, source.hosts, selectors=profile.links,
                                  patterns=profile.article_urls, timezone=source.timezone):
            dates[route_key_of(link.url)] = link.date
    return pages, dates


def held_out_pages(source_id: str) -> list[SamplePage]:
    return [page for page in sample_pages() if page.source.id == source_id]


@pytest.mark.parametrize("source_id", HELD_OUT)
def test_the_family_walks_the_listing_to_every_article_with_its_date(source_id: str) -> None:
    source, profile = with_family(source_id)
    pages, dates = listed(source, profile)
    wanted = {route_key_of(page.url): page.expected["published"][:10] for page in held_out_pages(source_id)}
    assert pages == 2
    assert {key: date.date().isoformat() for key, date in dates.items() if date} == wanted


@pytest.mark.parametrize("page", [page for source_id in HELD_OUT for page in held_out_pages(source_id)],
                         ids=lambda page: page.id)
def test_the_family_extracts_each_article_as_the_editor_kept_it(page: SamplePage) -> None:
    source, profile = with_family(page.source.id)
    listing_date = listed(source, profile)[1].get(route_key_of(page.url))
    article = extract_article(page.path.read_bytes(), page.url, content_type=page.content_type,
                              rules=profile.extract, listing_date=listing_date)
    assert editor_view(article) == expected_view(page)
    assert chrome_in(article.body_text) == []
    for field in FROM_FAMILY[source.family]:
        if field != "date" or article.date_source != "listing":  # hatinh/1587 prints no date
            assert article.paths[field] == f"family:{source.family}", field


def test_liferay_links_drop_the_redirect_back_to_the_listing() -> None:
    keep = FAMILIES["liferay"].keep_params
    link = ("http://sokhcn.quangtri.gov.vn/web/guest/tin-tuc/-/asset_publisher/A7rGxnR1fT0k/content/"
            "hoi-nghi?redirect=http%3A%2F%2Fsokhcn.quangtri.gov.vn%2Fweb%2Fguest%2Ftin-tuc")
    assert canonical_url(link, keep) == link.split("?")[0]


def test_joomla_keeps_the_parameters_of_a_non_sef_article_url() -> None:
    keep = FAMILIES["joomla"].keep_params
    url = "http://khcn.hatinh.gov.vn/index.php?option=com_content&view=article&id=1584&catid=9&Itemid=101"
    assert canonical_url(url + "&utm_source=zalo", keep) == canonical_url(url)
