"""Recrawls: nothing fetched twice, nothing stored twice, and an edit moves exactly one entry.

The sample sites are copied to a temporary folder and served over HTTP on 127.0.0.1; every
crawl and build is a real `deptfeeds` process. The mirror answers conditional requests with
304, and counts what it was asked.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from core.config import load_config
from core.store import Store
from crawler.canonical import canonical_url
from deptfeeds.mirror import MirrorServer, serving
from tests.conftest import SAMPLES
from tests.sample_crawl import build, crawl, stored_urls, write_config

# Every test here touches the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("store_url")

EDITED = ("sokhcn.langson.gov.vn/index.php/hoi-thao-khoa-hoc-cong-nghe-va-doi-moi-sang-tao-day-nhanh-"
          "qua-trinh-phuc-hoi-va-phat-trien-kinh-te-xa-hoi.html")
EDITED_URL = "http://" + EDITED.removesuffix(".html")
OLD_SENTENCE = "Tham dự Hội thảo có các quý vị đại biểu"
NEW_SENTENCE = "Tham dự Hội thảo có hơn 80 quý vị đại biểu"



@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, MirrorServer]]:
    """A private copy of the sample sites (this module edits one article), served on loopback."""
    root = tmp_path_factory.mktemp("sites") / "sites"
    shutil.copytree(SAMPLES / "sites", root)
    with serving(root) as server:
        yield root, server


def test_recrawl_fetches_nothing_known_and_an_edit_updates_one_entry(
        sites: tuple[Path, MirrorServer], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    root, server = sites
    config = write_config(tmp_path)

    first = crawl(config, server)
    print(f"first crawl: {len(first.hits)} requests {first.statuses()}, "
          f"article pages fetched {first.total('fetched')}, entries created {first.total('new')}")
    assert first.total("new") >= 25
    known = stored_urls(config)
    failed = {canonical_url(e["url"]) for run in first.runs for e in run.errors}
    feeds_before = build(config)

    second = crawl(config, server)
    retried = second.asked(failed)
    print(f"second crawl: {len(second.hits)} requests {second.statuses()}, "
          f"article pages fetched {second.total('fetched')} ({len(retried)} that gave no article before), "
          f"skipped {second.total('skipped')}, entries created {second.total('new')}")
    assert second.asked(known) == [], "no stored article is fetched again"
    assert second.total("fetched") == sum(status in (200, 304) for _, status in retried)
    assert second.total("new") == second.total("updated") == second.total("duplicate") == 0
    # Each source's first listing page holds only known articles, so paging stops there: one
    # listing page per source is all that is asked for (robots.txt is kept a day, RFC 9309).
    assert second.total("skipped") > 0
    assert len(second.hits) == len(load_config(config).sources)
    assert not any(url.endswith("/robots.txt") for _, url, _ in second.hits)
    assert second.statuses().get(200, 0) == 0, "every page asked for again was answered 304"
    assert build(config) == feeds_before, "no feed file rewritten"

    page = root / EDITED
    original = page.read_text(encoding="utf-8")
    # the sites are the module's: put the page back for the run on the other store backend
    request.addfinalizer(lambda: page.write_text(original, encoding="utf-8"))
    page.write_text(original.replace(OLD_SENTENCE, NEW_SENTENCE), encoding="utf-8")
    store = Store(load_config(config).store_url)
    before = {a.url: a for a in store.articles()}
    store.close()

    # A wide recheck window makes the old sample articles due for a recheck, as fresh ones are.
    third = crawl(write_config(tmp_path, recheck_days=100_000), server)
    changed = [url for _, url, status in third.hits if status == 200]
    print(f"third crawl (everything due for a recheck): {len(third.hits)} requests {third.statuses()}, "
          f"article pages fetched {third.total('fetched')} ({third.total('not_modified')} not modified)")
    assert changed == [EDITED_URL]
    assert third.total("updated") == 1
    assert third.total("new") == third.total("duplicate") == 0

    store = Store(load_config(config).store_url)
    after = {a.url: a for a in store.articles()}
    store.close()
    assert after.keys() == before.keys(), "same rows, same URLs"
    edited = after[EDITED_URL]
    assert edited.id == before[EDITED_URL].id
    assert NEW_SENTENCE in edited.body_text and edited.updated > before[EDITED_URL].updated
    assert all(after[u].updated == before[u].updated for u in after if u != EDITED_URL)

    feeds_after = build(config)
    rewritten = {p.name for p in feeds_after if feeds_after[p] != feeds_before[p]}
    assert rewritten == {"langson.rss", "langson.atom", "langson.json", "all.rss", "all.atom", "all.json"}
    atom = feedparser.parse(feeds_after[config.parent / "public" / "langson.atom"][0])
    old_atom = feedparser.parse(feeds_before[config.parent / "public" / "langson.atom"][0])
    entry = next(e for e in atom.entries if e.link == EDITED_URL)
    old_entry = next(e for e in old_atom.entries if e.link == EDITED_URL)
    assert entry.id == old_entry.id and entry.updated != old_entry.updated
    assert len(atom.entries) == len(old_atom.entries)
    rss = feedparser.parse(feeds_after[config.parent / "public" / "langson.rss"][0])
    old_rss = feedparser.parse(feeds_before[config.parent / "public" / "langson.rss"][0])
    assert [e.id for e in rss.entries] == [e.id for e in old_rss.entries], "RSS guids stable"


SMALL_SITE = """
[[sources]]
id = "tin"
name = "Sở KH&CN (trang thử)"
listing = ["http://tin.example.gov.vn/tin-tuc/"]
family = "drupal"
"""


def test_redirects_tracking_queries_and_print_views_are_remembered(tmp_path: Path) -> None:
    config = write_config(tmp_path, sources=SMALL_SITE)
    with serving(Path(__file__).parent / "fixtures" / "sites") as server:
        first = crawl(config, server)
        second = crawl(config, server)
    asked = [url for _, url, _ in first.hits]
    assert "http://tin.example.gov.vn/node/7" in asked, "the redirecting link is followed"
    assert "http://tin.example.gov.vn/node/9" in asked and not any("/bm/print/" in u for u in asked)
    assert first.total("new") == 3
    known = stored_urls(config)
    assert {"http://tin.example.gov.vn/node/7", "http://tin.example.gov.vn/tin-tuc/hoi-thao-phat-trien-ca-phe-che",
            "http://tin.example.gov.vn/tin-tuc/ky-niem-ngay-khoa-hoc-va-cong-nghe",
            "http://tin.example.gov.vn/node/9"} <= known
    assert not any("utm_source" in url for url in known)
    print(f"second crawl: {[url for _, url, _ in second.hits]}")
    assert [url for _, url, _ in second.hits] == ["http://tin.example.gov.vn/tin-tuc/"]
    assert second.total("skipped") == 3 and second.total("fetched") == 0
